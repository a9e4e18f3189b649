"""The record on SQL: entries, stored complete-subtree hashes, checkpoints, co-signatures.

Appends are buffered and flushed by the unit of work just before it commits, as one batch:
the head row is locked (FOR UPDATE on PostgreSQL; SQLite transactions are IMMEDIATE), the new
nodes come from the pure `append_leaves`, which reads only the tree's right edge.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from truce.adapters.record_entries import PreparedEntry, prepare_entry
from truce.adapters.sql import tables as t
from truce.adapters.sql.bulk import bind_processors
from truce.adapters.sql.mapping import from_db_time, to_utc
from truce.adapters.sql.rls import as_system
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


# Level 0 of the tree is each entry's leaf hash, which record_entries already holds: the
# leaves are not stored a second time in record_nodes (decision 0007).
_LEAF = select(t.record_entries.c.leaf_hash).where(t.record_entries.c.seq == bindparam("seq"))

_HEAD = select(t.record_head.c.size).where(t.record_head.c.id == 1)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_SET_SIZE = update(t.record_head).where(t.record_head.c.id == 1).values(size=bindparam("size"))


class _BulkInsert:
    """One INSERT, compiled once per dialect, run as DBAPI executemany calls of CHUNK rows.

    An append writes about three rows per entry; SQLAlchemy's per-row parameter handling cost
    more than SQLite's own insert (bench/README.md). Each value still goes through its
    column type's bind processor (e.g. how SQLite stores a datetime), so rows read back
    exactly as if SQLAlchemy had written them.
    """

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        self._sql = str(compiled)
        self._columns = tuple(columns)
        # Positional paramstyles (SQLite's qmark) take tuples in the compiled order; named
        # ones (psycopg's pyformat) take dicts.
        order = compiled.positiontup
        self._named = tuple(columns) if order is None else None
        # Where each compiled position takes its value from in a row given in `columns` order.
        self._positions = None if order is None else [list(columns).index(n) for n in order]
        self._processors = bind_processors(table, columns, dialect)
        self._as_is = (
            not self._processors
            and self._named is None
            and self._positions == list(range(len(columns)))
        )

    def run(self, connection: Connection, rows: Sequence[Sequence[object]]) -> None:
        """executemany on the DBAPI cursor of `connection`, inside its transaction."""
        if not rows:
            return
        driver: Any = connection.connection.dbapi_connection
        cursor = driver.cursor()
        try:
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                # Rows that need no conversion (the tree's nodes on SQLite) go as they are.
                cursor.executemany(self._sql, chunk if self._as_is else map(self._bind, chunk))
        finally:
            cursor.close()

    def _bind(self, row: Sequence[object]) -> tuple[object, ...] | dict[str, object]:
        values = list(row)
        for index, process in self._processors:
            values[index] = process(values[index])
        if self._named is not None:
            return dict(zip(self._named, values, strict=True))
        return tuple([values[index] for index in self._positions or ()])


@dataclass(frozen=True, slots=True)
class _Inserts:
    entries: _BulkInsert
    openings: _BulkInsert
    nodes: _BulkInsert


@cache
def _bulk_inserts(dialect: Dialect) -> _Inserts:
    entry_columns = ("seq", "kind", "body", "leaf_hash", "recorded_at", "subject")
    return _Inserts(
        entries=_BulkInsert(t.record_entries, entry_columns, dialect),
        openings=_BulkInsert(t.record_openings, ("seq", "salt", "owner_body_id"), dialect),
        nodes=_BulkInsert(t.record_nodes, ("level", "position", "digest"), dialect),
    )


_VERIFICATION_ROWS = (
    select(
        t.record_entries.c.seq,
        t.record_entries.c.kind,
        t.record_entries.c.body,
        t.record_entries.c.leaf_hash,
    )
    .where(
        and_(
            t.record_entries.c.seq >= bindparam("start"), t.record_entries.c.seq < bindparam("end")
        )
    )
    .order_by(t.record_entries.c.seq)
)
_LEVEL_NODES = (
    select(t.record_nodes.c.position, t.record_nodes.c.digest)
    .where(t.record_nodes.c.level == bindparam("level"))
    .order_by(t.record_nodes.c.position)
)
_LEAVES = select(t.record_entries.c.seq, t.record_entries.c.leaf_hash).order_by(
    t.record_entries.c.seq
)
# Prebuilt, as above: a proof through the service reads a checkpoint and an entry too.
_ENTRY = select(t.record_entries).where(t.record_entries.c.seq == bindparam("seq"))
_CHECKPOINT = select(t.record_checkpoints).where(t.record_checkpoints.c.size == bindparam("size"))
_LATEST_CHECKPOINT = (
    select(t.record_checkpoints).order_by(t.record_checkpoints.c.size.desc()).limit(1)
)
_COSIGNATURES = (
    select(t.record_cosignatures)
    .where(t.record_cosignatures.c.size == bindparam("size"))
    .order_by(t.record_cosignatures.c.witness)
)
# Rows per fetch when a full verify streams the entries.
VERIFY_BATCH = 20_000


class SqlHashStore:
    """Stored subtree hashes, read one point query at a time through the DBAPI cursor: a
    proof reads about log2(n) of them, and SQLAlchemy's per-statement work cost several
    times the read itself (bench/README.md). Leaves (level 0) are read from the entries."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._node_sql, self._leaf_sql, self._positional = _point_queries(connection.dialect)
        self._cursor: Any = None

    def subtree(self, level: int, index: int) -> bytes:
        if self._cursor is None:
            driver: Any = self._c.connection.dbapi_connection
            self._cursor = driver.cursor()
        arguments: tuple[int, ...] | dict[str, int]
        if level == 0:
            sql, arguments = self._leaf_sql, (index,) if self._positional else {"seq": index}
        else:
            sql = self._node_sql
            arguments = (level, index) if self._positional else {"level": level, "position": index}
        self._cursor.execute(sql, arguments)
        row = self._cursor.fetchone()
        if row is None:
            raise MissingNodeError(f"no stored hash at level {level}, position {index}")
        return bytes(row[0])


