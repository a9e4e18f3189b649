"""The shared part of the procedure's use cases (docs/procedure.md): the choke point every
step passes (`CaseDesk._open_case`), the moves through the transition table with their record
entries, the facts the gates read, and the guarantors' votes as counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from truce.application.access_guard import (
    Decision,
    access_report,
    audit_decision,
    principal_of,
)
from truce.application.decisions import DecisionService, verified_status
from truce.application.incidents import incident_resource
from truce.application.member_keys import KeyPairs
from truce.application.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from truce.application.procedure_moves import (
    MECHANISM_BODY,
    append_entry,
    case_of,
    move_case,
    revised,
)
from truce.application.procedure_objects import INCIDENT_OBJECT
from truce.domain.access import (
    Action,
    Deny,
    Principal,
    Resource,
    ResourceKind,
    decide,
)
from truce.domain.agreements import Agreement
from truce.domain.decisions import (
    DecisionKind,
    DecisionStatus,
    StoredDecision,
    latest_revisions,
)
from truce.domain.errors import (
    AccessDeniedError,
    NotFoundError,
    ProcedureError,
)
from truce.domain.incidents import Incident
from truce.domain.parties import Member
from truce.domain.procedure import (
    Facts,
    Procedure,
    Stage,
    Step,
    VoteValue,
    check_step,
)
from truce.domain.procedure_records import (
    Case,
    ReplyStatus,
)


@dataclass(frozen=True, slots=True)
class VoteView:
    """One guarantor's signed vote with its verification status."""

    body_id: str
    member_id: str
    value: VoteValue
    reasons: str
    payload_hash: str
    object_version: str
    status: DecisionStatus
    received_at: datetime
    counted: bool


@dataclass(frozen=True, slots=True)
class Opened:
    """A case opened for a step, after the choke point."""

    principal: Principal
    incident: Incident
    agreement: Agreement
    case: Case


