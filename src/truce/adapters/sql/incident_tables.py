"""Tables of incidents (issue 7), on the same `metadata` as the rest (tables.py imports this
module at its end). Reports are never altered: an incident only refers to them."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, String, Table, Text

from truce.adapters.sql.tables import ID, metadata

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("agreement_id", String(ID), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("merged_into", String(ID), nullable=True),
    Column("split_from", String(ID), nullable=True),
    # The span of time the incident's reports cover, widened by their slack: candidate
    # generation for a new report filters on it (an index keeps that cheap).
    Column("window_from", DateTime(timezone=True), nullable=True),
    Column("window_to", DateTime(timezone=True), nullable=True),
    Index("ix_incidents_window", "status", "window_from", "window_to"),
)

incident_links = Table(
    "incident_links",
    metadata,
    Column(
        "incident_id",
        String(ID),
        ForeignKey("incidents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("report_id", String(ID), ForeignKey("reports.id"), primary_key=True),
    Column("linked_at", DateTime(timezone=True), nullable=False),
    Column("matched_report_id", String(ID), nullable=True),
    # The score components as JSON, so an analyst sees why the report was joined.
    Column("components", Text, nullable=True),
    Column("decided_by", String(ID), nullable=False),
    Index("ix_incident_links_report", "report_id"),
)
