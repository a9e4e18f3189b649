"""record leaves from entries: record_nodes keeps interior nodes only

Revision ID: 6d1e8f2a4c90
Revises: 3b7d0e5a1c62
Create Date: 2026-11-26

Level 0 of the Merkle tree is each entry's leaf hash, which `record_entries.leaf_hash`
already holds. Storing it again in `record_nodes` cost one more row per entry on every
append (decision 0007). The leaves are dropped from `record_nodes`; downgrade copies them
back from the entries.
"""

from __future__ import annotations

from alembic import op

revision = "6d1e8f2a4c90"
down_revision = "3b7d0e5a1c62"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM record_nodes WHERE level = 0")


def downgrade() -> None:
    op.execute(
        "INSERT INTO record_nodes (level, position, digest) "
        "SELECT 0, seq, leaf_hash FROM record_entries"
    )
