"""Measured on the real data in ../shared/data (skipped with a message when it is absent):
OCHA sub-district names resolve to their own P-codes, UCDP coordinates reverse to the
governorate UCDP states, ACLED names resolve. Run with -s to see the figures."""

# ruff: noqa: T201 - the figures are the point; pytest shows them with -s, and on failure
from __future__ import annotations

import csv
from collections import Counter

import pytest

from geo_support import BOUNDARIES, EVENTS, GAZETTEER, geography, need_shared_data
from truce.adapters.geo.files import boundary_files, read_boundaries, read_gazetteer
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.geography import GeographyService, PlaceRow
from truce.domain.geo.resolve import ResolveContext


@pytest.fixture(scope="module")
def real() -> GeographyService:
    need_shared_data()
    service = geography(MemoryUnitOfWorkFactory())
    for layer in boundary_files(BOUNDARIES / "shapefile"):
        service.load_boundaries(read_boundaries(layer), layer.name)
    rows = [r for r in read_gazetteer(GAZETTEER) if isinstance(r, PlaceRow)]
    service.load_places(rows, GAZETTEER.name)
    return service


def test_every_sub_district_name_resolves_to_its_own_pcode(real):
    subdistricts = real.units(3)
    assert len(subdistricts) == 272
    asked = hits = hits_within = 0
    misses = []
    for unit in subdistricts:
        for name in (unit.name_en, unit.name_ar):
            asked += 1
            top = real.resolve(name, ResolveContext(level=3))
            hits += bool(top) and top[0].target.key == unit.pcode
            if not top or top[0].target.key != unit.pcode:
                misses.append((name, unit.pcode, [c.target.key for c in top[:3]]))
            governorate = unit.pcode[:4]
            within = real.resolve(name, ResolveContext(within=governorate, level=3))
            hits_within += bool(within) and within[0].target.key == unit.pcode
    rate, rate_within = hits / asked, hits_within / asked
    print(
        f"\nADM3 names -> own P-code, top-1: {rate:.2%} ({hits}/{asked}); "
        f"within their governorate: {rate_within:.2%}; misses: {misses}"
    )
    assert rate >= 0.98
    assert rate_within >= 0.99


def _ucdp_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(EVENTS.glob("ucdp_ged_*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def test_ucdp_coordinates_reverse_to_the_governorate_ucdp_states(real):
    rows = [r for r in _ucdp_rows() if r["latitude"] and r["longitude"] and r["adm_1"]]
    if not rows:
        pytest.skip(f"no UCDP events in {EVENTS}")
    paths = real.reverse([(float(r["latitude"]), float(r["longitude"])) for r in rows])
    governorates: dict[str, str | None] = {}
    agree = 0
    disagreements: Counter[tuple[str, str]] = Counter()
    unknown = Counter()
    for row, path in zip(rows, paths, strict=True):
        # UCDP writes "Daraa Governorate": the name goes through our own resolver.
        stated = row["adm_1"].removesuffix(" Governorate").strip()
        expected = governorates.setdefault(stated, _governorate(real, stated))
        if expected is None:
            unknown[stated] += 1
            continue
        found = path.adm1.pcode if path is not None and path.adm1 is not None else "none"
        if found == expected:
            agree += 1
        else:
            disagreements[(stated, found)] += 1
    compared = len(rows) - sum(unknown.values())
    rate = agree / compared
    print(
        f"\nUCDP events with coordinates and adm_1: {len(rows)}; compared {compared}; "
        f"agree {agree} ({rate:.2%}); unknown adm_1 names: {dict(unknown)}"
    )
    print("disagreements (UCDP adm_1, OCHA governorate found): count")
    for (stated, found), count in disagreements.most_common():
        print(f"  {stated} -> {found}: {count}")
    assert rate >= 0.97


def _governorate(real: GeographyService, name: str) -> str | None:
    top = real.resolve(name, ResolveContext(level=1))
    return top[0].target.key if top else None


def test_acled_names_resolve(real):
    path = EVENTS / "acled_syria_battles_2017-01.csv"
    if not path.is_file():
        pytest.skip(f"no ACLED events at {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rates = {}
    for column in ("admin1", "admin2", "admin3", "location"):
        names = Counter(r[column] for r in rows if r[column])
        resolved = sum(n for name, n in names.items() if real.resolve(name))
        distinct = sum(1 for name in names if real.resolve(name))
        rates[column] = (resolved / sum(names.values()), distinct, len(names))
    admin1 = Counter(r["admin1"] for r in rows)
    right = sum(
        n
        for name, n in admin1.items()
        if (top := real.resolve(name, ResolveContext(level=1))) and top[0].target.level == 1
    )
    print(f"\nACLED {path.name}: {len(rows)} events")
    for column, (rate, distinct, total) in rates.items():
        print(f"  {column}: {rate:.2%} of events resolve ({distinct}/{total} distinct names)")
    unresolved = sorted(
        {r["location"] for r in rows if r["location"]}
        - {r["location"] for r in rows if r["location"] and real.resolve(r["location"])}
    )
    locations = Counter(r["location"] for r in rows if r["location"])
    firm = sum(
        n for name, n in locations.items() if (top := real.resolve(name)) and top[0].tier != "fuzzy"
    )
    print(f"  location, without fuzzy matches: {firm / sum(locations.values()):.2%} of events")
    print(f"  admin1 as a governorate: {right / len(rows):.2%}")
    print(f"  unresolved locations: {unresolved[:40]}")
    assert rates["admin1"][0] == 1.0
