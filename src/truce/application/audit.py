"""Reading the audit trail (issue 3, item 5): operators list decisions, denied ones first of all.

Audit entries are sensitive themselves: they say who looked at what, and from where. Reading
them goes through the policy (`AUDIT_ENTRY`: operators only); every look is itself written to
the trail, allowed or refused, and a refusal answers "not found" like everything else.
The console (`truce audit`) is trusted, as the operator there holds the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from truce.application.access_guard import Decision, access_audit_trail, audit_decision
from truce.application.ports import Clock, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import Action, Deny, Principal, ResourceKind
from truce.domain.auth import AuditEntry
from truce.domain.errors import FieldError, InvalidInputError, NotFoundError

MAX_AUDIT_PAGE = 200


class Outcome(StrEnum):
    """Which decisions a listing shows."""

    DENIED = "denied"
    ALLOWED = "allowed"
    ALL = "all"

    @property
    def allowed(self) -> bool | None:
        return {Outcome.DENIED: False, Outcome.ALLOWED: True}.get(self)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """What to list: by outcome (denied by default), by member (a username), from a moment,
    and the page (`before`: the `seq` the previous page ended at)."""

    outcome: Outcome = Outcome.DENIED
    username: str | None = None
    since: datetime | None = None
    before: int | None = None
    limit: int = 50

    def described(self) -> str:
        parts = [f"{self.outcome.value} entries"]
        if self.username:
            parts.append(f"of {self.username}")
        if self.since is not None:
            parts.append(f"since {self.since.isoformat()}")
        if self.before is not None:
            parts.append(f"before #{self.before}")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    # Pass as `before` for the next page; None on the last one.
    next_before: int | None
    # Member id -> username, for showing who acted.
    names: dict[str, str]


def parse_outcome(text: str | None) -> Outcome:
    try:
        return Outcome(text or Outcome.DENIED)
    except ValueError:
        known = ", ".join(outcome.value for outcome in Outcome)
        raise InvalidInputError([FieldError("decision", f"is one of {known}")]) from None


@dataclass(frozen=True, slots=True)
class AuditService:
    uow: UnitOfWorkFactory
    clock: Clock

    def browse(self, principal: Principal, query: AuditQuery, address: str | None) -> AuditPage:
        """A page of the trail for an operator. Anyone else gets NotFoundError, and leaves a
        denied entry; an operator's look leaves an allowed one naming what was listed."""
        decision = access_audit_trail(principal)
        with self.uow() as uow:
            if isinstance(decision, Deny):
                refused = Decision(principal, Action.LIST, ResourceKind.AUDIT_ENTRY, None, decision)
                audit_decision(uow, self.clock.now(), refused, address)
                uow.commit()
                raise NotFoundError("audit trail")
            page = _page(uow, query)
            reason = f"listed {len(page.entries)} {query.described()}"
            listed = Decision(
                principal, Action.LIST, ResourceKind.AUDIT_ENTRY, None, decision, reason
            )
            audit_decision(uow, self.clock.now(), listed, address)
            uow.commit()
        return page

    def entries(self, query: AuditQuery) -> AuditPage:
        """The same page for the operator at the console."""
        with self.uow() as uow:
            return _page(uow, query)


def _page(uow: UnitOfWork, query: AuditQuery) -> AuditPage:
    if not 1 <= query.limit <= MAX_AUDIT_PAGE:
        message = f"is from 1 to {MAX_AUDIT_PAGE}"
        raise InvalidInputError([FieldError("limit", message)])
    actor = None
    if query.username:
        member = uow.members.get_by_username(query.username)
        if member is None:
            raise InvalidInputError([FieldError("member", "names no account")])
        actor = member.id
    rows = uow.audit.recent(
        query.limit + 1,
        allowed=query.outcome.allowed,
        since=query.since,
        actor_member_id=actor,
        before_seq=query.before,
    )
    entries, more = rows[: query.limit], len(rows) > query.limit
    names = {member.id: member.username for member in uow.members.list_all()}
    return AuditPage(entries, entries[-1].seq if more else None, names)
