"""Exports: which columns a report row has in every format, and the filter an export names.

Pure. Rows travel as tuples in `EXPORT_COLUMNS` order, so a million of them cost no dicts;
each format (adapters/exporters) writes them as it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.reports import EventType

# The store's columns, in order; `governorate` is derived from `place_text` on the way out.
STORED_COLUMNS = (
    "id",
    "filed_at",
    "occurred_from",
    "occurred_to",
    "source_kind",
    "source_name",
    "reliability",
    "credibility",
    "place_text",
    "latitude",
    "longitude",
    "event_type",
    "sub_event_type",
    "perpetrator",
    "target",
    "killed",
    "injured",
    "narrative",
    "narrative_lang",
    "confidentiality",
    "source_ref",
)
EXPORT_COLUMNS = (*STORED_COLUMNS, "governorate")
ExportRow = tuple[object, ...]


class ExportFormat(StrEnum):
    CSV = "csv"
    GEOJSON = "geojson"
    HXL = "hxl"
    ACLED = "acled"
    JSONL = "jsonl"


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """Which standing reports an export holds: occurred on days `since`..`until` (inclusive,
    report days), of one event type, from one source. Empty means no limit."""

    since: date | None = None
    until: date | None = None
    event_type: str | None = None
    source_name: str | None = None

    def describe(self) -> dict[str, str | None]:
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "event_type": self.event_type,
            "source_name": self.source_name,
        }


@dataclass(frozen=True, slots=True)
class ExportWindow:
    """The filter as the store reads it: UTC instants [start, end) on occurred_from."""

    start: datetime | None
    end: datetime | None
    event_type: str | None
    source_name: str | None


def parse_export_filter(
    since: str | None, until: str | None, event_type: str | None, source_name: str | None
) -> ExportFilter:
    """Untrusted filter values (query string, CLI options) checked all at once."""
    errors: list[FieldError] = []
    first = _day("since", since, errors)
    last = _day("until", until, errors)
    if first is not None and last is not None and last < first:
        errors.append(FieldError("until", "must not be before since"))
    kinds = {member.value for member in EventType}
    if event_type and event_type not in kinds:
        errors.append(FieldError("event_type", f"must be one of: {', '.join(sorted(kinds))}"))
    if source_name is not None and len(source_name) > 300:  # noqa: PLR2004 - a report's limit
        errors.append(FieldError("source_name", "must be at most 300 characters"))
    if errors:
        raise InvalidInputError(errors)
    return ExportFilter(first, last, event_type or None, source_name or None)


def _day(name: str, value: str | None, errors: list[FieldError]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, "must be a date such as 2017-01-04"))
        return None


def parse_format(value: str) -> ExportFormat:
    try:
        return ExportFormat(value)
    except ValueError:
        allowed = ", ".join(f.value for f in ExportFormat)
        raise InvalidInputError([FieldError("format", f"must be one of: {allowed}")]) from None
