"""Use cases of the geography: load boundaries, towns and zones; resolve names; reverse
geocode points; tell which zones a point falls in; locate a report with its precision.

Loading is idempotent (the same file again changes nothing, the record included) and never
stops at a bad feature: it is quarantined with its reason and the rest loads. Every change
appends a record entry in its own unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from truce.application.access_guard import report_scope
from truce.application.geo_ports import Hit, SpatialIndex, SpatialIndexFactory, ZoneIndex
from truce.application.placement import Placer
from truce.application.ports import Clock, JsonValue, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import Principal
from truce.domain.errors import FieldError, InvalidInputError, NotFoundError
from truce.domain.geo.aliases import seed_aliases
from truce.domain.geo.names import is_arabic, normalise_latin
from truce.domain.geo.placement import Placeable, ReportPlace, placeable
from truce.domain.geo.places import (
    AdminUnit,
    Alias,
    Place,
    Quarantined,
    cod_fields,
    in_syria,
)
from truce.domain.geo.resolve import (
    NO_CONTEXT,
    Candidate,
    Gazetteer,
    ResolveContext,
    build_gazetteer,
)
from truce.domain.geo.zones import Zone, ZoneDraft, plan_zone_load
from truce.domain.reports import Report

MAX_NAME = 300
USER_SOURCE = "user"


@dataclass(frozen=True, slots=True)
class BoundaryFeature:
    """One feature read from a boundary file, with what shapely worked out about its
    geometry; `problem` says why it cannot be loaded."""

    reference: str
    attributes: dict[str, object]
    geometry: bytes
    centroid: tuple[float, float]  # latitude, longitude of a point inside the unit
    radius_m: float
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A populated place as a gazetteer file gives it."""

    reference: str
    name: str
    latitude: float
    longitude: float
    population: int
    alternate_names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadSummary:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    quarantined: int = 0

    @property
    def changes(self) -> int:
        return self.added + self.changed


@dataclass(frozen=True, slots=True)
class Named:
    pcode: str
    name_en: str
    name_ar: str


@dataclass(frozen=True, slots=True)
class AdminPath:
    """Where a point lies: its governorate, district and sub-district (finest known)."""

    adm1: Named | None
    adm2: Named | None
    adm3: Named | None
    nearest: bool = False


@dataclass(frozen=True, slots=True)
class PlacementSummary:
    """What one `place_reports` run did: reports looked at, placements new or changed, and
    how the placed ones were found."""

    seen: int = 0
    changed: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


PLACE_BATCH = 2_000
PLACED_KIND = "geo.reports.placed"


