"""Helpers for tests that talk HTTP: tokens and a sign-in through the form."""

import re

from litestar.testing import TestClient

from truce.bootstrap import Services


def token_for(services: Services, username: str, *scopes: str) -> str:
    member = services.auth.find_member(username)
    granted = scopes or ("reports:read", "reports:write")
    return services.auth.issue_token(member.id, granted, days=30).token


def sign_in(client: TestClient, services: Services, username: str) -> None:
    """Sign in through the login form, as a browser would."""
    member = services.auth.find_member(username)
    services.auth.set_password(member.id, "correct horse battery staple")
    page = client.get("/login")
    token = csrf_token(page.text)
    form = {"username": username, "password": "correct horse battery staple", "_csrf_token": token}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the page carries a CSRF token"
    return match.group(1)
