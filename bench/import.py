"""Benchmark of intake (issue 5): rows per second importing the real UCDP and ACLED files
replicated to N rows, beside a raw baseline in the same run, and the pass that correlates and
places what an import filed.

    uv run python bench/import.py --rows 100000          # a quick run
    uv run python bench/import.py                        # 1,000,000 rows per dataset
    uv run python bench/import.py --rows 100000 --profile  # where the time goes, per row
    uv run python bench/import.py --floor  # also the table's insert with its keys alone
    TRUCE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/DB \
    TRUCE_BENCH_APP_ROLE=truce_app uv run python bench/import.py

The replicated file repeats the real rows with fresh event ids. The import is the path
`truce import` takes: streamed CSV, mapping and validation, fingerprints, batches of 5,000 per
unit of work with a record entry, the journal and the queue of reports to correlate and place.
Batches are prepared in a child process, as `truce import` does for a large file
(`--workers 2`: two of them, as TRUCE_IMPORT_WORKERS=2 does; `--one-process`: in the
importing process). CPU seconds count the children's time too, and the peak memory of the
import's processes together is sampled as their total proportional set size (PSS).
The baseline inserts the same rows, already built (read back from the store and spooled to a
file; only the inserts are timed), into the reports table of a second fresh store: 5,000 per
transaction with the DB-API's executemany, no SQLAlchemy, no mapping, no record. On SQLite it
fills the search index as a bulk loader would, one INSERT ... SELECT per batch, not row by row
through the trigger. A second, flat baseline is the reference the issue quotes: the file's own
rows, parsed beforehand, into a table of their columns with no key and no index. Each dataset
is measured in a process of its own, as each `truce import` runs, so that the second does not
start on the heap the first left. Max RSS (resource.getrusage) is also printed after each
import and after the baselines.

The pass at the end of an import (correlation into incidents, placement in the OCHA units,
as `truce import` wires them) is measured on each real file as it is, not replicated: copies
of one event share its time and place, so over a replicated file every report would be
compared with every copy before it, which no real file does.

On PostgreSQL, TRUCE_BENCH_DATABASE_URL names the owner (the schema is dropped and migrated
afresh) and TRUCE_BENCH_APP_ROLE the role the import runs as, under row-level security as in
production (the raw baseline runs as the owner).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import ctypes
import gc
import multiprocessing
import os
import pickle
import platform
import pstats
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from itertools import islice, product
from pathlib import Path
from typing import Self

from sqlalchemy import Engine, select

from stores import app_engine, fresh_store
from truce.adapters.clock import SystemClock, UuidFactory
from truce.adapters.geo.files import boundary_files, read_boundaries
from truce.adapters.geo.spatial import ShapelySpatial
from truce.adapters.importers import open_source
from truce.adapters.importers.pipeline import preparing_in
from truce.adapters.sql import tables
from truce.adapters.sql.bulk import BulkInsert
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.geography import GeographyService
from truce.application.incidents import IncidentService
from truce.application.intake import IntakeService
from truce.application.intake_batches import Pipeline
from truce.application.monitoring import MonitoringService
from truce.application.placement import AfterFilingSteps
from truce.domain.intake import ImportKind

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EVENTS = DATA / "events"
BOUNDARIES = DATA / "boundaries" / "ocha_syr_cod_ab_2016-09" / "shapefile"
SOURCES = {
    ImportKind.UCDP: (EVENTS / "ucdp_ged_syria_2017-07_2019-11.csv", "id"),
    ImportKind.ACLED: (EVENTS / "acled_syria_battles_2017-07_2023-06.csv", "event_id_cnty"),
}
BATCH = 5_000


def replicate(source: Path, key: str, rows: int, target: Path) -> None:
    """`rows` rows: the source's rows over and over, each copy with its own event ids. The
    source is read again for each copy, so the bench holds no file in memory (a large heap
    before the import would be copied into its preparing processes)."""
    written = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        writer: csv.DictWriter[str] | None = None
        copy = 0
        while written < rows:
            with source.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                if writer is None:
                    writer = csv.DictWriter(out, list(reader.fieldnames or []))
                    writer.writeheader()
                for row in reader:
                    if written == rows:
                        break
                    row[key] = f"{row[key]}r{copy}"
                    writer.writerow(row)
                    written += 1
            copy += 1


def cpu_seconds() -> float:
    """This process's CPU time and that of its children that ended (the import's preparing
    process is joined before the import returns)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f}"