@dataclass
class _Caches:
    gazetteer: Gazetteer | None = None
    units: dict[str, AdminUnit] | None = None
    index: SpatialIndex | None = None
    paths: dict[Hit, AdminPath] = field(default_factory=dict)
    zone_indexes: dict[str, tuple[ZoneIndex, dict[str, Zone]]] = field(default_factory=dict)
    outlines: dict[tuple[int, float], dict[str, object]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GeographyService:
    uow: UnitOfWorkFactory
    clock: Clock
    spatial: SpatialIndexFactory
    _caches: _Caches = field(default_factory=_Caches)

    # --- loading ----------------------------------------------------------------------

    def load_boundaries(self, features: Iterable[BoundaryFeature], source: str) -> LoadSummary:
        counts = {"added": 0, "changed": 0, "unchanged": 0, "quarantined": 0}
        with self.uow() as uow:
            for feature in features:
                outcome = self._load_feature(uow, feature, source)
                if outcome in counts:
                    counts[outcome] += 1
            for alias in seed_aliases():
                uow.geo.add_alias(alias)
            summary = LoadSummary(**counts)
            self._finish(uow, "geo.boundaries.loaded", source, summary)
        return summary

    def _load_feature(self, uow: UnitOfWork, feature: BoundaryFeature, source: str) -> str:
        unit = _unit_or_problem(feature, source)
        if isinstance(unit, str):
            kept = uow.geo.quarantine(
                Quarantined(source, feature.reference, unit), self.clock.now()
            )
            return "quarantined" if kept else "quarantined-again"
        existed = uow.geo.unit(unit.pcode) is not None
        if not uow.geo.put_unit(unit):
            return "unchanged"
        return "changed" if existed else "added"

    def load_places(self, rows: Iterable[PlaceRow], source: str) -> LoadSummary:
        """Populated places, each placed in its sub-district by reverse geocoding."""
        rows = list(rows)
        paths = self.reverse([(row.latitude, row.longitude) for row in rows])
        counts = {"added": 0, "changed": 0, "unchanged": 0, "quarantined": 0}
        with self.uow() as uow:
            for row, path in zip(rows, paths, strict=True):
                problem = _place_problem(row)
                if problem is not None:
                    kept = uow.geo.quarantine(
                        Quarantined(source, row.reference, problem), self.clock.now()
                    )
                    counts["quarantined"] += int(kept)
                    continue
                place = _place(row, source, path)
                existed = _place_exists(uow, place.id)
                if uow.geo.put_place(place):
                    counts["changed" if existed else "added"] += 1
                else:
                    counts["unchanged"] += 1
            summary = LoadSummary(**counts)
            self._finish(uow, "geo.places.loaded", source, summary)
        return summary

    def _finish(self, uow: UnitOfWork, kind: str, source: str, summary: LoadSummary) -> None:
        if summary.changes == 0 and summary.quarantined == 0:
            return  # nothing changed: nothing to record, nothing to commit
        uow.record.append(
            kind,
            subject=f"geo:{hashlib.sha256(source.encode()).hexdigest()[:16]}",
            at=self.clock.now(),
            public={
                "source": source,
                "added": summary.added,
                "changed": summary.changed,
                "unchanged": summary.unchanged,
                "quarantined": summary.quarantined,
            },
        )
        uow.commit()
        self._forget()

    def add_alias(self, text: str, target: str, source: str = USER_SOURCE) -> bool:
        """Another name for a unit (P-code) or place (id); False when it was known."""
        text = text.strip()
        if not text or len(text) > MAX_NAME:
            raise InvalidInputError([FieldError("text", f"must be 1-{MAX_NAME} characters")])
        with self.uow() as uow:
            if uow.geo.unit(target) is None and not _place_exists(uow, target):
                raise InvalidInputError([FieldError("target", "names no known unit or place")])
            if not uow.geo.add_alias(Alias(text, target, source)):
                return False
            uow.record.append(
                "geo.alias.added",
                subject=f"geo:{target}",
                at=self.clock.now(),
                public={"text": text, "target": target, "source": source},
            )
            uow.commit()
        self._forget()
        return True

    def add_place(
        self, name: str, latitude: float, longitude: float, names: Sequence[str] = ()
    ) -> Place:
        """A place a user adds: a named point inside Syria."""
        row = PlaceRow(
            f"user:{normalise_latin(name) or name.strip()}",
            name.strip(),
            latitude,
            longitude,
            0,
            tuple(n.strip() for n in names if n.strip()),
        )
        problem = _place_problem(row)
        if problem is not None:
            raise InvalidInputError([FieldError("place", problem)])
        place = _place(row, USER_SOURCE, self.reverse([(latitude, longitude)])[0])
        with self.uow() as uow:
            if uow.geo.put_place(place):
                uow.record.append(
                    "geo.place.added",
                    subject=f"geo:{place.id}",
                    at=self.clock.now(),
                    public={
                        "place_id": place.id,
                        "name": place.name,
                        "latitude": latitude,
                        "longitude": longitude,
                        "names": list(place.names),
                        "unit": place.unit_pcode,
                    },
                )
                uow.commit()
        self._forget()
        return place

    def quarantined(self) -> list[Quarantined]:
        with self.uow() as uow:
            return uow.geo.quarantined()

    # --- resolution and reverse geocoding ------------------------------------------------

    def gazetteer(self, uow: UnitOfWork | None = None) -> Gazetteer:
        """Built once from the store; `uow` reads it inside a unit of work already open."""
        if self._caches.gazetteer is None:
            with self._reading(uow) as reading:
                geo = reading.geo
                units, places, aliases = geo.units(), geo.places(), geo.aliases()
            self._caches.gazetteer = build_gazetteer(units, places, aliases)
        return self._caches.gazetteer

    def _reading(self, uow: UnitOfWork | None) -> _Reading:
        return _Reading(self.uow, uow)

    def resolve(self, text: str, context: ResolveContext = NO_CONTEXT) -> list[Candidate]:
        if len(text) > MAX_NAME:
            raise InvalidInputError([FieldError("text", f"at most {MAX_NAME} characters")])
        return self.gazetteer().resolve(text, context)

    def context_within(self, name: str) -> str:
        """The P-code of the unit a name (or P-code) stands for, to narrow a resolution."""
        if name in self.gazetteer().targets:
            return name
        units = [c for c in self.resolve(name) if c.target.level is not None]
        if not units:
            raise InvalidInputError([FieldError("within", f"{name!r} names no known unit")])
        return units[0].target.key

    def reverse(
        self, points: Sequence[tuple[float, float]], uow: UnitOfWork | None = None
    ) -> list[AdminPath | None]:
        if not points:
            return []
        units, index = self._spatial(uow)
        paths = self._caches.paths
        answers: list[AdminPath | None] = []
        for hit in index.locate(points):
            if hit is None:
                answers.append(None)
                continue
            path = paths.get(hit)
            if path is None:
                path = paths[hit] = _path(hit, units)
            answers.append(path)
        return answers

    def _spatial(self, uow: UnitOfWork | None = None) -> tuple[dict[str, AdminUnit], SpatialIndex]:
        if self._caches.units is None or self._caches.index is None:
            with self._reading(uow) as reading:
                units = {unit.pcode: unit for unit in reading.geo.units()}
            # The finest administrative level present is indexed; neighbourhoods (level 4)
            # cover only cities and would leave the rest of the country unanswered.
            admin = [u for u in units.values() if 1 <= u.level <= 3]  # noqa: PLR2004
            finest = max((u.level for u in admin), default=1)
            self._caches.index = self.spatial.units([u for u in admin if u.level == finest])
            self._caches.units = units
        return self._caches.units, self._caches.index

    def unit(self, pcode: str) -> AdminUnit:
        with self.uow() as uow:
            unit = uow.geo.unit(pcode)
        if unit is None:
            raise NotFoundError("unit")
        return unit

    def units(self, level: int) -> list[AdminUnit]:
        with self.uow() as uow:
            return uow.geo.units(level)

    def outlines(self, level: int, tolerance: float) -> dict[str, object]:
        """A GeoJSON FeatureCollection of one level's outlines, simplified for the map."""
        key = (level, tolerance)
        if key not in self._caches.outlines:
            self._caches.outlines[key] = self.spatial.outlines(self.units(level), tolerance)
        return self._caches.outlines[key]

    # --- zones --------------------------------------------------------------------------

    def load_zones(
        self, agreement_id: str, drafts: Sequence[ZoneDraft], problems: Sequence[Quarantined] = ()
    ) -> LoadSummary:
        """A zone set of an agreement: new and changed zones get a revision, zones no longer
        named are withdrawn, equal ones stay as they are."""
        _check_unique(drafts)
        with self.uow() as uow:
            agreement = uow.agreements.get(agreement_id)
            if agreement is None:
                raise InvalidInputError([FieldError("agreement", "names no known agreement")])
            now = self.clock.now()
            quarantined = sum(int(uow.geo.quarantine(p, now)) for p in problems)
            plan = plan_zone_load(
                uow.geo.zones(agreement_id), list(drafts), agreement_id, agreement.version, now
            )
            for zone in plan.revisions:
                uow.geo.add_zone(zone)
                uow.record.append(
                    "geo.zone.revised",
                    subject=f"zone:{agreement_id}:{zone.zone_id}",
                    at=now,
                    public=_zone_entry(zone),
                )
            if plan.revisions or quarantined:
                uow.commit()
        self._caches.zone_indexes.pop(agreement_id, None)
        added = sum(1 for z in plan.revisions if z.revision == 1)
        return LoadSummary(added, len(plan.revisions) - added, plan.unchanged, quarantined)

    def zones(self, agreement_id: str | None = None, *, withdrawn: bool = False) -> list[Zone]:
        with self.uow() as uow:
            zones = uow.geo.zones(agreement_id)
        return [z for z in zones if withdrawn or not z.withdrawn]

    def zone_history(self, agreement_id: str, zone_id: str) -> list[Zone]:
        with self.uow() as uow:
            return uow.geo.zone_history(agreement_id, zone_id)

    def zones_at(
        self, agreement_id: str, latitude: float, longitude: float, radius_m: float = 0.0
    ) -> list[Zone]:
        """The agreement's current zones that contain the point or touch its precision disc."""
        cached = self._caches.zone_indexes.get(agreement_id)
        if cached is None:
            current = self.zones(agreement_id)
            cached = (self.spatial.zones(current), {z.zone_id: z for z in current})
            self._caches.zone_indexes[agreement_id] = cached
        index, by_id = cached
        return [by_id[i] for i in index.containing(latitude, longitude, radius_m)]

    # --- placing reports (docs/geography.md "Placing reports") --------------------------

    def placer(self, uow: UnitOfWork | None = None) -> Placer:
        return Placer(
            reverse=lambda points: self.reverse(points, uow),
            gazetteer=lambda: self.gazetteer(uow),
        )

    def has_boundaries(self, uow: UnitOfWork | None = None) -> bool:
        units, _index = self._spatial(uow)
        return any(1 <= unit.level <= 3 for unit in units.values())  # noqa: PLR2004

    def place(self, items: Sequence[Placeable]) -> list[ReportPlace]:
        """Where each report lies, worked out now and not stored."""
        return self.placer().place(items)

    def place_filed(self, uow: UnitOfWork, reports: Sequence[Report], *, itemise: bool) -> None:
        """The step run inside the unit of work that files reports (the server's filings and
        every import batch): their placements are stored with them. Without boundaries
        there is nothing to place against; `truce geo place-reports` does it once they load.
        Derived data: the filing's own record entry covers it, so none is added here."""
        del itemise
        if not reports or not self.has_boundaries(uow):
            return
        uow.geo.put_placements(self.placer(uow).place([placeable(r) for r in reports]))

    def place_reports(
        self,
        *,
        again: bool = False,
        batch: int = PLACE_BATCH,
        progress: Callable[[int], None] | None = None,
    ) -> PlacementSummary:
        """Place every standing report that has no placement yet (`again`: every one, after
        the boundaries or the gazetteer changed), one unit of work per batch. Idempotent: an
        equal placement is not written again, and a run that changes nothing records
        nothing. A run that changes something appends one entry with its counts."""
        if not self.has_boundaries():
            raise InvalidInputError([FieldError("boundaries", "load boundaries first")])
        seen = changed = 0
        methods: dict[str, int] = {}
        after: str | None = None
        while True:
            with self.uow() as uow:
                items = uow.geo.to_place(batch, after, placed_too=again)
                if not items:
                    break
                places = self.placer(uow).place(items)
                changed += uow.geo.put_placements(places)
                uow.commit()
            for place in places:
                methods[place.method.value] = methods.get(place.method.value, 0) + 1
            seen += len(items)
            after = items[-1].report_id
            if progress is not None:
                progress(len(items))
        summary = PlacementSummary(seen, changed, dict(sorted(methods.items())))
        if changed:
            self._record_placing(summary, again=again)
        return summary

    def _record_placing(self, summary: PlacementSummary, *, again: bool) -> None:
        with self.uow() as uow:
            uow.record.append(
                PLACED_KIND,
                subject="geo:placements",
                at=self.clock.now(),
                public={
                    "seen": summary.seen,
                    "changed": summary.changed,
                    "again": again,
                    **{f"method_{name}": count for name, count in summary.by_method.items()},
                },
            )
            uow.commit()

    def placements_for(
        self, principal: Principal, reports: Sequence[Report]
    ) -> dict[str, ReportPlace]:
        """The placements of reports the principal may read, for a list it was already given
        through an access filter (the map, the daily report): the store is asked only for
        reports the principal's scope admits, and filters by that scope again."""
        scope = report_scope(principal)
        ids = [report.id for report in reports if scope.admits(report)]
        if not ids:
            return {}
        with self.uow() as uow:
            stored = uow.geo.placements(ids, scope)
        unplaced = set(ids) - set(stored)
        missing = [placeable(r) for r in reports if r.id in unplaced]
        if missing and self.has_boundaries():
            # Filed before the boundaries loaded, or before the last `place-reports`:
            # worked out now, as a stored one would be, and not stored by a read.
            stored.update((p.report_id, p) for p in self.place(missing))
        return stored

    def named(self, pcode: str | None) -> Named | None:
        """A unit's P-code with its English and Arabic names, for display."""
        if pcode is None:
            return None
        units, _index = self._spatial()
        unit = units.get(pcode)
        return Named(pcode, unit.name_en, unit.name_ar) if unit is not None else None

    def _forget(self) -> None:
        self._caches.gazetteer = None
        self._caches.units = None
        self._caches.index = None
        self._caches.paths.clear()
        self._caches.zone_indexes.clear()
        self._caches.outlines.clear()


class _Reading:
    """A unit of work to read in: the caller's own when it has one open (a step inside a
    filing), else a fresh one."""

    def __init__(self, factory: UnitOfWorkFactory, given: UnitOfWork | None) -> None:
        self._factory = factory
        self._given = given
        self._own: UnitOfWork | None = None

    def __enter__(self) -> UnitOfWork:
        if self._given is not None:
            return self._given
        self._own = self._factory()
        return self._own.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._own is not None:
            self._own.__exit__(None, None, None)


def _unit_or_problem(feature: BoundaryFeature, source: str) -> AdminUnit | str:
    """The unit a feature describes, or why it cannot be one."""
    if feature.problem is not None:
        return feature.problem
    try:
        return _unit(feature, source)
    except ValueError as error:
        return str(error)


def _unit(feature: BoundaryFeature, source: str) -> AdminUnit:
    level, pcode, name_en, name_ar, parent = cod_fields(feature.attributes)
    if not feature.geometry:
        raise ValueError("no geometry")
    other = feature.attributes.get("NAM_EN_REF")
    names_en = (
        (other.strip(),) if isinstance(other, str) and other.strip() not in ("", name_en) else ()
    )
    latitude, longitude = feature.centroid
    return AdminUnit(
        pcode,
        level,
        name_en,
        name_ar,
        parent,
        round(latitude, 6),
        round(longitude, 6),
        round(feature.radius_m, 1),
        feature.geometry,
        source,
        names_en,
    )


def _place_problem(row: PlaceRow) -> str | None:
    if not row.name or len(row.name) > MAX_NAME:
        return f"name must be 1-{MAX_NAME} characters"
    if not in_syria(row.latitude, row.longitude):
        return f"({row.latitude}, {row.longitude}) lies outside Syria"
    return None


def _place(row: PlaceRow, source: str, path: AdminPath | None) -> Place:
    # Latin and Arabic spellings only: the other scripts' names add noise, not matches.
    names = tuple(sorted({n for n in row.alternate_names if _useful_name(n)} - {row.name}))
    unit = None
    if path is not None:
        finest = path.adm3 or path.adm2 or path.adm1
        unit = finest.pcode if finest is not None else None
    return Place(
        row.reference, row.name, names, row.latitude, row.longitude, row.population, source, unit
    )


def _useful_name(name: str) -> bool:
    if len(name) < 3 or len(name) > MAX_NAME:  # noqa: PLR2004 - codes such as "DAM"
        return False
    return is_arabic(name) or normalise_latin(name).isascii()


def _place_exists(uow: UnitOfWork, place_id: str) -> bool:
    return uow.geo.place(place_id) is not None


def _path(hit: Hit, units: dict[str, AdminUnit]) -> AdminPath:
    chain: dict[int, Named] = {}
    unit = units.get(hit.pcode)
    while unit is not None and unit.level not in chain:
        chain[unit.level] = Named(unit.pcode, unit.name_en, unit.name_ar)
        unit = units.get(unit.parent_pcode or "")
    return AdminPath(chain.get(1), chain.get(2), chain.get(3), hit.nearest)


def _check_unique(drafts: Sequence[ZoneDraft]) -> None:
    seen: set[str] = set()
    for draft in drafts:
        if draft.zone_id in seen:
            raise InvalidInputError([FieldError("id", f"zone {draft.zone_id!r} appears twice")])
        seen.add(draft.zone_id)


def _zone_entry(zone: Zone) -> dict[str, JsonValue]:
    return {
        "agreement_id": zone.agreement_id,
        "agreement_version": zone.agreement_version,
        "zone_id": zone.zone_id,
        "revision": zone.revision,
        "kind": zone.kind.value,
        "name": zone.name,
        "name_ar": zone.name_ar,
        "withdrawn": zone.withdrawn,
        "geometry_sha256": hashlib.sha256(zone.geometry.encode()).hexdigest(),
    }
