"""Tables of members' signing keys and of signed decisions, on the same `metadata` as the rest
(tables.py imports this module at its end, so Alembic and the tests see them)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)

from truce.adapters.sql.tables import ID, metadata

DIGEST = 64  # SHA-256, hex
KEY_ID = 32
OBJECT_ID = 140

# `is_current` is TRUE for a member's current key and NULL otherwise: NULLs never collide in a
# unique constraint, so (member_id, is_current) allows one current key per member on both
# engines, even when two rotations race.
member_keys = Table(
    "member_keys",
    metadata,
    Column("key_id", String(KEY_ID), primary_key=True),
    Column("member_id", String(ID), ForeignKey("members.id"), nullable=False, index=True),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("custody", String(16), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("end_reason", String(16), nullable=True),
    # Server custody: nonce, AES-GCM ciphertext and tag of the 32-byte seed.
    Column("sealed_private_key", LargeBinary(128), nullable=True),
    Column("is_current", Boolean, nullable=True),
    # The member's keys numbered in the order added (0, 1, ...): their history in order.
    Column("serial", Integer, nullable=False),
    UniqueConstraint("member_id", "is_current"),
    UniqueConstraint("member_id", "serial"),
)

# A decision is known by the SHA-256 of its payload: the same payload twice is one row (S10).
# `slot` hashes (member, kind, object kind, object id, version hash); (slot, revision) is
# unique, so two different decisions racing for one slot cannot both be stored.
signed_decisions = Table(
    "signed_decisions",
    metadata,
    Column("payload_hash", String(DIGEST), primary_key=True),
    Column("slot", String(DIGEST), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("object_kind", String(40), nullable=False),
    Column("object_id", String(OBJECT_ID), nullable=False),
    Column("object_hash", String(DIGEST), nullable=False),
    Column("member_id", String(ID), ForeignKey("members.id"), nullable=False),
    Column("key_id", String(KEY_ID), ForeignKey("member_keys.key_id"), nullable=False),
    Column("body_id", String(ID), nullable=False),
    # The exact canonical bytes signed, and the 64-byte Ed25519 signature.
    Column("payload", LargeBinary, nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("slot", "revision"),
    Index("ix_signed_decisions_object_kind_object_id", "object_kind", "object_id"),
)
