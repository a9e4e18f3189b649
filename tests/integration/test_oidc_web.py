"""The browser's side of signing in with an organisation's OpenID Connect provider: the button
on /login, the redirect to the provider, the callback, and what a failure looks like. The
provider is the in-process fake, reached through httpx.MockTransport."""

from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from oidc_fake_idp import CLIENT_ID, CLIENT_SECRET, ISSUER, FakeIdp
from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.domain.auth import ADDRESS_THROTTLE
from truce.domain.oidc import OidcProvider
from truce.entrypoints.web.app import create_app
from truce.entrypoints.web.routes.oidc import FAILED, OIDC_COOKIE
from truce.settings import Settings

CALLBACK = "/login/oidc/un/callback"


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def idp(clock):
    return FakeIdp(clock)


@pytest.fixture
def services(clean_engine, tmp_path, clock, idp, monkeypatch):
    monkeypatch.setenv("UN_OIDC_SECRET", CLIENT_SECRET)
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        secure_cookies=False,
    )
    built = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=clock,
        ids=SequentialIds("report"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
        oidc_client=idp.client(),
    )
    members = seed_cast(built.registry)
    provider = OidcProvider(
        "un", ISSUER, CLIENT_ID, "un", label="United Nations", client_secret_env="UN_OIDC_SECRET"
    )
    built.oidc.add_provider(provider)
    built.oidc.link(members["un_mediator"].id, "un", subject=idp.subject)
    return built


@pytest.fixture
def browser(services):
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as client:
        yield client


def start(browser, idp):
    """The browser follows the button to the provider and comes back with this query."""
    response = browser.get("/login/oidc/un", follow_redirects=False)
    assert response.status_code == 303
    return idp.authorize(response.headers["location"])


def test_the_sign_in_page_offers_the_provider(browser):
    page = browser.get("/login")
    assert page.status_code == 200
    assert 'href="/login/oidc/un"' in page.text
    assert "Sign in with United Nations" in page.text


def test_the_button_sends_the_browser_to_the_provider_with_a_bound_cookie(browser):
    response = browser.get("/login/oidc/un", follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}" == ISSUER
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%2Flogin%2Foidc%2Fun%2Fcallback" in location.query
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{OIDC_COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/login/oidc" in cookie


def test_a_linked_member_comes_back_signed_in(browser, idp):
    back = start(browser, idp)
    response = browser.get(CALLBACK, params=back)
    assert response.status_code == 200
    assert 'http-equiv="refresh"' in response.text
    set_cookies = response.headers.get_list("set-cookie")
    session = next(c for c in set_cookies if c.startswith("truce_session="))
    assert "samesite=strict" in session.lower()
    assert "httponly" in session.lower()
    assert "max-age=43200" in session.lower()  # the session's twelve hours
    home = browser.get("/")
    assert "Sign out" in home.text


def test_a_replayed_callback_fails_with_the_generic_message(browser, idp):
    back = start(browser, idp)
    assert browser.get(CALLBACK, params=back).status_code == 200
    again = browser.get(CALLBACK, params=back)
    assert again.status_code == 401
    assert FAILED in again.text
    # The reason (a used state) is for the audit trail, not the page.
    assert "already used" not in again.text


def test_a_callback_in_another_browser_fails(services, browser, idp):
    back = start(browser, idp)
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as other:
        response = other.get(CALLBACK, params=back)
    assert response.status_code == 401
    assert FAILED in response.text
    denied = services.auth.denied_attempts()
    assert (
        denied[0].reason
        == "OpenID Connect provider un: callback without state, code or the browser's cookie"
    )


def test_an_error_from_the_provider_fails_without_a_crash(browser, idp):
    start(browser, idp)
    response = browser.get(CALLBACK, params={"error": "access_denied", "state": "x" * 5000})
    assert response.status_code == 401
    assert FAILED in response.text


def test_an_unknown_provider_is_not_found(browser):
    assert browser.get("/login/oidc/nobody", follow_redirects=False).status_code == 404
    assert browser.get("/login/oidc/nobody/callback?code=a&state=b").status_code == 404


def test_repeated_failures_are_throttled(browser):
    for _ in range(ADDRESS_THROTTLE.limit):
        assert browser.get(CALLBACK, params={"code": "a", "state": "b"}).status_code == 401
    throttled = browser.get(CALLBACK, params={"code": "a", "state": "b"})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert browser.get("/login/oidc/un", follow_redirects=False).status_code == 429
