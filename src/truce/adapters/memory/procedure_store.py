"""The verification procedure's store in memory: the unit tests' fake."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.application.ports import ReportScope
from truce.domain.confidentiality import Confidentiality
from truce.domain.procedure import TERMINAL, Stage
from truce.domain.procedure_records import (
    Assignment,
    Case,
    Determination,
    InvestigationReport,
    Reply,
    ReplyRequest,
    StepTaken,
)


@dataclass
class MemoryProcedureState:
    cases: dict[str, Case] = field(default_factory=dict)
    steps: list[StepTaken] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    reports: list[InvestigationReport] = field(default_factory=list)
    requests: dict[str, ReplyRequest] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    determinations: dict[str, Determination] = field(default_factory=dict)

    def copy(self) -> MemoryProcedureState:
        return MemoryProcedureState(
            dict(self.cases),
            list(self.steps),
            list(self.assignments),
            list(self.reports),
            dict(self.requests),
            list(self.replies),
            dict(self.determinations),
        )


def _windows(case: Case) -> list[datetime]:
    d = case.deadlines
    return [w for w in (d.investigation_due, d.reply_due, d.deliberation_due) if w is not None]


class MemoryProcedureStore:
    def __init__(self, state: MemoryProcedureState) -> None:
        self._s = state

    def case(self, incident_id: str) -> Case | None:
        return self._s.cases.get(incident_id)

    def save_case(self, case: Case) -> None:
        self._s.cases[case.incident_id] = case

    def cases(self, stages: Collection[Stage], limit: int) -> list[Case]:
        chosen = [c for c in self._s.cases.values() if c.stage in stages]
        chosen.sort(key=lambda c: (c.updated_at, c.incident_id))
        return chosen[:limit]

    def due(self, moment: datetime, limit: int) -> list[Case]:
        chosen = [
            c
            for c in self._s.cases.values()
            if c.stage not in TERMINAL and any(w <= moment for w in _windows(c))
        ]
        chosen.sort(key=lambda c: (min(_windows(c)), c.incident_id))
        return chosen[:limit]

    def add_step(self, step: StepTaken) -> None:
        self._s.steps.append(step)

    def steps(self, incident_id: str) -> list[StepTaken]:
        return sorted((s for s in self._s.steps if s.incident_id == incident_id), key=_seq)

    def assign(self, assignment: Assignment) -> None:
        if not any(
            a.incident_id == assignment.incident_id and a.member_id == assignment.member_id
            for a in self._s.assignments
        ):
            self._s.assignments.append(assignment)

    def assignments(self, incident_id: str) -> list[Assignment]:
        return [a for a in self._s.assignments if a.incident_id == incident_id]

    def add_investigation_report(self, report: InvestigationReport) -> None:
        self._s.reports.append(report)

    def investigation_reports(self, incident_id: str) -> list[InvestigationReport]:
        return [r for r in self._s.reports if r.incident_id == incident_id]

    def add_reply_request(self, request: ReplyRequest) -> None:
        self._s.requests[request.id] = request

    def save_reply_request(self, request: ReplyRequest) -> None:
        self._s.requests[request.id] = request

    def reply_request(self, request_id: str) -> ReplyRequest | None:
        return self._s.requests.get(request_id)

    def reply_requests_of(self, incident_id: str) -> list[ReplyRequest]:
        found = [r for r in self._s.requests.values() if r.incident_id == incident_id]
        return sorted(found, key=lambda r: (r.requested_at, r.id))

    def reply_requests_to(self, body_id: str, scope: ReportScope) -> list[ReplyRequest]:
        # The store's wall, as PostgreSQL's policy draws it: the accused's own, or a scope
        # that reaches the mechanism's material.
        if scope.own_body_id != body_id and Confidentiality.MECHANISM not in scope.levels:
            return []
        found = [r for r in self._s.requests.values() if r.accused_body_id == body_id]
        return sorted(found, key=lambda r: (r.requested_at, r.id), reverse=True)

    def add_reply(self, reply: Reply) -> None:
        self._s.replies.append(reply)

    def replies_to(self, request_id: str) -> list[Reply]:
        return sorted(
            (r for r in self._s.replies if r.request_id == request_id),
            key=lambda r: (r.replied_at, r.id),
        )

    def publish_replies(self, incident_id: str) -> None:
        self._s.replies = [
            replace(r, confidentiality=Confidentiality.PUBLIC)
            if r.incident_id == incident_id
            else r
            for r in self._s.replies
        ]

    def save_determination(self, determination: Determination) -> None:
        self._s.determinations[determination.incident_id] = determination

    def determination(self, incident_id: str) -> Determination | None:
        return self._s.determinations.get(incident_id)

    def determinations(self, limit: int, *, published_only: bool) -> list[Determination]:
        found = [
            d
            for d in self._s.determinations.values()
            if not published_only or d.confidentiality == Confidentiality.PUBLIC
        ]
        found.sort(key=lambda d: (d.decided_at, d.id), reverse=True)
        return found[:limit]


def _seq(step: StepTaken) -> int:
    return step.seq
