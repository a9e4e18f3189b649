"""The verification procedure on both stores: a full cycle from report to published
determination with a dissenting guarantor; gates refuse skipped steps; the reply window and
the deliberation window with a controlled clock; a vote's same signed payload counts once
(S10); only the accused party sees its reply request."""

from __future__ import annotations

import base64

import pytest

from procedure_helpers import (
    PASSWORD,
    World,
    build_world,
    file_elsewhere,
    to_deliberation,
    vote,
)
from truce.application.ports import UnitOfWorkFactory
from truce.application.procedure import DeterminationDraft
from truce.domain.confidentiality import Confidentiality
from truce.domain.decisions import DecisionStatus
from truce.domain.errors import (
    AccessDeniedError,
    InvalidInputError,
    NotFoundError,
    ProcedureError,
)
from truce.domain.procedure import Finding, Stage, Step, VoteValue
from truce.domain.procedure_records import ReplyStatus


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory, tmp_path) -> World:
    return build_world(uow_factory, tmp_path)


def _kinds(world: World) -> list[str]:
    return [e.kind for e in world.services.record.history(f"incident:{world.incident_id}")]


def test_a_full_cycle_with_a_dissenting_guarantor(world):
    to_deliberation(world)
    vote(world, "guarantor_ru", VoteValue.NOT_A_VIOLATION, "Operations against an excluded group.")
    vote(world, "guarantor_ir", VoteValue.NOT_A_VIOLATION, "Counter-terrorism operations.")
    vote(world, "guarantor_tr", VoteValue.CONFIRMED, "Villages shelled; the truce is broken.")
    p, analyst = world.services.procedure, world.member("analyst")
    draft = DeterminationDraft(
        attributed_party_id="gov", attributed_actor_id="jfs", clause_ids=("excluded-groups",),
        evidence_report_ids=tuple(world.report_ids[:1]), summary="Fighting with JFS.",
    )  # fmt: skip
    determination = p.determine(analyst, world.incident_id, draft)
    assert determination.finding == Finding.NO_VIOLATION
    assert determination.excluded_actor_id == "jfs"
    assert [v.body_id for v in determination.dissent] == ["tr"]
    with pytest.raises(NotFoundError):
        p.view(world.principal("observer_us"), world.incident_id)
    p.take_step(analyst, world.incident_id, Step.PUBLISH)
    public = p.view(world.principal("observer_us"), world.incident_id)
    assert not public.full
    assert public.determination is not None
    assert public.determination.confidentiality == Confidentiality.PUBLIC
    assert [r.text for view in public.requests for r in view.replies] == [
        "Operations target Jabhat Fateh al-Sham."
    ]
    assert public.case.stage == Stage.PUBLISHED
    kinds = _kinds(world)
    for kind in ("procedure.step", "procedure.reply_requested", "procedure.reply_filed",
                 "procedure.investigation_reported", "decision.signed", "procedure.determined",
                 "procedure.published"):  # fmt: skip
        assert kind in kinds


def test_nothing_reaches_deliberation_without_an_investigation_report(world):
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE)
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    with pytest.raises(ProcedureError, match="investigation report"):
        p.take_step(analyst, world.incident_id, Step.OPEN_DELIBERATION)
    with pytest.raises(ProcedureError):
        p.take_step(world.member("monitor"), world.incident_id, Step.DISMISS)


def test_a_step_refused_leaves_one_audit_entry(world):
    p = world.services.procedure
    before = len(world.services.auth.audit_entries(1000))
    with pytest.raises(ProcedureError):
        p.take_step(world.member("analyst"), world.incident_id, Step.PUBLISH)
    assert len(world.services.auth.audit_entries(1000)) == before + 1


def test_a_party_cannot_see_the_case_and_a_guessed_id_reads_as_missing(world):
    p = world.services.procedure
    for who in ("gov_liaison", "observer_us"):
        with pytest.raises(NotFoundError):
            p.take_step(world.member(who), world.incident_id, Step.TRIAGE)
        with pytest.raises(NotFoundError):
            p.view(world.principal(who), world.incident_id)
    with pytest.raises(NotFoundError):
        p.view(world.principal("analyst"), "incident-never-opened")


def test_no_reply_by_the_deadline_is_recorded_as_such(world):
    to_deliberation(world, reply=False)
    view = world.services.procedure.view(world.principal("analyst"), world.incident_id)
    assert [r.request.status for r in view.requests] == [ReplyStatus.LAPSED]
    assert view.requests[0].replies == []
    assert "procedure.reply_lapsed" in _kinds(world)


