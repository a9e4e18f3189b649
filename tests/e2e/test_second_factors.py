"""A person adds second factors in Chromium and signs in with them: a passkey on a virtual
authenticator (Chrome DevTools Protocol, WebAuthn domain) and an authenticator app's code."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyotp import TOTP

from browser_support import served
from support import ARTIFACTS, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

PASSWORD = "field team password 2017"

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(clean_engine, tmp_path) -> Iterator[str]:
    """As the shared one, with a server secret (second factors are stored encrypted) and on
    `localhost`: browsers refuse passkeys for an IP address."""
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=Path.cwd(),
        key_dir=tmp_path / "keys",
        secure_cookies=False,
        secret_key="an end-to-end test secret of more than 32 characters",
    )
    services = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(services.registry)
    services.auth.set_password(services.auth.find_member("monitor").id, PASSWORD)
    with served(create_app(settings, services)) as port:
        yield f"http://localhost:{port}"


def sign_in_with_password(page, base):
    page.goto(base + "/login")
    page.fill("#f-username", "monitor")
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")


def sign_out(page):
    page.click("form[action='/logout'] button")


def add_virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_a_person_adds_a_passkey_and_signs_in_with_password_and_passkey(browser_page):
    page, base, errors = browser_page
    cdp, authenticator = add_virtual_authenticator(page)
    sign_in_with_password(page, base)
    page.wait_for_url(base + "/")
    page.click("a.who")
    page.wait_for_url(base + "/account/security")
    page.fill("#f-passkey-name", "field laptop")
    page.click("#add-passkey")
    page.wait_for_selector("text=Your passkey was added.")
    assert "field laptop" in page.inner_text("#passkeys")
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1
    page.screenshot(path=str(ARTIFACTS / "account-security-passkey.png"), full_page=True)

    sign_out(page)
    sign_in_with_password(page, base)
    page.wait_for_url(base + "/login/second-factor")
    page.click("#use-passkey")
    page.wait_for_url(base + "/")
    assert "Field monitor, Rif Dimashq" in page.inner_text("header")
    page.goto(base + "/account/security")
    assert "never" not in page.inner_text("#passkeys")  # last used: just now
    assert errors == []


def test_a_person_sets_up_an_authenticator_app_and_signs_in_with_its_code(browser_page):
    page, base, errors = browser_page
    sign_in_with_password(page, base)
    page.wait_for_url(base + "/")
    page.goto(base + "/account/security")
    page.click("text=Set up an authenticator app")
    page.wait_for_selector("#totp svg")
    page.screenshot(path=str(ARTIFACTS / "account-security-totp.png"), full_page=True)
    totp = TOTP(page.inner_text("#totp-secret").replace(" ", ""))
    page.fill("#f-confirm", totp.now())
    page.click("form[action='/account/totp/confirm'] button")
    page.wait_for_selector("text=Your authenticator app is set up.")

    sign_out(page)
    sign_in_with_password(page, base)
    page.wait_for_url(base + "/login/second-factor")
    # The code just used to confirm is spent; the next step's code is accepted (one step
    # early is within the window) and is later than the one used.
    page.fill("#f-totp", totp.at(time.time() + 30))
    page.click("form[action='/login/second-factor'] button")
    page.wait_for_url(base + "/")
    assert "Field monitor, Rif Dimashq" in page.inner_text("header")
    assert errors == []
