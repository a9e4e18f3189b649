"""A field monitor files observations with no connection (docs/field.md), in English and in
Arabic, in Chromium: the page opens from the service worker, the outbox keeps what was saved,
and when the connection returns it is sent once, even when the first answer is lost.

The server and the store come from conftest.py (`live_server`, SQLite or PostgreSQL). Each
language gets a fresh browser context, so a fresh service worker and an empty IndexedDB.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from browser_support import CheckedContext

pytestmark = pytest.mark.browser

PASSWORD = "field team password 2017"
# The outbox as field.js keeps it, read straight from IndexedDB: the member's own database.
READ_OUTBOX = """() => new Promise((resolve, reject) => {
  const member = document.getElementById("field-app").dataset.member;
  const open = indexedDB.open(`truce-field-${member}`, 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const request = open.result.transaction("outbox").objectStore("outbox").getAll();
    request.onsuccess = () => { open.result.close(); resolve(request.result); };
  };
})"""
# What the browser keeps for the site: IndexedDB databases, caches, service workers.
KEPT = """async () => ({
  databases: (await indexedDB.databases()).map((d) => d.name),
  caches: await caches.keys(),
  workers: (await navigator.serviceWorker.getRegistrations()).length,
})"""
# Who the session belongs to, as the field page asks it.
SIGNED_IN_AS = """async () =>
  (await (await fetch("/field/session", {cache: "no-store"})).json()).member_id"""
# The same batch sent again by hand, with the session's current CSRF token.
RESEND = """async (items) => {
  const who = await (await fetch("/field/session", {cache: "no-store"})).json();
  const response = await fetch("/field/sync", {
    method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRFToken": who.csrf_token},
    body: JSON.stringify({items}),
  });
  return (await response.json()).results;
}"""


class Device(CheckedContext):
    """One monitor's browser in one language: its own context (service worker, IndexedDB)."""

    def open(self, path: str) -> None:
        self.weights.clear()
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")

    def sign_in(self) -> None:
        self.weights.clear()
        self.sign_in_on(self.page, self.base)

    @staticmethod
    def sign_in_on(page, base: str) -> None:
        page.goto(base + "/login")
        page.fill("#f-username", "monitor")
        page.fill("#f-password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/")

    def ready(self) -> None:
        self.page.wait_for_selector("#field-app[data-ready='true']")

    def synced(self, times: int) -> None:
        self.page.wait_for_selector(f"#field-app[data-synced='{times}']")

    def save(self, place: str, narrative: str, **more: str) -> None:
        self.page.fill("#f-source_name", "Mechanism field team")
        self.page.fill("#f-occurred_from", "2017-01-05T06:30")
        self.page.fill("#f-place_text", place)
        self.page.select_option("#f-event_type", "shelling")
        self.page.fill("#f-narrative", narrative)
        for name, value in more.items():
            self.page.fill(f"#f-{name}", value)
        self.page.click("#field-form button[type=submit]")

    def waiting(self) -> int:
        return int(self.page.get_attribute("#outbox-count", "data-waiting") or "0")

    def close(self) -> None:
        assert self.errors == []
        self.context.close()


@pytest.fixture
def device(chromium, live_server) -> Iterator[object]:
    devices: list[Device] = []

    def start(language: str) -> Device:
        devices.append(Device(chromium, live_server, language))
        return devices[-1]

    yield start
    for one in devices:
        one.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_a_monitor_files_offline_and_the_outbox_syncs_once(device, language):
    d = device(language)
    d.sign_in()
    open_online_once(d)
    marker = f"Darayya-offline-{language}"
    outbox = file_two_offline(d, marker)
    report_id, reason = sync_when_the_first_answer_is_lost(d, language)

    # A forced retry of the very same batch: duplicate again, never a second report.
    again = d.page.evaluate(RESEND, [item["fields"] for item in outbox])
    assert sorted(result["status"] for result in again) == ["duplicate", "rejected"]
    assert {r["report_id"] for r in again if r["status"] == "duplicate"} == {report_id}

    # My reports: the filed one once; the rejected one still waits, with its reason.
    d.open("/field/mine")
    d.ready()
    d.synced(1)
    assert d.page.locator("#reports tbody tr", has_text=marker).count() == 1
    assert d.page.locator(".outbox-item.rejected").count() == 1
    assert d.page.locator(".outbox-item.rejected ul.error li").inner_text() == reason
    d.check()
    d.shot("field-my-reports")

    correct_and_send_again(d)
    d.open("/field/mine")
    d.ready()
    assert d.page.locator("#reports tbody tr", has_text=marker).count() == 2


