"""`truce import` as an operator runs it: the batches, then the pass that correlates and
places, then the summary; `truce import finish` runs a pass that stopped."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from support import seed_cast
from truce.adapters.clock import SystemClock, UuidFactory
from truce.adapters.importers import open_source
from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import upgrade
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.incidents import IncidentService
from truce.application.intake import IntakeService
from truce.application.monitoring import MonitoringService
from truce.application.registry import RegistryService
from truce.domain.intake import ImportKind
from truce.entrypoints.cli.main import app

ACLED = Path(__file__).resolve().parents[3] / "shared" / "data" / "events"
ACLED = ACLED / "acled_syria_battles_2017-01.csv"
pytestmark = pytest.mark.skipif(not ACLED.is_file(), reason=f"real event file absent: {ACLED}")


class StopPassError(Exception):
    pass


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TRUCE_DATABASE_URL", url)
    monkeypatch.setenv("TRUCE_KEY_DIR", str(tmp_path / "keys"))
    engine = make_engine(url)
    upgrade(engine)
    seed_cast(RegistryService(SqlUnitOfWorkFactory(engine), SystemClock()))
    engine.dispose()
    return url


def _first_rows(tmp_path: Path, rows: int) -> Path:
    target = tmp_path / "acled.csv"
    with ACLED.open(encoding="utf-8", newline="") as source, target.open("w", newline="") as out:
        reader = csv.reader(source)
        writer = csv.writer(out)
        for n, row in enumerate(reader):
            if n > rows:
                break
            writer.writerow(row)
    return target


def test_an_import_correlates_and_places_before_its_summary(store: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["import", "acled", str(_first_rows(tmp_path, 40))])
    assert result.exit_code == 0, result.output
    assert "Import summary" in result.output
    assert "correlating and placing" in result.output
    finish = CliRunner().invoke(app, ["import", "finish"])
    assert finish.exit_code == 0, finish.output
    assert "Correlated and placed: 0 reports (0 were waiting)" in finish.output


def test_import_finish_runs_a_pass_that_stopped(store: str, tmp_path: Path) -> None:
    engine = make_engine(store)
    uow = SqlUnitOfWorkFactory(engine)
    clock, ids = SystemClock(), UuidFactory()
    monitoring = MonitoringService(
        uow, clock, ids, after_filing=IncidentService(uow, clock, ids).correlate
    )
    intake = IntakeService(uow, clock, ids, monitoring, batch_size=10)

    def stop(_done: int) -> None:
        raise StopPassError

    source = open_source(ImportKind.ACLED, _first_rows(tmp_path, 40))
    with pytest.raises(StopPassError):
        intake.import_file(source, derived_progress=stop)
    assert intake.pending_derived() == 30
    result = CliRunner().invoke(app, ["import", "finish"])
    assert result.exit_code == 0, result.output
    assert "Correlated and placed: 30 reports (30 were waiting)" in result.output
    assert intake.pending_derived() == 0
    with uow() as unit:
        linked = {i for incident in unit.incidents.page(1_000) for i in incident.report_ids}
        assert len(linked) == unit.reports.count() == 40
    engine.dispose()
