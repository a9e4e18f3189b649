"""reports: an index on occurred_from, for compliance reports' day windows (issue 10)

Revision ID: a7c3e91d5b02
Revises: 9a3c5e7f1b24
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "a7c3e91d5b02"
down_revision = "9a3c5e7f1b24"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_reports_occurred_from", "reports", ["occurred_from"])


def downgrade() -> None:
    op.drop_index("ix_reports_occurred_from", table_name="reports")
