"""SQLite's search index keeps no word positions (FTS5 detail=none) (issues 5 and 11)

Search asks only whether each term begins some word of a report (prefix terms joined by
AND, domain/search.py): it never asks for a phrase or for words near each other, which are
what positions serve. Without them the index is about a fifth smaller and a bulk import
indexes a report in about half the time (bench/README.md). PostgreSQL is unchanged.

Revision ID: 7b2e4c9d1f60
Revises: 5e1d7c20a9f3
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "7b2e4c9d1f60"
down_revision = "5e1d7c20a9f3"
branch_labels = None
depends_on = None


def _rebuild(options: str) -> None:
    # The triggers on reports name the table, not its shape: they stay as they are, and
    # nothing writes reports between the drop and the refill (one transaction).
    op.execute("DROP TABLE reports_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE reports_fts USING fts5(report_id UNINDEXED, search_text{options})"
    )
    op.execute(
        "INSERT INTO reports_fts (report_id, search_text) SELECT id, search_text FROM reports"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(", detail=none")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild("")
