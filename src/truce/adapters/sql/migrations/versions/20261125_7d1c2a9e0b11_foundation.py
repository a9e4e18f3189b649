"""foundation: bodies, actors and aliases, members and roles, agreements, reports

Revision ID: 7d1c2a9e0b11
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7d1c2a9e0b11"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bodies",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_bodies"),
    )
    op.create_table(
        "body_names",
        sa.Column("body_id", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(35), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name="fk_body_names_body_id_bodies"),
        sa.PrimaryKeyConstraint("body_id", "lang", name="pk_body_names"),
    )
    op.create_table(
        "actors",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("party_id", sa.String(64), nullable=True),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["bodies.id"], name="fk_actors_party_id_bodies"),
        sa.PrimaryKeyConstraint("id", name="pk_actors"),
    )
    op.create_table(
        "actor_aliases",
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(300), nullable=False),
        sa.Column("lang", sa.String(35), nullable=False),
        sa.Column("folded", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name="fk_actor_aliases_actor_id_actors"
        ),
        sa.PrimaryKeyConstraint("actor_id", "position", name="pk_actor_aliases"),
    )
    op.create_index("ix_actor_aliases_folded", "actor_aliases", ["folded"])
    op.create_table(
        "members",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body_id", sa.String(64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name="fk_members_body_id_bodies"),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.UniqueConstraint("username", name="uq_members_username"),
    )
    op.create_table(
        "member_roles",
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_member_roles_member_id_members"
        ),
        sa.PrimaryKeyConstraint("member_id", "role", name="pk_member_roles"),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("entry_into_force", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", "version", name="pk_agreements"),
    )
    op.create_table(
        "agreement_participants",
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.String(64), nullable=False),
        sa.Column("standing", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id", "version"],
            ["agreements.id", "agreements.version"],
            name="fk_agreement_participants_agreement_agreements",
        ),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name="fk_agreement_participants_body_id_bodies"
        ),
        sa.PrimaryKeyConstraint(
            "agreement_id", "version", "body_id", name="pk_agreement_participants"
        ),
    )
    op.create_table(
        "agreement_exclusions",
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id", "version"],
            ["agreements.id", "agreements.version"],
            name="fk_agreement_exclusions_agreement_agreements",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name="fk_agreement_exclusions_actor_id_actors"
        ),
        sa.PrimaryKeyConstraint(
            "agreement_id", "version", "actor_id", name="pk_agreement_exclusions"
        ),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        sa.Column("submitter_body_id", sa.String(64), nullable=True),
        sa.Column("idempotency_scope", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("source_kind", sa.String(32), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("credibility", sa.SmallInteger(), nullable=False),
        sa.Column("occurred_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place_text", sa.String(300), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("perpetrator", sa.String(300), nullable=True),
        sa.Column("target", sa.String(300), nullable=True),
        sa.Column("killed", sa.Integer(), nullable=True),
        sa.Column("injured", sa.Integer(), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("narrative_lang", sa.String(35), nullable=False),
        sa.Column("confidentiality", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["members.id"], name="fk_reports_submitted_by_members"
        ),
        sa.ForeignKeyConstraint(
            ["submitter_body_id"], ["bodies.id"], name="fk_reports_submitter_body_id_bodies"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.UniqueConstraint(
            "idempotency_scope",
            "idempotency_key",
            name="uq_reports_idempotency_scope_idempotency_key",
        ),
    )
    op.create_index("ix_reports_agreement_id", "reports", ["agreement_id"])
    op.create_index("ix_reports_filed_at_id", "reports", ["filed_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_reports_filed_at_id", table_name="reports")
    op.drop_index("ix_reports_agreement_id", table_name="reports")
    for table in (
        "reports",
        "agreement_exclusions",
        "agreement_participants",
        "agreements",
        "member_roles",
        "members",
        "actor_aliases",
        "actors",
        "body_names",
        "bodies",
    ):
        op.drop_table(table)
