"""The verification procedure as data: the stages an incident passes through, the steps
between them, who may take each, the gates each step must pass, the decision rule over the
guarantors' votes, and the deadlines with what happens when they pass (docs/procedure.md).

The procedure is part of the agreement's versioned definition (`Agreement.procedure`): which
steps exist (a committee before the board or not), the decision rule, the quorum and every
window come from the agreement, not from code. The transition table below is the only place
that says which step leads where; nothing else branches on stages.

Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from truce.domain.errors import FieldError, InvalidInputError, ProcedureError, Refusal
from truce.domain.parties import Role


class Stage(StrEnum):
    REPORTED = "reported"
    TRIAGED = "triaged"
    UNDER_INVESTIGATION = "under_investigation"
    REPLY_REQUESTED = "reply_requested"
    # Only where the agreement puts a committee before the board of guarantors.
    COMMITTEE_REVIEW = "committee_review"
    UNDER_DELIBERATION = "under_deliberation"
    DETERMINED = "determined"
    PUBLISHED = "published"
    DISMISSED = "dismissed"
    # The incident was folded into another (its case went with it) or split in two parts,
    # each of which starts its own case, reported.
    MERGED = "merged"
    SPLIT = "split"


TERMINAL: Final = frozenset({Stage.PUBLISHED, Stage.DISMISSED, Stage.MERGED, Stage.SPLIT})


class Step(StrEnum):
    TRIAGE = "triage"
    DISMISS = "dismiss"
    # Taken by the incident's merge or split (application/incidents.py), not on the panel.
    MERGE = "merge"
    SPLIT = "split"
    INVESTIGATE = "investigate"
    REQUEST_REPLY = "request_reply"
    REFER_TO_COMMITTEE = "refer_to_committee"
    COMMITTEE_CLEARS = "committee_clears"
    OPEN_DELIBERATION = "open_deliberation"
    RETURN_TO_INVESTIGATION = "return_to_investigation"
    DETERMINE = "determine"
    PUBLISH = "publish"
    # Taken by the clock when a deadline passes (`Procedure.deadlines`).
    REPLY_LAPSED = "reply_lapsed"
    INVESTIGATION_OVERDUE = "investigation_overdue"
    DELIBERATION_LAPSED = "deliberation_lapsed"
    DELIBERATION_OVERDUE = "deliberation_overdue"


class DecisionRule(StrEnum):
    # Every guarantor that takes a position (abstentions aside) must agree.
    UNANIMITY = "unanimity"
    # More than half of the guarantors the agreement names.
    MAJORITY = "majority"


class VoteValue(StrEnum):
    """A guarantor's position (glossary: vote); the values of signed decisions of kind vote."""

    CONFIRMED = "confirmed"
    NOT_A_VIOLATION = "not_a_violation"
    CANNOT_CONFIRM = "cannot_confirm"
    ABSTAIN = "abstain"


class Finding(StrEnum):
    VIOLATION = "violation"
    NO_VIOLATION = "no_violation"
    # The guarantors did not reach the rule's majority or consensus, or the window closed.
    NOT_ESTABLISHED = "not_established"


class LapseOutcome(StrEnum):
    """What the end of the deliberation window does."""

    # The clock determines "not established", with the votes cast so far.
    NOT_ESTABLISHED = "not_established"
    # The case stays under deliberation, marked overdue on the record.
    MARK_OVERDUE = "mark_overdue"


@dataclass(frozen=True, slots=True)
class Procedure:
    """One agreement version's procedure. The defaults follow the Astana mechanism: the three
    guarantors decide together, the accused has 72 hours to reply."""

    decision_rule: DecisionRule = DecisionRule.UNANIMITY
    # How many guarantors must have voted (abstaining counts as voting) before a
    # determination; 0 means all guarantors the agreement names.
    quorum: int = 0
    reply_window: timedelta = timedelta(hours=72)
    investigation_window: timedelta = timedelta(days=7)
    deliberation_window: timedelta = timedelta(days=7)
    on_deliberation_lapse: LapseOutcome = LapseOutcome.NOT_ESTABLISHED
    # A committee (the mediators' experts) reviews the file before the board votes.
    committee_step: bool = False

    def quorum_of(self, guarantors: int) -> int:
        return guarantors if self.quorum <= 0 else min(self.quorum, guarantors)


DEFAULT_PROCEDURE: Final = Procedure()


def check_procedure(procedure: Procedure) -> None:
    errors = [
        FieldError(f"procedure.{name}", "must be longer than nothing")
        for name in ("reply_window", "investigation_window", "deliberation_window")
        if getattr(procedure, name) <= timedelta(0)
    ]
    if procedure.quorum < 0:
        errors.append(FieldError("procedure.quorum", "must be 0 (all guarantors) or more"))
    if errors:
        raise InvalidInputError(errors)


