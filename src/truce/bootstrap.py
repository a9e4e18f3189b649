"""The composition root: wires adapters to the application's ports, once per process."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from truce.adapters.canonical import canonical_json
from truce.adapters.clock import SystemClock, UuidFactory
from truce.adapters.geo.spatial import ShapelySpatial
from truce.adapters.notes import Ed25519NoteVerifier, MechanismSigner, load_or_create_signer
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import upgrade
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.auth import AuthService
from truce.application.geography import GeographyService
from truce.application.monitoring import MonitoringService
from truce.application.ports import Clock, IdFactory, PasswordHasher, UnitOfWorkFactory
from truce.application.record import CheckpointSigner, RecordService
from truce.application.registry import RegistryService
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
    engine: Engine | None
    geography: GeographyService

    def close(self) -> None:
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
    return Services(
        settings=settings,
        clock=clock,
        monitoring=MonitoringService(uow, clock, ids),
        registry=RegistryService(uow, clock),
        record=RecordService(
            uow, clock, signer or mechanism_signer(settings), Ed25519NoteVerifier(), canonical_json
        ),
        # An empty secret is passed on as it is: the service refuses to store a second factor
        # without one, and nothing else here needs it.
        auth=AuthService(
            uow,
            clock,
            ids,
            hasher or Argon2Hasher(),
            server_secret=settings.secret_key,
            demo=settings.demo,
        ),
        engine=engine,
        geography=GeographyService(uow, clock, ShapelySpatial()),
    )


def mechanism_signer(settings: Settings) -> MechanismSigner:
    """The mechanism's checkpoint key, made on first use in the key directory."""
    key = load_or_create_signer(
        settings.key_dir / "record.key", settings.record_origin, settings.secret_key
    )
    return MechanismSigner(key)
