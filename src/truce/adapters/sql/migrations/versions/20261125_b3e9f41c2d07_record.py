"""record: append-only entries, stored subtree hashes, head, openings, checkpoints, co-signatures

Revision ID: b3e9f41c2d07
Revises: 7d1c2a9e0b11
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b3e9f41c2d07"
down_revision = "7d1c2a9e0b11"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(140), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_record_entries"),
    )
    op.create_index("ix_record_entries_kind", "record_entries", ["kind"])
    op.create_index("ix_record_entries_subject", "record_entries", ["subject"])
    op.create_table(
        "record_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "position", name="pk_record_nodes"),
    )
    head = op.create_table(
        "record_head",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_record_head"),
    )
    op.bulk_insert(head, [{"id": 1, "size": 0}])
    op.create_table(
        "record_openings",
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.Column("owner_body_id", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["seq"], ["record_entries.seq"], name="fk_record_openings_seq_record_entries"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_record_openings"),
    )
    op.create_table(
        "record_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("size", name="pk_record_checkpoints"),
    )
    op.create_table(
        "record_cosignatures",
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(150), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("verifier_key", sa.String(300), nullable=False),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["size"],
            ["record_checkpoints.size"],
            name="fk_record_cosignatures_size_record_checkpoints",
        ),
        sa.PrimaryKeyConstraint("size", "witness", name="pk_record_cosignatures"),
    )


def downgrade() -> None:
    op.drop_table("record_cosignatures")
    op.drop_table("record_checkpoints")
    op.drop_table("record_openings")
    op.drop_table("record_head")
    op.drop_table("record_nodes")
    op.drop_index("ix_record_entries_subject", table_name="record_entries")
    op.drop_index("ix_record_entries_kind", table_name="record_entries")
    op.drop_table("record_entries")
