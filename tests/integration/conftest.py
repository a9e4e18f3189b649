from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import Services, build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings


@pytest.fixture
def services(clean_engine: Engine, tmp_path) -> Services:
    settings = Settings(
        database_url=str(clean_engine.url), frontend_dir=tmp_path, key_dir=tmp_path / "keys"
    )
    built = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=FixedClock(),
        ids=SequentialIds("report"),
    )
    seed_cast(built.registry)
    return built


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    app = create_app(services.settings, services)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client
