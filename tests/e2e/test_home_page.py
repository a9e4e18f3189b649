"""A person opens the home page in Chromium and files a report through the form."""

import pytest

from support import ARTIFACTS

PASSWORD = "field team password 2017"

pytestmark = pytest.mark.browser


def sign_in(page, base):
    page.goto(base + "/login")
    page.fill("#f-username", "monitor")
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base + "/")


def test_a_person_signs_in_and_files_a_report_through_the_form(browser_page):
    page, base, errors = browser_page
    page.goto(base + "/")
    assert "Sign in to file one" in page.inner_text(".file-report")
    sign_in(page, base)
    assert "Field monitor, Rif Dimashq" in page.inner_text("header")
    assert "Nationwide ceasefire in the Syrian Arab Republic" in page.inner_text(".agreement h2")

    page.select_option("#f-source_kind", "party_liaison")
    page.fill("#f-source_name", "Opposition delegation liaison office")
    page.select_option("#f-reliability", "C")
    page.fill("#f-credibility", "3")
    page.fill("#f-occurred_from", "2017-01-02T05:00")
    page.fill("#f-place_text", "بسيمة، وادي بردى")
    page.select_option("#f-event_type", "shelling")
    page.fill("#f-perpetrator", "Syrian Arab Army")
    page.fill("#f-killed", "4")
    page.fill("#f-narrative", "Artillery fell on Basimah at dawn despite the ceasefire.")
    page.click("form[action='/reports'] button[type=submit]")

    page.wait_for_url("**/?filed=*")
    row = page.locator("table.reports tbody tr").first
    assert "Artillery fell on Basimah at dawn" in row.inner_text()
    assert "بسيمة، وادي بردى" in row.inner_text()
    assert "4 killed" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "home-after-filing.png"), full_page=True)
    assert errors == []


def test_a_person_sees_errors_beside_the_fields(browser_page):
    page, base, errors = browser_page
    sign_in(page, base)
    page.fill("#f-source_name", "Field team")
    page.fill("#f-latitude", "95")
    page.fill("#f-longitude", "36.1")
    page.click("form[action='/reports'] button[type=submit]")

    assert page.locator("#e-latitude").inner_text() == "must be between -90 and 90"
    assert page.locator("#e-narrative").inner_text() == "is required"
    assert page.locator("#f-latitude").get_attribute("aria-invalid") == "true"
    assert page.input_value("#f-source_name") == "Field team"
    assert "You have filed no report yet" in page.inner_text("#reports")
    page.screenshot(path=str(ARTIFACTS / "home-form-errors.png"), full_page=True)
    assert [e for e in errors if "422" not in e] == []
