"""verification procedure: cases, investigations, reply requests, replies, determinations

Revision ID: 3a7d5c1e9b40
Revises: 0c4f5e2a9b71
Create Date: 2026-11-26

The agreement's versioned definition gains its procedure and clauses (JSON; NULL on rows
stored before reads as the default procedure and no clauses). Reply requests and replies are
the accused party's material: on PostgreSQL they get row-level policies in the manner of
migration f4b5e309b72a. A request is read by the accused body, and by whoever may read the
mechanism's material (guarantors, mediators, monitors, analysts); a reply by its body, and
at the levels the principal's scope grants. The other party never sees either.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "3a7d5c1e9b40"
down_revision = "0c4f5e2a9b71"
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
    _Policy("reply_requests", "reply_requests_system", "ALL", _SYSTEM, _SYSTEM),
    _Policy(
        "reply_requests",
        "reply_requests_read",
        "SELECT",
        f"{_ACTOR} AND (accused_body_id = {_BODY} OR 'mechanism' = ANY ({_LEVELS}))",
        None,
    ),
    _Policy("replies", "replies_system", "ALL", _SYSTEM, _SYSTEM),
    _Policy(
        "replies",
        "replies_read",
        "SELECT",
        f"confidentiality = 'public' OR ({_ACTOR} AND "
        f"(body_id = {_BODY} OR confidentiality = ANY ({_LEVELS})))",
        None,
    ),
)
TABLES = ("reply_requests", "replies")
_ID = 64
_STAGE = 32


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _when(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _maybe_when(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def _incident_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["incident_id"], ["incidents.id"], name=op.f(f"fk_{table}_incident_id_incidents")
    )


def upgrade() -> None:
    with op.batch_alter_table("agreements") as batch:
        batch.add_column(sa.Column("procedure", sa.Text(), nullable=True))
        batch.add_column(sa.Column("clauses", sa.Text(), nullable=True))
    op.create_table(
        "procedure_cases",
        sa.Column("incident_id", sa.String(_ID), nullable=False),
        sa.Column("agreement_id", sa.String(_ID), nullable=False),
        sa.Column("agreement_version", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(_STAGE), nullable=False),
        _when("opened_at"),
        _when("updated_at"),
        sa.Column("accused_body_id", sa.String(_ID), nullable=True),
        _maybe_when("investigation_due"),
        _maybe_when("reply_due"),
        _maybe_when("deliberation_due"),
        sa.Column("reply_lapsed", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("merged_into", sa.String(_ID), nullable=True),
        _incident_fk("procedure_cases"),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_procedure_cases")),
    )
    op.create_index("ix_procedure_cases_stage", "procedure_cases", ["stage", "updated_at"])
    op.create_table(
        "procedure_steps",
        sa.Column("incident_id", sa.String(_ID), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(_STAGE), nullable=False),
        sa.Column("from_stage", sa.String(_STAGE), nullable=False),
        sa.Column("to_stage", sa.String(_STAGE), nullable=False),
        _when("at"),
        sa.Column("by_member_id", sa.String(_ID), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        _incident_fk("procedure_steps"),
        sa.PrimaryKeyConstraint("incident_id", "seq", name=op.f("pk_procedure_steps")),
    )
    op.create_table(
        "investigation_assignments",
        sa.Column("incident_id", sa.String(_ID), nullable=False),
        sa.Column("member_id", sa.String(_ID), nullable=False),
        _when("assigned_at"),
        sa.Column("assigned_by", sa.String(_ID), nullable=False),
        _incident_fk("investigation_assignments"),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_investigation_assignments_member_id_members"),
        ),
        sa.PrimaryKeyConstraint(
            "incident_id", "member_id", name=op.f("pk_investigation_assignments")
        ),
    )
    op.create_table(
        "investigation_reports",
        sa.Column("id", sa.String(_ID), nullable=False),
        sa.Column("incident_id", sa.String(_ID), nullable=False),
        sa.Column("filed_by", sa.String(_ID), nullable=False),
        _when("filed_at"),
        sa.Column("observed", sa.String(_STAGE), nullable=False),
        sa.Column("coverage", sa.String(_STAGE), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("gaps", sa.Text(), nullable=False),
        _incident_fk("investigation_reports"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_reports")),
    )
    op.create_index("ix_investigation_reports_incident", "investigation_reports", ["incident_id"])
    op.create_table(
        "reply_requests",
        sa.Column("id", sa.String(_ID), nullable=False),
        sa.Column("incident_id", sa.String(_ID), nullable=False),
        sa.Column("accused_body_id", sa.String(_ID), nullable=False),
        _when("requested_at"),
        _when("due_at"),
        sa.Column("allegation", sa.Text(), nullable=False),
        sa.Column("shared_report_ids", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _maybe_when("settled_at"),
        _incident_fk("reply_requests"),
        sa.ForeignKeyConstraint(
            ["accused_body_id"],
            ["bodies.id"],
            name=op.f("fk_reply_requests_accused_body_id_bodies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_requests")),
    )
    op.create_index("ix_reply_requests_incident", "reply_requests", ["incident_id"])
    op.create_index(
        "ix_reply_requests_accused", "reply_requests", ["accused_body_id", "requested_at"]
    )
    op.create_table(
        "replies",
        sa.Column("id", sa.String(_ID), nullable=False),
        sa.Column("request_id", sa.String(_ID), nullable=False),
        sa.Column("incident_id", sa.String(_ID), nullable=False),
        sa.Column("body_id", sa.String(_ID), nullable=False),
        sa.Column("member_id", sa.String(_ID), nullable=False),
        _when("replied_at"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("confidentiality", sa.String(16), nullable=False),
        _incident_fk("replies"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["reply_requests.id"], name=op.f("fk_replies_request_id_reply_requests")
        ),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_replies_body_id_bodies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
    )
    op.create_index("ix_replies_request", "replies", ["request_id"])
    op.create_table(
        "determinations",
        sa.Column("incident_id", sa.String(_ID), nullable=False),
        sa.Column("id", sa.String(_ID), nullable=False),
        sa.Column("confidentiality", sa.String(16), nullable=False),
        _when("decided_at"),
        _maybe_when("published_at"),
        sa.Column("document", sa.Text(), nullable=False),
        _incident_fk("determinations"),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_determinations")),
        sa.UniqueConstraint("id", name=op.f("uq_determinations_id")),
    )
    op.create_index(
        "ix_determinations_decided", "determinations", ["confidentiality", "decided_at"]
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
    op.drop_index("ix_determinations_decided", table_name="determinations")
    op.drop_table("determinations")
    op.drop_index("ix_replies_request", table_name="replies")
    op.drop_table("replies")
    op.drop_index("ix_reply_requests_accused", table_name="reply_requests")
    op.drop_index("ix_reply_requests_incident", table_name="reply_requests")
    op.drop_table("reply_requests")
    op.drop_index("ix_investigation_reports_incident", table_name="investigation_reports")
    op.drop_table("investigation_reports")
    op.drop_table("investigation_assignments")
    op.drop_table("procedure_steps")
    op.drop_index("ix_procedure_cases_stage", table_name="procedure_cases")
    op.drop_table("procedure_cases")
    with op.batch_alter_table("agreements") as batch:
        batch.drop_column("clauses")
        batch.drop_column("procedure")
