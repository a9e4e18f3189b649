"""Tables of intake: the import journal, the quarantine and dataset tombstones, on the same
`metadata` as the rest (tables.py imports this module at its end)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table, Text

from truce.adapters.sql.tables import ID, NAME, metadata

DIGEST = 64  # SHA-256, hex

# One row per (file, kind): committed with every batch, so an interrupted import resumes.
import_journals = Table(
    "import_journals",
    metadata,
    Column("file_sha256", String(DIGEST), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("file_name", String(NAME), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False),
    Column("rows_done", BigInteger, nullable=False),
    Column("read", BigInteger, nullable=False),
    Column("imported", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    Column("unchanged", BigInteger, nullable=False),
    Column("quarantined", BigInteger, nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("file_name", String(NAME), nullable=False),
    Column("file_sha256", String(DIGEST), nullable=False),
    Column("line", Integer, nullable=False),
    Column("raw", Text, nullable=False),
    # Every reason, as JSON [{"field": ..., "message": ...}].
    Column("reasons", Text, nullable=False),
    Column("quarantined_at", DateTime(timezone=True), nullable=False),
    Column("resolved_report_id", String(ID), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("owner_body_id", String(ID), nullable=True),
    Index("ix_quarantine_quarantined_at_id", "quarantined_at", "id"),
)

# Reports a bulk import filed whose derived steps (correlation into incidents, placement in
# the administrative units) have not run yet, in filing order: the import runs them in one
# pass at its end, and a pass that stopped resumes from here (docs/intake.md). Ids of the
# mechanism's public dataset reports only, so no row-level security policy is needed.
derived_pending = Table(
    "derived_pending",
    metadata,
    Column("seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("report_id", String(ID), nullable=False),
)

dataset_tombstones = Table(
    "dataset_tombstones",
    metadata,
    Column("source_ref", String(NAME), primary_key=True),
    Column("withdrawn_at", DateTime(timezone=True), nullable=False),
    Column("source_version", String(64), nullable=True),
    Column("report_id", String(ID), nullable=True),
)
