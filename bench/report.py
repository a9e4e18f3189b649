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
import csv
import platform
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

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


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rows(count: int, days: int, rng: random.Random):  # noqa: ANN202 - a generator of tuples
    filed = datetime(2017, 7, 1, tzinfo=UTC).isoformat(sep=" ")
    for i in range(count):
        g = GOVERNORATES[rng.randrange(len(GOVERNORATES))]
        # Busier towards the middle: a triangular spread over the days.
        moment = START + timedelta(seconds=int(rng.triangular(0, days * 86400)))
        yield (
            f"r{i:08d}", "syria-ceasefire-2016", filed, None, None, "bench", None, "0" * 64,
            "dataset", rng.choice(SIDES), "F", 6, moment.isoformat(sep=" "), None,
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


def bench_daily(path: Path, day: date) -> None:
    engine = make_engine(f"sqlite:///{path}")
    service = ComplianceService(SqlUnitOfWorkFactory(engine), SystemClock())
    service.report(ANONYMOUS, day_of(day))  # warm the page cache once
    started = time.perf_counter()
    report = service.report(ANONYMOUS, day_of(day))
    took = time.perf_counter() - started
    start, end = day_window(day)
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    groups = connection.execute(
        "SELECT place_text, event_type, count(*) FROM reports WHERE occurred_from >= ? AND "
        "occurred_from < ? GROUP BY place_text, event_type",
        (
            start.isoformat(sep=" ").replace("+00:00", ""),
            end.isoformat(sep=" ").replace("+00:00", ""),
        ),
    ).fetchall()
    baseline = time.perf_counter() - started
    connection.close()
    engine.dispose()
    print(
        f"daily report {day}: {report.figures.total:,} reports that day, "
        f"{took:.3f} s (nine day windows, folded, side names)"
    )
    print(
        f"  baseline one GROUP BY over the day: {sum(g[2] for g in groups):,} reports, "
        f"{baseline:.3f} s"
    )


def bench_export(path: Path, out: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    service = ExportService(SqlUnitOfWorkFactory(engine), SystemClock())
    before = _rss_mib()
    started = time.perf_counter()
    rows = 0
    with out.open("wb") as handle:
        chunks = service.stream(
            ANONYMOUS, ExportFormat.CSV, ExportFilter(), ENCODERS[ExportFormat.CSV]
        )
        for chunk in chunks:
            handle.write(chunk)
    took = time.perf_counter() - started
    with out.open("rb") as handle:
        rows = sum(1 for _ in handle) - 1
    after = _rss_mib()
    engine.dispose()
    print(
        f"export csv: {rows:,} rows in {took:.2f} s = {rows / took:,.0f} rows/s; "
        f"max RSS {before:.0f} -> {after:.0f} MiB"
    )
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    cursor = connection.execute(
        f"SELECT {','.join(STORED_COLUMNS)} FROM reports ORDER BY filed_at, id"  # noqa: S608
    )
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        while batch := cursor.fetchmany(10_000):
            writer.writerows(batch)
    baseline = time.perf_counter() - started
    connection.close()
    print(f"  baseline raw cursor dump: {rows / baseline:,.0f} rows/s ({baseline:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=120)
    options = parser.parse_args()
    print(
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {platform.processor() or ''} "
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        took = load(path, options.rows, options.days)
        print(f"bulk load: {options.rows:,} reports in {took:.1f} s")
        bench_daily(path, busiest_day(path))
        bench_export(path, Path(folder) / "export.csv")


if __name__ == "__main__":
    main()
