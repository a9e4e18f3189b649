"""Tables of the talks (issue 9), on the same `metadata` as the rest (tables.py imports this
module at its end). Lists of clauses and a round's participants are kept as JSON text: they are
read and written whole, never queried inside."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from truce.adapters.sql.tables import ID, NAME, metadata

DIGEST = 64

talk_rounds = Table(
    "talk_rounds",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", String(NAME), nullable=False),
    Column("place", String(NAME), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("format", String(16), nullable=False),
    # Mediators, parties, guarantors, observers, approvers and labels.
    Column("participants", Text, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=True),
    Column("serial", Integer, nullable=False),
)

talk_channels = Table(
    "talk_channels",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("round_id", String(ID), ForeignKey("talk_rounds.id"), nullable=False, index=True),
    Column("audience", String(20), nullable=False),
    Column("body_id", String(ID), nullable=True),
    Column("serial", Integer, nullable=False),
)

# `seq` orders every channel's messages together: the real-time stream's event ids.
talk_messages = Table(
    "talk_messages",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("round_id", String(ID), ForeignKey("talk_rounds.id"), nullable=False),
    Column("channel_id", String(ID), ForeignKey("talk_channels.id"), nullable=False, index=True),
    # The channel's delegation, copied for row-level security (NULL: no delegation's channel).
    Column("channel_body_id", String(ID), nullable=True),
    Column("channel_audience", String(20), nullable=False),
    Column("body_id", String(ID), nullable=False),
    Column("author_member_id", String(ID), nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(35), nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=False),
    Column("relay_mode", String(16), nullable=True),
    Column("relay_hash", String(DIGEST), nullable=True),
)

talk_relay_links = Table(
    "talk_relay_links",
    metadata,
    Column("relayed_message_id", String(ID), primary_key=True),
    Column("source_message_id", String(ID), nullable=False),
    Column("source_channel_id", String(ID), nullable=False),
    Column("source_body_id", String(ID), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("relayed_by_member_id", String(ID), nullable=False),
    Column("relayed_at", DateTime(timezone=True), nullable=False),
    Column("round_id", String(ID), nullable=False, index=True),
)

talk_receipts = Table(
    "talk_receipts",
    metadata,
    Column("message_id", String(ID), primary_key=True),
    Column("body_id", String(ID), primary_key=True),
    Column("delivered_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=True),
)

talk_agenda_items = Table(
    "talk_agenda_items",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("round_id", String(ID), ForeignKey("talk_rounds.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("title", String(NAME), nullable=False),
    UniqueConstraint("round_id", "number"),
)

talk_positions = Table(
    "talk_positions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("round_id", String(ID), ForeignKey("talk_rounds.id"), nullable=False, index=True),
    Column("item_id", String(ID), ForeignKey("talk_agenda_items.id"), nullable=False),
    Column("body_id", String(ID), nullable=False),
    Column("channel_id", String(ID), ForeignKey("talk_channels.id"), nullable=False),
    Column("member_id", String(ID), nullable=False),
    Column("stance", String(32), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("stated_at", DateTime(timezone=True), nullable=False),
    Column("shareable", Boolean, nullable=False),
)

talk_documents = Table(
    "talk_documents",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("round_id", String(ID), ForeignKey("talk_rounds.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("title", String(NAME), nullable=False),
    Column("owner_body_id", String(ID), nullable=False),
    Column("channel_id", String(ID), ForeignKey("talk_channels.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

talk_versions = Table(
    "talk_versions",
    metadata,
    Column("document_id", String(ID), ForeignKey("talk_documents.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("language", String(35), nullable=False),
    # [[clause id, text], ...] in order.
    Column("clauses", Text, nullable=False),
    Column("made_by", String(ID), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("hash", String(DIGEST), nullable=False),
)

talk_comments = Table(
    "talk_comments",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("document_id", String(ID), ForeignKey("talk_documents.id"), nullable=False),
    Column("clause_id", String(ID), nullable=False),
    Column("member_id", String(ID), nullable=False),
    Column("text", Text, nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Index("ix_talk_comments_document_id", "document_id"),
)

talk_translations = Table(
    "talk_translations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("document_id", String(ID), ForeignKey("talk_documents.id"), nullable=False),
    Column("version_number", Integer, nullable=False),
    Column("source_hash", String(DIGEST), nullable=False),
    Column("language", String(35), nullable=False),
    Column("clauses", Text, nullable=False),
    Column("provenance", String(NAME), nullable=False),
    Column("made_by", String(ID), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Index("ix_talk_translations_document_id", "document_id"),
)

talk_publications = Table(
    "talk_publications",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("round_id", String(ID), ForeignKey("talk_rounds.id"), nullable=False, index=True),
    Column("subject_kind", String(32), nullable=False),
    Column("subject_id", String(140), nullable=False),
    Column("subject_hash", String(DIGEST), nullable=False),
    Column("requested_by", String(ID), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("approver_ids", Text, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("serial", Integer, nullable=False),
)
