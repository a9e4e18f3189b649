"""row-level security on party material (PostgreSQL only)

Revision ID: f4b5e309b72a
Revises: dc3595cdee89
Create Date: 2026-11-26

The database's own copy of the report visibility rule, a second wall behind the application's
choke points (docs/decisions/0003-postgres-row-level-security.md). The SQL adapter names the
context per transaction with set_config('truce.context' | 'truce.body_id' | 'truce.levels',
..., true); without one, only public rows are visible. FORCE makes the table owner obey the
policies too; only a superuser or a role with BYPASSRLS passes them.

SQLite has no row-level security: there this migration does nothing and the application layer
is the only wall.
"""

from __future__ import annotations

from typing import NamedTuple

from alembic import op

revision = "f4b5e309b72a"
down_revision = "dc3595cdee89"
branch_labels = None
depends_on = None

# Written out here rather than imported: migrations never import application code.
_CONTEXT = "coalesce(current_setting('truce.context', true), '')"
_SYSTEM = f"{_CONTEXT} = 'system'"
_ACTOR = f"{_CONTEXT} = 'actor'"
_BODY = "nullif(current_setting('truce.body_id', true), '')"
_LEVELS = "string_to_array(nullif(current_setting('truce.levels', true), ''), ',')"

_OWN_OR_LEVEL = f"submitter_body_id = {_BODY} OR confidentiality = ANY ({_LEVELS})"


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
    # The mechanism's own work: filing, idempotency look-ups, verifying the record, totals.
    _Policy("reports", "reports_system", "ALL", _SYSTEM, _SYSTEM),
    # ReportScope.admits: the actor's own body's reports and others' at the levels the policy
    # grants it; public reports to everyone, with or without a context.
    _Policy(
        "reports",
        "reports_read",
        "SELECT",
        f"confidentiality = 'public' OR ({_ACTOR} AND ({_OWN_OR_LEVEL}))",
        None,
    ),
    # An actor files only in its own body's name.
    _Policy("reports", "reports_file", "INSERT", None, f"{_ACTOR} AND submitter_body_id = {_BODY}"),
    # A salt opens a commitment to confidential content: the mechanism (verify) and the body
    # that owns the content may read it, nobody else.
    _Policy("record_openings", "record_openings_system", "ALL", _SYSTEM, _SYSTEM),
    _Policy(
        "record_openings",
        "record_openings_owner",
        "SELECT",
        f"{_ACTOR} AND owner_body_id = {_BODY}",
        None,
    ),
)
TABLES = ("reports", "record_openings")


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _is_postgresql():
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for policy in _POLICIES:
        op.execute(policy.create())


def downgrade() -> None:
    if not _is_postgresql():
        return
    for policy in _POLICIES:
        op.execute(f"DROP POLICY IF EXISTS {policy.name} ON {policy.table}")
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
