"""The memory fake of ComplianceFigures: the same answers as the SQL store, by brute force."""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator, Mapping
from datetime import datetime

from truce.application.ports import FigureRow, ReportScope
from truce.domain.compliance_exports import STORED_COLUMNS, ExportRow, ExportWindow
from truce.domain.geo.placement import ReportPlace
from truce.domain.reports import Report


class MemoryComplianceFigures:
    def __init__(
        self,
        reports: Mapping[str, Report],
        retired: Mapping[str, str],
        placements: Mapping[str, ReportPlace] | None = None,
    ) -> None:
        self._reports = reports
        self._retired = retired
        self._placements: Mapping[str, ReportPlace] = placements or {}

    def _standing(self, scope: ReportScope) -> Iterator[Report]:
        for report in self._reports.values():
            if report.id not in self._retired and scope.admits(report):
                yield report

    def figure_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[FigureRow]:
        counts: Counter[tuple[str | None, str | None, str | None, str, str | None, str]] = Counter()
        for report in self._standing(scope):
            c = report.content
            if start <= c.occurred_from < end:
                place = self._placements.get(report.id)
                key = (
                    c.place_text,
                    None if place is None else place.adm1,
                    c.perpetrator,
                    c.event_type,
                    report.submitter_body_id,
                    c.source_name,
                )
                counts[key] += 1
        return [(*key, n) for key, n in counts.items()]

    def export_rows(
        self, window: ExportWindow, scope: ReportScope, batch: int = 10_000
    ) -> Generator[ExportRow, None, None]:
        del batch  # everything is in memory already
        chosen = [r for r in self._standing(scope) if _inside(r, window)]
        for report in sorted(chosen, key=lambda r: (r.filed_at, r.id)):
            yield tuple(_value(report, name) for name in STORED_COLUMNS)


def _inside(report: Report, window: ExportWindow) -> bool:
    c = report.content
    return (
        (window.start is None or c.occurred_from >= window.start)
        and (window.end is None or c.occurred_from < window.end)
        and (window.event_type is None or c.event_type == window.event_type)
        and (window.source_name is None or c.source_name == window.source_name)
    )


def _value(report: Report, name: str) -> object:
    if name in {"filed_at", "occurred_from", "occurred_to"}:
        moment = getattr(report if name == "filed_at" else report.content, name)
        return None if moment is None else moment.isoformat()
    if name == "id":
        return report.id
    if name == "confidentiality":
        return report.confidentiality.value
    return getattr(report.content, name)
