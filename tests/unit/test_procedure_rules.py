"""The procedure as data (domain/procedure.py): no sequence of steps skips a gate; the
decision rules; deadlines; only publication lowers confidentiality (S11)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from support import START
from truce.domain.errors import ProcedureError
from truce.domain.parties import Role
from truce.domain.procedure import (
    LOWERS_CONFIDENTIALITY,
    TERMINAL,
    TRANSITIONS,
    Deadlines,
    DecisionRule,
    Facts,
    Finding,
    LapseOutcome,
    Procedure,
    Stage,
    Step,
    VoteValue,
    check_step,
    counts_by_guarantor,
    dissents,
    due_steps,
    next_steps,
    procedure_from_terms,
    procedure_terms,
    tally,
)

ROLES = st.frozensets(st.sampled_from(list(Role)), min_size=1)
VOTES = st.dictionaries(st.sampled_from(["ru", "tr", "ir"]), st.sampled_from(list(VoteValue)))


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    return Facts(
        procedure=Procedure(committee_step=draw(st.booleans())),
        guarantors=3,
        investigation_reports=draw(st.integers(0, 2)),
        accused_body_id=draw(st.sampled_from([None, "gov", "opp"])),
        reply_received=draw(st.booleans()),
        reply_lapsed=draw(st.booleans()),
        votes=draw(VOTES),
        determination_recorded=draw(st.booleans()),
    )


@given(st.lists(st.tuples(st.sampled_from(list(Step)), ROLES, facts()), max_size=30))
def test_no_sequence_of_steps_skips_a_gate(attempts):
    """Whatever members try, in whatever order: deliberation is reached only with an
    investigation report and a settled reply; the board only after the committee where the
    agreement has one; a determination only with quorum; publication only once determined."""
    stage = Stage.REPORTED
    visited = [stage]
    for step, roles, now in attempts:
        try:
            target = check_step(stage, step, now, roles)
        except ProcedureError:
            continue
        if target == Stage.UNDER_DELIBERATION and stage != target:
            assert now.investigation_reports > 0
            assert now.accused_body_id is None or now.reply_received or now.reply_lapsed
            assert (stage == Stage.COMMITTEE_REVIEW) == now.procedure.committee_step
        if target == Stage.DETERMINED:
            assert len(now.votes) >= 3
        if target == Stage.PUBLISHED:
            assert now.determination_recorded
            assert stage == Stage.DETERMINED
        stage = target
        visited.append(stage)
    for earlier, later in itertools.pairwise(visited):
        if later == Stage.UNDER_DELIBERATION and earlier != later:
            assert earlier in {
                Stage.UNDER_INVESTIGATION, Stage.REPLY_REQUESTED, Stage.COMMITTEE_REVIEW
            }  # fmt: skip


@given(st.sampled_from(list(Stage)), facts(), ROLES)
def test_the_steps_offered_are_exactly_those_allowed(stage, now, roles):
    offered = next_steps(stage, now, roles)
    for transition in TRANSITIONS:
        try:
            check_step(stage, transition.step, now, roles)
            allowed = True
        except ProcedureError:
            allowed = False
        assert allowed == (transition.step in offered)


def test_the_clock_takes_only_its_own_steps():
    now = Facts(Procedure(), 3)
    try:
        check_step(Stage.REPLY_REQUESTED, Step.REPLY_LAPSED, now, {Role.ANALYST})
    except ProcedureError:
        pass
    else:
        raise AssertionError("a member took the clock's step")
    assert check_step(Stage.REPLY_REQUESTED, Step.REPLY_LAPSED, now, None) == Stage.REPLY_REQUESTED


def test_only_publication_lowers_confidentiality():
    """S11: publish is the one transition that makes material public, and it needs a
    recorded determination."""
    assert {t.step for t in TRANSITIONS if t.target == Stage.PUBLISHED} == LOWERS_CONFIDENTIALITY
    (publish,) = [t for t in TRANSITIONS if t.step == Step.PUBLISH]
    assert [g.name for g in publish.gates] == ["determination recorded"]


# --- decision rules ---------------------------------------------------------------------------

C, N, X, A = (VoteValue.CONFIRMED, VoteValue.NOT_A_VIOLATION, VoteValue.CANNOT_CONFIRM,
              VoteValue.ABSTAIN)  # fmt: skip


def test_unanimity_needs_every_position_to_agree():
    rule = DecisionRule.UNANIMITY
    assert tally(rule, 3, {"ru": C, "tr": C, "ir": C}) == Finding.VIOLATION
    assert tally(rule, 3, {"ru": C, "tr": X, "ir": C}) == Finding.NOT_ESTABLISHED
    assert tally(rule, 3, {"ru": N, "tr": N, "ir": A}) == Finding.NO_VIOLATION
    assert tally(rule, 3, {"ru": A, "tr": A, "ir": A}) == Finding.NOT_ESTABLISHED


def test_majority_counts_against_all_guarantors_named():
    rule = DecisionRule.MAJORITY
    assert tally(rule, 3, {"ru": C, "ir": C, "tr": X}) == Finding.VIOLATION
    assert tally(rule, 3, {"ru": N, "ir": N, "tr": C}) == Finding.NO_VIOLATION
    assert tally(rule, 3, {"ru": C, "tr": N, "ir": X}) == Finding.NOT_ESTABLISHED
    # Two abstentions: one confirmation is not a majority of three.
    assert tally(rule, 3, {"ru": C, "tr": A, "ir": A}) == Finding.NOT_ESTABLISHED


@given(VOTES, st.sampled_from(list(DecisionRule)))
def test_a_finding_of_violation_always_has_the_rule_behind_it(votes, rule):
    finding = tally(rule, 3, votes)
    confirmed = sum(1 for v in votes.values() if v == C)
    if finding == Finding.VIOLATION:
        positions = [v for v in votes.values() if v != A]
        assert confirmed * 2 > 3 if rule == DecisionRule.MAJORITY else set(positions) == {C}
    assert not any(dissents(finding, v) for v in votes.values()) or finding in Finding


@given(VOTES)
def test_unanimity_is_never_looser_than_majority_for_a_violation(votes):
    if tally(DecisionRule.UNANIMITY, 3, votes) == Finding.VIOLATION and len(votes) == 3:
        assert tally(DecisionRule.MAJORITY, 3, votes) in {
            Finding.VIOLATION,
            Finding.NOT_ESTABLISHED,
        }


def test_each_guarantors_confirmations_are_counted_separately():
    counts = counts_by_guarantor(["ru", "tr"], [{"ru": C, "tr": X}, {"ru": C, "tr": C}])
    assert {c.body_id: c.counts[C] for c in counts} == {"ru": 2, "tr": 1}
    assert {c.body_id: c.counts[X] for c in counts} == {"ru": 0, "tr": 1}


# --- deadlines ------------------------------------------------------------------------------


def test_windows_close_exactly_at_their_deadline():
    due = Deadlines(reply_due=START + timedelta(hours=72))
    procedure = Procedure()
    assert due_steps(procedure, Stage.REPLY_REQUESTED, due, START + timedelta(hours=71)) == []
    assert due_steps(procedure, Stage.REPLY_REQUESTED, due, START + timedelta(hours=72)) == [
        Step.REPLY_LAPSED
    ]
    # A window only runs in its own stage.
    assert due_steps(procedure, Stage.UNDER_DELIBERATION, due, START + timedelta(days=9)) == []


def test_what_the_end_of_deliberation_does_is_the_agreements_choice():
    due = Deadlines(deliberation_due=START)
    lapse = Procedure(on_deliberation_lapse=LapseOutcome.NOT_ESTABLISHED)
    overdue = Procedure(on_deliberation_lapse=LapseOutcome.MARK_OVERDUE)
    assert due_steps(lapse, Stage.UNDER_DELIBERATION, due, START) == [Step.DELIBERATION_LAPSED]
    assert due_steps(overdue, Stage.UNDER_DELIBERATION, due, START) == [Step.DELIBERATION_OVERDUE]


@given(
    st.sampled_from(list(DecisionRule)), st.integers(0, 5), st.integers(1, 500),
    st.sampled_from(list(LapseOutcome)), st.booleans(),
)  # fmt: skip
def test_the_procedure_survives_its_terms(rule, quorum, hours, lapse, committee):
    procedure = Procedure(rule, quorum, timedelta(hours=hours), timedelta(hours=hours),
                          timedelta(hours=hours), lapse, committee)  # fmt: skip
    assert procedure_from_terms(procedure_terms(procedure)) == procedure


def test_merge_and_split_have_no_gates():
    """The incident service takes them with facts that carry only the procedure
    (application/procedure_moves.close_case): a gate here would be checked against nothing."""
    for step in (Step.MERGE, Step.SPLIT):
        (rule,) = [t for t in TRANSITIONS if t.step == step]
        assert rule.gates == ()
        assert rule.target in TERMINAL


def test_every_gate_message_has_a_translatable_label():
    from truce.entrypoints.web.procedure_labels import GATE_MESSAGES  # noqa: PLC0415

    gates = {g.missing for t in TRANSITIONS for g in t.gates}
    assert gates == GATE_MESSAGES
