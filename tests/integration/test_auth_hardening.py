"""Authentication at the edges: the session cookie's lifetime, cookies on unsafe API calls,
refused credentials in the audit trail, and keys that no longer decrypt."""

from integration_helpers import csrf_token

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
