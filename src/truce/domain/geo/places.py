"""Administrative units, populated places, aliases, and how precisely a place is known."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

# Syria and its margins: a coordinate outside is a typo or a swapped latitude/longitude.
SYRIA_BOUNDS = (32.0, 35.3, 37.6, 42.6)  # south, west, north, east (degrees)
EARTH_RADIUS_M = 6_371_000.0


class Precision(StrEnum):
    """How precisely a place is known, finest first. A report known only to a district is a
    district: drawn as its area (or its centroid with a radius), never as an exact point."""

    POINT = "point"
    NEIGHBOURHOOD = "neighbourhood"
    TOWN = "town"
    SUBDISTRICT = "subdistrict"
    DISTRICT = "district"
    GOVERNORATE = "governorate"
    COUNTRY = "country"


LEVEL_PRECISION = {
    0: Precision.COUNTRY,
    1: Precision.GOVERNORATE,
    2: Precision.DISTRICT,
    3: Precision.SUBDISTRICT,
    4: Precision.NEIGHBOURHOOD,
}
LEVEL_NAMES = {0: "country", 1: "governorate", 2: "district", 3: "sub-district", 4: "neighbourhood"}


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is and how well: a centre and a radius in metres that the place lies
    within (0 for an exact point)."""

    latitude: float
    longitude: float
    radius_m: float
    precision: Precision
    pcode: str | None = None


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """An administrative unit of the OCHA common operational dataset (level 0 country .. 3
    sub-district; 4 for city neighbourhoods). `geometry` is WKB, opaque to the domain."""

    pcode: str
    level: int
    name_en: str
    name_ar: str
    parent_pcode: str | None
    centroid_lat: float
    centroid_lon: float
    radius_m: float
    geometry: bytes
    source: str
    names_en: tuple[str, ...] = ()  # other English names the dataset gives (NAM_EN_REF)

    @property
    def location(self) -> Location:
        return Location(
            self.centroid_lat,
            self.centroid_lon,
            self.radius_m,
            LEVEL_PRECISION[self.level],
            self.pcode,
        )


@dataclass(frozen=True, slots=True)
class Place:
    """A populated place (GeoNames) or one a user added: a point with a radius."""

    id: str
    name: str
    names: tuple[str, ...]
    latitude: float
    longitude: float
    population: int
    source: str
    unit_pcode: str | None = None  # the finest unit it lies in, found by reverse geocoding

    @property
    def location(self) -> Location:
        return Location(
            self.latitude, self.longitude, town_radius_m(self.population), Precision.TOWN
        )


@dataclass(frozen=True, slots=True)
class Alias:
    """Another spelling of a unit or place (`target` is a P-code or a place id)."""

    text: str
    target: str
    source: str


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A feature or row that could not be loaded, kept with the reason instead of crashing."""

    source: str
    reference: str
    reason: str


def town_radius_m(population: int) -> float:
    """A town named without coordinates lies somewhere in its built-up area: the radius of
    a disc of about 5,000 people per km², at least 1 km."""
    area_km2 = max(population, 0) / 5_000
    return max(1_000.0, math.sqrt(area_km2 / math.pi) * 1_000)


def in_syria(latitude: float, longitude: float) -> bool:
    south, west, north, east = SYRIA_BOUNDS
    return south <= latitude <= north and west <= longitude <= east


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


# --- reading OCHA COD attributes ---------------------------------------------------------

_LEVEL_PARENT = {1: "ADM0_PCODE", 2: "ADM1_PCODE", 3: "ADM2_PCODE", 4: "ADM3_PCODE"}


def cod_level(attributes: Mapping[str, object]) -> int | None:
    """The administrative level a COD feature belongs to, read from the parents it names."""
    pcode = _text(attributes, "PCODE")
    if "ADM4_PCODE" in attributes or pcode.startswith("N"):
        return 4
    for level in (3, 2, 1):
        if _LEVEL_PARENT[level] in attributes:
            return level
    return 0 if pcode else None


def cod_fields(attributes: Mapping[str, object]) -> tuple[int, str, str, str, str | None]:
    """(level, pcode, English name, Arabic name, parent pcode) of a COD feature; ValueError
    naming what is missing."""
    level = cod_level(attributes)
    if level is None:
        raise ValueError("no PCODE")
    pcode, name_en, name_ar = (_text(attributes, k) for k in ("PCODE", "NAME_EN", "NAME_AR"))
    missing = [k for k, v in (("PCODE", pcode), ("NAME_EN", name_en)) if not v]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    parent = _text(attributes, _LEVEL_PARENT[level]) if level else ""
    if level and not parent:
        raise ValueError(f"missing {_LEVEL_PARENT[level]}")
    return level, pcode, name_en, name_ar, parent or None


def _text(attributes: Mapping[str, object], key: str) -> str:
    value = attributes.get(key)
    return value.strip() if isinstance(value, str) else ""
