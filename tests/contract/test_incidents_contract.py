"""Incidents on both stores: the Wadi Barada shelling told four ways becomes one incident
with its claims side by side; a report only its submitter may read leaves no trace on the
incident for anyone else; analysts merge and split, on the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cast import ANALYST, GOV_LIAISON, MONITOR, OPPOSITION_LIAISON
from support import FixedClock, SequentialIds, report_fields
from truce.application.incidents import IncidentService
from truce.application.monitoring import MonitoringService
from truce.application.ports import UnitOfWorkFactory
from truce.domain.errors import InvalidInputError, NotFoundError
from truce.domain.incidents import Band, ClaimField, Incident, IncidentStatus, Link
from truce.domain.parties import Member
from truce.domain.reports import parse_file_report

NOW = datetime(2017, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def incidents(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> IncidentService:
    return IncidentService(uow_factory, clock, SequentialIds("incident"))


@pytest.fixture
def filing(
    uow_factory: UnitOfWorkFactory, clock: FixedClock, incidents: IncidentService
) -> MonitoringService:
    return MonitoringService(
        uow_factory, clock, SequentialIds("report"), after_filing=incidents.correlate
    )


def _file(filing: MonitoringService, member: Member, **fields: object) -> str:
    command = parse_file_report(report_fields(**fields), now=NOW)
    return filing.file_report(command, member).report.id


def _wadi_barada(filing: MonitoringService, cast: dict[str, Member]) -> list[str]:
    return [
        _file(filing, cast["monitor"], place_text="Ain al-Fijah, Wadi Barada",
              perpetrator="Syrian army", narrative="Artillery impacts at Ain al-Fijah spring."),
        _file(filing, cast["gov_liaison"], source_kind="party_liaison",
              source_name="Government liaison", latitude=None, longitude=None,
              place_text="Basimah, Wadi Barada", perpetrator="Jabhat al-Nusra",
              target="Syrian army", reliability="C", credibility=3,
              narrative="Terrorists fired on army positions near Ain al-Fijah from Basimah."),
        _file(filing, cast["opposition_liaison"], source_kind="party_liaison",
              source_name="Opposition liaison", latitude=None, longitude=None,
              place_text="Ain al-Fijah", perpetrator="regime forces", killed=3,
              narrative="Regime artillery shelled Ain al-Fijah; three civilians killed."),
        _file(filing, cast["monitor"], source_kind="news", source_name="Enab Baladi",
              latitude=None, longitude=None, place_text="عين الفيجة",
              narrative="قصف مدفعي على عين الفيجة في وادي بردى", narrative_lang="ar",
              confidentiality="public"),
    ]  # fmt: skip


def test_four_accounts_of_one_shelling_are_one_incident(
    filing: MonitoringService, incidents: IncidentService, cast: dict[str, Member]
) -> None:
    ids = _wadi_barada(filing, cast)
    view = incidents.list_incidents(ANALYST)
    assert len(view) == 1
    assert set(view[0].incident.report_ids) == set(ids)
    perpetrators = next(r for r in view[0].claims if r.field == ClaimField.PERPETRATOR)
    assert perpetrators.disputed
    assert view[0].corroboration.band == Band.OBSERVED_BY_MONITORS
    attached = [link for link in view[0].links if link.components is not None]
    assert len(attached) == 3
    assert all(link.components and link.components["score"] for link in attached)


def test_a_second_shelling_elsewhere_stays_apart(
    filing: MonitoringService, incidents: IncidentService, cast: dict[str, Member]
) -> None:
    _file(filing, cast["monitor"])
    _file(filing, cast["monitor"], place_text="Douma", latitude=33.5711, longitude=36.4036,
          narrative="Shelling on Douma market.")  # fmt: skip
    assert len(incidents.list_incidents(ANALYST)) == 2


def test_a_submitter_only_report_leaves_no_trace_for_others(
    filing: MonitoringService, incidents: IncidentService, cast: dict[str, Member]
) -> None:
    ids = _wadi_barada(filing, cast)
    secret = _file(filing, cast["guarantor_ru"], source_kind="guarantor_centre",
                   source_name="Reconciliation centre", confidentiality="submitter",
                   occurred_from="2017-01-02T06:15:00+02:00",
                   narrative="Our own unit near Ain al-Fijah.")  # fmt: skip
    incident_id = incidents.list_incidents(ANALYST)[0].incident.id
    with filing.uow() as uow:
        stored = uow.incidents.get(incident_id)
    assert stored is not None
    assert secret in stored.report_ids
    seen = incidents.get_incident(ANALYST, incident_id)
    assert secret not in {r.id for r in seen.reports}
    assert secret not in {link.report_id for link in seen.links}
    assert secret not in {link.matched_report_id for link in seen.links}
    assert all(c.report_id != secret for row in seen.claims for c in row.claims)
    assert seen.corroboration.reports == len(ids)
    # Parties read no incident at all: incidents are the mechanism's material.
    for party in (GOV_LIAISON, OPPOSITION_LIAISON):
        with pytest.raises(NotFoundError):
            incidents.get_incident(party, incident_id)


def test_missing_and_forbidden_incidents_answer_alike(incidents: IncidentService) -> None:
    with pytest.raises(NotFoundError) as missing:
        incidents.get_incident(MONITOR, "no-such-incident")
    assert str(missing.value) == "incident not found"


def test_analysts_merge_and_split_on_the_record(
    filing: MonitoringService, incidents: IncidentService, cast: dict[str, Member]
) -> None:
    first = _file(filing, cast["monitor"])
    second = _file(filing, cast["monitor"], place_text="Douma", latitude=33.5711,
                   longitude=36.4036, narrative="Shelling on Douma market.")  # fmt: skip
    listed = incidents.list_incidents(ANALYST)
    a, b = (v.incident.id for v in listed)
    merged = incidents.merge(cast["analyst"], a, b, reason="one shelling")
    assert set(merged.report_ids) == {first, second}
    assert incidents.get_incident(ANALYST, b).incident.status == IncidentStatus.MERGED
    left, right = incidents.split(cast["analyst"], a, [first], reason="two places")
    assert left.report_ids == (first,)
    assert right.report_ids == (second,)
    assert incidents.get_incident(ANALYST, a).incident.status == IncidentStatus.SPLIT
    with pytest.raises(InvalidInputError):
        incidents.split(cast["analyst"], left.id, [first], reason="again")
    with filing.uow() as uow:
        kinds = [uow.record.entry(s).kind for s in range(uow.record.size())]  # type: ignore[union-attr]
    assert "incident.merged" in kinds
    assert "incident.split" in kinds
    assert "incident.opened" in kinds
    with pytest.raises(NotFoundError):
        incidents.merge(cast["gov_liaison"], left.id, right.id, reason="mine")


def test_the_store_finds_candidates_by_window(
    uow_factory: UnitOfWorkFactory, cast: dict[str, Member], filing: MonitoringService
) -> None:
    report_id = _file(filing, cast["monitor"])
    incident = Incident("i-1", "astana-2016", NOW, IncidentStatus.OPEN, (Link(report_id, NOW),))
    with uow_factory() as uow:
        uow.incidents.save(incident, (NOW, NOW + timedelta(hours=6)))
        uow.commit()
    with uow_factory() as uow:
        near = uow.incidents.candidates(NOW + timedelta(hours=1), NOW + timedelta(hours=2))
        far = uow.incidents.candidates(NOW + timedelta(days=2), NOW + timedelta(days=3))
        assert "i-1" in {i.id for i in near}
        assert "i-1" not in {i.id for i in far}
        assert uow.incidents.get("i-1") == incident
        assert uow.incidents.of_report(report_id) is not None


def test_saving_many_is_saving_each(
    uow_factory: UnitOfWorkFactory, cast: dict[str, Member], filing: MonitoringService
) -> None:
    """`save_many` leaves what `save` one by one leaves: replaced incidents, their links, and
    the windows candidates are found by."""
    r1, r2, r3 = (_file(filing, cast["monitor"]) for _ in range(3))

    def incident(incident_id: str, *reports: str) -> Incident:
        links = tuple(Link(r, NOW) for r in reports)
        return Incident(incident_id, "astana-2016", NOW, IncidentStatus.OPEN, links)

    hour = timedelta(hours=1)
    with uow_factory() as uow:
        uow.incidents.save(incident("a", r1), (NOW, NOW + hour))
        uow.incidents.save_many(
            [
                (incident("a", r1, r2), (NOW, NOW + 2 * hour)),
                (incident("b", r3), (NOW + 10 * hour, NOW + 11 * hour)),
            ]
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.incidents.get("a") == incident("a", r1, r2)
        assert uow.incidents.get("b") == incident("b", r3)
        found = uow.incidents.candidates(NOW + 90 * timedelta(minutes=1), NOW + 3 * hour)
        assert [i.id for i in found] == ["a"]
