"""Use cases of the verification procedure (docs/procedure.md): taking steps, the
investigation, the right of reply, guarantor votes, the determination, its publication, and
the clock's enforcement of deadlines.

Every step passes the same choke point (`_open_case`): the incident must be readable by the
member under the need-to-know policy (else "not found", audited), and the agreement's
procedure must let the member's roles take the step with every gate open (else a
ProcedureError naming what is missing, audited too). Every change appends record entries in
the same unit of work; confidential parts (notes, findings, allegations, replies, an
unpublished determination) enter as commitments.

The use cases live in one module each, joined here into `ProcedureService`:
`procedure_case` (the choke point, moves, facts and counted votes), `procedure_investigation`,
`procedure_replies`, `procedure_votes`, `procedure_determinations` (with publication). This
module takes the plain steps, reads the decision panel and runs the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from truce.application.access_guard import (
    Decision,
    audit_decision,
)
from truce.application.decisions import DecisionService
from truce.application.member_keys import KeyPairs
from truce.application.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from truce.application.procedure_case import (
    MECHANISM_BODY,
    CaseDesk,
    Opened,
    VoteView,
    sees_incident,
)
from truce.application.procedure_determinations import (
    DeterminationDraft,
    Determinations,
    determination_resource,
)
from truce.application.procedure_investigation import Investigations
from truce.application.procedure_moves import case_of
from truce.application.procedure_replies import (
    Replies,
    RequestView,
    lapse_reply,
    readable_replies,
    reply_request_resource,
    reply_resource,
)
from truce.application.procedure_votes import QUEUE_LIMIT, Queue, QueueItem, Votes
from truce.domain.access import (
    ALLOW,
    ANONYMOUS,
    Action,
    Allow,
    Deny,
    Principal,
    ResourceKind,
    decide,
)
from truce.domain.agreements import Agreement
from truce.domain.errors import (
    FieldError,
    InvalidInputError,
    NotFoundError,
)
from truce.domain.incidents import Incident
from truce.domain.parties import Member
from truce.domain.procedure import (
    Facts,
    Finding,
    Step,
    blocked_steps,
    check_step,
    due_steps,
    next_steps,
    tally,
)
from truce.domain.procedure_records import (
    Assignment,
    Case,
    Determination,
    InvestigationReport,
    StepTaken,
)

PLAIN_STEPS = frozenset(
    {
        Step.TRIAGE,
        Step.DISMISS,
        Step.INVESTIGATE,
        Step.REFER_TO_COMMITTEE,
        Step.COMMITTEE_CLEARS,
        Step.OPEN_DELIBERATION,
        Step.RETURN_TO_INVESTIGATION,
        Step.PUBLISH,
    }
)


@dataclass(frozen=True, slots=True)
class ProcedureView:
    """An incident's procedure as one principal may see it. `full` is the mechanism's view
    (guarantors, mediators, staff); otherwise only what a publication made public."""

    incident: Incident
    agreement: Agreement
    case: Case
    full: bool
    steps: list[StepTaken]
    next_steps: list[Step]
    blocked: list[tuple[Step, str]]
    assignments: list[Assignment]
    investigation: list[InvestigationReport]
    requests: list[RequestView]
    votes: list[VoteView]
    preview: Finding | None
    determination: Determination | None
    facts: Facts


@dataclass(frozen=True, slots=True)
class ProcedureService(Investigations, Replies, Votes, Determinations):
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    decisions: DecisionService
    keys: KeyPairs

    def take_step(
        self,
        member: Member,
        incident_id: str,
        step: Step,
        *,
        note: str = "",
        accused_body_id: str | None = None,
        address: str | None = None,
    ) -> Case:
        """Take one of the plain steps; triage may name the accused party."""
        if step not in PLAIN_STEPS:
            raise InvalidInputError([FieldError("step", f"{step} is not taken this way")])
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            case = opened.case
            if step == Step.TRIAGE and accused_body_id:
                case = replace(case, accused_body_id=self._accused(opened, accused_body_id))
            case = self._step(uow, replace(opened, case=case), step, member, note, address)
            if step == Step.PUBLISH:
                self._publish(uow, case)
            uow.commit()
        return case

    def enforce_deadlines(self, limit: int = 500) -> list[StepTaken]:
        """Take the clock's steps on every case whose window has closed; the server's
        schedule calls it, and so can `truce procedure tick`. Safe to call at any time."""
        now = self.clock.now()
        taken: list[StepTaken] = []
        with self.uow() as uow:
            for case in uow.procedure.due(now, limit):
                taken.extend(self._lapse(uow, case, now))
            uow.commit()
        return taken

    tick = enforce_deadlines

    def view(
        self, principal: Principal, incident_id: str, address: str | None = None
    ) -> ProcedureView:
        """The decision panel. The mechanism (guarantors, mediators, staff) sees it whole;
        anyone else only a published determination with its votes, reply and history."""
        with self.uow() as uow:
            incident = uow.incidents.get(incident_id)
            found = None if incident is None else self._gather(uow, principal, incident)
            outcome: Allow | Deny = ALLOW if found else Deny("no such case or need-to-know")
            published = found is not None and not found.full
            if not published:
                entry = Decision(
                    principal, Action.READ, ResourceKind.INCIDENT, incident_id, outcome
                )
                audit_decision(uow, self.clock.now(), entry, address)
            uow.commit()
        if found is None:
            raise NotFoundError("incident")
        return found

    def _lapse(self, uow: UnitOfWork, case: Case, now: datetime) -> list[StepTaken]:
        agreement = uow.agreements.get(case.agreement_id, case.agreement_version)
        if agreement is None:
            return []
        taken = []
        for step in due_steps(agreement.procedure, case.stage, case.deadlines, now):
            facts = self._facts(uow, agreement, case)
            target = check_step(case.stage, step, facts, None)
            case = _LAPSES[step](uow, case, now)
            case = self._move(uow, agreement.procedure, case, step, target, None, "")
            taken.append(uow.procedure.steps(case.incident_id)[-1])
            incident = uow.incidents.get(case.incident_id)
            if step == Step.DELIBERATION_LAPSED and incident is not None:
                self._determine_by_clock(uow, Opened(ANONYMOUS, incident, agreement, case))
        return taken

    def _gather(
        self, uow: UnitOfWork, principal: Principal, incident: Incident
    ) -> ProcedureView | None:
        case = case_of(uow, incident)
        agreement = uow.agreements.get(case.agreement_id, case.agreement_version)
        if agreement is None:
            return None
        determination = uow.procedure.determination(incident.id)
        full = sees_incident(uow, principal, incident)
        public = determination is not None and bool(
            decide(principal, Action.READ, determination_resource(determination))
        )
        if not full and not public:
            return None
        facts = self._facts(uow, agreement, case)
        votes = self._votes(uow, agreement, case)
        roles = principal.effective_roles
        requests = [
            RequestView(r, readable_replies(uow, principal, r))
            for r in uow.procedure.reply_requests_of(incident.id)
            # A publication shows the request beside its reply, or its lapse.
            if full or public
        ]
        return ProcedureView(
            incident=incident,
            agreement=agreement,
            case=case,
            full=full,
            steps=_steps_as_seen(uow.procedure.steps(incident.id), full=full),
            next_steps=next_steps(case.stage, facts, roles) if full else [],
            blocked=blocked_steps(case.stage, facts, roles) if full else [],
            assignments=uow.procedure.assignments(incident.id) if full else [],
            investigation=uow.procedure.investigation_reports(incident.id) if full else [],
            requests=requests,
            votes=votes if full else [],
            preview=tally(agreement.procedure.decision_rule, facts.guarantors, facts.votes)
            if full and facts.votes
            else None,
            determination=determination,
            facts=facts,
        )


def _steps_as_seen(steps: list[StepTaken], *, full: bool) -> list[StepTaken]:
    """A step's note is the mechanism's (the record keeps it as a commitment): a
    publication shows the history without it."""
    return steps if full else [replace(step, note="") for step in steps]


def _clear_window(_uow: UnitOfWork, case: Case, _now: datetime) -> Case:
    """An overdue window is reported once; the stage's own steps continue."""
    cleared = replace(case.deadlines, investigation_due=None, deliberation_due=None)
    return replace(case, deadlines=cleared)


_LAPSES: Final[Mapping[Step, Callable[[UnitOfWork, Case, datetime], Case]]] = {
    Step.REPLY_LAPSED: lapse_reply,
    Step.INVESTIGATION_OVERDUE: _clear_window,
    Step.DELIBERATION_OVERDUE: _clear_window,
    Step.DELIBERATION_LAPSED: _clear_window,
}

# The public names of the procedure's use cases, as callers have always imported them.
__all__ = [
    "MECHANISM_BODY",
    "PLAIN_STEPS",
    "QUEUE_LIMIT",
    "CaseDesk",
    "DeterminationDraft",
    "ProcedureService",
    "ProcedureView",
    "Queue",
    "QueueItem",
    "RequestView",
    "VoteView",
    "determination_resource",
    "reply_request_resource",
    "reply_resource",
]
