"""The operator opens accounts and sets an agreement's procedure through the browser's forms;
the new member enrols through the one-time link and signs in. Every other member of the named
cast finds no such page nor action (404), a token without the admin scope gets 403, a form
without its CSRF token is refused, and bad input gets a 4xx naming the field."""

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from cast import CAST
from integration_helpers import csrf_token, sign_in, token_for
from truce.adapters.geo.files import read_zones
from truce.application.demo_case import AGREEMENT
from truce.bootstrap import Services
from truce.entrypoints.web.app import create_app

BASE = "http://127.0.0.1"
PASSPHRASE = "olive trees by the river"
ACCOUNT = {
    "username": "monitor_aleppo",
    "title": "Monitor, Aleppo",
    "body_id": "mechanism",
    "role_monitor": "on",
    "language": "ar",
}
PROCEDURE = {
    "decision_rule": "majority",
    "quorum": "3",
    "reply_window_hours": "48",
    "investigation_window_hours": "168",
    "deliberation_window_hours": "168",
    "on_deliberation_lapse": "not_established",
}
OTHERS = sorted(name for name in CAST if name != "admin")
LINK = re.compile(r"http://127\.0\.0\.1/enrol/[A-Za-z0-9_-]+(\?lang=\w+)?")


@pytest.fixture
def browser(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services), base_url=BASE) as client:
        yield client


def post(browser: TestClient, path: str, fields: dict[str, str]):
    token = csrf_token(browser.get("/login").text)
    return browser.post(path, data={**fields, "_csrf_token": token}, follow_redirects=False)


def versions(services: Services) -> int:
    with services.auth.uow() as uow:
        return uow.agreements.get(AGREEMENT.id).version


def test_an_operator_opens_an_account_and_the_member_enrols_and_signs_in(browser, services):
    sign_in(browser, services, "admin")
    page = browser.get("/admin/accounts")
    assert 'action="/admin/accounts"' in page.text
    opened = post(browser, "/admin/accounts", ACCOUNT)
    assert opened.status_code == 201, opened.text
    link = LINK.search(opened.text)
    assert link is not None
    assert link.group(0).endswith("?lang=ar")
    member = services.auth.find_member("monitor_aleppo")
    assert (member.body_id, member.language) == ("mechanism", "ar")
    # The link is shown once: the page reloaded does not show it.
    assert LINK.search(browser.get("/admin/accounts").text) is None
    assert "no password yet" in browser.get("/admin/accounts").text

    with TestClient(create_app(services.settings, services), base_url=BASE) as newcomer:
        path = link.group(0).removeprefix(BASE)
        form = newcomer.get(path)
        assert form.status_code == 200
        assert 'dir="rtl"' in form.text
        assert "monitor_aleppo" in form.text
        token = csrf_token(form.text)
        differ = {"password": PASSPHRASE, "confirmation": "something else", "_csrf_token": token}
        assert newcomer.post(path, data=differ).status_code == 422
        short = {"password": "short", "confirmation": "short", "_csrf_token": token}
        assert newcomer.post(path, data=short).status_code == 422
        good = {"password": PASSPHRASE, "confirmation": PASSPHRASE, "_csrf_token": token}
        assert newcomer.post(path, data=good).status_code == 200
        assert newcomer.post(path, data=good).status_code == 404
        assert newcomer.get(path).status_code == 404
        login = {"username": "monitor_aleppo", "password": PASSPHRASE}
        token = csrf_token(newcomer.get("/login").text)
        signed = newcomer.post(
            "/login", data={**login, "_csrf_token": token}, follow_redirects=False
        )
        assert signed.status_code == 303


@pytest.mark.parametrize(
    ("change", "status", "said"),
    [
        ({"username": ""}, 422, "Username"),
        ({"username": "monitor"}, 409, "Username"),
        ({"title": "  "}, 422, "Title"),
        ({"body_id": "atlantis"}, 422, "Body"),
        ({"body_id": "gov"}, 422, "cannot be held in a body of kind party"),
        ({"role_monitor": "", "role_king": "on"}, 422, "unknown role"),
        ({"language": "klingon"}, 422, "must be one of"),
    ],
)
def test_bad_account_input_names_the_field(browser, services, change, status, said):
    sign_in(browser, services, "admin")
    fields = {key: value for key, value in {**ACCOUNT, **change}.items() if value}
    refused = post(browser, "/admin/accounts", fields)
    assert refused.status_code == status
    assert "The account was not opened" in refused.text
    assert said in refused.text
    assert len(services.auth.accounts()) == len(CAST)


