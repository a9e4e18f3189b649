"""signed decisions: members' signing keys and their signed decisions

Revision ID: 2e2aa3b86597
Revises: 5f2a9c41e7d3
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2e2aa3b86597"
down_revision = "5f2a9c41e7d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(32), nullable=False),
        sa.Column("custody", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("sealed_private_key", sa.LargeBinary(128), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=True),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_member_keys_member_id_members"
        ),
        sa.PrimaryKeyConstraint("key_id", name="pk_member_keys"),
        sa.UniqueConstraint("member_id", "is_current", name="uq_member_keys_member_id_is_current"),
        sa.UniqueConstraint("member_id", "serial", name="uq_member_keys_member_id_serial"),
    )
    op.create_index("ix_member_keys_member_id", "member_keys", ["member_id"])
    op.create_table(
        "signed_decisions",
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("slot", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("object_kind", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(140), nullable=False),
        sa.Column("object_hash", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("body_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_signed_decisions_member_id_members"
        ),
        sa.ForeignKeyConstraint(
            ["key_id"], ["member_keys.key_id"], name="fk_signed_decisions_key_id_member_keys"
        ),
        sa.PrimaryKeyConstraint("payload_hash", name="pk_signed_decisions"),
        sa.UniqueConstraint("slot", "revision", name="uq_signed_decisions_slot_revision"),
    )
    op.create_index(
        "ix_signed_decisions_object_kind_object_id",
        "signed_decisions",
        ["object_kind", "object_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_signed_decisions_object_kind_object_id", table_name="signed_decisions")
    op.drop_table("signed_decisions")
    op.drop_index("ix_member_keys_member_id", table_name="member_keys")
    op.drop_table("member_keys")
