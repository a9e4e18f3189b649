"""The memory fake of ComplianceFigures: the same answers as the SQL store, by brute force."""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Generator, Iterator, Mapping, Sequence
from datetime import date, datetime

from truce.application.ports import CaseReportRow, FigureRow, PlaceRow, ReportScope
from truce.domain.compliance import report_day
from truce.domain.compliance_exports import STORED_COLUMNS, ExportRow, ExportWindow
from truce.domain.geo.placement import ReportPlace
from truce.domain.incidents import Incident, IncidentStatus
from truce.domain.reports import Report


class MemoryComplianceFigures:
    def __init__(
        self,
        reports: Mapping[str, Report],
        retired: Mapping[str, str],
        placements: Mapping[str, ReportPlace] | None = None,
        incidents: Mapping[str, Incident] | None = None,
        cased: Container[str] = (),
    ) -> None:
        self._reports = reports
        self._retired = retired
        self._placements: Mapping[str, ReportPlace] = placements or {}
        self._incidents: Mapping[str, Incident] = incidents or {}
        # The ids of the incidents with a verification case.
        self._cased = cased

    def _standing(self, scope: ReportScope) -> Iterator[Report]:
        for report in self._reports.values():
            if report.id not in self._retired and scope.admits(report):
                yield report

    def _window(self, start: datetime, end: datetime, scope: ReportScope) -> Iterator[Report]:
        for report in self._standing(scope):
            if start <= report.content.occurred_from < end:
                yield report

    def _adm1(self, report: Report) -> str | None:
        place = self._placements.get(report.id)
        return None if place is None else place.adm1

    def figure_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[FigureRow]:
        counts: Counter[tuple[date, str | None, str | None, str | None, str, str | None, str]] = (
            Counter()
        )
        for report in self._window(start, end, scope):
            c = report.content
            key = (
                report_day(c.occurred_from),
                c.place_text,
                self._adm1(report),
                c.perpetrator,
                c.event_type,
                report.submitter_body_id,
                c.source_name,
            )
            counts[key] += 1
        return [(*key, n) for key, n in counts.items()]

    def place_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[PlaceRow]:
        counts: Counter[tuple[str | None, str | None]] = Counter(
            (r.content.place_text, self._adm1(r)) for r in self._window(start, end, scope)
        )
        return [(*key, n) for key, n in counts.items()]

    def day_totals(
        self, start: datetime, end: datetime, scope: ReportScope
    ) -> list[tuple[date, int]]:
        counts = Counter(
            report_day(r.content.occurred_from) for r in self._window(start, end, scope)
        )
        return sorted(counts.items())

    def case_report_rows(
        self, start: datetime, end: datetime, scope: ReportScope
    ) -> list[CaseReportRow]:
        found: list[CaseReportRow] = []
        for incident in sorted(self._incidents.values(), key=lambda i: i.id):
            if incident.status != IncidentStatus.OPEN or incident.id not in self._cased:
                continue
            reports = sorted(
                (
                    report
                    for report_id in incident.report_ids
                    if (report := self._reports.get(report_id)) is not None
                    and report_id not in self._retired
                    and scope.admits(report)
                ),
                key=lambda r: (r.content.occurred_from, r.id),
            )
            if not reports or not start <= reports[0].content.occurred_from < end:
                continue
            for report in reports:
                c, place = report.content, self._placements.get(report.id)
                found.append(
                    (
                        incident.id,
                        c.occurred_from,
                        c.place_text,
                        None if place is None else place.adm1,
                        c.event_type,
                        report.submitter_body_id,
                        c.source_name,
                    )
                )
        return found

    def export_batches(
        self, window: ExportWindow, scope: ReportScope, batch: int = 10_000
    ) -> Generator[Sequence[ExportRow], None, None]:
        chosen = sorted(
            (r for r in self._standing(scope) if _inside(r, window)),
            key=lambda r: (r.filed_at, r.id),
        )
        for first in range(0, len(chosen), batch):
            yield [
                tuple(_value(report, name) for name in STORED_COLUMNS)
                for report in chosen[first : first + batch]
            ]


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
