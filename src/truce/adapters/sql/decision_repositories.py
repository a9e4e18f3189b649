"""Repositories of members' keys and signed decisions over one SQLAlchemy connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from truce.adapters.sql import decision_tables as d
from truce.adapters.sql.mapping import from_db_time, optional_time, to_utc
from truce.domain.decisions import (
    DecisionTakenError,
    KeyCustody,
    KeyEnd,
    MemberKey,
    StoredDecision,
    decision_from_payload,
)
from truce.domain.errors import ConflictError


def _key_row(key: MemberKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "member_id": key.member_id,
        "public_key": key.public_key,
        "custody": key.custody.value,
        "added_at": to_utc(key.added_at),
        "ended_at": None if key.ended_at is None else to_utc(key.ended_at),
        "end_reason": None if key.end is None else key.end.value,
        "sealed_private_key": key.sealed_private_key,
        "is_current": True if key.current else None,
    }


def _row_to_key(row: RowMapping) -> MemberKey:
    return MemberKey(
        key_id=row["key_id"],
        member_id=row["member_id"],
        public_key=bytes(row["public_key"]),
        custody=KeyCustody(row["custody"]),
        added_at=from_db_time(row["added_at"]),
        ended_at=optional_time(row["ended_at"]),
        end=None if row["end_reason"] is None else KeyEnd(row["end_reason"]),
        sealed_private_key=(
            None if row["sealed_private_key"] is None else bytes(row["sealed_private_key"])
        ),
    )


class SqlMemberKeys:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, key: MemberKey) -> None:
        # A savepoint keeps the surrounding transaction usable when a constraint refuses.
        try:
            with self._c.begin_nested():
                c = d.member_keys.c
                count = select(func.count()).where(c.member_id == key.member_id)
                serial = self._c.execute(count).scalar_one()
                self._c.execute(insert(d.member_keys).values({**_key_row(key), "serial": serial}))
        except IntegrityError as error:
            raise ConflictError("the key is registered already, or the member has one") from error

    def get(self, key_id: str) -> MemberKey | None:
        query = select(d.member_keys).where(d.member_keys.c.key_id == key_id)
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_key(row)

    def current(self, member_id: str) -> MemberKey | None:
        c = d.member_keys.c
        query = select(d.member_keys).where(and_(c.member_id == member_id, c.is_current.is_(True)))
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_key(row)

    def for_member(self, member_id: str) -> list[MemberKey]:
        c = d.member_keys.c
        query = select(d.member_keys).where(c.member_id == member_id).order_by(c.serial)
        return [_row_to_key(row) for row in self._c.execute(query).mappings()]

    def end(self, key_id: str, at: datetime, end: KeyEnd) -> None:
        c = d.member_keys.c
        self._c.execute(
            update(d.member_keys)
            .where(and_(c.key_id == key_id, c.ended_at.is_(None)))
            .values(ended_at=to_utc(at), end_reason=end.value, is_current=None)
        )


def _decision_row(stored: StoredDecision) -> dict[str, Any]:
    decision = stored.decision
    return {
        "payload_hash": stored.payload_hash,
        "slot": decision.slot_key,
        "revision": stored.revision,
        "kind": decision.kind.value,
        "object_kind": decision.object_kind,
        "object_id": decision.object_id,
        "object_hash": decision.object_hash,
        "member_id": decision.member_id,
        "key_id": decision.key_id,
        "body_id": stored.body_id,
        "payload": stored.payload,
        "signature": stored.signature,
        "received_at": to_utc(stored.received_at),
    }


def _row_to_decision(row: RowMapping) -> StoredDecision:
    payload = bytes(row["payload"])
    return StoredDecision(
        decision=decision_from_payload(payload),
        payload=payload,
        signature=bytes(row["signature"]),
        payload_hash=row["payload_hash"],
        body_id=row["body_id"],
        revision=row["revision"],
        received_at=from_db_time(row["received_at"]),
    )


class SqlSignedDecisions:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, stored: StoredDecision) -> None:
        try:
            with self._c.begin_nested():
                self._c.execute(insert(d.signed_decisions).values(_decision_row(stored)))
        except IntegrityError as error:
            raise DecisionTakenError from error

    def get(self, payload_hash: str) -> StoredDecision | None:
        query = select(d.signed_decisions).where(d.signed_decisions.c.payload_hash == payload_hash)
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_decision(row)

    def in_slot(
        self, member_id: str, kind: str, object_kind: str, object_id: str, object_hash: str
    ) -> list[StoredDecision]:
        c = d.signed_decisions.c
        query = (
            select(d.signed_decisions)
            .where(
                and_(
                    c.member_id == member_id,
                    c.kind == kind,
                    c.object_kind == object_kind,
                    c.object_id == object_id,
                    c.object_hash == object_hash,
                )
            )
            .order_by(c.revision)
        )
        return [_row_to_decision(row) for row in self._c.execute(query).mappings()]

    def about(self, object_kind: str, object_id: str) -> list[StoredDecision]:
        c = d.signed_decisions.c
        query = (
            select(d.signed_decisions)
            .where(and_(c.object_kind == object_kind, c.object_id == object_id))
            .order_by(c.received_at, c.revision, c.payload_hash)
        )
        return [_row_to_decision(row) for row in self._c.execute(query).mappings()]