def test_a_reply_after_the_window_is_refused(world):
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE, accused_body_id="gov")
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    p.file_investigation_report(
        world.member("monitor"), world.incident_id, observed="violation_observed",
        coverage="observed", findings="Impacts observed.",
    )  # fmt: skip
    request = p.request_reply(analyst, world.incident_id, "Shelling of Basimah.")
    world.clock.advance(hours=72, seconds=1)
    with pytest.raises(ProcedureError, match="window closed"):
        p.reply(world.member("gov_liaison"), request.id, "Too late.")


def test_only_the_accused_party_sees_its_request(world):
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE, accused_body_id="gov")
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    p.file_investigation_report(
        world.member("monitor"), world.incident_id, observed="violation_observed",
        coverage="observed", findings="Impacts observed.",
    )  # fmt: skip
    request = p.request_reply(analyst, world.incident_id, "Shelling of Basimah.")
    assert [v.request.id for v in p.inbox(world.member("gov_liaison"))] == [request.id]
    assert p.inbox(world.member("opposition_liaison")) == []
    with pytest.raises(NotFoundError):
        p.reply_request(world.member("opposition_liaison"), request.id)
    with pytest.raises(NotFoundError):
        p.reply(world.member("opposition_liaison"), request.id, "Not ours to answer.")
    # The accused is shown only the reports it may read: the public one.
    assert request.shared_report_ids == (world.report_ids[2],)


def test_the_same_signed_vote_twice_counts_once(world):
    to_deliberation(world)
    services = world.services
    target = services.decisions.current_version(
        world.principal("guarantor_ru"), "incident", world.incident_id
    )
    first = services.procedure.cast_vote(
        world.member("guarantor_ru"), PASSWORD, world.incident_id, VoteValue.CONFIRMED, "",
        address="127.0.0.1",
    )  # fmt: skip
    again = services.decisions.submit(
        world.principal("guarantor_ru"), first.stored.payload, first.stored.signature
    )
    assert not again.created
    assert first.stored.decision.object_version == target.version
    view = services.procedure.view(world.principal("analyst"), world.incident_id)
    assert [v.body_id for v in view.votes] == ["ru"]
    assert view.facts.votes == {"ru": VoteValue.CONFIRMED}
    assert base64.b64encode(first.stored.signature)


def test_a_new_investigation_report_supersedes_the_votes_on_the_old_file(world):
    to_deliberation(world)
    vote(world, "guarantor_ru", VoteValue.CONFIRMED)
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.RETURN_TO_INVESTIGATION)
    p.file_investigation_report(
        world.member("monitor"), world.incident_id, observed="nothing_conclusive",
        coverage="not_observed", findings="Access to the valley denied.",
        gaps=[__import__("procedure_helpers").GAP],
    )  # fmt: skip
    view = p.view(world.principal("analyst"), world.incident_id)
    assert [v.status for v in view.votes] == [DecisionStatus.ON_SUPERSEDED_VERSION]
    assert view.facts.votes == {}


def test_votes_only_under_deliberation_and_only_by_guarantors(world):
    with pytest.raises(ProcedureError):
        vote(world, "guarantor_tr", VoteValue.CONFIRMED)
    to_deliberation(world)
    with pytest.raises((AccessDeniedError, NotFoundError)):
        vote(world, "analyst", VoteValue.CONFIRMED)


def test_the_deliberation_window_closes_without_quorum(world):
    to_deliberation(world)
    vote(world, "guarantor_tr", VoteValue.CONFIRMED)
    p, analyst = world.services.procedure, world.member("analyst")
    with pytest.raises(ProcedureError, match="quorum"):
        p.determine(analyst, world.incident_id, DeterminationDraft())
    world.clock.advance(days=7, seconds=1)
    taken = p.enforce_deadlines()
    assert [t.step for t in taken] == [Step.DELIBERATION_LAPSED]
    view = p.view(world.principal("analyst"), world.incident_id)
    assert view.case.stage == Stage.DETERMINED
    assert view.determination is not None
    assert view.determination.finding == Finding.NOT_ESTABLISHED
    assert view.determination.decided_by is None
    assert p.enforce_deadlines() == []


