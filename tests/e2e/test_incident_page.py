"""The analyst, in Chromium, opens the demo's Wadi Barada incident, reads the four claims side
by side, splits the press report off with a reason and merges it back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import served
from support import ARTIFACTS
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.demo_case import seed_astana_case
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

pytestmark = pytest.mark.browser
PASSWORD = "analyst password 2017"


@pytest.fixture
def live_server(clean_engine, tmp_path) -> Iterator[str]:
    """The demo case as `truce demo` seeds it, served on 127.0.0.1 (overrides conftest's)."""
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
    assert seed_astana_case(services.registry, services.monitoring)
    services.auth.set_password(services.auth.find_member("analyst").id, PASSWORD)
    with served(create_app(settings, services)) as port:
        yield f"http://127.0.0.1:{port}"


def test_the_analyst_splits_and_merges_the_demo_incident(browser_page):
    page, base, errors = browser_page
    page.goto(f"{base}/login")
    page.fill("#f-username", "analyst")
    page.fill("#f-password", PASSWORD)
    page.click("section.login form button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/incidents?band=observed_by_monitors&disputed=yes")
    page.locator("table.incidents tbody tr a").first.click()
    page.wait_for_selector("table.claims")
    assert page.locator("table.claims thead th").count() == 5
    assert page.locator('tr.disputed[data-field="perpetrator"] .disputed-mark').count() == 1
    assert page.inner_text("#band") == "observed by monitors"
    page.screenshot(path=str(ARTIFACTS / "incident-wadi-barada.png"), full_page=True)
    original = page.url

    page.locator("#split-form label", has_text="Open-source monitoring").click()
    page.fill("#split-reason", "The press report may be of the next village's shelling.")
    page.click("#split-form button[type=submit]")
    page.wait_for_url(lambda url: url != original)
    assert page.locator("table.claims thead th").count() == 2
    press_part = page.url.rsplit("/", 1)[1]

    page.goto(original)
    assert "split" in page.inner_text("dl.standing")
    page.goto(f"{base}/incidents?band=observed_by_monitors")
    page.locator("table.incidents tbody tr a").first.click()
    page.wait_for_selector("table.claims")
    assert page.locator("table.claims thead th").count() == 4
    page.fill("#merge-other", press_part)
    page.fill("#merge-reason", "Same shelling: the press counts the same dead.")
    page.click("#merge-form button[type=submit]")
    page.wait_for_selector("table.claims")
    assert page.locator("table.claims thead th").count() == 5
    assert errors == []
