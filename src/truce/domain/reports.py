"""Reports: one source's account of one event. Immutable once filed.

`parse_file_report` turns untrusted input (JSON values or form strings) into a `FileReport`
command, collecting every broken rule at once so the person filing sees them all together.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Any, NoReturn, TypeVar

from truce.domain.commands import Casualty, FileReport, Observer, Translation
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import FieldError, InvalidInputError

MAX_NARRATIVE = 20_000
MAX_SHORT_TEXT = 300
MAX_IDEMPOTENCY_KEY = 200
# Reports about the future are typos; a little slack absorbs clock skew on field devices.
CLOCK_SKEW = timedelta(minutes=10)


class SourceKind(StrEnum):
    PARTY_LIAISON = "party_liaison"
    FIELD_MONITOR = "field_monitor"
    GUARANTOR_CENTRE = "guarantor_centre"
    NEWS = "news"
    DATASET = "dataset"
    SENSOR = "sensor"


class Reliability(StrEnum):
    """Admiralty scale, source reliability: A completely reliable ... F cannot be judged."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class EventType(StrEnum):
    """A first taxonomy: ACLED's event types plus the kinds a ceasefire names explicitly."""

    BATTLE = "battle"
    EXPLOSION_REMOTE_VIOLENCE = "explosion_remote_violence"
    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians"
    STRATEGIC_DEVELOPMENT = "strategic_development"
    SHELLING = "shelling"
    AIR_STRIKE = "air_strike"
    HEAVY_WEAPONS_MOVEMENT = "heavy_weapons_movement"
    HUMANITARIAN_OBSTRUCTION = "humanitarian_obstruction"
    ATTACK_ON_PROTECTED_INFRASTRUCTURE = "attack_on_protected_infrastructure"
    INCURSION = "incursion"
    PROTESTS = "protests"
    RIOTS = "riots"
    OTHER = "other"


class SubEventType(StrEnum):
    """ACLED's sub-event types (codebook 2023), under the event types above."""

    ARMED_CLASH = "armed_clash"
    GOVERNMENT_REGAINS_TERRITORY = "government_regains_territory"
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = "non_state_actor_overtakes_territory"
    CHEMICAL_WEAPON = "chemical_weapon"
    AIR_DRONE_STRIKE = "air_drone_strike"
    SUICIDE_BOMB = "suicide_bomb"
    SHELLING_ARTILLERY_MISSILE_ATTACK = "shelling_artillery_missile_attack"
    REMOTE_EXPLOSIVE_LANDMINE_IED = "remote_explosive_landmine_ied"
    GRENADE = "grenade"
    SEXUAL_VIOLENCE = "sexual_violence"
    ATTACK = "attack"
    ABDUCTION_FORCED_DISAPPEARANCE = "abduction_forced_disappearance"
    PEACEFUL_PROTEST = "peaceful_protest"
    PROTEST_WITH_INTERVENTION = "protest_with_intervention"
    EXCESSIVE_FORCE_AGAINST_PROTESTERS = "excessive_force_against_protesters"
    VIOLENT_DEMONSTRATION = "violent_demonstration"
    MOB_VIOLENCE = "mob_violence"
    AGREEMENT = "agreement"
    ARRESTS = "arrests"
    CHANGE_TO_GROUP_ACTIVITY = "change_to_group_activity"
    DISRUPTED_WEAPONS_USE = "disrupted_weapons_use"
    HEADQUARTERS_OR_BASE_ESTABLISHED = "headquarters_or_base_established"
    LOOTING_PROPERTY_DESTRUCTION = "looting_property_destruction"
    NON_VIOLENT_TRANSFER_OF_TERRITORY = "non_violent_transfer_of_territory"
    OTHER = "other"


class CasualtyKind(StrEnum):
    KILLED = "killed"
    INJURED = "injured"


@dataclass(frozen=True, slots=True)
class Report:
    """A filed report. `fingerprint` identifies the content, so a retried submission with the
    same idempotency key can be told apart from a different one reusing the key."""

    id: str
    agreement_id: str
    filed_at: datetime
    submitted_by: str | None
    submitter_body_id: str | None
    content: FileReport
    fingerprint: str

    @property
    def confidentiality(self) -> Confidentiality:
        return self.content.confidentiality


