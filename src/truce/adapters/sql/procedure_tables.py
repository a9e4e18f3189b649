"""Tables of the verification procedure (issue 8), on the same `metadata` as the rest
(tables.py imports this module at its end). Reply requests and replies are party material:
on PostgreSQL they have row-level policies (migration 20261126_3a7d5c1e9b40)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from truce.adapters.sql.tables import ID, metadata

STAGE = 32

procedure_cases = Table(
    "procedure_cases",
    metadata,
    Column("incident_id", String(ID), ForeignKey("incidents.id"), primary_key=True),
    Column("agreement_id", String(ID), nullable=False),
    Column("agreement_version", Integer, nullable=False),
    Column("stage", String(STAGE), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("accused_body_id", String(ID), nullable=True),
    Column("investigation_due", DateTime(timezone=True), nullable=True),
    Column("reply_due", DateTime(timezone=True), nullable=True),
    Column("deliberation_due", DateTime(timezone=True), nullable=True),
    Column("reply_lapsed", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("merged_into", String(ID), nullable=True),
    Index("ix_procedure_cases_stage", "stage", "updated_at"),
)

procedure_steps = Table(
    "procedure_steps",
    metadata,
    Column("incident_id", String(ID), ForeignKey("incidents.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("step", String(STAGE), nullable=False),
    Column("from_stage", String(STAGE), nullable=False),
    Column("to_stage", String(STAGE), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    # NULL: the clock took the step when a deadline passed.
    Column("by_member_id", String(ID), nullable=True),
    Column("note", Text, nullable=False),
)

investigation_assignments = Table(
    "investigation_assignments",
    metadata,
    Column("incident_id", String(ID), ForeignKey("incidents.id"), primary_key=True),
    Column("member_id", String(ID), ForeignKey("members.id"), primary_key=True),
    Column("assigned_at", DateTime(timezone=True), nullable=False),
    Column("assigned_by", String(ID), nullable=False),
)

investigation_reports = Table(
    "investigation_reports",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("incident_id", String(ID), ForeignKey("incidents.id"), nullable=False),
    Column("filed_by", String(ID), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("observed", String(STAGE), nullable=False),
    Column("coverage", String(STAGE), nullable=False),
    Column("findings", Text, nullable=False),
    # The coverage gaps as JSON: [[kind, area, note], ...].
    Column("gaps", Text, nullable=False),
    Index("ix_investigation_reports_incident", "incident_id"),
)

reply_requests = Table(
    "reply_requests",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("incident_id", String(ID), ForeignKey("incidents.id"), nullable=False),
    Column("accused_body_id", String(ID), ForeignKey("bodies.id"), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("allegation", Text, nullable=False),
    # The reports listed for the accused, as a JSON array of ids.
    Column("shared_report_ids", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("settled_at", DateTime(timezone=True), nullable=True),
    Index("ix_reply_requests_incident", "incident_id"),
    Index("ix_reply_requests_accused", "accused_body_id", "requested_at"),
)

replies = Table(
    "replies",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("request_id", String(ID), ForeignKey("reply_requests.id"), nullable=False),
    Column("incident_id", String(ID), ForeignKey("incidents.id"), nullable=False),
    Column("body_id", String(ID), ForeignKey("bodies.id"), nullable=False),
    Column("member_id", String(ID), nullable=False),
    Column("replied_at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("confidentiality", String(16), nullable=False),
    Index("ix_replies_request", "request_id"),
)

determinations = Table(
    "determinations",
    metadata,
    Column("incident_id", String(ID), ForeignKey("incidents.id"), primary_key=True),
    Column("id", String(ID), nullable=False, unique=True),
    Column("confidentiality", String(16), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    # Everything else, as JSON: finding, attribution, clauses, severity, votes, summary.
    Column("document", Text, nullable=False),
    Index("ix_determinations_decided", "confidentiality", "decided_at"),
)
