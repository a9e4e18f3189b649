"""Benchmark of the record's Merkle tree, each figure beside a raw baseline.

    uv run python bench/record.py [--entries N] [--sql-entries M] [--subjects K]

In memory (N entries, default 1,000,000):
1. append: N entries of ENTRY_BYTES random bytes, in batches of 1,000, into a
   MemoryHashStore (leaf hash + every completed subtree) vs one raw SHA-256 of each entry.
2. inclusion proof at size N: median over 1,000 random leaves of building a proof (and of
   verifying it) vs one SHA-256 of a node-sized input per proof element.
3. full recomputation of the root from all N leaf hashes (what an auditor does) vs the
   same number (N - 1) of raw SHA-256 calls on node-sized inputs.

On the real SQL store (M entries, default SQL_ENTRIES; a fresh SQLite file in a temporary
directory, migrated with truce.adapters.sql.migrate.upgrade):
4. append: M public entries (about 256 bytes of canonical JSON each, subjects drawn from K
   objects) through SqlUnitOfWork, 1,000 `uow.record.append` calls and one `uow.commit()`
   per unit of work, vs raw SHA-256 of the same canonical bytes and vs inserting the same
   rows, read back and pre-built, into record_entries of a second fresh store with one
   executemany and one commit per 1,000 (no tree, no JSON, no SQLAlchemy). Also the
   append's rate per CPU-second of this process, which a shared machine changes less.
5. inclusion proof at size M: median and p99 over 1,000 random entries, of
   inclusion_proof over SqlHashStore on an open connection, and of RecordService.prove
   (a unit of work, the checkpoint, the entry and the proof), vs SHA-256 per proof element.
6. full verify: RecordService.verify() after one checkpoint, vs raw SHA-256 of the same
   entry bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from truce.adapters.canonical import canonical_json
from truce.adapters.clock import SystemClock
from truce.adapters.notes import Ed25519NoteVerifier, MechanismSigner
from truce.adapters.signing import Ed25519Signer, generate_key
from truce.adapters.sql import tables
from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import upgrade
from truce.adapters.sql.record_store import SqlHashStore
from truce.adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from truce.application.record import RecordService
from truce.domain.record import (
    MemoryHashStore,
    inclusion_proof,
    leaf_hash,
    root,
    root_from_leaves,
    verify_inclusion,
)

BATCH = 1_000
ENTRY_BYTES = 256  # about one canonical-JSON event of the record
PROOF_SAMPLES = 1_000
NODE_INPUT = bytes(65)  # 0x01 || left || right

# The SQL part's default size. At the full million the SQL part took about 300 s on the 2-core
# machine of bench/README.md (verify alone 202 s), well over two minutes, so the default is
# smaller; pass --sql-entries 1000000 for the issue's size.
SQL_ENTRIES = 200_000
ENTRIES_PER_SUBJECT = 10  # default --subjects is entries / 10: ten entries per object
ORIGIN = "bench.truce.example/record"
START = datetime(2026, 11, 25, tzinfo=UTC)
# Public entries only: kinds without a commitment to re-open, as most of the record is.
KINDS = ("incident.updated", "vote.cast", "reply.sent", "document.versioned", "relay.sent")
STATUSES = ("reported", "under_review", "determined", "published")
INSERT_ENTRY = (
    "INSERT INTO record_entries (seq, kind, body, leaf_hash, recorded_at, subject) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
SELECT_ENTRIES = (
    "SELECT seq, kind, body, leaf_hash, recorded_at, subject FROM record_entries ORDER BY seq"
)

Row = tuple[str, str, str, str, str]


# --------------------------------------------------------------------------------------
# In memory
# --------------------------------------------------------------------------------------


def append_phase(
    entries: int, rng: random.Random
) -> tuple[MemoryHashStore, list[bytes], float, float]:
    """Append in batches; time the record and the raw hashing of the very same bytes."""
    store = MemoryHashStore()
    leaves: list[bytes] = []
    record_seconds = baseline_seconds = 0.0
    for start in range(0, entries, BATCH):
        batch = [rng.randbytes(ENTRY_BYTES) for _ in range(min(BATCH, entries - start))]
        began = time.perf_counter()
        hashes = [leaf_hash(entry) for entry in batch]
        store.append(hashes)
        record_seconds += time.perf_counter() - began
        began = time.perf_counter()
        for entry in batch:
            hashlib.sha256(entry).digest()
        baseline_seconds += time.perf_counter() - began
        leaves.extend(hashes)
    return store, leaves, record_seconds, baseline_seconds


def median_microseconds(samples_ns: list[int]) -> float:
    return statistics.median(samples_ns) / 1_000


def p99_microseconds(samples_ns: list[int]) -> float:
    return statistics.quantiles(samples_ns, n=100)[98] / 1_000


def proof_phase(
    store: MemoryHashStore, leaves: list[bytes], rng: random.Random
) -> dict[str, float]:
    size = len(leaves)
    tree_root = root(size, store)
    build, check, baseline = [], [], []
    for _ in range(PROOF_SAMPLES):
        index = rng.randrange(size)
        began = time.perf_counter_ns()
        proof = inclusion_proof(index, size, store)
        build.append(time.perf_counter_ns() - began)
        began = time.perf_counter_ns()
        valid = verify_inclusion(leaves[index], index, size, proof, tree_root)
        check.append(time.perf_counter_ns() - began)
        if not valid:
            raise SystemExit(f"inclusion proof for leaf {index} did not verify")
        baseline.append(proof_baseline_ns(len(proof)))
    return {
        "build": median_microseconds(build),
        "verify": median_microseconds(check),
        "baseline": median_microseconds(baseline),
    }


def proof_baseline_ns(elements: int) -> int:
    """One raw SHA-256 of a node-sized input per proof element."""
    began = time.perf_counter_ns()
    for _element in range(elements):
        hashlib.sha256(NODE_INPUT).digest()
    return time.perf_counter_ns() - began


def recompute_phase(store: MemoryHashStore, leaves: list[bytes]) -> tuple[float, float]:
    began = time.perf_counter()
    recomputed = root_from_leaves(leaves)
    record_seconds = time.perf_counter() - began
    if recomputed != root(len(leaves), store):
        raise SystemExit("recomputed root differs from the stored tree's root")
    began = time.perf_counter()
    for _ in range(len(leaves) - 1):
        hashlib.sha256(NODE_INPUT).digest()
    return record_seconds, time.perf_counter() - began


def memory_rows(entries: int) -> list[Row]:
    rng = random.Random(2026)  # fixed seed: runs compare like with like
    store, leaves, append_s, append_base_s = append_phase(entries, rng)
    proofs = proof_phase(store, leaves, rng)
    recompute_s, recompute_base_s = recompute_phase(store, leaves)
    return [
        (
            "memory: append (entries/s)",
            f"{entries / append_s:,.0f}",
            f"{entries / append_base_s:,.0f} SHA-256/s",
            f"{append_s / append_base_s:.1f}x the time",
            "",
        ),
        (
            "memory: inclusion proof, build (median us)",
            f"{proofs['build']:.1f}",
            f"{proofs['baseline']:.1f}",
            f"{proofs['build'] / proofs['baseline']:.1f}x",
            "",
        ),
        (
            "memory: inclusion proof, verify (median us)",
            f"{proofs['verify']:.1f}",
            f"{proofs['baseline']:.1f}",
            f"{proofs['verify'] / proofs['baseline']:.1f}x",
            "",
        ),
        (
            "memory: full root recomputation (s)",
            f"{recompute_s:.2f}",
            f"{recompute_base_s:.2f}",
            f"{recompute_s / recompute_base_s:.1f}x",
            "",
        ),
    ]


# --------------------------------------------------------------------------------------
# On the SQL store
# --------------------------------------------------------------------------------------


def fresh_store(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def random_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_batch(
    start: int, count: int, subjects: list[str], rng: random.Random
) -> list[tuple[str, str, datetime, dict[str, object]]]:
    """What a unit of work would append: one entry about one object, about 256 bytes each."""
    batch = []
    for seq in range(start, start + count):
        subject = rng.choice(subjects)
        public: dict[str, object] = {
            "incident_id": subject,
            "body_id": random_id(rng),
            "status": rng.choice(STATUSES),
            "version": rng.randrange(1, 100),
        }
        at = START + timedelta(milliseconds=seq)
        batch.append((rng.choice(KINDS), f"incident:{subject}", at, public))
    return batch


def sql_append(
    engine: Engine, entries: int, subject_count: int, rng: random.Random
) -> tuple[float, float]:
    """The record's own path: append 1,000 times in a unit of work, then commit (flush).
    Wall-clock seconds, and this process's CPU seconds (user + system) over the same spans:
    on a shared machine the two differ by the time spent waiting for a core."""
    subjects = [random_id(rng) for _ in range(subject_count)]
    seconds = cpu_seconds = 0.0
    for start in range(0, entries, BATCH):
        batch = make_batch(start, min(BATCH, entries - start), subjects, rng)
        began, began_cpu = time.perf_counter(), time.process_time()
        with SqlUnitOfWork(engine) as uow:
            for kind, subject, at, public in batch:
                uow.record.append(kind, subject, at, public)
            uow.commit()
        seconds += time.perf_counter() - began
        cpu_seconds += time.process_time() - began_cpu
    return seconds, cpu_seconds


def sql_baselines(source: Engine, target: Engine) -> tuple[float, float, int]:
    """Seconds to SHA-256 every stored entry body, and to insert the very same rows, already
    built, into a fresh store's record_entries: per 1,000, BEGIN IMMEDIATE, one executemany,
    COMMIT, on the same pragmas (WAL, synchronous=NORMAL). Also the bodies' total bytes."""
    hash_seconds = insert_seconds = 0.0
    total_bytes = 0
    reader, writer = source.raw_connection(), target.raw_connection()
    try:
        rows_in, rows_out = reader.cursor(), writer.cursor()
        rows_in.execute(SELECT_ENTRIES)
        while rows := rows_in.fetchmany(BATCH):
            bodies = [row[2].encode() for row in rows]
            total_bytes += sum(len(body) for body in bodies)
            began = time.perf_counter()
            for body in bodies:
                hashlib.sha256(body).digest()
            hash_seconds += time.perf_counter() - began
            began = time.perf_counter()
            rows_out.execute("BEGIN IMMEDIATE")
            rows_out.executemany(INSERT_ENTRY, rows)
            rows_out.execute("COMMIT")
            insert_seconds += time.perf_counter() - began
    finally:
        reader.close()
        writer.close()
    return hash_seconds, insert_seconds, total_bytes


