"""Compliance reports (issue 10): daily, weekly and monthly figures, per edition.

The one choke point for them is `ComplianceService.report`: it derives the store's filter
from the access policy (`access_guard.report_scope`), so a report counts exactly what its
reader may list. The public edition is made with an anonymous principal's scope whoever asks,
so nothing that is not public reaches it; a restricted edition is the asking principal's
need-to-know, and making one leaves an audit entry.

Hooks for what is built elsewhere: `confirmed` and `determinations` (issues 7 and 8) are
empty until those merge, and the report carries a `Pending` section in their place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from truce.application.access_guard import (
    Decision,
    audit_decision,
    principal_of,
    report_scope,
)
from truce.application.ports import Clock, FigureRow, ReportScope, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import ALLOW, ANONYMOUS, Action, Principal, ResourceKind
from truce.domain.compliance import (
    CONFIRMED_VIOLATIONS,
    COVERAGE_GAPS,
    DETERMINATIONS,
    EARLIER_PERIODS,
    ComplianceReport,
    Edition,
    FigureGroup,
    Figures,
    Pending,
    Period,
    SideConfirmation,
    change_against,
    day_window,
    fold_groups,
    series_of,
)
from truce.domain.errors import NotFoundError
from truce.domain.parties import Body, BodyKind

# Record entries holding the sides' published statements about each other's reports.
CONFIRMATION_KIND = "sides.confirmation_stated"


def confirmation_subject(day: date) -> str:
    return f"report_day:{day.isoformat()}"


@dataclass(frozen=True, slots=True)
class ComplianceService:
    uow: UnitOfWorkFactory
    clock: Clock
    # Hooks filled when incidents, votes and determinations merge (issues 7 and 8): until
    # then the report says "not available yet" for them, never a number.
    pending: Sequence[Pending] = (CONFIRMED_VIOLATIONS, DETERMINATIONS)

    def report(
        self,
        principal: Principal,
        period: Period,
        edition: Edition = Edition.PUBLIC,
        address: str | None = None,
    ) -> ComplianceReport:
        """The report of `period` for one edition. Public: public material only, whoever
        asks. Restricted: what the principal may list, by the policy; one audit entry."""
        reader = ANONYMOUS if edition is Edition.PUBLIC else principal
        scope = report_scope(reader)
        with self.uow() as uow:
            bodies = {body.id: body for body in uow.bodies.list_all()}
            groups = _groups(uow, period.days, scope, bodies)
            previous = period.previous()
            previous_groups = _groups(uow, previous.days, scope, bodies)
            earlier = self._earlier_totals(uow, period, scope, bodies)
            confirmations = _confirmations(uow, period.days)
            if edition is Edition.RESTRICTED:
                reason = f"compliance report {period.kind.value} {period.label()}, restricted"
                made = Decision(reader, Action.LIST, ResourceKind.REPORT, None, ALLOW, reason)
                audit_decision(uow, self.clock.now(), made, address)
                uow.commit()
        figures = fold_groups(groups)
        return ComplianceReport(
            period=period,
            edition=edition,
            edition_for=reader.body_id if edition is Edition.RESTRICTED else None,
            generated_at=self.clock.now(),
            figures=figures,
            daily_totals=series_of(groups, period.days),
            change=change_against(figures, fold_groups(previous_groups), earlier),
            confirmations=confirmations,
            pending=(*self.pending, COVERAGE_GAPS),
            side_names=_side_names(figures, bodies),
        )

    def _earlier_totals(
        self, uow: UnitOfWork, period: Period, scope: ReportScope, bodies: dict[str, Body]
    ) -> list[tuple[str, int]]:
        found = []
        cursor = period
        for _ in range(EARLIER_PERIODS):
            cursor = cursor.previous()
            total = sum(g.count for g in _groups(uow, cursor.days, scope, bodies))
            found.append((cursor.label(), total))
        return list(reversed(found))

    def principal_named(self, username: str) -> Principal:
        """For the console: the member whose need-to-know an edition or export follows."""
        with self.uow() as uow:
            member = uow.members.get_by_username(username)
            if member is None:
                raise NotFoundError("member")
            return principal_of(uow, member)

    def state_confirmations(self, statements: Iterable[SideConfirmation]) -> int:
        """Put the sides' published confirmation figures on the record, once each: a
        statement already there (same day, sides, figures and source) is not added again.
        Returns how many were added."""
        added = 0
        with self.uow() as uow:
            for statement in statements:
                known = _confirmations(uow, [statement.day])
                if statement in known:
                    continue
                uow.record.append(
                    CONFIRMATION_KIND,
                    subject=confirmation_subject(statement.day),
                    at=self.clock.now(),
                    public={
                        "day": statement.day.isoformat(),
                        "confirming": statement.confirming,
                        "reported_by": statement.reported_by,
                        "reported": statement.reported,
                        "confirmed": statement.confirmed,
                        "source": statement.source,
                    },
                )
                added += 1
            uow.commit()
        return added


def side_of(body_id: str | None, source_name: str, bodies: dict[str, Body]) -> str:
    """Who reported: the filing body when a party, guarantor or mediation filed it; for
    the mechanism's own intake (datasets, bulletins), the source it names."""
    body = bodies.get(body_id or "")
    if body is None or body.kind is BodyKind.MECHANISM:
        return source_name
    return body.id


def _groups(
    uow: UnitOfWork, days: Sequence[date], scope: ReportScope, bodies: dict[str, Body]
) -> list[FigureGroup]:
    found: list[FigureGroup] = []
    for day in days:
        start, end = day_window(day)
        rows: list[FigureRow] = uow.compliance.figure_rows(start, end, scope)
        found.extend(
            FigureGroup(day, place, party, kind, side_of(body_id, source, bodies), count, adm1)
            for place, adm1, party, kind, body_id, source, count in rows
        )
    return found


def _confirmations(uow: UnitOfWork, days: Sequence[date]) -> list[SideConfirmation]:
    found = []
    for day in days:
        for entry in uow.record.about(confirmation_subject(day)):
            if entry.kind != CONFIRMATION_KIND:
                continue
            doc = json.loads(entry.body)
            found.append(
                SideConfirmation(
                    date.fromisoformat(doc["day"]),
                    doc["confirming"],
                    doc["reported_by"],
                    int(doc["reported"]),
                    int(doc["confirmed"]),
                    doc.get("source", ""),
                )
            )
    return found


def _side_names(figures: Figures, bodies: dict[str, Body]) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    for side in figures.by_side:
        body = bodies.get(side)
        names[side] = {"en": body.name, **body.names} if body is not None else {"en": side}
    return names
