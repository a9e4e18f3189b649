from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from integration_helpers import token_for
from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import Services, build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings


@pytest.fixture
def services(clean_engine: Engine, tmp_path) -> Services:
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        evidence_dir=tmp_path / "evidence",
        secure_cookies=False,
    )
    built = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=FixedClock(),
        ids=SequentialIds("report"),
        # Real argon2id, with parameters small enough for a test suite.
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(built.registry)
    return built


@pytest.fixture
def anonymous(services: Services) -> Iterator[TestClient]:
    """A client nobody signed in to: it sees what is published, and nothing else."""
    app = create_app(services.settings, services)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    """The field monitor's API client (a token with reports:read and reports:write)."""
    app = create_app(services.settings, services)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        test_client.headers["Authorization"] = f"Bearer {token_for(services, 'monitor')}"
        yield test_client
