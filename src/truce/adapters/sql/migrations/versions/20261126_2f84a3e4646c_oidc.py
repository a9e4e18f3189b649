"""oidc: OpenID Connect providers, linked identities, sign-ins in flight

Revision ID: 2f84a3e4646c
Revises: 5e1a7c3b9d20
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2f84a3e4646c"
down_revision = "5e1a7c3b9d20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_providers",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("body_id", sa.String(64), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("scopes", sa.String(300), nullable=False),
        sa.Column("client_secret_env", sa.String(100), nullable=True),
        sa.Column("sealed_client_secret", sa.LargeBinary(1024), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name="fk_oidc_providers_body_id_bodies"
        ),
        sa.PrimaryKeyConstraint("name", name="pk_oidc_providers"),
    )
    op.create_table(
        "oidc_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issuer", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_oidc_identities_member_id_members"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oidc_identities"),
        sa.UniqueConstraint("issuer", "subject", name="uq_oidc_identities_issuer_subject"),
        sa.UniqueConstraint("issuer", "email", name="uq_oidc_identities_issuer_email"),
        sa.UniqueConstraint("issuer", "member_id", name="uq_oidc_identities_issuer_member_id"),
    )
    op.create_index("ix_oidc_identities_member_id", "oidc_identities", ["member_id"])
    op.create_table(
        "oidc_logins",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("binding_hash", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oidc_logins"),
    )
    op.create_index("ix_oidc_logins_expires_at", "oidc_logins", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oidc_logins_expires_at", table_name="oidc_logins")
    op.drop_table("oidc_logins")
    op.drop_index("ix_oidc_identities_member_id", table_name="oidc_identities")
    op.drop_table("oidc_identities")
    op.drop_table("oidc_providers")
