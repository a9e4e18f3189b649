"""Placing reports in their units, on both stores: coordinates at the precision their source
gives, place names resolved with the report's own administrative names, nothing placed more
precisely than it is known; placements stored idempotently, read only alongside reports the
reader may read, and never part of a report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from cast import GUARANTOR_RU, OPPOSITION_LIAISON, PUBLIC
from geo_support import geography, load_country, write_country
from support import FixedClock, SequentialIds, report_fields
from truce.application.access_guard import report_scope
from truce.application.compliance import ComplianceService
from truce.application.geography import PLACED_KIND, GeographyService
from truce.application.incidents import IncidentService, placed_names
from truce.application.monitoring import MonitoringService
from truce.application.placement import AfterFilingSteps
from truce.application.ports import UnitOfWorkFactory
from truce.domain.compliance import day_of
from truce.domain.errors import InvalidInputError
from truce.domain.geo.placement import Placeable, PlaceMethod, ReportPlace
from truce.domain.geo.places import Precision
from truce.domain.parties import Member
from truce.domain.reports import parse_file_report

NOW = datetime(2017, 1, 10, 9, 0, tzinfo=UTC)
# Inside the made-up country (tests/geo_support.py): Busra Esh-Sham, in Dar'a.
BUSRA = (32.6, 36.3)


@pytest.fixture
def geo(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> GeographyService:
    return geography(uow_factory, clock)


@pytest.fixture
def country(geo: GeographyService, tmp_path) -> GeographyService:
    load_country(geo, write_country(tmp_path / "cod"))
    return geo


@pytest.fixture
def filing(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, geo: GeographyService
) -> MonitoringService:
    """Filing as the server files: placement, then correlation, in the filing's unit of work."""
    incidents = IncidentService(uow_factory, clock, SequentialIds("incident"))
    steps = AfterFilingSteps((geo.place_filed, incidents.correlate))
    return MonitoringService(uow_factory, clock, SequentialIds("report"), after_filing=steps)


def _file(filing: MonitoringService, member: Member, **fields: object) -> str:
    command = parse_file_report(report_fields(**fields), now=NOW)
    return filing.file_report(command, member).report.id


def _stored(uow_factory: UnitOfWorkFactory, report_id: str) -> ReportPlace | None:
    with uow_factory() as uow:
        return uow.geo.placements([report_id], None).get(report_id)


def _record_kinds(uow_factory: UnitOfWorkFactory) -> list[str]:
    with uow_factory() as uow:
        return [json.loads(e.body)["kind"] for e in uow.record.entries(0, uow.record.size())]


def test_the_store_keeps_placements_and_an_equal_one_changes_nothing(
    uow_factory, filing, cast
) -> None:
    report_id = _file(filing, cast["monitor"])
    place = ReportPlace(report_id, PlaceMethod.POINT, "SY12", "SY1200", "SY120001", 32.6, 36.3,
                        0.0, Precision.POINT)  # fmt: skip
    with uow_factory() as uow:
        assert uow.geo.put_placements([place]) == 1
        assert uow.geo.put_placements([place]) == 0
        uow.commit()
    moved = ReportPlace(report_id, PlaceMethod.UNPLACED, note="outside every loaded unit")
    with uow_factory() as uow:
        assert uow.geo.placements([report_id], None) == {report_id: place}
        assert uow.geo.put_placements([moved]) == 1
        uow.commit()
    assert _stored(uow_factory, report_id) == moved


def test_placements_are_read_only_alongside_reports_the_scope_admits(
    uow_factory, filing, cast
) -> None:
    hidden = _file(filing, cast["gov_liaison"], confidentiality="guarantors")
    public = _file(filing, cast["gov_liaison"], confidentiality="public")
    with uow_factory() as uow:
        uow.geo.put_placements(
            [ReportPlace(i, PlaceMethod.RESOLVED, "SY03", note="t") for i in (hidden, public)]
        )
        uow.commit()
    with uow_factory() as uow:
        to_russia = uow.geo.placements([hidden, public], report_scope(GUARANTOR_RU))
        to_opposition = uow.geo.placements([hidden, public], report_scope(OPPOSITION_LIAISON))
        to_anyone = uow.geo.placements([hidden, public, "no-such-report"], report_scope(PUBLIC))
    assert set(to_russia) == {hidden, public}
    assert set(to_opposition) == set(to_anyone) == {public}


def test_to_place_lists_standing_reports_by_id_without_a_placement(
    uow_factory, filing, cast
) -> None:
    first = _file(filing, cast["monitor"])
    second = _file(filing, cast["monitor"], latitude=None, longitude=None, place_text="Daraa")
    with uow_factory() as uow:
        assert [p.report_id for p in uow.geo.to_place(10, None, placed_too=False)] == [
            first,
            second,
        ]
        uow.geo.put_placements([ReportPlace(first, PlaceMethod.UNPLACED)])
        uow.commit()
    with uow_factory() as uow:
        assert [p.report_id for p in uow.geo.to_place(10, None, placed_too=False)] == [second]
        assert [p.report_id for p in uow.geo.to_place(10, first, placed_too=True)] == [second]
        [item] = uow.geo.to_place(1, first, placed_too=True)
    assert item == Placeable(second, None, None, "Daraa", None, None)


