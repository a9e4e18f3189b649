"""Commands: imperative intents, validated before any state changes."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from truce.domain.confidentiality import Confidentiality


@dataclass(frozen=True, slots=True)
class Casualty:
    """One casualty figure: `kind` killed or injured, for one category of people (civilians,
    side_a, side_b, unknown, combatants ...), as a range with its best estimate."""

    kind: str
    category: str
    best: int
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True, slots=True)
class Translation:
    """The narrative in another language, and who or what made the translation."""

    lang: str
    text: str
    provenance: str


@dataclass(frozen=True, slots=True)
class Observer:
    """What a monitor in the field saw from where: position, bearing (degrees from true
    north) and distance (metres) to the event, the weapon heard or seen, the sensor used."""

    latitude: float | None = None
    longitude: float | None = None
    bearing: float | None = None
    distance_m: float | None = None
    weapon: str | None = None
    sensor: str | None = None


@dataclass(frozen=True, slots=True)
class FileReport:
    """File one source's account of one event.

    `idempotency_key` is chosen by the client, so a field device that retries after a dropped
    connection files the report once.

    The fields after `idempotency_key` came with intake (issue 5). Each has a default that
    means "not given", and a command that leaves them all at their defaults fingerprints and
    commits exactly as before they existed (`reports.content_fields`).
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
    # Time: the source's own precision code, e.g. "acled:1" or "ucdp:3".
    time_precision: str | None = None
    # Place: the source's own precision code, e.g. "acled:2" or "ucdp:4", and the radius in
    # metres within which the event lies, normalised from that code or given directly.
    place_precision: str | None = None
    uncertainty_m: float | None = None
    # Taxonomy below event_type: ACLED's sub-event types and the ceasefire's own kinds.
    sub_event_type: str | None = None
    # Actors as resolved through the alias registry; `excluded_actor` flags that one of them
    # belongs to a group the agreement excludes.
    perpetrator_actor_id: str | None = None
    target_actor_id: str | None = None
    excluded_actor: bool = False
    casualties: tuple[Casualty, ...] = ()
    translations: tuple[Translation, ...] = ()
    evidence_links: tuple[str, ...] = ()
    observer: Observer | None = None
    # A correction names the report it corrects; the original stays as it was filed.
    supersedes: str | None = None
    # Where the report came from in its source: a dataset's event key (e.g. "acled:SYR11")
    # and the source's version of it (ACLED's timestamp).
    source_ref: str | None = None
    source_version: str | None = None


# A bulk import sends its prepared reports from one process to another by the thousand
# (adapters/importers/pipeline.py). Frozen dataclasses with slots pickle through a Python
# helper that reads every field by name; these pickle as their values in field order and are
# rebuilt by their own constructor.
def _by_values(kind: type) -> None:
    values = attrgetter(*(item.name for item in fields(kind)))

    def reduce(self: object) -> tuple[Any, tuple[object, ...]]:
        return (kind, values(self))

    kind.__reduce__ = reduce  # type: ignore[assignment,method-assign]


for _kind in (Casualty, Translation, Observer, FileReport):
    _by_values(_kind)
