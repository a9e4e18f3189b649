"""Incidents on SQL: one row per incident, one per link to a report."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update

from truce.adapters.sql import incident_tables as it
from truce.adapters.sql.mapping import from_db_time, to_utc
from truce.domain.incidents import Incident, IncidentStatus, Link

_OPEN = IncidentStatus.OPEN.value
# Bound parameters per IN list, under SQLite's and PostgreSQL's limits.
IN_CHUNK = 2_000
_UPDATE_INCIDENT = (
    update(it.incidents)
    .where(it.incidents.c.id == bindparam("incident_id"))
    .values(
        {
            name: bindparam(name)
            for name in (
                "agreement_id", "opened_at", "status", "merged_into", "split_from",
                "window_from", "window_to",
            )
        }
    )
)  # fmt: skip


class SqlIncidents:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def save(self, incident: Incident, window: tuple[datetime, datetime] | None) -> None:
        i = it.incidents
        self._c.execute(
            delete(it.incident_links).where(it.incident_links.c.incident_id == incident.id)
        )
        row = _incident_row(incident, window)
        values = {name: value for name, value in row.items() if name != "id"}
        # Updated in place, never deleted: the procedure's rows (its case, history, reply
        # requests) refer to the incident by foreign key.
        updated = self._c.execute(update(i).where(i.c.id == incident.id).values(**values))
        if updated.rowcount == 0:
            self._c.execute(insert(i).values(**row))
        if incident.links:
            self._c.execute(
                insert(it.incident_links), [_link_row(incident.id, link) for link in incident.links]
            )

    def save_many(
        self, incidents: Sequence[tuple[Incident, tuple[datetime, datetime] | None]]
    ) -> None:
        """Replace the incidents' links and update the incidents in place (inserting the new
        ones), by the thousand: a statement per incident cost a dataset batch's correlation
        most of its time. Incidents are never deleted: other rows may refer to them."""
        if not incidents:
            return
        i, links = it.incidents, it.incident_links
        last = {incident.id: (incident, window) for incident, window in incidents}
        ids = list(last)
        existing: set[str] = set()
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            self._c.execute(delete(links).where(links.c.incident_id.in_(chunk)))
            existing.update(self._c.execute(select(i.c.id).where(i.c.id.in_(chunk))).scalars())
        rows = [_incident_row(incident, window) for incident, window in last.values()]
        changed = [{**row, "incident_id": row["id"]} for row in rows if row["id"] in existing]
        if changed:
            self._c.execute(_UPDATE_INCIDENT, changed)
        added = [row for row in rows if row["id"] not in existing]
        if added:
            self._c.execute(insert(i), added)
        link_rows = [_link_row(inc.id, link) for inc, _ in last.values() for link in inc.links]
        if link_rows:
            self._c.execute(insert(links), link_rows)

    def get(self, incident_id: str) -> Incident | None:
        found = self._load(it.incidents.c.id == incident_id)
        return found[0] if found else None

    def of_report(self, report_id: str) -> str | None:
        i, links = it.incidents, it.incident_links
        query = (
            select(links.c.incident_id)
            .join(i, i.c.id == links.c.incident_id)
            .where(links.c.report_id == report_id, i.c.status == _OPEN)
        )
        return self._c.execute(query).scalar()

    def candidates(self, start: datetime, end: datetime) -> list[Incident]:
        i = it.incidents
        return self._load(
            (i.c.status == _OPEN)
            & (i.c.window_from < to_utc(end))
            & (i.c.window_to > to_utc(start))
        )

    def page(self, limit: int, *, status: str | None = _OPEN) -> list[Incident]:
        i = it.incidents
        query = select(i.c.id).order_by(i.c.opened_at.desc(), i.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(i.c.status == status)
        ids = list(self._c.execute(query).scalars())
        found = {incident.id: incident for incident in self._load(i.c.id.in_(ids))} if ids else {}
        return [found[incident_id] for incident_id in ids]

    def _load(self, where: Any) -> list[Incident]:  # noqa: ANN401 - a SQLAlchemy clause
        i, links = it.incidents, it.incident_links
        rows = list(self._c.execute(select(i).where(where).order_by(i.c.opened_at, i.c.id)))
        if not rows:
            return []
        by_incident: dict[str, list[Link]] = defaultdict(list)
        ids = [row.id for row in rows]
        query = (
            select(links)
            .where(links.c.incident_id.in_(ids))
            .order_by(links.c.linked_at, links.c.report_id)
        )
        for link in self._c.execute(query):
            by_incident[link.incident_id].append(_link(link))
        return [_incident(row, tuple(by_incident[row.id])) for row in rows]


def _incident_row(
    incident: Incident, window: tuple[datetime, datetime] | None
) -> dict[str, object]:
    return {
        "id": incident.id,
        "agreement_id": incident.agreement_id,
        "opened_at": to_utc(incident.opened_at),
        "status": incident.status.value,
        "merged_into": incident.merged_into,
        "split_from": incident.split_from,
        "window_from": None if window is None else to_utc(window[0]),
        "window_to": None if window is None else to_utc(window[1]),
    }


def _link_row(incident_id: str, link: Link) -> dict[str, object]:
    return {
        "incident_id": incident_id,
        "report_id": link.report_id,
        "linked_at": to_utc(link.linked_at),
        "matched_report_id": link.matched_report_id,
        "components": None
        if link.components is None
        else json.dumps(link.components, sort_keys=True),
        "decided_by": link.decided_by,
    }


def _link(row: Row[Any]) -> Link:
    return Link(
        report_id=row.report_id,
        linked_at=from_db_time(row.linked_at),
        matched_report_id=row.matched_report_id,
        components=None if row.components is None else json.loads(row.components),
        decided_by=row.decided_by,
    )


def _incident(row: Row[Any], links: tuple[Link, ...]) -> Incident:
    return Incident(
        id=row.id,
        agreement_id=row.agreement_id,
        opened_at=from_db_time(row.opened_at),
        status=IncidentStatus(row.status),
        links=links,
        merged_into=row.merged_into,
        split_from=row.split_from,
    )
