"""What the board found, in compliance reports (issue 10): confirmed violations, each
guarantor's own positions, notable incidents with their determinations and coverage gaps,
each edition filtered by the policy. Runs on both stores.

The Wadi Barada shelling (tests/procedure_helpers.py) is filed three ways: a monitor's report
(mechanism), the opposition's (guarantors) and the press's (public). Russia and Turkey find a
violation, Iran dissents."""

from __future__ import annotations

from datetime import date

import pytest

from cast import GOV, OPP
from procedure_helpers import GAP, World, build_world, to_deliberation, vote
from truce.adapters.rendering.html import render_html
from truce.application.ports import UnitOfWorkFactory
from truce.application.procedure import DeterminationDraft
from truce.domain.access import ANONYMOUS
from truce.domain.compliance import Edition, day_of, week_of
from truce.domain.compliance_findings import Findings
from truce.domain.procedure import Finding, Step, VoteValue
from truce.domain.procedure_records import Severity

DAY = date(2017, 1, 2)
SUMMARY = "The board found the shelling of Basimah a breach of the cessation of hostilities."
DISSENT = "Operations against a group outside the truce."


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory, tmp_path) -> World:
    world = build_world(uow_factory, tmp_path)
    to_deliberation(world)
    vote(world, "guarantor_ru", VoteValue.CONFIRMED, "Villages shelled.")
    vote(world, "guarantor_tr", VoteValue.CONFIRMED, "The truce is broken.")
    vote(world, "guarantor_ir", VoteValue.NOT_A_VIOLATION, DISSENT)
    draft = DeterminationDraft(
        attributed_party_id=GOV, attributed_actor_id="saa", clause_ids=("cessation",),
        severity=Severity.SERIOUS, summary=SUMMARY,
    )  # fmt: skip
    world.services.procedure.determine(world.member("analyst"), world.incident_id, draft)
    return world


def _publish(world: World) -> None:
    analyst = world.member("analyst")
    world.services.procedure.take_step(analyst, world.incident_id, Step.PUBLISH)


def _findings(world: World, who: str | None, day: date = DAY) -> Findings:
    principal = ANONYMOUS if who is None else world.principal(who)
    edition = Edition.PUBLIC if who is None else Edition.RESTRICTED
    return world.services.compliance.report(principal, day_of(day), edition).findings


def _page(world: World, who: str | None, lang: str = "en") -> str:
    principal = ANONYMOUS if who is None else world.principal(who)
    edition = Edition.PUBLIC if who is None else Edition.RESTRICTED
    return render_html(world.services.compliance.report(principal, day_of(DAY), edition), lang)


def test_an_unpublished_determination_reaches_no_public_edition(world: World) -> None:
    found = _findings(world, None)
    assert found.confirmed.total == 0
    assert not found.notable
    assert not found.guarantors
    page = _page(world, None)
    assert SUMMARY not in page
    assert world.incident_id not in page
    assert DISSENT not in page


def test_a_party_sees_no_unpublished_determination_nor_the_investigation(world: World) -> None:
    for party in ("gov_liaison", "opposition_liaison"):
        found = _findings(world, party)
        assert found.confirmed.total == 0
        assert not found.notable
        assert not found.gaps_readable
        assert not found.gaps
        page = _page(world, party, "ar")
        assert SUMMARY not in page
        assert GAP.area not in page
        assert world.incident_id not in page


def test_a_guarantor_sees_the_determination_before_publication(world: World) -> None:
    found = _findings(world, "guarantor_ru")
    assert found.confirmed.total == 1
    assert found.confirmed.by_party == {GOV: 1}
    assert found.confirmed.by_type == {"shelling": 1}
    (incident,) = found.notable
    assert incident.determination is not None
    assert incident.determination.finding is Finding.VIOLATION
    assert [v.body_id for v in incident.determination.dissent] == ["ir"]
    # The guarantor may list the opposition's report: the opposition is a reporting side.
    assert OPP in incident.sides
    assert found.confirmed.by_side[OPP] == 1
    page = _page(world, "guarantor_ru")
    assert SUMMARY in page
    assert DISSENT in page
    assert "Not yet published" in page
    with world.services.compliance.uow() as uow:
        reasons = [entry.reason for entry in uow.audit.recent(5)]
    assert any(incident.determination.id in reason for reason in reasons)


def test_each_guarantors_positions_are_counted_separately(world: World) -> None:
    counts = {g.body_id: g.counts for g in _findings(world, "guarantor_tr").guarantors}
    assert counts["ru"][VoteValue.CONFIRMED] == 1
    assert counts["tr"][VoteValue.CONFIRMED] == 1
    assert counts["ir"][VoteValue.CONFIRMED] == 0
    assert counts["ir"][VoteValue.NOT_A_VIOLATION] == 1
    page = _page(world, "guarantor_tr")
    assert 'data-guarantor="ir"' in page


def test_coverage_gaps_reach_the_mechanism_only(world: World) -> None:
    found = _findings(world, "analyst")
    assert found.gaps_readable
    assert [g.area for i in found.gaps for g in i.gaps] == [GAP.area]
    assert GAP.area in _page(world, "analyst")
    _publish(world)
    public = _findings(world, None)
    assert not public.gaps_readable
    assert GAP.area not in _page(world, None)


def test_a_published_determination_reaches_every_edition(world: World) -> None:
    _publish(world)
    public = _findings(world, None)
    assert public.confirmed.total == 1
    (incident,) = public.notable
    # Placed by the one public report (the press), not by the confidential ones.
    assert incident.sides == ("Arabic press",)
    assert OPP not in public.confirmed.by_side
    page = _page(world, None)
    assert SUMMARY in page
    assert DISSENT in page
    assert "Not yet published" not in page
    arabic = _page(world, None, "ar")
    assert "الانتهاكات المؤكدة" in arabic
    assert "ليس انتهاكاً" in arabic
    gov = _findings(world, "gov_liaison")
    assert gov.confirmed.total == 1
    assert OPP not in gov.notable[0].sides


def test_an_incident_counts_on_the_day_of_its_earliest_report(world: World) -> None:
    _publish(world)
    assert _findings(world, None, date(2017, 1, 3)).confirmed.total == 0
    assert _findings(world, None, date(2017, 1, 1)).confirmed.total == 0
    week = world.services.compliance.report(ANONYMOUS, week_of(date(2016, 12, 30)))
    assert week.findings.confirmed.total == 1
