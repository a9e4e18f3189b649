"""Benchmark of the record's Merkle tree, each figure beside a raw SHA-256 baseline.

    uv run python bench/record.py [--entries N]     (default 1,000,000)

1. append: N entries of ENTRY_BYTES random bytes, in batches of 1,000, into a
   MemoryHashStore (leaf hash + every completed subtree) vs one raw SHA-256 of each entry.
2. inclusion proof at size N: median over 1,000 random leaves of building a proof (and of
   verifying it) vs one SHA-256 of a node-sized input per proof element.
3. full recomputation of the root from all N leaf hashes (what an auditor does) vs the
   same number (N - 1) of raw SHA-256 calls on node-sized inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time

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
        began = time.perf_counter_ns()
        for _element in proof:
            hashlib.sha256(NODE_INPUT).digest()
        baseline.append(time.perf_counter_ns() - began)
    return {
        "build": median_microseconds(build),
        "verify": median_microseconds(check),
        "baseline": median_microseconds(baseline),
    }


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


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    header = ("measure", "record", "raw SHA-256 baseline", "record / baseline")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    entries = parser.parse_args().entries
    if entries < 1:
        parser.error("--entries must be at least 1")
    rng = random.Random(2026)  # fixed seed: runs compare like with like

    store, leaves, append_s, append_base_s = append_phase(entries, rng)
    proofs = proof_phase(store, leaves, rng)
    recompute_s, recompute_base_s = recompute_phase(store, leaves)

    print(f"record benchmark: {entries:,} entries of {ENTRY_BYTES} bytes, batches of {BATCH:,}")
    print_table(
        [
            (
                "append (entries/s)",
                f"{entries / append_s:,.0f}",
                f"{entries / append_base_s:,.0f} hashes/s",
                f"{append_s / append_base_s:.1f}x the time",
            ),
            (
                "inclusion proof, build (median us)",
                f"{proofs['build']:.1f}",
                f"{proofs['baseline']:.1f}",
                f"{proofs['build'] / proofs['baseline']:.1f}x",
            ),
            (
                "inclusion proof, verify (median us)",
                f"{proofs['verify']:.1f}",
                f"{proofs['baseline']:.1f}",
                f"{proofs['verify'] / proofs['baseline']:.1f}x",
            ),
            (
                "full root recomputation (s)",
                f"{recompute_s:.2f}",
                f"{recompute_base_s:.2f}",
                f"{recompute_s / recompute_base_s:.1f}x",
            ),
        ]
    )


if __name__ == "__main__":
    main()
