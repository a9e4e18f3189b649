"""What the procedure keeps about one incident: the case (its stage, windows and history),
the investigation (monitors assigned, their reports, coverage gaps), the right of reply
(requests and replies) and the determination (docs/procedure.md).

Pure: standard library only. Ids and times are handed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.procedure import Deadlines, Finding, Stage, Step, VoteValue, dissents

MAX_TEXT: Final = 8000
NO_DEADLINES: Final = Deadlines()


@dataclass(frozen=True, slots=True)
class Case:
    """Where one incident stands in its agreement's procedure. An incident with no stored
    case is `reported` (`Case.new`)."""

    incident_id: str
    agreement_id: str
    agreement_version: int
    stage: Stage
    opened_at: datetime
    updated_at: datetime
    accused_body_id: str | None = None
    deadlines: Deadlines = NO_DEADLINES
    reply_lapsed: bool = False
    # The file the board votes on: raised whenever its material changes (an investigation
    # report, a reply), so votes on an older file count no longer (S8).
    revision: int = 1
    merged_into: str | None = None

    @classmethod
    def new(cls, incident_id: str, agreement_id: str, version: int, at: datetime) -> Case:
        return cls(incident_id, agreement_id, version, Stage.REPORTED, at, at)

    def moved(self, stage: Stage, at: datetime) -> Case:
        return replace(self, stage=stage, updated_at=at)


@dataclass(frozen=True, slots=True)
class StepTaken:
    """One step of a case's history, as the decision panel and the record show it."""

    incident_id: str
    seq: int
    step: Step
    from_stage: Stage
    to_stage: Stage
    at: datetime
    # None: the clock took it when a deadline passed.
    by_member_id: str | None
    note: str = ""


# --- investigation ------------------------------------------------------------------------------


class GapKind(StrEnum):
    ACCESS_DENIED = "access_denied"
    SENSOR_DOWN = "sensor_down"
    NOT_OBSERVABLE = "not_observable"


class Coverage(StrEnum):
    """What an investigation report could see; "no violation" is only ever said of what was
    observed."""

    OBSERVED = "observed"
    PARTLY_OBSERVED = "partly_observed"
    NOT_OBSERVED = "not_observed"


class Observed(StrEnum):
    VIOLATION_OBSERVED = "violation_observed"
    NO_VIOLATION_OBSERVED = "no_violation_observed"
    NOTHING_CONCLUSIVE = "nothing_conclusive"


@dataclass(frozen=True, slots=True)
class CoverageGap:
    kind: GapKind
    area: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Assignment:
    incident_id: str
    member_id: str
    assigned_at: datetime
    assigned_by: str


@dataclass(frozen=True, slots=True)
class InvestigationReport:
    id: str
    incident_id: str
    filed_by: str
    filed_at: datetime
    observed: Observed
    coverage: Coverage
    findings: str
    gaps: tuple[CoverageGap, ...] = ()


def check_investigation_report(report: InvestigationReport) -> None:
    """A report says what it could not see: partial or no coverage names its gaps, and a
    report with gaps cannot claim full coverage."""
    errors = []
    if not report.findings.strip():
        errors.append(FieldError("findings", "say what the monitors found"))
    if len(report.findings) > MAX_TEXT:
        errors.append(FieldError("findings", f"must be at most {MAX_TEXT} characters"))
    if report.coverage != Coverage.OBSERVED and not report.gaps:
        errors.append(FieldError("gaps", "name what could not be observed, and why"))
    if report.coverage == Coverage.OBSERVED and report.gaps:
        errors.append(FieldError("coverage", "a report with coverage gaps is partly observed"))
    if report.coverage == Coverage.NOT_OBSERVED and report.observed != Observed.NOTHING_CONCLUSIVE:
        errors.append(FieldError("observed", "what was not observed yields nothing conclusive"))
    if any(not gap.area.strip() for gap in report.gaps):
        errors.append(FieldError("gaps", "each gap names the area or time it concerns"))
    if errors:
        raise InvalidInputError(errors)


def observation_label(report: InvestigationReport) -> str:
    """How a report reads in a list: never "no violations" for what was not observed."""
    if report.coverage == Coverage.NOT_OBSERVED:
        return "not observed"
    label = report.observed.value.replace("_", " ")
    if report.coverage == Coverage.PARTLY_OBSERVED:
        return f"{label} (partly observed: {len(report.gaps)} coverage gap(s))"
    return label


# --- the right of reply ---------------------------------------------------------------------


class ReplyStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    # No reply by the deadline: recorded as such, never as an answer.
    LAPSED = "lapsed"


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    """The mechanism's request to the accused party: the allegation as the policy lets the
    accused see it (a summary, and the reports it may read), and the deadline."""

    id: str
    incident_id: str
    accused_body_id: str
    requested_at: datetime
    due_at: datetime
    allegation: str
    # Reports the accused may read (public ones, its own): listed for it, nothing more.
    shared_report_ids: tuple[str, ...] = ()
    status: ReplyStatus = ReplyStatus.OPEN
    settled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    id: str
    request_id: str
    incident_id: str
    body_id: str
    member_id: str
    replied_at: datetime
    text: str
    confidentiality: Confidentiality = Confidentiality.MECHANISM


def check_text(name: str, text: str) -> None:
    if not text.strip():
        raise InvalidInputError([FieldError(name, "must not be empty")])
    if len(text) > MAX_TEXT:
        raise InvalidInputError([FieldError(name, f"must be at most {MAX_TEXT} characters")])


# --- the determination ------------------------------------------------------------------------


class Severity(StrEnum):
    MINOR = "minor"
    SERIOUS = "serious"
    GRAVE = "grave"


@dataclass(frozen=True, slots=True)
class CountedVote:
    """A guarantor's vote as the determination keeps it: the signed decision it came from."""

    body_id: str
    member_id: str
    value: VoteValue
    reasons: str
    payload_hash: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Determination:
    id: str
    incident_id: str
    agreement_id: str
    agreement_version: int
    finding: Finding
    decided_at: datetime
    # None: the clock determined it when the deliberation window closed.
    decided_by: str | None
    decision_rule: str
    # Unattributed when both are None.
    attributed_party_id: str | None
    attributed_actor_id: str | None
    clause_ids: tuple[str, ...]
    severity: Severity | None
    # Set when the perpetrator is a group the agreement leaves outside the truce.
    excluded_actor_id: str | None
    evidence_report_ids: tuple[str, ...]
    votes: tuple[CountedVote, ...]
    summary: str
    revision: int
    confidentiality: Confidentiality = Confidentiality.MECHANISM
    published_at: datetime | None = None

    @property
    def attributed(self) -> bool:
        return self.attributed_party_id is not None or self.attributed_actor_id is not None

    @property
    def dissent(self) -> tuple[CountedVote, ...]:
        """Minority opinions: votes that do not support the finding, published with it."""
        return tuple(v for v in self.votes if dissents(self.finding, v.value))

    def published(self, at: datetime) -> Determination:
        return replace(self, confidentiality=Confidentiality.PUBLIC, published_at=at)
