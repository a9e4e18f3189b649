"""The right of reply (docs/procedure.md): the accused party receives a request with its
deadline and what the policy lets it see, answers it in its inbox, or the clock records that
no reply came.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from truce.application.access_guard import (
    Decision,
    access_report,
    audit_decision,
    principal_of,
    report_scope,
)
from truce.application.ports import UnitOfWork
from truce.application.procedure_case import (
    MECHANISM_BODY,
    CaseDesk,
    Opened,
    append_entry,
    revised,
)
from truce.domain.access import (
    ALLOW,
    Action,
    Allow,
    Deny,
    Principal,
    Resource,
    ResourceKind,
    decide,
)
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import (
    FieldError,
    InvalidInputError,
    NotFoundError,
    ProcedureError,
    Refusal,
)
from truce.domain.incidents import Incident
from truce.domain.parties import BodyKind, Member, Role
from truce.domain.procedure import (
    Step,
)
from truce.domain.procedure_records import (
    Case,
    Reply,
    ReplyRequest,
    ReplyStatus,
    check_text,
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


@dataclass(frozen=True, slots=True)
class RequestView:
    request: ReplyRequest
    replies: list[Reply]


class Replies(CaseDesk):
    """The accused party's right of reply: the request, its inbox, its answer."""

    __slots__ = ()

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
            append_entry(
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
                RequestView(r, readable_replies(uow, principal, r))
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
            return RequestView(request, readable_replies(uow, principal, request))

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
                if now > request.due_at:
                    raise ProcedureError(
                        Refusal.REPLY_WINDOW_CLOSED,
                        f"the reply window closed at {request.due_at.isoformat()}",
                        due_at=request.due_at,
                    )
                raise ProcedureError(
                    Refusal.REQUEST_NOT_OPEN,
                    f"this request is {request.status}",
                    status=request.status,
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
                uow.procedure.save_case(replace(revised(case, now), deadlines=deadlines))
            append_entry(
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

    def _accused(self, opened: Opened, body_id: str) -> str:
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


def lapse_reply(uow: UnitOfWork, case: Case, now: datetime) -> Case:
    """No reply by the deadline: recorded as such on each open request, and the file's
    revision raised (the board votes knowing no reply came)."""
    for request in uow.procedure.reply_requests_of(case.incident_id):
        if request.status == ReplyStatus.OPEN and request.due_at <= now:
            uow.procedure.save_reply_request(
                replace(request, status=ReplyStatus.LAPSED, settled_at=now)
            )
            append_entry(
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
    return replace(revised(lapsed, now), deadlines=replace(case.deadlines, reply_due=None))


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


def readable_replies(uow: UnitOfWork, principal: Principal, request: ReplyRequest) -> list[Reply]:
    return [
        reply
        for reply in uow.procedure.replies_to(request.id)
        if decide(principal, Action.READ, reply_resource(reply))
    ]
