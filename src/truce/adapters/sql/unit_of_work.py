"""The SQL unit of work: one connection, one transaction, repositories bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, NestedTransaction, RootTransaction

from truce.adapters.sql.auth_repositories import (
    SqlAccounts,
    SqlApiTokens,
    SqlAuditTrail,
    SqlAuthChallenges,
    SqlLoginFailures,
    SqlPasskeys,
    SqlSessions,
)
from truce.adapters.sql.compliance_repositories import SqlComplianceFigures
from truce.adapters.sql.decision_repositories import SqlMemberKeys, SqlSignedDecisions
from truce.adapters.sql.evidence_repositories import SqlEvidence
from truce.adapters.sql.geo_repository import SqlGeoStore
from truce.adapters.sql.incident_repositories import SqlIncidents
from truce.adapters.sql.intake_repositories import SqlIntake
from truce.adapters.sql.oidc_repositories import SqlOidcStore
from truce.adapters.sql.procedure_repositories import SqlProcedureStore
from truce.adapters.sql.record_store import SqlRecord
from truce.adapters.sql.repositories import (
    SqlActors,
    SqlAgreements,
    SqlBodies,
    SqlMembers,
    SqlReports,
)
from truce.adapters.sql.talk_repositories import SqlTalks
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
    Reports,
    Sessions,
    SignedDecisions,
)
from truce.application.procedure_ports import ProcedureStore
from truce.application.talks_ports import Talks


class SqlUnitOfWork:
    """Opens a transaction on enter; anything not committed is rolled back on exit.

    Given an Engine it owns a fresh connection. Given a Connection (tests hold one open in an
    outer transaction that they roll back) it works inside a SAVEPOINT instead, so the same
    code runs in both cases.
    """

    def __init__(self, bind: Engine | Connection) -> None:
        self._bind = bind
        self._connection: Connection | None = None
        self._transaction: RootTransaction | NestedTransaction | None = None

    def __enter__(self) -> Self:
        if isinstance(self._bind, Engine):
            self._connection = self._bind.connect()
            self._transaction = self._connection.begin()
        else:
            self._connection = self._bind
            self._transaction = self._bind.begin_nested()
        connection = self._connection
        self.bodies: Bodies = SqlBodies(connection)
        self.actors: Actors = SqlActors(connection)
        self.members: Members = SqlMembers(connection)
        self.agreements: Agreements = SqlAgreements(connection)
        self.reports: Reports = SqlReports(connection)
        self.record: Record = SqlRecord(connection)
        self.accounts: Accounts = SqlAccounts(connection)
        self.sessions: Sessions = SqlSessions(connection)
        self.api_tokens: ApiTokens = SqlApiTokens(connection)
        self.login_failures: LoginFailures = SqlLoginFailures(connection)
        self.audit: AuditTrail = SqlAuditTrail(connection)
        self.passkeys: Passkeys = SqlPasskeys(connection)
        self.auth_challenges: AuthChallenges = SqlAuthChallenges(connection)

        self.member_keys: MemberKeys = SqlMemberKeys(connection)
        self.signed_decisions: SignedDecisions = SqlSignedDecisions(connection)
        self.intake: Intake = SqlIntake(connection)
        self.oidc: OidcStore = SqlOidcStore(connection)
        self.geo: GeoStore = SqlGeoStore(connection)
        self.incidents: Incidents = SqlIncidents(connection)
        self.talks: Talks = SqlTalks(connection)
        self.compliance: ComplianceFigures = SqlComplianceFigures(connection)
        self.procedure: ProcedureStore = SqlProcedureStore(connection)
        self.evidence: EvidenceRepository = SqlEvidence(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            if isinstance(self._bind, Engine) and self._connection is not None:
                self._connection.close()
            self._transaction = None
            self._connection = None

    def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("commit outside a unit of work")
        # The record's entries join the transaction that made the change they describe.
        self.record.flush()
        self._transaction.commit()

    def rollback(self) -> None:
        if self._transaction is not None and self._transaction.is_active:
            self._transaction.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.bind)
