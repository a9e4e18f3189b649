"""Engines for the two supported stores: a SQLite file by default, PostgreSQL 15 in production."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    """Create an engine with the settings each backend needs for correct transactions."""
    if is_sqlite(url):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _make_sqlite_transactional(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _make_sqlite_transactional(engine: Engine) -> None:
    """pysqlite begins transactions lazily and not for SAVEPOINTs; take that over so that
    BEGIN, SAVEPOINT and ROLLBACK behave as on PostgreSQL (SQLAlchemy's documented recipe)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers go on while one writer commits: the web app reads while it writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        # NORMAL under WAL is SQLite's documented safe pairing: a commit is atomic and the
        # store is never corrupted; only the last transactions before a power cut (not a
        # process crash) may roll back. Decision 0002; unchanged by decision 0006.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # A page cache of up to 64 MiB per connection (the default is 2 MiB): a long record's
        # subject index is written at random places, and re-reading its pages from the
        # operating system at every batch cost the append more than the inserts. It only
        # grows as pages are used. Decision 0006.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock at once, so two writers queue instead of one failing
        # when it upgrades a stale read snapshot; the record head depends on it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
