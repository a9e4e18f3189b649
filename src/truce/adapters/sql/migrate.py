"""Bring a database to the newest schema, programmatically (used by `truce db upgrade`,
`serve`, `demo` and the tests)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

MIGRATIONS = str(files("truce.adapters.sql") / "migrations")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    if url is not None:
        # Percent signs in passwords would otherwise be read as interpolation.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# PostgreSQL's SQLSTATE for "insufficient privilege".
_INSUFFICIENT_PRIVILEGE = "42501"


class SchemaChangeRefusedError(RuntimeError):
    """The database role may not change the schema: it is the application role, not the
    tables' owner. Migrations run as the owner (README, "Running on PostgreSQL")."""


def upgrade(bind: Engine | Connection, revision: str = "head") -> None:
    """Run every pending migration inside one transaction."""
    config = alembic_config()
    try:
        if isinstance(bind, Engine):
            with bind.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
        else:
            config.attributes["connection"] = bind
            command.upgrade(config, revision)
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != _INSUFFICIENT_PRIVILEGE:
            raise
        raise SchemaChangeRefusedError(
            "this database role may not change the schema; run `truce db upgrade` with "
            "TRUCE_DATABASE_URL naming the tables' owner, then serve as the application role"
        ) from error


def downgrade(bind: Connection, revision: str) -> None:
    """Undo migrations down to `revision`, inside the connection's transaction (tests)."""
    config = alembic_config()
    config.attributes["connection"] = bind
    command.downgrade(config, revision)


def current(bind: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 - rarely used

    with bind.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