# The fields a report had before intake (issue 5): always part of its content.
_LEGACY_FIELDS = (
    "source_kind",
    "source_name",
    "reliability",
    "credibility",
    "occurred_from",
    "occurred_to",
    "place_text",
    "latitude",
    "longitude",
    "event_type",
    "perpetrator",
    "target",
    "killed",
    "injured",
    "narrative",
    "narrative_lang",
    "confidentiality",
    "agreement_id",
    "idempotency_key",
)
_INTAKE_FIELDS = tuple(f.name for f in fields(FileReport) if f.name not in _LEGACY_FIELDS)
_DEFAULTS = {f.name: f.default for f in fields(FileReport) if f.name in _INTAKE_FIELDS}
_ALL_FIELDS = tuple(f.name for f in fields(FileReport))
_LEGACY_GET = attrgetter(*_LEGACY_FIELDS)
_INTAKE_GET = attrgetter(*_INTAKE_FIELDS)
_INTAKE_DEFAULTS = tuple(_DEFAULTS[name] for name in _INTAKE_FIELDS)
_FIELD_SET = frozenset(_ALL_FIELDS)


def content_fields(command: FileReport) -> dict[str, Any]:
    """The command's fields as plain values. The intake fields appear only when given, so a
    report that uses none of them has the same fingerprint and commitment as before they
    existed: records written earlier still verify."""
    # attrgetter reads every field in one call: a fingerprint per imported row.
    content: dict[str, Any] = dict(zip(_LEGACY_FIELDS, _LEGACY_GET(command), strict=True))
    for name, value, default in zip(
        _INTAKE_FIELDS, _INTAKE_GET(command), _INTAKE_DEFAULTS, strict=True
    ):
        if value != default:
            content[name] = _plain(value)
    return content


# The nested parts are flat dataclasses: reading their fields directly gives what
# dataclasses.asdict gives, without its deep copies (a fingerprint per imported row).
_NESTED_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in fields(kind)) for kind in (Casualty, Translation, Observer)
}


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    names = _NESTED_FIELDS.get(type(value))
    if names is not None:
        return {name: getattr(value, name) for name in names}
    return value


# Made once: json.dumps with options builds an encoder per call (a fingerprint per row).
_CANONICAL = json.JSONEncoder(sort_keys=True, default=str, ensure_ascii=False)


def fingerprint(command: FileReport, *, without_agreement: bool = False) -> str:
    """A stable SHA-256 of the command's content (the idempotency key itself excluded).
    `without_agreement`: as if the command left its agreement implicit, as a dataset's rows
    do (their stored content names the agreement they were imported under)."""
    content = content_fields(command)
    content.pop("idempotency_key")
    if without_agreement:
        content["agreement_id"] = None
    return hashlib.sha256(_CANONICAL.encode(content).encode()).hexdigest()


def amended(command: FileReport, **changes: object) -> FileReport:
    """`dataclasses.replace` without its per-field machinery (no validation runs either
    way), which cost an import more than the rest of building a report."""
    copied = object.__new__(FileReport)
    for name in _ALL_FIELDS:
        object.__setattr__(copied, name, getattr(command, name))
    for name, value in changes.items():
        if name not in _FIELD_SET:
            raise TypeError(f"FileReport has no field {name!r}")
        object.__setattr__(copied, name, value)
    return copied


def new_report(
    command: FileReport,
    *,
    report_id: str,
    agreement_id: str,
    filed_at: datetime,
    submitted_by: str | None,
    submitter_body_id: str | None,
) -> Report:
    # The fingerprint is taken over the command as received, so a retry that again leaves
    # the agreement implicit still matches; the stored content names the agreement resolved.
    return Report(
        id=report_id,
        agreement_id=agreement_id,
        filed_at=filed_at,
        submitted_by=submitted_by,
        submitter_body_id=submitter_body_id,
        content=replace(command, agreement_id=agreement_id),
        fingerprint=fingerprint(command),
    )


# --- parsing untrusted input ------------------------------------------------------------

T = TypeVar("T")


