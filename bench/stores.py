"""The stores the benchmarks measure: a fresh, migrated and seeded one, and the application
role's engine over it. Shared by bench/import.py and bench/reads.py (run as scripts, so this
module is found beside them).

On PostgreSQL, TRUCE_BENCH_DATABASE_URL names the owner (the schema is dropped and migrated
afresh) and TRUCE_BENCH_APP_ROLE the role the application runs as, under row-level security
as in production.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text

from truce.adapters.clock import SystemClock
from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import upgrade
from truce.adapters.sql.rls import grant_app_role
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.demo_case import ACTORS, AGREEMENT, BODIES, members_of_cast
from truce.application.registry import RegistryService


def fresh_store(url: str | None, folder: Path, name: str, *, members: bool = True) -> Engine:
    """A migrated store with the demo's bodies, actors and agreement (and its cast of members
    unless `members` is false); on PostgreSQL the owner's engine."""
    engine = make_engine(url or f"sqlite:///{folder / name}.db")
    if url:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    registry = RegistryService(SqlUnitOfWorkFactory(engine), SystemClock())
    for body in BODIES:
        registry.add_body(body)
    for actor in ACTORS:
        registry.add_actor(actor)
    if members:
        for member in members_of_cast():
            registry.add_member(member)
    registry.conclude_agreement(AGREEMENT)
    return engine


def app_engine(owner: Engine) -> Engine:
    """The engine the application runs on: on PostgreSQL with TRUCE_BENCH_APP_ROLE, that
    role, which owns nothing and is held to row-level security."""
    role = os.environ.get("TRUCE_BENCH_APP_ROLE")
    if owner.dialect.name == "sqlite" or not role:
        return owner
    with owner.begin() as connection:
        grant_app_role(connection, role)
    url = owner.url.set(username=role, password=None)
    return make_engine(url.render_as_string(hide_password=False))
