"""Compliance reports and exports at size (issue 10), each beside a baseline.

    uv run python bench/report.py --rows 1000000
    uv run python bench/report.py --rows 100000      # a quick run

The store is a fresh, migrated SQLite file (WAL), bulk-loaded directly with executemany:
filing a million reports one by one through intake is bench/import.py's subject, not this
one's. The reports spread over --days days (default 120) from 2016-12-01, across the
fourteen governorates, five sides, six types and a few accused parties; all public.

1. daily report: `ComplianceService.report` for the busiest day (figures for the day, the
   day before and the seven before that: nine indexed GROUP BY queries). Baseline: one plain
   SQL GROUP BY place_text, event_type over the same day window, on a raw sqlite3 cursor.
2. export: `ExportService.stream` in CSV of every row to a file, with its audit entry and
   record entry. Baseline: a raw sqlite3 cursor over the same columns through csv.writer.
   Peak memory is the process's max RSS before and after (resource.getrusage).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import platform
import pstats
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Self

from truce.adapters.clock import SystemClock
from truce.adapters.exporters import ENCODERS
from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import upgrade
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.compliance import ComplianceService
from truce.application.exports import ExportService
from truce.domain.access import ANONYMOUS
from truce.domain.compliance import GOVERNORATES, day_of, day_window
from truce.domain.compliance_exports import STORED_COLUMNS, ExportFilter, ExportFormat

START = datetime(2016, 12, 1, tzinfo=UTC)
SIDES = ("Russian side", "Turkish side", "Field team", "ACLED: SOHR", "UCDP GED: AFP")
TYPES = ("shelling", "air_strike", "battle", "incursion", "other", "explosion_remote_violence")
PARTIES = (None, "Syrian Arab Army", "Jabhat Fateh al-Sham", "Ahrar al-Sham", "Hezbollah")
BATCH = 20_000


def _stored(moment: datetime) -> str:
    """A time as the app's SQLite store keeps it (SQLAlchemy's DateTime text, naive UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Timer:
    """Wall and CPU seconds of this process over a block (the machine is shared: the CPU
    figure is the one a loaded machine distorts less)."""

    def __enter__(self) -> Self:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(count: int, days: int, rng: random.Random):  # noqa: ANN202 - a generator of tuples
    filed = datetime(2017, 7, 1, tzinfo=UTC)
    for i in range(count):
        g = GOVERNORATES[rng.randrange(len(GOVERNORATES))]
        # Busier towards the middle: a triangular spread over the days.
        moment = START + timedelta(seconds=int(rng.triangular(0, days * 86400)))
        yield (
            f"r{i:08d}", "syria-ceasefire-2016", _stored(filed + timedelta(seconds=i)), None,
            None, "bench", None, "0" * 64, "dataset", rng.choice(SIDES), "F", 6,
            _stored(moment), None,
            f"Village {i % 500}, {g.name_en}", g.centre[1], g.centre[0],
            rng.choice(TYPES), rng.choice(PARTIES), None, None, None,
            "A benchmark report.", "en", "public",
        )  # fmt: skip


COLUMNS = (
    "id", "agreement_id", "filed_at", "submitted_by", "submitter_body_id", "idempotency_scope",
    "idempotency_key", "fingerprint", "source_kind", "source_name", "reliability",
    "credibility", "occurred_from", "occurred_to", "place_text", "latitude", "longitude",
    "event_type", "perpetrator", "target", "killed", "injured", "narrative", "narrative_lang",
    "confidentiality",
)  # fmt: skip


def load(path: Path, count: int, days: int) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute(
        "INSERT INTO agreements (id, version, title, entry_into_force, summary) "
        "VALUES ('syria-ceasefire-2016', 1, 'bench', '2016-12-30 00:00:00', '')"
    )
    marks = ",".join("?" * len(COLUMNS))
    insert = f"INSERT INTO reports ({','.join(COLUMNS)}) VALUES ({marks})"  # noqa: S608 - fixed names
    rows = _rows(count, days, random.Random(10))
    while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
        connection.executemany(insert, batch)
        connection.commit()
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()
    return time.perf_counter() - started


