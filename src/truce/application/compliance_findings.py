"""The findings of a compliance report (issue 10): what the board determined about the
period's incidents, as one edition's reader may know it.

Read through the ports and the policy only:

- the incidents and their reports come from `uow.compliance.case_report_rows`, filtered by
  the reader's `ReportScope` (derived from the policy; on PostgreSQL the row-level policies
  filter the same reports again), so an incident is placed by the reports the reader may
  list and nothing else;
- each determination is read with `uow.procedure.determination` and shown only where
  `decide(reader, READ, ...)` allows it: the public edition (an anonymous reader) gets
  published determinations only, a party's edition what the ladder lets it read;
- coverage gaps come from the investigation reports, shown only to a reader the policy lets
  read incidents (the mechanism's material).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby

from truce.application.incidents import incident_resource
from truce.application.ports import CaseReportRow, ReportScope, UnitOfWork
from truce.domain.access import Action, Principal, Resource, ResourceKind, decide
from truce.domain.compliance import Period, day_window
from truce.domain.compliance_findings import (
    DeterminedIncident,
    Findings,
    IncidentReport,
    findings_of,
    placed,
)
from truce.domain.confidentiality import Confidentiality
from truce.domain.parties import Body, BodyKind
from truce.domain.procedure_records import CoverageGap, Determination

# The mechanism's own body, which owns determinations until they are published.
MECHANISM_BODY = "mechanism"


@dataclass(frozen=True, slots=True)
class ReadFindings:
    findings: Findings
    # Determinations shown that are not public yet: what a restricted edition's audit entry
    # names.
    unpublished: Sequence[str]


def determination_resource(determination: Determination) -> Resource:
    """A determination as the policy sees it: the mechanism's until published. (The same
    resource the procedure's decision panel asks about.)"""
    return Resource(
        ResourceKind.DETERMINATION,
        determination.id,
        owner_body_id=MECHANISM_BODY,
        confidentiality=determination.confidentiality,
    )


def read_findings(
    uow: UnitOfWork,
    period: Period,
    reader: Principal,
    scope: ReportScope,
    bodies: Mapping[str, Body],
) -> ReadFindings:
    start, end = day_window(period.start)[0], day_window(period.end)[1]
    rows = uow.compliance.case_report_rows(start, end, scope)
    # Incidents are the mechanism's material: the policy's answer for one is its answer for
    # all, so it is asked once.
    sees_investigations = bool(decide(reader, Action.READ, incident_resource("probe")))
    incidents: list[DeterminedIncident] = []
    guarantors: list[str] = []
    for incident_id, group in _by_incident(rows):
        reports = [_report(row, bodies) for row in group]
        determination = _readable(uow, reader, incident_id)
        gaps = _gaps(uow, incident_id) if sees_investigations else ()
        incidents.append(placed(incident_id, reports, determination, gaps))
        if determination is not None:
            _add_guarantors(uow, determination, guarantors)
    unpublished = [
        i.determination.id
        for i in incidents
        if i.determination is not None
        and i.determination.confidentiality is not Confidentiality.PUBLIC
    ]
    return ReadFindings(
        findings_of(incidents, guarantors, gaps_readable=sees_investigations), unpublished
    )


def _by_incident(rows: Sequence[CaseReportRow]) -> Iterator[tuple[str, Iterator[CaseReportRow]]]:
    return groupby(rows, key=lambda row: row[0])


def _report(row: CaseReportRow, bodies: Mapping[str, Body]) -> IncidentReport:
    _, occurred_from, place, adm1, event_type, body_id, source = row
    return IncidentReport(occurred_from, place, adm1, event_type, side_of(body_id, source, bodies))


def side_of(body_id: str | None, source_name: str, bodies: Mapping[str, Body]) -> str:
    """Who reported: the filing body when a party, guarantor or mediation filed it; for
    the mechanism's own intake (datasets, bulletins), the source it names."""
    body = bodies.get(body_id or "")
    if body is None or body.kind is BodyKind.MECHANISM:
        return source_name
    return body.id


def _readable(uow: UnitOfWork, reader: Principal, incident_id: str) -> Determination | None:
    determination = uow.procedure.determination(incident_id)
    if determination is None:
        return None
    if not decide(reader, Action.READ, determination_resource(determination)):
        return None
    return determination


def _gaps(uow: UnitOfWork, incident_id: str) -> list[CoverageGap]:
    return [
        gap for report in uow.procedure.investigation_reports(incident_id) for gap in report.gaps
    ]


def _add_guarantors(uow: UnitOfWork, determination: Determination, found: list[str]) -> None:
    agreement = uow.agreements.get(determination.agreement_id, determination.agreement_version)
    if agreement is not None:
        found.extend(g for g in agreement.guarantor_ids if g not in found)
