"""Compliance figures and export rows on SQL (issue 10): the store groups and streams.

Every statement on `reports` runs acting for the caller's scope (adapters/sql/rls.py), so on
PostgreSQL the policies filter a second time what the WHERE clause already filtered (for the
joined `report_places` too: a placement is visible only with its report).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    FromClause,
    String,
    and_,
    func,
    select,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from truce.adapters.sql import geo_tables as g
from truce.adapters.sql import incident_tables as it
from truce.adapters.sql import procedure_tables as pt
from truce.adapters.sql import tables as t
from truce.adapters.sql.mapping import from_db_time, to_utc
from truce.adapters.sql.repositories import admitted
from truce.adapters.sql.rls import acting_for
from truce.application.ports import CaseReportRow, FigureRow, PlaceRow, ReportScope
from truce.domain.compliance import REPORT_DAY_OFFSET
from truce.domain.compliance_exports import STORED_COLUMNS, ExportRow, ExportWindow

_TIMES = frozenset({"filed_at", "occurred_from", "occurred_to"})
_FILED_AT, _ID = STORED_COLUMNS.index("filed_at"), STORED_COLUMNS.index("id")


class _IsoText(FunctionElement[str]):
    """A stored time as ISO 8601 text in UTC, written by the database exactly as Python's
    `datetime.isoformat` writes an aware UTC time (no fraction when it is zero)."""

    type = String()
    inherit_cache = True


@compiles(_IsoText, "sqlite")
def _iso_text_sqlite(element: _IsoText, compiler: SQLCompiler, **kw: object) -> str:
    # Stored as "2017-01-02 03:00:00.000000" (naive UTC); NULL stays NULL.
    (column,) = element.clauses
    x = compiler.process(column, **kw)
    whole = f"substr({x}, 1, 10) || 'T' || substr({x}, 12, 8)"
    fraction = f"substr({x}, 20)"
    return (
        f"(CASE WHEN {fraction} IN ('', '.000000') THEN {whole} "
        f"ELSE {whole} || {fraction} END || '+00:00')"
    )


@compiles(_IsoText, "postgresql")
def _iso_text_postgresql(element: _IsoText, compiler: SQLCompiler, **kw: object) -> str:
    (column,) = element.clauses
    x = compiler.process(column, **kw)
    utc = f"({x} AT TIME ZONE 'UTC')"
    return (
        f"(CASE WHEN date_trunc('second', {x}) = {x} "
        f"""THEN to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') """
        f"""ELSE to_char({utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') END)"""
    )


class _ReportDay(FunctionElement[date]):
    """The report day of a stored time, computed by the database (domain.compliance
    `report_day`: the date at REPORT_DAY_OFFSET), so a period's days group in one query."""

    type = Date()
    inherit_cache = True


