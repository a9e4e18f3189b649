"""The real ACLED and UCDP files of ../shared/data/events import completely, again as all
unchanged, and an interrupted import resumes to the same final state (issue 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import FixedClock, SequentialIds, StopImportError, seed_cast, stopping_after
from truce.adapters.importers import open_source
from truce.application.intake import IntakeService
from truce.application.monitoring import MonitoringService
from truce.application.ports import UnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.intake import ImportKind

# ../shared/data beside the worktree, as tests/conftest.py names it.
EVENTS = Path(__file__).resolve().parents[3] / "shared" / "data" / "events"
FILES = {
    ImportKind.ACLED: EVENTS / "acled_syria_battles_2017-01.csv",
    ImportKind.UCDP: EVENTS / "ucdp_ged_syria_2016-01_2017-01.csv",
}
pytestmark = pytest.mark.skipif(
    not EVENTS.is_dir(), reason=f"real event files absent: {EVENTS} (see shared/data/SOURCES.md)"
)


def _service(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> IntakeService:
    seed_cast(RegistryService(uow_factory, clock))
    monitoring = MonitoringService(uow_factory, clock, SequentialIds("report"))
    return IntakeService(uow_factory, clock, SequentialIds("import"), monitoring, batch_size=500)


def _rows(path: Path) -> int:
    import csv  # noqa: PLC0415

    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


@pytest.mark.parametrize("kind", list(FILES))
def test_every_row_is_imported_or_quarantined_and_again_nothing_changes(
    kind: ImportKind, uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    intake = _service(uow_factory, clock)
    path = FILES[kind]
    first = intake.import_file(open_source(kind, path)).counts
    assert first.read == _rows(path)
    assert first.imported + first.quarantined == first.read
    with uow_factory() as uow:
        stored = uow.reports.count()
        record_size = uow.record.size()
    second = intake.import_file(open_source(kind, path)).counts
    assert (second.imported, second.updated) == (0, 0)
    assert second.unchanged + second.quarantined == second.read
    assert second.quarantined == first.quarantined
    with uow_factory() as uow:
        assert uow.reports.count() == stored
        assert uow.record.size() == record_size
        assert uow.intake.count_quarantined() == first.quarantined


def test_an_interrupted_import_resumes_to_the_same_final_state(
    uow_factory: UnitOfWorkFactory, clock: FixedClock
) -> None:
    intake = _service(uow_factory, clock)
    path = FILES[ImportKind.UCDP]
    with pytest.raises(StopImportError):
        intake.import_file(open_source(ImportKind.UCDP, path), progress=stopping_after(3))
    resumed = intake.import_file(open_source(ImportKind.UCDP, path))
    assert resumed.resumed_from == 1_500
    counts = resumed.counts
    assert counts.read == _rows(path)
    assert counts.imported + counts.quarantined == counts.read
    with uow_factory() as uow:
        assert uow.reports.count() == counts.imported
        assert uow.intake.count_quarantined() == counts.quarantined
    # And it is finished: importing once more changes nothing.
    again = intake.import_file(open_source(ImportKind.UCDP, path)).counts
    assert (again.imported, again.updated) == (0, 0)
