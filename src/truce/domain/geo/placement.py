"""Where a report lies in the administrative units, and how precisely: derived data.

A report's placement is worked out from what the report says (its coordinates, or its place
name) and the boundaries loaded at the time. It is not part of the report: the report's
fingerprint never covers it, and it can be thrown away and worked out again when the
boundaries change.

- `point`: the report gives coordinates; its units are those the coordinates fall in, its
  precision and radius are the source's own (the native code and the normalised radius that
  intake stored), never finer than the source said.
- `resolved`: the report gives a place name only; the name is resolved (with the report's
  own administrative names as context) to a unit or town, whose centre and radius stand for
  it. Names that tie between places in different units are placed at what they share.
- `unplaced`: neither works; the reason is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from truce.domain.geo.places import Precision
from truce.domain.geo.precision import native_precision
from truce.domain.reports import Report


class PlaceMethod(StrEnum):
    POINT = "point"
    RESOLVED = "resolved"
    UNPLACED = "unplaced"


@dataclass(frozen=True, slots=True)
class ReportPlace:
    """One report's placement: its ADM1-ADM3 P-codes (coarser ones only when that is all
    that is known), the centre and radius it is drawn with, and how it was found."""

    report_id: str
    method: PlaceMethod
    adm1: str | None = None
    adm2: str | None = None
    adm3: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float | None = None
    precision: Precision | None = None
    # A point just outside every outline (coast, border) given the nearest unit.
    nearest: bool = False
    # For `resolved`: the resolver's confidence and the name it matched; for `unplaced`,
    # why not.
    confidence: float | None = None
    note: str = ""

    @property
    def exact(self) -> bool:
        return self.precision is Precision.POINT


@dataclass(frozen=True, slots=True)
class Placeable:
    """What placement reads of a report: nothing else of it is needed."""

    report_id: str
    latitude: float | None
    longitude: float | None
    place_text: str | None
    place_precision: str | None
    uncertainty_m: float | None

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def placeable(report: Report) -> Placeable:
    content = report.content
    return Placeable(
        report.id,
        content.latitude,
        content.longitude,
        content.place_text,
        content.place_precision,
        content.uncertainty_m,
    )


def point_precision(item: Placeable) -> tuple[Precision, float]:
    """The precision and radius of a report's coordinates: the source's native code says what
    the coordinates stand for, the radius intake stored says how far off they may be. A
    report without a code is taken at its word: an exact point, with its radius if given."""
    native = native_precision(item.place_precision)
    radius = item.uncertainty_m
    if native is None:
        return Precision.POINT, radius or 0.0
    precision, default_radius = native
    return precision, default_radius if radius is None else radius


def name_parts(place_text: str) -> tuple[str, list[str]]:
    """A place text as intake writes it, "location, district, governorate": the most
    specific name first, then the administrative names from the most general down, which
    narrow where the first is looked for."""
    parts = [part.strip() for part in place_text.split(",") if part.strip()]
    if not parts:
        return "", []
    return parts[0], list(reversed(parts[1:]))


def shared_prefix(paths: Sequence[tuple[str | None, str | None, str | None]]) -> list[str]:
    """The units every path shares, from the governorate down: where a name that ties between
    several places surely lies."""
    shared: list[str] = []
    for level in range(3):
        values = {path[level] for path in paths}
        if len(values) != 1:
            break
        value = values.pop()
        if value is None:
            break
        shared.append(value)
    return shared