class CaseDesk:
    """What every part of the procedure's use cases shares: the choke point that opens a
    case, the moves of the transition table, the facts its gates read (the counted votes
    among them), and refusals that leave their audit entry."""

    __slots__ = ()
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    decisions: DecisionService
    keys: KeyPairs

    def _open_case(
        self, uow: UnitOfWork, member: Member, incident_id: str, address: str | None
    ) -> Opened:
        """The choke point: the incident, readable by the member, with its agreement."""
        principal = principal_of(uow, member)
        incident = uow.incidents.get(incident_id)
        agreement = None if incident is None else uow.agreements.get(incident.agreement_id)
        readable = incident is not None and sees_incident(uow, principal, incident)
        if incident is None or agreement is None or not readable:
            self._refuse(
                uow,
                principal,
                ResourceKind.INCIDENT,
                incident_id,
                address,
                "no such incident or need-to-know",
            )
            raise NotFoundError("incident")
        case = case_of(uow, incident)
        agreement = uow.agreements.get(case.agreement_id, case.agreement_version) or agreement
        return Opened(principal, incident, agreement, case)

    def _step(
        self,
        uow: UnitOfWork,
        opened: Opened,
        step: Step,
        member: Member,
        note: str,
        address: str | None,
    ) -> Case:
        facts = self._facts(uow, opened.agreement, opened.case)
        try:
            target = check_step(opened.case.stage, step, facts, opened.principal.effective_roles)
        except ProcedureError as error:
            self._refuse(
                uow,
                opened.principal,
                ResourceKind.INCIDENT,
                opened.incident.id,
                address,
                f"{step} refused: {error}",
            )
            raise
        return self._move(
            uow, opened.agreement.procedure, opened.case, step, target, member.id, note
        )

    def _move(
        self,
        uow: UnitOfWork,
        procedure: Procedure,
        case: Case,
        step: Step,
        target: Stage,
        by: str | None,
        note: str,
    ) -> Case:
        now = self.clock.now()
        return move_case(uow, procedure, case, step, target, by=by, note=note, now=now)

    def _facts(self, uow: UnitOfWork, agreement: Agreement, case: Case) -> Facts:
        requests = uow.procedure.reply_requests_of(case.incident_id)
        return Facts(
            procedure=agreement.procedure,
            guarantors=len(agreement.guarantor_ids),
            investigation_reports=len(uow.procedure.investigation_reports(case.incident_id)),
            accused_body_id=case.accused_body_id,
            reply_received=any(r.status == ReplyStatus.ANSWERED for r in requests),
            reply_lapsed=case.reply_lapsed,
            votes={v.body_id: v.value for v in self._votes(uow, agreement, case) if v.counted},
            determination_recorded=uow.procedure.determination(case.incident_id) is not None,
        )

    def _votes(self, uow: UnitOfWork, agreement: Agreement, case: Case) -> list[VoteView]:
        """Every vote on the incident with its status; per guarantor body, the latest valid
        vote on the current file counts (S10: one payload is one stored decision)."""
        stored = [
            s
            for s in uow.signed_decisions.about(INCIDENT_OBJECT, case.incident_id)
            if s.decision.kind == DecisionKind.VOTE
        ]
        incident = uow.incidents.get(case.incident_id)
        current = None
        if incident is not None:
            found = self.decisions.objects[INCIDENT_OBJECT].version(uow, incident.id, None)
            current = None if found is None else found.version_hash
        latest = latest_revisions(stored)
        views = [self._vote_view(uow, s, latest, current) for s in stored]
        counted: dict[str, VoteView] = {}
        for view in sorted(views, key=lambda v: v.received_at):
            if view.status == DecisionStatus.VALID and view.body_id in agreement.guarantor_ids:
                counted[view.body_id] = view
        chosen = {id(v) for v in counted.values()}
        return [replace(v, counted=id(v) in chosen) for v in views]

    def _vote_view(
        self,
        uow: UnitOfWork,
        stored: StoredDecision,
        latest: dict[tuple[str, ...], int],
        current_hash: str | None,
    ) -> VoteView:
        key = uow.member_keys.get(stored.decision.key_id)
        status = verified_status(self.keys, stored, key, latest, current_hash)
        d = stored.decision
        return VoteView(
            stored.body_id,
            d.member_id,
            VoteValue(d.value),
            d.reasons,
            stored.payload_hash,
            d.object_version,
            status,
            stored.received_at,
            counted=False,
        )

    def _require(
        self, uow: UnitOfWork, principal: Principal, action: Action, resource: Resource
    ) -> None:
        verdict = decide(principal, action, resource)
        if isinstance(verdict, Deny):
            entry = Decision(principal, action, resource.kind, resource.id, verdict)
            audit_decision(uow, self.clock.now(), entry, None)
            uow.commit()
            raise AccessDeniedError(verdict.reason)

    def _refuse(
        self,
        uow: UnitOfWork,
        principal: Principal,
        kind: ResourceKind,
        resource_id: str,
        address: str | None,
        reason: str,
    ) -> None:
        """Every refusal leaves one audit entry (S12), kept although the request fails."""
        entry = Decision(principal, Action.EDIT, kind, resource_id, Deny(reason))
        audit_decision(uow, self.clock.now(), entry, address)
        uow.commit()


def sees_incident(uow: UnitOfWork, principal: Principal, incident: Incident) -> bool:
    """As IncidentService shows incidents: the policy lets the principal read incidents, and
    it may read at least one of the reports, so no case reveals a report it may not see."""
    if not decide(principal, Action.READ, incident_resource(incident.id)):
        return False
    for report_id in incident.report_ids:
        try:
            access_report(principal, uow.reports.get(report_id))
        except NotFoundError:
            continue
        return True
    return False


__all__ = [
    "MECHANISM_BODY",
    "CaseDesk",
    "Opened",
    "VoteView",
    "append_entry",
    "case_of",
    "revised",
    "sees_incident",
]
