"""The web offers the reports and exports (issue 10): the day shown as HTML or PDF in either
language, streamed exports, bad input as a 422 naming the field, and need-to-know kept."""

from __future__ import annotations

import csv
import io

from litestar.testing import TestClient

from integration_helpers import token_for
from support import report_fields
from truce.bootstrap import Services
from truce.domain.reports import parse_file_report
from truce.entrypoints.web.app import create_app

SECRET = "Hidden position near Tadmur, Homs"


def _client(services: Services) -> TestClient:
    return TestClient(create_app(services.settings, services), base_url="http://127.0.0.1")


def _seed(services: Services) -> None:
    gov = services.auth.find_member("gov_liaison")
    for level, place in (("public", "Hama"), ("submitter", SECRET)):
        fields = report_fields(confidentiality=level, place_text=place)
        command = parse_file_report(fields, now=services.clock.now())
        services.monitoring.file_report(command, gov)


def test_the_daily_report_in_html_and_pdf(services: Services) -> None:
    _seed(services)
    with _client(services) as client:
        page = client.get("/reports/daily", params={"date": "2017-01-02", "lang": "ar"})
        assert page.status_code == 200
        assert 'dir="rtl"' in page.text
        assert SECRET not in page.text
        pdf = client.get("/reports/daily", params={"date": "2017-01-02", "format": "pdf"})
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        for url in ("/reports/weekly?start=2017-01-02", "/reports/monthly?month=2017-01"):
            assert client.get(url).status_code == 200


def test_bad_report_parameters_are_named(services: Services) -> None:
    with _client(services) as client:
        for params, field in (
            ({"date": "yesterday"}, "date"),
            ({"date": "2017-01-02", "lang": "fr"}, "lang"),
            ({"date": "2017-01-02", "format": "docx"}, "format"),
        ):
            answer = client.get("/reports/daily", params=params)
            assert answer.status_code == 422
            assert field in answer.text


def test_exports_stream_what_the_reader_may_list(services: Services) -> None:
    _seed(services)
    token = token_for(services, "gov_liaison")
    with _client(services) as client:
        public = client.get("/exports/csv")
        own = client.get("/exports/csv", headers={"authorization": f"Bearer {token}"})
        assert public.status_code == own.status_code == 200
        assert len(list(csv.DictReader(io.StringIO(public.text)))) == 1
        assert SECRET not in public.text
        assert SECRET in own.text
        assert client.get("/exports/xlsx").status_code == 422
        assert client.get("/exports/csv", params={"since": "soon"}).status_code == 422