@cache
def _point_queries(dialect: Dialect) -> tuple[str, str, bool]:
    """The node and leaf point queries as SQL text, and whether they take positional
    parameters (SQLite's qmark) or named ones (psycopg's pyformat)."""
    node = _NODE.compile(dialect=dialect)
    if node.positiontup and list(node.positiontup) != ["level", "position"]:
        raise RuntimeError("unexpected parameter order in the node query")
    leaf = _LEAF.compile(dialect=dialect)
    return str(node), str(leaf), bool(node.positiontup)


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
        seqs = range(size, size + len(pending))
        inserts = _bulk_inserts(self._c.dialect)
        inserts.entries.run(
            self._c,
            [
                (seq, p.kind, p.body, p.leaf_hash, to_utc(p.at), p.subject)
                for seq, p in zip(seqs, pending, strict=True)
            ],
        )
        openings = [
            (seq, p.salt, p.owner_body_id)
            for seq, p in zip(seqs, pending, strict=True)
            if p.salt is not None
        ]
        # The salts are the mechanism's: written whatever principal made the change.
        with as_system(self._c, "the record keeps the salts of its commitments"):
            inserts.openings.run(self._c, openings)
        # Only the interior nodes: the leaves are the entries' own leaf_hash column.
        inserts.nodes.run(self._c, [node for node in nodes if node.level > 0])
        self._c.execute(_SET_SIZE, {"size": size + len(pending)})
        return list(seqs)

    def _lock_head(self) -> int:
        query = _HEAD if self._c.dialect.name == "sqlite" else _HEAD_FOR_UPDATE
        return int(self._c.execute(query).scalar_one())

    def size(self) -> int:
        return int(
            self._c.execute(
                select(t.record_head.c.size).where(t.record_head.c.id == 1)
            ).scalar_one()
        )

    def entry(self, seq: int) -> RecordEntry | None:
        row = self._c.execute(_ENTRY, {"seq": seq}).first()
        return None if row is None else _entry(row)

    def entries(self, start: int, end: int) -> Iterator[RecordEntry]:
        e = t.record_entries
        query = select(e).where(and_(e.c.seq >= start, e.c.seq < end)).order_by(e.c.seq)
        # Streamed, so verifying a long record holds one batch in memory at a time.
        result = self._c.execute(query.execution_options(yield_per=CHUNK))
        for row in result:
            yield _entry(row)

    def verification_rows(self, start: int, end: int) -> Iterator[tuple[int, str, str, bytes]]:
        # The DBAPI cursor directly: a full verify reads every entry, and SQLAlchemy's row
        # objects cost more than the reading itself (bench/README.md).
        cursor = self._raw_cursor(_VERIFICATION_ROWS, {"start": start, "end": end}, stream=True)
        try:
            while rows := cursor.fetchmany(VERIFY_BATCH):
                for seq, kind, body, leaf in rows:
                    yield seq, kind, body, bytes(leaf)
        finally:
            cursor.close()

    def level_nodes(self, level: int) -> list[tuple[int, bytes]]:
        if level == 0:
            cursor = self._raw_cursor(_LEAVES, {})
        else:
            cursor = self._raw_cursor(_LEVEL_NODES, {"level": level})
        try:
            return [(position, bytes(digest)) for position, digest in cursor.fetchall()]
        finally:
            cursor.close()

    def _raw_cursor(
        self, statement: Select[Any], parameters: dict[str, int], *, stream: bool = False
    ) -> Any:  # noqa: ANN401 - a DBAPI cursor, typed by no one
        """A DBAPI cursor on this connection (same transaction) running `statement`. With
        `stream` on PostgreSQL it is a server-side cursor, so a million rows are not all
        held in memory at once; SQLite reads lazily anyway."""
        compiled = statement.compile(dialect=self._c.dialect)
        arguments: tuple[int, ...] | dict[str, int] = parameters
        if compiled.positiontup:
            arguments = tuple(parameters[name] for name in compiled.positiontup)
        driver: Any = self._c.connection.dbapi_connection
        named = stream and self._c.dialect.name == "postgresql"
        cursor = driver.cursor(name="truce_record_verify") if named else driver.cursor()
        cursor.execute(str(compiled), arguments)
        return cursor

    def about(self, subject: str) -> list[RecordEntry]:
        e = t.record_entries
        rows = self._c.execute(select(e).where(e.c.subject == subject).order_by(e.c.seq))
        return [_entry(row) for row in rows]

    def stored_hashes(self) -> HashStore:
        return SqlHashStore(self._c)

    def opening(self, seq: int) -> Opening | None:
        o = t.record_openings
        with as_system(self._c, "verifying the record re-opens its commitments"):
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
        if size is None:
            row = self._c.execute(_LATEST_CHECKPOINT).first()
        else:
            row = self._c.execute(_CHECKPOINT, {"size": size}).first()
        return None if row is None else self._checkpoint(row)

    def checkpoints(self, limit: int = 50) -> list[StoredCheckpoint]:
        c = t.record_checkpoints
        rows = self._c.execute(select(c).order_by(c.c.size.desc()).limit(limit)).all()
        return [self._checkpoint(row) for row in rows]

    def add_cosignature(
        self, size: int, witness: str, cosignature: Cosignature, at: datetime
    ) -> bool:
        values = {
            "size": size,
            "witness": witness,
            "signature": cosignature.signature,
            "verifier_key": cosignature.verifier_key,
            "cosigned_at": to_utc(at),
        }
        # ON CONFLICT DO NOTHING: on PostgreSQL a concurrent identical request may have kept
        # the same witness's line since this transaction looked; the first one stays and this
        # one is told, instead of failing on the primary key. SQLite serialises writers, but
        # the statement is the same there.
        insert_or_skip = _insert_or_skip(self._c.dialect.name)
        statement = (
            insert_or_skip(t.record_cosignatures)
            .values(values)
            .on_conflict_do_nothing()
            .returning(t.record_cosignatures.c.witness)
        )
        return self._c.execute(statement).first() is not None

    def _checkpoint(self, row: Row[Any]) -> StoredCheckpoint:
        size = row.size
        cosignatures = {
            c.witness: Cosignature(c.verifier_key, c.signature, from_db_time(c.cosigned_at))
            for c in self._c.execute(_COSIGNATURES, {"size": size})
        }
        return StoredCheckpoint(
            size=size,
            root=bytes(row.root),
            note=row.note,
            issued_at=from_db_time(row.issued_at),
            cosignatures=cosignatures,
        )


def _insert_or_skip(dialect: str) -> Any:  # noqa: ANN401 - the dialect's own insert()
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _entry(row: Row[Any]) -> RecordEntry:
    return RecordEntry(
        seq=row.seq,
        kind=row.kind,
        body=row.body,
        leaf_hash=bytes(row.leaf_hash),
        recorded_at=from_db_time(row.recorded_at),
        subject=row.subject,
    )
