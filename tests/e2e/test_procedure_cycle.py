"""One full cycle of the verification procedure in Chromium, each step taken by the member
whose step it is, through the pages they use (issue 8): the opposition's liaison files a
report of the shelling; the analyst triages it (the government accused), opens the
investigation and assigns the monitor; the monitor files a finding with a coverage gap; the
analyst requests the government's reply; the government's liaison answers in its reply inbox;
the analyst opens deliberation; each guarantor votes from its deliberation queue (Turkey
dissents); the analyst records the determination and publishes it; an observer finds it among
the published determinations and reads the votes, the dissent, the reply and the record
entries. Every new screen is checked with axe-core and saved under test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import serious_axe_violations, served
from support import ARTIFACTS, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

pytestmark = pytest.mark.browser

PASSWORD = "procedure password 2017"
# Server-held signing keys are sealed with a key derived from it.
SECRET = "a browser test secret of forty characters"
GUARANTOR_VOTES = (
    ("guarantor_ru", "not_a_violation", "Operations against Jabhat Fateh al-Sham."),
    ("guarantor_ir", "not_a_violation", "Counter-terrorism outside the truce."),
    ("guarantor_tr", "confirmed", "Villages held by parties to the truce were shelled."),
)
REPLY = "Our operations in Wadi Barada target Jabhat Fateh al-Sham, outside the truce."


@pytest.fixture
def live_server(clean_engine, tmp_path) -> Iterator[str]:
    """The Astana cast with passwords and server-held signing keys, no reports yet."""
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=Path.cwd(),
        key_dir=tmp_path / "keys",
        secret_key=SECRET,
        secure_cookies=False,
        install_frontend=False,
        checkpoint_interval=0,
    )
    services = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    for member in seed_cast(services.registry).values():
        services.auth.set_password(member.id, PASSWORD)
        services.member_keys.generate(member.id)
    with served(create_app(settings, services)) as port:
        yield f"http://127.0.0.1:{port}"


class Member:
    """One member in their own browser context, signed in through the login form."""

    def __init__(self, browser, base: str, username: str) -> None:
        # axe is injected as an inline script, which the app's Content-Security-Policy
        # rightly forbids: only this test context bypasses it.
        self.context = browser.new_context(
            locale="en-GB", viewport={"width": 1280, "height": 900}, bypass_csp=True
        )
        self.page = self.context.new_page()
        self.base = base
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(f"{base}/login")
        self.page.fill("#f-username", username)
        self.page.fill("#f-password", PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url(f"{base}/")

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)

    def submit(self, form: str) -> None:
        """Submit a form of the panel and land back on it without a refusal."""
        with self.page.expect_navigation():
            self.page.click(f"{form} button[type=submit]")
        assert self.page.locator("p.error").count() == 0, self.page.inner_text("p.error")

    def check(self, shot: str) -> None:
        """axe-core finds no serious or critical violation; the screen is saved."""
        self.page.wait_for_load_state("load")
        serious = serious_axe_violations(self.page)
        assert serious == [], f"{self.page.url}: {serious}"
        self.page.screenshot(path=str(ARTIFACTS / f"procedure-{shot}.png"), full_page=True)

    def close(self) -> None:
        assert self.errors == []
        self.context.close()


def test_a_report_goes_to_a_published_determination_with_a_dissent(chromium, live_server):
    file_the_shelling(chromium, live_server)
    analyst = Member(chromium, live_server, "analyst")
    panel = triage_and_investigate(analyst)
    incident_id = panel.split("/")[2]
    investigate(chromium, live_server, panel)
    request_reply(analyst, panel)
    reply(chromium, live_server)
    analyst.open(panel)
    analyst.submit("#step-open_deliberation")
    for username, value, reasons in GUARANTOR_VOTES:
        cast_vote(chromium, live_server, incident_id, username, value, reasons)
    determine_and_publish(analyst, panel)
    analyst.close()
    read_as_an_observer(chromium, live_server, incident_id)


def file_the_shelling(browser, base: str) -> None:
    """The opposition's liaison files the shelling from its home page."""
    opposition = Member(browser, base, "opposition_liaison")
    page = opposition.page
    page.fill("#f-source_name", "Opposition liaison")
    page.fill("#f-occurred_from", "2017-01-02T06:30")
    page.fill("#f-place_text", "Basimah, Wadi Barada")
    page.select_option("#f-event_type", "shelling")
    page.fill("#f-perpetrator", "Syrian Arab Army")
    page.fill("#f-narrative", "Regime artillery shelled Basimah at dawn despite the ceasefire.")
    page.click("form[action='/reports'] button[type=submit]")
    page.wait_for_url("**/?filed=*")
    opposition.close()


