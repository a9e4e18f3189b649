"""Issue 6 done: the real event files imported through the real importer, every event with
coordinates placed in its ADM1-ADM3 units (at the precision its source gives), and the map's
report layer serving them to a public viewer with their radius and units. Skipped with a
message when ../shared/data is absent; run with -s for the figures."""

# ruff: noqa: T201 - the figures are the point; pytest shows them with -s, and on failure
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from litestar.testing import TestClient

from geo_support import BOUNDARIES, EVENTS, need_shared_data
from support import FixedClock, SequentialIds
from truce.adapters.geo.files import boundary_files, read_boundaries
from truce.adapters.importers import open_source
from truce.application.intake import IntakeService
from truce.application.monitoring import MonitoringService
from truce.bootstrap import Services
from truce.domain.geo.placement import PlaceMethod, ReportPlace
from truce.domain.intake import ImportKind
from truce.entrypoints.web.app import create_app

FILES = (
    (ImportKind.UCDP, "ucdp_ged_syria_2017-02_2017-06.csv"),
    (ImportKind.ACLED, "acled_syria_battles_2017-01.csv"),
)


def _import(services: Services) -> dict[str, int]:
    """Through IntakeService, filing as the server files: placement runs in each batch."""
    # Later than every event: intake quarantines events "in the future".
    clock = FixedClock(datetime(2024, 1, 1, tzinfo=UTC))
    monitoring = MonitoringService(
        services.monitoring.uow,
        clock,
        SequentialIds("event"),
        after_filing=services.geography.place_filed,
    )
    intake = IntakeService(monitoring.uow, clock, SequentialIds("import"), monitoring)
    imported = {}
    for kind, name in FILES:
        counts = intake.import_file(open_source(kind, EVENTS / name)).counts
        assert counts.imported + counts.quarantined == counts.read
        imported[name] = counts.imported
    return imported


def _placements(services: Services) -> tuple[list[tuple[str, bool]], dict[str, ReportPlace]]:
    with services.monitoring.uow() as uow:
        items = uow.geo.to_place(1_000_000, None, placed_too=True)
        placed = uow.geo.placements([i.report_id for i in items], None)
    return [(i.report_id, i.has_point) for i in items], placed


def test_real_events_are_placed_in_their_units_and_drawn_with_their_radius(
    services: Services,
) -> None:
    need_shared_data()
    for path in (EVENTS / name for _kind, name in FILES):
        if not path.is_file():
            pytest.skip(f"real event file absent: {path}")
    for layer in boundary_files(BOUNDARIES / "shapefile"):
        services.geography.load_boundaries(read_boundaries(layer), layer.name)
    imported = _import(services)
    assert services.geography.place_reports().seen == 0  # the import placed every one

    reports, placed = _placements(services)
    with_point = [rid for rid, has_point in reports if has_point]
    assert len(placed) == len(reports) == sum(imported.values())
    methods = Counter(placed[rid].method for rid in with_point)
    depth = Counter(
        sum(p is not None for p in (placed[r].adm1, placed[r].adm2, placed[r].adm3))
        for r in with_point
    )
    precisions = Counter(str(placed[r].precision) for r in with_point)
    outside = [placed[r] for r in with_point if placed[r].method is PlaceMethod.UNPLACED]
    nearest = [
        (r, placed[r].latitude, placed[r].longitude, placed[r].adm3 or placed[r].adm2)
        for r in with_point
        if placed[r].nearest
    ]
    print(
        f"\nimported {imported}; {len(with_point)} of {len(reports)} reports have coordinates; "
        f"placed by method {dict(methods)}; units known to level {dict(sorted(depth.items()))} "
        f"(3 = ADM1-ADM3); precisions {dict(precisions)}; just outside every outline, "
        f"given the nearest unit: {nearest}; outside every unit: "
        f"{[(p.report_id, p.latitude, p.longitude) for p in outside]}"
    )
    assert len(with_point) == len(reports)  # both datasets give every event coordinates
    assert not outside, "events outside every unit are listed above"
    # Every event is placed to the depth its precision allows: sub-district unless its
    # source says the coordinates stand for a district, a governorate or the country.
    for rid in with_point:
        place = placed[rid]
        allowed = {"district": 2, "governorate": 1, "country": 0}.get(str(place.precision), 3)
        units = (place.adm1, place.adm2, place.adm3)
        assert all(units[:allowed]), place
        assert not any(units[allowed:]), place
    assert depth[3] >= 0.9 * len(with_point)

    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as web:
        layer = web.get("/map/layers/reports?since=2017-01-01&until=2017-01-31").json()
    features = layer["features"]
    with services.monitoring.uow() as uow:
        january = sum(
            1
            for report in uow.reports.page(1_000_000)
            if report.content.occurred_from.date().isoformat()[:7] == "2017-01"
        )
    print(f"map layer for a public viewer, January 2017: {len(features)} of {january} reports")
    assert not layer["truncated"]
    assert len(features) == january
    for feature in features:
        properties = feature["properties"]
        assert properties["radius_m"] > 0  # every dataset coordinate has its radius
        assert properties["exact"] is (properties["precision"] == "point")
        assert properties["precision"] == "country" or properties["adm1"]["name_en"]
