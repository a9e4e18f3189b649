"""Authentication at the edges: the session cookie's lifetime, cookies on unsafe API calls,
refused credentials in the audit trail, and keys that no longer decrypt."""

import logging

import pytest
from litestar.testing import TestClient
from pyotp import TOTP

from integration_helpers import csrf_token, sign_in, token_for
from support import FixedClock, SequentialIds, report_fields, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

PASSWORD = "correct horse battery staple"


def test_the_password_session_cookie_lives_as_long_as_the_session(anonymous, services):
    member = services.auth.find_member("monitor")
    services.auth.set_password(member.id, PASSWORD)
    token = csrf_token(anonymous.get("/login").text)
    form = {"username": "monitor", "password": PASSWORD, "_csrf_token": token}
    response = anonymous.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303
    session = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("truce_session=")
    ).lower()
    assert "max-age=43200" in session  # the session's twelve hours, not decades
    assert "httponly" in session
    assert "samesite=strict" in session


def denied(services):
    return [(e.action, e.reason) for e in services.auth.denied_attempts()]


def test_a_token_without_the_scope_is_refused_and_audited(anonymous, services):
    token = token_for(services, "monitor", "reports:read")
    response = anonymous.post(
        "/api/v1/reports", json=report_fields(), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Not allowed"
    assert ("use_token", "scope reports:write not granted") in denied(services)


def test_a_refused_token_is_a_denied_attempt_without_detail(anonymous, services):
    response = anonymous.get("/api/v1/reports", headers={"Authorization": "Bearer tr_nope_x"})
    assert response.status_code == 401
    assert "token" not in response.json()["detail"].lower()
    assert any(action == "use_token" for action, _ in denied(services))


def test_another_authorization_scheme_is_refused_and_audited(anonymous, services):
    response = anonymous.get("/api/v1/reports", headers={"Authorization": "Basic bW9uaXRvcg=="})
    assert response.status_code == 401
    assert ("use_token", "not a token issued here") in denied(services)


def test_an_ended_session_reads_as_signed_out_and_is_a_denied_attempt(anonymous, services):
    sign_in(anonymous, services, "monitor")
    session = anonymous.cookies["truce_session"]
    services.auth.logout(session)
    page = anonymous.get("/")
    assert page.status_code == 200
    assert "Sign out" not in page.text
    assert ("use_session", "session expired or ended") in denied(services)
    assert session not in str(services.auth.audit_entries())


def test_a_session_cookie_cannot_change_data_through_the_api(anonymous, services):
    """The API has no CSRF check, so a cookie the browser sends by itself must not file a
    report there; reading stays open to the session."""
    sign_in(anonymous, services, "monitor")
    assert anonymous.get("/api/v1/reports").status_code == 200
    response = anonymous.post("/api/v1/reports", json=report_fields())
    assert response.status_code == 403
    assert "API token" in response.json()["detail"]
    assert ("use_session", "session cookie on an unsafe API request") in denied(services)
    token = token_for(services, "monitor")
    filed = anonymous.post(
        "/api/v1/reports", json=report_fields(), headers={"Authorization": f"Bearer {token}"}
    )
    assert filed.status_code == 201


def test_closing_the_services_closes_the_identity_provider_client(services):
    http = services.oidc.client._http  # noqa: SLF001 - the pool that must not leak
    assert not http.is_closed
    services.close()
    assert http.is_closed


FIRST_SECRET = "the first server secret, thirty-two characters or more"
SECOND_SECRET = "a different server secret, after the operator changed it"


def services_with(clean_engine, tmp_path, secret, clock):
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        # The record's own key is sealed with the secret too and would stop the start (a clear
        # error already): each server here keeps its own.
        key_dir=tmp_path / f"keys-{len(secret)}",
        secure_cookies=False,
        secret_key=secret,
    )
    return build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=clock,
        ids=SequentialIds("report"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.text += record.getMessage() + "\n"


@pytest.fixture
def operator_log():
    """What the web app logs for the operator (Litestar's logging setup bypasses caplog)."""
    lines = Lines()
    logger = logging.getLogger("truce.web")
    logger.addHandler(lines)
    yield lines
    logger.removeHandler(lines)


@pytest.fixture
def before_and_after(clean_engine, tmp_path):
    """The same store served before and after TRUCE_SECRET_KEY was changed."""
    clock = FixedClock()
    before = services_with(clean_engine, tmp_path, FIRST_SECRET, clock)
    seed_cast(before.registry)
    member = before.auth.find_member("opposition_liaison")
    before.auth.set_password(member.id, PASSWORD)
    return before, services_with(clean_engine, tmp_path, SECOND_SECRET, clock), member


def test_a_totp_key_that_no_longer_decrypts_is_a_clear_503_and_logged(
    before_and_after, operator_log
):
    before, after, member = before_and_after
    enrolment = before.auth.enrol_totp(member.id)
    totp = TOTP(enrolment.secret)
    before.auth.confirm_totp(member.id, totp.at(before.clock.now()))
    with TestClient(create_app(after.settings, after), base_url="http://127.0.0.1") as browser:
        form = {"username": member.username, "password": PASSWORD}
        form["_csrf_token"] = csrf_token(browser.get("/login").text)
        assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
        page = browser.get("/login/second-factor")
        after.clock.advance(minutes=1)
        code = {"totp_code": totp.at(after.clock.now()), "_csrf_token": csrf_token(page.text)}
        answer = browser.post("/login/second-factor", data=code, follow_redirects=False)
    assert answer.status_code == 503
    assert "operator fixes its configuration" in answer.text
    assert "TRUCE_SECRET_KEY changed" in operator_log.text


def test_a_member_key_that_no_longer_decrypts_is_a_clear_503_and_logged(
    before_and_after, operator_log
):
    before, after, member = before_and_after
    before.member_keys.generate(member.id)
    with TestClient(create_app(after.settings, after), base_url="http://127.0.0.1") as http:
        token = token_for(after, member.username, "decisions:read", "decisions:write")
        draft = {
            "kind": "endorsement",
            "object_kind": "agreement",
            "object_id": "syria-ceasefire-2016",
            "value": "endorse",
            "reasons": "Signed in Ankara.",
            "password": PASSWORD,
        }
        answer = http.post(
            "/api/v1/decisions/sign", json=draft, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 503, answer.text
    assert "operator fixes its configuration" in answer.json()["detail"]
    assert "TRUCE_SECRET_KEY changed" in operator_log.text
