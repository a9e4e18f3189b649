"""The operator's accounts page through the browser's forms: accounts, tokens and the
agreements' procedures; anyone else gets "not found", for the page and for each action."""

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from integration_helpers import csrf_token
from truce.bootstrap import Services
from truce.entrypoints.web.app import create_app

PASSWORD = "operator password 2017"
BASE = "http://127.0.0.1"


@pytest.fixture
def browser(services: Services) -> Iterator[TestClient]:
    for username in ("admin", "analyst"):
        services.auth.set_password(services.auth.find_member(username).id, PASSWORD)
    with TestClient(create_app(services.settings, services), base_url=BASE) as client:
        yield client


def sign_in(browser: TestClient, username: str) -> None:
    token = csrf_token(browser.get("/login").text)
    form = {"username": username, "password": PASSWORD, "_csrf_token": token}
    assert browser.post("/login", data=form, follow_redirects=False).status_code == 303


def post(browser: TestClient, path: str, **fields: str):
    token = csrf_token(browser.get("/").text)
    return browser.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)


def test_an_operator_disables_an_account_and_issues_and_revokes_a_token(browser, services):
    sign_in(browser, "admin")
    page = browser.get("/admin/accounts")
    assert page.status_code == 200
    assert 'id="account-monitor"' in page.text
    assert "Agreements and their procedures" in page.text
    monitor = services.auth.find_member("monitor")
    done = post(browser, f"/admin/accounts/{monitor.id}/disable")
    assert done.status_code == 303
    assert not services.auth.find_member("monitor").active
    assert "was disabled" in browser.get(done.headers["location"]).text
    assert post(browser, f"/admin/accounts/{monitor.id}/enable").status_code == 303
    assert services.auth.find_member("monitor").active

    issued = post(browser, "/admin/tokens", username="monitor", scopes="reports:read", days="7")
    assert issued.status_code == 200
    (token,) = services.auth.list_tokens()
    assert f"truce_{token.id}" in issued.text  # shown this once
    assert post(browser, f"/admin/tokens/{token.id}/revoke").status_code == 303
    assert services.auth.list_tokens()[0].revoked_at is not None

    refused = post(browser, "/admin/tokens", username="monitor", scopes="nothing:here", days="7")
    assert refused.status_code == 422
    assert "unknown scope" in refused.text


def test_an_operator_cannot_disable_itself(browser, services):
    sign_in(browser, "admin")
    me = services.auth.find_member("admin")
    assert post(browser, f"/admin/accounts/{me.id}/disable").status_code == 404
    assert services.auth.find_member("admin").active


def test_anyone_else_finds_no_such_page_nor_action(browser, services):
    sign_in(browser, "analyst")
    missing = browser.get("/admin/no-such-page")
    page = browser.get("/admin/accounts")
    assert page.status_code == 404
    assert page.text == missing.text
    monitor = services.auth.find_member("monitor")
    assert post(browser, f"/admin/accounts/{monitor.id}/disable").status_code == 404
    assert services.auth.find_member("monitor").active
    issued = services.auth.issue_token(monitor.id, ["reports:read"], 7)
    assert post(browser, f"/admin/tokens/{issued.token_id}/revoke").status_code == 404
    assert services.auth.list_tokens()[0].revoked_at is None
    assert "/admin/accounts" not in browser.get("/").text


def test_the_page_speaks_arabic(browser):
    sign_in(browser, "admin")
    page = browser.get("/admin/accounts?lang=ar")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text
