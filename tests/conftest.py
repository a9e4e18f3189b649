"""Shared fixtures: the store on SQLite (always) or PostgreSQL (TRUCE_TEST_DATABASE_URL), each
test isolated in a transaction rolled back at its end, and the named cast of ARCHITECTURE.md."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Connection, Engine, MetaData, make_url, text

from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.adapters.sql.engine import is_sqlite, make_engine
from truce.adapters.sql.migrate import upgrade
from truce.adapters.sql.rls import as_system, grant_app_role
from truce.adapters.sql.tables import metadata, record_head
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.monitoring import MonitoringService
from truce.application.ports import UnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.parties import Member

# CI machines have two cores shared with a database server: judge tests by results, not speed.
settings.register_profile("truce", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("truce")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TRUCE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'truce-test.db'}"


def owner_database_url(app_url: str) -> str:
    """Who owns the tables and migrates them. On PostgreSQL, .ci/run runs the application as a
    role that owns nothing (TRUCE_TEST_DATABASE_URL) and migrates as the owner named here, so
    every test proves that the application sets the row-level security context it needs."""
    return os.environ.get("TRUCE_TEST_OWNER_DATABASE_URL") or app_url


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def _second_database() -> bool:
    """The suite's second pass, on PostgreSQL (.ci/run): the first ran every test on SQLite.
    TRUCE_TEST_EVERYTHING=1 runs every test again anyway."""
    url = os.environ.get("TRUCE_TEST_DATABASE_URL", "")
    return bool(url) and not is_sqlite(url) and not os.environ.get("TRUCE_TEST_EVERYTHING")


def _reaches_the_database(item: pytest.Item) -> bool:
    """Whether a test touches the SQL store: it needs the store's URL (directly or through
    the engine, a connection, the web app...) and is not the in-memory half of a contract
    test. The others run the same on any database, and already ran in the SQLite pass."""
    callspec = getattr(item, "callspec", None)
    store = callspec.params.get("uow_factory") if callspec is not None else None
    if store is not None:  # the SQL half asks for its connection only when it runs
        return store == "sql"
    return "database_url" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _second_database():
        return
    kept = [item for item in items if _reaches_the_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if not _reaches_the_database(i)])
        items[:] = kept


def pytest_report_header() -> str | None:
    if _second_database():
        return (
            "second database: only tests that reach the SQL store run here; the others ran "
            "in the SQLite pass (TRUCE_TEST_EVERYTHING=1 runs them all)"
        )
    return None


def reset_schema(engine: Engine, app_role: str | None = None) -> None:
    """Start the run from an empty database, then migrate it to head (as the owner), and let
    the application role use it as `truce db grant-app-role` would."""
    if not is_sqlite(str(engine.url)):
        with engine.begin() as connection:
            reflected = MetaData()
            reflected.reflect(connection)
            reflected.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(engine)
    if app_role is not None:
        with engine.begin() as connection:
            grant_app_role(connection, app_role)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def owner_engine(database_url: str) -> Iterator[Engine]:
    """The tables' owner: migrates, empties tables, and plays the insider who edits rows."""
    owner_url = owner_database_url(database_url)
    engine = make_engine(owner_url)
    app_user = make_url(database_url).username
    separate = owner_url != database_url and app_user != make_url(owner_url).username
    reset_schema(engine, app_user if separate else None)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str, owner_engine: Engine) -> Iterator[Engine]:
    """What the application connects with (the application role on PostgreSQL in CI)."""
    if owner_database_url(database_url) == database_url:
        yield owner_engine
        return
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back: no test sees another's rows."""
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            yield connection
        finally:
            outer.rollback()


@pytest.fixture
def clean_engine(engine: Engine, owner_engine: Engine) -> Iterator[Engine]:
    """For tests that must commit for real (a web server in another thread): the tables are
    emptied afterwards, by their owner, as the mechanism (row-level security binds an owner
    too when it is forced)."""
    yield engine
    with owner_engine.begin() as connection, as_system(connection, "emptying the test store"):
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
        # The record's head row is part of the schema, not data: it returns to an empty log.
        connection.execute(record_head.insert().values(id=1, size=0))


@pytest.fixture(params=["memory", "sql"])
def uow_factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """The contract suite runs once against the fakes and once against the real store."""
    if request.param == "memory":
        return MemoryUnitOfWorkFactory()
    connection = request.getfixturevalue("connection")
    return SqlUnitOfWorkFactory(connection)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def registry(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> RegistryService:
    return RegistryService(uow_factory, clock)


@pytest.fixture
def monitoring(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> MonitoringService:
    return MonitoringService(uow_factory, clock, SequentialIds("report"))


@pytest.fixture
def cast(registry: RegistryService) -> dict[str, Member]:
    """The named cast: gov_liaison, opposition_liaison, guarantor_ru, guarantor_tr,
    guarantor_ir, un_mediator, monitor, observer_us, analyst, admin."""
    return seed_cast(registry)
