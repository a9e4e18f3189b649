"""Evidence over HTTP: multipart upload, streamed downloads as attachments, the custody
chain, refusals with their reason, and the report page's upload form."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import TestClient

from evidence_samples import DANGEROUS, jpeg_with_exif, pdf
from integration_helpers import csrf_token, sign_in, token_for
from support import report_fields
from truce.entrypoints.web.app import create_app


@pytest.fixture
def gov(services):
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as c:
        c.headers["Authorization"] = f"Bearer {token_for(services, 'gov_liaison')}"
        yield c


@pytest.fixture
def opp(services):
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as c:
        c.headers["Authorization"] = f"Bearer {token_for(services, 'opposition_liaison')}"
        yield c


def file_report(client, level="submitter") -> str:
    response = client.post("/api/v1/reports", json=report_fields(confidentiality=level))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def upload(client, report_id, data, name="photo.jpg"):
    return client.post(
        f"/api/v1/reports/{report_id}/evidence", files={"file": (name, data, "image/jpeg")}
    )


def test_upload_download_and_custody(gov, services):
    report_id = file_report(gov)
    response = upload(gov, report_id, jpeg_with_exif())
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["media_type"] == "image/jpeg"
    assert item["metadata"]["exif.datetime_original"] == "2017:01:02 06:15:00"
    assert {c["kind"] for c in item["copies"]} == {"original", "stripped", "thumbnail"}
    assert upload(gov, report_id, jpeg_with_exif()).status_code == 200

    original = gov.get(f"/api/v1/evidence/{item['sha256']}")
    assert original.status_code == 200
    assert original.content == jpeg_with_exif()
    assert original.headers["content-disposition"].startswith("attachment")
    assert original.headers["x-content-type-options"] == "nosniff"
    thumbnail = gov.get(f"/api/v1/evidence/{item['sha256']}?copy=thumbnail")
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-disposition"].startswith("attachment")
    assert gov.get(f"/api/v1/evidence/{item['sha256']}?copy=nonsense").status_code == 422

    custody = gov.get(f"/api/v1/evidence/{item['sha256']}/custody").json()
    assert [e["action"] for e in custody["events"]] == [
        "uploaded",
        "derived",
        "derived",
        "downloaded",
        "viewed",
    ]
    assert custody["events"][-1]["address"] == "testclient"
    moved = gov.post(f"/api/v1/evidence/{item['sha256']}/custody", json={"to": "UN field office"})
    assert moved.status_code == 201, moved.text
    assert moved.json()["action"] == "transferred"


@pytest.mark.parametrize("name", ["windows executable", "html with script", "zip with traversal"])
def test_a_dangerous_file_is_refused_with_its_reason(gov, name):
    report_id = file_report(gov)
    response = upload(gov, report_id, DANGEROUS[name], "harmless.jpg")
    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "file"
    assert response.json()["errors"][0]["message"]


def test_a_file_over_the_limit_is_refused(services, gov):
    small = replace(services.settings, evidence_max_bytes=1_000)
    tight_services = replace(
        services, settings=small, evidence=replace(services.evidence, max_bytes=1_000)
    )
    with TestClient(create_app(small, tight_services), base_url="http://127.0.0.1") as client:
        client.headers.update(gov.headers)
        report_id = file_report(client)
        response = upload(client, report_id, b"x" * 5_000, "big.txt")
        assert response.status_code == 413
        tight = upload(client, report_id, b"x" * 1_500, "big.txt")
        assert tight.status_code == 413
        assert tight.json()["errors"][0]["field"] == "file"


def test_uploads_to_others_reports_read_as_missing(gov, opp):
    report_id = file_report(gov)
    missing = upload(opp, "report-never-filed", pdf(), "a.pdf")
    guessed = upload(opp, report_id, pdf(), "a.pdf")
    assert missing.status_code == guessed.status_code == 404
    assert missing.content == guessed.content
    assert upload(opp, report_id, b"", "a.pdf").status_code == 404


def test_an_upload_without_a_file_is_a_clear_422(gov):
    report_id = file_report(gov)
    response = gov.post(f"/api/v1/reports/{report_id}/evidence", data={"other": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_the_report_page_lists_evidence_and_takes_an_upload(services):
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as web:
        sign_in(web, services, "gov_liaison")
        page = web.get("/")
        created = web.post(
            "/reports",
            data={
                **report_fields(confidentiality="submitter"),
                "_csrf_token": csrf_token(page.text),
            },
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text
        report_id = created.headers["location"].split("filed=")[1].split("#")[0]
        page = web.get(f"/reports/{report_id}")
        assert page.status_code == 200
        assert 'enctype="multipart/form-data"' in page.text
        token = csrf_token(page.text)
        refused = web.post(
            f"/reports/{report_id}/evidence",
            data={"_csrf_token": token},
            files={"file": ("x.jpg", DANGEROUS["windows executable"], "image/jpeg")},
        )
        assert refused.status_code == 415
        assert "Windows executable" in refused.text
        # A plain part, not a file: a refused form's uploads are Litestar's to close.
        without_token = web.post(
            f"/reports/{report_id}/evidence",
            files={"note": (None, "no token")},
            follow_redirects=False,
        )
        assert without_token.status_code == 403
        attached = web.post(
            f"/reports/{report_id}/evidence",
            data={"_csrf_token": token},
            files={"file": ("statement.pdf", pdf(), "application/pdf")},
            follow_redirects=False,
        )
        assert attached.status_code == 303, attached.text
        shown = web.get(attached.headers["location"])
        assert "statement.pdf" in shown.text
        assert "Chain of custody" in shown.text
        assert "uploaded" in shown.text
        assert "pdf.created" in shown.text
