"""The ComplianceFigures port (issue 10) answers alike on both stores: counts grouped by report
day in the scope, per-day totals, and export batches of plain tuples with times as the ISO
text `datetime.isoformat` writes. (Its incidents-with-a-case query is exercised through the
service in tests/unit/test_compliance_findings.py, on both stores too.)"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cast import GOV_LIAISON, PUBLIC
from compliance_helpers import Desk
from support import FixedClock, report_fields
from truce.application.access_guard import report_scope
from truce.application.ports import UnitOfWorkFactory
from truce.domain.compliance import day_window
from truce.domain.compliance_exports import STORED_COLUMNS, ExportWindow
from truce.domain.reports import parse_file_report

# Report days start at 22:00 UTC the evening before (UTC+2).
TIMES = (
    ("2017-01-01T21:59:59+00:00", "public"),  # 1 January, a second before midnight there
    ("2017-01-01T22:00:00+00:00", "public"),  # 2 January
    ("2017-01-02T08:30:00.123456+00:00", "public"),  # 2 January, with a fraction
    ("2017-01-02T09:00:00+00:00", "submitter"),  # 2 January, the government's own
)
OCCURRED = STORED_COLUMNS.index("occurred_from")


@pytest.fixture
def desk(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> Desk:
    desk = Desk(uow_factory, clock)
    for moment, level in TIMES:
        fields = report_fields(occurred_from=moment, occurred_to=None, confidentiality=level)
        command = parse_file_report(fields, now=clock.now())
        desk.monitoring.file_report(command, desk.cast["gov_liaison"])
        clock.advance(seconds=1)
    return desk


WINDOW = (day_window(date(2016, 12, 31))[0], day_window(date(2017, 1, 3))[1])


def test_counts_group_by_report_day_within_the_scope(desk: Desk) -> None:
    with desk.uow() as uow:
        public = uow.compliance.day_totals(*WINDOW, report_scope(PUBLIC))
        own = uow.compliance.day_totals(*WINDOW, report_scope(GOV_LIAISON))
        rows = uow.compliance.figure_rows(*WINDOW, report_scope(GOV_LIAISON))
        places = uow.compliance.place_rows(*WINDOW, report_scope(PUBLIC))
    assert public == [(date(2017, 1, 1), 1), (date(2017, 1, 2), 2)]
    assert own == [(date(2017, 1, 1), 1), (date(2017, 1, 2), 3)]
    by_day: dict[date, int] = {}
    for row in rows:
        by_day[row[0]] = by_day.get(row[0], 0) + row[-1]
    assert by_day == dict(own)
    assert sum(row[-1] for row in places) == 3


def test_export_batches_are_plain_rows_with_iso_times(desk: Desk) -> None:
    everything = ExportWindow(None, None, None, None)
    with desk.uow() as uow:
        batches = list(uow.compliance.export_batches(everything, report_scope(GOV_LIAISON), 3))
        public = [
            row
            for batch in uow.compliance.export_batches(everything, report_scope(PUBLIC), 2)
            for row in batch
        ]
    assert [len(batch) for batch in batches] == [3, 1]
    rows = [row for batch in batches for row in batch]
    assert all(isinstance(row, tuple) and len(row) == len(STORED_COLUMNS) for row in rows)
    expected = [datetime.fromisoformat(moment).astimezone(UTC).isoformat() for moment, _ in TIMES]
    assert [row[OCCURRED] for row in rows] == expected
    assert [row[OCCURRED] for row in public] == expected[:3]
