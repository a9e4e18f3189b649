"""The adapters' hand-written fast paths give exactly what the library calls they replace
would: the id source's UUIDs and the bulk insert's SQLite times."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from truce.adapters.clock import UuidFactory
from truce.adapters.sql.bulk import sqlite_time

CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def test_new_ids_are_canonical_random_version_4_uuids() -> None:
    ids = [UuidFactory().new_id() for _ in range(2_000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        assert CANONICAL.fullmatch(text), text
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_every_random_bit_varies() -> None:
    """The 122 bits that are not version or variant each take both values: no byte of the
    OS's randomness is lost or fixed by the formatting."""
    ones, zeros = 0, 0
    for _ in range(400):
        value = uuid.UUID(UuidFactory().new_id()).int
        ones |= value
        zeros |= ~value
    fixed_version_and_variant = (0xF << 76) | (0x3 << 62)
    random_bits = ((1 << 128) - 1) & ~fixed_version_and_variant
    assert ones & random_bits == random_bits
    assert zeros & random_bits == random_bits


_SQLALCHEMY = (
    DateTime(timezone=True).dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())
)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


@given(st.datetimes(timezones=st.none() | st.just(UTC) | offsets))
def test_sqlite_times_are_written_as_sqlalchemy_writes_them(moment: datetime) -> None:
    assert _SQLALCHEMY is not None
    assert sqlite_time(moment) == _SQLALCHEMY(moment)


def test_sqlite_time_of_an_early_year_and_of_no_microseconds() -> None:
    assert sqlite_time(datetime(7, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0007-01-02 03:04:05.000000"
    assert sqlite_time(datetime(2017, 1, 23, tzinfo=UTC)) == "2017-01-23 00:00:00.000000"
