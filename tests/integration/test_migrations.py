"""Migrations are boring and checked: they match the tables, and go down and up again."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import alembic_config, upgrade
from truce.adapters.sql.tables import in_compared_schema, metadata


def test_the_migrated_schema_matches_the_tables(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": in_compared_schema}
        )
        assert compare_metadata(context, metadata) == []


def test_downgrade_to_base_and_back(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'updown.db'}")
    upgrade(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert "reports" in inspect(engine).get_table_names()
    engine.dispose()
