"""How each source's rows become report commands: ACLED, UCDP GED, a generic CSV with a
column mapping, Truce's own JSON Lines, and HXL-tagged CSV.

Columns are read by name, never by position, so any release's column order works. Each
mapper collects every broken rule of a row (InvalidInputError), which quarantines it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache

from truce.domain.commands import Casualty, FileReport
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.intake import (
    ACLED_RADIUS_M,
    DAY,
    UCDP_DATE_PRECISIONS,
    UCDP_RADIUS_M,
    acled_window,
)
from truce.domain.reports import (
    CLOCK_SKEW,
    MAX_NARRATIVE,
    MAX_SHORT_TEXT,
    EventType,
    SubEventType,
    fingerprint,
    parse_file_report,
)

Mapper = Callable[[Mapping[str, str], datetime], FileReport]

ACLED_EVENT_TYPES = {
    "Battles": EventType.BATTLE,
    "Explosions/Remote violence": EventType.EXPLOSION_REMOTE_VIOLENCE,
    "Violence against civilians": EventType.VIOLENCE_AGAINST_CIVILIANS,
    "Protests": EventType.PROTESTS,
    "Riots": EventType.RIOTS,
    "Strategic developments": EventType.STRATEGIC_DEVELOPMENT,
}
_SUB_EVENT_TYPES = frozenset(member.value for member in SubEventType)
UCDP_VIOLENCE = {
    "1": EventType.BATTLE,  # state-based
    "2": EventType.BATTLE,  # non-state
    "3": EventType.VIOLENCE_AGAINST_CIVILIANS,  # one-sided
}
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")
UCDP_REQUIRED = ("id", "date_start", "type_of_violence", "latitude", "longitude")


def slug(label: str) -> str:
    """ACLED's label as a taxonomy value: "Shelling/artillery/missile attack" becomes
    shelling_artillery_missile_attack."""
    return re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")


class _Row:
    """Reads one row's cells, recording each problem instead of stopping at the first."""

    def __init__(self, cells: Mapping[str, str]) -> None:
        self.cells = cells
        self.errors: list[FieldError] = []

    def text(self, name: str, limit: int = MAX_SHORT_TEXT) -> str | None:
        value = (self.cells.get(name) or "").strip()
        if not value:
            return None
        return value[:limit]

    def required(self, name: str) -> str:
        value = self.text(name, MAX_NARRATIVE)
        if value is None:
            self.errors.append(FieldError(name, "is required"))
            return ""
        return value

    def number(self, name: str, bound: float) -> float | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            number = float(value)
        except ValueError:
            self.errors.append(FieldError(name, "must be a number"))
            return None
        if not abs(number) <= bound:  # also false for NaN
            self.errors.append(FieldError(name, f"must be between -{bound:g} and {bound:g}"))
            return None
        return number

    def count(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        # R writes whole numbers of a double column as "3" and sometimes as "3.0".
        whole = value.removesuffix(".0")
        if not whole.isdigit() or not whole.isascii():
            self.errors.append(FieldError(name, "must be a whole number, not negative"))
            return None
        return int(whole)

    def code(self, name: str, allowed: Mapping[int, object] | frozenset[int]) -> int | None:
        number = self.count(name)
        if number is not None and number not in allowed:
            self.errors.append(FieldError(name, f"must be one of {sorted(allowed)}"))
            return None
        return number

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))

    def check(self) -> None:
        if self.errors:
            raise InvalidInputError(self.errors)


