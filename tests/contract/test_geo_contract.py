"""The geography on both stores: loading is idempotent and records each change, bad features
are quarantined, points reverse to their units, zones are versioned with the agreement."""

import json
from dataclasses import replace

import pytest

from geo_support import geography, load_country, square, write_country
from truce.adapters.geo.files import read_boundaries, read_zones
from truce.application.geography import PlaceRow
from truce.domain.errors import InvalidInputError
from truce.domain.geo.places import AdminUnit, Alias, Place, Quarantined
from truce.domain.geo.resolve import ResolveContext
from truce.domain.geo.zones import Zone, ZoneKind

AGREEMENT_ID = "syria-ceasefire-2016"


@pytest.fixture
def country(tmp_path):
    return write_country(tmp_path / "cod")


@pytest.fixture
def geo(uow_factory, clock, country):
    service = geography(uow_factory, clock)
    load_country(service, country)
    return service


def record_kinds(uow_factory):
    with uow_factory() as uow:
        return [json.loads(e.body)["kind"] for e in uow.record.entries(0, uow.record.size())]


def test_the_store_keeps_units_places_aliases_and_equal_puts_change_nothing(uow_factory, clock):
    unit = AdminUnit(
        "SY12", 1, "Dar'a", "درعا", "SY", 32.7, 36.2, 50_000.0, b"\x01\x02", "t", ("Daraa",)
    )
    place = Place("geonames:1", "Busra", ("بصرى",), 32.5, 36.5, 20_000, "t", "SY120001")
    with uow_factory() as uow:
        assert uow.geo.put_unit(unit)
        assert not uow.geo.put_unit(unit)
        assert uow.geo.put_unit(replace(unit, name_en="Daraa"))
        assert uow.geo.put_place(place)
        assert not uow.geo.put_place(place)
        assert uow.geo.add_alias(Alias("Deraa", "SY12", "seed"))
        assert not uow.geo.add_alias(Alias("Deraa", "SY12", "user"))
        assert uow.geo.quarantine(Quarantined("f", "f#1", "no PCODE"), clock.now())
        assert not uow.geo.quarantine(Quarantined("f", "f#1", "no PCODE"), clock.now())
        uow.commit()
    with uow_factory() as uow:
        assert uow.geo.unit("SY12") == replace(unit, name_en="Daraa")
        assert uow.geo.units(level=2) == []
        assert uow.geo.place("geonames:1") == place
        assert uow.geo.aliases() == [Alias("Deraa", "SY12", "seed")]
        assert uow.geo.quarantined() == [Quarantined("f", "f#1", "no PCODE")]


def test_the_store_keeps_every_zone_revision_and_lists_the_latest(uow_factory, clock):
    def zone(revision, name):
        return Zone(
            AGREEMENT_ID,
            "spring",
            revision,
            ZoneKind.PROTECTED_SITE,
            name,
            "",
            '{"type":"Point","coordinates":[36.2,33.6]}',
            1,
            clock.now(),
        )

    with uow_factory() as uow:
        uow.geo.add_zone(zone(1, "Spring"))
        uow.geo.add_zone(zone(2, "Ain al-Fijah spring"))
        uow.commit()
    with uow_factory() as uow:
        assert [z.name for z in uow.geo.zones(AGREEMENT_ID)] == ["Ain al-Fijah spring"]
        assert [z.revision for z in uow.geo.zone_history(AGREEMENT_ID, "spring")] == [1, 2]
        assert uow.geo.zones("another") == []


def test_loading_the_same_files_again_changes_nothing_not_even_the_record(
    uow_factory, clock, country
):
    service = geography(uow_factory, clock)
    load_country(service, country)
    kinds = record_kinds(uow_factory)
    assert kinds == ["geo.boundaries.loaded"] * 3
    again = service.load_boundaries(
        read_boundaries(country / "syr_admin3.geojson"), "syr_admin3.geojson"
    )
    assert (again.added, again.changed, again.unchanged) == (0, 0, 4)
    assert record_kinds(uow_factory) == kinds


def test_bad_features_are_quarantined_with_reasons_and_the_rest_loads(uow_factory, clock, tmp_path):
    good = {"PCODE": "SY14", "NAME_EN": "Quneitra", "NAME_AR": "القنيطرة", "ADM0_PCODE": "SY"}
    features = [
        {"type": "Feature", "properties": good, "geometry": square(35.8, 33.0, 0.2)},
        {"type": "Feature", "properties": {"NAME_EN": "nameless"}, "geometry": square(0, 0, 1)},
        {"type": "Feature", "properties": {**good, "PCODE": "SY15"}, "geometry": None},
        {
            "type": "Feature",
            "properties": {**good, "PCODE": "SY16"},
            "geometry": {"type": "Point", "coordinates": [36, 33]},
        },
        {
            "type": "Feature",
            "properties": {**good, "PCODE": "SY17"},
            "geometry": square(3000, 3000, 1),
        },
    ]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    service = geography(uow_factory, clock)
    summary = service.load_boundaries(read_boundaries(path), path.name)
    assert (summary.added, summary.quarantined) == (1, 4)
    reasons = {q.reference.split(" ")[0]: q.reason for q in service.quarantined()}
    assert reasons == {
        "bad.geojson#1": "no PCODE",
        "bad.geojson#2": "no geometry",
        "bad.geojson#3": "a Point is not an area",
        "bad.geojson#4": "coordinates are not longitude/latitude degrees (WGS84)",
    }
    again = service.load_boundaries(read_boundaries(path), path.name)
    assert (again.added, again.unchanged, again.quarantined) == (0, 1, 0)


