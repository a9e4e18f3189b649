"""S13: a NUL character anywhere a text field comes from is refused at the edge with one clear
400, on both stores (PostgreSQL cannot store U+0000 in text and would otherwise answer 500)."""

from __future__ import annotations

import json

import pytest

from truce.entrypoints.web.input_guard import NUL_REFUSED


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/actors?after=%00",
        "/api/v1/reports?limit=1&after=abc%00def",
        "/api/v1/reports/report%00x",
        "/record/history?subject=report:%00",
    ],
)
def test_a_nul_in_the_address_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["detail"] == NUL_REFUSED


def test_a_nul_escaped_in_a_json_body_is_refused(client):
    body = json.dumps({"narrative": "shelling\u0000near the spring"})
    response = client.post(
        "/api/v1/reports", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == NUL_REFUSED


def test_an_escaped_backslash_before_u0000_is_text_not_nul(client):
    body = json.dumps({"narrative": "a path like C:\\u0000 is only text"})
    response = client.post(
        "/api/v1/reports", content=body, headers={"Content-Type": "application/json"}
    )
    # Refused for its missing fields, not for a NUL it does not hold.
    assert response.status_code == 422
    assert NUL_REFUSED not in response.text
