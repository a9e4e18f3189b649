"""report places: each report's administrative units and precision, derived

Revision ID: 3b7d0e5a1c62
Revises: 098659a063e9
Create Date: 2026-11-26

Derived data (docs/geography.md "Placing reports"): worked out from a report and the loaded
boundaries by `truce geo place-reports` and when a report is filed; never part of a report's
fingerprint, recomputable at will.

On PostgreSQL a placement is party material as its report is: row-level security shows a row
only when the same context may see its report (the policy's subquery on `reports` obeys the
reports' own policies, migration f4b5e309b72a), and only the mechanism's own work writes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3b7d0e5a1c62"
down_revision = "098659a063e9"
branch_labels = None
depends_on = None

# Written out here rather than imported: migrations never import application code.
_SYSTEM = "coalesce(current_setting('truce.context', true), '') = 'system'"
_REPORT_VISIBLE = "EXISTS (SELECT 1 FROM reports r WHERE r.id = report_places.report_id)"


def upgrade() -> None:
    op.create_table(
        "report_places",
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("adm1_pcode", sa.String(32), nullable=True),
        sa.Column("adm2_pcode", sa.String(32), nullable=True),
        sa.Column("adm3_pcode", sa.String(32), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Float(), nullable=True),
        sa.Column("precision", sa.String(16), nullable=True),
        sa.Column("nearest", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("note", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_report_places_report_id_reports"
        ),
        sa.PrimaryKeyConstraint("report_id", name="pk_report_places"),
    )
    op.create_index("ix_report_places_adm1_pcode", "report_places", ["adm1_pcode"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE report_places ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE report_places FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY report_places_system ON report_places FOR ALL "
        f"USING ({_SYSTEM}) WITH CHECK ({_SYSTEM})"
    )
    op.execute(
        f"CREATE POLICY report_places_read ON report_places FOR SELECT USING ({_REPORT_VISIBLE})"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS report_places_read ON report_places")
        op.execute("DROP POLICY IF EXISTS report_places_system ON report_places")
    op.drop_index("ix_report_places_adm1_pcode", table_name="report_places")
    op.drop_table("report_places")
