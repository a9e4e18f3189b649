"""SQLAlchemy Core tables. Migrations describe the same schema by hand; `alembic check` in CI
fails when the two drift apart."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Named constraints make migrations deterministic on both engines and batch mode on SQLite
# able to find what it must drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ID = 64  # ids are UUIDs or short slugs; 64 leaves room for both
NAME = 300

bodies = Table(
    "bodies",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(NAME), nullable=False),
)

body_names = Table(
    "body_names",
    metadata,
    Column("body_id", String(ID), ForeignKey("bodies.id"), primary_key=True),
    Column("lang", String(35), primary_key=True),
    Column("name", String(NAME), nullable=False),
)

actors = Table(
    "actors",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("party_id", String(ID), ForeignKey("bodies.id"), nullable=True),
    Column("excluded", Boolean, nullable=False),
)

actor_aliases = Table(
    "actor_aliases",
    metadata,
    Column("actor_id", String(ID), ForeignKey("actors.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("text", String(NAME), nullable=False),
    Column("lang", String(35), nullable=False),
    # Case-folded copy, so a lookup by name needs no function index on either engine.
    Column("folded", String(NAME), nullable=False, index=True),
)

members = Table(
    "members",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("title", String(NAME), nullable=False),
    Column("body_id", String(ID), ForeignKey("bodies.id"), nullable=False),
    Column("active", Boolean, nullable=False),
    # The interface language the member chose (domain/languages.py); NULL: the browser's.
    Column("language", String(8), nullable=True),
)

member_roles = Table(
    "member_roles",
    metadata,
    Column("member_id", String(ID), ForeignKey("members.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

agreements = Table(
    "agreements",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("title", String(NAME), nullable=False),
    Column("entry_into_force", DateTime(timezone=True), nullable=False),
    Column("summary", Text, nullable=False),
    # The verification procedure's terms and the clauses, as JSON (issue 8); NULL on rows
    # stored before: the default procedure and no clauses.
    Column("procedure", Text, nullable=True),
    Column("clauses", Text, nullable=True),
)

agreement_participants = Table(
    "agreement_participants",
    metadata,
    Column("agreement_id", String(ID), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("body_id", String(ID), ForeignKey("bodies.id"), primary_key=True),
    Column("standing", String(16), nullable=False),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(
        ["agreement_id", "version"],
        ["agreements.id", "agreements.version"],
        name="fk_agreement_participants_agreement_agreements",
    ),
)

agreement_exclusions = Table(
    "agreement_exclusions",
    metadata,
    Column("agreement_id", String(ID), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("actor_id", String(ID), ForeignKey("actors.id"), primary_key=True),
    Column("position", Integer, nullable=False),
    ForeignKeyConstraint(
        ["agreement_id", "version"],
        ["agreements.id", "agreements.version"],
        name="fk_agreement_exclusions_agreement_agreements",
    ),
)

reports = Table(
    "reports",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("agreement_id", String(ID), nullable=False, index=True),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", String(ID), ForeignKey("members.id"), nullable=True),
    Column("submitter_body_id", String(ID), ForeignKey("bodies.id"), nullable=True),
    Column("idempotency_scope", String(ID), nullable=False),
    Column("idempotency_key", String(200), nullable=True),
    Column("fingerprint", String(64), nullable=False),
    Column("source_kind", String(32), nullable=False),
    Column("source_name", String(NAME), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("credibility", SmallInteger, nullable=False),
    Column("occurred_from", DateTime(timezone=True), nullable=False),
    Column("occurred_to", DateTime(timezone=True), nullable=True),
    Column("place_text", String(NAME), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("event_type", String(64), nullable=False),
    Column("perpetrator", String(NAME), nullable=True),
    Column("target", String(NAME), nullable=True),
    Column("killed", Integer, nullable=True),
    Column("injured", Integer, nullable=True),
    Column("narrative", Text, nullable=False),
    Column("narrative_lang", String(35), nullable=False),
    Column("confidentiality", String(16), nullable=False),
    # Intake (issue 5): the source's native precision codes and the normalised radius.
    Column("time_precision", String(32), nullable=True),
    Column("place_precision", String(32), nullable=True),
    Column("uncertainty_m", Float, nullable=True),
    Column("sub_event_type", String(64), nullable=True),
    Column("perpetrator_actor_id", String(ID), nullable=True),
    Column("target_actor_id", String(ID), nullable=True),
    Column("excluded_actor", Boolean, nullable=True),
    Column("supersedes", String(ID), nullable=True),
    Column("source_ref", String(NAME), nullable=True, index=True),
    Column("source_version", String(64), nullable=True),
    # Casualties, translations, evidence links and the observer section, as JSON.
    Column("details", Text, nullable=True),
    # Not content: set when a later report superseded this one or its publisher withdrew
    # it. Lists show only reports that stand; a retired report can still be read by id.
    Column("retired", String(16), nullable=True),
    # The searchable form of the report (domain/search.py), made in Python so that both
    # stores index the same folded Arabic. SQLite copies it into the FTS5 table
    # `reports_fts` by trigger; PostgreSQL indexes to_tsvector('simple', search_text) with
    # GIN. Both live in the migration only (SEARCH_SCHEMA_EXTRAS).
    Column("search_text", Text, nullable=False, server_default=""),
    UniqueConstraint("idempotency_scope", "idempotency_key"),
    Index("ix_reports_filed_at_id", "filed_at", "id"),
    # Compliance reports count the reports of one day at a time (issue 10).
    Index("ix_reports_occurred_from", "occurred_from"),
)

# --- the record: append-only log, stored subtree hashes, checkpoints, co-signatures ---------

record_entries = Table(
    "record_entries",
    metadata,
    # 0-based leaf index in the Merkle tree. On SQLite an INTEGER PRIMARY KEY is the rowid
    # itself (64-bit), so the entries are one b-tree in seq order instead of a table plus a
    # separate primary-key index (decision 0006, bench/README.md).
    Column(
        "seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    ),
    # Not indexed: nothing looks entries up by kind, and every index costs each append.
    Column("kind", String(64), nullable=False),
    # RFC 8785 canonical JSON, exactly the bytes that were hashed.
    Column("body", Text, nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # The object the entry is about, so an object's history is one indexed query.
    Column("subject", String(140), nullable=True, index=True),
)

record_nodes = Table(
    "record_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("digest", LargeBinary(32), nullable=False),
    # Interior nodes only (level >= 1): a leaf is its entry's leaf_hash (decision 0007).
    # On SQLite the nodes are stored in their primary key's b-tree alone (no rowid table
    # beside it): half the writes per node, and a proof's point reads find the digest there.
    sqlite_with_rowid=False,
)

# One row: the tree's size, locked while a transaction appends so appends never interleave.
record_head = Table(
    "record_head",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)

# The salt of each commitment to confidential content; its owner can open the commitment.
record_openings = Table(
    "record_openings",
    metadata,
    Column("seq", BigInteger, ForeignKey("record_entries.seq"), primary_key=True),
    Column("salt", LargeBinary(32), nullable=False),
    Column("owner_body_id", String(ID), nullable=True),
)

record_checkpoints = Table(
    "record_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary(32), nullable=False),
    # The signed note (c2sp.org/tlog-checkpoint) as issued by the mechanism.
    Column("note", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
)

record_cosignatures = Table(
    "record_cosignatures",
    metadata,
    Column("size", BigInteger, ForeignKey("record_checkpoints.size"), primary_key=True),
    Column("witness", String(150), primary_key=True),
    # One signed-note signature line by the witness over the same checkpoint body.
    Column("signature", Text, nullable=False),
    # The witness's verifier key (c2sp.org/signed-note), kept so anyone can check the line.
    Column("verifier_key", String(300), nullable=False),
    Column("cosigned_at", DateTime(timezone=True), nullable=False),
)

# At the end: these modules add their tables to `metadata` above.
from truce.adapters.sql import (  # noqa: E402
    auth_tables,  # noqa: F401 - registers the auth tables on metadata
    decision_tables,  # noqa: F401 - registers the signed decision tables
    evidence_tables,  # noqa: F401 - registers the evidence tables
    geo_tables,  # noqa: F401 - registers the geography tables
    incident_tables,  # noqa: F401 - registers the incident tables
    intake_tables,  # noqa: F401 - registers the intake tables
    oidc_tables,  # noqa: F401 - registers the OpenID Connect tables
    procedure_tables,  # noqa: F401 - registers the verification procedure's tables
    talk_tables,  # noqa: F401 - registers the talks tables
)

# Search structures that SQLAlchemy cannot describe (an FTS5 virtual table with its shadow
# tables, a GIN expression index): made by migration 0c4f5e2a9b71, left out of comparisons.
SEARCH_SCHEMA_EXTRAS = frozenset(
    {
        "reports_fts",
        "reports_fts_data",
        "reports_fts_idx",
        "reports_fts_content",
        "reports_fts_docsize",
        "reports_fts_config",
        "ix_reports_search_text_tsv",
    }
)


def in_compared_schema(
    _object: object, name: str | None, _type: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object`: skip the search extras that exist only in the database."""
    return not (reflected and compare_to is None and name in SEARCH_SCHEMA_EXTRAS)
