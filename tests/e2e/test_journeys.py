"""Each role's main journey in Chromium, in English and in Arabic: sign in, land on the role's
home, do the role's job, search. Every page visited is checked with axe-core (no serious or
critical violation) and weighed (page and assets under 200 KB); key screens are saved under
test-artifacts/. One server and one browser serve the whole module, to keep it quick.

axe-core comes from npm (package.json, devDependencies) and is injected into the page under
test only, with Playwright's add_script_tag; the app never serves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import CheckedContext, served
from procedure_helpers import World, file_elsewhere, to_deliberation
from support import FixedClock
from talk_helpers import ASTANA
from truce.adapters.passwords import Argon2Hasher
from truce.application.demo_case import seed_astana_case
from truce.bootstrap import Services, build_services
from truce.domain.access import Principal
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

pytestmark = pytest.mark.browser

PASSWORD = "journey password 2017"
LANGUAGES = ("en", "ar")
# Server-held signing keys (a guarantor's vote is signed) are sealed with a key derived from it.
SECRET = "a journey test secret of forty characters"


@pytest.fixture(scope="module")
def journey_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Services]]:
    """The Astana case on its own SQLite store, served on 127.0.0.1 for the whole module."""
    root = tmp_path_factory.mktemp("journeys")
    settings = Settings(
        database_url=f"sqlite:///{root / 'journeys.db'}",
        frontend_dir=Path.cwd(),
        key_dir=root / "keys",
        secret_key=SECRET,
        secure_cookies=False,
        install_frontend=False,
        checkpoint_interval=0,
    )
    services = build_services(settings, hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024))
    seed_astana_case(services.registry, services.monitoring)
    for member in services.registry.directory().members:
        services.auth.set_password(member.id, PASSWORD)
    # The Astana round of talks, with one message of the opposition's for the mediators to
    # relay: what the liaison, the mediator and the observer journeys work in.
    round_ = services.talks.open_round(services.auth.find_member("un_mediator"), ASTANA)
    with services.talks.uow() as uow:
        opposition = next(c for c in uow.talks.channels(round_.id) if c.body_id == "opp")
    services.talks.post_message(
        services.auth.find_member("opposition_liaison"),
        opposition.id,
        "The opposition asks for a monitoring visit to Wadi Barada.",
        "en",
    )
    with served(create_app(settings, services)) as port:
        yield f"http://127.0.0.1:{port}", services
    services.close()


class Visit(CheckedContext):
    """One person in one language: a fresh browser context, pages checked as they load."""

    def open(self, path: str) -> None:
        self.weights.clear()
        self.page.goto(self.base + path)
        self.check()

    def sign_in(self, username: str) -> None:
        self.open("/login")
        self.page.fill("#f-username", username)
        self.page.fill("#f-password", PASSWORD)
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_url(self.base + "/")
        self.weights.clear()
        self.page.reload()
        self.check()

    def search(self, words: str) -> str:
        self.page.fill("#f-q", words)
        self.page.click("form.search button[type=submit]")
        self.page.wait_for_url("**/search?q=*")
        self.check()
        return self.page.inner_text("main")

    def close(self) -> None:
        assert self.errors == []
        self.context.close()


@pytest.fixture
def visit(chromium, journey_server, request):
    base, _ = journey_server
    visits: list[Visit] = []

    def start(language: str) -> Visit:
        visits.append(Visit(chromium, base, language))
        return visits[-1]

    yield start
    for one in visits:
        one.close()


def file_report(v: Visit, place: str, narrative: str) -> None:
    v.page.fill("#f-source_name", "Mechanism field team")
    v.page.fill("#f-occurred_from", "2017-01-05T06:30")
    v.page.fill("#f-place_text", place)
    v.page.select_option("#f-event_type", "shelling")
    v.page.fill("#f-narrative", narrative)
    v.page.click("form[action='/reports'] button[type=submit]")
    v.page.wait_for_url("**/?filed=*")
    v.check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_visitor_reads_public_reports_and_skips_to_the_content_by_keyboard(visit, language):
    v = visit(language)
    v.open("/")
    assert v.page.get_attribute("[data-role]", "data-role") == "public"
    v.page.keyboard.press("Tab")
    assert v.page.evaluate("document.activeElement.className") == "skip"
    v.page.keyboard.press("Enter")
    assert v.page.evaluate("document.activeElement.id") == "main"
    v.shot("visitor-home")
    v.open("/login")
    v.shot("sign-in")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_monitor_files_an_observation_and_finds_it(visit, language):
    v = visit(language)
    v.sign_in("monitor")
    assert v.page.get_attribute("[data-role]", "data-role") == "monitor"
    marker = f"Darayya-{language}"
    file_report(v, f"داريّا {marker}", f"Mortar rounds fell on {marker} at dawn.")
    assert marker in v.page.inner_text("#reports")
    v.shot("monitor-home")
    v.open("/search")
    assert marker in v.search(f"داريا {marker}")
    v.shot("monitor-search")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_party_liaison_files_an_allegation_among_its_sides_reports(visit, language):
    v = visit(language)
    v.sign_in("opposition_liaison")
    assert v.page.get_attribute("[data-role]", "data-role") == "party_liaison"
    assert "Basimah" in v.page.inner_text("#reports")
    file_report(v, f"Madaya {language}", f"Sniper fire on Madaya {language}.")
    assert f"Madaya {language}" in v.page.inner_text("#reports")
    v.shot("party-liaison-home")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guarantor_reads_what_reached_the_guarantors_and_its_history(visit, language):
    v = visit(language)
    v.sign_in("guarantor_ru")
    assert v.page.get_attribute("[data-role]", "data-role") == "guarantor"
    listed = v.page.inner_text("#reports")
    assert "Basimah" in listed
    v.shot("guarantor-home")
    v.page.click("#reports a.history >> nth=0")
    v.page.wait_for_url("**/record/history?subject=report:*")
    v.check()
    v.shot("guarantor-report-history")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mediator_reads_the_reports_behind_the_talks(visit, language):
    v = visit(language)
    v.sign_in("un_mediator")
    assert v.page.get_attribute("[data-role]", "data-role") == "mediator"
    assert v.page.locator("#reports tbody tr").count() >= 1
    v.shot("mediator-home")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_analyst_finds_arabic_reports_whatever_the_spelling(visit, language):
    v = visit(language)
    v.sign_in("analyst")
    assert v.page.get_attribute("[data-role]", "data-role") == "analyst"
    v.page.click("nav a[href='/search']")
    v.page.wait_for_url("**/search")
    v.check()
    # Alef maqsura typed as yaa, with a diacritic: the report spells it قرى وادي بردى.
    assert "قصف مدفعي على قرى وادي بردى" in v.search("قُري بردي")
    v.shot("analyst-search")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_observer_reads_only_what_is_published(visit, language):
    v = visit(language)
    v.sign_in("observer_us")
    assert v.page.get_attribute("[data-role]", "data-role") == "observer"
    assert "Basimah" not in v.page.inner_text("#reports")
    assert v.page.locator("form[action='/reports']").count() == 0
    v.shot("observer-home")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_operator_reviews_accounts_and_the_audit_trail(visit, language):
    v = visit(language)
    v.sign_in("admin")
    assert v.page.get_attribute("[data-role]", "data-role") == "operator"
    assert "gov_liaison" in v.page.inner_text(".accounts")
    v.shot("operator-home")
    v.page.click("nav a[href='/admin/audit']")
    v.page.wait_for_url("**/admin/audit")
    v.check()
    v.shot("operator-audit")


def test_a_member_switches_to_arabic_and_keeps_it(visit, journey_server):
    _, services = journey_server
    v = visit("en")
    v.sign_in("guarantor_tr")
    v.page.select_option("#f-language", "ar")
    v.page.click("form.language button[type=submit]")
    v.page.wait_for_url(v.base + "/")
    v.language = "ar"
    v.check()
    assert services.auth.find_member("guarantor_tr").language == "ar"
    v.shot("language-switched")


# --- the rest of each role's main job (issue 11, item 1) -----------------------------------------


def follow(v: Visit, selector: str, url: str) -> None:
    """Click a link and check the page it leads to."""
    v.weights.clear()
    v.page.click(selector)
    v.page.wait_for_url(url)
    v.check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_party_liaison_writes_in_its_channel_and_opens_its_reply_inbox(visit, language):
    v = visit(language)
    v.sign_in("opposition_liaison")
    follow(v, "nav a[href='/talks']", "**/talks")
    v.shot("party-liaison-talks")
    follow(v, "ul.rounds a >> nth=0", "**/talks/rounds/*")
    follow(v, "section.channel h2 a >> nth=0", "**/talks/channels/*")
    words = f"Our delegation asks for the crossing at Wadi Barada to open ({language})."
    v.page.fill("#text", words)
    v.page.click("form.post button[type=submit]")
    v.page.wait_for_selector(f"li.message:has-text('{words}')")
    v.check()
    v.shot("party-liaison-channel")
    follow(v, "nav a[href='/replies']", "**/replies")
    v.shot("party-liaison-replies")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guarantor_opens_the_deliberation_queue(visit, language):
    # The vote itself: test_a_guarantor_votes_in_arabic_from_the_deliberation_queue below,
    # and in English tests/e2e/test_procedure_cycle.py.
    v = visit(language)
    # guarantor_tr chooses Arabic in another journey: the choice is stored on the account.
    v.sign_in("guarantor_ir")
    follow(v, "nav a[href='/deliberation']", "**/deliberation")
    v.shot("guarantor-deliberation")


def test_a_guarantor_votes_in_arabic_from_the_deliberation_queue(visit, journey_server):
    """The vote in Arabic, right to left (the English one is tests/e2e/test_procedure_cycle.py):
    a shelling of Douma goes to deliberation through the services; the guarantor who chose
    Arabic opens its queue, the incident's panel, votes with its reasons and its password,
    and finds its vote in the panel's table, in Arabic."""
    _, services = journey_server
    members = {
        name: services.auth.find_member(name)
        for name in ("analyst", "monitor", "gov_liaison", "guarantor_tr")
    }
    world = World(services, FixedClock(), members, "", [])
    world.incident_id = file_elsewhere(world)
    to_deliberation(world)
    services.member_keys.generate(members["guarantor_tr"].id)
    v = visit("ar")
    v.sign_in("guarantor_tr")
    follow(v, "nav a[href='/deliberation']", "**/deliberation")
    queued = v.page.locator(f"#queue-{world.incident_id}")
    assert queued.count() == 1
    v.shot("guarantor-vote-queue")
    follow(v, f"#queue-{world.incident_id} a", f"**/incidents/{world.incident_id}/procedure")
    reasons = "قصفت قرى يسيطر عليها طرف في الهدنة."
    v.page.select_option("#vote-form select[name=value]", "confirmed")
    v.page.fill("#vote-form textarea[name=reasons]", reasons)
    v.page.fill("#vote-form input[name=password]", PASSWORD)
    v.weights.clear()
    with v.page.expect_navigation():
        v.page.click("#vote-form button[type=submit]")
    assert v.page.locator("p.error").count() == 0, v.page.inner_text("p.error")
    v.check()
    row = v.page.locator("tr.vote-tr")
    assert row.count() == 1
    assert reasons in row.inner_text()
    assert "confirmed" not in row.inner_text()
    v.shot("guarantor-vote-result")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_mediator_relays_a_message_from_the_console(visit, language):
    v = visit(language)
    v.sign_in("un_mediator")
    follow(v, "nav a[href='/talks']", "**/talks")
    follow(v, "ul.rounds a >> nth=0", "**/talks/rounds/*")
    source = v.page.locator("li.message", has_text="monitoring visit to Wadi Barada").first
    channel = source.locator("xpath=ancestor::section[contains(@class,'channel')]")
    form = channel.locator("form.relay").first
    form.locator("select[name=mode]").select_option("paraphrase")
    wording = f"One delegation proposes a monitoring visit ({language})."
    form.locator("textarea[name=text]").fill(wording)
    form.locator("button[type=submit]").click()
    v.page.wait_for_selector(f"li.message:has-text('{wording}')")
    v.check()
    v.shot("mediator-console")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_analyst_splits_and_merges_an_incident_and_reads_the_map(
    visit, journey_server, language
):
    _, services = journey_server
    v = visit(language)
    v.sign_in("analyst")
    follow(v, "nav a[href='/incidents']", "**/incidents")
    v.shot("analyst-incidents")
    # The demo's Wadi Barada incident, told by several sources.
    row = v.page.locator("table.incidents tbody tr", has_text="Wadi Barada").first
    follow(v, f"#{row.get_attribute('id')} a", "**/incidents/*")
    whole = v.page.url.rsplit("/", 1)[1]
    v.shot("analyst-incident")
    v.page.locator("#split-form input[type=checkbox]").first.check()
    v.page.fill("#split-reason", f"The press counts another day ({language}).")
    v.page.click("#split-form button[type=submit]")
    v.page.wait_for_url(lambda url: whole not in url)
    v.check()
    part = v.page.url.rsplit("/", 1)[1]
    rest = next(
        view.incident.id
        for view in services.incidents.list_incidents(principal_of(services, "analyst"), 200)
        if view.incident.split_from == whole and view.incident.id != part
    )
    v.page.fill("#merge-other", rest)
    v.page.fill("#merge-reason", f"One event after all ({language}).")
    v.page.click("#merge-form button[type=submit]")
    v.page.wait_for_load_state("load")
    v.weights.clear()
    v.page.reload()
    v.check()
    assert v.page.locator("table.claims thead th").count() >= 3
    v.shot("analyst-merged")
    follow(v, "nav a[href='/map']", "**/map")
    v.page.wait_for_selector("#map-status:not(:empty)")
    v.shot("analyst-map")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_observer_reads_the_publications_of_the_talks(visit, language):
    v = visit(language)
    v.sign_in("observer_us")
    follow(v, "nav a[href='/talks/publications']", "**/talks/publications")
    assert "monitoring visit" not in v.page.inner_text("main")
    v.shot("observer-publications")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_operator_manages_accounts_and_tokens_and_opens_the_quarantine(
    visit, journey_server, language
):
    _, services = journey_server
    v = visit(language)
    v.sign_in("admin")
    follow(v, "nav a[href='/admin/accounts']", "**/admin/accounts")
    assert v.page.locator(".procedure-config").count() >= 1
    v.shot("operator-accounts")
    v.page.click("#account-observer_us form button[type=submit]")
    v.page.wait_for_url("**/admin/accounts?done=disabled")
    v.check()
    assert not services.auth.find_member("observer_us").active
    v.page.click("#account-observer_us form button[type=submit]")
    v.page.wait_for_url("**/admin/accounts?done=enabled")
    assert services.auth.find_member("observer_us").active
    v.page.fill("#f-token-username", "monitor")
    v.page.fill("#f-token-scopes", "reports:read")
    v.page.fill("#f-token-label", f"tablet {language}")
    v.page.click("form.issue-token button[type=submit]")
    v.page.wait_for_selector("#issued-token")
    v.check()
    v.shot("operator-token-issued")
    v.open("/quarantine")
    v.shot("operator-quarantine")


def principal_of(services: Services, username: str):
    member = services.auth.find_member(username)
    body = services.registry.directory().body(member.body_id)
    assert body is not None
    return Principal.of(member, body)
