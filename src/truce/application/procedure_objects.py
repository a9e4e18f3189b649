"""Incidents as objects of signed decisions: a guarantor's vote is a signed decision of kind
`vote` on one exact version of the incident's file (application/decisions.py).

The version is the case's revision, raised whenever the file the board votes on changes (an
investigation report, a reply, a reply window closing unanswered). Its hash covers that file:
the incident and its agreement version, the revision, the reports linked, the investigation
reports, the reply requests with their status and the replies. A vote on an older file shows
"on a superseded version" and is not counted (S8).
"""

from __future__ import annotations

from dataclasses import dataclass

from truce.application.decisions import ObjectVersion
from truce.application.incidents import incident_resource
from truce.application.ports import Canonical, JsonValue, UnitOfWork
from truce.application.procedure_moves import case_of
from truce.domain.access import Action
from truce.domain.decisions import DecisionKind, object_hash
from truce.domain.incidents import Incident
from truce.domain.procedure_records import Case

INCIDENT_OBJECT = "incident"


def vote_file(uow: UnitOfWork, incident: Incident, case: Case) -> dict[str, JsonValue]:
    """What a vote is about, as canonical JSON: the version hash covers exactly this."""
    requests = uow.procedure.reply_requests_of(incident.id)
    report_ids: list[JsonValue] = [*sorted(incident.report_ids)]
    investigated: list[JsonValue] = [r.id for r in uow.procedure.investigation_reports(incident.id)]
    asked: list[JsonValue] = [[r.id, r.status.value] for r in requests]
    replied: list[JsonValue] = [
        reply.id for r in requests for reply in uow.procedure.replies_to(r.id)
    ]
    return {
        "incident_id": incident.id,
        "agreement_id": case.agreement_id,
        "agreement_version": case.agreement_version,
        "revision": case.revision,
        "report_ids": report_ids,
        "investigation_report_ids": investigated,
        "reply_requests": asked,
        "reply_ids": replied,
    }


@dataclass(frozen=True, slots=True)
class IncidentObjects:
    """Guarantors vote on incidents; whoever may read an incident may acknowledge it."""

    canonical: Canonical
    kind: str = INCIDENT_OBJECT

    def version(self, uow: UnitOfWork, object_id: str, version: str | None) -> ObjectVersion | None:
        incident = uow.incidents.get(object_id)
        if incident is None:
            return None
        case = case_of(uow, incident)
        if version not in {None, str(case.revision)}:
            return None
        digest = object_hash(self.canonical(vote_file(uow, incident, case)))
        return ObjectVersion(
            self.kind, incident.id, str(case.revision), digest, incident_resource(incident.id)
        )

    def action(self, decision_kind: DecisionKind) -> Action | None:
        return {
            DecisionKind.VOTE: Action.VOTE,
            DecisionKind.ACKNOWLEDGEMENT: Action.READ,
        }.get(decision_kind)
