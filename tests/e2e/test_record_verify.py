"""A person checks, in Chromium, that an object's record entries are in the signed checkpoint,
with nothing but the browser's own SHA-256 (and Ed25519 where it has it)."""

import pytest
from sqlalchemy import text

from support import ARTIFACTS
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.settings import Settings

pytestmark = pytest.mark.browser
SUBJECT = "agreement:syria-ceasefire-2016"


def checkpoint_now(clean_engine, tmp_path):
    """Sign a checkpoint with the running server's key (the same key directory)."""
    settings = Settings(database_url=str(clean_engine.url), key_dir=tmp_path / "keys")
    services = build_services(settings, uow=SqlUnitOfWorkFactory(clean_engine))
    return services.record.issue_checkpoint()


def test_an_entry_is_verified_in_the_browser(browser_page, clean_engine, tmp_path):
    page, base, errors = browser_page
    checkpoint = checkpoint_now(clean_engine, tmp_path)
    page.goto(f"{base}/record/history?subject={SUBJECT}")
    button = page.locator("button.verify-entry").first
    seq = button.get_attribute("data-seq")
    button.click()
    output = page.locator(f"#verified-{seq}")
    output.and_(page.locator("[data-result]")).wait_for()
    assert output.get_attribute("data-result") == "ok", output.inner_text()
    assert f"verified here: in checkpoint {checkpoint.size}" in output.inner_text()
    page.screenshot(path=str(ARTIFACTS / "record-verified-in-browser.png"), full_page=True)
    assert errors == []


def test_an_altered_entry_fails_in_the_browser(browser_page, clean_engine, owner_engine, tmp_path):
    page, base, _errors = browser_page
    checkpoint_now(clean_engine, tmp_path)
    # The insider holds the owner's credentials: the application role may not edit the record.
    with owner_engine.begin() as connection:
        connection.execute(
            text("UPDATE record_entries SET body = replace(body, :old, :new) WHERE subject = :s"),
            {"old": '"v":1', "new": '"v":2', "s": SUBJECT},
        )
    page.goto(f"{base}/record/history?subject={SUBJECT}")
    assert "PROOF FAILS" in page.inner_text("table.reports")
    button = page.locator("button.verify-entry").first
    seq = button.get_attribute("data-seq")
    button.click()
    output = page.locator(f"#verified-{seq}")
    output.and_(page.locator("[data-result]")).wait_for()
    assert output.get_attribute("data-result") == "failed"
    assert "NOT included" in output.inner_text()
