"""The composition root: wires adapters to the application's ports, once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import Engine

from truce.adapters.canonical import canonical_json
from truce.adapters.clock import SystemClock, UuidFactory
from truce.adapters.evidence_inspect import ContentInspection
from truce.adapters.evidence_store import FileEvidenceBlobs
from truce.adapters.geo.spatial import ShapelySpatial
from truce.adapters.member_signing import DemoSealer, Ed25519KeyPairs
from truce.adapters.notes import Ed25519NoteVerifier, MechanismSigner, load_or_create_signer
from truce.adapters.oidc_client import HttpOidcClient
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import upgrade
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.adapters.webauthn import WebAuthnVerifier
from truce.application.administration import AdministrationService
from truce.application.audit import AuditService
from truce.application.auth import AuthService, SecretBox
from truce.application.compliance import ComplianceService
from truce.application.decisions import DecisionService, default_objects
from truce.application.evidence import EvidenceService
from truce.application.exports import ExportService
from truce.application.geography import GeographyService
from truce.application.incidents import IncidentService
from truce.application.intake import IntakeService
from truce.application.member_keys import SEAL_PURPOSE, MemberKeyService, Sealer
from truce.application.monitoring import MonitoringService
from truce.application.oidc import OidcService, parse_declared_providers
from truce.application.oidc_ports import IdentityProviderClient
from truce.application.placement import AfterFilingSteps
from truce.application.ports import (
    Clock,
    IdFactory,
    PasskeyVerifier,
    PasswordHasher,
    UnitOfWorkFactory,
)
from truce.application.procedure import ProcedureService
from truce.application.procedure_objects import IncidentObjects
from truce.application.record import CheckpointSigner, RecordService
from truce.application.registry import RegistryService
from truce.application.talks import TalksService, talk_objects
from truce.domain.record import RecordError, parse_verifier_key
from truce.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    """Everything an entrypoint may call."""

    settings: Settings
    clock: Clock
    monitoring: MonitoringService
    registry: RegistryService
    record: RecordService
    auth: AuthService
    member_keys: MemberKeyService
    decisions: DecisionService
    audit: AuditService
    oidc: OidcService
    engine: Engine | None
    intake: IntakeService
    geography: GeographyService
    incidents: IncidentService
    talks: TalksService
    compliance: ComplianceService
    exports: ExportService
    procedure: ProcedureService
    evidence: EvidenceService

    @property
    def administration(self) -> AdministrationService:
        """The operator's account administration (stateless: it decides, auth does)."""
        return AdministrationService(self.auth)

    def close(self) -> None:
        # The OpenID Connect adapter holds an HTTP connection pool; test fakes hold nothing.
        close_client = getattr(self.oidc.client, "close", None)
        if callable(close_client):
            close_client()
        if self.engine is not None:
            self.engine.dispose()


def build_services(
    settings: Settings,
    *,
    uow: UnitOfWorkFactory | None = None,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    signer: CheckpointSigner | None = None,
    migrate: bool = True,
    hasher: PasswordHasher | None = None,
    passkeys: PasskeyVerifier | None = None,
    oidc_client: IdentityProviderClient | None = None,
) -> Services:
    """Build the services over the SQL store named in settings, or over the given fakes."""
    engine = None
    if uow is None:
        engine = make_engine(settings.database_url)
        if migrate:
            upgrade(engine)
        uow = SqlUnitOfWorkFactory(engine)
    clock = clock or SystemClock()
    ids = ids or UuidFactory()
    # An empty secret is passed on as it is: the service refuses to store a second factor
    # (or a sealed client secret) without one, and nothing else here needs it.
    auth = AuthService(
        uow,
        clock,
        ids,
        hasher or Argon2Hasher(),
        server_secret=settings.secret_key,
        demo=settings.demo,
        passkeys=passkeys or WebAuthnVerifier(),
    )
    member_keys = MemberKeyService(uow, clock, Ed25519KeyPairs(), member_key_sealer(settings))
    incidents = IncidentService(uow, clock, ids)
    geography = GeographyService(uow, clock, ShapelySpatial())
    # After filing, in the same unit of work: placement in the administrative units (derived
    # data, docs/geography.md "Placing reports"), then correlation into incidents, which
    # reads those placements for reports that give a place name only.
    after_filing = AfterFilingSteps((geography.place_filed, incidents.correlate))
    monitoring = MonitoringService(uow, clock, ids, after_filing=after_filing)
    # Guarantors vote on incidents: their decision objects join the default ones.
    objects = default_objects(canonical_json)
    incident_objects = IncidentObjects(canonical_json)
    objects[incident_objects.kind] = incident_objects
    decisions = DecisionService(
        uow,
        clock,
        canonical_json,
        Ed25519KeyPairs(),
        member_keys,
        auth,
        settings.record_origin,
        {**objects, **talk_objects(canonical_json)},
    )
    return Services(
        settings=settings,
        clock=clock,
        monitoring=monitoring,
        registry=RegistryService(uow, clock),
        record=RecordService(
            uow,
            clock,
            signer or mechanism_signer(settings),
            Ed25519NoteVerifier(),
            canonical_json,
            witnesses=known_witnesses(settings.witness_keys),
        ),
        auth=auth,
        member_keys=member_keys,
        decisions=decisions,
        oidc=OidcService(
            uow,
            clock,
            oidc_client or HttpOidcClient(clock),
            auth,
            declared=parse_declared_providers(settings.oidc_providers),
            server_secret=settings.secret_key,
            # Client secrets are named by the variable that holds them, read when used.
            environ=os.environ,
        ),
        audit=AuditService(uow, clock),
        engine=engine,
        intake=IntakeService(uow, clock, ids, monitoring),
        geography=geography,
        incidents=incidents,
        talks=TalksService(uow, clock, ids, decisions),
        compliance=ComplianceService(uow, clock),
        exports=ExportService(uow, clock),
        procedure=ProcedureService(uow, clock, ids, decisions, Ed25519KeyPairs()),
        evidence=EvidenceService(
            uow,
            clock,
            ids,
            FileEvidenceBlobs(settings.evidence_dir),
            ContentInspection(),
            settings.evidence_max_bytes,
        ),
    )


def member_key_sealer(settings: Settings) -> Sealer:
    """Server-held member keys are sealed with AES-GCM under a key derived from
    TRUCE_SECRET_KEY; only a demo without a secret keeps them unsealed (its store is
    thrown away each run), as it keeps its record key."""
    if settings.demo and not settings.secret_key:
        return DemoSealer()
    return SecretBox(settings.secret_key, SEAL_PURPOSE)


def known_witnesses(keys: str) -> dict[str, str]:
    """TRUCE_WITNESS_KEYS as key name -> verifier key; a malformed key stops the start."""
    known: dict[str, str] = {}
    for text in keys.replace(",", " ").split():
        try:
            key = parse_verifier_key(text)
        except RecordError as error:
            raise ValueError(f"TRUCE_WITNESS_KEYS holds an invalid key {text!r}: {error}") from None
        known[key.name] = text
    return known


def mechanism_signer(settings: Settings) -> MechanismSigner:
    """The mechanism's checkpoint key, made on first use in the key directory."""
    key = load_or_create_signer(
        settings.key_dir / "record.key", settings.record_origin, settings.secret_key
    )
    return MechanismSigner(key)
