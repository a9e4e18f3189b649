"""The JSON API for reports, on the real store."""

from support import report_fields


def test_a_report_is_filed_and_listed(client):
    response = client.post("/api/v1/reports", json=report_fields())
    assert response.status_code == 201
    report = response.json()
    assert response.headers["location"] == f"/api/v1/reports/{report['id']}"
    assert report["source"] == {
        "kind": "field_monitor",
        "name": "Mechanism field team, Rif Dimashq",
        "reliability": "B",
        "credibility": 2,
    }
    assert report["occurred_from"].startswith("2017-01-02T04:10:00")
    listed = client.get("/api/v1/reports").json()
    assert listed["total"] == 1
    assert [item["id"] for item in listed["items"]] == [report["id"]]
    assert client.get(f"/api/v1/reports/{report['id']}").json() == report


def test_a_retried_submission_is_filed_once(client):
    headers = {"Idempotency-Key": "tablet-12:0007"}
    first = client.post("/api/v1/reports", json=report_fields(), headers=headers)
    again = client.post("/api/v1/reports", json=report_fields(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert client.get("/api/v1/reports").json()["total"] == 1


def test_a_reused_key_with_other_content_is_refused(client):
    client.post("/api/v1/reports", json=report_fields(idempotency_key="k1"))
    clash = client.post("/api/v1/reports", json=report_fields(idempotency_key="k1", killed=4))
    assert clash.status_code == 409
    assert "idempotency key" in clash.json()["detail"]
    assert client.get("/api/v1/reports").json()["total"] == 1


def test_header_and_body_keys_must_agree(client):
    response = client.post(
        "/api/v1/reports",
        json=report_fields(idempotency_key="a"),
        headers={"Idempotency-Key": "b"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "idempotency_key"


def test_a_malformed_report_names_each_bad_field(client):
    response = client.post(
        "/api/v1/reports",
        json=report_fields(source_kind="rumour", occurred_from="yesterday", narrative=None),
    )
    assert response.status_code == 422
    body = response.json()
    assert {e["field"] for e in body["errors"]} == {"source_kind", "occurred_from", "narrative"}
    assert client.get("/api/v1/reports").json()["total"] == 0


def test_a_wrongly_typed_field_is_named(client):
    response = client.post("/api/v1/reports", json=report_fields(killed="many"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "killed"


def test_unknown_fields_are_refused(client):
    response = client.post("/api/v1/reports", json=report_fields(colour="red"))
    assert response.status_code == 422
    assert "colour" in response.text


def test_broken_json_is_a_client_error_without_internals(client):
    response = client.post(
        "/api/v1/reports", content=b'{"narrative": ', headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text
    assert "sqlalchemy" not in response.text.lower()


def test_an_oversized_body_is_refused(client):
    response = client.post("/api/v1/reports", json=report_fields(narrative="x" * 2_000_000))
    assert response.status_code == 413


def test_missing_and_unknown_ids_answer_alike(client):
    missing = client.get("/api/v1/reports/does-not-exist")
    no_route = client.get("/api/v1/nothing-here")
    assert missing.status_code == no_route.status_code == 404
    assert missing.json() == no_route.json() == {"detail": "Not found", "errors": []}


def test_pages_are_followed_by_cursor(client, services):
    for minute in range(5):
        client.post("/api/v1/reports", json=report_fields(narrative=f"account {minute}"))
        services.clock.advance(minutes=1)
    first = client.get("/api/v1/reports", params={"limit": 3}).json()
    second = client.get("/api/v1/reports", params={"limit": 3, "after": first["next"]}).json()
    narratives = [r["narrative"] for r in first["items"] + second["items"]]
    assert narratives == [f"account {m}" for m in (4, 3, 2, 1, 0)]
    assert second["next"] is None


def test_a_forged_cursor_is_named(client):
    response = client.get("/api/v1/reports", params={"after": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "after"


def test_the_registry_is_listed(client):
    agreements = client.get("/api/v1/agreements").json()
    assert agreements[0]["guarantor_ids"] == ["ru", "tr", "ir"]
    assert agreements[0]["excluded_actor_ids"] == ["islamic-state", "jfs"]
    bodies = {b["id"]: b for b in client.get("/api/v1/bodies").json()}
    assert bodies["ir"]["names"]["fa"] == "جمهوری اسلامی ایران"
    found = client.get("/api/v1/actors", params={"name": "داعش"}).json()
    assert [a["id"] for a in found] == ["islamic-state"]


def test_the_openapi_schema_is_served(client):
    schema = client.get("/api/v1/schema/openapi.json").json()
    assert "/api/v1/reports" in schema["paths"]
    assert set(schema["paths"]["/api/v1/reports"]) == {"get", "post"}
    assert "ReportIn" in str(schema["components"])
