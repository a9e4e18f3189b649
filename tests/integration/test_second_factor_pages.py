"""Second factors through the pages, as a browser without scripts would use them (and, for
passkeys, as passkeys.js does: options by fetch, the answer in a form field)."""

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from pyotp import TOTP

from integration_helpers import csrf_token
from software_authenticator import SoftwareAuthenticator
from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import Services, build_services
from truce.domain.auth import ACCOUNT_THROTTLE, TOTP_PERIOD_SECONDS
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

PASSWORD = "correct horse battery staple"
BASE = "http://127.0.0.1"


@pytest.fixture
def services(clean_engine, tmp_path) -> Services:
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        secure_cookies=False,
        secret_key="a server secret of more than thirty-two characters",
    )
    built = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=FixedClock(),
        ids=SequentialIds("report"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(built.registry)
    for username in ("monitor", "gov_liaison"):
        built.auth.set_password(built.auth.find_member(username).id, PASSWORD)
    return built


@pytest.fixture
def browser(services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services), base_url=BASE) as client:
        yield client


def sign_in(browser, username="monitor"):
    token = csrf_token(browser.get("/login").text)
    form = {"username": username, "password": PASSWORD, "_csrf_token": token}
    return browser.post("/login", data=form, follow_redirects=False)


def post(browser, path, page_path="/account/security", **fields):
    token = csrf_token(browser.get(page_path).text)
    return browser.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)


def options(browser, path, page_path):
    token = csrf_token(browser.get(page_path).text)
    return browser.post(path, headers={"x-csrftoken": token})


def secret_on(page):
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert match, "the page shows the key"
    return match.group(1).replace(" ", "")


def enrol_totp(browser, services):
    page = post(browser, "/account/totp")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "otpauth://totp/Truce:monitor" in page.text
    totp = TOTP(secret_on(page.text))
    done = post(browser, "/account/totp/confirm", totp_code=totp.at(services.clock.now()))
    assert done.status_code == 200, done.text
    assert "Your authenticator app is set up." in done.text
    return totp


