"""incidents: correlated reports and their links (issue 7)

Revision ID: 9c4e2b7a1d35
Revises: 5e0a7c3b9d21
Create Date: 2026-11-26

No row-level security policy: an incident row holds ids, statuses and score components,
never a report's content; whether a principal sees an incident at all is decided by the
reports it may read (`application/incidents.py`), and those reads go through the reports
table's own policies.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c4e2b7a1d35"
down_revision = "5e0a7c3b9d21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("merged_into", sa.String(64), nullable=True),
        sa.Column("split_from", sa.String(64), nullable=True),
        sa.Column("window_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_to", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(
        "ix_incidents_window", "incidents", ["status", "window_from", "window_to"], unique=False
    )
    op.create_table(
        "incident_links",
        sa.Column("incident_id", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("matched_report_id", sa.String(64), nullable=True),
        sa.Column("components", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_links_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_incident_links_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("incident_id", "report_id", name=op.f("pk_incident_links")),
    )
    op.create_index("ix_incident_links_report", "incident_links", ["report_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incident_links_report", table_name="incident_links")
    op.drop_table("incident_links")
    op.drop_index("ix_incidents_window", table_name="incidents")
    op.drop_table("incidents")