def record_service(engine: Engine) -> RecordService:
    return RecordService(
        SqlUnitOfWorkFactory(engine),
        SystemClock(),
        MechanismSigner(Ed25519Signer(ORIGIN, generate_key())),
        Ed25519NoteVerifier(),
        canonical_json,
    )


def sql_proofs(
    engine: Engine, service: RecordService, size: int, rng: random.Random
) -> dict[str, list[int]]:
    """Nanoseconds per proof: bare inclusion_proof over SqlHashStore, RecordService.prove,
    and the baseline. Every proof is checked against the checkpoint's root (untimed)."""
    tree_root = service.checkpoint().root
    entries = tables.record_entries
    store_ns, prove_ns, baseline_ns = [], [], []
    with engine.connect() as connection:
        store = SqlHashStore(connection)
        for _ in range(PROOF_SAMPLES):
            index = rng.randrange(size)
            began = time.perf_counter_ns()
            proof = inclusion_proof(index, size, store)
            store_ns.append(time.perf_counter_ns() - began)
            leaf = connection.execute(
                select(entries.c.leaf_hash).where(entries.c.seq == index)
            ).scalar_one()
            if not verify_inclusion(bytes(leaf), index, size, proof, tree_root):
                raise SystemExit(f"inclusion proof from SQL for entry {index} did not verify")
            baseline_ns.append(proof_baseline_ns(len(proof)))
    for _ in range(PROOF_SAMPLES):
        index = rng.randrange(size)
        began = time.perf_counter_ns()
        bundle = service.prove(index)
        prove_ns.append(time.perf_counter_ns() - began)
        leaf = leaf_hash(bundle.entry.body.encode())
        if not verify_inclusion(leaf, index, bundle.size, bundle.proof, tree_root):
            raise SystemExit(f"proof bundle for entry {index} did not verify")
    return {"store": store_ns, "prove": prove_ns, "baseline": baseline_ns}


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def sql_rows(entries: int, subject_count: int, directory: Path) -> tuple[list[Row], str]:
    rng = random.Random(2027)
    engine = fresh_store(directory / "record.db")
    raw = fresh_store(directory / "raw-insert.db")
    try:
        append_s, append_cpu_s = sql_append(engine, entries, subject_count, rng)
        hash_s, insert_s, total_bytes = sql_baselines(engine, raw)
        service = record_service(engine)
        began = time.perf_counter()
        service.issue_checkpoint()
        checkpoint_ms = (time.perf_counter() - began) * 1_000
        proofs = sql_proofs(engine, service, entries, rng)
        began = time.perf_counter()
        report = service.verify()
        verify_s = time.perf_counter() - began
        if not report.ok or report.size != entries or report.checkpoints != 1:
            raise SystemExit(f"verify did not pass on an untouched store: {report}")
    finally:
        engine.dispose()
        raw.dispose()
    database_bytes = (directory / "record.db").stat().st_size
    wal = directory / "record.db-wal"
    database_bytes += wal.stat().st_size if wal.exists() else 0

    rate, hash_rate, insert_rate = entries / append_s, entries / hash_s, entries / insert_s
    store, prove, base = proofs["store"], proofs["prove"], proofs["baseline"]
    at_million = entries >= 1_000_000
    size_note = "" if at_million else f" (at {entries:,}, not 1,000,000)"
    rows: list[Row] = [
        (
            "sqlite: append, 1,000 per unit of work (entries/s)",
            f"{rate:,.0f}",
            f"{hash_rate:,.0f} SHA-256/s of the same bytes",
            f"{append_s / hash_s:.0f}x the time",
            f">= 20,000: {met(rate >= 20_000)}",
        ),
        (
            "sqlite: the same append, per CPU-second of this process",
            f"{entries / append_cpu_s:,.0f}",
            f"{append_cpu_s / append_s:.0%} of the wall time on a core",
            "",
            "",
        ),
        (
            "sqlite: the same append (entries/s)",
            f"{rate:,.0f}",
            f"{insert_rate:,.0f} rows/s raw executemany, no tree",
            f"{append_s / insert_s:.1f}x the time",
            "",
        ),
    ]
    for label, samples, figure in (
        ("inclusion proof, SqlHashStore", store, median_microseconds),
        ("inclusion proof, SqlHashStore", store, p99_microseconds),
        ("RecordService.prove", prove, median_microseconds),
        ("RecordService.prove", prove, p99_microseconds),
    ):
        which = "median" if figure is median_microseconds else "p99"
        value, baseline = figure(samples), figure(base)
        rows.append(
            (
                f"sqlite: {label} ({which} us)",
                f"{value:,.1f}",
                f"{baseline:.1f} (SHA-256 per element)",
                f"{value / baseline:,.0f}x",
                f"< 1,000 us: {met(value < 1_000)}{size_note}",
            )
        )
    scaled_target = 10 * entries / 1_000_000
    verify_target = (
        f"< 10 s: {met(verify_s < 10)}"
        if at_million
        else f"< 10 s at 1M, {scaled_target:.2f} s pro rata: {met(verify_s < scaled_target)}"
    )
    rows.append(
        (
            "sqlite: full verify, RecordService.verify (s)",
            f"{verify_s:.2f}",
            f"{hash_s:.2f} SHA-256 of the same bytes",
            f"{verify_s / hash_s:,.0f}x",
            verify_target,
        )
    )
    note = (
        f"sqlite: {entries:,} entries about {subject_count:,} subjects, "
        f"mean body {total_bytes / entries:.0f} bytes; "
        f"store {database_bytes / 2**20:,.0f} MiB ({database_bytes / entries:.0f} bytes/entry); "
        f"issue_checkpoint {checkpoint_ms:.1f} ms; proofs and verify at size {entries:,}"
    )
    return rows, note


