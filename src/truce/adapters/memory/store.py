"""In-memory fakes of the ports: the unit tests' store and the correlate CLI's.

A unit of work copies the state on enter and publishes it on commit, so an uncommitted
change is lost exactly as a rolled-back transaction's would be.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Self

from truce.adapters.memory.auth_store import (
    MemoryAccounts,
    MemoryApiTokens,
    MemoryAuditTrail,
    MemoryAuthChallenges,
    MemoryAuthState,
    MemoryLoginFailures,
    MemoryPasskeys,
    MemorySessions,
)
from truce.adapters.memory.compliance_store import MemoryComplianceFigures
from truce.adapters.memory.decision_store import (
    MemoryDecisionState,
    MemoryMemberKeys,
    MemorySignedDecisions,
)
from truce.adapters.memory.evidence_store import MemoryEvidence, MemoryEvidenceState
from truce.adapters.memory.geo_store import MemoryGeoState, MemoryGeoStore
from truce.adapters.memory.incident_store import MemoryIncidents, MemoryIncidentState
from truce.adapters.memory.intake_store import MemoryIntake, MemoryIntakeState
from truce.adapters.memory.oidc_store import MemoryOidcState, MemoryOidcStore
from truce.adapters.memory.procedure_store import MemoryProcedureState, MemoryProcedureStore
from truce.adapters.memory.record_store import MemoryRecord, MemoryRecordState
from truce.adapters.memory.talk_store import MemoryTalks, MemoryTalkState
from truce.application.geo_ports import GeoStore
from truce.application.oidc_ports import OidcStore
from truce.application.ports import (
    Accounts,
    Actors,
    Agreements,
    ApiTokens,
    AuditTrail,
    AuthChallenges,
    Bodies,
    ComplianceFigures,
    EvidenceRepository,
    Incidents,
    Intake,
    LoginFailures,
    MemberKeys,
    Members,
    Passkeys,
    Record,
    ReportCursor,
    Reports,
    ReportScope,
    Sessions,
    SignedDecisions,
)
from truce.application.procedure_ports import ProcedureStore
from truce.application.talks_ports import Talks
from truce.domain.agreements import Agreement
from truce.domain.errors import IdempotencyKeyTakenError
from truce.domain.parties import Actor, Body, Member
from truce.domain.reports import Report
from truce.domain.search import matches, report_document


@dataclass
class MemoryState:
    bodies: dict[str, Body] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    agreements: dict[tuple[str, int], Agreement] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], str] = field(default_factory=dict)
    record: MemoryRecordState = field(default_factory=MemoryRecordState)
    auth: MemoryAuthState = field(default_factory=MemoryAuthState)
    decisions: MemoryDecisionState = field(default_factory=MemoryDecisionState)
    intake: MemoryIntakeState = field(default_factory=MemoryIntakeState)
    oidc: MemoryOidcState = field(default_factory=MemoryOidcState)
    geo: MemoryGeoState = field(default_factory=MemoryGeoState)
    incidents: MemoryIncidentState = field(default_factory=MemoryIncidentState)
    talks: MemoryTalkState = field(default_factory=MemoryTalkState)
    procedure: MemoryProcedureState = field(default_factory=MemoryProcedureState)
    evidence: MemoryEvidenceState = field(default_factory=MemoryEvidenceState)


class MemoryBodies:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def add(self, body: Body) -> None:
        self._s.bodies[body.id] = body

    def get(self, body_id: str) -> Body | None:
        return self._s.bodies.get(body_id)

    def list_all(self) -> list[Body]:
        return sorted(self._s.bodies.values(), key=lambda body: body.id)


class MemoryActors:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def add(self, actor: Actor) -> None:
        self._s.actors[actor.id] = actor

    def get(self, actor_id: str) -> Actor | None:
        return self._s.actors.get(actor_id)

    def list_all(self) -> list[Actor]:
        return sorted(self._s.actors.values(), key=lambda actor: actor.id)

    def find_by_name(self, text: str) -> list[Actor]:
        folded = text.strip().casefold()
        return [
            actor
            for actor in self.list_all()
            if actor.name.casefold() == folded
            or any(alias.text.casefold() == folded for alias in actor.aliases)
        ]


class MemoryMembers:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def add(self, member: Member) -> None:
        self._s.members[member.id] = member

    def get(self, member_id: str) -> Member | None:
        return self._s.members.get(member_id)

    def get_by_username(self, username: str) -> Member | None:
        return next((m for m in self._s.members.values() if m.username == username), None)

    def get_many(self, member_ids: Collection[str]) -> list[Member]:
        return [self._s.members[i] for i in set(member_ids) if i in self._s.members]

    def set_language(self, member_id: str, language: str | None) -> None:
        member = self._s.members.get(member_id)
        if member is not None:
            self._s.members[member_id] = replace(member, language=language)

    def list_all(self) -> list[Member]:
        return sorted(self._s.members.values(), key=lambda member: member.username)


class MemoryAgreements:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def add(self, agreement: Agreement) -> None:
        self._s.agreements[(agreement.id, agreement.version)] = agreement

    def get(self, agreement_id: str, version: int | None = None) -> Agreement | None:
        versions = [a for (i, _), a in self._s.agreements.items() if i == agreement_id]
        if version is not None:
            return next((a for a in versions if a.version == version), None)
        return max(versions, key=lambda a: a.version, default=None)

    def list_all(self) -> list[Agreement]:
        ids = sorted({agreement_id for agreement_id, _ in self._s.agreements})
        return [a for a in (self.get(i) for i in ids) if a is not None]


class MemoryReports:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def add(self, report: Report, idempotency_scope: str) -> None:
        key = report.content.idempotency_key
        if key is not None:
            if (idempotency_scope, key) in self._s.idempotency:
                raise IdempotencyKeyTakenError
            self._s.idempotency[(idempotency_scope, key)] = report.id
        self._s.reports[report.id] = report

    def get(self, report_id: str) -> Report | None:
        return self._s.reports.get(report_id)

    def get_many(self, report_ids: Collection[str]) -> list[Report]:
        found = (self._s.reports.get(i) for i in dict.fromkeys(report_ids))
        return [r for r in found if r is not None]

    def by_idempotency_key(self, idempotency_scope: str, key: str) -> Report | None:
        report_id = self._s.idempotency.get((idempotency_scope, key))
        return None if report_id is None else self._s.reports[report_id]

    def page(
        self,
        limit: int,
        after: ReportCursor | None = None,
        scope: ReportScope | None = None,
        submitted_by: str | None = None,
    ) -> list[Report]:
        chosen = [r for r in self._visible(scope) if submitted_by in {None, r.submitted_by}]
        ordered = sorted(chosen, key=lambda r: (r.filed_at, r.id), reverse=True)
        if after is not None:
            mark = (after.filed_at, after.report_id)
            ordered = [r for r in ordered if (r.filed_at, r.id) < mark]
        return ordered[:limit]

    def count(self, scope: ReportScope | None = None) -> int:
        return sum(1 for _ in self._visible(scope))

    def search(self, terms: Sequence[str], limit: int, scope: ReportScope) -> list[Report]:
        """A plain token match over the same normal form the SQL stores index."""
        wanted = list(terms)
        found = [r for r in self._visible(scope) if matches(report_document(r), wanted)]
        return sorted(found, key=lambda r: (r.filed_at, r.id), reverse=True)[:limit]

    def _visible(self, scope: ReportScope | None) -> list[Report]:
        retired = self._s.intake.retired
        reports = [r for r in self._s.reports.values() if r.id not in retired]
        return reports if scope is None else [r for r in reports if scope.admits(r)]


class MemoryUnitOfWork:
    def __init__(self, shared: MemoryState) -> None:
        self._shared = shared
        self._active = False

    def __enter__(self) -> Self:
        self._active = True
        self._start_from_shared()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._active = False

    def commit(self) -> None:
        if not self._active:
            raise RuntimeError("commit outside a unit of work")
        self.record.flush()
        for name, value in vars(self._working).items():
            setattr(self._shared, name, value)
        self._start_from_shared()

    def rollback(self) -> None:
        self._start_from_shared()

    def _start_from_shared(self) -> None:
        # Shallow copies suffice: the stored domain objects are frozen.
        # The record and the auth state hold containers of their own: they copy themselves.
        own_copies = {
            "record", "auth", "decisions", "intake", "oidc", "geo", "incidents", "talks",
            "procedure", "evidence",
        }  # fmt: skip
        copies = {k: copy.copy(v) for k, v in vars(self._shared).items() if k not in own_copies}
        self._working = MemoryState(
            **copies,
            record=self._shared.record.copy(),
            auth=self._shared.auth.copy(),
            decisions=self._shared.decisions.copy(),
            intake=self._shared.intake.copy(),
            oidc=self._shared.oidc.copy(),
            geo=self._shared.geo.copy(),
            incidents=self._shared.incidents.copy(),
            talks=self._shared.talks.copy(),
            procedure=self._shared.procedure.copy(),
            evidence=self._shared.evidence.copy(),
        )
        self.bodies: Bodies = MemoryBodies(self._working)
        self.actors: Actors = MemoryActors(self._working)
        self.members: Members = MemoryMembers(self._working)
        self.agreements: Agreements = MemoryAgreements(self._working)
        self.reports: Reports = MemoryReports(self._working)
        self.record: Record = MemoryRecord(self._working.record)
        auth = self._working.auth
        self.accounts: Accounts = MemoryAccounts(auth, self._working.members)
        self.sessions: Sessions = MemorySessions(auth)
        self.api_tokens: ApiTokens = MemoryApiTokens(auth)
        self.login_failures: LoginFailures = MemoryLoginFailures(auth)
        self.audit: AuditTrail = MemoryAuditTrail(auth)
        self.passkeys: Passkeys = MemoryPasskeys(auth)
        self.auth_challenges: AuthChallenges = MemoryAuthChallenges(auth)

        self.member_keys: MemberKeys = MemoryMemberKeys(self._working.decisions)
        self.signed_decisions: SignedDecisions = MemorySignedDecisions(self._working.decisions)
        self.intake: Intake = MemoryIntake(self._working.intake, self._working.reports)
        self.oidc: OidcStore = MemoryOidcStore(self._working.oidc)
        self.geo: GeoStore = MemoryGeoStore(
            self._working.geo, self._working.reports, self._working.intake.retired
        )
        self.incidents: Incidents = MemoryIncidents(self._working.incidents)
        self.talks: Talks = MemoryTalks(self._working.talks)
        self.compliance: ComplianceFigures = MemoryComplianceFigures(
            self._working.reports,
            self._working.intake.retired,
            self._working.geo.placements,
            self._working.incidents.incidents,
            self._working.procedure.cases,
        )
        self.procedure: ProcedureStore = MemoryProcedureStore(self._working.procedure)
        self.evidence: EvidenceRepository = MemoryEvidence(self._working.evidence)


class MemoryUnitOfWorkFactory:
    def __init__(self, state: MemoryState | None = None) -> None:
        self.state = state or MemoryState()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.state)
