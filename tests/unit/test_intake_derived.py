"""A bulk import defers correlation and placement to one pass at its end (issue 5): the pass
gives exactly the incidents, links and placements that running them inside every batch gave,
on both stores; a pass that stops resumes; the queue is empty once the import returns.

Real events of the first days of January 2017 from two datasets (ACLED and UCDP), so reports
of one source are joined to the other's, placed over a small made-up country that covers part
of them."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from geo_support import geography, load_country, write_country
from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.importers import open_source
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.incidents import IncidentService
from truce.application.intake import IntakeService
from truce.application.monitoring import MonitoringService
from truce.application.placement import AfterFilingSteps
from truce.application.ports import UnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.geo.placement import PlaceMethod, ReportPlace
from truce.domain.incidents import Incident
from truce.domain.intake import ImportKind

EVENTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "events"
ACLED = EVENTS / "acled_syria_battles_2017-01.csv"
UCDP = EVENTS / "ucdp_ged_syria_2016-01_2017-01.csv"
pytestmark = pytest.mark.skipif(
    not EVENTS.is_dir(), reason=f"real event files absent: {EVENTS} (see shared/data/SOURCES.md)"
)
BATCH = 40


class StopPassError(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    incidents: list[Incident]
    placements: dict[str, ReportPlace]
    record_kinds: list[str]
    pending: int


def _first_week(source: Path, folder: Path, keep: Callable[[dict[str, str]], bool]) -> Path:
    """The rows of the first days of January 2017 (ACLED's and UCDP's same days)."""
    target = folder / source.name
    with source.open(encoding="utf-8", newline="") as rows, target.open("w", newline="") as out:
        reader = csv.DictReader(rows)
        writer = csv.DictWriter(out, list(reader.fieldnames or []))
        writer.writeheader()
        writer.writerows(row for row in reader if keep(row))
    return target


def _files(folder: Path) -> list[tuple[ImportKind, Path]]:
    days = {f"0{day} January 2017" for day in range(1, 5)}
    acled = _first_week(ACLED, folder, lambda row: row["event_date"] in days)
    ucdp = _first_week(UCDP, folder, lambda row: "2017-01-01" <= row["date_start"] < "2017-01-05")
    return [(ImportKind.ACLED, acled), (ImportKind.UCDP, ucdp)]


def _intake(uow: UnitOfWorkFactory, folder: Path, *, defer: bool) -> IntakeService:
    # Every id source is its own sequence, so both runs name everything alike. The clock is
    # later than every event: intake quarantines events "in the future".
    clock = FixedClock(datetime(2024, 1, 1, tzinfo=UTC))
    seed_cast(RegistryService(uow, clock))
    geo = geography(uow, clock)
    load_country(geo, write_country(folder / "country"))
    incidents = IncidentService(uow, clock, SequentialIds("incident"))
    steps = AfterFilingSteps((incidents.correlate, geo.place_filed))
    monitoring = MonitoringService(uow, clock, SequentialIds("report"), after_filing=steps)
    ids = SequentialIds("event")
    return IntakeService(uow, clock, ids, monitoring, batch_size=BATCH, defer_derived=defer)


def _outcome(uow_factory: UnitOfWorkFactory) -> Outcome:
    with uow_factory() as uow:
        incidents = sorted(uow.incidents.page(100_000, status=None), key=lambda i: i.id)
        report_ids = [report.id for report in uow.reports.page(100_000)]
        placements = uow.geo.placements(report_ids, None)
        kinds = sorted(entry.kind for entry in uow.record.entries(0, uow.record.size()))
        return Outcome(incidents, placements, kinds, uow.intake.count_derived())


def _import_both(intake: IntakeService, files: list[tuple[ImportKind, Path]]) -> None:
    for kind, path in files:
        counts = intake.import_file(open_source(kind, path)).counts
        assert counts.imported + counts.quarantined == counts.read


def test_the_pass_at_the_end_gives_what_every_batch_gave(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    files = _files(tmp_path)
    # The reference: the steps inside every batch, on the memory store.
    reference = MemoryUnitOfWorkFactory()
    _import_both(_intake(reference, tmp_path, defer=False), files)
    expected = _outcome(reference)

    _import_both(_intake(uow_factory, tmp_path, defer=True), files)
    found = _outcome(uow_factory)

    joined = [i for i in expected.incidents if len(i.links) > 1]
    placed = [p for p in expected.placements.values() if p.method is not PlaceMethod.UNPLACED]
    assert joined, "the two datasets share events: some incidents join several reports"
    assert placed, "some events lie in the made-up country"
    assert found.incidents == expected.incidents
    assert found.placements == expected.placements
    # The same entries (one per batch for the import, one per batch for correlation), only
    # in another order; nothing is left waiting.
    assert found.record_kinds == expected.record_kinds
    assert (found.pending, expected.pending) == (0, 0)


def test_a_pass_that_stops_resumes_to_the_same_state(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    files = _files(tmp_path)
    reference = MemoryUnitOfWorkFactory()
    _import_both(_intake(reference, tmp_path, defer=True), files)
    expected = _outcome(reference)

    intake = _intake(uow_factory, tmp_path, defer=True)
    (acled_kind, acled), (ucdp_kind, ucdp) = files
    intake.import_file(open_source(acled_kind, acled))

    def stop(done: int) -> None:
        if done >= BATCH:
            raise StopPassError

    with pytest.raises(StopPassError):
        intake.import_file(open_source(ucdp_kind, ucdp), derived_progress=stop)
    with uow_factory() as uow:
        assert uow.reports.count() == len(expected.placements)  # every report is in
    assert intake.pending_derived() > 0  # imported, not all correlated and placed yet
    # Importing the same file again imports nothing more and finishes the pass.
    again = intake.import_file(open_source(ucdp_kind, ucdp))
    assert (again.resumed_from, again.counts.read) == (again.counts.read, again.counts.read)
    found = _outcome(uow_factory)
    assert found.incidents == expected.incidents
    assert found.placements == expected.placements
    assert found.pending == 0
    assert intake.finish_derived() == 0  # nothing left to do
