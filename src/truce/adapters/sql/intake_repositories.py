"""Intake on SQL: dataset reports in bulk, the import journal, the quarantine, tombstones."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from truce.adapters.sql import intake_tables as it
from truce.adapters.sql import tables as t
from truce.adapters.sql.bulk import BulkInsert, one_of
from truce.adapters.sql.mapping import (
    from_db_time,
    optional_time,
    report_to_row,
    row_to_report,
    to_utc,
)
from truce.adapters.sql.rls import as_system
from truce.domain.errors import FieldError
from truce.domain.intake import (
    CurrentEvent,
    ImportCounts,
    ImportJournal,
    JournalStatus,
    QuarantinedRow,
    Tombstone,
)
from truce.domain.reports import Report

# Bound parameters per IN list: under SQLite's limit of 32,766 and PostgreSQL's 65,535.
IN_CHUNK = 2_000

_REPORT_COLUMNS = tuple(column.name for column in t.reports.columns)


@cache
def _report_insert(dialect: Dialect) -> BulkInsert:
    """Dataset reports arrive by the thousand: one INSERT run by the driver's executemany,
    each value through its column's bind processor (bench/README.md)."""
    return BulkInsert(t.reports, _REPORT_COLUMNS, dialect)


# A new report's row leaves only `retired` out (it is filed standing).
_IN_ORDER = itemgetter(*_REPORT_COLUMNS)


def _in_order(row: dict[str, Any]) -> tuple[object, ...]:
    row.setdefault("retired", None)
    return _IN_ORDER(row)  # type: ignore[no-any-return]


@cache
def _queue_insert(dialect: Dialect) -> BulkInsert:
    return BulkInsert(it.derived_pending, ("report_id",), dialect)


# On SQLite, a trigger copies each new report's search text into the FTS5 table: run row by
# row, it cost more than the rest of the insert (bench/README.md). A batch of dataset reports
# goes in with the trigger set aside and its texts copied in one INSERT ... SELECT, all in the
# batch's own transaction: SQLite's DDL is transactional and the batch holds the write lock,
# so no other writer ever sees the trigger missing.
_FTS_TRIGGER = "reports_fts_insert"
_FTS_BULK_MIN = 50


_RETIRE = (
    update(t.reports)
    .where(t.reports.c.id == bindparam("report_id"))
    .values(retired=bindparam("reason"))
)


