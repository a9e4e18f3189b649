"""Incidents in memory: the unit tests' store and the correlate CLI's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from truce.domain.incidents import Incident, IncidentStatus


@dataclass
class MemoryIncidentState:
    incidents: dict[str, Incident] = field(default_factory=dict)
    windows: dict[str, tuple[datetime, datetime] | None] = field(default_factory=dict)

    def copy(self) -> MemoryIncidentState:
        return MemoryIncidentState(dict(self.incidents), dict(self.windows))


class MemoryIncidents:
    def __init__(self, state: MemoryIncidentState) -> None:
        self._s = state

    def save(self, incident: Incident, window: tuple[datetime, datetime] | None) -> None:
        self._s.incidents[incident.id] = incident
        self._s.windows[incident.id] = window

    def save_many(
        self, incidents: Sequence[tuple[Incident, tuple[datetime, datetime] | None]]
    ) -> None:
        for incident, window in incidents:
            self.save(incident, window)

    def get(self, incident_id: str) -> Incident | None:
        return self._s.incidents.get(incident_id)

    def of_report(self, report_id: str) -> str | None:
        return next(
            (i.id for i in self._open() if report_id in i.report_ids),
            None,
        )

    def candidates(self, start: datetime, end: datetime) -> list[Incident]:
        found = []
        for incident in self._open():
            window = self._s.windows.get(incident.id)
            if window is not None and window[0] < end and window[1] > start:
                found.append(incident)
        return found

    def page(self, limit: int, *, status: str | None = IncidentStatus.OPEN.value) -> list[Incident]:
        chosen = [i for i in self._s.incidents.values() if status is None or i.status == status]
        chosen.sort(key=lambda i: (i.opened_at, i.id), reverse=True)
        return chosen[:limit]

    def _open(self) -> list[Incident]:
        ordered = sorted(self._s.incidents.values(), key=lambda i: (i.opened_at, i.id))
        return [i for i in ordered if i.status == IncidentStatus.OPEN]