def test_each_guarantor_sees_its_queue_and_its_own_counts(world):
    to_deliberation(world)
    vote(world, "guarantor_tr", VoteValue.CANNOT_CONFIRM)
    p = world.services.procedure
    mine = p.queue(world.member("guarantor_tr"))
    assert [(i.case.incident_id, i.voted) for i in mine.items] == [
        (world.incident_id, VoteValue.CANNOT_CONFIRM)
    ]
    assert p.queue(world.member("guarantor_ru")).items[0].voted is None
    assert p.queue(world.member("gov_liaison")).items == []


def _case(world: World, incident_id: str):
    with world.services.procedure.uow() as uow:
        return uow.procedure.case(incident_id), uow.procedure.steps(incident_id)


def test_merging_an_incident_away_merges_its_case_on_the_record(world):
    p, analyst = world.services.procedure, world.member("analyst")
    other = file_elsewhere(world)
    p.take_step(analyst, other, Step.TRIAGE, accused_body_id="opp")
    p.take_step(analyst, world.incident_id, Step.TRIAGE)
    before, _ = _case(world, world.incident_id)
    world.services.incidents.merge(analyst, world.incident_id, other, reason="One shelling.")
    case, steps = _case(world, other)
    assert case is not None
    assert (case.stage, case.merged_into) == (Stage.MERGED, world.incident_id)
    assert (steps[-1].step, steps[-1].from_stage, steps[-1].by_member_id) == (
        Step.MERGE, Stage.TRIAGED, analyst.id,
    )  # fmt: skip
    entries = world.services.record.history(f"incident:{other}")
    assert [e.kind for e in entries][-1] == "procedure.step"
    assert '"step":"merge"' in entries[-1].body.replace(" ", "")
    survivor, _ = _case(world, world.incident_id)
    assert survivor is not None
    assert before is not None
    assert survivor.revision == before.revision + 1, "the file the board votes on changed"
    with pytest.raises(ProcedureError):
        p.take_step(analyst, other, Step.INVESTIGATE)


def test_an_incident_never_triaged_gets_a_merged_case_too(world):
    other = file_elsewhere(world)
    world.services.incidents.merge(
        world.member("monitor"), world.incident_id, other, reason="One shelling."
    )
    case, steps = _case(world, other)
    assert case is not None
    assert case.stage == Stage.MERGED
    assert [s.step for s in steps] == [Step.MERGE]


def test_a_determined_case_refuses_a_merge_on_either_side(world):
    to_deliberation(world)
    for who in ("guarantor_ru", "guarantor_ir"):
        vote(world, who, VoteValue.NOT_A_VIOLATION)
    p, analyst = world.services.procedure, world.member("analyst")
    p.determine(analyst, world.incident_id, DeterminationDraft(summary="No violation."))
    other = file_elsewhere(world)
    with pytest.raises(InvalidInputError, match="determined"):
        world.services.incidents.merge(analyst, other, world.incident_id, reason="Same.")
    with pytest.raises(InvalidInputError, match="determined"):
        world.services.incidents.merge(analyst, world.incident_id, other, reason="Same.")
    case, _ = _case(world, other)
    assert case is None, "a refused merge leaves no trace on the other case"


def test_a_split_closes_the_case_and_each_part_starts_reported(world):
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE, accused_body_id="gov")
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    left, right = world.services.incidents.split(
        analyst, world.incident_id, world.report_ids[:1], reason="Two villages."
    )
    case, steps = _case(world, world.incident_id)
    assert case is not None
    assert case.stage == Stage.SPLIT
    assert steps[-1].step == Step.SPLIT
    for part in (left, right):
        view = p.view(world.principal("analyst"), part.id)
        assert view.case.stage == Stage.REPORTED
        assert view.case.accused_body_id is None
        assert Step.TRIAGE in view.next_steps


def test_a_published_case_refuses_a_split(world):
    to_deliberation(world)
    for who in ("guarantor_ru", "guarantor_ir"):
        vote(world, who, VoteValue.NOT_A_VIOLATION)
    p, analyst = world.services.procedure, world.member("analyst")
    p.determine(analyst, world.incident_id, DeterminationDraft(summary="No violation."))
    p.take_step(analyst, world.incident_id, Step.PUBLISH)
    with pytest.raises(InvalidInputError, match="published"):
        world.services.incidents.split(
            analyst, world.incident_id, world.report_ids[:1], reason="Two villages."
        )
