"""The choke points of need-to-know: every read and write of party material goes through an
`access_*` function here, never through a repository directly.

- "Forbidden" and "missing" raise the same NotFoundError, so nobody learns that something
  exists by guessing its id (SECURITY S2).
- Lists and counts are filtered by the same policy (`domain.access.decide`), pushed down to the
  store as a `ReportScope` derived by asking the policy itself, so there is one rule, not two.
"""

from __future__ import annotations

from dataclasses import dataclass

from truce.application.ports import ReportScope, UnitOfWork
from truce.domain.access import ANONYMOUS, Action, Principal, Resource, ResourceKind, decide
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import NotFoundError
from truce.domain.parties import Member
from truce.domain.reports import Report

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
