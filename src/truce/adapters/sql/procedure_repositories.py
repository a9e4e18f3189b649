"""The verification procedure on SQL. Reply requests and replies sit under row-level security
on PostgreSQL: the inbox list runs in the principal's scope (`acting_for`); every other
statement is the mechanism's own work after the service's choke point decided, named at each
`as_system` call."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, or_, select, update

from truce.adapters.sql import procedure_tables as pt
from truce.adapters.sql.mapping import from_db_time, optional_time, to_utc
from truce.adapters.sql.rls import acting_for, as_system
from truce.application.ports import ReportScope
from truce.domain.confidentiality import Confidentiality
from truce.domain.procedure import TERMINAL, Deadlines, Finding, Stage, Step, VoteValue
from truce.domain.procedure_records import (
    Assignment,
    Case,
    CountedVote,
    Coverage,
    CoverageGap,
    Determination,
    GapKind,
    InvestigationReport,
    Observed,
    Reply,
    ReplyRequest,
    ReplyStatus,
    Severity,
    StepTaken,
)

_CLOSED = [stage.value for stage in TERMINAL]


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_utc(moment)


class SqlProcedureStore:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # --- cases -----------------------------------------------------------------------------

    def case(self, incident_id: str) -> Case | None:
        c = pt.procedure_cases
        row = self._c.execute(select(c).where(c.c.incident_id == incident_id)).first()
        return None if row is None else _case(row)

    def save_case(self, case: Case) -> None:
        c = pt.procedure_cases
        self._c.execute(delete(c).where(c.c.incident_id == case.incident_id))
        d = case.deadlines
        self._c.execute(
            insert(c).values(
                incident_id=case.incident_id,
                agreement_id=case.agreement_id,
                agreement_version=case.agreement_version,
                stage=case.stage.value,
                opened_at=to_utc(case.opened_at),
                updated_at=to_utc(case.updated_at),
                accused_body_id=case.accused_body_id,
                investigation_due=_utc(d.investigation_due),
                reply_due=_utc(d.reply_due),
                deliberation_due=_utc(d.deliberation_due),
                reply_lapsed=case.reply_lapsed,
                revision=case.revision,
                merged_into=case.merged_into,
            )
        )

    def cases(self, stages: Collection[Stage], limit: int) -> list[Case]:
        c = pt.procedure_cases
        query = (
            select(c)
            .where(c.c.stage.in_([s.value for s in stages]))
            .order_by(c.c.updated_at, c.c.incident_id)
            .limit(limit)
        )
        return [_case(row) for row in self._c.execute(query)]

    def due(self, moment: datetime, limit: int) -> list[Case]:
        c = pt.procedure_cases
        at = to_utc(moment)
        query = (
            select(c)
            .where(
                c.c.stage.not_in(_CLOSED),
                or_(c.c.investigation_due <= at, c.c.reply_due <= at, c.c.deliberation_due <= at),
            )
            .order_by(c.c.updated_at, c.c.incident_id)
            .limit(limit)
        )
        return [_case(row) for row in self._c.execute(query)]

    def add_step(self, step: StepTaken) -> None:
        self._c.execute(
            insert(pt.procedure_steps).values(
                incident_id=step.incident_id,
                seq=step.seq,
                step=step.step.value,
                from_stage=step.from_stage.value,
                to_stage=step.to_stage.value,
                at=to_utc(step.at),
                by_member_id=step.by_member_id,
                note=step.note,
            )
        )

    def steps(self, incident_id: str) -> list[StepTaken]:
        s = pt.procedure_steps
        query = select(s).where(s.c.incident_id == incident_id).order_by(s.c.seq)
        return [
            StepTaken(
                row.incident_id,
                row.seq,
                Step(row.step),
                Stage(row.from_stage),
                Stage(row.to_stage),
                from_db_time(row.at),
                row.by_member_id,
                row.note,
            )
            for row in self._c.execute(query)
        ]

    # --- investigation -----------------------------------------------------------------------

    def assign(self, assignment: Assignment) -> None:
        a = pt.investigation_assignments
        taken = self._c.execute(
            select(a.c.member_id).where(
                a.c.incident_id == assignment.incident_id, a.c.member_id == assignment.member_id
            )
        ).first()
        if taken is None:
            self._c.execute(
                insert(a).values(
                    incident_id=assignment.incident_id,
                    member_id=assignment.member_id,
                    assigned_at=to_utc(assignment.assigned_at),
                    assigned_by=assignment.assigned_by,
                )
            )

    def assignments(self, incident_id: str) -> list[Assignment]:
        a = pt.investigation_assignments
        query = select(a).where(a.c.incident_id == incident_id).order_by(a.c.assigned_at)
        return [
            Assignment(
                row.incident_id, row.member_id, from_db_time(row.assigned_at), row.assigned_by
            )
            for row in self._c.execute(query)
        ]

    def add_investigation_report(self, report: InvestigationReport) -> None:
        self._c.execute(
            insert(pt.investigation_reports).values(
                id=report.id,
                incident_id=report.incident_id,
                filed_by=report.filed_by,
                filed_at=to_utc(report.filed_at),
                observed=report.observed.value,
                coverage=report.coverage.value,
                findings=report.findings,
                gaps=json.dumps([[g.kind.value, g.area, g.note] for g in report.gaps]),
            )
        )

    def investigation_reports(self, incident_id: str) -> list[InvestigationReport]:
        r = pt.investigation_reports
        query = select(r).where(r.c.incident_id == incident_id).order_by(r.c.filed_at, r.c.id)
        return [
            InvestigationReport(
                row.id,
                row.incident_id,
                row.filed_by,
                from_db_time(row.filed_at),
                Observed(row.observed),
                Coverage(row.coverage),
                row.findings,
                tuple(
                    CoverageGap(GapKind(k), area, note) for k, area, note in json.loads(row.gaps)
                ),
            )
            for row in self._c.execute(query)
        ]

    # --- the right of reply ------------------------------------------------------------------

    def add_reply_request(self, request: ReplyRequest) -> None:
        with as_system(self._c, "filing a reply request the service allowed"):
            self._c.execute(insert(pt.reply_requests).values(**_request_row(request)))

    def save_reply_request(self, request: ReplyRequest) -> None:
        r = pt.reply_requests
        with as_system(self._c, "settling a reply request (answered or lapsed)"):
            self._c.execute(update(r).where(r.c.id == request.id).values(**_request_row(request)))

    def reply_request(self, request_id: str) -> ReplyRequest | None:
        r = pt.reply_requests
        # The caller's choke point decides; it must see the row to audit a refusal rightly.
        with as_system(self._c, "reading a reply request by id for the choke point"):
            row = self._c.execute(select(r).where(r.c.id == request_id)).first()
        return None if row is None else _request(row)

    def reply_requests_of(self, incident_id: str) -> list[ReplyRequest]:
        r = pt.reply_requests
        query = select(r).where(r.c.incident_id == incident_id).order_by(r.c.requested_at, r.c.id)
        with as_system(self._c, "the reply requests of one incident, for the decision panel"):
            rows = list(self._c.execute(query))
        return [_request(row) for row in rows]

    def reply_requests_to(self, body_id: str, scope: ReportScope) -> list[ReplyRequest]:
        r = pt.reply_requests
        if not _reaches(body_id, scope):
            return []
        query = (
            select(r)
            .where(r.c.accused_body_id == body_id)
            .order_by(r.c.requested_at.desc(), r.c.id.desc())
        )
        with acting_for(self._c, scope):
            rows = list(self._c.execute(query))
        return [_request(row) for row in rows]

    def add_reply(self, reply: Reply) -> None:
        with as_system(self._c, "filing a reply the service allowed"):
            self._c.execute(
                insert(pt.replies).values(
                    id=reply.id,
                    request_id=reply.request_id,
                    incident_id=reply.incident_id,
                    body_id=reply.body_id,
                    member_id=reply.member_id,
                    replied_at=to_utc(reply.replied_at),
                    text=reply.text,
                    confidentiality=reply.confidentiality.value,
                )
            )

    def replies_to(self, request_id: str) -> list[Reply]:
        p = pt.replies
        query = select(p).where(p.c.request_id == request_id).order_by(p.c.replied_at, p.c.id)
        with as_system(self._c, "the replies to one request, behind the service's choke point"):
            rows = list(self._c.execute(query))
        return [
            Reply(
                row.id,
                row.request_id,
                row.incident_id,
                row.body_id,
                row.member_id,
                from_db_time(row.replied_at),
                row.text,
                Confidentiality(row.confidentiality),
            )
            for row in rows
        ]

    def publish_replies(self, incident_id: str) -> None:
        p = pt.replies
        with as_system(self._c, "publishing the replies with the incident's determination"):
            self._c.execute(
                update(p)
                .where(p.c.incident_id == incident_id)
                .values(confidentiality=Confidentiality.PUBLIC.value)
            )

    # --- determinations ------------------------------------------------------------------------

    def save_determination(self, determination: Determination) -> None:
        d = pt.determinations
        self._c.execute(delete(d).where(d.c.incident_id == determination.incident_id))
        self._c.execute(
            insert(d).values(
                incident_id=determination.incident_id,
                id=determination.id,
                confidentiality=determination.confidentiality.value,
                decided_at=to_utc(determination.decided_at),
                published_at=_utc(determination.published_at),
                document=json.dumps(_determination_document(determination), sort_keys=True),
            )
        )

    def determination(self, incident_id: str) -> Determination | None:
        d = pt.determinations
        row = self._c.execute(select(d).where(d.c.incident_id == incident_id)).first()
        return None if row is None else _determination(row)

    def determinations(self, limit: int, *, published_only: bool) -> list[Determination]:
        d = pt.determinations
        query = select(d).order_by(d.c.decided_at.desc(), d.c.id.desc()).limit(limit)
        if published_only:
            query = query.where(d.c.confidentiality == Confidentiality.PUBLIC.value)
        return [_determination(row) for row in self._c.execute(query)]


def _reaches(body_id: str, scope: ReportScope) -> bool:
    return scope.own_body_id == body_id or Confidentiality.MECHANISM in scope.levels


def _case(row: Row[Any]) -> Case:
    return Case(
        incident_id=row.incident_id,
        agreement_id=row.agreement_id,
        agreement_version=row.agreement_version,
        stage=Stage(row.stage),
        opened_at=from_db_time(row.opened_at),
        updated_at=from_db_time(row.updated_at),
        accused_body_id=row.accused_body_id,
        deadlines=Deadlines(
            optional_time(row.investigation_due),
            optional_time(row.reply_due),
            optional_time(row.deliberation_due),
        ),
        reply_lapsed=bool(row.reply_lapsed),
        revision=row.revision,
        merged_into=row.merged_into,
    )


def _request_row(request: ReplyRequest) -> dict[str, object]:
    return {
        "id": request.id,
        "incident_id": request.incident_id,
        "accused_body_id": request.accused_body_id,
        "requested_at": to_utc(request.requested_at),
        "due_at": to_utc(request.due_at),
        "allegation": request.allegation,
        "shared_report_ids": json.dumps(list(request.shared_report_ids)),
        "status": request.status.value,
        "settled_at": _utc(request.settled_at),
    }


def _request(row: Row[Any]) -> ReplyRequest:
    return ReplyRequest(
        id=row.id,
        incident_id=row.incident_id,
        accused_body_id=row.accused_body_id,
        requested_at=from_db_time(row.requested_at),
        due_at=from_db_time(row.due_at),
        allegation=row.allegation,
        shared_report_ids=tuple(json.loads(row.shared_report_ids)),
        status=ReplyStatus(row.status),
        settled_at=optional_time(row.settled_at),
    )


def _determination_document(d: Determination) -> dict[str, object]:
    return {
        "agreement_id": d.agreement_id,
        "agreement_version": d.agreement_version,
        "finding": d.finding.value,
        "decided_by": d.decided_by,
        "decision_rule": d.decision_rule,
        "attributed_party_id": d.attributed_party_id,
        "attributed_actor_id": d.attributed_actor_id,
        "clause_ids": list(d.clause_ids),
        "severity": None if d.severity is None else d.severity.value,
        "excluded_actor_id": d.excluded_actor_id,
        "evidence_report_ids": list(d.evidence_report_ids),
        "votes": [
            [
                v.body_id,
                v.member_id,
                v.value.value,
                v.reasons,
                v.payload_hash,
                v.received_at.isoformat(),
            ]
            for v in d.votes
        ],
        "summary": d.summary,
        "revision": d.revision,
    }


def _determination(row: Row[Any]) -> Determination:
    doc = json.loads(row.document)
    return Determination(
        id=row.id,
        incident_id=row.incident_id,
        agreement_id=doc["agreement_id"],
        agreement_version=doc["agreement_version"],
        finding=Finding(doc["finding"]),
        decided_at=from_db_time(row.decided_at),
        decided_by=doc["decided_by"],
        decision_rule=doc["decision_rule"],
        attributed_party_id=doc["attributed_party_id"],
        attributed_actor_id=doc["attributed_actor_id"],
        clause_ids=tuple(doc["clause_ids"]),
        severity=None if doc["severity"] is None else Severity(doc["severity"]),
        excluded_actor_id=doc["excluded_actor_id"],
        evidence_report_ids=tuple(doc["evidence_report_ids"]),
        votes=tuple(
            CountedVote(body, member, VoteValue(value), reasons, digest, datetime.fromisoformat(at))
            for body, member, value, reasons, digest, at in doc["votes"]
        ),
        summary=doc["summary"],
        revision=doc["revision"],
        confidentiality=Confidentiality(row.confidentiality),
        published_at=optional_time(row.published_at),
    )
