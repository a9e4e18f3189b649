"""Commands: imperative intents, validated before any state changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from truce.domain.confidentiality import Confidentiality


@dataclass(frozen=True, slots=True)
class FileReport:
    """File one source's account of one event.

    `idempotency_key` is chosen by the client, so a field device that retries after a dropped
    connection files the report once.
    """

    source_kind: str
    source_name: str
    reliability: str
    credibility: int
    occurred_from: datetime
    occurred_to: datetime | None
    place_text: str | None
    latitude: float | None
    longitude: float | None
    event_type: str
    perpetrator: str | None
    target: str | None
    killed: int | None
    injured: int | None
    narrative: str
    narrative_lang: str
    confidentiality: Confidentiality
    agreement_id: str | None = None
    idempotency_key: str | None = None
