"""The choke points of need-to-know: every read and write of party material goes through an
`access_*` function here, never through a repository directly.

- "Forbidden" and "missing" raise the same NotFoundError, so nobody learns that something
  exists by guessing its id (SECURITY S2).
- Lists and counts are filtered by the same policy (`domain.access.decide`), pushed down to the
  store as a `ReportScope` derived by asking the policy itself, so there is one rule, not two.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from truce.application.ports import ReportScope, UnitOfWork
from truce.domain.access import (
    ANONYMOUS,
    Action,
    Allow,
    Deny,
    Principal,
    Resource,
    ResourceKind,
    decide,
)
from truce.domain.auth import AuditEntry, batch_log_lines, new_audit_entry
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import NotFoundError
from truce.domain.parties import Member
from truce.domain.reports import Report

_audit_log = logging.getLogger("truce.audit")

# What the audit trail says of an allowed decision (a Deny carries its own reason).
ALLOWED_BY_POLICY = "allowed by the policy"
# How many ids a list's audit entry names before it says how many more there were.
LISTED_IDS_NAMED = 20

# A body id no real body has: the probe for "somebody else's report".
_SOMEONE_ELSE = "\x00another-body"


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks, and from where (for the audit trail)."""

    principal: Principal
    address: str | None = None


def principal_of(uow: UnitOfWork, member: Member) -> Principal:
    """The member as the policy sees them, read fresh so that a disabled account or a changed
    role takes effect at once."""
    current = uow.members.get(member.id)
    body = uow.bodies.get(member.body_id)
    if current is None or body is None:
        return ANONYMOUS
    return Principal.of(current, body)


def report_resource(report: Report) -> Resource:
    return Resource(
        kind=ResourceKind.REPORT,
        id=report.id,
        owner_body_id=report.submitter_body_id,
        author_member_id=report.submitted_by,
        confidentiality=report.confidentiality,
    )


def report_scope(principal: Principal, action: Action = Action.LIST) -> ReportScope:
    """Derive the scope by asking the policy about probe reports: one of the principal's own
    body at the most restrictive level, and one of somebody else's at each level."""
    own = None
    if principal.body_id is not None:
        probe = Resource(ResourceKind.REPORT, "probe", owner_body_id=principal.body_id)
        own = principal.body_id if decide(principal, action, probe) else None
    levels = frozenset(
        level
        for level in Confidentiality
        if decide(
            principal,
            action,
            Resource(
                ResourceKind.REPORT, "probe", owner_body_id=_SOMEONE_ELSE, confidentiality=level
            ),
        )
    )
    return ReportScope(own, levels)


def access_report(
    principal: Principal, report: Report | None, action: Action = Action.READ
) -> Report:
    """The report, if it exists and the principal may act on it; NotFoundError alike otherwise."""
    if report is None or not decide(principal, action, report_resource(report)):
        raise NotFoundError("report")
    return report


@dataclass(frozen=True, slots=True)
class Decision:
    """One access decision as the audit trail keeps it: who, what, the outcome and why."""

    principal: Principal
    action: Action
    kind: ResourceKind
    resource_id: str | None
    outcome: Allow | Deny
    reason: str = ""

    @property
    def why(self) -> str:
        if self.reason:
            return self.reason
        return self.outcome.reason if isinstance(self.outcome, Deny) else ALLOWED_BY_POLICY


def audit_decision(
    uow: UnitOfWork, at: datetime, decision: Decision, address: str | None
) -> AuditEntry:
    """Write one decision to the audit trail inside the caller's unit of work (who, what,
    allowed or denied and why, when, from where), and to the `truce.audit` log with every
    field escaped: guessed ids and addresses come from clients (SECURITY S12)."""
    entry = new_audit_entry(
        at,
        decision.principal.member_id,
        decision.action.value,
        decision.kind.value,
        decision.resource_id,
        allowed=bool(decision.outcome),
        reason=decision.why,
        address=address,
    )
    uow.audit.add(entry)
    _audit_log.log(logging.INFO if entry.allowed else logging.WARNING, entry.log_line())
    return entry


def audit_decisions(
    uow: UnitOfWork, at: datetime, decisions: Sequence[tuple[Decision, str | None]]
) -> list[AuditEntry]:
    """Many allowed decisions taken together (a delivery round of the talks), each with the
    address it was made for: still one entry per decision in the trail, written in one go
    inside the caller's unit of work, and one log line per round naming every viewer
    (`batch_log_lines`), every field escaped (SECURITY S12)."""
    entries = [
        new_audit_entry(
            at,
            decision.principal.member_id,
            decision.action.value,
            decision.kind.value,
            decision.resource_id,
            allowed=bool(decision.outcome),
            reason=decision.why,
            address=address,
        )
        for decision, address in decisions
    ]
    if not entries:
        return entries
    uow.audit.add_many(entries)
    level = logging.INFO if all(entry.allowed for entry in entries) else logging.WARNING
    for line in batch_log_lines(entries):
        _audit_log.log(level, line)
    return entries


def listed_reason(ids: Sequence[str], shown: int) -> str:
    """What a list disclosed, for its one audit entry: how many rows, and the ids of those
    that are not public (the first few, then how many more)."""
    named = ", ".join(ids[:LISTED_IDS_NAMED])
    more = len(ids) - LISTED_IDS_NAMED
    tail = f" and {more} more" if more > 0 else ""
    return f"listed {shown} reports, {len(ids)} not public: {named}{tail}"


def audit_trail_resource(entry_id: str = "trail") -> Resource:
    """The audit trail as the policy sees it: entries belong to no body and are never public."""
    return Resource(ResourceKind.AUDIT_ENTRY, entry_id)


def access_audit_trail(principal: Principal, action: Action = Action.LIST) -> Allow | Deny:
    """May the principal read the audit trail? Operators only, by the policy's table."""
    return decide(principal, action, audit_trail_resource())
