"""Use cases of the monitoring track: filing and reading reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from truce.application.access_guard import (
    Decision,
    access_report,
    audit_decision,
    listed_reason,
    principal_of,
    report_scope,
)
from truce.application.ports import Clock, IdFactory, ReportCursor, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import ALLOW, Action, Deny, Principal, Resource, ResourceKind, decide
from truce.domain.agreements import Agreement
from truce.domain.commands import FileReport
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import (
    AccessDeniedError,
    FieldError,
    IdempotencyConflictError,
    IdempotencyKeyTakenError,
    InvalidInputError,
    NotFoundError,
)
from truce.domain.parties import Member
from truce.domain.reports import Report, fingerprint, new_report, report_content
from truce.domain.search import query_terms

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Filed:
    """The outcome of filing: the stored report, and whether this call created it."""

    report: Report
    created: bool


@dataclass(frozen=True, slots=True)
class ReportPage:
    reports: list[Report]
    next_cursor: ReportCursor | None


class AfterFiling(Protocol):
    """A step run inside the unit of work that files reports: correlation into incidents
    (`IncidentService.correlate`). `itemise` asks for one record entry per decision."""

    def __call__(self, uow: UnitOfWork, reports: Sequence[Report], *, itemise: bool) -> None: ...


@dataclass(frozen=True, slots=True)
class MonitoringService:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    after_filing: AfterFiling | None = None

    def file_report(
        self, command: FileReport, submitter: Member, address: str | None = None
    ) -> Filed:
        """File a report once: a retry with the same idempotency key returns the first result.
        Only a member whose body may file reports can; idempotency keys are per member. A
        refusal leaves one audit entry (SECURITY S12); the filing itself is on the record."""
        with self.uow() as uow:
            principal = principal_of(uow, submitter)
            probe = Resource(ResourceKind.REPORT, "new", owner_body_id=submitter.body_id)
            decision = decide(principal, Action.CREATE, probe)
            if isinstance(decision, Deny):
                refused = Decision(principal, Action.CREATE, ResourceKind.REPORT, None, decision)
                audit_decision(uow, self.clock.now(), refused, address)
                uow.commit()
                raise AccessDeniedError(decision.reason)
        scope = submitter.id
        existing = self._replay(command, scope)
        if existing is not None:
            return Filed(existing, created=False)
        try:
            return Filed(self._insert(command, scope, submitter), created=True)
        except IdempotencyKeyTakenError:
            # A concurrent retry won the race; answer with what it stored.
            existing = self._replay(command, scope)
            if existing is None:
                raise
            return Filed(existing, created=False)

    def get_report(
        self, principal: Principal, report_id: str, address: str | None = None
    ) -> Report:
        """The report if it exists and the principal may read it; NotFoundError alike. Every
        refusal (forbidden or missing) and every allowed read of a report that is not public
        leaves exactly one audit entry (SECURITY S12, issue 3 item 5)."""
        with self.uow() as uow:
            report = uow.reports.get(report_id)
            try:
                allowed = access_report(principal, report)
            except NotFoundError:
                reason = "no such report" if report is None else "need-to-know"
                refused = Decision(
                    principal, Action.READ, ResourceKind.REPORT, report_id, Deny(reason), reason
                )
                audit_decision(uow, self.clock.now(), refused, address)
                uow.commit()
                raise
            if allowed.confidentiality != Confidentiality.PUBLIC:
                read = Decision(principal, Action.READ, ResourceKind.REPORT, report_id, ALLOW)
                audit_decision(uow, self.clock.now(), read, address)
                uow.commit()
            return allowed

    def list_reports(
        self,
        principal: Principal,
        limit: int = 50,
        after: ReportCursor | None = None,
        address: str | None = None,
    ) -> ReportPage:
        """What the principal may read, newest first: the filter runs in the store. A page
        that shows any report that is not public leaves one audit entry naming them (one per
        request, not one per row); a page of public reports only discloses nothing."""
        limit = max(1, min(limit, MAX_PAGE))
        with self.uow() as uow:
            # One extra row tells whether another page follows.
            rows = uow.reports.page(limit + 1, after, report_scope(principal))
            page, more = rows[:limit], len(rows) > limit
            hidden = [r.id for r in page if r.confidentiality != Confidentiality.PUBLIC]
            if hidden:
                reason = listed_reason(hidden, len(page))
                listed = Decision(principal, Action.LIST, ResourceKind.REPORT, None, ALLOW, reason)
                audit_decision(uow, self.clock.now(), listed, address)
                uow.commit()
        cursor = ReportCursor(page[-1].filed_at, page[-1].id) if more else None
        return ReportPage(page, cursor)

    def my_reports(
        self,
        member: Member,
        limit: int = 50,
        after: ReportCursor | None = None,
        address: str | None = None,
    ) -> ReportPage:
        """The reports this member filed that they may still read, newest first: a field
        monitor's "my reports". Filtered by the same scope as every list, and audited alike
        (one entry per page that shows anything not public)."""
        limit = max(1, min(limit, MAX_PAGE))
        with self.uow() as uow:
            principal = principal_of(uow, member)
            rows = uow.reports.page(limit + 1, after, report_scope(principal), member.id)
            page, more = rows[:limit], len(rows) > limit
            hidden = [r.id for r in page if r.confidentiality != Confidentiality.PUBLIC]
            if hidden:
                reason = "own: " + listed_reason(hidden, len(page))
                listed = Decision(principal, Action.LIST, ResourceKind.REPORT, None, ALLOW, reason)
                audit_decision(uow, self.clock.now(), listed, address)
                uow.commit()
        cursor = ReportCursor(page[-1].filed_at, page[-1].id) if more else None
        return ReportPage(page, cursor)

    def search_reports(
        self, principal: Principal, query: str, limit: int = 50, address: str | None = None
    ) -> list[Report]:
        """Reports the principal may read that match every word of the query (Arabic folded,
        domain/search.py), newest first. Filtered in the store by the same scope as lists,
        and audited like a list: one entry when any result is not public."""
        terms = query_terms(query)
        if not terms:
            return []
        limit = max(1, min(limit, MAX_PAGE))
        with self.uow() as uow:
            found = uow.reports.search(terms, limit, report_scope(principal))
            hidden = [r.id for r in found if r.confidentiality != Confidentiality.PUBLIC]
            if hidden:
                reason = "search: " + listed_reason(hidden, len(found))
                listed = Decision(principal, Action.LIST, ResourceKind.REPORT, None, ALLOW, reason)
                audit_decision(uow, self.clock.now(), listed, address)
                uow.commit()
        return found

    def total_reports(self) -> int:
        """How many reports exist, for an operator's summary on the command line: a number,
        never content, and never served over HTTP."""
        with self.uow() as uow:
            return uow.reports.count()

    def count_reports(self, principal: Principal) -> int:
        with self.uow() as uow:
            return uow.reports.count(report_scope(principal))

    def _replay(self, command: FileReport, scope: str) -> Report | None:
        if command.idempotency_key is None:
            return None
        with self.uow() as uow:
            existing = uow.reports.by_idempotency_key(scope, command.idempotency_key)
        if existing is not None and existing.fingerprint != fingerprint(command):
            raise IdempotencyConflictError
        return existing

    def _insert(self, command: FileReport, scope: str, submitter: Member) -> Report:
        with self.uow() as uow:
            agreement = _agreement_for(uow, command.agreement_id)
            report = new_report(
                command,
                report_id=self.ids.new_id(),
                agreement_id=agreement.id,
                filed_at=self.clock.now(),
                submitted_by=submitter.id,
                submitter_body_id=submitter.body_id,
            )
            uow.reports.add(report, scope)
            _record_filing(uow, report)
            if self.after_filing is not None:
                self.after_filing(uow, [report], itemise=True)
            uow.commit()
        return report


def _record_filing(uow: UnitOfWork, report: Report) -> None:
    """Everyone may see that a report was filed, when, by which side and how confidential it
    is; its content enters the record only as a commitment its owner can open."""
    uow.record.append(
        "report.filed",
        subject=f"report:{report.id}",
        at=report.filed_at,
        public={
            "report_id": report.id,
            "agreement_id": report.agreement_id,
            "submitter_body_id": report.submitter_body_id,
            "confidentiality": report.confidentiality.value,
        },
        confidential=report_content(report),
        owner_body_id=report.submitter_body_id,
    )


def _agreement_for(uow: UnitOfWork, agreement_id: str | None) -> Agreement:
    """The agreement named, or the only one in force when none is named."""
    if agreement_id is not None:
        agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise InvalidInputError([FieldError("agreement_id", "names no known agreement")])
        return agreement
    agreements = uow.agreements.list_all()
    if len(agreements) != 1:
        message = "no agreement is set up yet" if not agreements else "name the agreement"
        raise InvalidInputError([FieldError("agreement_id", message)])
    return agreements[0]