def test_filing_places_a_report_with_coordinates_in_its_three_units(
    uow_factory, filing, country, cast
) -> None:
    report_id = _file(filing, cast["monitor"], latitude=BUSRA[0], longitude=BUSRA[1])
    place = _stored(uow_factory, report_id)
    assert place is not None
    assert (place.method, place.adm1, place.adm2, place.adm3) == (
        PlaceMethod.POINT,
        "SY12",
        "SY1200",
        "SY120001",
    )
    assert (place.precision, place.radius_m, place.exact) == (Precision.POINT, 0.0, True)


def test_a_dataset_coordinate_keeps_its_source_precision_and_no_finer_units(
    uow_factory, filing, country, cast
) -> None:
    near_town = _file(filing, cast["monitor"], latitude=BUSRA[0], longitude=BUSRA[1],
                      place_precision="acled:2", uncertainty_m=15_000)  # fmt: skip
    district = _file(filing, cast["monitor"], latitude=BUSRA[0], longitude=BUSRA[1],
                     place_precision="ucdp:3", uncertainty_m=50_000)  # fmt: skip
    country_wide = _file(filing, cast["monitor"], latitude=BUSRA[0], longitude=BUSRA[1],
                         place_precision="ucdp:6", uncertainty_m=400_000)  # fmt: skip
    town = _stored(uow_factory, near_town)
    assert town is not None
    assert (town.precision, town.radius_m, town.adm3, town.exact) == (
        Precision.TOWN, 15_000.0, "SY120001", False)  # fmt: skip
    only_district = _stored(uow_factory, district)
    assert only_district is not None
    assert (only_district.adm1, only_district.adm2, only_district.adm3) == ("SY12", "SY1200", None)
    assert only_district.precision is Precision.DISTRICT
    nowhere_finer = _stored(uow_factory, country_wide)
    assert nowhere_finer is not None
    assert (nowhere_finer.method, nowhere_finer.adm1) == (PlaceMethod.POINT, None)


def test_a_place_name_resolves_to_its_unit_with_a_radius_never_a_false_point(
    uow_factory, filing, country, cast
) -> None:
    spring = _file(filing, cast["monitor"], latitude=None, longitude=None,
                   place_text="عين الفيجة")  # fmt: skip
    place = _stored(uow_factory, spring)
    assert place is not None
    assert (place.method, place.adm1, place.adm2, place.adm3) == (
        PlaceMethod.RESOLVED, "SY03", "SY0307", "SY030702")  # fmt: skip
    assert place.precision is Precision.SUBDISTRICT
    assert place.radius_m is not None
    assert place.radius_m > 1_000
    assert not place.exact


def test_the_reports_own_administrative_names_narrow_the_place_name(
    uow_factory, filing, country, cast
) -> None:
    # "Dar'a" alone is the governorate; inside the district of Dar'a it is the sub-district.
    named = _file(filing, cast["monitor"], latitude=None, longitude=None,
                  place_text="Dar'a, Dar'a, Daraa")  # fmt: skip
    unknown_town = _file(filing, cast["monitor"], latitude=None, longitude=None,
                         place_text="Kharab al-Shahm, Az-Zabdani, Rural Damascus")  # fmt: skip
    nothing = _file(filing, cast["monitor"], latitude=None, longitude=None,
                    place_text="Atlantis")  # fmt: skip
    place = _stored(uow_factory, named)
    assert place is not None
    assert place.adm3 == "SY120000"
    # A town the gazetteer lacks: the report's own district stands for it.
    fallback = _stored(uow_factory, unknown_town)
    assert fallback is not None
    assert (fallback.adm2, fallback.adm3, fallback.precision) == (
        "SY0307", None, Precision.DISTRICT)  # fmt: skip
    unplaced = _stored(uow_factory, nothing)
    assert unplaced is not None
    assert (unplaced.method, unplaced.adm1, unplaced.latitude) == (PlaceMethod.UNPLACED, None, None)


def test_coordinates_outside_every_unit_are_unplaced_but_keep_their_point(
    uow_factory, filing, country, cast
) -> None:
    at_sea = _file(filing, cast["monitor"], latitude=34.9, longitude=35.5)
    place = _stored(uow_factory, at_sea)
    assert place is not None
    assert (place.method, place.adm1, place.latitude, place.longitude) == (
        PlaceMethod.UNPLACED, None, 34.9, 35.5)  # fmt: skip
    assert "outside" in place.note


