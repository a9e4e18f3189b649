"""languages and search: members' interface language, reports' search text and its index

Revision ID: 0c4f5e2a9b71
Revises: a7c3e91d5b02
Create Date: 2026-11-26

`reports.search_text` holds the report's searchable words in one normal form (Arabic folded:
no diacritics or tatweel, one alef, taa marbuta as haa, alef maqsura as yaa), made by the
application when a report is stored (domain/search.py). Existing rows are filled here with a
copy of that fold: migrations never import application code.

- SQLite: an FTS5 table `reports_fts(report_id UNINDEXED, search_text)` kept in step by
  triggers on reports, so every way of storing a report (the form, the API, intake) is indexed.
  A later migration that rebuilds `reports` in batch mode must create the triggers again.
- PostgreSQL: a GIN index on to_tsvector('simple', search_text). The column sits on
  `reports`, so its row-level security policies cover search too.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0c4f5e2a9b71"
down_revision = "a7c3e91d5b02"
branch_labels = None
depends_on = None

_TRIGGERS = (
    """CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
         INSERT INTO reports_fts (report_id, search_text) VALUES (new.id, new.search_text);
       END""",
    """CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
         DELETE FROM reports_fts WHERE report_id = old.id;
       END""",
    """CREATE TRIGGER reports_fts_update AFTER UPDATE OF search_text ON reports BEGIN
         DELETE FROM reports_fts WHERE report_id = old.id;
         INSERT INTO reports_fts (report_id, search_text) VALUES (new.id, new.search_text);
       END""",
)

# The fold of domain/search.py at the time of writing.
_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ة": "ه",
        "ى": "ي",
        "ی": "ي",
        "ک": "ك",
    }
)
_WORD = re.compile(r"\w+")
_TEXT_COLUMNS = ("source_name", "place_text", "event_type", "perpetrator", "target", "narrative")


def _normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _DIACRITICS.sub("", folded).replace("\u0640", "").translate(_FOLD)
    return " ".join(_WORD.findall(folded))


def _backfill(connection: sa.Connection) -> None:
    reports = sa.table("reports", *(sa.column(c) for c in ("id", "search_text", *_TEXT_COLUMNS)))
    rows = connection.execute(sa.select(reports)).mappings().all()
    for row in rows:
        words = " ".join((row[c] or "").replace("_", " ") for c in _TEXT_COLUMNS)
        connection.execute(
            sa.update(reports)
            .where(reports.c.id == row["id"])
            .values(search_text=_normalise(words))
        )


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    if postgres:
        # The owner obeys row-level security too (FORCE): the backfill is the system's work.
        connection.execute(sa.text("SELECT set_config('truce.context', 'system', true)"))
    _backfill(connection)
    if postgres:
        connection.execute(sa.text("SELECT set_config('truce.context', '', true)"))
        op.execute(
            "CREATE INDEX ix_reports_search_text_tsv ON reports "
            "USING gin (to_tsvector('simple', search_text))"
        )
        return
    op.execute("CREATE VIRTUAL TABLE reports_fts USING fts5(report_id UNINDEXED, search_text)")
    op.execute(
        "INSERT INTO reports_fts (report_id, search_text) SELECT id, search_text FROM reports"
    )
    for trigger in _TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_reports_search_text_tsv")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER reports_fts_{name}")
        op.execute("DROP TABLE reports_fts")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("search_text")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("language")
