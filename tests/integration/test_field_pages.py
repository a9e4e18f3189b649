"""The field filing page's server side: the shell the service worker keeps, the session
check, the outbox's sync through the browser's session with its CSRF token, and my reports.
The browser half (IndexedDB, the service worker, offline) is tests/e2e/test_field_offline.py."""

import pytest
from litestar.testing import TestClient

from integration_helpers import csrf_token, sign_in
from support import START, report_fields
from truce.domain.reports import parse_file_report
from truce.entrypoints.web.app import create_app
from truce.entrypoints.web.routes import field


@pytest.fixture
def browser(services):
    """A browser with no token: what it does, it does through its session cookie."""
    app = create_app(services.settings, services)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def monitor(browser, services):
    sign_in(browser, services, "monitor")
    return browser


def outbox_item(key, **overrides):
    # As field.js sends it: the form's flat fields, times in UTC, its own key.
    fields = report_fields(idempotency_key=key, **overrides)
    fields.pop("observer", None)
    return fields


def sync(client, items, **headers):
    token = client.get("/field/session").json()["csrf_token"]
    return client.post(
        "/field/sync", json={"items": items}, headers={"X-CSRFToken": token, **headers}
    )


def test_the_page_is_a_shell_with_the_form_and_no_report(monitor, services):
    sync(monitor, [outbox_item("k-1", narrative="Rounds fell on Basimah at dawn.")])
    page = monitor.get("/field")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'id="field-form"' in page.text
    assert 'src="/static/field.js"' in page.text
    assert 'id="f-observer_weapon"' in page.text
    member = services.auth.find_member("monitor")
    assert f'data-member="{member.id}"' in page.text
    # What the service worker keeps holds nobody's material.
    assert "Rounds fell on Basimah" not in page.text
    assert 'data-t-count="Waiting to send: %(count)s"' in page.text


def test_nobody_signed_in_is_sent_to_sign_in(browser):
    response = browser.get("/field", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert browser.get("/field/mine", follow_redirects=False).status_code == 303
    session = browser.get("/field/session")
    assert session.json()["member_id"] is None
    assert session.headers["cache-control"] == "no-store"


def test_the_service_worker_may_control_the_field_page(browser):
    response = browser.get("/field/sw.js")
    assert response.status_code == 200
    assert response.headers["service-worker-allowed"] == "/field"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-type"].startswith("text/javascript")
    assert 'const CACHE = "truce-field-' in response.text


def test_the_outbox_is_filed_item_by_item_and_a_retry_is_a_duplicate(monitor):
    items = [
        outbox_item("0b9c6a52-1", narrative="Impacts west of Basimah."),
        outbox_item("0b9c6a52-2", latitude=95),
    ]
    first = sync(monitor, items)
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["filed", "rejected"]
    assert results[1]["errors"] == [
        {
            "field": "latitude",
            "message": "must be between -90 and 90",
            "label": "Latitude",
            "text": "must be between -90 and 90",
        }
    ]
    # The answer was lost on the way back: the browser sends the same outbox again.
    again = sync(monitor, items).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "rejected"]
    assert again[0]["report_id"] == results[0]["report_id"]
    mine = monitor.get("/field/mine")
    assert mine.text.count("Impacts west of Basimah.") == 1
    assert mine.headers["cache-control"] == "no-store"


def test_the_rejection_is_quarantined_for_the_members_body(monitor, services):
    sync(monitor, [outbox_item("q-1", narrative=None)])
    rows = services.intake.quarantine_all()
    assert [(r.kind, r.file_name) for r in rows] == [("device", "web outbox of monitor")]
    assert rows[0].reasons[0].field == "narrative"


def test_the_errors_come_in_the_readers_language(monitor):
    results = sync(monitor, [outbox_item("ar-1", latitude=95)], **{"Accept-Language": "ar"})
    problem = results.json()["results"][0]["errors"][0]
    assert problem["message"] == "must be between -90 and 90"
    assert problem["label"] != "Latitude"
    assert problem["text"] != problem["message"]


def test_the_observer_section_is_named_as_the_form_names_it(monitor):
    item = outbox_item("obs-1", observer_bearing="400", observer_latitude="33.6")
    errors = sync(monitor, [item]).json()["results"][0]["errors"]
    assert {e["field"] for e in errors} == {"observer_bearing", "observer_longitude"}
    assert all(e["label"] != e["field"] for e in errors)


def test_a_sync_without_the_csrf_token_is_refused_and_files_nothing(monitor, services):
    monitor.get("/field/session")
    response = monitor.post("/field/sync", json={"items": [outbox_item("no-csrf")]})
    assert response.status_code == 403
    assert services.monitoring.total_reports() == 0


def test_a_sync_with_another_cookies_token_is_refused(monitor, services):
    kept = dict(monitor.cookies)
    monitor.cookies.clear()
    # A token valid for some other browser's cookie, as a page elsewhere could obtain one.
    stranger_token = monitor.get("/field/session").json()["csrf_token"]
    monitor.cookies.clear()
    monitor.cookies.update(kept)
    response = monitor.post(
        "/field/sync", json={"items": [outbox_item("x")]}, headers={"X-CSRFToken": stranger_token}
    )
    assert response.status_code == 403
    assert services.monitoring.total_reports() == 0


