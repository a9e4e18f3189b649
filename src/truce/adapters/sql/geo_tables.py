"""Tables of the geography, on the same `metadata` as the rest (tables.py imports this module
at its end). Geometry is WKB for units (compact, read straight into shapely) and GeoJSON text
for zones (small, drawn by hand, served as they are). No PostGIS: the spatial work happens in
shapely over an index built in memory."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from truce.adapters.sql.tables import ID, NAME, metadata

PCODE = 32
DIGEST = 64

geo_units = Table(
    "geo_units",
    metadata,
    Column("pcode", String(PCODE), primary_key=True),
    Column("level", Integer, nullable=False, index=True),
    Column("name_en", String(NAME), nullable=False),
    Column("name_ar", String(NAME), nullable=False),
    Column("names_en", Text, nullable=False),  # JSON list of the dataset's other names
    Column("parent_pcode", String(PCODE), nullable=True, index=True),
    Column("centroid_lat", Float, nullable=False),
    Column("centroid_lon", Float, nullable=False),
    Column("radius_m", Float, nullable=False),
    Column("geometry", LargeBinary, nullable=False),
    Column("source", String(NAME), nullable=False),
)

geo_places = Table(
    "geo_places",
    metadata,
    Column("id", String(NAME), primary_key=True),
    Column("name", String(NAME), nullable=False),
    Column("names", Text, nullable=False),  # JSON list
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("population", BigInteger, nullable=False),
    Column("source", String(NAME), nullable=False),
    Column("unit_pcode", String(PCODE), nullable=True),
)

geo_aliases = Table(
    "geo_aliases",
    metadata,
    Column("text", String(NAME), primary_key=True),
    Column("target", String(NAME), primary_key=True),
    Column("source", String(NAME), nullable=False),
)

# Features that could not be loaded, with the reason; `key` (SHA-256 of source, reference and
# reason) keeps a reload from quarantining the same feature twice.
geo_quarantine = Table(
    "geo_quarantine",
    metadata,
    Column("key", String(DIGEST), primary_key=True),
    Column("source", String(NAME), nullable=False),
    Column("reference", String(NAME), nullable=False),
    Column("reason", Text, nullable=False),
    Column("quarantined_at", DateTime(timezone=True), nullable=False),
)

geo_zones = Table(
    "geo_zones",
    metadata,
    Column("agreement_id", String(ID), primary_key=True),
    Column("zone_id", String(100), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("name_ar", String(NAME), nullable=False),
    Column("geometry", Text, nullable=False),
    Column("agreement_version", Integer, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn", Boolean, nullable=False),
)

# Where each report lies (docs/geography.md "Placing reports"): derived from the report and
# the boundaries, recomputable, not part of the report's fingerprint. Party material as its
# report is: on PostgreSQL a row is visible only when its report is (migration 3b7d0e5a1c62).
report_places = Table(
    "report_places",
    metadata,
    Column("report_id", String(ID), ForeignKey("reports.id"), primary_key=True),
    Column("method", String(16), nullable=False),
    Column("adm1_pcode", String(PCODE), nullable=True, index=True),
    Column("adm2_pcode", String(PCODE), nullable=True),
    Column("adm3_pcode", String(PCODE), nullable=True),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("radius_m", Float, nullable=True),
    Column("precision", String(16), nullable=True),
    Column("nearest", Boolean, nullable=False),
    Column("confidence", Float, nullable=True),
    Column("note", String(NAME), nullable=False),
)
