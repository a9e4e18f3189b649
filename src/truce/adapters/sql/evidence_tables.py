"""Tables of evidence: attachments of stored files to reports, and their custody events, on
the same `metadata` as the rest (tables.py imports this module at its end). The files
themselves live in the evidence directory (adapters/evidence_store.py), by their SHA-256."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
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

DIGEST = 64  # SHA-256, hex

evidence = Table(
    "evidence",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("sha256", String(DIGEST), nullable=False, index=True),
    Column("report_id", String(ID), ForeignKey("reports.id"), nullable=False),
    # Copied from the report: row-level security reads them as it reads the report's.
    Column("owner_body_id", String(ID), nullable=True),
    Column("confidentiality", String(16), nullable=False),
    Column("file_name", String(NAME), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("uploaded_by", String(ID), nullable=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    # JSON: {"name": "value"} of EXIF and PDF metadata; [{kind, sha256, media_type, size}].
    Column("file_metadata", Text, nullable=False),
    Column("derived", Text, nullable=False),
    UniqueConstraint("report_id", "sha256"),
)

# Append-only, like the audit trail.
evidence_custody = Table(
    "evidence_custody",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("evidence_id", String(ID), ForeignKey("evidence.id"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("member_id", String(ID), nullable=True),
    Column("body_id", String(ID), nullable=True),
    Column("address", String(100), nullable=True),
    Column("detail", String(NAME), nullable=False),
    Index("ix_evidence_custody_evidence_id_seq", "evidence_id", "seq"),
)
