"""geography: administrative units, places, aliases, quarantine, zones

Revision ID: 5e0a7c3b9d21
Revises: 2f84a3e4646c
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e0a7c3b9d21"
down_revision = "2f84a3e4646c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "geo_units",
        sa.Column("pcode", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=False),
        sa.Column("name_ar", sa.String(300), nullable=False),
        sa.Column("names_en", sa.Text(), nullable=False),
        sa.Column("parent_pcode", sa.String(32), nullable=True),
        sa.Column("centroid_lat", sa.Float(), nullable=False),
        sa.Column("centroid_lon", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("pcode", name="pk_geo_units"),
    )
    op.create_index("ix_geo_units_level", "geo_units", ["level"])
    op.create_index("ix_geo_units_parent_pcode", "geo_units", ["parent_pcode"])
    op.create_table(
        "geo_places",
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("names", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("unit_pcode", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_geo_places"),
    )
    op.create_table(
        "geo_aliases",
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("text", "target", name="pk_geo_aliases"),
    )
    op.create_table(
        "geo_quarantine",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("reference", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_geo_quarantine"),
    )
    op.create_table(
        "geo_zones",
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("zone_id", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_ar", sa.String(300), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("agreement_version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "zone_id", "revision", name="pk_geo_zones"),
    )


def downgrade() -> None:
    op.drop_table("geo_zones")
    op.drop_table("geo_quarantine")
    op.drop_table("geo_aliases")
    op.drop_table("geo_places")
    op.drop_index("ix_geo_units_parent_pcode", table_name="geo_units")
    op.drop_index("ix_geo_units_level", table_name="geo_units")
    op.drop_table("geo_units")
