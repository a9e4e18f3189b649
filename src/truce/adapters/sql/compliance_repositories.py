"""Compliance figures and export rows on SQL (issue 10): the store groups and streams.

Every statement on `reports` runs acting for the caller's scope (adapters/sql/rls.py), so on
PostgreSQL the policies filter a second time what the WHERE clause already filtered (for the
joined `report_places` too: a placement is visible only with its report).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, select, tuple_

from truce.adapters.sql import geo_tables as g
from truce.adapters.sql import tables as t
from truce.adapters.sql.mapping import from_db_time, to_utc
from truce.adapters.sql.repositories import admitted
from truce.adapters.sql.rls import acting_for
from truce.application.ports import FigureRow, ReportScope
from truce.domain.compliance_exports import STORED_COLUMNS, ExportRow, ExportWindow

_TIMES = tuple(
    i
    for i, name in enumerate(STORED_COLUMNS)
    if name in {"filed_at", "occurred_from", "occurred_to"}
)


class SqlComplianceFigures:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def figure_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[FigureRow]:
        r, places = t.reports, g.report_places
        keys = (
            r.c.place_text,
            places.c.adm1_pcode,
            r.c.perpetrator,
            r.c.event_type,
            r.c.submitter_body_id,
            r.c.source_name,
        )
        query = (
            select(*keys, func.count())
            .select_from(r.outerjoin(places, places.c.report_id == r.c.id))
            .where(
                r.c.retired.is_(None),
                r.c.occurred_from >= to_utc(start),
                r.c.occurred_from < to_utc(end),
                admitted(scope),
            )
            .group_by(*keys)
        )
        with acting_for(self._c, scope):
            return [
                (row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]))
                for row in self._c.execute(query)
            ]

    def export_rows(
        self, window: ExportWindow, scope: ReportScope, batch: int = 10_000
    ) -> Generator[ExportRow, None, None]:
        # Keyset pages rather than a server-side cursor: memory stays flat at any size, and a
        # reader that stops early leaves nothing open on the connection.
        r = t.reports
        columns = [r.c[name] for name in STORED_COLUMNS]
        base = (
            select(*columns, r.c.filed_at.label("page_at"), r.c.id.label("page_id"))
            .where(r.c.retired.is_(None), admitted(scope), *_window(window))
            .order_by(r.c.filed_at, r.c.id)
            .limit(batch)
        )
        after: tuple[datetime, str] | None = None
        while True:
            query = base if after is None else base.where(tuple_(r.c.filed_at, r.c.id) > after)
            with acting_for(self._c, scope):
                rows = self._c.execute(query).all()
            for row in rows:
                yield _export_row(tuple(row)[: len(columns)])
            if len(rows) < batch:
                return
            after = (rows[-1].page_at, rows[-1].page_id)


def _export_row(stored: tuple[object, ...]) -> ExportRow:
    values = list(stored)
    for i in _TIMES:
        value = values[i]
        if isinstance(value, datetime):
            values[i] = from_db_time(value).isoformat()
    return tuple(values)


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