class _Reader:
    """Reads fields from a mapping, recording each problem instead of stopping at the first."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data
        self.errors: list[FieldError] = []

    def raw(self, name: str) -> object | None:
        value = self.data.get(name)
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))

    def convert(self, name: str, parse: Callable[[object], T], *, required: bool) -> T | None:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return None
        try:
            return parse(value)
        except ValueError as error:
            self.fail(name, str(error))
            return None


def _reject(message: str) -> NoReturn:
    """A wrong type is a field error like any other: _Reader collects ValueErrors."""
    raise ValueError(message)


def _text(limit: int) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if not isinstance(value, str):
            _reject("must be text")
        if len(value) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value

    return parse


def _choice(enum: type[StrEnum]) -> Callable[[object], str]:
    def parse(value: object) -> str:
        allowed = [member.value for member in enum]
        if isinstance(value, str) and value in allowed:
            return value
        raise ValueError(f"must be one of: {', '.join(allowed)}")

    return parse


def _count(value: object) -> int:
    if isinstance(value, bool):
        _reject("must be a whole number")
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int):
        _reject("must be a whole number")
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _credibility(value: object) -> int:
    number = _count(value)
    if not 1 <= number <= 6:  # noqa: PLR2004 - the Admiralty scale runs 1 to 6
        raise ValueError("must be between 1 (confirmed) and 6 (cannot be judged)")
    return number


def _coordinate(bound: float) -> Callable[[object], float]:
    def parse(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            _reject("must be a number")
        try:
            number = float(value)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(number) or abs(number) > bound:
            raise ValueError(f"must be between -{bound:g} and {bound:g}")
        return number

    return parse


def _moment(assume_utc: bool) -> Callable[[object], datetime]:
    def parse(value: object) -> datetime:
        if not isinstance(value, str):
            _reject("must be an ISO 8601 date and time")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 date and time, e.g. 2017-01-04T06:30Z") from None
        if moment.tzinfo is None:
            if not assume_utc:
                raise ValueError("must include a time zone offset, e.g. Z or +03:00")
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    return parse


def parse_file_report(
    data: Mapping[str, object], *, now: datetime, assume_utc: bool = False
) -> FileReport:
    """Validate untrusted input into a FileReport; raise InvalidInputError naming every bad field.

    `assume_utc` lets a web form's local date-time (which has no offset) be read as UTC,
    the time every form in Truce states.
    """
    read = _Reader(data)
    moment = _moment(assume_utc)
    command = FileReport(
        source_kind=read.convert("source_kind", _choice(SourceKind), required=True) or "",
        source_name=read.convert("source_name", _text(MAX_SHORT_TEXT), required=True) or "",
        reliability=read.convert("reliability", _choice(Reliability), required=False) or "F",
        credibility=read.convert("credibility", _credibility, required=False) or 6,
        occurred_from=read.convert("occurred_from", moment, required=True) or now,
        occurred_to=read.convert("occurred_to", moment, required=False),
        place_text=read.convert("place_text", _text(MAX_SHORT_TEXT), required=False),
        latitude=read.convert("latitude", _coordinate(90), required=False),
        longitude=read.convert("longitude", _coordinate(180), required=False),
        event_type=read.convert("event_type", _choice(EventType), required=True) or "",
        perpetrator=read.convert("perpetrator", _text(MAX_SHORT_TEXT), required=False),
        target=read.convert("target", _text(MAX_SHORT_TEXT), required=False),
        killed=read.convert("killed", _count, required=False),
        injured=read.convert("injured", _count, required=False),
        narrative=read.convert("narrative", _text(MAX_NARRATIVE), required=True) or "",
        narrative_lang=read.convert("narrative_lang", _language, required=False) or "en",
        confidentiality=Confidentiality(
            read.convert("confidentiality", _choice(Confidentiality), required=False)
            or Confidentiality.MECHANISM
        ),
        agreement_id=read.convert("agreement_id", _text(MAX_SHORT_TEXT), required=False),
        idempotency_key=read.convert("idempotency_key", _text(MAX_IDEMPOTENCY_KEY), required=False),
        **_intake_fields(read),
    )
    # Rules across fields are checked only over fields that were themselves valid, so one
    # mistake is reported once, where it was made.
    failed = {error.field for error in read.errors}
    read.errors.extend(e for e in _cross_field_errors(command, now) if not _involves(e, failed))
    if read.errors:
        raise InvalidInputError(read.errors)
    return command


MAX_LIST = 100
MAX_LINK = 2_000


def _intake_fields(read: _Reader) -> dict[str, Any]:
    """The optional fields intake added: each absent field keeps its "not given" default."""
    given = {
        "time_precision": read.convert("time_precision", _text(32), required=False),
        "place_precision": read.convert("place_precision", _text(32), required=False),
        "uncertainty_m": read.convert("uncertainty_m", _measure(40_075_000), required=False),
        "sub_event_type": read.convert("sub_event_type", _choice(SubEventType), required=False),
        "casualties": read.convert("casualties", _casualties, required=False),
        "translations": read.convert("translations", _translations, required=False),
        "evidence_links": read.convert("evidence_links", _links, required=False),
        "observer": _observer(read),
        "supersedes": read.convert("supersedes", _text(MAX_SHORT_TEXT), required=False),
        "source_ref": read.convert("source_ref", _text(MAX_SHORT_TEXT), required=False),
        "source_version": read.convert("source_version", _text(64), required=False),
    }
    return {key: value for key, value in given.items() if value is not None}


def _measure(bound: float) -> Callable[[object], float]:
    def parse(value: object) -> float:
        number = _coordinate(bound)(value)
        if number < 0:
            raise ValueError("must not be negative")
        return number

    return parse


def _items(value: object) -> list[Mapping[str, object]]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        _reject(f"must be a list of at most {MAX_LIST} objects")
    if not all(isinstance(item, Mapping) for item in value):
        _reject("must be a list of objects")
    return value


def _casualties(value: object) -> tuple[Casualty, ...]:
    found = []
    for item in _items(value):
        kind = _choice(CasualtyKind)(item.get("kind"))
        category = _text(64)(item.get("category", "unknown"))
        best = _count(item.get("best"))
        low = None if item.get("low") is None else _count(item.get("low"))
        high = None if item.get("high") is None else _count(item.get("high"))
        if (low is not None and low > best) or (high is not None and high < best):
            raise ValueError("each casualty figure needs low <= best <= high")
        found.append(Casualty(kind, category, best, low, high))
    return tuple(found)


def _translations(value: object) -> tuple[Translation, ...]:
    return tuple(
        Translation(
            lang=_language(item.get("lang")),
            text=_text(MAX_NARRATIVE)(item.get("text")),
            provenance=_text(MAX_SHORT_TEXT)(item.get("provenance")),
        )
        for item in _items(value)
    )


def _links(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        _reject(f"must be a list of at most {MAX_LIST} links")
    return tuple(_text(MAX_LINK)(item) for item in value)


_OBSERVER_FIELDS = {
    "latitude": _coordinate(90),
    "longitude": _coordinate(180),
    "bearing": _measure(360),
    "distance_m": _measure(1_000_000),
    "weapon": _text(MAX_SHORT_TEXT),
    "sensor": _text(MAX_SHORT_TEXT),
}


def _observer(read: _Reader) -> Observer | None:
    """The observer section, sent as an object (`observer`) by the API or as flat
    `observer_*` fields by the web form."""
    nested = read.raw("observer")
    if nested is not None and not isinstance(nested, Mapping):
        read.fail("observer", "must be an object")
        return None
    source = _Reader(nested) if isinstance(nested, Mapping) else read
    prefix = "" if isinstance(nested, Mapping) else "observer_"
    values = {
        name: source.convert(prefix + name, parse, required=False)
        for name, parse in _OBSERVER_FIELDS.items()
    }
    read.errors.extend(
        FieldError(f"observer.{e.field}", e.message) for e in source.errors if source is not read
    )
    if all(value is None for value in values.values()):
        return None
    if (values["latitude"] is None) != (values["longitude"] is None):
        read.fail("observer.longitude", "latitude and longitude go together")
    return Observer(**values)  # type: ignore[arg-type]


def _language(value: object) -> str:
    text = _text(35)(value)
    parts = text.split("-")
    if not all(part.isascii() and part.isalnum() and 1 <= len(part) <= 8 for part in parts):  # noqa: PLR2004
        raise ValueError("must be a language tag such as ar, en or fa-IR")
    return text


_RELATED = {
    "occurred_from": {"occurred_from"},
    "occurred_to": {"occurred_from", "occurred_to"},
    "longitude": {"latitude", "longitude"},
    "place_text": {"place_text", "latitude", "longitude"},
}


def _involves(error: FieldError, failed: set[str]) -> bool:
    return bool(_RELATED.get(error.field, {error.field}) & failed)


def _cross_field_errors(command: FileReport, now: datetime) -> list[FieldError]:
    errors = []
    if command.occurred_from > now + CLOCK_SKEW:
        errors.append(FieldError("occurred_from", "lies in the future"))
    if command.occurred_to is not None and command.occurred_to < command.occurred_from:
        errors.append(FieldError("occurred_to", "must not be before occurred_from"))
    if (command.latitude is None) != (command.longitude is None):
        errors.append(FieldError("longitude", "latitude and longitude go together"))
    if command.place_text is None and command.latitude is None:
        errors.append(FieldError("place_text", "give a place name or coordinates"))
    return errors


def report_content(report: Report) -> dict[str, Any]:
    """Everything stored about a report, as JSON values: what its record entry commits to.
    Any later change to any of these, anywhere, makes the commitment fail to open."""
    content: dict[str, Any] = {
        key: (value.isoformat() if isinstance(value, datetime) else value)
        for key, value in content_fields(report.content).items()
    }
    content["confidentiality"] = report.content.confidentiality.value
    content.update(
        id=report.id,
        agreement_id=report.agreement_id,
        filed_at=report.filed_at.isoformat(),
        submitted_by=report.submitted_by,
        submitter_body_id=report.submitter_body_id,
        fingerprint=report.fingerprint,
    )
    return content
