"""evidence: attachments of content-addressed files to reports, custody events, and their
row-level security (PostgreSQL only)

Revision ID: 098659a063e9
Revises: 9c4d2e7a1b38
Create Date: 2026-11-26

An attachment carries its report's body and confidentiality, so the policies are those of
reports (migration f4b5e309b72a): the mechanism's own work sees every row; an actor sees its
own body's attachments and others' at the levels its scope names; public ones are seen by
all. A custody event is seen by whoever sees its attachment (the subquery is itself filtered
by the evidence policies).
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "098659a063e9"
down_revision = "9c4d2e7a1b38"
branch_labels = None
depends_on = None

# Written out here rather than imported: migrations never import application code.
_CONTEXT = "coalesce(current_setting('truce.context', true), '')"
_SYSTEM = f"{_CONTEXT} = 'system'"
_ACTOR = f"{_CONTEXT} = 'actor'"
_BODY = "nullif(current_setting('truce.body_id', true), '')"
_LEVELS = "string_to_array(nullif(current_setting('truce.levels', true), ''), ',')"


class _Policy(NamedTuple):
    table: str
    name: str
    command: str
    using: str | None
    check: str | None

    def create(self) -> str:
        clauses = [f"CREATE POLICY {self.name} ON {self.table} FOR {self.command}"]
        if self.using is not None:
            clauses.append(f"USING ({self.using})")
        if self.check is not None:
            clauses.append(f"WITH CHECK ({self.check})")
        return " ".join(clauses)


_POLICIES = (
    _Policy("evidence", "evidence_system", "ALL", _SYSTEM, _SYSTEM),
    _Policy(
        "evidence",
        "evidence_read",
        "SELECT",
        f"confidentiality = 'public' OR ({_ACTOR} AND "
        f"(owner_body_id = {_BODY} OR confidentiality = ANY ({_LEVELS})))",
        None,
    ),
    _Policy("evidence_custody", "evidence_custody_system", "ALL", _SYSTEM, _SYSTEM),
    _Policy(
        "evidence_custody",
        "evidence_custody_read",
        "SELECT",
        "EXISTS (SELECT 1 FROM evidence e WHERE e.id = evidence_id)",
        None,
    ),
)
TABLES = ("evidence", "evidence_custody")


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("owner_body_id", sa.String(64), nullable=True),
        sa.Column("confidentiality", sa.String(16), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("file_metadata", sa.Text(), nullable=False),
        sa.Column("derived", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name="fk_evidence_report_id_reports"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
        sa.UniqueConstraint("report_id", "sha256", name="uq_evidence_report_id_sha256"),
    )
    op.create_index("ix_evidence_sha256", "evidence", ["sha256"])
    op.create_table(
        "evidence_custody",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("evidence_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=True),
        sa.Column("body_id", sa.String(64), nullable=True),
        sa.Column("address", sa.String(100), nullable=True),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name="fk_evidence_custody_evidence_id_evidence"
        ),
        sa.PrimaryKeyConstraint("seq", name="pk_evidence_custody"),
    )
    op.create_index(
        "ix_evidence_custody_evidence_id_seq", "evidence_custody", ["evidence_id", "seq"]
    )
    if _is_postgresql():
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for policy in _POLICIES:
            op.execute(policy.create())


def downgrade() -> None:
    if _is_postgresql():
        for policy in _POLICIES:
            op.execute(f"DROP POLICY IF EXISTS {policy.name} ON {policy.table}")
    op.drop_index("ix_evidence_custody_evidence_id_seq", table_name="evidence_custody")
    op.drop_table("evidence_custody")
    op.drop_index("ix_evidence_sha256", table_name="evidence")
    op.drop_table("evidence")
