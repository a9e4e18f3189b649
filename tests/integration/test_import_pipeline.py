"""Batches prepared in other processes (adapters/importers/pipeline.py) give exactly what
preparing them in the importing process gives, on both stores; a failure there is raised
here with nothing half-written; an import stopped midway leaves no process behind and
resumes to the same final state (issue 5)."""

from __future__ import annotations

import csv
import multiprocessing
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from support import FixedClock, SequentialIds, StopImportError, seed_cast, stopping_after
from truce.adapters.importers import open_source
from truce.adapters.importers.pipeline import (
    PreparationFailedError,
    forked,
    forked_by,
    preparing_in,
)
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.intake import ImportSource, IntakeService
from truce.application.intake_batches import PreparedBatch, Preparer
from truce.application.monitoring import MonitoringService
from truce.application.ports import UnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.commands import FileReport
from truce.domain.errors import InvalidInputError
from truce.domain.intake import ImportKind, SourceRow
from truce.domain.reports import Report

EVENTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "events"
UCDP = EVENTS / "ucdp_ged_syria_2017-02_2017-06.csv"
pytestmark = pytest.mark.skipif(
    not EVENTS.is_dir(), reason=f"real event files absent: {EVENTS} (see shared/data/SOURCES.md)"
)
BATCH = 300
# Later than every event: intake quarantines events "in the future".
LATER = datetime(2024, 1, 1, tzinfo=UTC)


def _service(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> IntakeService:
    seed_cast(RegistryService(uow_factory, clock))
    monitoring = MonitoringService(uow_factory, clock, SequentialIds("report"))
    return IntakeService(uow_factory, clock, SequentialIds("import"), monitoring, batch_size=BATCH)


def _two_children(rows: object, prepare: Preparer, size: int) -> Iterator[PreparedBatch]:
    # Two children even on a machine of one core, so the turns between them are tested.
    yield from forked_by(2, rows, prepare, size)  # type: ignore[arg-type]


def _state(uow_factory: UnitOfWorkFactory) -> tuple[list[Report], list[tuple[str, str]], int]:
    with uow_factory() as uow:
        reports = sorted(uow.reports.page(100_000), key=lambda report: report.id)
        entries = uow.record.entries(0, uow.record.size())
        # The import's own entries (the cast's carry salted commitments, never alike).
        record = [
            (entry.kind, entry.body) for entry in entries if entry.kind.startswith("dataset.")
        ]
        return reports, record, uow.intake.count_quarantined()


def test_batches_prepared_elsewhere_give_what_preparing_here_gives(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(LATER)
    reference = MemoryUnitOfWorkFactory()
    expected_counts = _service(reference, clock).import_file(open_source(ImportKind.UCDP, UCDP))
    intake = _service(uow_factory, clock)
    found = intake.import_file(open_source(ImportKind.UCDP, UCDP), pipeline=_two_children)
    assert found.counts == expected_counts.counts
    assert found.counts.imported > 2_000
    assert found.counts.quarantined > 0, "the file has rows that cannot be accepted"
    state = _state(uow_factory)
    assert state[1], "the import's batches are on the record"
    assert state == _state(reference)
    assert not multiprocessing.active_children()
    # And the same file again, prepared elsewhere: all unchanged.
    again = intake.import_file(open_source(ImportKind.UCDP, UCDP), pipeline=forked).counts
    assert (again.imported, again.updated) == (0, 0)
    assert again.unchanged + again.quarantined == again.read


def test_an_import_stopped_midway_leaves_no_process_and_resumes(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(LATER)
    intake = _service(uow_factory, clock)
    with pytest.raises(StopImportError):
        intake.import_file(
            open_source(ImportKind.UCDP, UCDP), progress=stopping_after(3), pipeline=_two_children
        )
    assert not multiprocessing.active_children()
    resumed = intake.import_file(open_source(ImportKind.UCDP, UCDP), pipeline=_two_children)
    assert resumed.resumed_from == 3 * BATCH

    reference = MemoryUnitOfWorkFactory()
    whole = _service(reference, clock).import_file(open_source(ImportKind.UCDP, UCDP))
    assert resumed.counts == whole.counts
    reports, _, quarantined = _state(uow_factory)
    expected_reports, _, expected_quarantined = _state(reference)
    assert [(r.content, r.fingerprint) for r in reports] == [
        (r.content, r.fingerprint) for r in expected_reports
    ]
    assert quarantined == expected_quarantined


def _failing_after(source: ImportSource, line: int) -> ImportSource:
    """The source whose mapper breaks (not the row's fault) at one line."""
    mapper = source.mapper

    def breaks(row: SourceRow, now: datetime) -> FileReport:
        if row.line == line:
            raise ZeroDivisionError("a fault in the mapper")
        return mapper(row, now)

    return replace(source, mapper=breaks)


def test_a_failure_while_preparing_is_raised_here_with_nothing_half_written(
    uow_factory: UnitOfWorkFactory,
) -> None:
    clock = FixedClock(LATER)
    intake = _service(uow_factory, clock)
    broken = _failing_after(open_source(ImportKind.UCDP, UCDP), line=2 * BATCH + 50)
    with pytest.raises(PreparationFailedError, match="ZeroDivisionError: a fault in the mapper"):
        intake.import_file(broken, pipeline=_two_children)
    assert not multiprocessing.active_children()
    with uow_factory() as uow:
        journal = uow.intake.journal(broken.file_sha256, broken.kind)
        assert journal is not None
        assert journal.rows_done == 2 * BATCH  # the two whole batches before the fault
        stored = uow.reports.count() + uow.intake.count_quarantined()
        assert stored == 2 * BATCH
    resumed = intake.import_file(open_source(ImportKind.UCDP, UCDP), pipeline=_two_children)
    assert resumed.resumed_from == 2 * BATCH
    assert resumed.counts.imported + resumed.counts.quarantined == resumed.counts.read


def test_a_file_broken_as_a_whole_is_named_as_such(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    clock = FixedClock(LATER)
    intake = _service(uow_factory, clock)
    path = tmp_path / "no-tags.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "lat", "lon"])
        writer.writerow(["2017-01-02", "36.2", "37.1"])
    with pytest.raises(InvalidInputError) as raised:
        intake.import_file(open_source(ImportKind.HXL, path), pipeline=forked)
    assert [error.field for error in raised.value.errors] == ["file"]
    assert not multiprocessing.active_children()


def test_fewer_than_one_preparing_process_is_refused() -> None:
    with pytest.raises(InvalidInputError) as raised:
        preparing_in(0)
    assert [error.field for error in raised.value.errors] == ["import_workers"]
