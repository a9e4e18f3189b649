"""Pages in five languages, right to left where the script is, each role at its own home, and
search through the page and the API, filtered by need-to-know."""

import re

import pytest
from litestar.testing import TestClient
from sqlalchemy import text

from integration_helpers import csrf_token, sign_in, token_for
from support import report_fields
from truce.adapters.sql.rls import as_system
from truce.entrypoints.web.app import create_app

HTML = {"Accept": "text/html"}


@pytest.fixture
def browser(services):
    app = create_app(services.settings, services)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def html_lang(text: str) -> tuple[str, str]:
    found = re.search(r'<html lang="(\w+)" dir="(\w+)">', text)
    assert found is not None
    return found.group(1), found.group(2)


def file_as(services, client, username, **fields):
    response = client.post(
        "/api/v1/reports",
        json=report_fields(**fields),
        headers={"Authorization": f"Bearer {token_for(services, username)}"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_the_browsers_language_is_the_default_and_lang_overrides_it(browser):
    assert html_lang(browser.get("/").text) == ("en", "ltr")
    arabic = browser.get("/", headers={"Accept-Language": "ar-SY,ar;q=0.9"})
    assert html_lang(arabic.text) == ("ar", "rtl")
    assert "تسجيل الدخول" in arabic.text
    persian = browser.get("/login?lang=fa", headers={"Accept-Language": "ar"})
    assert html_lang(persian.text) == ("fa", "rtl")
    assert "گذرواژه" in persian.text
    assert html_lang(browser.get("/?lang=ru").text) == ("ru", "ltr")
    assert html_lang(browser.get("/?lang=xx").text) == ("en", "ltr")


def test_a_visitors_choice_is_kept_in_a_cookie(browser):
    token = csrf_token(browser.get("/").text)
    chosen = browser.post(
        "/language",
        data={"language": "tr", "next": "/login", "_csrf_token": token},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/login"
    assert html_lang(browser.get("/login").text) == ("tr", "ltr")


def test_a_members_choice_is_stored_on_the_account_and_on_the_record(browser, services):
    sign_in(browser, services, "guarantor_tr")
    token = csrf_token(browser.get("/").text)
    browser.post(
        "/language",
        data={"language": "ar", "next": "https://evil.example/", "_csrf_token": token},
        follow_redirects=False,
    )
    browser.cookies.clear()
    sign_in(browser, services, "guarantor_tr")
    assert html_lang(browser.get("/", headers={"Accept-Language": "en"}).text) == ("ar", "rtl")
    member = services.auth.find_member("guarantor_tr")
    assert member.language == "ar"
    history = [e.kind for e in services.record.history(f"member:{member.id}")]
    assert "member.language_chosen" in history


def test_the_switcher_refuses_an_unknown_language_and_goes_nowhere_else(browser):
    token = csrf_token(browser.get("/").text)
    refused = browser.post("/language", data={"language": "de", "_csrf_token": token})
    assert refused.status_code == 422
    moved = browser.post(
        "/language",
        data={"language": "ru", "next": "//evil.example/", "_csrf_token": token},
        follow_redirects=False,
    )
    assert moved.headers["location"] == "/"


def test_error_pages_speak_the_readers_language_and_api_errors_stay_json(browser):
    page = browser.get("/no/such/page", headers={**HTML, "Accept-Language": "ar"})
    assert page.status_code == 404
    assert html_lang(page.text) == ("ar", "rtl")
    assert "غير موجود" in page.text
    api = browser.get("/api/v1/reports/nothing", headers={**HTML, "Accept-Language": "ar"})
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found", "errors": []}


def test_form_errors_are_translated_beside_their_fields(browser, services):
    sign_in(browser, services, "monitor")
    token = csrf_token(browser.get("/?lang=ru").text)
    form = {"_csrf_token": token, "source_name": "Field team", "latitude": "95"}
    response = browser.post("/reports?lang=ru", data=form)
    assert response.status_code == 422
    assert "должно быть от -90 до 90" in response.text
    assert "обязательное поле" in response.text
    assert "Сообщение не подано" in response.text


@pytest.mark.parametrize(
    ("username", "role", "heading"),
    [
        ("monitor", "monitor", "My reports"),
        ("opposition_liaison", "party_liaison", "Our reports"),
        ("guarantor_ru", "guarantor", "Reports to deliberate"),
        ("un_mediator", "mediator", "Reports"),
        ("analyst", "analyst", "Reports to analyse"),
        ("observer_us", "observer", "Public reports"),
        ("admin", "operator", "Public reports"),
    ],
)
def test_each_role_has_its_own_home(browser, services, username, role, heading):
    sign_in(browser, services, username)
    home = browser.get("/").text
    assert f'data-role="{role}"' in home
    assert f'{heading} <span class="count">' in home
    nav = home[home.index('<nav aria-label="Main">') : home.index("</nav>")]
    assert ('href="/admin/audit"' in nav) == (role == "operator")
    assert ('action="/reports"' in home) == (
        role in {"monitor", "party_liaison", "guarantor", "analyst"}
    )
    if role == "operator":
        assert "gov_liaison" in home  # the accounts table


def test_a_guarantors_home_shows_what_reached_the_guarantors_from_others(browser, services):
    file_as(
        services, browser, "monitor", narrative="For the guarantors", confidentiality="guarantors"
    )
    file_as(services, browser, "monitor", narrative="Whole mechanism", confidentiality="mechanism")
    file_as(services, browser, "monitor", narrative="Published", confidentiality="public")
    file_as(
        services, browser, "guarantor_ru", narrative="Russia's own", confidentiality="guarantors"
    )
    sign_in(browser, services, "guarantor_ru")
    home = browser.get("/").text
    assert "For the guarantors" in home
    assert "Whole mechanism" in home
    # Public material is everyone's, and its own reports are not for it to deliberate.
    assert "Published" not in home
    assert "Russia&#39;s own" not in home
    assert "Russia's own" not in home


def test_search_finds_arabic_spellings_and_only_what_the_reader_may_read(browser, services):
    secret = file_as(
        services,
        browser,
        "opposition_liaison",
        place_text="عين الفيجة",
        narrative="قصف محطة عين الفيجة",
        narrative_lang="ar",
        confidentiality="submitter",
    )
    public = file_as(services, browser, "monitor", place_text="Basimah", confidentiality="public")
    mine = browser.get(
        "/api/v1/search",
        params={"q": "الفيجه"},
        headers={"Authorization": f"Bearer {token_for(services, 'opposition_liaison')}"},
    ).json()
    assert [r["id"] for r in mine["reports"]] == [secret]
    assert mine["terms"] == ["الفيجه"]
    theirs = browser.get(
        "/api/v1/search",
        params={"q": "الفيجه"},
        headers={"Authorization": f"Bearer {token_for(services, 'gov_liaison')}"},
    ).json()
    assert theirs["reports"] == []
    anonymous = browser.get("/api/v1/search", params={"q": "basimah"}).json()
    assert [r["id"] for r in anonymous["reports"]] == [public]
    page = browser.get("/search", params={"q": "basimah", "lang": "ar"})
    assert html_lang(page.text) == ("ar", "rtl")
    assert "Basimah" in page.text
    assert "النتائج" in page.text


def test_search_refuses_an_overlong_query_clearly(browser):
    response = browser.get("/api/v1/search", params={"q": "x" * 201})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


def test_a_tampered_record_is_named_in_the_readers_language(browser, services, owner_engine):
    """Verification's findings come as codes (application/record.py `Fault`); the record page
    says them in the reader's language, where the console says them in English."""
    file_as(services, browser, "monitor")
    with owner_engine.begin() as connection, as_system(connection, "a test plays an insider"):
        connection.execute(text("DELETE FROM record_nodes WHERE level = 1 AND position = 2"))
    english = services.record.verify().problems[0]
    assert f"{english.where}: {english.message}" == "entry 4: stored tree hashes do not match"
    page = browser.get("/record?lang=ar")
    verified = browser.post("/record/verify?lang=ar", data={"_csrf_token": csrf_token(page.text)})
    assert verified.status_code == 200
    assert html_lang(verified.text) == ("ar", "rtl")
    assert "القيد 4: تجزئات الشجرة المخزنة غير متطابقة" in verified.text
    assert "stored tree hashes" not in verified.text
