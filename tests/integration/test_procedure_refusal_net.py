"""A ProcedureError that escapes its route is a 409 in the reader's language, not a 500.

Every page route of the procedure catches its refusals and says them in its panel; the app's
handler is the net under them, for a route that does not (or a new one that forgets). Routes
made here for the test raise a refusal with its code and parameters, as the procedure does."""

from collections.abc import Iterator

import pytest
from litestar import get
from litestar.testing import TestClient
from markupsafe import escape

from truce.bootstrap import Services
from truce.domain.errors import ProcedureError, Refusal
from truce.domain.procedure import Stage, Step
from truce.entrypoints.web.app import create_app
from truce.entrypoints.web.i18n import Speaker
from truce.entrypoints.web.phrases import refusal_text

ENGLISH = "“Publish” cannot be taken while the case is reported"
PLAIN = "publish cannot be taken while the case is reported"
HTML = {"Accept": "text/html"}


def _refusal() -> ProcedureError:
    return ProcedureError(
        Refusal.STEP_NOT_FROM_STAGE,
        PLAIN,
        step=Step.PUBLISH,
        stage=Stage.REPORTED,
    )


@get("/test-only/procedure-refusal", sync_to_thread=False)
def refusing_page() -> str:
    raise _refusal()


@get("/api/test-only/procedure-refusal", sync_to_thread=False)
def refusing_api() -> str:
    raise _refusal()


@pytest.fixture
def browser(services: Services) -> Iterator[TestClient]:
    app = create_app(services.settings, services)
    app.register(refusing_page)
    app.register(refusing_api)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def test_the_words_are_what_the_panel_would_say(browser):
    page = browser.get("/test-only/procedure-refusal?lang=en", headers=HTML)
    assert page.status_code == 409
    assert ENGLISH in page.text


@pytest.mark.parametrize("language", ["ar", "ru", "tr", "fa"])
def test_a_page_says_the_refusal_in_the_readers_language(browser, caplog, language):
    page = browser.get(f"/test-only/procedure-refusal?lang={language}", headers=HTML)
    assert page.status_code == 409
    assert page.headers["content-type"].startswith("text/html")
    assert f'<html lang="{language}"' in page.text
    assert escape(refusal_text(Speaker(language), _refusal())) in page.text
    assert ENGLISH not in page.text
    assert "Conflict" not in page.text
    assert "Traceback" not in page.text
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


def test_the_api_answers_a_409_problem_in_english(browser, caplog):
    answer = browser.get("/api/test-only/procedure-refusal", headers=HTML)
    assert answer.status_code == 409
    assert answer.json() == {"detail": PLAIN, "errors": []}
    assert not [r for r in caplog.records if r.exc_info]


def test_a_script_without_accept_html_gets_the_json_problem_too(browser):
    answer = browser.get("/test-only/procedure-refusal")
    assert answer.status_code == 409
    assert answer.json()["detail"] == PLAIN