def test_an_operator_sees_the_whole_agreement_and_sets_its_procedure(browser, services):
    sign_in(browser, services, "admin")
    page = browser.get(f"/admin/agreements/{AGREEMENT.id}")
    assert page.status_code == 200
    for clause in AGREEMENT.clauses:
        assert f'id="clause-{clause.id}"' in page.text
    assert "Guarantors" in page.text
    assert 'name="quorum"' in page.text

    too_many = post(
        browser, f"/admin/agreements/{AGREEMENT.id}/procedure", {**PROCEDURE, "quorum": "4"}
    )
    assert too_many.status_code == 422
    assert "cannot exceed the 3 guarantors" in too_many.text
    not_hours = {**PROCEDURE, "reply_window_hours": "soon"}
    refused = post(browser, f"/admin/agreements/{AGREEMENT.id}/procedure", not_hours)
    assert refused.status_code == 422
    assert "Reply window (hours)" in refused.text
    assert versions(services) == 1

    done = post(browser, f"/admin/agreements/{AGREEMENT.id}/procedure", PROCEDURE)
    assert done.status_code == 303
    assert versions(services) == 2
    shown = browser.get(done.headers["location"])
    assert "a new version of the agreement is in force" in shown.text
    again = post(browser, f"/admin/agreements/{AGREEMENT.id}/procedure", PROCEDURE)
    assert again.status_code == 422
    assert "nothing changed" in again.text
    assert browser.get("/admin/agreements/no-such-agreement").status_code == 404


def test_the_agreements_zones_are_listed_with_their_kind_in_the_readers_language(
    browser, services, tmp_path
):
    zones = tmp_path / "zones.geojson"
    zones.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"id":"spring","kind":"protected_site","name":"Ain al-Fijah"},'
        '"geometry":{"type":"Point","coordinates":[36.2,33.6]}}]}'
    )
    services.geography.load_zones(AGREEMENT.id, read_zones(zones)[0])
    sign_in(browser, services, "admin")
    page = browser.get(f"/admin/agreements/{AGREEMENT.id}?lang=tr")
    assert page.status_code == 200
    assert "<td>korunan alan</td>" in page.text
    assert "protected_site" not in page.text


@pytest.mark.parametrize("username", OTHERS)
def test_every_other_member_finds_no_such_page_nor_action(browser, services, username):
    sign_in(browser, services, username)
    missing = browser.get("/admin/no-such-page")
    page = browser.get(f"/admin/agreements/{AGREEMENT.id}")
    assert page.status_code == 404
    assert page.text == missing.text
    assert post(browser, "/admin/accounts", ACCOUNT).status_code == 404
    changed = post(browser, f"/admin/agreements/{AGREEMENT.id}/procedure", PROCEDURE)
    assert changed.status_code == 404
    monitor = services.auth.find_member("monitor")
    assert post(browser, f"/admin/enrolments/{monitor.id}", {}).status_code == 404
    assert versions(services) == 1
    assert len(services.auth.accounts()) == len(CAST)


def test_anonymous_is_sent_to_sign_in_and_a_token_needs_the_admin_scope(browser, services):
    assert (
        browser.get(f"/admin/agreements/{AGREEMENT.id}", follow_redirects=False).status_code == 303
    )
    token = token_for(services, "admin", "reports:read")
    headers = {"Authorization": f"Bearer {token}"}
    assert browser.get(f"/admin/agreements/{AGREEMENT.id}", headers=headers).status_code == 403
    assert browser.post("/admin/accounts", data=ACCOUNT, headers=headers).status_code == 403


def test_a_form_without_its_csrf_token_is_refused(browser, services):
    sign_in(browser, services, "admin")
    refused = browser.post("/admin/accounts", data=ACCOUNT, follow_redirects=False)
    assert refused.status_code == 403
    with pytest.raises(Exception, match="member"):
        services.auth.find_member("monitor_aleppo")


def test_an_operator_renews_an_enrolment_link(browser, services):
    sign_in(browser, services, "admin")
    first = LINK.search(post(browser, "/admin/accounts", ACCOUNT).text).group(0)
    member = services.auth.find_member("monitor_aleppo")
    renewed = post(browser, f"/admin/enrolments/{member.id}", {})
    assert renewed.status_code == 200
    second = LINK.search(renewed.text).group(0)
    assert second != first
    assert browser.get(first.removeprefix(BASE)).status_code == 404
    assert browser.get(second.removeprefix(BASE)).status_code == 200
