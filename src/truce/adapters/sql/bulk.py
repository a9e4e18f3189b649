"""Many rows into one table at once, through the driver's executemany (issue 5's imports),
and many keys asked about in one parameter (`one_of`).

SQLAlchemy's own executemany handles each row's parameters in Python, which cost an import
more than SQLite's insert itself (bench/README.md). Here the INSERT is written once per
dialect with positional markers and each row is a tuple in the table's column order; each
value still goes through its column type's bind processor (how SQLite stores a datetime, for
one), so rows read back exactly as if SQLAlchemy had written them. The record keeps its own
equivalent (record_store._BulkInsert), which shares `bind_processors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    LargeBinary,
    String,
    Table,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql

# Rows per executemany call.
CHUNK = 5_000
Processor = Callable[[Any], Any]


class BulkInsert:
    """INSERT INTO table (columns) VALUES (?, ...), for one dialect."""

    def __init__(self, table: Table, columns: Sequence[str], dialect: Dialect) -> None:
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in columns)
        markers = ", ".join([marker] * len(columns))
        self.sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({markers})"  # noqa: S608 - names from the table's own metadata
        self._processors = bind_processors(table, columns, dialect)

    def run(self, connection: Connection, rows: Sequence[Sequence[object]]) -> None:
        """executemany on the DBAPI cursor of `connection`, inside its transaction."""
        self.run_bound(connection, [self.bind(row) for row in rows])

    def run_bound(self, connection: Connection, rows: Sequence[Sequence[object]]) -> None:
        """executemany of rows whose values went through `bind` already."""
        if not rows:
            return
        driver: Any = connection.connection.dbapi_connection
        cursor = driver.cursor()
        try:
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(self.sql, rows[start : start + CHUNK])
        finally:
            cursor.close()

    def bind(self, row: Sequence[object]) -> Sequence[object]:
        """Each value as its column type hands it to the driver (a datetime as SQLite's text)."""
        if not self._processors:
            return row
        values = list(row)
        for index, process in self._processors:
            value = values[index]
            if value is not None:
                values[index] = process(value)
        return values


def bind_processors(
    table: Table, columns: Sequence[str], dialect: Dialect
) -> list[tuple[int, Processor]]:
    """(position, processor) of each column in `columns` whose values the driver needs
    converted. Binary columns are left as they are: their values are bytes, which every
    driver takes as a binary parameter (SQLite's processor only wraps them in a memoryview)."""
    found: list[tuple[int, Processor]] = []
    for index, name in enumerate(columns):
        column_type = table.c[name].type
        if isinstance(column_type, LargeBinary):
            continue
        if dialect.name == "sqlite" and isinstance(column_type, DateTime):
            found.append((index, sqlite_time))
        elif processor := column_type.dialect_impl(dialect).bind_processor(dialect):
            found.append((index, processor))
    return found


def sqlite_time(moment: datetime) -> str:
    """A time as SQLAlchemy's SQLite dialect stores it ("2017-01-23 00:00:00.000000", the
    wall time without its zone: the SQL adapter hands every time over in UTC), written by
    `isoformat` in C. SQLAlchemy's own processor builds a dict and formats it in Python for
    each value, a few microseconds three times per imported row (bench/README.md). Years
    are always four digits here, so the zone's "+00:00" is what lies past character 26."""
    return moment.isoformat(" ", "microseconds")[:26]


def one_of(
    connection: Connection, column: ColumnElement[str], values: list[str]
) -> ColumnElement[bool]:
    """`column` is one of `values`, passed as one parameter however many they are (a batch
    asks about thousands of events): an array on PostgreSQL, a JSON array SQLite unpacks.
    An IN list would bind, and process in Python, one parameter per value."""
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam("values", values, type_=postgresql.ARRAY(String)))
    unpacked = func.json_each(bindparam("values", json.dumps(values))).table_valued("value")
    return column.in_(select(unpacked.c.value))
