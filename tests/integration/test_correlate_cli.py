"""`truce correlate` writes one row per input row; the engine keeps its B-cubed F1 on a small
stream generated from the real ACLED events (skipped when ../shared/data is absent)."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truce.entrypoints.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
ACLED = ROOT.parent / "shared" / "data" / "events" / "acled_syria_battles_2017-01.csv"
F1_FLOOR = 0.9


def _bench() -> object:
    spec = importlib.util.spec_from_file_location(
        "bench_correlate", ROOT / "bench" / "correlate.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_correlate"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not ACLED.is_file(), reason="../shared/data/events is not here")
def test_one_row_per_input_report(tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    result = CliRunner().invoke(
        app, ["correlate", str(ACLED), "--format", "acled", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with ACLED.open(encoding="utf-8", newline="") as handle:
        ids = [row["event_id_cnty"] for row in csv.DictReader(handle)]
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["report_id"] for row in rows] == ids
    assert all(row["incident_id"] for row in rows)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["correlate", str(tmp_path / "none.csv"), "--format", "ucdp", "--out", "x.csv"]
    )
    assert result.exit_code == 2


@pytest.mark.skipif(not ACLED.is_file(), reason="../shared/data/events is not here")
def test_the_engine_keeps_its_f1_on_a_small_stream() -> None:
    bench = _bench()
    events = bench.load_events(600)  # type: ignore[attr-defined]
    stream = bench.generate(events)  # type: ignore[attr-defined]
    observations = bench.observations(stream, bench.gazetteer(events))  # type: ignore[attr-defined]
    found, _ = bench.run_engine(observations)  # type: ignore[attr-defined]
    truth = {g.report.id: g.truth for g in stream}
    _, _, f1 = bench.bcubed(truth, found)  # type: ignore[attr-defined]
    baseline = bench.bcubed(truth, bench.fixed_window(observations))[2]  # type: ignore[attr-defined]
    assert f1 >= F1_FLOOR
    assert f1 > baseline
