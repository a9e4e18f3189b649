"""Authentication at the edges: the session cookie's lifetime, cookies on unsafe API calls,
refused credentials in the audit trail, and keys that no longer decrypt."""

from integration_helpers import csrf_token, sign_in, token_for
from support import report_fields

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
