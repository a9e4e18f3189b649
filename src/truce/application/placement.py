"""Placing reports in the administrative units (docs/geography.md "Placing reports").

`Placer` turns what a report says about where (coordinates with the source's precision, or a
place name with the report's own administrative names) into a `ReportPlace`, over the
indexes the geography service keeps. Nothing here reads or writes the store: the service
does, inside its units of work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from truce.application.ports import UnitOfWork
from truce.domain.geo.placement import (
    Placeable,
    PlaceMethod,
    ReportPlace,
    name_parts,
    point_precision,
    shared_prefix,
)
from truce.domain.geo.places import Location, Precision
from truce.domain.geo.resolve import Candidate, Gazetteer, ResolveContext, Target
from truce.domain.reports import Report

if TYPE_CHECKING:  # geography.py imports this module
    from truce.application.geography import AdminPath

# Below this confidence a name is not taken to say where a report is.
MIN_CONFIDENCE = 0.5
# A name that ties between places is placed at what they share, trusted less.
SHARED_FACTOR = 0.8
# How many administrative levels coordinates of a given precision can tell: a coordinate
# that stands for a district says nothing true about a sub-district.
KNOWN_LEVELS = {Precision.COUNTRY: 0, Precision.GOVERNORATE: 1, Precision.DISTRICT: 2}

Path = tuple[str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class Placer:
    """Places reports over one view of the geography: `reverse` answers points with their
    AdminPath (or None), `gazetteer` is built only when a report needs a name resolved."""

    reverse: Callable[[Sequence[tuple[float, float]]], list[AdminPath | None]]
    gazetteer: Callable[[], Gazetteer]

    def place(self, items: Sequence[Placeable]) -> list[ReportPlace]:
        points = [item for item in items if item.has_point]
        paths = self.reverse([(p.latitude or 0.0, p.longitude or 0.0) for p in points])
        by_point = {
            item.report_id: _point_place(item, path)
            for item, path in zip(points, paths, strict=True)
        }
        return [by_point.get(item.report_id) or self._named_place(item) for item in items]

    def _named_place(self, item: Placeable) -> ReportPlace:
        if not item.place_text:
            return ReportPlace(item.report_id, PlaceMethod.UNPLACED, note="no coordinates or place")
        head, admin = name_parts(item.place_text)
        gazetteer = self.gazetteer()
        within = _context(gazetteer, admin)
        found = _inner(gazetteer, head, ResolveContext(within=within), within)
        if not found and within is None:
            found = _confident(gazetteer.resolve(item.place_text))
        if not found and within is not None:
            # The name is unknown, but the report's own district or governorate is not.
            return _resolved(item, gazetteer.targets[within], 1.0, "the report's unit")
        if not found:
            return ReportPlace(item.report_id, PlaceMethod.UNPLACED, note="no place of that name")
        return _best(item, gazetteer, found)


def _point_place(item: Placeable, path: AdminPath | None) -> ReportPlace:
    precision, radius = point_precision(item)
    found = ReportPlace(
        item.report_id,
        PlaceMethod.UNPLACED,
        latitude=item.latitude,
        longitude=item.longitude,
        radius_m=radius,
        precision=precision,
        note="outside every loaded unit",
    )
    if path is None:
        return found
    known = KNOWN_LEVELS.get(precision, 3)
    pcodes = [None if unit is None else unit.pcode for unit in (path.adm1, path.adm2, path.adm3)]
    adm1, adm2, adm3 = (pcode if level < known else None for level, pcode in enumerate(pcodes))
    return replace(
        found,
        method=PlaceMethod.POINT,
        adm1=adm1,
        adm2=adm2,
        adm3=adm3,
        nearest=path.nearest,
        note="",
    )


def _confident(candidates: list[Candidate]) -> list[Candidate]:
    return [c for c in candidates if c.confidence >= MIN_CONFIDENCE]


def _context(gazetteer: Gazetteer, admin: Sequence[str]) -> str | None:
    """The finest unit the report's own administrative names agree on, from the most general
    down (intake writes governorate then district: level 1, then 2); a name that does not
    resolve to one unit inside the last is passed over."""
    within: str | None = None
    for depth, name in enumerate(admin, start=1):
        units = _inner(gazetteer, name, ResolveContext(within=within, level=depth), within)
        units = units or _inner(gazetteer, name, ResolveContext(within=within), within)
        units = [c for c in units if c.target.level is not None]
        if units and _unambiguous(units):
            within = units[0].target.key
    return within


def _inner(
    gazetteer: Gazetteer, name: str, context: ResolveContext, within: str | None
) -> list[Candidate]:
    """Candidates for a name said inside `within`: something inside it rather than the unit
    itself when there is any ("Dar'a" in the district of Dar'a is its sub-district)."""
    found = _confident(gazetteer.resolve(name, context))
    inside = [c for c in found if c.target.key != within]
    return inside or found


def _path(target: Target) -> Path:
    return (target.adm1, target.adm2, target.adm3)


def _contains(outer: Target, inner: Target) -> bool:
    if outer.key == inner.key:
        return True
    if outer.level is None:
        return False
    return _path(outer)[: outer.level] == _path(inner)[: outer.level]


def _unambiguous(candidates: Sequence[Candidate]) -> bool:
    top = candidates[0]
    tied = [c for c in candidates if c.confidence == top.confidence]
    return all(_contains(top.target, c.target) for c in tied)


def _best(item: Placeable, gazetteer: Gazetteer, candidates: Sequence[Candidate]) -> ReportPlace:
    """The top candidate when every equally good one lies inside it; else the finest unit
    they all share; else nothing (a name that could be anywhere places nowhere)."""
    top = candidates[0]
    if _unambiguous(candidates):
        return _resolved(item, top.target, top.confidence, top.matched)
    tied = [c for c in candidates if c.confidence == top.confidence]
    shared = shared_prefix([_path(c.target) for c in tied])
    if not shared or shared[-1] not in gazetteer.targets:
        names = ", ".join(sorted({c.target.key for c in tied}))
        return ReportPlace(item.report_id, PlaceMethod.UNPLACED, note=f"ambiguous: {names}"[:300])
    unit = gazetteer.targets[shared[-1]]
    note = f"{top.matched}: {len(tied)} places, in {unit.name}"
    return _resolved(item, unit, top.confidence * SHARED_FACTOR, note)


def _resolved(item: Placeable, target: Target, confidence: float, note: str) -> ReportPlace:
    location: Location = target.location
    return ReportPlace(
        item.report_id,
        PlaceMethod.RESOLVED,
        target.adm1,
        target.adm2,
        target.adm3,
        location.latitude,
        location.longitude,
        location.radius_m,
        location.precision,
        confidence=round(confidence, 3),
        note=note[:300],
    )


@dataclass(frozen=True, slots=True)
class AfterFilingSteps:
    """Several steps run, in order, inside the unit of work that files reports (the
    monitoring service takes one: correlation, then placement)."""

    steps: tuple[Callable[..., None], ...]

    def __call__(self, uow: UnitOfWork, reports: Sequence[Report], *, itemise: bool) -> None:
        for step in self.steps:
            step(uow, reports, itemise=itemise)
