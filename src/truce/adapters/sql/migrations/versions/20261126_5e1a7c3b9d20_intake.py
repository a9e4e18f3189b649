"""intake: report fields of issue 5, import journal, quarantine, dataset tombstones

Revision ID: 5e1a7c3b9d20
Revises: 2e2aa3b86597
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e1a7c3b9d20"
down_revision = "2e2aa3b86597"
branch_labels = None
depends_on = None

_REPORT_COLUMNS = (
    ("time_precision", sa.String(32)),
    ("place_precision", sa.String(32)),
    ("uncertainty_m", sa.Float()),
    ("sub_event_type", sa.String(64)),
    ("perpetrator_actor_id", sa.String(64)),
    ("target_actor_id", sa.String(64)),
    ("excluded_actor", sa.Boolean()),
    ("supersedes", sa.String(64)),
    ("source_ref", sa.String(300)),
    ("source_version", sa.String(64)),
    ("details", sa.Text()),
    ("retired", sa.String(16)),
)


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        for name, kind in _REPORT_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
        batch.create_index("ix_reports_source_ref", ["source_ref"])
    op.create_table(
        "import_journals",
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_done", sa.BigInteger(), nullable=False),
        sa.Column("read", sa.BigInteger(), nullable=False),
        sa.Column("imported", sa.BigInteger(), nullable=False),
        sa.Column("updated", sa.BigInteger(), nullable=False),
        sa.Column("unchanged", sa.BigInteger(), nullable=False),
        sa.Column("quarantined", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("file_sha256", "kind", name="pk_import_journals"),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_report_id", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("owner_body_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_quarantine"),
    )
    op.create_index("ix_quarantine_quarantined_at_id", "quarantine", ["quarantined_at", "id"])
    op.create_table(
        "dataset_tombstones",
        sa.Column("source_ref", sa.String(300), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_version", sa.String(64), nullable=True),
        sa.Column("report_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("source_ref", name="pk_dataset_tombstones"),
    )


def downgrade() -> None:
    op.drop_table("dataset_tombstones")
    op.drop_index("ix_quarantine_quarantined_at_id", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_table("import_journals")
    with op.batch_alter_table("reports") as batch:
        batch.drop_index("ix_reports_source_ref")
        for name, _ in reversed(_REPORT_COLUMNS):
            batch.drop_column(name)
