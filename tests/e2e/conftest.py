"""A real server on 127.0.0.1 and Debian's Chromium driven by Playwright (never
`playwright install`, which downloads a browser this project does not use)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_support import served
from support import ARTIFACTS, AXE, CHROMIUM, CHROMIUM_ARGS, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

PASSWORD = "field team password 2017"


def need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed: run `apt-get install -y chromium` "
            "(.ci/run does this) to run the browser tests"
        )
    if not AXE.exists():
        pytest.skip("axe-core is missing: run `npm ci` (it is a devDependency in package.json)")


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """One Chromium per test module, for tests that open their own contexts (a person, a
    device, a language each)."""
    need_chromium()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when Chromium exists

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(clean_engine, tmp_path) -> Iterator[str]:
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
    for username in ("monitor", "admin"):
        services.auth.set_password(services.auth.find_member(username).id, PASSWORD)
    with served(create_app(settings, services)) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def browser_page(live_server):
    if not CHROMIUM.exists():
        pytest.skip(
            "Chromium is not installed: run `apt-get install -y chromium` "
            "(.ci/run does this) to run the browser tests"
        )
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when Chromium exists

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        yield page, live_server, errors
        browser.close()