def procedure_terms(procedure: Procedure) -> dict[str, str | int | bool]:
    """The procedure as the agreement's terms show it (record entry and version hash)."""
    return {
        "decision_rule": procedure.decision_rule.value,
        "quorum": procedure.quorum,
        "reply_window_hours": _hours(procedure.reply_window),
        "investigation_window_hours": _hours(procedure.investigation_window),
        "deliberation_window_hours": _hours(procedure.deliberation_window),
        "on_deliberation_lapse": procedure.on_deliberation_lapse.value,
        "committee_step": procedure.committee_step,
    }


def procedure_from_terms(terms: Mapping[str, object]) -> Procedure:
    """The inverse of `procedure_terms` (stores keep the terms as JSON)."""
    return Procedure(
        decision_rule=DecisionRule(str(terms["decision_rule"])),
        quorum=int(str(terms["quorum"])),
        reply_window=timedelta(hours=int(str(terms["reply_window_hours"]))),
        investigation_window=timedelta(hours=int(str(terms["investigation_window_hours"]))),
        deliberation_window=timedelta(hours=int(str(terms["deliberation_window_hours"]))),
        on_deliberation_lapse=LapseOutcome(str(terms["on_deliberation_lapse"])),
        committee_step=bool(terms["committee_step"]),
    )