class SqlIntake:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def current(self, refs: Collection[str]) -> dict[str, CurrentEvent]:
        found: dict[str, CurrentEvent] = {}
        ordered = sorted(set(refs))
        with as_system(self._c, "intake compares a dataset's events with the reports they made"):
            self._fill_current(ordered, found)
        return found

    def _fill_current(self, ordered: list[str], found: dict[str, CurrentEvent]) -> None:
        r = t.reports
        query = select(r.c.source_ref, r.c.id, r.c.source_version, r.c.fingerprint).where(
            one_of(self._c, r.c.source_ref, ordered), r.c.retired.is_(None)
        )
        for ref, report_id, version, print_ in self._c.execute(query):
            found[ref] = CurrentEvent(ref, report_id, version, print_)

    def add_reports(self, reports: Sequence[Report], idempotency_scope: str) -> None:
        if not reports:
            return
        bulk = _report_insert(self._c.dialect)
        rows = [bulk.bind(_in_order(report_to_row(r, idempotency_scope))) for r in reports]
        with as_system(self._c, "filing a batch of dataset reports the service admitted"):
            trigger = self._fts_trigger() if len(rows) >= _FTS_BULK_MIN else None
            if trigger is None:
                bulk.run_bound(self._c, rows)
                return
            last = self._c.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM reports").scalar()
            self._c.exec_driver_sql(f"DROP TRIGGER {_FTS_TRIGGER}")
            bulk.run_bound(self._c, rows)
            self._c.exec_driver_sql(
                "INSERT INTO reports_fts (report_id, search_text) "
                "SELECT id, search_text FROM reports WHERE rowid > ? ORDER BY rowid",
                (last,),
            )
            self._c.exec_driver_sql(trigger)

    def _fts_trigger(self) -> str | None:
        """The SQL of SQLite's FTS insert trigger, to set it aside and put it back as it was."""
        if self._c.dialect.name != "sqlite":
            return None
        found = self._c.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (_FTS_TRIGGER,)
        ).scalar()
        return None if found is None else str(found)

    def retire(self, report_ids: Sequence[str], reason: str) -> None:
        if report_ids:
            rows = [{"report_id": i, "reason": reason} for i in report_ids]
            with as_system(self._c, "retiring superseded or withdrawn reports, never editing them"):
                self._c.execute(_RETIRE, rows)

    def queue_derived(self, report_ids: Sequence[str]) -> None:
        _queue_insert(self._c.dialect).run_bound(self._c, [(i,) for i in report_ids])

    def pending_derived(self, limit: int) -> list[tuple[int, Report]]:
        p, r = it.derived_pending, t.reports
        # Two imports' passes on PostgreSQL take turns on a group instead of both running it;
        # the second then reads past what the first dequeued (SQLite has one writer anyway).
        query = (
            select(p.c.seq, r)
            .join(r, r.c.id == p.c.report_id)
            .order_by(p.c.seq)
            .limit(limit)
            .with_for_update(of=p)
        )
        with as_system(self._c, "correlating and placing the reports a bulk import filed"):
            rows = self._c.execute(query).mappings().all()
        return [(row["seq"], row_to_report(row)) for row in rows]

    def clear_derived(self, through: int) -> None:
        p = it.derived_pending
        self._c.execute(delete(p).where(p.c.seq <= through))

    def count_derived(self) -> int:
        query = select(func.count()).select_from(it.derived_pending)
        return int(self._c.execute(query).scalar_one())

    def tombstones(self, refs: Collection[str]) -> dict[str, Tombstone]:
        d = it.dataset_tombstones
        found: dict[str, Tombstone] = {}
        query = select(d).where(one_of(self._c, d.c.source_ref, sorted(set(refs))))
        for row in self._c.execute(query):
            found[row.source_ref] = Tombstone(
                row.source_ref, from_db_time(row.withdrawn_at), row.source_version, row.report_id
            )
        return found

    def add_tombstone(self, tombstone: Tombstone) -> None:
        self._c.execute(
            insert(it.dataset_tombstones).values(
                source_ref=tombstone.source_ref,
                withdrawn_at=to_utc(tombstone.withdrawn_at),
                source_version=tombstone.source_version,
                report_id=tombstone.report_id,
            )
        )

    def quarantine(self, rows: Sequence[QuarantinedRow]) -> int:
        if not rows:
            return 0
        q = it.quarantine
        ids = [row.id for row in rows]
        kept = set(self._c.execute(select(q.c.id).where(one_of(self._c, q.c.id, ids))).scalars())
        new: dict[str, QuarantinedRow] = {r.id: r for r in rows if r.id not in kept}
        if new:
            self._c.execute(insert(q), [_quarantine_row(row) for row in new.values()])
        return len(new)

    def quarantined(self, limit: int, *, open_only: bool = True) -> list[QuarantinedRow]:
        q = it.quarantine
        query = select(q).order_by(q.c.quarantined_at.desc(), q.c.id.desc()).limit(limit)
        if open_only:
            query = query.where(q.c.resolved_report_id.is_(None))
        return [_quarantined(row) for row in self._c.execute(query).mappings()]

    def quarantined_row(self, row_id: str) -> QuarantinedRow | None:
        q = it.quarantine
        row = self._c.execute(select(q).where(q.c.id == row_id)).mappings().first()
        return None if row is None else _quarantined(row)

    def resolve(self, row_id: str, report_id: str, at: datetime) -> None:
        q = it.quarantine
        self._c.execute(
            update(q)
            .where(q.c.id == row_id)
            .values(resolved_report_id=report_id, resolved_at=to_utc(at))
        )

    def count_quarantined(self, *, open_only: bool = True) -> int:
        q = it.quarantine
        query = select(func.count()).select_from(q)
        if open_only:
            query = query.where(q.c.resolved_report_id.is_(None))
        return int(self._c.execute(query).scalar_one())

    def journal(self, file_sha256: str, kind: str) -> ImportJournal | None:
        j = it.import_journals
        row = (
            self._c.execute(select(j).where(j.c.file_sha256 == file_sha256, j.c.kind == kind))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return ImportJournal(
            file_sha256=row["file_sha256"],
            kind=row["kind"],
            file_name=row["file_name"],
            started_at=from_db_time(row["started_at"]),
            rows_done=row["rows_done"],
            status=JournalStatus(row["status"]),
            counts=ImportCounts(
                row["read"], row["imported"], row["updated"], row["unchanged"], row["quarantined"]
            ),
            finished_at=optional_time(row["finished_at"]),
        )

    def save_journal(self, journal: ImportJournal) -> None:
        j = it.import_journals
        values = {
            "file_name": journal.file_name,
            "started_at": to_utc(journal.started_at),
            "finished_at": None if journal.finished_at is None else to_utc(journal.finished_at),
            "status": journal.status.value,
            "rows_done": journal.rows_done,
            **journal.counts.as_dict(),
        }
        where = (j.c.file_sha256 == journal.file_sha256) & (j.c.kind == journal.kind)
        if self._c.execute(update(j).where(where).values(values)).rowcount == 0:
            self._c.execute(
                insert(j).values(file_sha256=journal.file_sha256, kind=journal.kind, **values)
            )


def _quarantine_row(row: QuarantinedRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "file_name": row.file_name,
        "file_sha256": row.file_sha256,
        "line": row.line,
        "raw": row.raw,
        "reasons": json.dumps(
            [{"field": r.field, "message": r.message} for r in row.reasons], ensure_ascii=False
        ),
        "quarantined_at": to_utc(row.quarantined_at),
        "resolved_report_id": row.resolved_report_id,
        "resolved_at": None if row.resolved_at is None else to_utc(row.resolved_at),
        "owner_body_id": row.owner_body_id,
    }


def _quarantined(row: Any) -> QuarantinedRow:  # noqa: ANN401 - a RowMapping
    return QuarantinedRow(
        id=row["id"],
        kind=row["kind"],
        file_name=row["file_name"],
        file_sha256=row["file_sha256"],
        line=row["line"],
        raw=row["raw"],
        reasons=tuple(FieldError(r["field"], r["message"]) for r in json.loads(row["reasons"])),
        quarantined_at=from_db_time(row["quarantined_at"]),
        resolved_report_id=row["resolved_report_id"],
        resolved_at=optional_time(row["resolved_at"]),
        owner_body_id=row["owner_body_id"],
    )
