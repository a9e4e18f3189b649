"""Checked against reality (issue 10 item 4): the Russian and Turkish bulletins of
../shared/data/bulletins, entered as reports through intake, are given back exactly by the
daily report of each bulletin day: per side and province, per side in total, and the
confirmation figures."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from compliance_helpers import BULLETINS, Desk
from support import FixedClock
from truce.adapters.importers.bulletins import open_bulletins
from truce.application.ports import UnitOfWorkFactory
from truce.domain.access import ANONYMOUS
from truce.domain.compliance import NOT_STATED, day_of, governorate_of
from truce.domain.compliance_bulletins import SIDE_NAMES

# After the last bulletin: intake refuses reports about the future.
AFTER = datetime(2017, 7, 1, tzinfo=UTC)
FILES = sorted(BULLETINS.glob("ceasefire_violation_bulletins_*.csv"))
pytestmark = pytest.mark.skipif(
    not FILES, reason=f"bulletin files absent: {BULLETINS} (see shared/data/SOURCES.md)"
)


def _expected(path: Path) -> dict[date, dict[str, dict[str, int]]]:
    """Per day, per side: each province's count, and the side's total under "total"."""
    days: dict[date, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            side = days[date.fromisoformat(row["bulletin_date"])][SIDE_NAMES[row["reporting_side"]]]
            side["total"] = int(row["side_total"] or 0)
            if row["province"] and row["count"]:
                side[governorate_of(row["province"]) or "?"] = int(row["count"])
    return days


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_every_bulletin_day_is_reproduced_exactly(
    path: Path, uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    clock.moment = AFTER
    desk = Desk(uow_factory, clock)
    source, statements = open_bulletins(path)
    desk.intake.import_file(source)
    desk.compliance.state_confirmations(statements)
    expected = _expected(path)
    assert expected
    for day, sides in expected.items():
        report = desk.compliance.report(ANONYMOUS, day_of(day))
        figures = report.figures
        for side, counts in sides.items():
            assert figures.by_side.get(side, 0) == counts["total"], (day, side)
            reported = figures.by_side_governorate.get(side, {})
            for pcode, count in counts.items():
                if pcode != "total":
                    assert reported.get(pcode, 0) == count, (day, side, pcode)
            # Nothing lands in a governorate the bulletin did not name with a number.
            named = {k for k in counts if k != "total"}
            assert set(reported) - {NOT_STATED} <= named, (day, side)
        assert figures.total == sum(s["total"] for s in sides.values()), day
        stated = [s for s in statements if s.day == day]
        assert sorted(report.confirmations, key=str) == sorted(stated, key=str), day


def test_importing_the_bulletins_again_changes_nothing(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    clock.moment = AFTER
    desk = Desk(uow_factory, clock)
    source, statements = open_bulletins(FILES[0])
    first = desk.intake.import_file(source)
    assert desk.compliance.state_confirmations(statements) == len(statements)
    clock.advance(minutes=1)
    again = desk.intake.import_file(open_bulletins(FILES[0])[0])
    assert again.counts.imported == 0
    assert again.counts.unchanged == first.counts.imported
    assert desk.compliance.state_confirmations(statements) == 0