def triage_and_investigate(analyst: Member) -> str:
    """The analyst finds the incident, opens its procedure, triages it (the government
    accused), opens the investigation and assigns the monitor. The panel's path."""
    page = analyst.page
    analyst.open("/incidents")
    page.locator("table.incidents tbody tr a").first.click()
    page.wait_for_selector("table.claims")
    page.click("a[href$='/procedure']")
    page.wait_for_selector("#step-triage")
    panel = page.url.removeprefix(analyst.base)
    page.select_option("#step-triage select[name=accused]", "gov")
    page.fill("#step-triage input[name=note]", "The opposition accuses government forces.")
    analyst.submit("#step-triage")
    analyst.submit("#step-investigate")
    page.fill("#assign-form input[name=monitor]", "monitor")
    analyst.submit("#assign-form")
    assert "member-monitor" in page.inner_text("section[aria-labelledby=investigation]")
    analyst.check("panel-investigation")
    return panel


def investigate(browser, base: str, panel: str) -> None:
    """The monitor files a finding that names what could not be observed."""
    monitor = Member(browser, base, "monitor")
    page = monitor.page
    monitor.open(panel)
    page.select_option("#investigation-form select[name=observed]", "violation_observed")
    page.select_option("#investigation-form select[name=coverage]", "partly_observed")
    page.fill("#investigation-form textarea[name=findings]", "Impacts west of Basimah.")
    page.select_option("#investigation-form select[name=gap_kind]", "access_denied")
    page.fill("#investigation-form input[name=gap_area]", "Ain al-Fijah spring")
    page.fill("#investigation-form input[name=gap_note]", "checkpoint closed to monitors")
    monitor.submit("#investigation-form")
    gaps = page.inner_text("article.investigation-report")
    assert "access denied: Ain al-Fijah spring" in gaps
    assert "partly observed" in gaps
    monitor.close()


def request_reply(analyst: Member, panel: str) -> None:
    page = analyst.page
    analyst.open(panel)
    page.fill("#reply-request-form textarea", "Artillery fell on Basimah at dawn on 2 January.")
    analyst.submit("#reply-request-form")
    assert "reply requested" in page.inner_text("h1")


def reply(browser, base: str) -> None:
    """The government's liaison answers in its reply inbox."""
    government = Member(browser, base, "gov_liaison")
    page = government.page
    page.click("nav a[href='/replies']")
    page.wait_for_selector("article.reply-request")
    assert "Artillery fell on Basimah" in page.inner_text("article.reply-request")
    government.check("reply-inbox")
    page.fill("article.reply-request textarea[name=text]", REPLY)
    government.submit("article.reply-request form")
    assert "answered" in page.inner_text("article.reply-request .reply-status")
    government.close()


def cast_vote(
    browser, base: str, incident_id: str, username: str, value: str, reasons: str
) -> None:
    """A guarantor votes from its own deliberation queue, signing with its password."""
    guarantor = Member(browser, base, username)
    page = guarantor.page
    page.click("nav a[href='/deliberation']")
    page.wait_for_selector(f"#queue-{incident_id}")
    assert "not yet" in page.inner_text(f"#queue-{incident_id}")
    if username == "guarantor_ru":
        guarantor.check("deliberation-queue")
    page.click(f"#queue-{incident_id} a")
    page.select_option("#vote-form select[name=value]", value)
    page.fill("#vote-form textarea[name=reasons]", reasons)
    page.fill("#vote-form input[name=password]", PASSWORD)
    guarantor.submit("#vote-form")
    assert page.locator(f"tr.vote-{username.removeprefix('guarantor_')}").count() == 1
    if username == "guarantor_tr":
        guarantor.check("panel-deliberation")
    guarantor.close()


def determine_and_publish(analyst: Member, panel: str) -> None:
    page = analyst.page
    analyst.open(panel)
    assert "no violation" in page.inner_text("#determination-form")
    page.select_option("#determination-form select[name=party]", "gov")
    page.fill("#determination-form input[name=clauses]", "cessation excluded-groups")
    page.select_option("#determination-form select[name=severity]", "serious")
    page.fill("#determination-form textarea[name=summary]", "By majority: no violation.")
    analyst.submit("#determination-form")
    analyst.submit("#step-publish")
    assert "published" in page.inner_text("h1")


def read_as_an_observer(browser, base: str, incident_id: str) -> None:
    """An observer finds the determination and reads it whole: votes, dissent, the reply and
    the record entries; never the monitors' findings, which stay with the mechanism."""
    observer = Member(browser, base, "observer_us")
    page = observer.page
    page.click("nav a[href='/determinations']")
    row = page.locator(f"#determination-{incident_id}")
    assert "no violation" in row.inner_text()
    assert "Turkey" in row.inner_text()
    observer.check("determinations")
    row.locator("a").click()
    page.wait_for_selector("div.determination")
    assert "no violation" in page.inner_text("div.determination")
    assert page.locator("ul.determination-votes li").count() == 3
    dissent = page.locator("ul.determination-votes li", has=page.locator("strong.dissent"))
    assert dissent.count() == 1
    assert "Turkey" in dissent.inner_text()
    assert "Villages held by parties to the truce" in page.inner_text("li.minority")
    assert REPLY in page.inner_text("div.reply")
    assert "Impacts west of Basimah" not in page.content()
    kinds = page.locator("table.record-entries tbody td code").all_inner_texts()
    for kind in ("procedure.step", "procedure.reply_filed", "procedure.published"):
        assert kind in kinds
    observer.check("published")
    observer.close()
