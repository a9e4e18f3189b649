"""Zones of an agreement: where it applies, where the sides meet, what it protects.

A zone is versioned with its agreement: loading a zone whose geometry or terms changed adds a
revision; loading the same content again changes nothing; a zone absent from a new load of
the same agreement is withdrawn by a revision that says so. Geometry is GeoJSON text, opaque
to the domain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_ZONE_ID = 100
MAX_ZONE_NAME = 300


class ZoneKind(StrEnum):
    AREA_OF_APPLICATION = "area_of_application"
    LINE_OF_CONTACT = "line_of_contact"
    PROTECTED_SITE = "protected_site"
    DE_ESCALATION_AREA = "de_escalation_area"
    BUFFER_ZONE = "buffer_zone"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Zone:
    agreement_id: str
    zone_id: str
    revision: int
    kind: ZoneKind
    name: str
    name_ar: str
    geometry: str  # GeoJSON geometry object as text; "" once withdrawn
    agreement_version: int
    recorded_at: datetime
    withdrawn: bool = False

    @property
    def digest(self) -> str:
        return zone_digest(self.kind, self.name, self.name_ar, self.geometry, self.withdrawn)


@dataclass(frozen=True, slots=True)
class ZoneDraft:
    """A zone as read from a file, before it is versioned."""

    zone_id: str
    kind: ZoneKind
    name: str
    name_ar: str
    geometry: str

    @property
    def digest(self) -> str:
        return zone_digest(self.kind, self.name, self.name_ar, self.geometry, withdrawn=False)


def zone_digest(kind: ZoneKind, name: str, name_ar: str, geometry: str, withdrawn: bool) -> str:
    canonical = json.dumps([kind.value, name, name_ar, geometry, withdrawn], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def zone_draft(properties: Mapping[str, object], geometry: str, index: int) -> ZoneDraft:
    """A draft from a GeoJSON feature's properties; ValueError naming what is wrong."""
    zone_id = _text(properties, "id") or _text(properties, "zone_id") or f"zone-{index + 1}"
    name = _text(properties, "name") or zone_id
    kind_text = (_text(properties, "kind") or _text(properties, "type") or "other").lower()
    try:
        kind = ZoneKind(kind_text.replace("-", "_").replace(" ", "_"))
    except ValueError:
        known = ", ".join(k.value for k in ZoneKind)
        raise ValueError(f"kind {kind_text!r} is not one of {known}") from None
    if len(zone_id) > MAX_ZONE_ID or len(name) > MAX_ZONE_NAME:
        raise ValueError("id or name too long")
    return ZoneDraft(zone_id, kind, name, _text(properties, "name_ar"), geometry)


@dataclass(frozen=True, slots=True)
class ZonePlan:
    """What loading a set of drafts does to the current zones."""

    revisions: list[Zone]
    unchanged: int


def plan_zone_load(
    current: list[Zone],
    drafts: list[ZoneDraft],
    agreement_id: str,
    agreement_version: int,
    at: datetime,
) -> ZonePlan:
    """New revisions for drafts that are new or changed, and withdrawals for current zones
    the drafts no longer name; nothing for drafts equal to their current revision."""
    by_id = {zone.zone_id: zone for zone in current}
    revisions: list[Zone] = []
    unchanged = 0
    for draft in drafts:
        old = by_id.pop(draft.zone_id, None)
        if old is not None and not old.withdrawn and old.digest == draft.digest:
            unchanged += 1
            continue
        revision = 1 if old is None else old.revision + 1
        revisions.append(
            Zone(
                agreement_id,
                draft.zone_id,
                revision,
                draft.kind,
                draft.name,
                draft.name_ar,
                draft.geometry,
                agreement_version,
                at,
            )
        )
    revisions.extend(
        Zone(
            agreement_id,
            old.zone_id,
            old.revision + 1,
            old.kind,
            old.name,
            old.name_ar,
            "",
            agreement_version,
            at,
            withdrawn=True,
        )
        for old in by_id.values()
        if not old.withdrawn
    )
    return ZonePlan(revisions, unchanged)


def _text(properties: Mapping[str, object], key: str) -> str:
    value = properties.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""
