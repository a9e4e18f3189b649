"""Explicit translation between table rows and domain objects, in both directions.

Times are stored in UTC; SQLite hands them back without a zone, so reading re-attaches it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping

from truce.domain.commands import FileReport
from truce.domain.confidentiality import Confidentiality
from truce.domain.reports import Report


def to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def from_db_time(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def optional_time(moment: datetime | None) -> datetime | None:
    return None if moment is None else from_db_time(moment)


def report_to_row(report: Report, idempotency_scope: str) -> dict[str, Any]:
    content = report.content
    return {
        "id": report.id,
        "agreement_id": report.agreement_id,
        "filed_at": to_utc(report.filed_at),
        "submitted_by": report.submitted_by,
        "submitter_body_id": report.submitter_body_id,
        "idempotency_scope": idempotency_scope,
        "idempotency_key": content.idempotency_key,
        "fingerprint": report.fingerprint,
        "source_kind": content.source_kind,
        "source_name": content.source_name,
        "reliability": content.reliability,
        "credibility": content.credibility,
        "occurred_from": to_utc(content.occurred_from),
        "occurred_to": None if content.occurred_to is None else to_utc(content.occurred_to),
        "place_text": content.place_text,
        "latitude": content.latitude,
        "longitude": content.longitude,
        "event_type": content.event_type,
        "perpetrator": content.perpetrator,
        "target": content.target,
        "killed": content.killed,
        "injured": content.injured,
        "narrative": content.narrative,
        "narrative_lang": content.narrative_lang,
        "confidentiality": content.confidentiality.value,
    }


def row_to_report(row: RowMapping) -> Report:
    content = FileReport(
        source_kind=row["source_kind"],
        source_name=row["source_name"],
        reliability=row["reliability"],
        credibility=row["credibility"],
        occurred_from=from_db_time(row["occurred_from"]),
        occurred_to=optional_time(row["occurred_to"]),
        place_text=row["place_text"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        event_type=row["event_type"],
        perpetrator=row["perpetrator"],
        target=row["target"],
        killed=row["killed"],
        injured=row["injured"],
        narrative=row["narrative"],
        narrative_lang=row["narrative_lang"],
        confidentiality=Confidentiality(row["confidentiality"]),
        agreement_id=row["agreement_id"],
        idempotency_key=row["idempotency_key"],
    )
    return Report(
        id=row["id"],
        agreement_id=row["agreement_id"],
        filed_at=from_db_time(row["filed_at"]),
        submitted_by=row["submitted_by"],
        submitter_body_id=row["submitter_body_id"],
        content=content,
        fingerprint=row["fingerprint"],
    )
