"""Need-to-know over HTTP: what one party gave the guarantors never reaches the other, and
forbidden answers exactly like missing (SECURITY S1, S2 for reports)."""

from litestar.testing import TestClient

from integration_helpers import csrf_token, sign_in, token_for
from support import report_fields
from truce.entrypoints.web.app import create_app


def client_for(services, username, *scopes):
    client = TestClient(create_app(services.settings, services), base_url="http://127.0.0.1")
    client.headers["Authorization"] = f"Bearer {token_for(services, username, *scopes)}"
    return client


def test_the_opposition_cannot_see_what_the_government_gave_the_guarantors(services, anonymous):
    with (
        client_for(services, "gov_liaison") as government,
        client_for(services, "opposition_liaison") as opposition,
        client_for(services, "guarantor_ru") as russia,
    ):
        secret = government.post(
            "/api/v1/reports", json=report_fields(confidentiality="guarantors")
        ).json()
        assert russia.get(f"/api/v1/reports/{secret['id']}").status_code == 200
        forbidden = opposition.get(f"/api/v1/reports/{secret['id']}")
        missing = opposition.get("/api/v1/reports/no-such-report")
        assert forbidden.status_code == missing.status_code == 404
        assert forbidden.content == missing.content
        listed = opposition.get("/api/v1/reports").json()
        assert listed == {"items": [], "next": None, "total": 0}
        assert "Basimah" not in opposition.get("/").text
    assert anonymous.get("/api/v1/reports").json()["total"] == 0


def test_anonymous_readers_see_published_reports_only(services, client, anonymous):
    client.post("/api/v1/reports", json=report_fields(confidentiality="public", narrative="open"))
    client.post("/api/v1/reports", json=report_fields(narrative="closed"))
    narratives = [r["narrative"] for r in anonymous.get("/api/v1/reports").json()["items"]]
    assert narratives == ["open"]
    refused = anonymous.post("/api/v1/reports", json=report_fields())
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


def test_a_bad_or_narrow_token_is_refused_without_detail(services, anonymous):
    anonymous.headers["Authorization"] = "Bearer truce_0000000000000000_forged"
    assert anonymous.get("/api/v1/reports").json() == {"detail": "Not authenticated", "errors": []}
    with client_for(services, "monitor", "reports:read") as reader:
        refused = reader.post("/api/v1/reports", json=report_fields())
        assert refused.status_code == 403
        assert refused.json()["detail"] == "Not allowed"


def test_an_observer_may_not_file(services):
    with client_for(services, "observer_us") as observer:
        assert observer.post("/api/v1/reports", json=report_fields()).status_code == 403


def test_signing_in_and_out_through_the_form(services, anonymous):
    assert "Sign in to file one.</a>" in anonymous.get("/").text
    sign_in(anonymous, services, "opposition_liaison")
    cookie = anonymous.cookies.get("truce_session")
    assert cookie
    home = anonymous.get("/")
    assert "Head of the opposition delegation" in home.text
    assert '<form method="post" action="/reports"' in home.text
    token = csrf_token(home.text)
    anonymous.post("/logout", data={"_csrf_token": token})
    assert "Sign in to file one.</a>" in anonymous.get("/").text


def test_wrong_passwords_are_throttled(services, anonymous):
    page = anonymous.get("/login")
    token = csrf_token(page.text)
    form = {"username": "guarantor_tr", "password": "wrong", "_csrf_token": token}
    statuses = [anonymous.post("/login", data=form).status_code for _ in range(7)]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    assert "Sign-in failed." in anonymous.post("/login", data=dict(form, username="x")).text


def test_each_refused_read_leaves_one_audit_entry(services):
    with (
        client_for(services, "gov_liaison") as government,
        client_for(services, "opposition_liaison") as opposition,
    ):
        secret = government.post("/api/v1/reports", json=report_fields()).json()
        before = len(services.auth.denied_attempts())
        opposition.get(f"/api/v1/reports/{secret['id']}")
        opposition.get("/api/v1/reports/guessed-id%0D%0Aforged: line")
    denied = services.auth.denied_attempts()
    assert len(denied) == before + 2
    guessed, forbidden = denied[0], denied[1]
    assert forbidden.resource_id == secret["id"]
    assert forbidden.reason == "need-to-know"
    assert forbidden.actor_member_id == "member-opposition_liaison"
    assert guessed.reason == "no such report"
    assert "\n" not in guessed.log_line()