def open_online_once(d: Device) -> None:
    """Online, once: the page is checked and the service worker takes it in."""
    d.open("/field")
    d.ready()
    d.page.wait_for_function("navigator.serviceWorker.controller !== null")
    d.check()
    d.shot("field-online")


def file_two_offline(d: Device, marker: str) -> list[dict]:
    """No connection: the page opens from the service worker and keeps two observations,
    one of which the server will refuse (a latitude beyond 90)."""
    d.context.set_offline(True)
    d.page.reload()
    d.ready()
    assert d.page.locator("#field-form").count() == 1
    d.check()
    d.save(f"داريّا {marker}", f"Mortar rounds fell on {marker} at dawn.")
    d.page.wait_for_function("document.getElementById('outbox-count').dataset.waiting === '1'")
    d.save("Madaya", f"Sniper fire, position misread {marker}.", latitude="95", longitude="36.1")
    d.page.wait_for_function("document.getElementById('outbox-count').dataset.waiting === '2'")
    assert d.page.locator(".outbox-item.waiting").count() == 2
    outbox = d.page.evaluate(READ_OUTBOX)
    assert len({item["key"] for item in outbox}) == 2
    assert all(item["fields"]["idempotency_key"] == item["key"] for item in outbox)
    assert all(item["observed_at"] for item in outbox)
    d.shot("field-offline-outbox")
    return outbox


def sync_when_the_first_answer_is_lost(d: Device, language: str) -> tuple[str, str]:
    """The connection returns, but the answer to the first sync is lost on the way: the
    report is filed, the browser never hears it, and nothing leaves the outbox. Sent again,
    the filed one answers duplicate and leaves; the broken one stays, with why."""
    dropped: list[str] = []

    def drop_the_answer(route) -> None:
        route.fetch()
        dropped.append(route.request.url)
        route.abort()

    d.page.route("**/field/sync", drop_the_answer)
    d.context.set_offline(False)
    d.synced(1)
    assert dropped, "the first sync went out when the connection returned"
    assert d.waiting() == 2
    d.page.unroute("**/field/sync")

    d.page.click("#send-now")
    d.synced(2)
    assert d.waiting() == 0
    (sent,) = d.page.locator("#sent-items li").all()
    assert "duplicate" in (sent.get_attribute("class") or "")
    report_id = sent.get_attribute("data-report") or ""
    assert sent.locator("a").get_attribute("href") == f"/reports/{report_id}"
    rejected = d.page.locator(".outbox-item.rejected")
    assert rejected.count() == 1
    reason = rejected.locator("ul.error li").inner_text()
    if language == "en":
        assert reason == "Latitude: must be between -90 and 90"
    else:
        assert "90" in reason
        assert "must be between" not in reason
    d.check()
    d.shot("field-after-sync")
    return report_id, reason


def correct_and_send_again(d: Device) -> None:
    """The rejected observation, corrected on the field page, is filed and leaves."""
    d.open("/field")
    d.ready()
    d.synced(1)
    d.page.click(".outbox-item.rejected .actions button >> nth=0")
    assert d.page.input_value("#f-latitude") == "95"
    d.page.fill("#f-latitude", "33.93")
    d.page.click("#field-form button[type=submit]")
    d.page.wait_for_selector("#sent-items li.filed")
    assert d.page.locator(".outbox-item").count() == 0


