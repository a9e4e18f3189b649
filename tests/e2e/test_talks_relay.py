"""A relay round trip in Chromium (issue 9): the opposition's liaison writes in its channel,
the mediator relays it verbatim to the government, whose open page shows it without reload;
the government replies, and the mediator relays a paraphrase back, which the opposition's
open page shows without reload, and nothing of the government's own words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import served
from support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, seed_cast
from talk_helpers import ASTANA
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

pytestmark = pytest.mark.browser
PASSWORD = "delegation password 2017"
PEOPLE = ("opposition_liaison", "gov_liaison", "un_mediator")


@pytest.fixture
def astana_server(clean_engine, tmp_path) -> Iterator[tuple[str, dict[str, str]]]:
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=Path.cwd(),
        key_dir=tmp_path / "keys",
        secure_cookies=False,
    )
    services = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(services.registry)
    for username in PEOPLE:
        services.auth.set_password(services.auth.find_member(username).id, PASSWORD)
    round_ = services.talks.open_round(services.auth.find_member("un_mediator"), ASTANA)
    with services.talks.uow() as uow:
        ids = {c.body_id or "guarantors": c.id for c in uow.talks.channels(round_.id)}
    ids["round"] = round_.id
    with served(create_app(settings, services)) as port:
        yield f"http://127.0.0.1:{port}", ids


def signed_in(browser, base: str, username: str):
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(base + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("main form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def relay(console, base: str, round_id: str, text: str, to: str, mode: str, wording: str = ""):
    """The mediator reloads the console and relays the message that says `text`."""
    console.goto(f"{base}/talks/rounds/{round_id}")
    message_id = console.locator("li.message", has_text=text).first.get_attribute("id")
    assert message_id is not None
    form = console.locator(
        f"form[action='/talks/messages/{message_id.removeprefix('message-')}/relay']"
    )
    form.locator("select[name=channel_id]").select_option(to)
    form.locator("select[name=mode]").select_option(mode)
    if wording:
        form.locator("textarea[name=text]").fill(wording)
    form.locator("button[type=submit]").click()
    console.wait_for_url(f"{base}/talks/rounds/{round_id}")


def say(page, text: str) -> None:
    page.fill("#text", text)
    page.click("form.post button[type=submit]")
    page.wait_for_selector(f"li.message:has-text('{text}')")


def test_a_relay_round_trip_between_the_two_delegations(astana_server):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when Chromium exists

    base, ids = astana_server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        errors: list[str] = []
        opposition = signed_in(browser, base, "opposition_liaison")
        government = signed_in(browser, base, "gov_liaison")
        mediator = signed_in(browser, base, "un_mediator")
        for page in (opposition, government, mediator):
            page.on("pageerror", lambda error: errors.append(str(error)))
        opposition.goto(f"{base}/talks/channels/{ids['opp']}")
        government.goto(f"{base}/talks/channels/{ids['gov']}")

        say(opposition, "Foreign militias must withdraw first.")
        relay(
            mediator,
            base,
            ids["round"],
            "Foreign militias must withdraw first.",
            ids["gov"],
            "verbatim",
        )
        # The government's page was never reloaded: the stream brought the relay.
        arrived = government.locator(
            f"#messages-{ids['gov']} li.message", has_text="Foreign militias must withdraw first."
        )
        arrived.wait_for()
        assert "relayed verbatim" in arrived.inner_text()
        assert "the mediators" in arrived.inner_text()

        say(government, "Wadi Barada is not covered by the ceasefire.")
        relay(
            mediator,
            base,
            ids["round"],
            "Wadi Barada is not covered by the ceasefire.",
            ids["opp"],
            "paraphrase",
            "The government holds that one area lies outside the ceasefire.",
        )
        back = opposition.locator(
            f"#messages-{ids['opp']} li.message",
            has_text="The government holds that one area lies outside the ceasefire.",
        )
        back.wait_for()
        assert "relayed paraphrase" in back.inner_text()
        assert "Wadi Barada" not in opposition.inner_text("main")
        ARTIFACTS.mkdir(exist_ok=True)
        opposition.screenshot(path=str(ARTIFACTS / "talks-relay-round-trip.png"), full_page=True)
        browser.close()
    assert errors == []