def test_the_security_page_is_for_signed_in_members_only(browser):
    response = browser.get("/account/security", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_a_member_enrols_an_authenticator_and_signs_in_with_its_code(browser, services):
    assert sign_in(browser).headers["location"] == "/"
    page = browser.get("/account/security")
    assert "Set up an authenticator app" in page.text
    totp = enrol_totp(browser, services)
    browser.post("/logout", data={"_csrf_token": csrf_token(browser.get("/").text)})
    services.clock.advance(seconds=TOTP_PERIOD_SECONDS)

    waiting = sign_in(browser)
    assert waiting.status_code == 303
    assert waiting.headers["location"] == "/login/second-factor"
    second = browser.get("/login/second-factor")
    assert "Six-digit code" in second.text
    assert "Use my passkey" not in second.text
    wrong = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    refused = post(browser, "/login/second-factor", "/login/second-factor", totp_code=wrong)
    assert refused.status_code == 401
    code = totp.at(services.clock.now())
    done = post(browser, "/login/second-factor", "/login/second-factor", totp_code=code)
    assert done.status_code == 303
    assert "truce_session" in done.cookies
    assert "Set up: sign-in asks" in browser.get("/account/security").text


def test_wrong_enrolment_codes_are_throttled(browser, services):
    sign_in(browser)
    page = post(browser, "/account/totp")
    right = TOTP(secret_on(page.text)).at(services.clock.now())
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(ACCOUNT_THROTTLE.limit):
        assert post(browser, "/account/totp/confirm", totp_code=wrong).status_code == 401
    throttled = post(browser, "/account/totp/confirm", totp_code=right)
    assert throttled.status_code == 429
    # Until confirmed the enrolment waits, its code still shown.
    assert "Scan this code" in browser.get("/account/security").text


def test_changing_a_factor_needs_the_password_again_after_a_few_minutes(browser, services):
    sign_in(browser)
    services.clock.advance(minutes=6)
    page = browser.get("/account/security")
    assert "Confirm it is you" in page.text
    assert "Set up an authenticator app" not in page.text
    refused = post(browser, "/account/totp")
    assert refused.status_code == 403
    wrong = post(browser, "/account/reauthenticate", password="not the password")
    assert wrong.status_code == 401
    confirmed = post(browser, "/account/reauthenticate", password=PASSWORD)
    assert confirmed.status_code == 303
    assert post(browser, "/account/totp").status_code == 200


def test_every_form_needs_its_csrf_token(browser):
    sign_in(browser)
    for path in (
        "/account/totp",
        "/account/totp/confirm",
        "/account/totp/remove",
        "/account/reauthenticate",
        "/account/passkeys",
        "/account/passkeys/options",
        "/account/passkeys/remove",
        "/login/second-factor",
        "/login/passkey",
        "/login/passkey/options",
    ):
        assert browser.post(path, data={}).status_code == 403, path


def test_a_member_adds_a_passkey_and_signs_in_with_it(browser, services):
    key = SoftwareAuthenticator(origin=BASE, rp_id="127.0.0.1")
    sign_in(browser)
    made = options(browser, "/account/passkeys/options", "/account/security")
    assert made.status_code == 200
    assert made.json()["rp"] == {"id": "127.0.0.1", "name": "Truce"}
    added = post(browser, "/account/passkeys", response=key.create(made.text), name="field kit")
    assert added.status_code == 200, added.text
    assert "Your passkey was added." in added.text
    assert "field kit" in added.text
    browser.post("/logout", data={"_csrf_token": csrf_token(browser.get("/").text)})

    assert sign_in(browser).headers["location"] == "/login/second-factor"
    second = browser.get("/login/second-factor")
    assert "Use my passkey" in second.text
    assert "Passkeys need JavaScript" in second.text  # said to browsers without scripts
    asked = options(browser, "/login/passkey/options", "/login/second-factor")
    assert asked.status_code == 200
    answer = key.get(asked.text)
    done = post(browser, "/login/passkey", "/login/second-factor", response=answer)
    assert done.status_code == 303
    assert browser.get("/account/security").text.count("field kit") == 1
    # The same answer again opens nothing: the waiting sign-in and its challenge are spent.
    again = post(browser, "/login/passkey", "/login", response=answer)
    assert again.status_code == 303
    assert again.headers["location"] == "/login"


def test_a_passkey_answer_that_fails_shows_the_second_step_again(browser, services):
    key = SoftwareAuthenticator(origin=BASE, rp_id="127.0.0.1")
    sign_in(browser)
    made = options(browser, "/account/passkeys/options", "/account/security")
    post(browser, "/account/passkeys", response=key.create(made.text))
    browser.post("/logout", data={"_csrf_token": csrf_token(browser.get("/").text)})
    sign_in(browser)
    asked = options(browser, "/login/passkey/options", "/login/second-factor")
    phished = key.get(asked.text, origin="http://evil.test")
    refused = post(browser, "/login/passkey", "/login/second-factor", response=phished)
    assert refused.status_code == 401
    assert "That did not work" in refused.text
    garbage = post(browser, "/login/passkey", "/login/second-factor", response="")
    assert garbage.status_code == 401


def test_another_members_passkey_cannot_be_removed(browser, services):
    theirs = SoftwareAuthenticator(origin=BASE, rp_id="127.0.0.1")
    sign_in(browser, "gov_liaison")
    made = options(browser, "/account/passkeys/options", "/account/security")
    post(browser, "/account/passkeys", response=theirs.create(made.text))
    browser.cookies.clear()
    sign_in(browser, "monitor")
    refused = post(browser, "/account/passkeys/remove", credential_id=theirs.id)
    assert refused.status_code == 404
    gov = services.auth.find_member("gov_liaison").id
    assert len(services.auth.factors(gov).passkeys) == 1


def test_the_second_step_without_a_waiting_sign_in_starts_again(browser):
    response = browser.get("/login/second-factor", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    token = csrf_token(browser.get("/login").text)
    refused = browser.post("/login/passkey/options", headers={"x-csrftoken": token})
    assert refused.status_code == 401


def test_without_a_server_secret_the_page_says_so_and_passkeys_still_work(clean_engine, tmp_path):
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        secure_cookies=False,
    )
    keyless = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=FixedClock(),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(keyless.registry)
    keyless.auth.set_password(keyless.auth.find_member("monitor").id, PASSWORD)
    with TestClient(create_app(settings, keyless), base_url=BASE) as browser:
        sign_in(browser)
        refused = post(browser, "/account/totp")
        assert refused.status_code == 503
        assert "TRUCE_SECRET_KEY" in refused.text
        key = SoftwareAuthenticator(origin=BASE, rp_id="127.0.0.1")
        made = options(browser, "/account/passkeys/options", "/account/security")
        added = post(browser, "/account/passkeys", response=key.create(made.text))
        assert added.status_code == 200
