"""The map page and its GeoJSON layers: outlines, zones, and only the reports the viewer may
read, each with its precision halo."""

import pytest
from litestar.testing import TestClient

from geo_support import load_country, write_country
from integration_helpers import token_for
from support import report_fields
from truce.adapters.geo.files import read_zones
from truce.application.demo_case import AGREEMENT_ID
from truce.entrypoints.web.app import create_app


@pytest.fixture
def mapped(services, tmp_path):
    load_country(services.geography, write_country(tmp_path / "cod"))
    return services


def client_for(services, username, *scopes):
    client = TestClient(create_app(services.settings, services), base_url="http://127.0.0.1")
    client.headers["Authorization"] = f"Bearer {token_for(services, username, *scopes)}"
    return client


def test_the_map_page_is_linked_and_says_when_no_boundaries_are_loaded(anonymous):
    page = anonymous.get("/map")
    assert page.status_code == 200
    assert 'href="/map"' in page.text
    assert "No boundaries are loaded yet" in page.text
    assert "/map/layers/outlines/1" in page.text  # without the map library, the layers' links


def test_outlines_are_geojson_with_pcodes_and_both_names(mapped, anonymous):
    response = anonymous.get("/map/layers/outlines/1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    features = response.json()["features"]
    names = {f["properties"]["pcode"]: f["properties"]["name_ar"] for f in features}
    assert names == {"SY12": "درعا", "SY03": "ريف دمشق"}
    assert anonymous.get("/map/layers/outlines/7").status_code == 422


def test_reports_appear_only_as_the_viewer_may_read_them_with_their_precision(mapped, anonymous):
    with (
        client_for(mapped, "gov_liaison") as government,
        client_for(mapped, "opposition_liaison") as opposition,
        client_for(mapped, "guarantor_ru") as russia,
    ):
        government.post("/api/v1/reports", json=report_fields(confidentiality="guarantors"))
        government.post(
            "/api/v1/reports",
            json=report_fields(
                confidentiality="public",
                latitude=None,
                longitude=None,
                place_text="عين الفيجة",
                event_type="air_strike",
            ),
        )
        seen_by_russia = russia.get("/map/layers/reports").json()["features"]
        seen_by_opposition = opposition.get("/map/layers/reports").json()["features"]
        seen_by_anyone = anonymous.get("/map/layers/reports").json()["features"]
        air = russia.get("/map/layers/reports?type=air_strike").json()["features"]
        later = russia.get("/map/layers/reports?since=2017-02-01").json()["features"]
        bad = russia.get("/map/layers/reports?since=yesterday")
        narrow = client_for(mapped, "guarantor_ru", "reports:write")
        with narrow:
            refused = narrow.get("/map/layers/reports")
    assert len(seen_by_russia) == 2
    assert len(seen_by_opposition) == len(seen_by_anyone) == 1
    [public] = seen_by_anyone
    assert public["properties"]["precision"] == "subdistrict"
    assert public["properties"]["pcode"] == "SY030702"
    assert public["properties"]["radius_m"] > 1_000  # a halo, not a false exact point
    assert public["properties"]["exact"] is False
    assert public["properties"]["method"] == "resolved"
    assert public["properties"]["adm1"] == {
        "pcode": "SY03",
        "name_en": "Rural Damascus",
        "name_ar": "ريف دمشق",
    }
    assert public["properties"]["adm3"]["name_en"] == "Ein Elfijeh"
    exact = next(f for f in seen_by_russia if f["properties"]["precision"] == "point")
    assert exact["geometry"]["coordinates"] == [36.1022, 33.6539]
    assert exact["properties"]["exact"] is True
    # Outside the made-up country's outlines: drawn where it is, in no unit.
    assert (exact["properties"]["method"], exact["properties"]["adm1"]) == ("unplaced", None)
    assert [f["properties"]["event_type"] for f in air] == ["air_strike"]
    assert later == []
    assert bad.status_code == 422
    assert "since" in bad.text
    assert refused.status_code == 403


def test_zones_are_served_per_agreement(mapped, anonymous, tmp_path):
    path = tmp_path / "zones.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        '{"id":"spring","kind":"protected_site","name":"Ain al-Fijah"},'
        '"geometry":{"type":"Point","coordinates":[36.2,33.6]}}]}'
    )
    drafts, _ = read_zones(path)
    mapped.geography.load_zones(AGREEMENT_ID, drafts)
    zones = anonymous.get(f"/map/layers/zones?agreement={AGREEMENT_ID}").json()["features"]
    assert [z["properties"]["zone_id"] for z in zones] == ["spring"]
    assert anonymous.get("/map/layers/zones?agreement=other").json()["features"] == []
