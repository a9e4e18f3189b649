"""The geography store over one SQLAlchemy connection."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select

from truce.adapters.sql import geo_tables as g
from truce.adapters.sql import tables as t
from truce.adapters.sql.mapping import from_db_time, to_utc
from truce.adapters.sql.repositories import admitted
from truce.adapters.sql.rls import acting_for, as_system
from truce.application.ports import ReportScope
from truce.domain.geo.placement import Placeable, PlaceMethod, ReportPlace
from truce.domain.geo.places import AdminUnit, Alias, Place, Precision, Quarantined
from truce.domain.geo.zones import Zone, ZoneKind


def _unit_row(unit: AdminUnit) -> dict[str, Any]:
    return {
        "pcode": unit.pcode,
        "level": unit.level,
        "name_en": unit.name_en,
        "name_ar": unit.name_ar,
        "names_en": json.dumps(list(unit.names_en), ensure_ascii=False),
        "parent_pcode": unit.parent_pcode,
        "centroid_lat": unit.centroid_lat,
        "centroid_lon": unit.centroid_lon,
        "radius_m": unit.radius_m,
        "geometry": unit.geometry,
        "source": unit.source,
    }


def _row_to_unit(row: RowMapping) -> AdminUnit:
    return AdminUnit(
        pcode=row["pcode"],
        level=row["level"],
        name_en=row["name_en"],
        name_ar=row["name_ar"],
        parent_pcode=row["parent_pcode"],
        centroid_lat=row["centroid_lat"],
        centroid_lon=row["centroid_lon"],
        radius_m=row["radius_m"],
        geometry=bytes(row["geometry"]),
        source=row["source"],
        names_en=tuple(json.loads(row["names_en"])),
    )


def _place_row(place: Place) -> dict[str, Any]:
    return {
        "id": place.id,
        "name": place.name,
        "names": json.dumps(list(place.names), ensure_ascii=False),
        "latitude": place.latitude,
        "longitude": place.longitude,
        "population": place.population,
        "source": place.source,
        "unit_pcode": place.unit_pcode,
    }


def _row_to_place(row: RowMapping) -> Place:
    return Place(
        id=row["id"],
        name=row["name"],
        names=tuple(json.loads(row["names"])),
        latitude=row["latitude"],
        longitude=row["longitude"],
        population=row["population"],
        source=row["source"],
        unit_pcode=row["unit_pcode"],
    )


def _zone_row(zone: Zone) -> dict[str, Any]:
    return {
        "agreement_id": zone.agreement_id,
        "zone_id": zone.zone_id,
        "revision": zone.revision,
        "kind": zone.kind.value,
        "name": zone.name,
        "name_ar": zone.name_ar,
        "geometry": zone.geometry,
        "agreement_version": zone.agreement_version,
        "recorded_at": to_utc(zone.recorded_at),
        "withdrawn": zone.withdrawn,
    }


def _row_to_zone(row: RowMapping) -> Zone:
    return Zone(
        agreement_id=row["agreement_id"],
        zone_id=row["zone_id"],
        revision=row["revision"],
        kind=ZoneKind(row["kind"]),
        name=row["name"],
        name_ar=row["name_ar"],
        geometry=row["geometry"],
        agreement_version=row["agreement_version"],
        recorded_at=from_db_time(row["recorded_at"]),
        withdrawn=row["withdrawn"],
    )


def _placement_row(place: ReportPlace) -> dict[str, Any]:
    return {
        "report_id": place.report_id,
        "method": place.method.value,
        "adm1_pcode": place.adm1,
        "adm2_pcode": place.adm2,
        "adm3_pcode": place.adm3,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "radius_m": place.radius_m,
        "precision": None if place.precision is None else place.precision.value,
        "nearest": place.nearest,
        "confidence": place.confidence,
        "note": place.note,
    }


def _row_to_placement(row: RowMapping) -> ReportPlace:
    precision = row["precision"]
    return ReportPlace(
        report_id=row["report_id"],
        method=PlaceMethod(row["method"]),
        adm1=row["adm1_pcode"],
        adm2=row["adm2_pcode"],
        adm3=row["adm3_pcode"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        radius_m=row["radius_m"],
        precision=None if precision is None else Precision(precision),
        nearest=bool(row["nearest"]),
        confidence=row["confidence"],
        note=row["note"],
    )


# Ids per IN (...) list: well under SQLite's bound-parameter limit.
_CHUNK = 500


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class SqlGeoStore:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def put_unit(self, unit: AdminUnit) -> bool:
        if self.unit(unit.pcode) == unit:
            return False
        self._c.execute(delete(g.geo_units).where(g.geo_units.c.pcode == unit.pcode))
        self._c.execute(insert(g.geo_units).values(**_unit_row(unit)))
        return True

    def unit(self, pcode: str) -> AdminUnit | None:
        row = self._c.execute(select(g.geo_units).where(g.geo_units.c.pcode == pcode))
        found = row.mappings().first()
        return None if found is None else _row_to_unit(found)

    def units(self, level: int | None = None) -> list[AdminUnit]:
        query = select(g.geo_units).order_by(g.geo_units.c.pcode)
        if level is not None:
            query = query.where(g.geo_units.c.level == level)
        return [_row_to_unit(row) for row in self._c.execute(query).mappings()]

    def put_place(self, place: Place) -> bool:
        if self.place(place.id) == place:
            return False
        self._c.execute(delete(g.geo_places).where(g.geo_places.c.id == place.id))
        self._c.execute(insert(g.geo_places).values(**_place_row(place)))
        return True

    def place(self, place_id: str) -> Place | None:
        row = self._c.execute(select(g.geo_places).where(g.geo_places.c.id == place_id))
        found = row.mappings().first()
        return None if found is None else _row_to_place(found)

    def places(self) -> list[Place]:
        query = select(g.geo_places).order_by(g.geo_places.c.id)
        return [_row_to_place(row) for row in self._c.execute(query).mappings()]

    def add_alias(self, alias: Alias) -> bool:
        table = g.geo_aliases
        exists = self._c.execute(
            select(func.count())
            .select_from(table)
            .where(table.c.text == alias.text, table.c.target == alias.target)
        ).scalar_one()
        if exists:
            return False
        self._c.execute(
            insert(table).values(text=alias.text, target=alias.target, source=alias.source)
        )
        return True

    def aliases(self) -> list[Alias]:
        table = g.geo_aliases
        query = select(table).order_by(table.c.text, table.c.target)
        return [
            Alias(row["text"], row["target"], row["source"])
            for row in self._c.execute(query).mappings()
        ]

    def quarantine(self, item: Quarantined, at: datetime) -> bool:
        table = g.geo_quarantine
        key = hashlib.sha256(
            json.dumps([item.source, item.reference, item.reason]).encode()
        ).hexdigest()
        found = self._c.execute(select(table.c.key).where(table.c.key == key)).first()
        if found is not None:
            return False
        self._c.execute(
            insert(table).values(
                key=key,
                source=item.source,
                reference=item.reference,
                reason=item.reason,
                quarantined_at=to_utc(at),
            )
        )
        return True

    def quarantined(self) -> list[Quarantined]:
        table = g.geo_quarantine
        query = select(table).order_by(table.c.source, table.c.reference, table.c.reason)
        return [
            Quarantined(row["source"], row["reference"], row["reason"])
            for row in self._c.execute(query).mappings()
        ]

    def add_zone(self, zone: Zone) -> None:
        self._c.execute(insert(g.geo_zones).values(**_zone_row(zone)))

    def zones(self, agreement_id: str | None = None) -> list[Zone]:
        table = g.geo_zones
        latest = select(
            table.c.agreement_id, table.c.zone_id, func.max(table.c.revision).label("revision")
        ).group_by(table.c.agreement_id, table.c.zone_id)
        if agreement_id is not None:
            latest = latest.where(table.c.agreement_id == agreement_id)
        sub = latest.subquery()
        query = (
            select(table)
            .join(
                sub,
                (table.c.agreement_id == sub.c.agreement_id)
                & (table.c.zone_id == sub.c.zone_id)
                & (table.c.revision == sub.c.revision),
            )
            .order_by(table.c.agreement_id, table.c.zone_id)
        )
        return [_row_to_zone(row) for row in self._c.execute(query).mappings()]

    def zone_history(self, agreement_id: str, zone_id: str) -> list[Zone]:
        table = g.geo_zones
        query = (
            select(table)
            .where(table.c.agreement_id == agreement_id, table.c.zone_id == zone_id)
            .order_by(table.c.revision)
        )
        return [_row_to_zone(row) for row in self._c.execute(query).mappings()]

    # --- placements of reports: every statement names its row-level security context -------

    def put_placements(self, placements: Sequence[ReportPlace]) -> int:
        table = g.report_places
        wanted = {p.report_id: p for p in placements}
        stored = self.placements(list(wanted), None)
        changed = [p for rid, p in wanted.items() if stored.get(rid) != p]
        if not changed:
            return 0
        with as_system(self._c, "storing placements derived from reports already filed"):
            replaced = [p.report_id for p in changed if p.report_id in stored]
            for chunk in _chunks(replaced):
                self._c.execute(delete(table).where(table.c.report_id.in_(chunk)))
            self._c.execute(insert(table), [_placement_row(p) for p in changed])
        return len(changed)

    def placements(
        self, report_ids: Collection[str], scope: ReportScope | None
    ) -> dict[str, ReportPlace]:
        table, reports = g.report_places, t.reports
        found: dict[str, ReportPlace] = {}
        for chunk in _chunks(sorted(set(report_ids))):
            query = (
                select(table)
                .join(reports, reports.c.id == table.c.report_id)
                .where(table.c.report_id.in_(chunk))
            )
            if scope is not None:
                # Never by id alone: the report itself must be one the scope admits.
                query = query.where(admitted(scope))
            context = (
                acting_for(self._c, scope)
                if scope is not None
                else as_system(self._c, "placements for the mechanism's own work")
            )
            with context:
                rows = self._c.execute(query).mappings().all()
            found.update((row["report_id"], _row_to_placement(row)) for row in rows)
        return found

    def to_place(self, limit: int, after: str | None, *, placed_too: bool) -> list[Placeable]:
        r, table = t.reports, g.report_places
        query = (
            select(
                r.c.id,
                r.c.latitude,
                r.c.longitude,
                r.c.place_text,
                r.c.place_precision,
                r.c.uncertainty_m,
            )
            .where(r.c.retired.is_(None))
            .order_by(r.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(r.c.id > after)
        if not placed_too:
            placed = select(table.c.report_id).where(table.c.report_id == r.c.id)
            query = query.where(~placed.exists())
        with as_system(self._c, "placing every standing report, the mechanism's own work"):
            rows = self._c.execute(query).all()
        return [Placeable(*row) for row in rows]
