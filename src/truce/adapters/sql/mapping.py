"""Explicit translation between table rows and domain objects, in both directions.

Times are stored in UTC; SQLite hands them back without a zone, so reading re-attaches it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping

from truce.domain.commands import Casualty, FileReport, Observer, Translation
from truce.domain.confidentiality import Confidentiality
from truce.domain.reports import Report
from truce.domain.search import report_document


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
        "time_precision": content.time_precision,
        "place_precision": content.place_precision,
        "uncertainty_m": content.uncertainty_m,
        "sub_event_type": content.sub_event_type,
        "perpetrator_actor_id": content.perpetrator_actor_id,
        "target_actor_id": content.target_actor_id,
        "excluded_actor": content.excluded_actor or None,
        "supersedes": content.supersedes,
        "source_ref": content.source_ref,
        "source_version": content.source_version,
        "details": _details(content),
        "search_text": report_document(report),
    }


def _details(content: FileReport) -> str | None:
    """The nested parts of a report as JSON, or nothing when it has none."""
    details: dict[str, Any] = {}
    if content.casualties:
        details["casualties"] = [
            [c.kind, c.category, c.best, c.low, c.high] for c in content.casualties
        ]
    if content.translations:
        details["translations"] = [[t.lang, t.text, t.provenance] for t in content.translations]
    if content.evidence_links:
        details["evidence_links"] = list(content.evidence_links)
    if content.observer is not None:
        o = content.observer
        details["observer"] = [o.latitude, o.longitude, o.bearing, o.distance_m, o.weapon, o.sensor]
    return _DETAILS.encode(details) if details else None


# Made once (json.dumps with options builds an encoder per call): a row per imported report.
_DETAILS = json.JSONEncoder(ensure_ascii=False)


def _from_details(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    details = json.loads(text)
    found: dict[str, Any] = {}
    if "casualties" in details:
        found["casualties"] = tuple(Casualty(*c) for c in details["casualties"])
    if "translations" in details:
        found["translations"] = tuple(Translation(*t) for t in details["translations"])
    if "evidence_links" in details:
        found["evidence_links"] = tuple(details["evidence_links"])
    if "observer" in details:
        found["observer"] = Observer(*details["observer"])
    return found


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
        time_precision=row["time_precision"],
        place_precision=row["place_precision"],
        uncertainty_m=row["uncertainty_m"],
        sub_event_type=row["sub_event_type"],
        perpetrator_actor_id=row["perpetrator_actor_id"],
        target_actor_id=row["target_actor_id"],
        excluded_actor=bool(row["excluded_actor"]),
        supersedes=row["supersedes"],
        source_ref=row["source_ref"],
        source_version=row["source_version"],
        **_from_details(row["details"]),
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
