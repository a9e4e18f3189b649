"""talks: rounds, channels, messages, relays, receipts, agenda, positions, documents,
versions, clause comments, translations, publications (issue 9)

Revision ID: 9a3c5e7f1b24
Revises: 9c4e2b7a1d35
Create Date: 2026-11-26

No row-level security policies yet: docs/talks.md says why (the talks' visibility follows
channel membership, which the database context does not carry); the application's access
choke points are the wall for these tables, as on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9a3c5e7f1b24"
down_revision = "9c4e2b7a1d35"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "talk_receipts",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("message_id", "body_id", name=op.f("pk_talk_receipts")),
    )
    op.create_table(
        "talk_relay_links",
        sa.Column("relayed_message_id", sa.String(length=64), nullable=False),
        sa.Column("source_message_id", sa.String(length=64), nullable=False),
        sa.Column("source_channel_id", sa.String(length=64), nullable=False),
        sa.Column("source_body_id", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("relayed_by_member_id", sa.String(length=64), nullable=False),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("relayed_message_id", name=op.f("pk_talk_relay_links")),
    )
    with op.batch_alter_table("talk_relay_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_talk_relay_links_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "talk_rounds",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_rounds")),
    )
    op.create_table(
        "talk_agenda_items",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["talk_rounds.id"], name=op.f("fk_talk_agenda_items_round_id_talk_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_agenda_items")),
        sa.UniqueConstraint(
            "round_id", "number", name=op.f("uq_talk_agenda_items_round_id_number")
        ),
    )
    op.create_table(
        "talk_channels",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=True),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["talk_rounds.id"], name=op.f("fk_talk_channels_round_id_talk_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_channels")),
    )
    with op.batch_alter_table("talk_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talk_channels_round_id"), ["round_id"], unique=False)

    op.create_table(
        "talk_publications",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=140), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver_ids", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["talk_rounds.id"], name=op.f("fk_talk_publications_round_id_talk_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_publications")),
    )
    with op.batch_alter_table("talk_publications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_talk_publications_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "talk_documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_body_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["talk_channels.id"],
            name=op.f("fk_talk_documents_channel_id_talk_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["talk_rounds.id"], name=op.f("fk_talk_documents_round_id_talk_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_documents")),
    )
    with op.batch_alter_table("talk_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talk_documents_round_id"), ["round_id"], unique=False)

    op.create_table(
        "talk_messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("channel_body_id", sa.String(length=64), nullable=True),
        sa.Column("channel_audience", sa.String(length=20), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("author_member_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relay_mode", sa.String(length=16), nullable=True),
        sa.Column("relay_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["talk_channels.id"],
            name=op.f("fk_talk_messages_channel_id_talk_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["talk_rounds.id"], name=op.f("fk_talk_messages_round_id_talk_rounds")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_talk_messages")),
        sa.UniqueConstraint("id", name=op.f("uq_talk_messages_id")),
    )
    with op.batch_alter_table("talk_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_talk_messages_channel_id"), ["channel_id"], unique=False
        )

    op.create_table(
        "talk_positions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("body_id", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("stance", sa.String(length=32), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shareable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["talk_channels.id"],
            name=op.f("fk_talk_positions_channel_id_talk_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["talk_agenda_items.id"],
            name=op.f("fk_talk_positions_item_id_talk_agenda_items"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["talk_rounds.id"], name=op.f("fk_talk_positions_round_id_talk_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_positions")),
    )
    with op.batch_alter_table("talk_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talk_positions_round_id"), ["round_id"], unique=False)

    op.create_table(
        "talk_comments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("clause_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["talk_documents.id"],
            name=op.f("fk_talk_comments_document_id_talk_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_comments")),
    )
    with op.batch_alter_table("talk_comments", schema=None) as batch_op:
        batch_op.create_index("ix_talk_comments_document_id", ["document_id"], unique=False)

    op.create_table(
        "talk_translations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("clauses", sa.Text(), nullable=False),
        sa.Column("provenance", sa.String(length=300), nullable=False),
        sa.Column("made_by", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["talk_documents.id"],
            name=op.f("fk_talk_translations_document_id_talk_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talk_translations")),
    )
    with op.batch_alter_table("talk_translations", schema=None) as batch_op:
        batch_op.create_index("ix_talk_translations_document_id", ["document_id"], unique=False)

    op.create_table(
        "talk_versions",
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("clauses", sa.Text(), nullable=False),
        sa.Column("made_by", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["talk_documents.id"],
            name=op.f("fk_talk_versions_document_id_talk_documents"),
        ),
        sa.PrimaryKeyConstraint("document_id", "number", name=op.f("pk_talk_versions")),
    )


def downgrade() -> None:
    op.drop_table("talk_versions")
    with op.batch_alter_table("talk_translations", schema=None) as batch_op:
        batch_op.drop_index("ix_talk_translations_document_id")

    op.drop_table("talk_translations")
    with op.batch_alter_table("talk_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_talk_comments_document_id")

    op.drop_table("talk_comments")
    with op.batch_alter_table("talk_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_positions_round_id"))

    op.drop_table("talk_positions")
    with op.batch_alter_table("talk_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_messages_channel_id"))

    op.drop_table("talk_messages")
    with op.batch_alter_table("talk_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_documents_round_id"))

    op.drop_table("talk_documents")
    with op.batch_alter_table("talk_publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_publications_round_id"))

    op.drop_table("talk_publications")
    with op.batch_alter_table("talk_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_channels_round_id"))

    op.drop_table("talk_channels")
    op.drop_table("talk_agenda_items")
    op.drop_table("talk_rounds")
    with op.batch_alter_table("talk_relay_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_relay_links_round_id"))

    op.drop_table("talk_relay_links")
    op.drop_table("talk_receipts")