_OFFSET_HOURS = int((REPORT_DAY_OFFSET.utcoffset(None) or timedelta(0)).total_seconds() // 3600)


@compiles(_ReportDay, "sqlite")
def _report_day_sqlite(element: _ReportDay, compiler: SQLCompiler, **kw: object) -> str:
    # Stored as naive UTC text ("2017-01-02 03:00:00.000000"); date() reads that.
    (column,) = element.clauses
    return f"date({compiler.process(column, **kw)}, '{_OFFSET_HOURS:+d} hours')"


@compiles(_ReportDay, "postgresql")
def _report_day_postgresql(element: _ReportDay, compiler: SQLCompiler, **kw: object) -> str:
    (column,) = element.clauses
    moment = compiler.process(column, **kw)
    return f"CAST(({moment} AT TIME ZONE 'UTC') + INTERVAL '{_OFFSET_HOURS} hours' AS DATE)"


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class SqlComplianceFigures:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def _grouped(
        self, keys: Sequence[ColumnElement[Any]], start: datetime, end: datetime, scope: ReportScope
    ) -> list[Any]:
        r, places = t.reports, g.report_places
        source: FromClause = r
        if any(key.table is places for key in keys if isinstance(key, Column)):
            source = r.outerjoin(places, places.c.report_id == r.c.id)
        query = (
            select(*keys, func.count())
            .select_from(source)
            .where(
                r.c.retired.is_(None),
                r.c.occurred_from >= to_utc(start),
                r.c.occurred_from < to_utc(end),
                admitted(scope),
            )
            .group_by(*keys)
        )
        with acting_for(self._c, scope):
            return list(self._c.execute(query).all())

    def figure_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[FigureRow]:
        r, places = t.reports, g.report_places
        keys = (
            _ReportDay(r.c.occurred_from),
            r.c.place_text,
            places.c.adm1_pcode,
            r.c.perpetrator,
            r.c.event_type,
            r.c.submitter_body_id,
            r.c.source_name,
        )
        return [
            (_day(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], int(row[7]))
            for row in self._grouped(keys, start, end, scope)
        ]

    def place_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[PlaceRow]:
        keys = (t.reports.c.place_text, g.report_places.c.adm1_pcode)
        return [(row[0], row[1], int(row[2])) for row in self._grouped(keys, start, end, scope)]

    def day_totals(
        self, start: datetime, end: datetime, scope: ReportScope
    ) -> list[tuple[date, int]]:
        keys = (_ReportDay(t.reports.c.occurred_from),)
        return [(_day(row[0]), int(row[1])) for row in self._grouped(keys, start, end, scope)]

    def case_report_rows(
        self, start: datetime, end: datetime, scope: ReportScope
    ) -> list[CaseReportRow]:
        r, links, places = t.reports, it.incident_links, g.report_places
        standing = (r.c.retired.is_(None), admitted(scope))
        first = func.min(r.c.occurred_from)
        # The incidents with a case whose earliest admitted report lies in the window.
        chosen = (
            select(links.c.incident_id)
            .select_from(
                links.join(r, r.c.id == links.c.report_id)
                .join(it.incidents, it.incidents.c.id == links.c.incident_id)
                .join(pt.procedure_cases, pt.procedure_cases.c.incident_id == links.c.incident_id)
            )
            .where(*standing, it.incidents.c.status == "open")
            .group_by(links.c.incident_id)
            .having(and_(first >= to_utc(start), first < to_utc(end)))
            .subquery()
        )
        query = (
            select(
                links.c.incident_id,
                r.c.occurred_from,
                r.c.place_text,
                places.c.adm1_pcode,
                r.c.event_type,
                r.c.submitter_body_id,
                r.c.source_name,
            )
            .select_from(
                chosen.join(links, links.c.incident_id == chosen.c.incident_id)
                .join(r, r.c.id == links.c.report_id)
                .outerjoin(places, places.c.report_id == r.c.id)
            )
            .where(*standing)
            .order_by(links.c.incident_id, r.c.occurred_from, r.c.id)
        )
        with acting_for(self._c, scope):
            return [
                (row[0], from_db_time(row[1]), row[2], row[3], row[4], row[5], row[6])
                for row in self._c.execute(query)
            ]

    def export_batches(
        self, window: ExportWindow, scope: ReportScope, batch: int = 10_000
    ) -> Generator[Sequence[ExportRow], None, None]:
        # Keyset pages rather than a server-side cursor: memory stays flat at any size, and a
        # reader that stops early leaves nothing open on the connection. The database writes
        # the times as text and the rows come straight from the driver's cursor as tuples:
        # no per-row object is made on the way out (issue 10's export rate).
        r = t.reports
        columns = [_IsoText(r.c[name]) if name in _TIMES else r.c[name] for name in STORED_COLUMNS]
        base = (
            select(*columns)
            .where(r.c.retired.is_(None), admitted(scope), *_window(window))
            .order_by(r.c.filed_at, r.c.id)
            .limit(batch)
        )
        after: tuple[datetime, object] | None = None
        while True:
            query = base if after is None else base.where(tuple_(r.c.filed_at, r.c.id) > after)
            with acting_for(self._c, scope):
                result = self._c.execute(query)
                rows = result.cursor.fetchall() if result.cursor is not None else []
                result.close()
            if rows:
                yield rows
            if len(rows) < batch:
                return
            # The page key from the row itself: its filing time (ISO text, exact to the
            # microsecond) bound back through the column's type, and its id.
            last = rows[-1]
            after = (datetime.fromisoformat(str(last[_FILED_AT])), last[_ID])


def _window(window: ExportWindow) -> list[ColumnElement[bool]]:
    r = t.reports
    found: list[ColumnElement[bool]] = []
    if window.start is not None:
        found.append(r.c.occurred_from >= to_utc(window.start))
    if window.end is not None:
        found.append(r.c.occurred_from < to_utc(window.end))
    if window.event_type is not None:
        found.append(r.c.event_type == window.event_type)
    if window.source_name is not None:
        found.append(r.c.source_name == window.source_name)
    return [and_(*found)] if found else []
