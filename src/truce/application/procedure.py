"""Use cases of the verification procedure (docs/procedure.md): taking steps, the
investigation, the right of reply, guarantor votes, the determination, its publication, and
the clock's enforcement of deadlines.

Every step passes the same choke point (`_open_case`): the incident must be readable by the
member under the need-to-know policy (else "not found", audited), and the agreement's
procedure must let the member's roles take the step with every gate open (else a
ProcedureError naming what is missing, audited too). Every change appends record entries in
the same unit of work; confidential parts (notes, findings, allegations, replies, an
unpublished determination) enter as commitments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from truce.application.access_guard import (
    Decision,
    access_report,
    audit_decision,
    principal_of,
    report_scope,
)
from truce.application.decisions import DecisionDraft, DecisionService, Submitted
from truce.application.incidents import incident_resource
from truce.application.member_keys import KeyPairs
from truce.application.ports import Clock, IdFactory, JsonValue, UnitOfWork, UnitOfWorkFactory
from truce.application.procedure_objects import INCIDENT_OBJECT, case_of
from truce.domain.access import (
    ALLOW,
    ANONYMOUS,
    Action,
    Allow,
    Deny,
    Principal,
    Resource,
    ResourceKind,
    decide,
)
from truce.domain.agreements import Agreement
from truce.domain.confidentiality import Confidentiality
from truce.domain.decisions import (
    DecisionKind,
    DecisionStatus,
    StoredDecision,
    latest_revisions,
    status_of,
)
from truce.domain.errors import (
    AccessDeniedError,
    FieldError,
    InvalidInputError,
    NotFoundError,
    ProcedureError,
)
from truce.domain.incidents import Incident
from truce.domain.parties import BodyKind, Member, Role
from truce.domain.procedure import (
    INVESTIGATORS,
    Deadlines,
    Facts,
    Finding,
    GuarantorCount,
    Procedure,
    Stage,
    Step,
    VoteValue,
    blocked_steps,
    check_step,
    counts_by_guarantor,
    due_steps,
    next_steps,
    tally,
)
from truce.domain.procedure_records import (
    Assignment,
    Case,
    CountedVote,
    Coverage,
    CoverageGap,
    Determination,
    InvestigationReport,
    Observed,
    Reply,
    ReplyRequest,
    ReplyStatus,
    Severity,
    StepTaken,
    check_investigation_report,
    check_text,
)

MECHANISM_BODY = "mechanism"
QUEUE_LIMIT = 200
# Steps a member takes through `take_step`; the others have their own use case.
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


def reply_request_resource(request: ReplyRequest) -> Resource:
    return Resource(
        ResourceKind.REPLY_REQUEST,
        request.id,
        owner_body_id=MECHANISM_BODY,
        confidentiality=Confidentiality.MECHANISM,
        accused_body_id=request.accused_body_id,
    )


def reply_resource(reply: Reply) -> Resource:
    return Resource(
        ResourceKind.REPLY,
        reply.id,
        owner_body_id=reply.body_id,
        author_member_id=reply.member_id,
        confidentiality=reply.confidentiality,
    )


def determination_resource(determination: Determination) -> Resource:
    return Resource(
        ResourceKind.DETERMINATION,
        determination.id,
        owner_body_id=MECHANISM_BODY,
        confidentiality=determination.confidentiality,
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
class RequestView:
    request: ReplyRequest
    replies: list[Reply]


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
class QueueItem:
    case: Case
    voted: VoteValue | None
    votes_cast: int


@dataclass(frozen=True, slots=True)
class Queue:
    items: list[QueueItem]
    counts: list[GuarantorCount]


@dataclass(frozen=True, slots=True)
class DeterminationDraft:
    """What the analyst states; the finding itself follows from the votes and the rule."""

    attributed_party_id: str | None = None
    attributed_actor_id: str | None = None
    clause_ids: tuple[str, ...] = ()
    severity: Severity | None = None
    evidence_report_ids: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True, slots=True)
class _Open:
    """A case opened for a step, after the choke point."""

    principal: Principal
    incident: Incident
    agreement: Agreement
    case: Case


@dataclass(frozen=True, slots=True)
class ProcedureService:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    decisions: DecisionService
    keys: KeyPairs

    # --- steps --------------------------------------------------------------------------

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

    def request_reply(
        self, member: Member, incident_id: str, allegation: str, address: str | None = None
    ) -> ReplyRequest:
        """Ask the accused party for its answer within the agreement's reply window. The
        request lists only the incident's reports the accused may read."""
        check_text("allegation", allegation)
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            accused = opened.case.accused_body_id
            case = self._step(uow, opened, Step.REQUEST_REPLY, member, "", address)
            assert accused is not None  # noqa: S101 - the gate "accused named" held
            now = self.clock.now()
            request = ReplyRequest(
                id=self.ids.new_id(),
                incident_id=incident_id,
                accused_body_id=accused,
                requested_at=now,
                due_at=now + opened.agreement.procedure.reply_window,
                allegation=allegation,
                shared_report_ids=_shared_with(uow, opened.incident, accused),
            )
            self._require(uow, opened.principal, Action.CREATE, reply_request_resource(request))
            uow.procedure.add_reply_request(request)
            deadlines = replace(case.deadlines, reply_due=request.due_at)
            uow.procedure.save_case(replace(case, deadlines=deadlines))
            _append(
                uow,
                "procedure.reply_requested",
                incident_id,
                now,
                {
                    "request_id": request.id,
                    "accused_body_id": accused,
                    "due_at": request.due_at.isoformat(),
                },
                {"allegation": allegation, "shared_report_ids": list(request.shared_report_ids)},
            )
            uow.commit()
        return request

    # --- the investigation ------------------------------------------------------------------

    def assign_monitor(
        self, member: Member, incident_id: str, monitor_id: str, address: str | None = None
    ) -> Assignment:
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            self._investigating(uow, opened, member, address)
            monitor = uow.members.get(monitor_id)
            if monitor is None or not monitor.roles & INVESTIGATORS or not monitor.active:
                raise InvalidInputError([FieldError("monitor", "is not an active monitor")])
            assignment = Assignment(incident_id, monitor.id, self.clock.now(), member.id)
            uow.procedure.assign(assignment)
            _append(
                uow,
                "procedure.monitor_assigned",
                incident_id,
                assignment.assigned_at,
                {"member_id": monitor.id, "by": member.id},
            )
            uow.commit()
        return assignment

    def file_investigation_report(
        self,
        member: Member,
        incident_id: str,
        *,
        observed: str,
        coverage: str,
        findings: str,
        gaps: Sequence[CoverageGap] = (),
        address: str | None = None,
    ) -> InvestigationReport:
        """The monitors' findings with what they could not observe; raises the file's
        revision, so votes on the file before it no longer count."""
        report = _parse_investigation(
            self.ids.new_id(),
            incident_id,
            member.id,
            self.clock.now(),
            observed,
            coverage,
            findings,
            gaps,
        )
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            self._investigating(uow, opened, member, address)
            uow.procedure.add_investigation_report(report)
            uow.procedure.save_case(_revised(opened.case, report.filed_at))
            _append(
                uow,
                "procedure.investigation_reported",
                incident_id,
                report.filed_at,
                {
                    "report_id": report.id,
                    "by": member.id,
                    "coverage": report.coverage.value,
                    "gaps": [gap.kind.value for gap in report.gaps],
                },
                {
                    "observed": report.observed.value,
                    "findings": report.findings,
                    "gaps": [[g.kind.value, g.area, g.note] for g in report.gaps],
                },
            )
            uow.commit()
        return report

    # --- the right of reply -----------------------------------------------------------------

    def inbox(self, member: Member, address: str | None = None) -> list[RequestView]:
        """The reply requests addressed to the member's body, with their replies."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            if principal.body_kind not in {BodyKind.PARTY, BodyKind.GUARANTOR}:
                return []
            requests = uow.procedure.reply_requests_to(
                member.body_id, report_scope(principal, Action.READ)
            )
            views = [
                RequestView(r, _readable_replies(uow, principal, r))
                for r in requests
                if decide(principal, Action.READ, reply_request_resource(r))
            ]
            if views:
                named = ", ".join(v.request.id for v in views[:20])
                entry = Decision(
                    principal,
                    Action.LIST,
                    ResourceKind.REPLY_REQUEST,
                    None,
                    ALLOW,
                    f"listed {len(views)} reply requests: {named}",
                )
                audit_decision(uow, self.clock.now(), entry, address)
                uow.commit()
        return views

    def reply_request(
        self, member: Member, request_id: str, address: str | None = None
    ) -> RequestView:
        """One request as its reader sees it; "not found" alike when missing or refused."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            request = self._readable_request(uow, principal, request_id, address)
            uow.commit()
            return RequestView(request, _readable_replies(uow, principal, request))

    def reply(
        self, member: Member, request_id: str, text: str, address: str | None = None
    ) -> Reply:
        """The accused party's answer, within the window; it raises the file's revision."""
        check_text("text", text)
        with self.uow() as uow:
            principal = principal_of(uow, member)
            request = self._readable_request(uow, principal, request_id, address)
            self._require(uow, principal, Action.REPLY, reply_request_resource(request))
            now = self.clock.now()
            if request.status != ReplyStatus.OPEN or now > request.due_at:
                self._refuse(
                    uow,
                    principal,
                    ResourceKind.REPLY_REQUEST,
                    request.id,
                    address,
                    f"reply refused: request {request.status}, due {request.due_at}",
                )
                raise ProcedureError(
                    f"the reply window closed at {request.due_at.isoformat()}"
                    if now > request.due_at
                    else f"this request is {request.status}"
                )
            reply = Reply(
                self.ids.new_id(),
                request.id,
                request.incident_id,
                member.body_id,
                member.id,
                now,
                text,
            )
            self._require(uow, principal, Action.CREATE, reply_resource(reply))
            uow.procedure.add_reply(reply)
            settled = replace(request, status=ReplyStatus.ANSWERED, settled_at=now)
            uow.procedure.save_reply_request(settled)
            case = uow.procedure.case(request.incident_id)
            if case is not None:
                deadlines = replace(case.deadlines, reply_due=None)
                uow.procedure.save_case(replace(_revised(case, now), deadlines=deadlines))
            _append(
                uow,
                "procedure.reply_filed",
                request.incident_id,
                now,
                {"request_id": request.id, "reply_id": reply.id, "body_id": member.body_id},
                {"text": text},
                owner_body_id=member.body_id,
            )
            uow.commit()
        return reply

    # --- votes ------------------------------------------------------------------------------

    def cast_vote(
        self,
        member: Member,
        password: str,
        incident_id: str,
        value: VoteValue,
        reasons: str,
        *,
        address: str,
        totp_code: str | None = None,
    ) -> Submitted:
        """A guarantor's vote, signed with its server-held key once it re-authenticated: a
        signed decision of kind vote on the current revision of the incident's file."""
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            if opened.case.stage != Stage.UNDER_DELIBERATION:
                self._refuse(
                    uow,
                    opened.principal,
                    ResourceKind.INCIDENT,
                    incident_id,
                    address,
                    f"vote refused: case {opened.case.stage}",
                )
                raise ProcedureError("votes are cast while the case is under deliberation")
            if member.body_id not in opened.agreement.guarantor_ids:
                self._refuse(
                    uow,
                    opened.principal,
                    ResourceKind.INCIDENT,
                    incident_id,
                    address,
                    "vote refused: not a guarantor of the agreement",
                )
                raise AccessDeniedError("only the agreement's guarantors vote")
            revision = str(opened.case.revision)
        draft = DecisionDraft(
            DecisionKind.VOTE, INCIDENT_OBJECT, incident_id, value.value, reasons, revision
        )
        return self.decisions.sign_for_member(
            member, password, draft, address=address, totp_code=totp_code
        )

    # --- the determination -------------------------------------------------------------------

    def determine(
        self,
        member: Member,
        incident_id: str,
        draft: DeterminationDraft,
        address: str | None = None,
    ) -> Determination:
        """Record the board's finding: it follows from the counted votes under the agreement's
        rule; the analyst states attribution, clauses, severity and evidence."""
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            _check_draft(uow, opened, draft)
            case = self._step(uow, opened, Step.DETERMINE, member, "", address)
            determination = self._determination(uow, opened, draft, member.id)
            uow.procedure.save_determination(determination)
            uow.procedure.save_case(replace(case, deadlines=Deadlines()))
            _record_determination(uow, determination)
            uow.commit()
        return determination

    # --- the clock ------------------------------------------------------------------------

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

    # --- reading ----------------------------------------------------------------------------

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

    def queue(self, member: Member, address: str | None = None) -> Queue:
        """A guarantor's deliberation queue: cases under deliberation on agreements it
        guarantees, whether it has voted on the current file; and each guarantor's own counts
        over the determinations so far."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            if principal.body_kind not in {
                BodyKind.GUARANTOR,
                BodyKind.MECHANISM,
                BodyKind.MEDIATION,
            }:
                return Queue([], [])
            cases = uow.procedure.cases(
                {Stage.UNDER_DELIBERATION, Stage.COMMITTEE_REVIEW}, QUEUE_LIMIT
            )
            items = [
                item
                for case in cases
                if (incident := uow.incidents.get(case.incident_id)) is not None
                and _sees_incident(uow, principal, incident)
                and (item := self._queue_item(uow, case, member.body_id)) is not None
            ]
            done = uow.procedure.determinations(QUEUE_LIMIT, published_only=False)
            guarantors = _guarantors(uow, done)
            counts = counts_by_guarantor(
                guarantors, ({v.body_id: v.value for v in d.votes} for d in done)
            )
            if items:
                entry = Decision(
                    principal,
                    Action.LIST,
                    ResourceKind.INCIDENT,
                    None,
                    ALLOW,
                    f"deliberation queue: {len(items)} cases",
                )
                audit_decision(uow, self.clock.now(), entry, address)
                uow.commit()
        return Queue(items, counts)

    def published(self, limit: int = 50) -> list[Determination]:
        with self.uow() as uow:
            return uow.procedure.determinations(limit, published_only=True)

    # --- inside -------------------------------------------------------------------------------

    def _open_case(
        self, uow: UnitOfWork, member: Member, incident_id: str, address: str | None
    ) -> _Open:
        """The choke point: the incident, readable by the member, with its agreement."""
        principal = principal_of(uow, member)
        incident = uow.incidents.get(incident_id)
        agreement = None if incident is None else uow.agreements.get(incident.agreement_id)
        readable = incident is not None and _sees_incident(uow, principal, incident)
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
        return _Open(principal, incident, agreement, case)

    def _step(
        self,
        uow: UnitOfWork,
        opened: _Open,
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
        moved = replace(case.moved(target, now), deadlines=_windows(procedure, case, target, now))
        seq = len(uow.procedure.steps(case.incident_id)) + 1
        taken = StepTaken(case.incident_id, seq, step, case.stage, target, now, by, note)
        uow.procedure.save_case(moved)
        uow.procedure.add_step(taken)
        _append(
            uow,
            "procedure.step",
            case.incident_id,
            now,
            {
                "seq": seq,
                "step": step.value,
                "from": case.stage.value,
                "to": target.value,
                "by": by,
                "revision": moved.revision,
            },
            {"note": note} if note else None,
        )
        return moved

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
        holds = key is not None and self.keys.verify(
            key.public_key, stored.payload, stored.signature
        )
        status = status_of(
            stored,
            key,
            signature_holds=holds,
            latest_revision=latest[stored.decision.slot],
            current_object_hash=current_hash,
        )
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

    def _determination(
        self,
        uow: UnitOfWork,
        opened: _Open,
        draft: DeterminationDraft,
        by: str | None,
    ) -> Determination:
        agreement, case = opened.agreement, opened.case
        votes = [v for v in self._votes(uow, agreement, case) if v.counted]
        finding = tally(
            agreement.procedure.decision_rule,
            len(agreement.guarantor_ids),
            {v.body_id: v.value for v in votes},
        )
        excluded = draft.attributed_actor_id in agreement.excluded_actor_ids
        return Determination(
            id=self.ids.new_id(),
            incident_id=case.incident_id,
            agreement_id=agreement.id,
            agreement_version=agreement.version,
            finding=finding,
            decided_at=self.clock.now(),
            decided_by=by,
            decision_rule=agreement.procedure.decision_rule.value,
            attributed_party_id=draft.attributed_party_id,
            attributed_actor_id=draft.attributed_actor_id,
            clause_ids=draft.clause_ids,
            severity=draft.severity,
            excluded_actor_id=draft.attributed_actor_id if excluded else None,
            evidence_report_ids=draft.evidence_report_ids,
            votes=tuple(
                CountedVote(
                    v.body_id, v.member_id, v.value, v.reasons, v.payload_hash, v.received_at
                )
                for v in votes
            ),
            summary=draft.summary,
            revision=case.revision,
        )

    def _publish(self, uow: UnitOfWork, case: Case) -> None:
        """Publication, the one way material goes down the ladder (S11): the determination
        with its votes and dissent, and the replies of the accused."""
        determination = uow.procedure.determination(case.incident_id)
        assert determination is not None  # noqa: S101 - the gate "determination recorded" held
        public = determination.published(self.clock.now())
        uow.procedure.save_determination(public)
        uow.procedure.publish_replies(case.incident_id)
        _append(
            uow,
            "procedure.published",
            case.incident_id,
            self.clock.now(),
            _public_determination(public),
        )

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
                self._determine_by_clock(uow, _Open(ANONYMOUS, incident, agreement, case))
        return taken

    def _determine_by_clock(self, uow: UnitOfWork, opened: _Open) -> None:
        """The window closed: the votes cast so far are the board's, under its rule."""
        draft = DeterminationDraft(
            summary="The deliberation window closed before the board determined the case."
        )
        determination = self._determination(uow, opened, draft, None)
        uow.procedure.save_determination(determination)
        _record_determination(uow, determination)

    def _investigating(
        self, uow: UnitOfWork, opened: _Open, member: Member, address: str | None
    ) -> None:
        roles = opened.principal.effective_roles
        if opened.case.stage != Stage.UNDER_INVESTIGATION or not roles & INVESTIGATORS:
            self._refuse(
                uow,
                opened.principal,
                ResourceKind.INCIDENT,
                opened.incident.id,
                address,
                f"investigation refused to {member.id} at {opened.case.stage}",
            )
            raise ProcedureError(
                "investigation work is done by monitors and analysts while "
                "the case is under investigation"
            )

    def _accused(self, opened: _Open, body_id: str) -> str:
        if body_id not in opened.agreement.party_ids:
            raise InvalidInputError([FieldError("accused", "must be a party to the agreement")])
        return body_id

    def _readable_request(
        self, uow: UnitOfWork, principal: Principal, request_id: str, address: str | None
    ) -> ReplyRequest:
        request = uow.procedure.reply_request(request_id)
        outcome: Allow | Deny = (
            Deny("no such reply request")
            if request is None
            else decide(principal, Action.READ, reply_request_resource(request))
        )
        entry = Decision(principal, Action.READ, ResourceKind.REPLY_REQUEST, request_id, outcome)
        audit_decision(uow, self.clock.now(), entry, address)
        if request is None or not outcome:
            uow.commit()
            raise NotFoundError("reply request")
        return request

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

    def _gather(
        self, uow: UnitOfWork, principal: Principal, incident: Incident
    ) -> ProcedureView | None:
        case = case_of(uow, incident)
        agreement = uow.agreements.get(case.agreement_id, case.agreement_version)
        if agreement is None:
            return None
        determination = uow.procedure.determination(incident.id)
        full = _sees_incident(uow, principal, incident)
        public = determination is not None and bool(
            decide(principal, Action.READ, determination_resource(determination))
        )
        if not full and not public:
            return None
        facts = self._facts(uow, agreement, case)
        votes = self._votes(uow, agreement, case)
        roles = principal.effective_roles
        requests = [
            RequestView(r, _readable_replies(uow, principal, r))
            for r in uow.procedure.reply_requests_of(incident.id)
            # A publication shows the request beside its reply, or its lapse.
            if full or public
        ]
        return ProcedureView(
            incident=incident,
            agreement=agreement,
            case=case,
            full=full,
            steps=uow.procedure.steps(incident.id),
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

    def _queue_item(self, uow: UnitOfWork, case: Case, body_id: str) -> QueueItem | None:
        agreement = uow.agreements.get(case.agreement_id, case.agreement_version)
        if agreement is None:
            return None
        votes = [v for v in self._votes(uow, agreement, case) if v.counted]
        mine = next((v.value for v in votes if v.body_id == body_id), None)
        return QueueItem(case, mine, len(votes))


def _lapse_reply(uow: UnitOfWork, case: Case, now: datetime) -> Case:
    """No reply by the deadline: recorded as such on each open request, and the file's
    revision raised (the board votes knowing no reply came)."""
    for request in uow.procedure.reply_requests_of(case.incident_id):
        if request.status == ReplyStatus.OPEN and request.due_at <= now:
            uow.procedure.save_reply_request(
                replace(request, status=ReplyStatus.LAPSED, settled_at=now)
            )
            _append(
                uow,
                "procedure.reply_lapsed",
                case.incident_id,
                now,
                {
                    "request_id": request.id,
                    "accused_body_id": request.accused_body_id,
                    "due_at": request.due_at.isoformat(),
                },
            )
    lapsed = replace(case, reply_lapsed=True)
    return replace(_revised(lapsed, now), deadlines=replace(case.deadlines, reply_due=None))


def _clear_window(_uow: UnitOfWork, case: Case, _now: datetime) -> Case:
    """An overdue window is reported once; the stage's own steps continue."""
    cleared = replace(case.deadlines, investigation_due=None, deliberation_due=None)
    return replace(case, deadlines=cleared)


_LAPSES: Final[Mapping[Step, Callable[[UnitOfWork, Case, datetime], Case]]] = {
    Step.REPLY_LAPSED: _lapse_reply,
    Step.INVESTIGATION_OVERDUE: _clear_window,
    Step.DELIBERATION_OVERDUE: _clear_window,
    Step.DELIBERATION_LAPSED: _clear_window,
}


def _sees_incident(uow: UnitOfWork, principal: Principal, incident: Incident) -> bool:
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


def _windows(procedure: Procedure, case: Case, target: Stage, now: datetime) -> Deadlines:
    """The windows that start on entering a stage; leaving a stage ends its window."""
    d = case.deadlines
    if target == case.stage:
        return d
    return Deadlines(
        investigation_due=now + procedure.investigation_window
        if target == Stage.UNDER_INVESTIGATION
        else None,
        reply_due=d.reply_due if target == Stage.REPLY_REQUESTED else None,
        deliberation_due=now + procedure.deliberation_window
        if target == Stage.UNDER_DELIBERATION
        else None,
    )


def _revised(case: Case, at: datetime) -> Case:
    return replace(case, revision=case.revision + 1, updated_at=at)


def _shared_with(uow: UnitOfWork, incident: Incident, accused: str) -> tuple[str, ...]:
    """The incident's reports the accused party may read: its own and published ones."""
    probe = Principal("accused-probe", accused, BodyKind.PARTY, frozenset({Role.PARTY_LIAISON}))
    shared = []
    for report_id in incident.report_ids:
        try:
            access_report(probe, uow.reports.get(report_id))
        except NotFoundError:
            continue
        shared.append(report_id)
    return tuple(shared)


def _readable_replies(uow: UnitOfWork, principal: Principal, request: ReplyRequest) -> list[Reply]:
    return [
        reply
        for reply in uow.procedure.replies_to(request.id)
        if decide(principal, Action.READ, reply_resource(reply))
    ]


def _parse_investigation(
    report_id: str,
    incident_id: str,
    member_id: str,
    at: datetime,
    observed: str,
    coverage: str,
    findings: str,
    gaps: Sequence[CoverageGap],
) -> InvestigationReport:
    errors = []
    if observed not in {o.value for o in Observed}:
        errors.append(FieldError("observed", f"must be one of {', '.join(Observed)}"))
    if coverage not in {c.value for c in Coverage}:
        errors.append(FieldError("coverage", f"must be one of {', '.join(Coverage)}"))
    if errors:
        raise InvalidInputError(errors)
    report = InvestigationReport(
        report_id,
        incident_id,
        member_id,
        at,
        Observed(observed),
        Coverage(coverage),
        findings,
        tuple(gaps),
    )
    check_investigation_report(report)
    return report


def _check_draft(uow: UnitOfWork, opened: _Open, draft: DeterminationDraft) -> None:
    agreement = opened.agreement
    errors = []
    if draft.attributed_party_id and draft.attributed_party_id not in agreement.party_ids:
        errors.append(FieldError("attributed_party", "must be a party to the agreement"))
    if draft.attributed_actor_id and uow.actors.get(draft.attributed_actor_id) is None:
        errors.append(FieldError("attributed_actor", "is not a known actor"))
    unknown = [c for c in draft.clause_ids if agreement.clause(c) is None]
    if unknown:
        errors.append(FieldError("clauses", f"not clauses of the agreement: {', '.join(unknown)}"))
    foreign = set(draft.evidence_report_ids) - set(opened.incident.report_ids)
    if foreign:
        errors.append(FieldError("evidence", "must be reports of this incident"))
    if len(draft.summary) > 8000:  # noqa: PLR2004 - as every free text of the procedure
        errors.append(FieldError("summary", "must be at most 8000 characters"))
    if errors:
        raise InvalidInputError(errors)


def _guarantors(uow: UnitOfWork, determinations: list[Determination]) -> list[str]:
    ids: list[str] = []
    for agreement_id in dict.fromkeys(d.agreement_id for d in determinations):
        agreement = uow.agreements.get(agreement_id)
        if agreement is not None:
            ids.extend(g for g in agreement.guarantor_ids if g not in ids)
    return ids


def _public_determination(d: Determination) -> dict[str, JsonValue]:
    """The determination as its publication shows it: everything, dissent included."""
    return {
        "determination_id": d.id,
        "incident_id": d.incident_id,
        "agreement_id": d.agreement_id,
        "agreement_version": d.agreement_version,
        "finding": d.finding.value,
        "decision_rule": d.decision_rule,
        "attributed_party_id": d.attributed_party_id,
        "attributed_actor_id": d.attributed_actor_id,
        "excluded_actor_id": d.excluded_actor_id,
        "clause_ids": list(d.clause_ids),
        "severity": None if d.severity is None else d.severity.value,
        "evidence_report_ids": list(d.evidence_report_ids),
        "votes": [
            {
                "body_id": v.body_id,
                "value": v.value.value,
                "payload_hash": v.payload_hash,
                "dissent": v in d.dissent,
            }
            for v in d.votes
        ],
        "summary": d.summary,
        "revision": d.revision,
    }


def _record_determination(uow: UnitOfWork, d: Determination) -> None:
    """Before publication the finding is the mechanism's: it enters as a commitment."""
    _append(
        uow,
        "procedure.determined",
        d.incident_id,
        d.decided_at,
        {"determination_id": d.id, "by": d.decided_by, "votes": len(d.votes)},
        _public_determination(d),
    )


def _append(
    uow: UnitOfWork,
    kind: str,
    incident_id: str,
    at: datetime,
    public: dict[str, JsonValue],
    confidential: dict[str, JsonValue] | None = None,
    owner_body_id: str | None = MECHANISM_BODY,
) -> None:
    uow.record.append(
        kind,
        subject=f"incident:{incident_id}",
        at=at,
        public={"incident_id": incident_id, **public},
        confidential=confidential,
        owner_body_id=owner_body_id,
    )
