"""Spatial indexes over shapely 2: an STRtree of prepared polygons answers point-in-polygon
for a whole batch of points in a few vectorised calls."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely import STRtree

from truce.application.geo_ports import Hit
from truce.domain.geo.places import AdminUnit
from truce.domain.geo.zones import Zone

# A point up to this far outside every outline (coast, border, rounding) takes the nearest unit.
NEAREST_WITHIN_DEG = 0.05
# A line (of contact) is a band this wide on either side: a point is never exactly on a line.
LINE_BAND_M = 1_000.0
METRES_PER_DEGREE = 111_320.0


class ShapelyUnitIndex:
    def __init__(self, units: Sequence[AdminUnit]) -> None:
        self._pcodes = [unit.pcode for unit in units]
        # One answer object per unit (and per "nearest" answer), shared by every point in it.
        self._hits = [Hit(pcode) for pcode in self._pcodes]
        self._near = [Hit(pcode, nearest=True) for pcode in self._pcodes]
        self._geoms = shapely.from_wkb([unit.geometry for unit in units])
        shapely.prepare(self._geoms)
        self._tree = STRtree(self._geoms)

    def locate(self, points: Sequence[tuple[float, float]]) -> list[Hit | None]:
        if not self._pcodes or not points:
            return [None] * len(points)
        coords = np.asarray(points, dtype=float).reshape(-1, 2)
        lat, lon = coords[:, 0], coords[:, 1]
        finite = np.isfinite(lat) & np.isfinite(lon)
        found = np.full(len(coords), -1)
        nearest = np.zeros(len(coords), dtype=bool)
        points_geom = np.asarray(
            shapely.points(np.where(finite, lon, 0.0), np.where(finite, lat, 0.0)), dtype=object
        )
        inputs, candidates = self._tree.query(points_geom)
        inside = shapely.contains_xy(self._geoms[candidates], lon[inputs], lat[inputs])
        found[inputs[inside]] = candidates[inside]
        missing = np.nonzero((found < 0) & finite)[0]
        if missing.size:
            near_in, near_tree = self._tree.query_nearest(
                points_geom[missing], max_distance=NEAREST_WITHIN_DEG, all_matches=False
            )
            found[missing[near_in]] = near_tree
            nearest[missing[near_in]] = True
        hits, near = self._hits, self._near
        return [
            None if index < 0 else (near[index] if is_near else hits[index])
            for index, is_near in zip(found.tolist(), nearest.tolist(), strict=True)
        ]


class ShapelyZoneIndex:
    def __init__(self, zones: Sequence[Zone]) -> None:
        self._ids = [zone.zone_id for zone in zones]
        geoms = [_zone_shape(zone.geometry) for zone in zones]
        self._geoms = np.array(geoms, dtype=object)
        shapely.prepare(self._geoms)
        self._tree = STRtree(self._geoms)

    def containing(self, latitude: float, longitude: float, radius_m: float = 0.0) -> list[str]:
        if not self._ids:
            return []
        reach = _degrees(radius_m, latitude)
        point = shapely.Point(longitude, latitude)
        probe = point.buffer(reach) if reach > 0 else point
        hits: list[str] = []
        for index in self._tree.query(probe.buffer(_degrees(LINE_BAND_M, latitude))):
            geom = self._geoms[index]
            if shapely.get_dimensions(geom) < 2:  # noqa: PLR2004 - points and lines have no inside
                touches = geom.distance(point) <= reach + _degrees(LINE_BAND_M, latitude)
            else:
                touches = geom.intersects(probe)
            if touches:
                hits.append(self._ids[index])
        return sorted(hits)


class ShapelySpatial:
    """The SpatialIndexFactory the application is given."""

    def units(self, units: Sequence[AdminUnit]) -> ShapelyUnitIndex:
        return ShapelyUnitIndex(units)

    def zones(self, zones: Sequence[Zone]) -> ShapelyZoneIndex:
        return ShapelyZoneIndex(zones)

    def outlines(self, units: Sequence[AdminUnit], tolerance: float) -> dict[str, object]:
        geoms = shapely.from_wkb([unit.geometry for unit in units])
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
        simple = shapely.set_precision(simple, 0.0001)
        features: list[dict[str, Any]] = [
            {
                "type": "Feature",
                "properties": {
                    "pcode": unit.pcode,
                    "level": unit.level,
                    "name_en": unit.name_en,
                    "name_ar": unit.name_ar,
                },
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
            for unit, geom in zip(units, simple, strict=True)
            if not geom.is_empty
        ]
        return {"type": "FeatureCollection", "features": features}


def _zone_shape(geometry: str) -> shapely.Geometry:
    shape = shapely.from_geojson(geometry)
    return shape if shape.is_valid else shapely.make_valid(shape)


def _degrees(metres: float, latitude: float) -> float:
    """Metres as degrees, generously (longitude degrees shrink with latitude)."""
    if metres <= 0:
        return 0.0
    return metres / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.1))


def area_radius_m(geometry: shapely.Geometry, latitude: float, longitude: float) -> float:
    """How far the unit reaches from its centre: the farthest vertex of its outline."""
    coords = shapely.get_coordinates(geometry)
    if coords.size == 0:
        return 0.0
    lat1, lon1 = math.radians(latitude), math.radians(longitude)
    lat2, lon2 = np.radians(coords[:, 1]), np.radians(coords[:, 0])
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * 6_371_000.0 * np.arcsin(np.sqrt(a)).max())