def busiest_day(path: Path) -> date:
    connection = sqlite3.connect(path)
    (day,) = connection.execute(
        "SELECT substr(occurred_from, 1, 10) d FROM reports GROUP BY d ORDER BY count(*) DESC "
        "LIMIT 1"
    ).fetchone()
    connection.close()
    return date.fromisoformat(day)


def _profiled(enabled: bool, work):  # noqa: ANN001, ANN202 - a bench helper
    if not enabled:
        return work()
    profile = cProfile.Profile()
    result = profile.runcall(work)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return result


def _day_text(moment: datetime) -> str:
    return _stored(moment)


def bench_daily(path: Path, day: date, *, profile: bool = False) -> None:
    engine = make_engine(f"sqlite:///{path}")
    service = ComplianceService(SqlUnitOfWorkFactory(engine), SystemClock())
    service.report(ANONYMOUS, day_of(day))  # warm the page cache once
    with Timer() as took:
        report = _profiled(profile, lambda: service.report(ANONYMOUS, day_of(day)))
    start, end = day_window(day)
    connection = sqlite3.connect(path)
    with Timer() as baseline:
        groups = connection.execute(
            "SELECT place_text, event_type, count(*) FROM reports WHERE occurred_from >= ? "
            "AND occurred_from < ? GROUP BY place_text, event_type",
            (_day_text(start), _day_text(end)),
        ).fetchall()
    connection.close()
    engine.dispose()
    print(
        f"daily report {day}: {report.figures.total:,} reports that day, "
        f"{took.wall:.3f} s wall, {took.cpu:.3f} s CPU of this process ({_load()})"
    )
    print(
        f"  baseline one GROUP BY over the day: {sum(g[2] for g in groups):,} reports, "
        f"{baseline.wall:.3f} s wall, {baseline.cpu:.3f} s CPU"
    )


def bench_export(path: Path, out: Path, *, profile: bool = False) -> None:
    engine = make_engine(f"sqlite:///{path}")
    service = ExportService(SqlUnitOfWorkFactory(engine), SystemClock())
    before = _rss_mib()

    def run() -> None:
        with out.open("wb") as handle:
            chunks = service.stream(
                ANONYMOUS, ExportFormat.CSV, ExportFilter(), ENCODERS[ExportFormat.CSV]
            )
            for chunk in chunks:
                handle.write(chunk)

    with Timer() as took:
        _profiled(profile, run)
    with out.open("rb") as handle:
        rows = sum(1 for _ in handle) - 1
    after = _rss_mib()
    engine.dispose()
    print(
        f"export csv: {rows:,} rows in {took.wall:.2f} s = {rows / took.wall:,.0f} rows/s wall, "
        f"{rows / took.cpu:,.0f} rows per CPU second; max RSS {before:.0f} -> {after:.0f} MiB "
        f"({_load()})"
    )
    connection = sqlite3.connect(path)
    with Timer() as baseline:
        cursor = connection.execute(
            f"SELECT {','.join(STORED_COLUMNS)} FROM reports ORDER BY filed_at, id"  # noqa: S608
        )
        with out.open("w", newline="") as handle:
            writer = csv.writer(handle)
            while batch := cursor.fetchmany(10_000):
                writer.writerows(batch)
    connection.close()
    print(
        f"  baseline raw cursor dump: {rows / baseline.wall:,.0f} rows/s wall, "
        f"{rows / baseline.cpu:,.0f} rows per CPU second ({baseline.wall:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument(
        "--db", type=Path, default=None, help="keep the loaded store here and reuse it if present"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the measured calls")
    parser.add_argument("--only", choices=("daily", "export"), default=None)
    options = parser.parse_args()
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, {_load()}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = options.db or Path(folder) / "bench.db"
        if not path.exists():
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            engine.dispose()
            took = load(path, options.rows, options.days)
            print(f"bulk load: {options.rows:,} reports in {took:.1f} s")
        if options.only in {None, "daily"}:
            bench_daily(path, busiest_day(path), profile=options.profile)
        if options.only in {None, "export"}:
            bench_export(path, Path(folder) / "export.csv", profile=options.profile)


if __name__ == "__main__":
    main()