@lru_cache(maxsize=8192)
def _acled_day(text: str) -> datetime:
    # ACLED writes "01 January 2017"; its API writes 2017-01-01. Both are accepted.
    for pattern in ("%d %B %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(text)


@lru_cache(maxsize=8192)
def _iso_day(text: str) -> datetime:
    # UCDP releases write dates as 2016-01-01 or as 2016-01-01 00:00:00.000.
    return datetime.strptime(text[:10], "%Y-%m-%d").replace(tzinfo=UTC)


def _day(row: _Row, name: str, parse: Callable[[str], datetime]) -> datetime | None:
    value = row.text(name)
    if value is None:
        row.fail(name, "is required")
        return None
    try:
        return parse(value)
    except ValueError:
        row.fail(name, "is not a date this source writes")
        return None


def _place(*parts: str | None) -> str | None:
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return ", ".join(seen)[:MAX_SHORT_TEXT] or None


def _not_future(row: _Row, name: str, moment: datetime | None, now: datetime) -> None:
    if moment is not None and moment > now + CLOCK_SKEW:
        row.fail(name, "lies in the future")


def map_acled(cells: Mapping[str, str], now: datetime) -> FileReport:
    """One ACLED row. Reliability B, credibility 3 for a curated dataset (docs/intake.md)."""
    row = _Row(cells)
    event_id = row.required("event_id_cnty")
    day = _day(row, "event_date", _acled_day)
    precision = row.code("time_precision", {1: 0, 2: 0, 3: 0}) or 1
    label = row.required("event_type")
    event_type = ACLED_EVENT_TYPES.get(label)
    if label and event_type is None:
        row.fail("event_type", f"is not an ACLED event type: {label[:60]}")
    sub_label = row.text("sub_event_type")
    sub_event = slug(sub_label) if sub_label else None
    if sub_event is not None and sub_event not in _SUB_EVENT_TYPES:
        row.fail("sub_event_type", f"is not an ACLED sub-event type: {sub_label}")
    latitude = row.number("latitude", 90)
    longitude = row.number("longitude", 180)
    if "latitude" in cells and latitude is None and not row.text("latitude"):
        row.fail("latitude", "is required")
    if "longitude" in cells and longitude is None and not row.text("longitude"):
        row.fail("longitude", "is required")
    geo = row.code("geo_precision", ACLED_RADIUS_M)
    killed = row.count("fatalities")
    version = row.text("timestamp", 64)
    if version is not None and not version.isdigit():
        row.fail("timestamp", "must be a Unix time in seconds")
    _not_future(row, "event_date", day, now)
    row.check()
    assert day is not None  # noqa: S101 - row.check() raised otherwise
    start, end = acled_window(day, precision)
    location = row.text("location")
    narrative = row.text("notes", MAX_NARRATIVE) or (
        f"{label}: {sub_label or 'no sub-event type'} at {location or 'an unnamed place'}"
        " (no notes in the source)"
    )
    return FileReport(
        source_kind="dataset",
        source_name=f"ACLED: {row.text('source') or 'unnamed source'}"[:MAX_SHORT_TEXT],
        reliability="B",
        credibility=3,
        occurred_from=start,
        occurred_to=end,
        place_text=_place(location, row.text("admin2"), row.text("admin1")),
        latitude=latitude,
        longitude=longitude,
        event_type=(event_type or EventType.OTHER).value,
        perpetrator=row.text("actor1"),
        target=row.text("actor2"),
        killed=killed,
        injured=None,
        narrative=narrative,
        narrative_lang="en",
        confidentiality=Confidentiality.PUBLIC,
        time_precision=f"acled:{precision}",
        place_precision=None if geo is None else f"acled:{geo}",
        uncertainty_m=None if geo is None else ACLED_RADIUS_M[geo],
        sub_event_type=sub_event,
        source_ref=f"acled:{event_id}",
        source_version=version,
    )


_UCDP_DEATHS = (
    ("deaths_a", "side_a"),
    ("deaths_b", "side_b"),
    ("deaths_civilians", "civilians"),
    ("deaths_unknown", "unknown"),
)


def map_ucdp(cells: Mapping[str, str], now: datetime) -> FileReport:
    """One UCDP GED row, of any release (41, 42 or 49 columns): only named columns are read."""
    row = _Row(cells)
    event_id = row.required("id")
    start = _day(row, "date_start", _iso_day)
    end = _day(row, "date_end", _iso_day) if row.text("date_end") else start
    date_prec = row.code("date_prec", UCDP_DATE_PRECISIONS)
    violence = row.required("type_of_violence")
    event_type = UCDP_VIOLENCE.get(violence)
    if violence and event_type is None:
        row.fail("type_of_violence", "must be 1, 2 or 3")
    latitude = row.number("latitude", 90)
    longitude = row.number("longitude", 180)
    where = row.code("where_prec", UCDP_RADIUS_M)
    clarity = row.code("event_clarity", {1: 0, 2: 0})
    casualties = [
        Casualty("killed", category, best)
        for name, category in _UCDP_DEATHS
        if (best := row.count(name)) is not None
    ]
    low, best, high = row.count("low"), row.count("best"), row.count("high")
    if best is not None:
        if (low is not None and low > best) or (high is not None and high < best):
            row.fail("best", "low <= best <= high does not hold")
        casualties.append(Casualty("killed", "all", best, low, high))
    if start is not None and end is not None and end < start:
        row.fail("date_end", "must not be before date_start")
    if latitude is None and not row.text("latitude"):
        row.fail("latitude", "is required")
    if longitude is None and not row.text("longitude"):
        row.fail("longitude", "is required")
    _not_future(row, "date_start", start, now)
    row.check()
    assert start is not None  # noqa: S101 - row.check() raised otherwise
    assert end is not None  # noqa: S101
    headline = row.text("source_headline", MAX_NARRATIVE) or row.text(
        "source_article", MAX_NARRATIVE
    )
    return FileReport(
        source_kind="dataset",
        source_name=f"UCDP GED: {row.text('source_office') or 'unnamed source'}"[:MAX_SHORT_TEXT],
        reliability="B",
        credibility=2 if clarity == 1 else 3,
        occurred_from=start,
        occurred_to=end + DAY,
        place_text=_place(row.text("where_coordinates"), row.text("adm_2"), row.text("adm_1")),
        latitude=latitude,
        longitude=longitude,
        event_type=(event_type or EventType.OTHER).value,
        perpetrator=row.text("side_a"),
        target=row.text("side_b"),
        killed=best,
        injured=None,
        narrative=headline or f"{row.text('dyad_name') or 'UCDP event'} (no headline)",
        narrative_lang="en",
        confidentiality=Confidentiality.PUBLIC,
        time_precision=None if date_prec is None else f"ucdp:{date_prec}",
        place_precision=None if where is None else f"ucdp:{where}",
        uncertainty_m=None if where is None else UCDP_RADIUS_M[where],
        casualties=tuple(casualties),
        source_ref=f"ucdp:{event_id}",
    )


# --- Truce's own fields: generic CSV, JSON Lines, HXL ------------------------------------

DATASET_DEFAULTS = {
    "source_kind": "dataset",
    "reliability": "F",
    "credibility": "6",
    "confidentiality": "public",
    "narrative_lang": "en",
}


def map_fields(
    fields: Mapping[str, object], now: datetime, *, prefix: str, key: str | None
) -> FileReport:
    """Truce's own field names (docs/report.schema.json) through the same validation as a
    submission. The key names the event in its source; without one the content itself does,
    so the same row imported again is recognised."""
    merged = {**DATASET_DEFAULTS, **{k: v for k, v in fields.items() if v not in (None, "")}}
    command = parse_file_report(merged, now=now, assume_utc=True)
    if command.source_ref is not None:
        return command
    ref = key or fingerprint(command)
    return replace(command, source_ref=f"{prefix}:{ref}")


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """A generic CSV's columns by Truce field (`columns`), fixed values (`constants`), and
    which column keys an event (`key`) and its version (`version`)."""

    columns: Mapping[str, str]
    constants: Mapping[str, str]
    key: str | None
    version: str | None
    prefix: str

    def fields(self, cells: Mapping[str, str]) -> tuple[dict[str, object], str | None]:
        values: dict[str, object] = dict(self.constants)
        values.update({field: cells.get(column, "") for field, column in self.columns.items()})
        if self.version is not None:
            values["source_version"] = cells.get(self.version, "")
        key = (cells.get(self.key) or "").strip() if self.key else None
        return values, key


def mapping_from(data: Mapping[str, object]) -> ColumnMapping:
    """A mapping file's content (TOML tables `columns`, `constants`, and keys `key`,
    `version`, `prefix`), checked: InvalidInputError names every problem."""
    errors = []
    columns = data.get("columns", {})
    constants = data.get("constants", {})
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        errors.append(FieldError("columns", 'must be a table of field = "column name"'))
        columns = {}
    if not isinstance(constants, Mapping) or not all(
        isinstance(v, str | int | float) for v in constants.values()
    ):
        errors.append(FieldError("constants", "must be a table of field = value"))
        constants = {}
    known = set(FileReport.__dataclass_fields__) - {"casualties", "translations", "observer"}
    errors.extend(
        FieldError(str(name), "is not a report field")
        for name in [*columns, *constants]
        if name not in known
    )
    optional = {name: data.get(name) for name in ("key", "version", "prefix")}
    for name, value in optional.items():
        if value is not None and not isinstance(value, str):
            errors.append(FieldError(name, "must be text"))
    if errors:
        raise InvalidInputError(errors)
    return ColumnMapping(
        columns={str(k): str(v) for k, v in columns.items()},
        constants={str(k): str(v) for k, v in constants.items()},
        key=optional["key"] if isinstance(optional["key"], str) else None,
        version=optional["version"] if isinstance(optional["version"], str) else None,
        prefix=optional["prefix"] if isinstance(optional["prefix"], str) else "csv",
    )


# HXL hashtags (hxlstandard.org) and the report field each fills. Attributes are compared
# sorted, so #affected+killed+num and #affected+num+killed are the same column.
HXL_FIELDS = {
    "#event+id": "key",
    "#date": "occurred_from",
    "#date+start": "occurred_from",
    "#date+occurred": "occurred_from",
    "#date+end": "occurred_to",
    "#geo+lat": "latitude",
    "#geo+lon": "longitude",
    "#loc+name": "place_text",
    "#event+type": "event_type",
    "#event+subtype": "sub_event_type",
    "#event+type+sub": "sub_event_type",
    "#actor+name": "perpetrator",
    "#actor+perpetrator": "perpetrator",
    "#actor+target": "target",
    "#affected+killed": "killed",
    "#affected+injured": "injured",
    "#description": "narrative",
    "#description+narrative": "narrative",
    "#meta+source": "source_name",
    "#meta+lang": "narrative_lang",
}


def hxl_tag(text: str) -> str:
    """A hashtag with its attributes sorted and `+num`/`+code` type hints dropped."""
    parts = [p.strip().casefold() for p in text.strip().split("+")]
    if not parts or not parts[0].startswith("#"):
        return ""
    attributes = sorted(a for a in parts[1:] if a and a not in {"num", "code"})
    return "+".join([parts[0].replace(" ", ""), *attributes])


def hxl_fields(cells: Mapping[str, str]) -> tuple[dict[str, object], str | None]:
    """The cells of an HXL row, keyed by hashtag, as Truce fields and the event key."""
    values: dict[str, object] = {}
    for tag, value in cells.items():
        field = HXL_FIELDS.get(hxl_tag(tag))
        if field is not None and value.strip() and field not in values:
            values[field] = value
    if isinstance(values.get("event_type"), str):
        label = str(values["event_type"])
        acled = ACLED_EVENT_TYPES.get(label)
        values["event_type"] = acled.value if acled is not None else slug(label)
    if isinstance(values.get("sub_event_type"), str):
        values["sub_event_type"] = slug(str(values["sub_event_type"]))
    key = values.pop("key", None)
    return values, None if key is None else str(key).strip()
