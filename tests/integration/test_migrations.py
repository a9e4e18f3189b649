"""Migrations are boring and checked: they match the tables, and go down and up again."""

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from truce.adapters.sql.engine import make_engine
from truce.adapters.sql.migrate import alembic_config, downgrade, upgrade
from truce.adapters.sql.tables import in_compared_schema, metadata
from truce.adapters.sql.unit_of_work import SqlUnitOfWork
from truce.domain.record import root, root_from_leaves


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


def _record_rows(engine):
    with engine.connect() as connection:
        return {
            table: connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2").all()  # noqa: S608
            for table in ("record_entries", "record_nodes", "record_openings", "record_head")
        }


def test_the_record_append_path_migration_keeps_every_row(tmp_path):
    """9c4d2e7a1b38 rebuilds the record's tables on SQLite: entries, subtree hashes and the
    salts of commitments come out as they went in, both ways, and the tree still verifies."""
    engine = make_engine(f"sqlite:///{tmp_path / 'record.db'}")
    upgrade(engine, "2f84a3e4646c")
    at = datetime(2026, 11, 26, tzinfo=UTC)
    with SqlUnitOfWork(engine) as uow:
        for n in range(37):
            secret = {"detail": f"confidential {n}"} if n % 5 == 0 else None
            uow.record.append("report.filed", f"report:{n}", at, {"n": n}, secret, "body-1")
        uow.commit()
    before = _record_rows(engine)
    assert len(before["record_openings"]) == 8

    upgrade(engine, "3b7d0e5a1c62")
    assert _record_rows(engine) == before
    with engine.connect() as connection:
        kinds = connection.exec_driver_sql("PRAGMA index_list(record_entries)").all()
        assert [row[1] for row in kinds] == ["ix_record_entries_subject"]
    with SqlUnitOfWork(engine) as uow:
        size = uow.record.size()
        leaves = [entry.leaf_hash for entry in uow.record.entries(0, size)]
        assert root(size, uow.record.stored_hashes()) == root_from_leaves(leaves)
        assert uow.record.opening(5) is not None

    with engine.begin() as connection:
        downgrade(connection, "2f84a3e4646c")
    assert _record_rows(engine) == before
    engine.dispose()


def test_the_leaves_move_out_of_the_nodes_and_back(tmp_path):
    """6d1e8f2a4c90 drops the level-0 rows of record_nodes (the entries hold the leaf
    hashes); its downgrade puts them back from the entries; the root never changes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'leaves.db'}")
    upgrade(engine)
    at = datetime(2026, 11, 26, tzinfo=UTC)
    with SqlUnitOfWork(engine) as uow:
        for n in range(21):
            uow.record.append("report.filed", f"report:{n}", at, {"n": n})
        uow.commit()
    after = _record_rows(engine)
    assert all(row[0] > 0 for row in after["record_nodes"])
    with SqlUnitOfWork(engine) as uow:
        expected = root(21, uow.record.stored_hashes())

    with engine.begin() as connection:
        downgrade(connection, "3b7d0e5a1c62")
    leaves = [row for row in _record_rows(engine)["record_nodes"] if row[0] == 0]
    assert [(row[1], row[2]) for row in leaves] == [(e[0], e[3]) for e in after["record_entries"]]

    upgrade(engine)
    assert _record_rows(engine) == after
    with SqlUnitOfWork(engine) as uow:
        assert root(21, uow.record.stored_hashes()) == expected
        assert root_from_leaves([e[3] for e in after["record_entries"]]) == expected
    engine.dispose()


def _fts_shape_and_hits(engine, term: str) -> tuple[str, list[str]]:
    with engine.connect() as connection:
        shape = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'reports_fts'"
        ).scalar_one()
        hits = connection.exec_driver_sql(
            "SELECT report_id FROM reports_fts WHERE reports_fts MATCH ?", (f'"{term}"*',)
        ).scalars()
        return shape, sorted(hits)


def _two_reports(engine) -> None:
    columns = (
        "id, agreement_id, filed_at, idempotency_scope, fingerprint, source_kind, source_name,"
        " reliability, credibility, occurred_from, event_type, narrative, narrative_lang,"
        " confidentiality, search_text"
    )
    values = "?, 'a', '2017-01-02 00:00:00', 's', 'f', 'news', 'n', 'C', 3,"
    values += " '2017-01-02 00:00:00', 'shelling', 'n', 'en', 'public', ?"
    with engine.begin() as connection:
        for report_id, text in (("r1", "shelling of wadi barada"), ("r2", "قصف وادي بردى")):
            connection.exec_driver_sql(
                f"INSERT INTO reports ({columns}) VALUES ({values})",  # noqa: S608 - fixed text
                (report_id, text),
            )


def test_the_search_index_drops_positions_and_gets_them_back(tmp_path):
    """7b2e4c9d1f60 rebuilds SQLite's FTS5 table with detail=none and refills it from the
    reports; its downgrade rebuilds it with positions. Prefix search finds the same either
    way."""
    engine = make_engine(f"sqlite:///{tmp_path / 'search.db'}")
    upgrade(engine)
    _two_reports(engine)
    shape, hits = _fts_shape_and_hits(engine, "barad")
    assert "detail=none" in shape
    assert hits == ["r1"]
    with engine.begin() as connection:
        downgrade(connection, "5e1d7c20a9f3")
    shape, hits = _fts_shape_and_hits(engine, "واد")
    assert "detail" not in shape
    assert hits == ["r2"]
    upgrade(engine)
    shape, hits = _fts_shape_and_hits(engine, "shell")
    assert "detail=none" in shape
    assert hits == ["r1"]
    engine.dispose()