def print_table(rows: list[Row]) -> None:
    header = ("measure", "record", "baseline", "record / baseline", "target")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        cells = zip(row, widths, strict=True)
        print("  ".join(cell.ljust(width) for cell, width in cells).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="in-memory size")
    parser.add_argument(
        "--sql-entries",
        type=int,
        default=None,
        help=f"SQL size (default: {SQL_ENTRIES:,}, or --entries if that is smaller)",
    )
    parser.add_argument(
        "--subjects",
        type=int,
        default=None,
        help=f"distinct subjects of the SQL entries (default: SQL size / {ENTRIES_PER_SUBJECT})",
    )
    arguments = parser.parse_args()
    entries = arguments.entries
    sql_entries = arguments.sql_entries or min(entries, SQL_ENTRIES)
    subjects = arguments.subjects or max(1, sql_entries // ENTRIES_PER_SUBJECT)
    if min(entries, sql_entries, subjects) < 1:
        parser.error("--entries, --sql-entries and --subjects must be at least 1")

    began = time.perf_counter()
    rows = memory_rows(entries)
    with tempfile.TemporaryDirectory(prefix="truce-bench-") as directory:
        sql, note = sql_rows(sql_entries, subjects, Path(directory))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(
        f"record benchmark: memory {entries:,} entries of {ENTRY_BYTES} bytes, "
        f"sqlite {sql_entries:,} entries; batches of {BATCH:,}"
    )
    print_table(rows + sql)
    print(note)
    print(
        f"peak memory (max RSS) {peak_mib:,.0f} MiB; total {time.perf_counter() - began:.0f} s; "
        f"Python {sys.version.split()[0]}"
    )


if __name__ == "__main__":
    main()
