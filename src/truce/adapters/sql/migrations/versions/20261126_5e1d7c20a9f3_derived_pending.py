"""derived_pending: reports of a bulk import still to be correlated and placed (issue 5)

Revision ID: 5e1d7c20a9f3
Revises: 6d1e8f2a4c90
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e1d7c20a9f3"
down_revision = "6d1e8f2a4c90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Ids of the mechanism's public dataset reports, in filing order; no party material, so
    # no row-level security policy (the reports themselves keep theirs).
    op.create_table(
        "derived_pending",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("report_id", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("derived_pending")
