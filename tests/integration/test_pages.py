"""The home page and its form, as a browser without scripts would use them."""

from integration_helpers import csrf_token


def home_token(client) -> str:
    return csrf_token(client.get("/").text)


def form(**overrides: str) -> dict[str, str]:
    fields = {
        "source_kind": "party_liaison",
        "source_name": "Opposition delegation liaison office",
        "reliability": "C",
        "credibility": "3",
        "occurred_from": "2017-01-02T05:00",
        "place_text": "Basimah, Wadi Barada",
        "event_type": "shelling",
        "perpetrator": "Syrian Arab Army",
        "narrative": "Artillery fell on Basimah at dawn.",
        "narrative_lang": "en",
        "confidentiality": "guarantors",
        "idempotency_key": "form-1",
    }
    fields.update(overrides)
    return fields


def test_the_home_page_shows_the_agreement_and_the_form(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Nationwide ceasefire in the Syrian Arab Republic" in page.text
    assert "Jabhat Fateh al-Sham" in page.text
    assert '<form method="post" action="/reports"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_report_filed_through_the_form_appears_in_the_list(client):
    token = home_token(client)
    response = client.post(
        "/reports", data={**form(), "_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Artillery fell on Basimah at dawn." in page.text
    assert 'My reports <span class="count">(1)</span>' in page.text


def test_a_double_submitted_form_files_once(client):
    token = home_token(client)
    for _ in range(2):
        client.post("/reports", data={**form(), "_csrf_token": token}, follow_redirects=False)
    assert client.get("/api/v1/reports").json()["total"] == 1


def test_form_errors_are_shown_beside_their_fields(client):
    token = home_token(client)
    response = client.post(
        "/reports",
        data={**form(narrative="", latitude="91", longitude="36"), "_csrf_token": token},
    )
    assert response.status_code == 422
    assert 'id="e-narrative"' in response.text
    assert 'id="e-latitude"' in response.text
    assert "must be between -90 and 90" in response.text
    # What was typed is kept, so nothing has to be entered twice.
    assert 'value="Basimah, Wadi Barada"' in response.text
    assert client.get("/api/v1/reports").json()["total"] == 0


def test_a_form_without_its_csrf_token_is_refused(client):
    client.get("/")
    response = client.post("/reports", data=form())
    assert response.status_code == 403
    assert client.get("/api/v1/reports").json()["total"] == 0


def test_reports_refresh_as_a_fragment(client):
    client.post("/api/v1/reports", json={
        "source_kind": "news", "source_name": "Press", "occurred_from": "2017-01-03T00:00Z",
        "place_text": "وادي بردى", "event_type": "shelling", "narrative": "قصف مدفعي",
    })  # fmt: skip
    fragment = client.get("/fragments/reports")
    assert fragment.status_code == 200
    assert "قصف مدفعي" in fragment.text
    assert "<html" not in fragment.text
