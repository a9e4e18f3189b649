"""A person opens the map in Chromium: outlines, a zone, and a report known only to its
sub-district drawn as a halo, with no script error and no request beyond this server."""

import pytest

from geo_support import geography, load_country, write_country
from support import ARTIFACTS, FixedClock, SequentialIds, report_fields
from truce.adapters.geo.files import read_zones
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.demo_case import AGREEMENT_ID
from truce.application.monitoring import MonitoringService
from truce.application.registry import RegistryService
from truce.domain.reports import parse_file_report

pytestmark = pytest.mark.browser


def seed_map(engine, tmp_path):
    uow = SqlUnitOfWorkFactory(engine)
    service = geography(uow)
    load_country(service, write_country(tmp_path / "cod"))
    zones = tmp_path / "zones.geojson"
    zones.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"id":"spring","kind":"protected_site","name":"Ain al-Fijah"},'
        '"geometry":{"type":"Point","coordinates":[36.3,33.1]}}]}'
    )
    service.load_zones(AGREEMENT_ID, read_zones(zones)[0])
    members = {m.username: m for m in RegistryService(uow, FixedClock()).directory().members}
    monitoring = MonitoringService(uow, FixedClock(), SequentialIds("map"))
    fields = report_fields(
        confidentiality="public", latitude=None, longitude=None, place_text="عين الفيجة"
    )
    command = parse_file_report(fields, now=FixedClock().now())
    monitoring.file_report(command, submitter=members["monitor"])


def test_the_map_draws_outlines_zones_and_a_report_with_its_precision(
    browser_page, clean_engine, tmp_path
):
    page, base, errors = browser_page
    seed_map(clean_engine, tmp_path)
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
    page.goto(base + "/map")
    page.wait_for_selector("#map-status:has-text('reports')")
    assert "1 reports with a known place; 1 zones." in page.inner_text("#map-status")
    # Two governorate outlines, one halo and its centre, one zone marker: SVG paths.
    assert page.locator("#map path.leaflet-interactive").count() >= 5
    # The report's centre, drawn last: its popup names its units and its precision.
    page.locator("#map path.leaflet-interactive").last.click(force=True)
    popup = page.wait_for_selector(".leaflet-popup-content").inner_text()
    assert "Ein Elfijeh" in popup
    assert "Rural Damascus" in popup
    assert "precision: subdistrict" in popup
    page.screenshot(path=str(ARTIFACTS / "map.png"))
    assert errors == []
    assert outside == []


def test_a_zones_popup_names_its_kind_in_the_readers_language(browser_page, clean_engine, tmp_path):
    page, base, errors = browser_page
    seed_map(clean_engine, tmp_path)
    page.goto(base + "/map?lang=ru")
    page.wait_for_selector("#map-status:has-text('зон')")
    # The protected site's marker, drawn in that kind's colour (map.js ZONE_COLOURS), under the
    # report's halo: the click is given to the marker itself.
    page.locator('#map path[stroke="#2ca02c"]').first.dispatch_event("click")
    popup = page.wait_for_selector(".leaflet-popup-content").inner_text()
    assert "Ain al-Fijah" in popup
    assert "охраняемый объект" in popup
    assert "protected" not in popup
    assert errors == []
