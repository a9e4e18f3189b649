"""The quarantine on the web: a rejected item listed with its raw text and every reason,
corrected in a form (errors beside the fields) and filed; another body's row reads as missing.
And the report form's observer section."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from litestar.testing import TestClient

from integration_helpers import csrf_token, sign_in, token_for
from support import report_fields
from truce.domain.commands import FileReport
from truce.entrypoints.web.app import create_app
from truce.entrypoints.web.routes.quarantine import _FORM_FIELDS


@pytest.fixture
def web(services):
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as c:
        yield c


def rejected_item(services, web) -> str:
    """The government liaison's device sends an item without an account: kept, not lost."""
    item = report_fields(
        idempotency_key="tablet-9:0001", narrative=None, confidentiality="submitter"
    )
    response = web.post(
        "/api/v1/reports/batch",
        json={"items": [item]},
        headers={"Authorization": f"Bearer {token_for(services, 'gov_liaison')}"},
    )
    result = response.json()["results"][0]
    assert result["status"] == "rejected"
    return result["quarantine_id"]


def audit_count(services) -> int:
    entries = services.auth.audit_entries(1)
    return entries[0].seq or 0 if entries else 0


def form_from(page: str, **changes: str) -> dict[str, str]:
    values = {
        **{k: str(v) for k, v in report_fields().items() if k != "occurred_to"},
        "occurred_from": "2017-01-02T06:10",
        "_csrf_token": csrf_token(page),
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v != ""}


def test_a_rejected_item_is_corrected_and_filed(services, web):
    row_id = rejected_item(services, web)
    sign_in(web, services, "gov_liaison")
    listed = web.get("/quarantine")
    assert listed.status_code == 200
    assert f'href="/quarantine/{row_id}"' in listed.text
    page = web.get(f"/quarantine/{row_id}")
    assert page.status_code == 200
    assert "tablet-9:0001" in page.text  # the raw text as received
    assert "narrative" in page.text  # the reason
    assert 'value="Mechanism field team, Rif Dimashq"' in page.text  # the form, prefilled

    broken = web.post(f"/quarantine/{row_id}", data=form_from(page.text, narrative=""))
    assert broken.status_code == 422
    assert 'id="e-narrative"' in broken.text

    fixed = web.post(
        f"/quarantine/{row_id}",
        data=form_from(page.text, narrative="Corrected: impacts west of Basimah."),
        follow_redirects=False,
    )
    assert fixed.status_code == 303, fixed.text
    report_id = fixed.headers["location"].rsplit("/", 1)[1]
    assert f'href="/quarantine/{row_id}"' not in web.get("/quarantine").text
    report = services.monitoring.get_report(
        services.registry.principal_for(services.auth.find_member("gov_liaison")), report_id
    )
    assert report.content.narrative == "Corrected: impacts west of Basimah."
    kinds = [e.kind for e in services.record.history(f"quarantine:{row_id}")]
    assert "quarantine.resolved" in kinds
    # Resolved rows cannot be filed twice.
    again = web.post(f"/quarantine/{row_id}", data=form_from(page.text))
    assert again.status_code == 404


def test_another_bodys_row_reads_as_missing(services, web):
    row_id = rejected_item(services, web)
    sign_in(web, services, "opposition_liaison")
    assert f"/quarantine/{row_id}" not in web.get("/quarantine").text
    token = csrf_token(web.get("/").text)
    for probe in (
        lambda rid: web.get(f"/quarantine/{rid}"),
        lambda rid: web.post(f"/quarantine/{rid}", data={"_csrf_token": token}),
    ):
        missing = probe("q-never-kept")
        before = audit_count(services)
        guessed = probe(row_id)
        assert missing.status_code == guessed.status_code == 404
        assert guessed.content == missing.content
        entries = [e for e in services.auth.audit_entries(10) if (e.seq or 0) > before]
        assert len(entries) == 1
        assert not entries[0].allowed
        assert entries[0].resource_id == row_id


def test_a_correction_needs_the_forms_token(services, web):
    row_id = rejected_item(services, web)
    sign_in(web, services, "gov_liaison")
    assert web.post(f"/quarantine/{row_id}", data={"narrative": "x"}).status_code == 403


def test_the_report_form_files_the_observer_section(services, web):
    sign_in(web, services, "monitor")
    page = web.get("/")
    assert 'name="observer_bearing"' in page.text
    response = web.post(
        "/reports",
        data=form_from(
            page.text,
            observer_latitude="33.64",
            observer_longitude="36.09",
            observer_bearing="270",
            observer_distance_m="1500",
            observer_weapon="122 mm rocket artillery",
            observer_sensor="binoculars",
        ),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    report_id = re.search(r"filed=([^#&]+)", response.headers["location"]).group(1)
    report = services.monitoring.get_report(
        services.registry.principal_for(services.auth.find_member("monitor")), report_id
    )
    observer = report.content.observer
    assert observer is not None
    assert (observer.latitude, observer.longitude, observer.bearing) == (33.64, 36.09, 270.0)
    assert (observer.distance_m, observer.weapon, observer.sensor) == (
        1500.0,
        "122 mm rocket artillery",
        "binoculars",
    )


def test_observer_errors_stand_beside_their_fields(services, web):
    sign_in(web, services, "monitor")
    page = web.get("/")
    response = web.post(
        "/reports",
        data=form_from(page.text, observer_bearing="400", observer_latitude="33.6"),
    )
    assert response.status_code == 422
    assert 'id="e-observer_bearing"' in response.text
    assert 'id="e-observer_longitude"' in response.text
    # What was typed comes back in the fields.
    assert 'value="400"' in response.text


def test_the_form_prefills_only_fields_of_a_report():
    """The fields come from the report form's labels: each must be one a report has."""
    reported = {item.name for item in fields(FileReport)}
    assert set(_FORM_FIELDS) <= reported
    assert {"source_kind", "narrative", "confidentiality"} <= set(_FORM_FIELDS)