def _hours(window: timedelta) -> int:
    return int(window.total_seconds() // 3600)


# --- what the gates read ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Facts:
    """What the gates of a step look at, gathered by the application from the stored case."""

    procedure: Procedure
    guarantors: int
    investigation_reports: int = 0
    accused_body_id: str | None = None
    reply_received: bool = False
    reply_lapsed: bool = False
    votes: Mapping[str, VoteValue] = field(default_factory=dict)
    determination_recorded: bool = False


@dataclass(frozen=True, slots=True)
class Gate:
    name: str
    holds: Callable[[Facts], bool]
    # Said when the gate is shut: what is missing.
    missing: str


INVESTIGATION_REPORT: Final = Gate(
    "investigation report",
    lambda f: f.investigation_reports > 0,
    "no investigation report has been filed",
)
ACCUSED_NAMED: Final = Gate(
    "accused named", lambda f: f.accused_body_id is not None, "no party is accused"
)
REPLY_SETTLED: Final = Gate(
    "reply settled",
    lambda f: f.accused_body_id is None or f.reply_received or f.reply_lapsed,
    "the accused party has neither replied nor seen its reply window close",
)
COMMITTEE_REQUIRED: Final = Gate(
    "committee step",
    lambda f: f.procedure.committee_step,
    "the agreement has no committee step",
)
NO_COMMITTEE: Final = Gate(
    "no committee step",
    lambda f: not f.procedure.committee_step,
    "the agreement requires the committee's review before the board",
)
QUORUM: Final = Gate(
    "quorum",
    lambda f: len(f.votes) >= f.procedure.quorum_of(f.guarantors),
    "the guarantors who voted do not make the quorum",
)
DETERMINATION_RECORDED: Final = Gate(
    "determination recorded",
    lambda f: f.determination_recorded,
    "no determination has been recorded",
)


# --- the transition table --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transition:
    step: Step
    sources: frozenset[Stage]
    target: Stage
    # Roles that may take the step; empty for the clock's own steps.
    roles: frozenset[Role]
    gates: tuple[Gate, ...] = ()

    @property
    def automatic(self) -> bool:
        return not self.roles


_STAFF = frozenset({Role.ANALYST})
_FIELD = frozenset({Role.ANALYST, Role.MONITOR})
_OPEN = frozenset(Stage) - TERMINAL - {Stage.DETERMINED}
_BEFORE_BOARD = frozenset({Stage.REPLY_REQUESTED, Stage.COMMITTEE_REVIEW, Stage.UNDER_DELIBERATION})

TRANSITIONS: Final[tuple[Transition, ...]] = (
    Transition(Step.TRIAGE, frozenset({Stage.REPORTED}), Stage.TRIAGED, _STAFF),
    Transition(
        Step.DISMISS,
        frozenset({Stage.REPORTED, Stage.TRIAGED, Stage.UNDER_INVESTIGATION}),
        Stage.DISMISSED,
        _STAFF,
    ),
    # Who may merge or split incidents (the policy lets monitors and analysts edit them).
    Transition(Step.MERGE, _OPEN, Stage.MERGED, _FIELD),
    Transition(Step.SPLIT, _OPEN, Stage.SPLIT, _FIELD),
    Transition(Step.INVESTIGATE, frozenset({Stage.TRIAGED}), Stage.UNDER_INVESTIGATION, _STAFF),
    Transition(
        Step.REQUEST_REPLY,
        frozenset({Stage.UNDER_INVESTIGATION}),
        Stage.REPLY_REQUESTED,
        _STAFF,
        (INVESTIGATION_REPORT, ACCUSED_NAMED),
    ),
    Transition(
        Step.REFER_TO_COMMITTEE,
        frozenset({Stage.UNDER_INVESTIGATION, Stage.REPLY_REQUESTED}),
        Stage.COMMITTEE_REVIEW,
        _STAFF,
        (COMMITTEE_REQUIRED, INVESTIGATION_REPORT, REPLY_SETTLED),
    ),
    Transition(
        Step.COMMITTEE_CLEARS,
        frozenset({Stage.COMMITTEE_REVIEW}),
        Stage.UNDER_DELIBERATION,
        frozenset({Role.MEDIATOR}),
        (COMMITTEE_REQUIRED, INVESTIGATION_REPORT, REPLY_SETTLED),
    ),
    Transition(
        Step.OPEN_DELIBERATION,
        frozenset({Stage.UNDER_INVESTIGATION, Stage.REPLY_REQUESTED}),
        Stage.UNDER_DELIBERATION,
        _STAFF,
        (NO_COMMITTEE, INVESTIGATION_REPORT, REPLY_SETTLED),
    ),
    Transition(
        Step.RETURN_TO_INVESTIGATION,
        _BEFORE_BOARD,
        Stage.UNDER_INVESTIGATION,
        _STAFF,
    ),
    Transition(
        Step.DETERMINE,
        frozenset({Stage.UNDER_DELIBERATION}),
        Stage.DETERMINED,
        _STAFF,
        (INVESTIGATION_REPORT, REPLY_SETTLED, QUORUM),
    ),
    Transition(
        Step.PUBLISH,
        frozenset({Stage.DETERMINED}),
        Stage.PUBLISHED,
        _STAFF,
        (DETERMINATION_RECORDED,),
    ),
    Transition(
        Step.REPLY_LAPSED, frozenset({Stage.REPLY_REQUESTED}), Stage.REPLY_REQUESTED, frozenset()
    ),
    Transition(
        Step.INVESTIGATION_OVERDUE,
        frozenset({Stage.UNDER_INVESTIGATION}),
        Stage.UNDER_INVESTIGATION,
        frozenset(),
    ),
    Transition(
        Step.DELIBERATION_LAPSED,
        frozenset({Stage.UNDER_DELIBERATION}),
        Stage.DETERMINED,
        frozenset(),
    ),
    Transition(
        Step.DELIBERATION_OVERDUE,
        frozenset({Stage.UNDER_DELIBERATION}),
        Stage.UNDER_DELIBERATION,
        frozenset(),
    ),
)
_BY_STEP: Final[Mapping[Step, Transition]] = {t.step: t for t in TRANSITIONS}

# Steps that lower no confidentiality: everything but publish (SECURITY S11).
LOWERS_CONFIDENTIALITY: Final = frozenset({Step.PUBLISH})

# Who may take the field steps of an investigation (assign, file a report): not transitions.
INVESTIGATORS: Final = _FIELD


def transition(step: Step) -> Transition:
    return _BY_STEP[step]


def shut_gates(transition_: Transition, facts: Facts) -> list[Gate]:
    return [gate for gate in transition_.gates if not gate.holds(facts)]


def check_step(stage: Stage, step: Step, facts: Facts, roles: Iterable[Role] | None) -> Stage:
    """The stage `step` leads to from `stage`, or ProcedureError saying why not. `roles`
    None is the clock (automatic steps only)."""
    rule = _BY_STEP[step]
    if stage not in rule.sources:
        raise ProcedureError(
            Refusal.STEP_NOT_FROM_STAGE,
            f"{step} cannot be taken from {stage}",
            step=step,
            stage=stage,
        )
    if roles is None:
        if not rule.automatic:
            message = f"{step} is taken by a member, not by the clock"
            raise ProcedureError(Refusal.STEP_BY_A_MEMBER, message, step=step)
    elif rule.automatic or not (frozenset(roles) & rule.roles):
        raise ProcedureError(
            Refusal.STEP_NOT_FOR_ROLES, f"{step} is not a step these roles may take", step=step
        )
    shut = shut_gates(rule, facts)
    if shut:
        missing = tuple(gate.missing for gate in shut)
        raise ProcedureError(Refusal.GATES_SHUT, "; ".join(missing), gates=missing)
    return rule.target


def next_steps(stage: Stage, facts: Facts, roles: Iterable[Role]) -> list[Step]:
    """The steps these roles may take now, every gate open."""
    held = frozenset(roles)
    return [
        t.step
        for t in TRANSITIONS
        if stage in t.sources and t.roles & held and not shut_gates(t, facts)
    ]


def blocked_steps(stage: Stage, facts: Facts, roles: Iterable[Role]) -> list[tuple[Step, str]]:
    """Steps these roles could take from here but for a shut gate, with what is missing."""
    held = frozenset(roles)
    return [
        (t.step, "; ".join(g.missing for g in shut))
        for t in TRANSITIONS
        if stage in t.sources and t.roles & held and (shut := shut_gates(t, facts))
    ]


# --- deadlines ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadlines:
    """When each window of a case closes; None when it is not running."""

    investigation_due: datetime | None = None
    reply_due: datetime | None = None
    deliberation_due: datetime | None = None


def _always(_procedure: Procedure) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """A window that runs in `stage`: once `due` has passed, the clock takes `step` (once:
    taking it clears the window) where the procedure `applies`."""

    stage: Stage
    due: Callable[[Deadlines], datetime | None]
    step: Step
    applies: Callable[[Procedure], bool] = _always


DEADLINE_RULES: Final[tuple[DeadlineRule, ...]] = (
    DeadlineRule(
        Stage.UNDER_INVESTIGATION, lambda d: d.investigation_due, Step.INVESTIGATION_OVERDUE
    ),
    DeadlineRule(Stage.REPLY_REQUESTED, lambda d: d.reply_due, Step.REPLY_LAPSED),
    DeadlineRule(
        Stage.UNDER_DELIBERATION,
        lambda d: d.deliberation_due,
        Step.DELIBERATION_LAPSED,
        lambda p: p.on_deliberation_lapse == LapseOutcome.NOT_ESTABLISHED,
    ),
    DeadlineRule(
        Stage.UNDER_DELIBERATION,
        lambda d: d.deliberation_due,
        Step.DELIBERATION_OVERDUE,
        lambda p: p.on_deliberation_lapse == LapseOutcome.MARK_OVERDUE,
    ),
)


def due_steps(
    procedure: Procedure, stage: Stage, deadlines: Deadlines, now: datetime
) -> list[Step]:
    """The clock's steps whose window has closed by `now`."""
    return [
        rule.step
        for rule in DEADLINE_RULES
        if rule.stage == stage
        and rule.applies(procedure)
        and (due := rule.due(deadlines)) is not None
        and due <= now
    ]


# --- the decision rule ----------------------------------------------------------------------


_SUPPORT: Final[Mapping[Finding, VoteValue]] = {
    Finding.VIOLATION: VoteValue.CONFIRMED,
    Finding.NO_VIOLATION: VoteValue.NOT_A_VIOLATION,
    Finding.NOT_ESTABLISHED: VoteValue.CANNOT_CONFIRM,
}


def tally(rule: DecisionRule, guarantors: int, votes: Mapping[str, VoteValue]) -> Finding:
    """The finding the votes (one per guarantor body) make under the rule."""
    return _RULES[rule](guarantors, [v for v in votes.values() if v != VoteValue.ABSTAIN])


def _unanimity(_guarantors: int, positions: list[VoteValue]) -> Finding:
    if positions and all(v == VoteValue.CONFIRMED for v in positions):
        return Finding.VIOLATION
    if positions and all(v == VoteValue.NOT_A_VIOLATION for v in positions):
        return Finding.NO_VIOLATION
    return Finding.NOT_ESTABLISHED


def _majority(guarantors: int, positions: list[VoteValue]) -> Finding:
    def more_than_half(value: VoteValue) -> bool:
        return 2 * positions.count(value) > guarantors

    if more_than_half(VoteValue.CONFIRMED):
        return Finding.VIOLATION
    if more_than_half(VoteValue.NOT_A_VIOLATION):
        return Finding.NO_VIOLATION
    return Finding.NOT_ESTABLISHED


_RULES: Final[Mapping[DecisionRule, Callable[[int, list[VoteValue]], Finding]]] = {
    DecisionRule.UNANIMITY: _unanimity,
    DecisionRule.MAJORITY: _majority,
}


def dissents(finding: Finding, value: VoteValue) -> bool:
    """A vote that does not support the finding (abstentions take no side)."""
    return value != VoteValue.ABSTAIN and value != _SUPPORT[finding]


@dataclass(frozen=True, slots=True)
class GuarantorCount:
    """One guarantor's own counts over many cases, as each side's daily bulletin gave them."""

    body_id: str
    counts: Mapping[VoteValue, int]


def counts_by_guarantor(
    guarantor_ids: Iterable[str], cases: Iterable[Mapping[str, VoteValue]]
) -> list[GuarantorCount]:
    """Each guarantor's confirmations, denials, "cannot confirm" and abstentions, counted
    separately: never merged into one number for the board."""
    table = {body: dict.fromkeys(VoteValue, 0) for body in guarantor_ids}
    for votes in cases:
        for body, value in votes.items():
            if body in table:
                table[body][value] += 1
    return [GuarantorCount(body, counts) for body, counts in table.items()]
