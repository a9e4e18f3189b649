"""The store of the verification procedure (issue 8): cases, their history, investigations,
reply requests and replies, determinations. SQL in adapters/sql/procedure_*.py, the fake in
adapters/memory/procedure_store.py, one contract suite for both."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from truce.application.ports import ReportScope
from truce.domain.procedure import Stage
from truce.domain.procedure_records import (
    Assignment,
    Case,
    Determination,
    InvestigationReport,
    Reply,
    ReplyRequest,
    StepTaken,
)


class ProcedureStore(Protocol):
    def case(self, incident_id: str) -> Case | None: ...
    def save_case(self, case: Case) -> None:
        """Insert or replace."""
        ...

    def cases(self, stages: Collection[Stage], limit: int) -> list[Case]:
        """Cases in these stages, the longest waiting first."""
        ...

    def due(self, moment: datetime, limit: int) -> list[Case]:
        """Open cases with a window that has closed by `moment` (any of the three)."""
        ...

    def add_step(self, step: StepTaken) -> None: ...
    def steps(self, incident_id: str) -> list[StepTaken]:
        """The case's history, in order."""
        ...

    def assign(self, assignment: Assignment) -> None:
        """Idempotent: assigning a monitor twice keeps the first."""
        ...

    def assignments(self, incident_id: str) -> list[Assignment]: ...
    def add_investigation_report(self, report: InvestigationReport) -> None: ...
    def investigation_reports(self, incident_id: str) -> list[InvestigationReport]: ...

    def add_reply_request(self, request: ReplyRequest) -> None: ...
    def save_reply_request(self, request: ReplyRequest) -> None:
        """Replace the stored request (its status when answered or lapsed)."""
        ...

    def reply_request(self, request_id: str) -> ReplyRequest | None: ...
    def reply_requests_of(self, incident_id: str) -> list[ReplyRequest]: ...
    def reply_requests_to(self, body_id: str, scope: ReportScope) -> list[ReplyRequest]:
        """Requests addressed to `body_id`, newest first, read in the principal's scope (on
        PostgreSQL the row-level policy admits the accused's own and mechanism staff)."""
        ...

    def add_reply(self, reply: Reply) -> None: ...
    def replies_to(self, request_id: str) -> list[Reply]: ...
    def publish_replies(self, incident_id: str) -> None:
        """The incident's replies become public with its determination (S11: only here)."""
        ...

    def save_determination(self, determination: Determination) -> None:
        """Insert or replace (publication replaces it with its public copy)."""
        ...

    def determination(self, incident_id: str) -> Determination | None: ...
    def determinations(self, limit: int, *, published_only: bool) -> list[Determination]:
        """Newest first."""
        ...
