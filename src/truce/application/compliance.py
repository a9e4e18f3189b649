"""Compliance reports (issue 10): daily, weekly and monthly figures, per edition.

The one choke point for them is `ComplianceService.report`: it derives the store's filter
from the access policy (`access_guard.report_scope`), so a report counts exactly what its
reader may list. The public edition is made with an anonymous principal's scope whoever asks,
so nothing that is not public reaches it; a restricted edition is the asking principal's
need-to-know, and making one leaves an audit entry.

The store does the counting (GROUP BY in SQL): the period's reports grouped by day and the
four breakdowns, the previous period by place only, the earlier periods as one count per
day. What the board found is read by `compliance_findings.read_findings`, through the policy
too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from truce.application.access_guard import (
    Decision,
    audit_decision,
    principal_of,
    report_scope,
)
from truce.application.compliance_findings import ReadFindings, read_findings, side_of
from truce.application.ports import Actors, Clock, FigureRow, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import ALLOW, ANONYMOUS, Action, Principal, ResourceKind
from truce.domain.compliance import (
    ComplianceReport,
    Edition,
    FigureGroup,
    Figures,
    Period,
    SideConfirmation,
    bucket_totals,
    change_against,
    earlier_periods,
    fold_groups,
    fold_places,
    period_window,
    series_of,
)
from truce.domain.compliance_findings import Findings
from truce.domain.errors import NotFoundError
from truce.domain.parties import Body

# Record entries holding the sides' published statements about each other's reports.
CONFIRMATION_KIND = "sides.confirmation_stated"

__all__ = ["CONFIRMATION_KIND", "ComplianceService", "confirmation_subject", "side_of"]


def confirmation_subject(day: date) -> str:
    return f"report_day:{day.isoformat()}"


@dataclass(frozen=True, slots=True)
class ComplianceService:
    uow: UnitOfWorkFactory
    clock: Clock

    def report(
        self,
        principal: Principal,
        period: Period,
        edition: Edition = Edition.PUBLIC,
        address: str | None = None,
    ) -> ComplianceReport:
        """The report of `period` for one edition. Public: public material only, whoever
        asks. Restricted: what the principal may list and read, by the policy; one audit
        entry."""
        reader = ANONYMOUS if edition is Edition.PUBLIC else principal
        scope = report_scope(reader)
        earlier = earlier_periods(period)
        with self.uow() as uow:
            bodies = {body.id: body for body in uow.bodies.list_all()}
            rows = uow.compliance.figure_rows(*period_window(period), scope)
            previous = uow.compliance.place_rows(*period_window(period.previous()), scope)
            totals = uow.compliance.day_totals(
                period_window(earlier[0])[0], period_window(earlier[-1])[1], scope
            )
            confirmations = _confirmations(uow, period.days)
            found = read_findings(uow, period, reader, scope, bodies)
            if edition is Edition.RESTRICTED:
                made = Decision(
                    reader, Action.LIST, ResourceKind.REPORT, None, ALLOW, _reason(period, found)
                )
                audit_decision(uow, self.clock.now(), made, address)
                uow.commit()
            groups = _groups(rows, bodies)
            figures = fold_groups(groups)
            findings = found.findings
            names = _names(_named_keys(figures, findings), bodies, uow.actors)
        return ComplianceReport(
            period=period,
            edition=edition,
            edition_for=reader.body_id if edition is Edition.RESTRICTED else None,
            generated_at=self.clock.now(),
            figures=figures,
            daily_totals=series_of(groups, period.days),
            change=change_against(figures, fold_places(previous), bucket_totals(earlier, totals)),
            confirmations=confirmations,
            findings=findings,
            side_names=names,
        )

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


def _reason(period: Period, found: ReadFindings) -> str:
    reason = f"compliance report {period.kind.value} {period.label()}, restricted"
    if not found.unpublished:
        return reason
    shown = ", ".join(found.unpublished[:20])
    return f"{reason}; unpublished determinations: {shown}"


def _groups(rows: Iterable[FigureRow], bodies: Mapping[str, Body]) -> list[FigureGroup]:
    return [
        FigureGroup(day, place, party, kind, side_of(body_id, source, bodies), count, adm1)
        for day, place, adm1, party, kind, body_id, source, count in rows
    ]


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


def _named_keys(figures: Figures, findings: Findings) -> list[str]:
    """Every body or actor id a label is needed for."""
    keys = [*figures.by_side, *findings.confirmed.by_side, *findings.confirmed.by_party]
    keys.extend(g.body_id for g in findings.guarantors)
    for incident in findings.notable:
        keys.extend(incident.sides)
        d = incident.determination
        if d is not None:
            keys.extend(k for k in (d.attributed_party_id, d.attributed_actor_id) if k)
            keys.extend(v.body_id for v in d.votes)
    return list(dict.fromkeys(keys))


def _names(
    keys: Iterable[str], bodies: Mapping[str, Body], actors: Actors
) -> dict[str, dict[str, str]]:
    """Each body's or actor's name in each language, for the labels; other keys (sources)
    as they are."""
    names: dict[str, dict[str, str]] = {}
    for key in keys:
        body = bodies.get(key)
        if body is not None:
            names[key] = {"en": body.name, **body.names}
            continue
        actor = actors.get(key)
        if actor is None:
            names[key] = {"en": key}
            continue
        arabic = next((a.text for a in actor.aliases if a.lang == "ar"), None)
        names[key] = {"en": actor.name} | ({"ar": arabic} if arabic else {})
    return names