def test_my_reports_follow_the_sync_and_signing_out_clears_the_device(device):
    """My reports, opened offline, is the kept copy and says so; when the connection returns
    the outbox is sent and the list brought up to date in place. Signing out with a report
    not yet sent warns first: sent first, or discarded; either way the outbox, the kept pages
    and the service worker leave the device with the session."""
    d = device("en")
    d.sign_in()
    open_online_once(d)
    d.open("/field/mine")
    d.ready()
    d.synced(1)
    marker = "Zabadani-list"
    assert d.page.locator("#reports tbody tr", has_text=marker).count() == 0

    d.context.set_offline(True)
    d.open("/field")
    d.ready()
    d.save("Zabadani", f"Mortar fire on {marker}.")
    d.page.wait_for_function("document.getElementById('outbox-count').dataset.waiting === '1'")
    d.open("/field/mine")
    d.ready()
    assert d.page.is_visible("#reports-offline")
    d.check()
    d.shot("field-my-reports-offline")
    d.page.evaluate("window.sameDocument = true")
    d.context.set_offline(False)
    d.page.wait_for_selector("#field-app[data-listed='1']")
    assert d.page.evaluate("window.sameDocument === true"), "the list changed without a reload"
    assert d.page.locator("#reports tbody tr", has_text=marker).count() == 1
    assert not d.page.is_visible("#reports-offline")
    assert d.waiting() == 0

    # A report that cannot be sent yet, then the header's "Sign out".
    leave_one_unsent(d, "Madaya, not sent before signing out.")
    sign_out_page(d)
    d.check()
    d.shot("field-sign-out")
    d.page.unroute("**/field/sync")
    d.page.click("#send-now")
    d.synced(1)
    assert d.page.inner_text("#signout-button") == "Sign out"
    assert d.page.inner_text("#signout-warning") == "Everything saved on this device has been sent."
    assert d.waiting() == 0
    d.page.click("#signout-button")
    d.page.wait_for_url(d.base + "/")
    assert_cleared(d)

    # Again, and this time the report is discarded.
    d.sign_in()
    d.open("/field")
    d.ready()
    d.page.wait_for_function("navigator.serviceWorker.controller !== null")
    leave_one_unsent(d, "Douma, discarded when signing out.")
    sign_out_page(d)
    d.page.once("dialog", lambda dialog: dialog.accept())
    d.page.click("#signout-button")
    d.page.wait_for_url(d.base + "/")
    assert_cleared(d)


def leave_one_unsent(d: Device, narrative: str) -> None:
    """One observation saved while every sync fails: it waits in the outbox."""
    d.page.route("**/field/sync", lambda route: route.abort())
    d.open("/field")
    d.ready()
    d.save("Madaya", narrative)
    d.page.wait_for_selector("#field-status:text('Sending failed')")
    assert d.waiting() == 1


def sign_out_page(d: Device) -> None:
    """The header's button leads to the sign-out page, which warns of what was not sent."""
    d.weights.clear()
    d.page.click("form[action='/logout'] button[type=submit]")
    d.page.wait_for_url(d.base + "/logout")
    d.ready()
    assert d.page.inner_text("#signout-warning") == "Reports not yet sent from this device: 1"
    assert d.page.inner_text("#signout-button") == "Discard them and sign out"
    assert d.page.locator(".outbox-item.waiting").count() == 1


def assert_cleared(d: Device) -> None:
    """Signed out, and nothing of the field pages is left in the browser."""
    kept = d.page.evaluate(KEPT)
    assert [name for name in kept["databases"] if name.startswith("truce-field")] == []
    assert kept["caches"] == []
    assert kept["workers"] == 0
    assert d.page.evaluate(SIGNED_IN_AS) is None


def test_the_field_page_runs_under_the_content_security_policy(chromium, live_server):
    """The other test bypasses the policy to inject axe-core; this one keeps it: the script,
    the service worker and the sync all run with `script-src 'self'` and no inline code."""
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        Device.sign_in_on(page, live_server)
        page.goto(live_server + "/field")
        page.wait_for_selector("#field-app[data-ready='true']")
        # Evaluated through the debugger, not by the page's eval (which the policy forbids).
        page.evaluate(
            """() => new Promise((resolve) => navigator.serviceWorker.controller
                 ? resolve(true)
                 : navigator.serviceWorker.addEventListener("controllerchange", resolve))"""
        )
        page.wait_for_selector("#field-app[data-synced='1']")
        assert problems == []
    finally:
        context.close()
