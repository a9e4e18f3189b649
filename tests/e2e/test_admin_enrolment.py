"""The operator opens an account in Arabic and hands over its enrolment link; the new member
chooses a password through it and signs in. Every page on the way is checked (language,
direction, weight, axe) in its own browser context, one per person."""

import pytest

from browser_support import CheckedContext
from e2e.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW_PASSWORD = "olive groves along the orontes"
TITLE = "مراقب، حلب"


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("load")


def test_an_operator_opens_an_account_in_arabic_and_the_member_signs_in(chromium, live_server):
    operator = CheckedContext(chromium, live_server, "ar")
    sign_in(operator.page, live_server, "admin", PASSWORD)
    operator.page.goto(live_server + "/admin/accounts")
    operator.check()
    form = operator.page.locator("form.open-account")
    form.locator("#f-account-username").fill("monitor_aleppo")
    form.locator("#f-account-title").fill(TITLE)
    form.locator("#f-account-body_id").select_option("mechanism")
    form.locator("#f-account-role-monitor").check()
    form.locator("#f-account-language").select_option("ar")
    form.locator("button[type=submit]").click()
    operator.page.wait_for_load_state("load")
    operator.check()
    link = operator.page.locator("#enrolment-link code").inner_text().strip()
    assert "/enrol/" in link
    assert link.endswith("?lang=ar")
    operator.shot("admin-enrolment-link")

    newcomer = CheckedContext(chromium, live_server, "ar")
    newcomer.page.goto(link)
    newcomer.check()
    assert "monitor_aleppo" in newcomer.page.locator("main").inner_text()
    newcomer.page.fill("#f-password", NEW_PASSWORD)
    newcomer.page.fill("#f-confirmation", NEW_PASSWORD)
    newcomer.page.click("main form button[type=submit]")
    newcomer.page.wait_for_load_state("load")
    newcomer.check()
    newcomer.page.click("main a.button[href='/login']")
    newcomer.page.wait_for_load_state("load")
    sign_in(newcomer.page, live_server, "monitor_aleppo", NEW_PASSWORD)
    assert newcomer.page.locator("header a.who").inner_text() == TITLE
    newcomer.check()
    newcomer.shot("enrolled-member")
    assert newcomer.errors == []
    assert operator.errors == []
    operator.context.close()
    newcomer.context.close()
