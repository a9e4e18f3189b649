"""Incidents: correlating filed reports, showing an incident to a principal, and the analyst's
merge and split (docs/correlation.md).

Correlation runs inside the unit of work that files the reports (`correlate`), so a report
and its incident commit together; it reads candidate incidents by time window from the store,
seeds the same in-memory engine the `truce correlate` command uses, and writes back what
changed. A single filing appends one record entry per engine decision; a dataset batch
appends one entry for the batch (the import's own rate could not carry one per row), whose
digest covers every decision.

Need-to-know: an incident is mechanism material, and a principal sees one only when the
policy lets them read incidents at the mechanism level and they may read at least one of its
reports. Its claims, links, sources and band are built from those reports only, so a report
its submitter alone may read leaves no trace on the page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from truce.application.access_guard import Decision, access_report, audit_decision, principal_of
from truce.application.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from truce.application.procedure_moves import check_receives, close_case, revise_received
from truce.domain.access import ALLOW, Action, Deny, Principal, Resource, ResourceKind, decide
from truce.domain.confidentiality import Confidentiality
from truce.domain.correlation import Attachment, Correlator, Observation
from truce.domain.errors import FieldError, InvalidInputError, NotFoundError, ProcedureError
from truce.domain.incidents import (
    NAMED_PLACE_RADIUS_M,
    Band,
    ClaimRow,
    Corroboration,
    Incident,
    IncidentStatus,
    Link,
    PlacePoint,
    PlaceResolver,
    claims_of,
    corroboration,
    observe,
)
from truce.domain.parties import Actor, Member
from truce.domain.procedure import Step
from truce.domain.reports import Report

MAX_LIST = 200
# What separates several actors named in one field.
_SEVERAL = re.compile(r"[;,/،]| and | و")


def no_places(_text: str) -> PlacePoint | None:
    """A place port that knows no names: the `truce correlate` command without a gazetteer,
    and a store without boundaries."""
    return None


# The place port for a set of reports, inside the unit of work that correlates them.
PlacesOf = Callable[[UnitOfWork, Sequence[Report]], PlaceResolver]


def placed_names(uow: UnitOfWork, reports: Sequence[Report]) -> PlaceResolver:
    """Place names as the geography placed their reports: filing places a report before it
    correlates it (bootstrap's AfterFilingSteps), in the same unit of work, so a party's
    report that names only a village is correlated at that village's point and radius. One
    read for all the reports; a name placement could not resolve stays unknown."""
    named = [r for r in reports if r.content.place_text and r.content.latitude is None]
    if not named:
        return no_places
    stored = uow.geo.placements([r.id for r in named], None)
    points: dict[str, PlacePoint] = {}
    for report in named:
        place = stored.get(report.id)
        if place is None or place.latitude is None or place.longitude is None:
            continue
        radius = place.radius_m if place.radius_m is not None else NAMED_PLACE_RADIUS_M
        points[report.content.place_text or ""] = PlacePoint(
            place.latitude, place.longitude, radius
        )
    return points.get


def incident_resource(incident_id: str) -> Resource:
    """An incident as the policy sees it: the mechanism's material, at the mechanism level."""
    return Resource(ResourceKind.INCIDENT, incident_id, confidentiality=Confidentiality.MECHANISM)


class AliasKeys:
    """Actor names to keys through the alias registry: a resolved actor counts as itself and
    as its party, so "armed groups" and "the Free Syrian Army" meet at the opposition."""

    def __init__(self, actors: Sequence[Actor]) -> None:
        self._by_name: dict[str, Actor] = {}
        self._by_id = {actor.id: actor for actor in actors}
        for actor in actors:
            for name in actor.all_names():
                self._by_name.setdefault(name.casefold().strip(), actor)

    def __call__(self, name: str | None, actor_id: str | None) -> frozenset[str]:
        actor = self._by_id.get(actor_id) if actor_id else None
        if actor is not None:
            return self._keys(actor)
        if not name:
            return frozenset()
        whole = self._by_name.get(name.casefold().strip())
        if whole is not None:
            return self._keys(whole)
        # A field may name several actors ("Syrian Arab Army; Hezbollah"): each counts.
        keys: set[str] = set()
        for part in _SEVERAL.split(name):
            cleaned = part.casefold().strip()
            if cleaned:
                found = self._by_name.get(cleaned)
                keys |= self._keys(found) if found is not None else {cleaned}
        return frozenset(keys)

    @staticmethod
    def _keys(actor: Actor) -> frozenset[str]:
        keys = {f"actor:{actor.id}"}
        if actor.party_id:
            keys.add(f"party:{actor.party_id}")
        return frozenset(keys)

    def name(self, actor_id: str | None) -> str | None:
        actor = self._by_id.get(actor_id) if actor_id else None
        return None if actor is None else actor.name


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident as one principal may see it."""

    incident: Incident
    reports: list[Report]
    links: list[Link]
    claims: list[ClaimRow]
    corroboration: Corroboration
    # Whether the principal may merge and split it (it is open and the policy lets them edit).
    editable: bool = False

    @property
    def occurred_from(self) -> datetime:
        return min(r.content.occurred_from for r in self.reports)

    @property
    def occurred_to(self) -> datetime:
        return max(r.content.occurred_to or r.content.occurred_from for r in self.reports)

    @property
    def disputed(self) -> bool:
        return any(row.disputed for row in self.claims)


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """What an incident list may be narrowed to: a corroboration band, a span of days the
    incident's reports touch, and whether any claim is disputed."""

    band: Band | None = None
    since: date | None = None
    until: date | None = None
    disputed: bool | None = None

    def admits(self, view: IncidentView) -> bool:
        if self.band is not None and view.corroboration.band != self.band:
            return False
        if self.since is not None and view.occurred_to.astimezone(UTC).date() < self.since:
            return False
        if self.until is not None and view.occurred_from.astimezone(UTC).date() > self.until:
            return False
        return self.disputed is None or view.disputed == self.disputed


@dataclass(frozen=True, slots=True)
class IncidentService:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    places: PlacesOf = field(default=placed_names)

    # --- correlation, inside the filing's unit of work ----------------------------------

    def correlate(self, uow: UnitOfWork, reports: Sequence[Report], *, itemise: bool) -> None:
        """Attach each report to an incident or open one; write what changed and record it."""
        if not reports:
            return
        aliases = AliasKeys(uow.actors.list_all())
        places = self.places(uow, reports)
        observed = [observe(r, places, aliases) for r in reports]
        start = min(o.start - o.time_slack for o in observed)
        end = max(o.end + o.time_slack for o in observed)
        incidents = {i.id: i for i in uow.incidents.candidates(_moment(start), _moment(end))}
        engine = Correlator(new_id=self.ids.new_id, horizon_s=float("inf"))
        members: dict[str, Observation] = {}
        earlier = _reports_of(uow, incidents.values())
        places = self.places(uow, [r for group in earlier.values() for r in group])
        for incident_id, group in earlier.items():
            seeded = [observe(r, places, aliases) for r in group]
            members.update((o.report_id, o) for o in seeded)
            engine.seed(incident_id, seeded)
        _keep_split_parts_apart(engine, incidents.values())
        now = self.clock.now()
        changed: set[str] = set()
        decisions = []
        for report, observation in zip(reports, observed, strict=True):
            attachment = engine.add(observation)
            members[report.id] = observation
            incidents[attachment.incident_id] = _apply(incidents, attachment, report, now)
            changed.add(attachment.incident_id)
            decisions.append(attachment)
        uow.incidents.save_many(
            [(incidents[i], _window(incidents[i], members)) for i in sorted(changed)]
        )
        _record_decisions(uow, decisions, now, itemise=itemise)

    # --- reading --------------------------------------------------------------------------

    def get_incident(
        self, principal: Principal, incident_id: str, address: str | None = None
    ) -> IncidentView:
        """The incident as the principal may see it; NotFoundError alike when it is missing,
        the policy refuses, or the principal may read none of its reports. Each refusal and
        each allowed read leaves one audit entry (incidents are never public yet)."""
        with self.uow() as uow:
            view = self._view(uow, principal, uow.incidents.get(incident_id))
            outcome = ALLOW if view is not None else Deny("no such incident or need-to-know")
            entry = Decision(principal, Action.READ, ResourceKind.INCIDENT, incident_id, outcome)
            audit_decision(uow, self.clock.now(), entry, address)
            uow.commit()
        if view is None:
            raise NotFoundError("incident")
        return view

    def list_incidents(
        self,
        principal: Principal,
        limit: int = 50,
        address: str | None = None,
        only: IncidentFilter = IncidentFilter(),
    ) -> list[IncidentView]:
        """Open incidents the principal may see, newest first, narrowed by `only` (one audit
        entry per page that shows any, naming them)."""
        limit = max(1, min(limit, MAX_LIST))
        with self.uow() as uow:
            views = [
                view
                for incident in uow.incidents.page(MAX_LIST if only != IncidentFilter() else limit)
                if (view := self._view(uow, principal, incident)) is not None and only.admits(view)
            ][:limit]
            if views:
                named = ", ".join(v.incident.id for v in views[:20])
                entry = Decision(
                    principal, Action.LIST, ResourceKind.INCIDENT, None, ALLOW,
                    f"listed {len(views)} incidents: {named}",
                )  # fmt: skip
                audit_decision(uow, self.clock.now(), entry, address)
                uow.commit()
        return views

    def _view(
        self, uow: UnitOfWork, principal: Principal, incident: Incident | None
    ) -> IncidentView | None:
        if incident is None or not decide(principal, Action.READ, incident_resource(incident.id)):
            return None
        visible = [r for r in _reports(uow, incident.report_ids) if _may_read(principal, r)]
        if not visible:
            return None
        ids = {r.id for r in visible}
        links = [_visible_link(link, ids) for link in incident.links if link.report_id in ids]
        aliases = AliasKeys(uow.actors.list_all())
        editable = incident.status == IncidentStatus.OPEN and bool(
            decide(principal, Action.EDIT, incident_resource(incident.id))
        )
        return IncidentView(
            incident, visible, links, claims_of(visible, aliases.name), corroboration(visible),
            editable,
        )  # fmt: skip

    # --- the analyst's merge and split --------------------------------------------------

    def merge(
        self,
        member: Member,
        into_id: str,
        other_id: str,
        address: str | None = None,
        *,
        reason: str,
    ) -> Incident:
        """Fold `other` into `into`: its links move over (marked as the analyst's), it is
        marked merged. Both must be open and visible to the analyst and editable by them.
        The analyst's reason goes to the record's confidential part."""
        problems = _reason_problems(reason)
        if into_id == other_id:
            problems.append(FieldError("other", "must be another incident"))
        if problems:
            raise InvalidInputError(problems)
        with self.uow() as uow:
            principal = principal_of(uow, member)
            into = self._editable(uow, principal, into_id, address)
            other = self._editable(uow, principal, other_id, address)
            now = self.clock.now()
            moved = tuple(
                Link(link.report_id, now, link.matched_report_id, link.components, member.id)
                for link in other.links
            )
            merged = Incident(
                into.id, into.agreement_id, into.opened_at, IncidentStatus.OPEN, into.links + moved
            )
            _close_merged_case(uow, principal, into, other, now)
            window = _stored_window(uow, into, other)
            uow.incidents.save(merged, window)
            uow.incidents.save(_closed(other, IncidentStatus.MERGED, merged_into=into.id), None)
            uow.record.append(
                "incident.merged",
                subject=f"incident:{into.id}",
                at=now,
                public={"incident_id": into.id, "merged_id": other.id, "by": member.id},
                confidential={"reason": reason.strip()},
            )
            uow.commit()
        return merged

    def split(
        self,
        member: Member,
        incident_id: str,
        report_ids: Sequence[str],
        address: str | None = None,
        *,
        reason: str,
    ) -> tuple[Incident, Incident]:
        """Divide an incident in two new ones: the reports named, and the rest. The original
        is marked split; each part names it. Only reports the analyst may see can be named.
        The analyst's reason goes to the record's confidential part."""
        problems = _reason_problems(reason)
        if problems:
            raise InvalidInputError(problems)
        with self.uow() as uow:
            principal = principal_of(uow, member)
            incident = self._editable(uow, principal, incident_id, address)
            chosen = set(report_ids)
            visible = {r.id for r in _reports(uow, incident.report_ids) if _may_read(principal, r)}
            if not chosen or not chosen <= visible or chosen == set(incident.report_ids):
                raise InvalidInputError(
                    [FieldError("report_ids", "name some, not all, of the incident's reports")]
                )
            now = self.clock.now()
            _close_split_case(uow, principal, incident, now)
            parts = []
            for group in (
                [link for link in incident.links if link.report_id in chosen],
                [link for link in incident.links if link.report_id not in chosen],
            ):
                links = tuple(Link(k.report_id, now, None, None, member.id) for k in group)
                part = Incident(
                    self.ids.new_id(),
                    incident.agreement_id,
                    now,
                    IncidentStatus.OPEN,
                    links,
                    split_from=incident.id,
                )
                uow.incidents.save(part, _stored_window(uow, part))
                parts.append(part)
            uow.incidents.save(_closed(incident, IncidentStatus.SPLIT), None)
            uow.record.append(
                "incident.split",
                subject=f"incident:{incident.id}",
                at=now,
                public={"incident_id": incident.id, "into": [p.id for p in parts], "by": member.id},
                confidential={"reason": reason.strip()},
            )
            uow.commit()
        return parts[0], parts[1]

    def _editable(
        self, uow: UnitOfWork, principal: Principal, incident_id: str, address: str | None
    ) -> Incident:
        incident = uow.incidents.get(incident_id)
        view = self._view(uow, principal, incident)
        allowed = (
            view is not None
            and incident is not None
            and incident.status == IncidentStatus.OPEN
            and bool(decide(principal, Action.EDIT, incident_resource(incident_id)))
        )
        if not allowed or incident is None:
            refused = Decision(
                principal, Action.EDIT, ResourceKind.INCIDENT, incident_id,
                Deny("no such open incident or need-to-know"),
            )  # fmt: skip
            audit_decision(uow, self.clock.now(), refused, address)
            uow.commit()
            raise NotFoundError("incident")
        return incident


MAX_REASON = 2_000


def _close_merged_case(
    uow: UnitOfWork, principal: Principal, into: Incident, other: Incident, now: datetime
) -> None:
    """The merged-away incident's verification case goes with it: MERGE through the
    procedure's table, recorded in this unit of work. The surviving case's file changed, so
    its revision rises. A determined or published case refuses the merge on either side."""
    try:
        check_receives(uow, into)
    except ProcedureError as error:
        raise InvalidInputError([FieldError("other", f"cannot merge into this: {error}")]) from None
    try:
        close_case(
            uow, other, Step.MERGE, principal.effective_roles,
            by=principal.member_id or "", now=now, merged_into=into.id,
        )  # fmt: skip
    except ProcedureError as error:
        raise InvalidInputError([FieldError("other", f"cannot be merged: {error}")]) from None
    revise_received(uow, into, now)


def _close_split_case(
    uow: UnitOfWork, principal: Principal, incident: Incident, now: datetime
) -> None:
    """A split closes the original's case (SPLIT through the table); each part starts its own
    case, reported: the file the board would vote on is a different one."""
    try:
        close_case(
            uow, incident, Step.SPLIT, principal.effective_roles,
            by=principal.member_id or "", now=now,
        )  # fmt: skip
    except ProcedureError as error:
        raise InvalidInputError([FieldError("report_ids", f"cannot split: {error}")]) from None


def _reason_problems(reason: str) -> list[FieldError]:
    """An analyst's merge or split needs a reason others can weigh later."""
    if not reason.strip():
        return [FieldError("reason", "is required: say why")]
    if len(reason) > MAX_REASON:
        return [FieldError("reason", f"must be at most {MAX_REASON} characters")]
    return []


def _keep_split_parts_apart(engine: Correlator, incidents: Iterable[Incident]) -> None:
    """An analyst's split stands: the parts of one split are cannot-links for the engine, so
    a report correcting one part's report never lands in another part."""
    parts: dict[str, list[Incident]] = {}
    for incident in incidents:
        if incident.split_from is not None:
            parts.setdefault(incident.split_from, []).append(incident)
    for siblings in parts.values():
        for i, part in enumerate(siblings):
            for other in siblings[i + 1 :]:
                engine.keep_apart(part.report_ids, other.report_ids)


def _may_read(principal: Principal, report: Report) -> bool:
    try:
        access_report(principal, report)
    except NotFoundError:
        return False
    return True


def _visible_link(link: Link, visible: set[str]) -> Link:
    """A link as shown: the member it matched is named only when that one is visible too."""
    if link.matched_report_id is None or link.matched_report_id in visible:
        return link
    return Link(link.report_id, link.linked_at, None, link.components, link.decided_by)


def _reports(uow: UnitOfWork, report_ids: Sequence[str]) -> list[Report]:
    """The reports of these ids that exist, in the order given, from one read."""
    found = {r.id: r for r in uow.reports.get_many(report_ids)}
    return [found[i] for i in report_ids if i in found]


def _reports_of(uow: UnitOfWork, incidents: Iterable[Incident]) -> dict[str, list[Report]]:
    """Each incident's reports, as `_reports` gives them, from one read for all of them:
    correlation seeds every candidate incident of a batch, and a read per report was a
    statement per report."""
    chosen = list(incidents)
    wanted = [i for incident in chosen for i in incident.report_ids]
    by_id = {r.id: r for r in uow.reports.get_many(wanted)}
    return {
        incident.id: [by_id[i] for i in incident.report_ids if i in by_id] for incident in chosen
    }


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _window(
    incident: Incident, members: dict[str, Observation]
) -> tuple[datetime, datetime] | None:
    return _span(members[i] for i in incident.report_ids if i in members)


def _span(observations: Iterable[Observation]) -> tuple[datetime, datetime] | None:
    known = list(observations)
    if not known:
        return None
    start = min(o.start - o.time_slack for o in known)
    end = max(o.end + o.time_slack for o in known)
    return _moment(start), _moment(end)


def _stored_window(uow: UnitOfWork, *incidents: Incident) -> tuple[datetime, datetime] | None:
    """The window of incidents an analyst changed, from their reports."""
    ids = [i for incident in incidents for i in incident.report_ids]
    return _span(observe(r, no_places, AliasKeys([])) for r in _reports(uow, ids))


def _closed(incident: Incident, status: IncidentStatus, merged_into: str | None = None) -> Incident:
    return Incident(
        incident.id, incident.agreement_id, incident.opened_at, status, incident.links,
        merged_into=merged_into, split_from=incident.split_from,
    )  # fmt: skip


def _apply(
    incidents: dict[str, Incident], attachment: Attachment, report: Report, now: datetime
) -> Incident:
    if attachment.opened:
        link = Link(report.id, now)
        return Incident(
            attachment.incident_id, report.agreement_id, now, IncidentStatus.OPEN, (link,)
        )
    match = attachment.match
    assert match is not None  # noqa: S101 - an attachment that opened nothing has its match
    link = Link(report.id, now, match.member_id, match.components.as_json())
    current = incidents[attachment.incident_id]
    return Incident(
        current.id, current.agreement_id, current.opened_at, current.status,
        (*current.links, link), current.merged_into, current.split_from,
    )  # fmt: skip


def _record_decisions(
    uow: UnitOfWork, decisions: list[Attachment], at: datetime, *, itemise: bool
) -> None:
    """One entry per decision for a filing; one for a whole dataset batch, with a digest
    over "<report id> <incident id> <opened|attached>\\n" of every decision, in order."""
    if itemise:
        for d in decisions:
            public: dict[str, object] = {"incident_id": d.incident_id, "report_id": d.report_id}
            if d.match is not None:
                public["matched_report_id"] = d.match.member_id
            kind = "incident.opened" if d.opened else "incident.report_attached"
            confidential = None if d.match is None else {"components": d.match.components.as_json()}
            uow.record.append(
                kind, subject=f"incident:{d.incident_id}", at=at, public=public,  # type: ignore[arg-type]
                confidential=confidential,  # type: ignore[arg-type]
            )  # fmt: skip
        return
    digest = hashlib.sha256()
    for d in decisions:
        digest.update(
            f"{d.report_id} {d.incident_id} {'opened' if d.opened else 'attached'}\n".encode()
        )
    uow.record.append(
        "incident.batch_correlated",
        subject=None,
        at=at,
        public={
            "reports": len(decisions),
            "opened": sum(1 for d in decisions if d.opened),
            "decisions_digest": digest.hexdigest(),
        },
    )