def test_a_point_reverses_to_its_governorate_district_and_sub_district(geo):
    inside, outside, near = (33.1, 36.3), (20.0, 20.0), (33.1, 36.41)
    path, nowhere, nearby = geo.reverse([inside, outside, near])
    assert (path.adm1.pcode, path.adm2.pcode, path.adm3.pcode) == ("SY03", "SY0307", "SY030702")
    assert path.adm3.name_ar == "عين الفيجة"
    assert not path.nearest
    assert nowhere is None
    assert nearby.adm3.pcode == "SY030702"
    assert nearby.nearest


def test_towns_are_placed_in_their_sub_district_and_resolve(geo, uow_factory):
    rows = [
        PlaceRow(
            "geonames:9",
            "‘Ayn al Fījah",
            33.1,
            36.3,
            4_000,
            ("عين الفيجة", "Ain el Fije", "艾因", "ab"),
        ),
        PlaceRow("geonames:10", "Somewhere", 10.0, 10.0, 0, ()),
    ]
    summary = geo.load_places(rows, "towns.csv")
    assert (summary.added, summary.quarantined) == (1, 1)
    town = next(c for c in geo.resolve("Ain el Fije") if c.target.level is None)
    assert town.target.adm3 == "SY030702"
    with uow_factory() as uow:
        assert uow.geo.place("geonames:9").names == ("Ain el Fije", "عين الفيجة")


def test_aliases_users_add_are_recorded_and_resolve(geo, uow_factory):
    assert geo.resolve("Barada Spring") == [] or geo.resolve("Barada Spring")[0].tier == "fuzzy"
    assert geo.add_alias("Barada Spring", "SY030702")
    assert not geo.add_alias("Barada Spring", "SY030702")
    assert geo.resolve("Barada Spring")[0].target.key == "SY030702"
    assert record_kinds(uow_factory)[-1] == "geo.alias.added"
    with pytest.raises(InvalidInputError):
        geo.add_alias("Nowhere", "SY999999")


def test_context_by_name_narrows_resolution(geo):
    within = geo.context_within("Rural Damascus")
    assert within == "SY03"
    found = geo.resolve("Ein Elfijeh", ResolveContext(within=within))
    assert found[0].target.key == "SY030702"
    assert geo.resolve("Ein Elfijeh", ResolveContext(within="SY12")) == []


def zones_file(tmp_path, features):
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


SPRING = {
    "type": "Feature",
    "geometry": square(36.25, 33.05, 0.1),
    "properties": {
        "id": "ain-al-fijah",
        "kind": "protected_site",
        "name": "Ain al-Fijah spring",
        "name_ar": "نبع عين الفيجة",
    },
}
FRONT = {
    "type": "Feature",
    "geometry": {"type": "LineString", "coordinates": [[36.0, 32.8], [36.4, 32.8]]},
    "properties": {"id": "front", "kind": "line_of_contact", "name": "Dar'a front"},
}


def test_zones_are_versioned_with_the_agreement_and_each_change_is_recorded(
    geo, registry, cast, uow_factory, tmp_path
):
    drafts, problems = read_zones(zones_file(tmp_path, [SPRING, FRONT, {"type": "Feature"}]))
    assert [p.reason for p in problems] == ["no geometry"]
    first = geo.load_zones(AGREEMENT_ID, drafts, problems)
    assert (first.added, first.quarantined) == (2, 1)
    assert geo.load_zones(AGREEMENT_ID, drafts).changes == 0
    moved = {**SPRING, "geometry": square(36.26, 33.05, 0.1)}
    drafts, _ = read_zones(zones_file(tmp_path, [moved]))
    second = geo.load_zones(AGREEMENT_ID, drafts)
    assert (second.added, second.changed, second.unchanged) == (0, 2, 0)
    assert [z.zone_id for z in geo.zones(AGREEMENT_ID)] == ["ain-al-fijah"]
    history = geo.zone_history(AGREEMENT_ID, "front")
    assert [(z.revision, z.withdrawn) for z in history] == [(1, False), (2, True)]
    assert record_kinds(uow_factory).count("geo.zone.revised") == 4


def test_a_point_knows_which_zones_it_falls_in(geo, registry, cast, tmp_path):
    drafts, _ = read_zones(zones_file(tmp_path, [SPRING, FRONT]))
    geo.load_zones(AGREEMENT_ID, drafts)
    assert [z.zone_id for z in geo.zones_at(AGREEMENT_ID, 33.1, 36.3)] == ["ain-al-fijah"]
    assert geo.zones_at(AGREEMENT_ID, 33.3, 36.1) == []
    near_front = geo.zones_at(AGREEMENT_ID, 32.805, 36.2)
    assert [z.zone_id for z in near_front] == ["front"]
    # A report known to within 10 km touches the spring from outside it.
    assert [z.zone_id for z in geo.zones_at(AGREEMENT_ID, 33.1, 36.15, 10_000)] == ["ain-al-fijah"]


def test_zones_need_a_known_agreement(geo, tmp_path):
    drafts, _ = read_zones(zones_file(tmp_path, [SPRING]))
    with pytest.raises(InvalidInputError):
        geo.load_zones("no-such-agreement", drafts)


def test_a_place_a_user_adds_is_recorded_placed_and_resolves(geo, uow_factory):
    place = geo.add_place("Basimah", 33.12, 36.31, ["بسيمة"])
    assert place.unit_pcode == "SY030702"
    assert record_kinds(uow_factory)[-1] == "geo.place.added"
    [found] = [c for c in geo.resolve("بسيمة") if c.target.level is None]
    assert found.target.key == place.id
    assert found.target.adm1 == "SY03"
    with pytest.raises(InvalidInputError):
        geo.add_place("Paris", 48.85, 2.35)
