"""One contract, two stores: every test runs against the in-memory fakes and the SQL store
(SQLite, or PostgreSQL when TRUCE_TEST_DATABASE_URL is set)."""

from dataclasses import replace
from datetime import timedelta

import pytest

from support import START, report_fields
from truce.application.demo_case import AGREEMENT
from truce.application.intake_batches import actor_index
from truce.application.ports import ReportCursor
from truce.domain.errors import ConflictError, IdempotencyKeyTakenError
from truce.domain.parties import BodyKind, Role
from truce.domain.reports import new_report, parse_file_report


def a_report(report_id: str, minutes: int = 0, **overrides: object):
    command = parse_file_report(report_fields(**overrides), now=START)
    return new_report(
        command,
        report_id=report_id,
        agreement_id=AGREEMENT.id,
        filed_at=START + timedelta(minutes=minutes),
        submitted_by="member-monitor",
        submitter_body_id="mechanism",
    )


def test_bodies_keep_their_names_in_every_language(cast, uow_factory):
    with uow_factory() as uow:
        russia = uow.bodies.get("ru")
        kinds = {body.id: body.kind for body in uow.bodies.list_all()}
    assert russia is not None
    assert russia.name_in("ru") == "Российская Федерация"
    assert russia.name_in("fa") == "فدراسیون روسیه"
    assert russia.name_in("es") == "Russian Federation"  # no name in Spanish: the usual one
    assert kinds["opp"] is BodyKind.PARTY
    assert kinds["un"] is BodyKind.MEDIATION


def test_actors_are_found_by_any_alias_in_any_case(cast, uow_factory):
    with uow_factory() as uow:
        by_arabic = uow.actors.find_by_name("جبهة فتح الشام")
        by_old_name = uow.actors.find_by_name("  AL-NUSRA FRONT ")
        by_name = uow.actors.find_by_name("hezbollah")
        nobody = uow.actors.find_by_name("Nobody at all")
    assert [a.id for a in by_arabic] == ["jfs"]
    assert [a.id for a in by_old_name] == ["jfs"]
    assert by_arabic[0].excluded
    assert [a.id for a in by_name] == ["hezbollah"]
    assert nobody == []


def test_an_import_resolves_actors_as_find_by_name_does(cast, uow_factory):
    """Intake resolves a dataset's actor names through a snapshot of the registry taken
    once per import (application/intake_batches.actor_index): the same answers."""
    with uow_factory() as uow:
        actors = uow.actors.list_all()
        names = [
            name for actor in actors for name in (actor.name, *(a.text for a in actor.aliases))
        ]
        asked = [*names, *(n.upper() for n in names), "  AL-NUSRA FRONT ", "Nobody at all"]
        found = {name: uow.actors.find_by_name(name) for name in asked}
    index = actor_index(actors, AGREEMENT.excluded_actor_ids)
    assert len(actors) > 3
    for name, matches in found.items():
        expected = None
        if len(matches) == 1:
            actor = matches[0]
            expected = (actor.id, actor.excluded or actor.id in AGREEMENT.excluded_actor_ids)
        assert index.get(name.strip().casefold()) == expected, name


def test_members_keep_their_roles(cast, uow_factory):
    with uow_factory() as uow:
        mediator = uow.members.get_by_username("un_mediator")
        everyone = uow.members.list_all()
    assert mediator is not None
    assert mediator.roles == frozenset({Role.MEDIATOR})
    assert mediator == cast["un_mediator"]
    assert len(everyone) == len(cast)


def test_members_are_read_many_at_once_with_their_roles(cast, uow_factory):
    wanted = [cast["un_mediator"].id, cast["gov_liaison"].id, "member-nobody"]
    with uow_factory() as uow:
        found = {m.id: m for m in uow.members.get_many([*wanted, cast["gov_liaison"].id])}
        assert uow.members.get_many([]) == []
    assert set(found) == set(wanted[:2])
    assert found[cast["un_mediator"].id] == cast["un_mediator"]
    assert found[cast["gov_liaison"].id].roles == cast["gov_liaison"].roles


def test_agreement_versions_are_kept_side_by_side(cast, registry, uow_factory):
    registry.conclude_agreement(replace(AGREEMENT, version=2, observer_ids=("us",)))
    with pytest.raises(ConflictError):
        registry.conclude_agreement(replace(AGREEMENT, version=2))
    with uow_factory() as uow:
        latest = uow.agreements.get(AGREEMENT.id)
        first = uow.agreements.get(AGREEMENT.id, version=1)
        listed = uow.agreements.list_all()
    assert latest is not None
    assert latest.version == 2
    assert latest.observer_ids == ("us",)
    assert first == AGREEMENT
    assert [a.version for a in listed] == [2]


def test_a_report_reads_back_exactly_as_stored(cast, uow_factory):
    report = a_report("r1", narrative="قصف مدفعي على قرى وادي بردى", narrative_lang="ar")
    with uow_factory() as uow:
        uow.reports.add(report, "member-monitor")
        uow.commit()
    with uow_factory() as uow:
        assert uow.reports.get("r1") == report
        assert uow.reports.count() == 1


def test_what_is_not_committed_is_not_kept(cast, uow_factory):
    with uow_factory() as uow:
        uow.reports.add(a_report("r1"), "member-monitor")
    with uow_factory() as uow:
        assert uow.reports.get("r1") is None
        assert uow.reports.count() == 0


def test_an_idempotency_key_is_taken_once_per_scope(cast, uow_factory):
    with uow_factory() as uow:
        uow.reports.add(a_report("r1", idempotency_key="k"), "member-monitor")
        uow.reports.add(a_report("r2", idempotency_key="k"), "member-gov_liaison")
        with pytest.raises(IdempotencyKeyTakenError):
            uow.reports.add(a_report("r3", idempotency_key="k"), "member-monitor")
        # The failed insert leaves the transaction usable.
        uow.commit()
    with uow_factory() as uow:
        found = uow.reports.by_idempotency_key("member-monitor", "k")
        assert found is not None
        assert found.id == "r1"
        assert uow.reports.count() == 2


def test_pages_follow_the_cursor_without_gaps_or_repeats(cast, uow_factory):
    with uow_factory() as uow:
        # Two reports share a filing instant: the id breaks the tie.
        for report_id, minutes in [("a", 0), ("b", 1), ("c", 1), ("d", 2), ("e", 3)]:
            uow.reports.add(a_report(report_id, minutes), "s")
        uow.commit()
    seen: list[str] = []
    cursor: ReportCursor | None = None
    with uow_factory() as uow:
        while True:
            page = uow.reports.page(2, cursor)
            if not page:
                break
            seen += [r.id for r in page]
            cursor = ReportCursor(page[-1].filed_at, page[-1].id)
    assert seen == ["e", "d", "c", "b", "a"]
