"""Compliance reports and exports follow need-to-know (issue 10): a restricted report's
content never reaches the public edition, each edition and export is audited, and each
finished export is on the record with its filter, row count and hash. Runs on both stores."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date

import pytest

from cast import GOV, GOV_LIAISON, OPPOSITION_LIAISON, PUBLIC
from compliance_helpers import Desk
from support import FixedClock, report_fields
from truce.adapters.exporters import ENCODERS
from truce.adapters.rendering.html import render_html
from truce.application.exports import EXPORT_KIND
from truce.application.ports import UnitOfWorkFactory
from truce.domain.access import Principal
from truce.domain.compliance import Edition, day_of
from truce.domain.compliance_exports import EXPORT_COLUMNS, ExportFilter, ExportFormat
from truce.domain.reports import parse_file_report

DAY = date(2017, 1, 2)
SECRET_PLACE = "Hidden position near Tadmur, Homs"


def _file(desk: Desk, username: str, **overrides: object) -> None:
    command = parse_file_report(report_fields(**overrides), now=desk_now(desk))
    desk.monitoring.file_report(command, desk.cast[username])


def desk_now(desk: Desk) -> object:
    return desk.monitoring.clock.now()


@pytest.fixture
def desk(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> Desk:
    desk = Desk(uow_factory, clock)
    _file(desk, "gov_liaison", confidentiality="public", place_text="Wadi Barada, Rural Damascus")
    _file(
        desk,
        "gov_liaison",
        confidentiality="submitter",
        place_text=SECRET_PLACE,
        narrative="Only the government may read this.",
    )
    return desk


def _audit_reasons(desk: Desk) -> list[str]:
    with desk.uow() as uow:
        return [entry.reason for entry in uow.audit.recent(100)]


def test_the_public_edition_counts_public_reports_only(desk: Desk) -> None:
    public = desk.compliance.report(GOV_LIAISON, day_of(DAY), Edition.PUBLIC)
    assert public.figures.total == 1
    assert "SY04" not in public.figures.by_governorate
    page = render_html(public, "en")
    assert SECRET_PLACE not in page
    assert "Homs" not in page.split('<table class="breakdown"')[1]


def test_a_restricted_edition_is_the_readers_need_to_know(desk: Desk) -> None:
    own = desk.compliance.report(GOV_LIAISON, day_of(DAY), Edition.RESTRICTED)
    assert own.figures.total == 2
    assert own.figures.by_governorate.get("SY04") == 1
    assert own.edition_for == GOV
    other = desk.compliance.report(OPPOSITION_LIAISON, day_of(DAY), Edition.RESTRICTED)
    assert other.figures.total == 1
    assert any("restricted" in reason for reason in _audit_reasons(desk))


def _export(desk: Desk, principal: Principal, fmt: ExportFormat) -> bytes:
    stream = desk.exports.stream(principal, fmt, ExportFilter(), ENCODERS[fmt])
    return b"".join(stream)


def test_exports_hold_what_the_reader_may_list(desk: Desk) -> None:
    public = _export(desk, PUBLIC, ExportFormat.CSV).decode()
    own = _export(desk, GOV_LIAISON, ExportFormat.CSV).decode()
    assert SECRET_PLACE not in public
    assert SECRET_PLACE in own
    assert len(list(csv.DictReader(io.StringIO(public)))) == 1
    assert len(list(csv.DictReader(io.StringIO(own)))) == 2


def _records(desk: Desk) -> list[dict[str, object]]:
    with desk.uow() as uow:
        return [
            json.loads(e.body)
            for e in uow.record.entries(0, uow.record.size())
            if e.kind == EXPORT_KIND
        ]


def test_each_export_is_audited_and_on_the_record_with_its_hash(desk: Desk) -> None:
    before = len(_audit_reasons(desk))
    data = _export(desk, GOV_LIAISON, ExportFormat.JSONL)
    (entry,) = _records(desk)
    assert entry["rows"] == 2
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["format"] == "jsonl"
    assert entry["by_body_id"] == GOV
    reasons = _audit_reasons(desk)
    assert len(reasons) == before + 1
    assert "export jsonl of 2 reports" in reasons[0]


def test_a_stopped_export_is_audited_and_not_recorded(desk: Desk) -> None:
    stream = desk.exports.stream(
        GOV_LIAISON, ExportFormat.CSV, ExportFilter(), ENCODERS[ExportFormat.CSV]
    )
    next(stream)
    stream.close()
    assert _records(desk) == []
    assert any("export stopped" in reason for reason in _audit_reasons(desk))


def test_exports_round_trip(desk: Desk) -> None:
    rows = list(csv.DictReader(io.StringIO(_export(desk, GOV_LIAISON, ExportFormat.CSV).decode())))
    lines = _export(desk, GOV_LIAISON, ExportFormat.JSONL).decode().splitlines()
    objects = [json.loads(line) for line in lines]
    collection = json.loads(_export(desk, GOV_LIAISON, ExportFormat.GEOJSON))
    assert [list(r) for r in rows] == [list(EXPORT_COLUMNS)] * 2
    for row, obj, feature in zip(rows, objects, collection["features"], strict=True):
        assert row == {k: "" if v is None else str(v) for k, v in obj.items()}
        assert feature["properties"] == obj
        assert feature["geometry"]["coordinates"] == [obj["longitude"], obj["latitude"]]
    assert {o["governorate"] for o in objects} == {"SY03", "SY04"}
    hxl = list(csv.reader(io.StringIO(_export(desk, GOV_LIAISON, ExportFormat.HXL).decode())))
    assert hxl[1][EXPORT_COLUMNS.index("occurred_from")] == "#date"
    acled = list(
        csv.DictReader(io.StringIO(_export(desk, GOV_LIAISON, ExportFormat.ACLED).decode()))
    )
    assert acled[0]["event_date"] == "02 January 2017"
    assert acled[0]["event_type"] == "Explosions/Remote violence"


def test_an_export_filter_narrows_the_rows(desk: Desk) -> None:
    later = ExportFilter(since=date(2017, 1, 3))
    stream = desk.exports.stream(GOV_LIAISON, ExportFormat.CSV, later, ENCODERS[ExportFormat.CSV])
    assert len(b"".join(stream).decode().splitlines()) == 1
    (entry,) = _records(desk)
    assert entry["filter"] == later.describe()
    assert entry["rows"] == 0
