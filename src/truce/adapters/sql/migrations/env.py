"""Alembic environment. Reads the URL from the Config (set by truce.adapters.sql.migrate) or
from TRUCE_DATABASE_URL; compares against the application's table metadata for `alembic check`.
Migrations themselves never import application code."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.tables import in_compared_schema, metadata

config = context.config


def _url() -> str:
    return (
        config.get_main_option("sqlalchemy.url")
        or os.environ.get("TRUCE_DATABASE_URL")
        or "sqlite:///truce.db"
    )


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=True,
        compare_type=True,
        include_object=in_compared_schema,
    )


def run_offline() -> None:
    context.configure(
        url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as fresh:
        _configure(fresh)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
