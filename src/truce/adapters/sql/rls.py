"""PostgreSQL row-level security: the context the policies read, and the application role.

The policies (migration f4b5e309b72a) mirror `ReportScope.admits`. They read three settings,
always set transaction-local (`set_config(..., true)`) so that nothing leaks into the next
transaction on a pooled connection:

- `truce.context`: `actor` (acting for a principal's scope), `system` (the mechanism's own
  work, which must see every row), or unset/empty: only public rows.
- `truce.body_id`: the actor's own body, when the policy lets it read its body's material.
- `truce.levels`: the confidentiality levels of other bodies' material it may read.

Repositories enter a context around each statement that touches a protected table and leave
it empty afterwards, so a statement that names no context sees public rows only: the database
fails closed. On SQLite every function here does nothing; the application layer is the wall.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from truce.application.ports import ReportScope

# Tables under row-level security (the migration's list; tests check the two agree).
# Reply requests and replies (migration 3a7d5c1e9b40) are the accused party's material;
# evidence and its custody chain belong to the body that gave them.
PROTECTED_TABLES = (
    "reports",
    "record_openings",
    "reply_requests",
    "replies",
    "evidence",
    "evidence_custody",
    # Where a report was placed (migration 3b7d0e5a1c62) is visible only where the report is.
    "report_places",
)

_SET = text(
    "SELECT set_config('truce.context', :context, true), "
    "set_config('truce.body_id', :body_id, true), "
    "set_config('truce.levels', :levels, true)"
)


def _uses_rls(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _set(connection: Connection, context: str, body_id: str = "", levels: str = "") -> None:
    if _uses_rls(connection):
        connection.execute(_SET, {"context": context, "body_id": body_id, "levels": levels})


@contextmanager
def acting_for(connection: Connection, scope: ReportScope) -> Iterator[None]:
    """Statements inside see what the scope admits, and may file in its body's name only."""
    levels = ",".join(sorted(level.value for level in scope.levels))
    _set(connection, "actor", scope.own_body_id or "", levels)
    yield
    # Not in a `finally`: after a failed statement the transaction is aborted and a further
    # statement would hide the first error. The setting dies with the transaction anyway.
    _set(connection, "")


@contextmanager
def as_system(connection: Connection, why: str) -> Iterator[None]:
    """The mechanism's own work, which must see every row. `why` says at the call site what
    that work is, so each use is deliberate and greppable (`as_system(`)."""
    if not why:
        raise ValueError("name the mechanism's work that needs the system context")
    _set(connection, "system")
    yield
    _set(connection, "")


# --- the application role ----------------------------------------------------------------------

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_$]{0,62}")


class AppRoleError(ValueError):
    """The role cannot serve as the application role: it would pass the policies."""


def _quoted(role: str) -> str:
    if not _ROLE_NAME.fullmatch(role):
        raise AppRoleError(
            f"role name {role!r}: use lower-case letters, digits and underscores (at most 63)"
        )
    return f'"{role}"'


def app_role_problems(connection: Connection, role: str) -> list[str]:
    """Why `role` cannot be the application role; empty when it can."""
    found = connection.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    if found is None:
        return [f"no role {role!r}: create it first (CREATE ROLE {role} LOGIN PASSWORD '...')"]
    problems = []
    if found.rolsuper:
        problems.append("it is a superuser, which passes every row-level policy")
    if found.rolbypassrls:
        problems.append("it has BYPASSRLS")
    owners = connection.execute(
        text(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema() "
            "AND pg_has_role(:role, tableowner, 'MEMBER')"
        ),
        {"role": role},
    ).scalars()
    problems.extend(
        f"it owns the tables, or may act as their owner {owner!r} (who can turn the policies off)"
        for owner in owners
    )
    return problems


_TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
_SEQUENCE_RIGHTS = "USAGE, SELECT"


def grant_app_role(connection: Connection, role: str) -> None:
    """Let `role` read and write the tables, now and for tables later migrations create, and
    nothing more: no ownership, no DDL, the migrations table read-only, the record and the
    audit trail append-only (APPEND_ONLY_TABLES), the record's head updated only."""
    grantee = _quoted(role)
    problems = app_role_problems(connection, role)
    if problems:
        raise AppRoleError(f"{role} cannot be the application role: " + "; ".join(problems))
    schema = _current_schema(connection)
    # Tables that later migrations create (as the same owner) are granted by default too.
    later = f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT"
    for statement in (
        f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
        f"GRANT {_TABLE_RIGHTS} ON ALL TABLES IN SCHEMA {schema} TO {grantee}",
        f"GRANT {_SEQUENCE_RIGHTS} ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
        # `serve` checks the schema is current; only the owner migrates.
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {grantee}",
        f"{later} {_TABLE_RIGHTS} ON TABLES TO {grantee}",
        f"{later} {_SEQUENCE_RIGHTS} ON SEQUENCES TO {grantee}",
        *_append_only_statements(connection, grantee),
    ):
        connection.execute(text(statement))


# The record and the audit trail only grow: the application role may add rows and read them,
# never change or remove one (a second wall beside the record's hashes, which would only
# show the change afterwards). The record's head is the one row it moves forward.
APPEND_ONLY_TABLES = (
    "record_entries",
    "record_nodes",
    "record_openings",
    "record_checkpoints",
    "record_cosignatures",
    "audit_entries",
)
UPDATE_ONLY_TABLES = ("record_head",)


def _append_only_statements(connection: Connection, grantee: str) -> list[str]:
    existing = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
    )
    statements = [
        f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quoted(table)} FROM {grantee}"
        for table in APPEND_ONLY_TABLES
        if table in existing
    ]
    statements.extend(
        f"REVOKE INSERT, DELETE, TRUNCATE ON {_quoted(table)} FROM {grantee}"
        for table in UPDATE_ONLY_TABLES
        if table in existing
    )
    return statements


def _current_schema(connection: Connection) -> str:
    schema = str(connection.execute(text("SELECT current_schema()")).scalar_one())
    return _quoted(schema)


def protected_tables(connection: Connection) -> dict[str, tuple[bool, bool]]:
    """Each table in the schema with (row security on, forced), for checks and the CLI."""
    rows = connection.execute(
        text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
    )
    return {row.relname: (row.relrowsecurity, row.relforcerowsecurity) for row in rows}