def test_place_reports_fills_what_filing_could_not_and_again_changes_nothing(
    uow_factory, clock, filing, geo, cast, tmp_path
) -> None:
    with pytest.raises(InvalidInputError, match="boundaries"):
        geo.place_reports()
    first = _file(filing, cast["monitor"], latitude=BUSRA[0], longitude=BUSRA[1])
    second = _file(filing, cast["monitor"], latitude=None, longitude=None, place_text="Daraa")
    assert _stored(uow_factory, first) is None  # no boundaries when they were filed
    with uow_factory() as uow:
        fingerprint = uow.reports.get(first).fingerprint
    load_country(geo, write_country(tmp_path / "cod"))
    done = geo.place_reports(batch=1)
    assert (done.seen, done.changed) == (2, 2)
    assert done.by_method == {"point": 1, "resolved": 1}
    second_place = _stored(uow_factory, second)
    assert second_place is not None
    assert second_place.adm1 == "SY12"
    size = len(_record_kinds(uow_factory))
    assert _record_kinds(uow_factory)[-1] == PLACED_KIND
    assert geo.place_reports().seen == 0  # nothing left unplaced
    again = geo.place_reports(again=True)
    assert (again.seen, again.changed) == (2, 0)
    assert len(_record_kinds(uow_factory)) == size  # nothing changed: nothing recorded
    with uow_factory() as uow:
        assert uow.reports.get(first).fingerprint == fingerprint  # the report is untouched


def test_the_map_reads_placements_only_for_reports_the_principal_may_read(
    uow_factory, filing, country, cast
) -> None:
    hidden = _file(filing, cast["gov_liaison"], confidentiality="guarantors",
                   latitude=BUSRA[0], longitude=BUSRA[1])  # fmt: skip
    with uow_factory() as uow:
        report = uow.reports.get(hidden)
    assert report is not None
    assert set(country.placements_for(GUARANTOR_RU, [report])) == {hidden}
    assert country.placements_for(OPPOSITION_LIAISON, [report]) == {}
    assert country.placements_for(PUBLIC, [report]) == {}


def test_the_daily_report_counts_a_placed_report_in_its_placements_governorate(
    uow_factory, clock, filing, country, cast
) -> None:
    # The place text names no governorate; the coordinates lie in Dar'a.
    _file(filing, cast["monitor"], confidentiality="public", place_text="Tell al-Hara",
          latitude=BUSRA[0], longitude=BUSRA[1])  # fmt: skip
    # Unplaced (no coordinates, a name the made-up country lacks): the place text decides.
    homs = _file(filing, cast["monitor"], confidentiality="public", latitude=None,
                 longitude=None, place_text="Homs")  # fmt: skip
    unplaced = _stored(uow_factory, homs)
    assert unplaced is not None
    assert unplaced.method is PlaceMethod.UNPLACED
    report = ComplianceService(uow_factory, clock).report(PUBLIC, day_of(date(2017, 1, 2)))
    assert report.figures.by_governorate == {"SY04": 1, "SY12": 1}


def test_correlation_reads_a_named_place_at_the_point_placement_gave_it(
    uow_factory, filing, country, cast
) -> None:
    """The place port on the server: a report that names only a place is correlated at the
    point and radius placement gave the name, so the link an analyst reads says how far
    apart the two accounts were, not just that their names matched."""
    seen = _file(filing, cast["monitor"], latitude=33.1, longitude=36.3,
                 place_text="Ein Elfijeh", narrative="Artillery shelling on the area.")  # fmt: skip
    spring = _file(filing, cast["opposition_liaison"], latitude=None, longitude=None,
                   place_text="عين الفيجة", narrative="قصف مدفعي", narrative_lang="ar",
                   source_kind="party_liaison")  # fmt: skip
    with uow_factory() as uow:
        report = uow.reports.get(spring)
        assert report is not None
        resolve = placed_names(uow, [report])
        incident_id = uow.incidents.of_report(spring)
        assert incident_id == uow.incidents.of_report(seen)
        incident = uow.incidents.get(incident_id)
    at_spring = resolve("عين الفيجة")
    assert at_spring is not None
    assert (round(at_spring.latitude, 1), round(at_spring.longitude, 1)) == (33.1, 36.3)
    assert at_spring.radius_m > 1_000
    assert resolve("Atlantis") is None
    assert incident is not None
    [link] = [link for link in incident.links if link.report_id == spring]
    assert link.components is not None
    assert link.components["distance_km"] is not None
    assert link.components["distance_km"] < 1.0


def test_without_boundaries_named_places_stay_unknown(uow_factory, filing, cast) -> None:
    named = _file(filing, cast["monitor"], latitude=None, longitude=None,
                  place_text="عين الفيجة")  # fmt: skip
    with uow_factory() as uow:
        report = uow.reports.get(named)
        assert report is not None
        assert placed_names(uow, [report])("عين الفيجة") is None