def intake_service(engine: Engine, *, derive: bool) -> tuple[IntakeService, GeographyService]:
    """As bootstrap.build_services wires it: after filing, correlation then placement
    (`derive`), or nothing at all (the import alone)."""
    uow = SqlUnitOfWorkFactory(engine)
    clock, ids = SystemClock(), UuidFactory()
    geography = GeographyService(uow, clock, ShapelySpatial())
    steps = None
    if derive:
        steps = AfterFilingSteps(
            (IncidentService(uow, clock, ids).correlate, geography.place_filed)
        )
    monitoring = MonitoringService(uow, clock, ids, after_filing=steps)
    return IntakeService(uow, clock, ids, monitoring, batch_size=BATCH), geography


def run_import(
    engine: Engine, kind: ImportKind, path: Path, pipeline: Pipeline | None
) -> tuple[float, int]:
    intake, _ = intake_service(engine, derive=False)
    give_back_freed_memory()
    started, cpu = time.perf_counter(), cpu_seconds()
    with MemorySampler() as memory:
        counts = intake.import_file(open_source(kind, path), pipeline=pipeline).counts
    elapsed = time.perf_counter() - started
    print(
        f"  peak memory of the import's processes together (PSS): {memory.peak_kib / 1024:,.0f} MiB"
    )
    # On a shared machine the wall clock measures the neighbours too; this process's own CPU
    # time (SQLite runs in it) says what the code costs.
    print(f"  import: {counts.read / max(cpu_seconds() - cpu, 1e-9):,.0f} rows per CPU second")
    assert counts.imported + counts.quarantined == counts.read, counts  # noqa: S101
    return elapsed, counts.read


def stored_rows(engine: Engine) -> Iterator[list[tuple[object, ...]]]:
    with engine.connect() as connection:
        result = connection.execute(select(tables.reports).execution_options(yield_per=BATCH))
        for part in result.partitions(BATCH):
            yield [tuple(row) for row in part]


def spool(source: Engine, path: Path) -> Path:
    """The imported rows, batch by batch, to a file: on PostgreSQL the baseline's fresh store
    replaces the import's schema, and memory stays flat at any size. Each value is spooled
    as the driver takes it (a time as SQLite's text), so the baseline times the inserts
    alone, as the import hands them over."""
    bulk = BulkInsert(tables.reports, [c.name for c in tables.reports.columns], source.dialect)
    with path.open("wb") as out:
        for batch in stored_rows(source):
            pickle.dump([tuple(bulk.bind(row)) for row in batch], out)
    return path


def spooled(path: Path) -> Iterator[list[tuple[object, ...]]]:
    with path.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)  # noqa: S301 - our own file, written just before
            except EOFError:
                return


# The reports table's indexes beyond its keys (the random id and the idempotency key).
SECONDARY = (
    "ix_reports_agreement_id",
    "ix_reports_filed_at_id",
    "ix_reports_source_ref",
    "ix_reports_occurred_from",
)


