"""Benchmark of reading reports by id: one `Reports.get` per report, as correlation seeded its
candidate incidents until 2026-11-26, beside one `Reports.get_many` for all of them.

    uv run python bench/reads.py                    # SQLite, 20,000 stored reports
    TRUCE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/DB \\
      TRUCE_BENCH_APP_ROLE=truce_app uv run python bench/reads.py

The store is fresh and migrated; its reports are filed in batches through the intake port.
Each size K reads K random stored ids inside one unit of work, both ways, seven times in
turn; the median of each is printed, per wall-clock second and per CPU-second of this
process. On PostgreSQL, TRUCE_BENCH_DATABASE_URL names the owner (its public schema is
dropped and made anew) and TRUCE_BENCH_APP_ROLE the role the reads run as, under row-level
security as in production.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from stores import app_engine, fresh_store
from truce.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from truce.application.demo_case import AGREEMENT
from truce.domain.reports import Report, new_report, parse_file_report

SIZES = (30, 300, 3_000)
ROUNDS = 7
BATCH = 5_000
START = datetime(2017, 1, 10, 9, 0, tzinfo=UTC)


def a_report(n: int) -> Report:
    fields = {
        "source_kind": "field_monitor",
        "source_name": "Mechanism field team",
        "reliability": "B",
        "credibility": 2,
        "occurred_from": (START - timedelta(days=8, minutes=n)).isoformat(),
        "place_text": "Wadi Barada",
        "latitude": 33.6539,
        "longitude": 36.1022,
        "event_type": "shelling",
        "narrative": f"Impacts of artillery rounds west of Basimah, account {n}.",
        "narrative_lang": "en",
        "confidentiality": "mechanism",
    }
    command = parse_file_report(fields, now=START)
    return new_report(
        command,
        report_id=f"report-{n:07d}",
        agreement_id=AGREEMENT.id,
        filed_at=START + timedelta(seconds=n),
        submitted_by=None,
        submitter_body_id="mechanism",
    )


def fill(engine: Engine, count: int) -> list[str]:
    ids = []
    for start in range(0, count, BATCH):
        reports = [a_report(n) for n in range(start, min(count, start + BATCH))]
        with SqlUnitOfWork(engine) as uow:
            uow.intake.add_reports(reports, "bench:reads")
            uow.commit()
        ids += [r.id for r in reports]
    return ids


def timed(read: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    read()
    return time.perf_counter() - wall, time.process_time() - cpu


def both_ways(
    factory: SqlUnitOfWorkFactory, ids: list[str]
) -> dict[str, list[tuple[float, float]]]:
    """Each round reads the ids one by one, then all at once, in one unit of work."""
    ways: dict[str, list[tuple[float, float]]] = {"get": [], "get_many": []}
    for _ in range(ROUNDS):
        with factory() as uow:
            ways["get"].append(timed(lambda: [uow.reports.get(i) for i in ids]))
            ways["get_many"].append(timed(lambda: uow.reports.get_many(ids)))
    return ways


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20_000, help="reports stored")
    args = parser.parse_args()
    url = os.environ.get("TRUCE_BENCH_DATABASE_URL")
    rng = random.Random(7)
    print(f"{platform.node()} {platform.machine()} Python {platform.python_version()}")
    print(f"load averages {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        owner = fresh_store(url, Path(folder), "reads", members=False)
        stored = fill(owner, args.reports)
        engine = app_engine(owner)
        print(f"{engine.dialect.name}: {len(stored):,} reports stored")
        print(f"{'ids':>6}{'way':>10}{'reports/s wall':>16}{'reports/s CPU':>15}{'ms wall':>9}")
        factory = SqlUnitOfWorkFactory(engine)
        for size in SIZES:
            ids = rng.sample(stored, size)
            ways = both_ways(factory, ids)
            for way, runs in ways.items():
                wall = statistics.median(w for w, _ in runs)
                cpu = statistics.median(c for _, c in runs)
                print(
                    f"{size:>6,}{way:>10}{size / wall:>16,.0f}{size / max(cpu, 1e-9):>15,.0f}"
                    f"{wall * 1000:>9.1f}"
                )
        engine.dispose()
        owner.dispose()
    print(f"load averages {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
