"""record append path: seq is SQLite's rowid, nodes WITHOUT ROWID, no index on kind

Revision ID: 9c4d2e7a1b38
Revises: 3a7d5c1e9b40
Create Date: 2026-11-26

On SQLite `record_entries` is rebuilt with `seq INTEGER` (the rowid itself, so no separate
primary-key index) and `record_nodes` WITHOUT ROWID (one b-tree keyed by level and position).
The rows are copied as they are: bodies, hashes and times are unchanged, so the tree, the
checkpoints and every proof stay valid. PostgreSQL keeps its tables; on both the unused index
on `record_entries.kind` goes. Decision 0006.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c4d2e7a1b38"
down_revision = "3a7d5c1e9b40"
branch_labels = None
depends_on = None

# The migration runs inside one transaction with SQLite's foreign keys on, where the pragma
# cannot be switched off; dropping the old parent table would orphan the openings. They are
# set aside in a temporary table and put back after the rebuild.
_KEEP = "_record_openings_kept"


def _rebuild_sqlite(*, entries_type: sa.types.TypeEngine[int], with_rowid: bool) -> None:
    op.execute(f"CREATE TEMP TABLE {_KEEP} AS SELECT * FROM record_openings")  # noqa: S608 - constant
    op.execute("DELETE FROM record_openings")
    with op.batch_alter_table("record_entries", recreate="always") as batch:
        batch.alter_column(
            "seq",
            type_=entries_type,
            existing_nullable=False,
            autoincrement=False,
        )
    with op.batch_alter_table(
        "record_nodes", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}
    ):
        pass
    op.execute(
        f"INSERT INTO record_openings (seq, salt, owner_body_id) "  # noqa: S608 - constant names
        f"SELECT seq, salt, owner_body_id FROM {_KEEP}"
    )
    op.execute(f"DROP TABLE {_KEEP}")


def upgrade() -> None:
    op.drop_index("ix_record_entries_kind", table_name="record_entries")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(entries_type=sa.Integer(), with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(entries_type=sa.BigInteger(), with_rowid=True)
    op.create_index("ix_record_entries_kind", "record_entries", ["kind"])