def raw_baseline(source: Path, target: Engine, *, bare: bool = False) -> tuple[float, int]:
    """The same rows, pre-built, into a fresh store with the driver's executemany. Batches
    are read from the spooled file as they go; only the inserts and commits are timed.
    `bare`: into the table with its keys alone, no secondary and no search index (--floor),
    which is what the table's own insert costs before anything a reader needs."""
    columns = [c.name for c in tables.reports.columns]
    marker = "?" if target.dialect.name == "sqlite" else "%s"
    statement = (
        f"INSERT INTO reports ({', '.join(columns)}) "  # noqa: S608 - fixed column names
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    sqlite = target.dialect.name == "sqlite"
    raw = target.raw_connection()
    elapsed, cpu, rows = 0.0, 0.0, 0
    try:
        if sqlite:  # the search index is filled per batch, as a bulk loader would
            raw.cursor().execute("DROP TRIGGER reports_fts_insert")
        if bare:
            search = "DROP TABLE reports_fts" if sqlite else "DROP INDEX ix_reports_search_text_tsv"
            for drop in (search, *(f"DROP INDEX {name}" for name in SECONDARY)):
                raw.cursor().execute(drop)
            raw.commit()
        for batch in spooled(source):
            started, cpu_started = time.perf_counter(), cpu_seconds()
            cursor = raw.cursor()
            if sqlite:
                # The store's engine runs pysqlite without its implicit transactions (engine.py):
                # without this BEGIN every row would be a transaction of its own.
                cursor.execute("BEGIN")
                last = cursor.execute("SELECT coalesce(max(rowid), 0) FROM reports").fetchone()[0]
            cursor.executemany(statement, batch)
            if sqlite and not bare:
                cursor.execute(
                    "INSERT INTO reports_fts (report_id, search_text)"
                    " SELECT id, search_text FROM reports WHERE rowid > ?",
                    (last,),
                )
            raw.commit()
            elapsed += time.perf_counter() - started
            cpu += cpu_seconds() - cpu_started
            rows += len(batch)
    finally:
        raw.close()
    print(f"  raw baseline: {rows / max(cpu, 1e-9):,.0f} rows per CPU second")
    return elapsed, rows


def flat_baseline(source: Path, target: Engine) -> tuple[float, int]:
    """The reference the issue quotes (about 85,000 rows/s for 41-column rows): the file's
    own rows, parsed by the csv module beforehand (not timed), into a table of its columns,
    all text, with no key, no index and no search index, 5,000 per transaction with
    executemany. It is what the disk and the driver can take, not what a store of reports
    with lookups and search can."""
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        width = len(next(reader))
        marker = "?" if target.dialect.name == "sqlite" else "%s"
        columns = ", ".join(f"c{i} text" for i in range(width))
        statement = f"INSERT INTO flat_rows VALUES ({', '.join([marker] * width)})"  # noqa: S608 - fixed names
        raw = target.raw_connection()
        elapsed, rows = 0.0, 0
        try:
            raw.cursor().execute(f"CREATE TABLE flat_rows ({columns})")
            raw.commit()
            while batch := list(islice(reader, BATCH)):
                started = time.perf_counter()
                cursor = raw.cursor()
                if target.dialect.name == "sqlite":
                    cursor.execute("BEGIN")  # as in raw_baseline: one transaction per batch
                cursor.executemany(statement, batch)
                raw.commit()
                elapsed += time.perf_counter() - started
                rows += len(batch)
        finally:
            raw.close()
    return elapsed, rows


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def give_back_freed_memory() -> None:
    """Return what earlier runs of this bench freed to the system (glibc keeps freed heap
    otherwise), so the import starts as lean as a fresh `truce import` would and its
    preparing processes do not inherit the earlier runs' leftovers."""
    gc.collect()
    # Not glibc: nothing to give back this way.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class MemorySampler:
    """The largest total proportional set size (PSS) of this process and its children,
    sampled every half second while an import runs: pages the preparing processes share
    with this one after `fork` count once, split between them, where summing each one's
    max RSS would count them once per process."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            pids = [os.getpid(), *(child.pid for child in multiprocessing.active_children())]
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in pids if pid))


def _pss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:  # ended between the listing and the read, or no /proc here
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def child_peak_mib() -> float:
    """The largest max RSS of any ended child: the import's preparing process."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def derived_pass(url: str | None, work: Path, kind: ImportKind, source: Path) -> None:
    """Import the real file as it is with correlation and placement wired, over the OCHA
    boundaries, and time the batches and the pass at the end apart."""
    owner = fresh_store(url, work, f"{kind.value}-derived")
    engine = app_engine(owner)
    intake, geography = intake_service(engine, derive=True)
    for layer in boundary_files(BOUNDARIES):
        geography.load_boundaries(read_boundaries(layer), layer.name)
    marks: dict[str, tuple[float, float]] = {}

    def batch_done(_rows: int) -> None:
        marks["batches"] = (time.perf_counter(), cpu_seconds())

    started, cpu = time.perf_counter(), cpu_seconds()
    counts = intake.import_file(
        open_source(kind, source), progress=batch_done, derived_progress=lambda _n: None
    ).counts
    ended, cpu_ended = time.perf_counter(), cpu_seconds()
    wall_mark, cpu_mark = marks["batches"]
    reports = counts.imported
    name = "sqlite" if url is None else "postgresql"
    print(
        f"{name}: {kind.value} as it is ({counts.read:,} rows): batches"
        f" {counts.read / (wall_mark - started):,.0f} rows/s"
        f" ({counts.read / max(cpu_mark - cpu, 1e-9):,.0f} per CPU s); correlation and"
        f" placement of {reports:,} reports {reports / (ended - wall_mark):,.0f} reports/s"
        f" ({reports / max(cpu_ended - cpu_mark, 1e-9):,.0f} per CPU s)"
    )
    engine.dispose()
    owner.dispose()


def profile(work: Path, kind: ImportKind, rows: int) -> None:
    """cProfile of the import alone (SQLite), then the cumulative time of its steps per row."""
    source, key = SOURCES[kind]
    path = work / f"{kind.value}.csv"
    replicate(source, key, rows, path)
    engine = fresh_store(None, work, f"{kind.value}-profile")
    intake, _ = intake_service(engine, derive=False)
    profiler = cProfile.Profile()
    profiler.enable()
    counts = intake.import_file(open_source(kind, path)).counts
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    steps: dict[str, tuple[tuple[str, str], ...]] = {
        "read the CSV": (("csv_rows", "importers/__init__.py"),),
        "map and validate": ((f"map_{kind.value}", "intake_sources.py"),),
        "fingerprint": (("fingerprint", "domain/reports.py"),),
        "copy with agreement/actors": (("amended", "domain/reports.py"),),
        "standing events and tombstones": (
            ("current", "intake_repositories.py"),
            ("tombstones", "intake_repositories.py"),
        ),
        "row for the store": (("report_to_row", "sql/mapping.py"),),
        "  of which search text": (("report_document", "domain/search.py"),),
        "reports insert (executemany)": (("run_bound", "sql/bulk.py"),),
        "  of which bind processors": (("bind", "sql/bulk.py"),),
        "all of add_reports": (("add_reports", "intake_repositories.py"),),
        "quarantine": (("quarantine", "intake_repositories.py"),),
        "record entry (one per batch)": (
            ("append", "sql/record_store.py"),
            ("flush", "sql/record_store.py"),
        ),
        "journal": (("save_journal", "intake_repositories.py"),),
        "queue for correlation/placement": (("queue_derived", "intake_repositories.py"),),
        "commit": (("commit", "sql/unit_of_work.py"),),
    }
    spent: dict[str, float] = {}
    for label, functions in steps.items():
        spent[label] = (
            sum(
                v[3]
                for (path_, _line, name), v in stats.stats.items()  # type: ignore[attr-defined]
                if (name, path_)
                and any(name == f and path_.endswith(file) for f, file in functions)
            )
            / counts.read
            * 1e6
        )
    # The search index is what add_reports spends beyond building and inserting the rows.
    spent["search index (FTS5 INSERT ... SELECT)"] = (
        spent["all of add_reports"]
        - spent["row for the store"]
        - spent["reports insert (executemany)"]
    )
    del spent["all of add_reports"]
    print(f"profile of {counts.read:,} {kind.value} rows, cumulative µs per row (profiled):")
    for label, micros in spent.items():
        print(f"  {label:<38} {micros:8.1f}")
    print(f"  {'the whole import':<38} {total / counts.read * 1e6:8.1f} (all functions' own time)")
    stats.sort_stats("tottime").print_stats(15)
    engine.dispose()


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.machine()} {model}, {os.cpu_count()} CPUs, Python"
        f" {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per dataset")
    parser.add_argument("--profile", action="store_true", help="profile the import instead")
    parser.add_argument("--no-derived", action="store_true", help="skip the correlation pass")
    parser.add_argument(
        "--datasets", default="ucdp,acled", help="which replicated files: ucdp, acled or both"
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="with TRUCE_BENCH_DATABASE_URL: PostgreSQL only"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="preparing processes (TRUCE_IMPORT_WORKERS)"
    )
    parser.add_argument("--part", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also the raw insert into the reports table without its secondary and search indexes",
    )
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="prepare batches in the importing process (truce import forks for large files)",
    )
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if not EVENTS.is_dir():
        sys.exit(f"real event files absent: {EVENTS}")
    targets = stores(args)
    chosen = [kind for kind in SOURCES if kind.value in args.datasets.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if args.part:  # one dataset, in the process the run below started for it
            measure(args, work, chosen[0], targets)
            return
        print(f"import benchmark: {args.rows:,} rows per dataset, batches of {BATCH:,}")
        print(f"{machine()}; {load()}")
        if args.profile:
            for kind in chosen:
                profile(work, kind, args.rows)
            return
        print(
            f"{'measure':<34} {'import rows/s':>13} {'raw rows/s':>11} {'ratio':>6}"
            f" {'flat rows/s':>11}  target"
        )
        for kind in chosen:
            # Each dataset in a process of its own, as each `truce import` is: the second
            # would otherwise start on the heap the first left behind.
            subprocess.run([*part_command(args), "--datasets", kind.value], check=True)  # noqa: S603 - this same script
        if not args.no_derived and BOUNDARIES.is_dir():
            for (kind, (source, _key)), (_name, url) in product(SOURCES.items(), targets):
                derived_pass(url, work, kind, source)
            print(f"  {load()}")


def stores(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """(name, URL) of each store to measure; SQLite's URL is made per run."""
    targets: list[tuple[str, str | None]] = [] if args.no_sqlite else [("sqlite", None)]
    if os.environ.get("TRUCE_BENCH_DATABASE_URL"):
        targets.append(("postgresql", os.environ["TRUCE_BENCH_DATABASE_URL"]))
    return targets


def part_command(args: argparse.Namespace) -> list[str]:
    command = [sys.executable, __file__, "--part", "--rows", str(args.rows)]
    command += ["--workers", str(args.workers)]
    command += ["--no-sqlite"] if args.no_sqlite else []
    command += ["--floor"] if args.floor else []
    return command + (["--one-process"] if args.one_process else [])


def measure(
    args: argparse.Namespace, work: Path, kind: ImportKind, targets: list[tuple[str, str | None]]
) -> None:
    """One replicated dataset into each store: the import, then the same rows raw and the
    file's own rows flat, each into a fresh store."""
    source, key = SOURCES[kind]
    path = work / f"{kind.value}.csv"
    replicate(source, key, args.rows, path)
    for name, url in targets:
        owner = fresh_store(url, work, f"{kind.value}-import")
        engine = app_engine(owner)
        pipeline = None if args.one_process else preparing_in(args.workers)
        seconds, rows = run_import(engine, kind, path, pipeline)
        import_peak, child_peak = peak_mib(), child_peak_mib()
        rows_file = spool(owner, work / f"{kind.value}-{name}.rows")
        engine.dispose()
        owner.dispose()
        baseline = fresh_store(url, work, f"{kind.value}-raw")
        raw_seconds, raw_rows = raw_baseline(rows_file, baseline)
        baseline.dispose()
        if args.floor:
            bare = fresh_store(url, work, f"{kind.value}-bare")
            bare_seconds, bare_rows = raw_baseline(rows_file, bare, bare=True)
            bare.dispose()
            print(
                f"  raw into the reports table with its keys alone (no secondary or search"
                f" index): {bare_rows / bare_seconds:,.0f} rows/s"
            )
        rows_file.unlink()
        flat = fresh_store(url, work, f"{kind.value}-flat")
        flat_seconds, flat_rows = flat_baseline(path, flat)
        flat.dispose()
        rate, raw_rate = rows / seconds, raw_rows / raw_seconds
        ratio = raw_rate / rate
        verdict = "met" if ratio <= 3 and (name != "sqlite" or rate >= 30_000) else "MISSED"
        label = f"{name}: {kind.value} ({rows:,} rows)"
        print(
            f"{label:<34} {rate:>13,.0f} {raw_rate:>11,.0f} {ratio:>5.1f}x"
            f" {flat_rows / flat_seconds:>11,.0f}  >= 30,000/s on SQLite, <= 3x raw: {verdict}"
        )
        print(
            f"  peak memory (max RSS) after the import: {import_peak:,.0f} MiB, its"
            f" preparing process {child_peak:,.0f} MiB; {load()}"
        )
    path.unlink()
    print(f"  peak memory (max RSS) with the baselines: {peak_mib():,.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
