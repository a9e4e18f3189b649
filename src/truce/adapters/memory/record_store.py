"""The record in memory, for unit tests and the correlate CLI: same behaviour as SQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.adapters.record_entries import PreparedEntry, prepare_entry
from truce.application.ports import (
    Cosignature,
    JsonValue,
    Opening,
    RecordEntry,
    StoredCheckpoint,
)
from truce.domain.record import HashStore, MissingNodeError, append_leaves


@dataclass
class MemoryRecordState:
    entries: list[RecordEntry] = field(default_factory=list)
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    openings: dict[int, Opening] = field(default_factory=dict)
    checkpoints: dict[int, StoredCheckpoint] = field(default_factory=dict)

    def copy(self) -> MemoryRecordState:
        return MemoryRecordState(
            list(self.entries), dict(self.nodes), dict(self.openings), dict(self.checkpoints)
        )


class _DictHashStore:
    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self._nodes = nodes

    def subtree(self, level: int, index: int) -> bytes:
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise MissingNodeError(f"no stored hash at level {level}, position {index}") from None


class MemoryRecord:
    def __init__(self, state: MemoryRecordState) -> None:
        self._s = state
        self._pending: list[PreparedEntry] = []

    def append(
        self,
        kind: str,
        subject: str | None,
        at: datetime,
        public: dict[str, JsonValue],
        confidential: dict[str, JsonValue] | None = None,
        owner_body_id: str | None = None,
    ) -> None:
        self._pending.append(prepare_entry(kind, subject, at, public, confidential, owner_body_id))

    def flush(self) -> list[int]:
        pending, self._pending = self._pending, []
        size = len(self._s.entries)
        nodes = append_leaves(size, [p.leaf_hash for p in pending], self.stored_hashes())
        for node in nodes:
            self._s.nodes[(node.level, node.position)] = node.digest
        for offset, p in enumerate(pending):
            seq = size + offset
            self._s.entries.append(RecordEntry(seq, p.kind, p.body, p.leaf_hash, p.at, p.subject))
            if p.salt is not None:
                self._s.openings[seq] = Opening(p.salt, p.owner_body_id)
        return list(range(size, size + len(pending)))

    def size(self) -> int:
        return len(self._s.entries)

    def entry(self, seq: int) -> RecordEntry | None:
        return self._s.entries[seq] if 0 <= seq < len(self._s.entries) else None

    def entries(self, start: int, end: int) -> Iterator[RecordEntry]:
        yield from self._s.entries[max(start, 0) : end]

    def verification_rows(self, start: int, end: int) -> Iterator[tuple[int, str, str, bytes]]:
        for entry in self._s.entries[max(start, 0) : end]:
            yield entry.seq, entry.kind, entry.body, entry.leaf_hash

    def level_nodes(self, level: int) -> list[tuple[int, bytes]]:
        return sorted(
            (position, digest) for (at, position), digest in self._s.nodes.items() if at == level
        )

    def about(self, subject: str) -> list[RecordEntry]:
        return [e for e in self._s.entries if e.subject == subject]

    def stored_hashes(self) -> HashStore:
        return _DictHashStore(self._s.nodes)

    def opening(self, seq: int) -> Opening | None:
        return self._s.openings.get(seq)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._s.checkpoints[checkpoint.size] = checkpoint

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        if size is None:
            size = max(self._s.checkpoints, default=None)
        return None if size is None else self._s.checkpoints.get(size)

    def checkpoints(self, limit: int = 50) -> list[StoredCheckpoint]:
        return [self._s.checkpoints[s] for s in sorted(self._s.checkpoints, reverse=True)[:limit]]

    def add_cosignature(
        self, size: int, witness: str, cosignature: Cosignature, at: datetime
    ) -> bool:
        stored = self._s.checkpoints[size]
        if witness in stored.cosignatures:
            return False
        self._s.checkpoints[size] = replace(
            stored,
            cosignatures={**stored.cosignatures, witness: replace(cosignature, cosigned_at=at)},
        )
        return True
