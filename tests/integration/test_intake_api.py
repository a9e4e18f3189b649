"""A device's batch sync: per-item results, retries answered duplicate, rejects quarantined."""

from support import report_fields


def test_a_batch_files_each_item_once_and_quarantines_what_is_broken(client):
    items = [
        report_fields(idempotency_key="tablet-3:0001"),
        report_fields(idempotency_key="tablet-3:0002", narrative=None, latitude=95),
        report_fields(
            idempotency_key="tablet-3:0003",
            observer={"latitude": 33.64, "longitude": 36.09, "bearing": 270, "weapon": "mortar"},
        ),
    ]
    first = client.post("/api/v1/reports/batch", json={"items": items})
    assert first.status_code == 200
    results = first.json()["results"]
    assert [r["status"] for r in results] == ["filed", "rejected", "filed"]
    assert {e["field"] for e in results[1]["errors"]} == {"narrative", "latitude"}
    assert results[1]["quarantine_id"]
    again = client.post("/api/v1/reports/batch", json={"items": items}).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "rejected", "duplicate"]
    assert again[0]["report_id"] == results[0]["report_id"]
    assert client.get("/api/v1/reports").json()["total"] == 2


def test_an_empty_batch_is_refused(client):
    assert client.post("/api/v1/reports/batch", json={"items": []}).status_code == 422
