"""The record on SQL: entries, stored complete-subtree hashes, checkpoints, co-signatures.

Appends are buffered and flushed by the unit of work just before it commits, as one batch:
the head row is locked (FOR UPDATE on PostgreSQL; SQLite transactions are IMMEDIATE), the new
nodes come from the pure `append_leaves`, which reads only the tree's right edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, bindparam, insert, select, update

from truce.adapters.record_entries import PreparedEntry, prepare_entry
from truce.adapters.sql import tables as t
from truce.adapters.sql.mapping import from_db_time, to_utc
from truce.application.ports import (
    Cosignature,
    JsonValue,
    Opening,
    RecordEntry,
    StoredCheckpoint,
)
from truce.domain.record import HashStore, MissingNodeError, append_leaves

# Rows per INSERT round trip when a large batch is flushed.
CHUNK = 5_000


# Built once: a proof reads ~log2(n) nodes, and building a statement per read cost more than
# the read itself (bench/README.md).
_NODE = select(t.record_nodes.c.digest).where(
    and_(
        t.record_nodes.c.level == bindparam("level"),
        t.record_nodes.c.position == bindparam("position"),
    )
)


class SqlHashStore:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def subtree(self, level: int, index: int) -> bytes:
        digest = self._c.execute(_NODE, {"level": level, "position": index}).scalar()
        if digest is None:
            raise MissingNodeError(f"no stored hash at level {level}, position {index}")
        return bytes(digest)


class SqlRecord:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
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
        if not self._pending:
            return []
        pending, self._pending = self._pending, []
        size = self._lock_head()
        nodes = append_leaves(size, [p.leaf_hash for p in pending], SqlHashStore(self._c))
        seqs = list(range(size, size + len(pending)))
        self._insert(
            t.record_entries, [_entry_row(seq, p) for seq, p in zip(seqs, pending, strict=True)]
        )
        openings = [
            {"seq": seq, "salt": p.salt, "owner_body_id": p.owner_body_id}
            for seq, p in zip(seqs, pending, strict=True)
            if p.salt is not None
        ]
        self._insert(t.record_openings, openings)
        self._insert(
            t.record_nodes,
            [{"level": n.level, "position": n.position, "digest": n.digest} for n in nodes],
        )
        self._c.execute(
            update(t.record_head).where(t.record_head.c.id == 1).values(size=size + len(pending))
        )
        return seqs

    def _lock_head(self) -> int:
        query = select(t.record_head.c.size).where(t.record_head.c.id == 1)
        if self._c.dialect.name != "sqlite":
            query = query.with_for_update()
        return int(self._c.execute(query).scalar_one())

    def _insert(self, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
        for start in range(0, len(rows), CHUNK):
            self._c.execute(insert(table), list(rows[start : start + CHUNK]))

    def size(self) -> int:
        return int(
            self._c.execute(
                select(t.record_head.c.size).where(t.record_head.c.id == 1)
            ).scalar_one()
        )

    def entry(self, seq: int) -> RecordEntry | None:
        row = self._c.execute(select(t.record_entries).where(t.record_entries.c.seq == seq)).first()
        return None if row is None else _entry(row)

    def entries(self, start: int, end: int) -> Iterator[RecordEntry]:
        e = t.record_entries
        query = select(e).where(and_(e.c.seq >= start, e.c.seq < end)).order_by(e.c.seq)
        # Streamed, so verifying a long record holds one batch in memory at a time.
        result = self._c.execute(query.execution_options(yield_per=CHUNK))
        for row in result:
            yield _entry(row)

    def nodes(self) -> Iterator[tuple[int, int, bytes]]:
        n = t.record_nodes
        query = select(n.c.level, n.c.position, n.c.digest).order_by(n.c.level, n.c.position)
        for row in self._c.execute(query.execution_options(yield_per=CHUNK)):
            yield row.level, row.position, bytes(row.digest)

    def about(self, subject: str) -> list[RecordEntry]:
        e = t.record_entries
        rows = self._c.execute(select(e).where(e.c.subject == subject).order_by(e.c.seq))
        return [_entry(row) for row in rows]

    def stored_hashes(self) -> HashStore:
        return SqlHashStore(self._c)

    def opening(self, seq: int) -> Opening | None:
        o = t.record_openings
        row = self._c.execute(select(o).where(o.c.seq == seq)).first()
        return None if row is None else Opening(bytes(row.salt), row.owner_body_id)

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        self._c.execute(
            insert(t.record_checkpoints).values(
                size=checkpoint.size,
                root=checkpoint.root,
                note=checkpoint.note,
                issued_at=to_utc(checkpoint.issued_at),
            )
        )

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        c = t.record_checkpoints
        query = select(c).order_by(c.c.size.desc()).limit(1)
        if size is not None:
            query = select(c).where(c.c.size == size)
        row = self._c.execute(query).first()
        return None if row is None else self._checkpoint(row)

    def checkpoints(self, limit: int = 50) -> list[StoredCheckpoint]:
        c = t.record_checkpoints
        rows = self._c.execute(select(c).order_by(c.c.size.desc()).limit(limit)).all()
        return [self._checkpoint(row) for row in rows]

    def add_cosignature(
        self, size: int, witness: str, cosignature: Cosignature, at: datetime
    ) -> None:
        self._c.execute(
            insert(t.record_cosignatures).values(
                size=size,
                witness=witness,
                signature=cosignature.signature,
                verifier_key=cosignature.verifier_key,
                cosigned_at=to_utc(at),
            )
        )

    def _checkpoint(self, row: Row[Any]) -> StoredCheckpoint:
        s = t.record_cosignatures
        size = row.size
        cosignatures = {
            c.witness: Cosignature(c.verifier_key, c.signature, from_db_time(c.cosigned_at))
            for c in self._c.execute(select(s).where(s.c.size == size).order_by(s.c.witness))
        }
        return StoredCheckpoint(
            size=size,
            root=bytes(row.root),
            note=row.note,
            issued_at=from_db_time(row.issued_at),
            cosignatures=cosignatures,
        )


def _entry_row(seq: int, prepared: PreparedEntry) -> dict[str, object]:
    return {
        "seq": seq,
        "kind": prepared.kind,
        "body": prepared.body,
        "leaf_hash": prepared.leaf_hash,
        "recorded_at": to_utc(prepared.at),
        "subject": prepared.subject,
    }


def _entry(row: Row[Any]) -> RecordEntry:
    return RecordEntry(
        seq=row.seq,
        kind=row.kind,
        body=row.body,
        leaf_hash=bytes(row.leaf_hash),
        recorded_at=from_db_time(row.recorded_at),
        subject=row.subject,
    )
