"""Labels of the procedure's codes (stages, steps, votes, findings, coverage...) as msgids:
the procedure's templates show `{{ _(labels.stage[case.stage]) }}`. Every code has a label,
so a code added to the domain without one fails at import (`_complete`), not on a page."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from truce.domain.decisions import DecisionStatus
from truce.domain.procedure import DecisionRule, Finding, Stage, Step, VoteValue
from truce.domain.procedure_records import (
    Coverage,
    GapKind,
    InvestigationReport,
    Observed,
    ReplyStatus,
    Severity,
)
from truce.entrypoints.web.i18n import N_


def _complete(enum: type[StrEnum], labels: dict[str, str]) -> Mapping[str, str]:
    missing = {member.value for member in enum} - labels.keys()
    if missing:
        raise ValueError(f"no label for {enum.__name__} {sorted(missing)}")
    return labels


STAGES: Final = _complete(Stage, {
    "reported": N_("reported"),
    "triaged": N_("triaged"),
    "under_investigation": N_("under investigation"),
    "reply_requested": N_("reply requested"),
    "committee_review": N_("committee review"),
    "under_deliberation": N_("under deliberation"),
    "determined": N_("determined"),
    "published": N_("published"),
    "dismissed": N_("dismissed"),
    "merged": N_("merged"),
    "split": N_("split"),
})  # fmt: skip
STEPS: Final = _complete(Step, {
    "triage": N_("Triage"),
    "dismiss": N_("Dismiss"),
    "merge": N_("Merge"),
    "split": N_("Split"),
    "investigate": N_("Investigate"),
    "request_reply": N_("Request reply"),
    "refer_to_committee": N_("Refer to committee"),
    "committee_clears": N_("Committee clears"),
    "open_deliberation": N_("Open deliberation"),
    "return_to_investigation": N_("Return to investigation"),
    "determine": N_("Determine"),
    "publish": N_("Publish"),
    "reply_lapsed": N_("Reply lapsed"),
    "investigation_overdue": N_("Investigation overdue"),
    "deliberation_lapsed": N_("Deliberation lapsed"),
    "deliberation_overdue": N_("Deliberation overdue"),
})  # fmt: skip
VOTES: Final = _complete(VoteValue, {
    "confirmed": N_("violation confirmed"),
    "not_a_violation": N_("not a violation"),
    "cannot_confirm": N_("cannot confirm"),
    "abstain": N_("abstain"),
})  # fmt: skip
FINDINGS: Final = _complete(Finding, {
    "violation": N_("violation"),
    "no_violation": N_("no violation"),
    "not_established": N_("not established"),
})  # fmt: skip
RULES: Final = _complete(DecisionRule, {
    "unanimity": N_("unanimity"),
    "majority": N_("majority"),
})  # fmt: skip
OBSERVED: Final = _complete(Observed, {
    "violation_observed": N_("violation observed"),
    "no_violation_observed": N_("no violation observed"),
    "nothing_conclusive": N_("nothing conclusive"),
})  # fmt: skip
COVERAGE: Final = _complete(Coverage, {
    "observed": N_("observed"),
    "partly_observed": N_("partly observed"),
    "not_observed": N_("not observed"),
})  # fmt: skip
GAPS: Final = _complete(GapKind, {
    "access_denied": N_("access denied"),
    "sensor_down": N_("sensor down"),
    "not_observable": N_("not observable"),
})  # fmt: skip
SEVERITIES: Final = _complete(Severity, {
    "minor": N_("minor"),
    "serious": N_("serious"),
    "grave": N_("grave"),
})  # fmt: skip
REPLY_STATUSES: Final = _complete(ReplyStatus, {
    "open": N_("open"),
    "answered": N_("answered"),
    "lapsed": N_("lapsed"),
})  # fmt: skip
SIGNATURES: Final = _complete(DecisionStatus, {
    "valid": N_("valid"),
    "on a superseded version": N_("on a superseded version"),
    "superseded": N_("superseded"),
    "signature does not verify": N_("signature does not verify"),
    "key was not current when received": N_("key was not current when received"),
})  # fmt: skip


def observation(report: InvestigationReport) -> tuple[str, str]:
    """What an investigation report observed and how much could be: two msgids. Never "no
    violations" for what nobody saw (domain `observation_label` says the same in English)."""
    if report.coverage == Coverage.NOT_OBSERVED:
        return COVERAGE["not_observed"], ""
    return OBSERVED[report.observed.value], COVERAGE[report.coverage.value]


LABELS: Final = {
    "stage": STAGES,
    "step": STEPS,
    "vote": VOTES,
    "finding": FINDINGS,
    "rule": RULES,
    "observed": OBSERVED,
    "coverage": COVERAGE,
    "gap": GAPS,
    "severity": SEVERITIES,
    "reply": REPLY_STATUSES,
    "signature": SIGNATURES,
}

# The fields a refused form of the procedure's pages names (the panel's forms, the application's
# checks of a step, an investigation report, a vote, a determination, a reply), as the error
# line says them before the message: mostly the forms' own labels. A field not listed here is
# shown by its name.
FIELDS: Final[Mapping[str, str]] = {
    "step": N_("Step"),
    "accused": N_("Accused party"),
    "note": N_("Note"),
    "allegation": N_("Allegation as the accused may see it"),
    "monitor": N_("Monitor"),
    "observed": N_("Observed"),
    "coverage": N_("Coverage"),
    "findings": N_("Findings"),
    "gaps": N_("Coverage gaps"),
    "gap_kind": N_("Coverage gap"),
    "gap_area": N_("Gap area"),
    "gap_note": N_("Gap note"),
    "value": N_("Your vote"),
    "reasons": N_("Reasons"),
    "password": N_("Password"),
    "key": N_("Signing key"),
    "party": N_("Attributed party"),
    "attributed_party": N_("Attributed party"),
    "actor": N_("Actor (id)"),
    "attributed_actor": N_("Actor (id)"),
    "clauses": N_("Clauses (ids)"),
    "severity": N_("Severity"),
    "evidence": N_("Evidence (report ids)"),
    "summary": N_("Summary"),
    "text": N_("Your reply"),
}

# What a shut gate says is missing (domain/procedure.py, `Gate.missing`): the panel lists
# blocked steps with these, translated part by part.
GATE_MESSAGES: Final = frozenset({
    N_("no investigation report has been filed"),
    N_("no party is accused"),
    N_("the accused party has neither replied nor seen its reply window close"),
    N_("the agreement has no committee step"),
    N_("the agreement requires the committee's review before the board"),
    N_("the guarantors who voted do not make the quorum"),
    N_("no determination has been recorded"),
})  # fmt: skip