def test_a_sync_without_a_session_is_refused(browser, services):
    response = sync(browser, [outbox_item("anon-1")])
    assert response.status_code == 401
    assert services.monitoring.total_reports() == 0


def test_a_member_who_may_not_file_is_refused_and_audited(browser, services):
    sign_in(browser, services, "observer_us")
    assert browser.get("/field", follow_redirects=False).status_code == 303
    response = sync(browser, [outbox_item("obs-us-1")])
    assert response.status_code == 403
    assert services.monitoring.total_reports() == 0
    member = services.auth.find_member("observer_us")
    with services.monitoring.uow() as uow:
        refusals = [
            e
            for e in uow.audit.recent(20)
            if e.actor_member_id == member.id and not e.allowed and e.action == "create"
        ]
    # One audit entry, from the client's address: the same choke point as every filing.
    assert len(refusals) == 1
    assert refusals[0].address == "testclient"


def test_the_session_cookie_still_cannot_change_data_through_the_api(monitor, services):
    token = monitor.get("/field/session").json()["csrf_token"]
    response = monitor.post(
        "/api/v1/reports/batch",
        json={"items": [outbox_item("api-1")]},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 403
    assert services.monitoring.total_reports() == 0


def test_my_reports_hold_only_mine_a_page_at_a_time(monitor, services, monkeypatch):
    monkeypatch.setattr(field, "MY_REPORTS_PAGE", 2)
    liaison = services.auth.find_member("gov_liaison")
    allegation = report_fields(narrative="A liaison's allegation.", confidentiality="mechanism")
    services.monitoring.file_report(parse_file_report(allegation, now=START), liaison)
    sync(monitor, [outbox_item(f"m-{n}", narrative=f"Observation number {n}.") for n in range(3)])
    first = monitor.get("/field/mine")
    assert "Observation number 2." in first.text
    assert "Observation number 1." in first.text
    assert "Observation number 0." not in first.text
    assert "A liaison's allegation." not in first.text
    older = first.text.split('href="/field/mine?after=')[1].split('"')[0]
    second = monitor.get(f"/field/mine?after={older}")
    assert "Observation number 0." in second.text
    assert "Older reports" not in second.text


def test_my_reports_refresh_only_the_first_page_and_carry_the_offline_note(monitor, services):
    sync(monitor, [outbox_item("r-1", narrative="Shelling near Wadi Barada.")])
    first = monitor.get("/field/mine")
    assert 'data-refresh="/field/mine"' in first.text
    # The note the script shows when the list is the copy kept on the device, read offline.
    assert 'id="reports-offline" hidden' in first.text
    assert "Offline: this is the list as it was at" in first.text
    assert "data-refresh" not in monitor.get("/field/mine?after=x").text


def logout(client, **fields):
    token = client.cookies.get("truce_csrf") or csrf_token(client.get("/").text)
    return client.post("/logout", data={"_csrf_token": token, **fields}, follow_redirects=False)


def test_a_browser_without_field_data_signs_out_at_once(browser, services):
    sign_in(browser, services, "gov_liaison")
    response = logout(browser)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert response.headers["clear-site-data"] == '"cache"'
    assert browser.get("/field/session").json()["member_id"] is None


def test_a_browser_that_opened_the_field_pages_goes_through_the_sign_out_page(monitor, services):
    page = monitor.get("/field")
    assert "truce_field=1" in page.headers["set-cookie"]
    # The nav's button: sent to the page that looks at the outbox first, still signed in.
    first = logout(monitor)
    assert first.status_code == 303
    assert first.headers["location"] == "/logout"
    assert "clear-site-data" not in first.headers
    signout = monitor.get("/logout")
    assert signout.status_code == 200
    assert signout.headers["cache-control"] == "no-store"
    member = services.auth.find_member("monitor")
    assert 'data-mode="signout"' in signout.text
    assert f'data-member="{member.id}"' in signout.text
    assert "Reports not yet sent from this device: %(count)s" in signout.text
    assert 'name="confirmed" value="1"' in signout.text
    # The page's script found nothing of another account's: the site's storage goes too.
    done = logout(monitor, confirmed="1", device="clear")
    assert done.status_code == 303
    assert done.headers["location"] == "/"
    assert done.headers["clear-site-data"] == '"cache", "storage"'
    assert 'truce_field=""' in done.headers["set-cookie"]
    assert monitor.get("/field/session").json()["member_id"] is None
    assert monitor.get("/logout", follow_redirects=False).headers["location"] == "/"


def test_another_accounts_outbox_keeps_the_sites_storage(monitor):
    monitor.get("/field/mine")
    done = logout(monitor, confirmed="1", device="")
    assert done.headers["clear-site-data"] == '"cache"'
    assert monitor.get("/field/session").json()["member_id"] is None
