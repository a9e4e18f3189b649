"""The lowest part of the procedure's use cases: a case as stored (or as every incident starts,
reported), a move through the transition table with its history row and record entry, and
the closing of a case when the analysts merge or split its incident (docs/procedure.md).

It imports nothing of the incident service, so `IncidentService.merge` and `split` can move
the cases of the incidents they close in their own unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from truce.application.ports import JsonValue, UnitOfWork
from truce.domain.errors import ProcedureError, Refusal
from truce.domain.incidents import Incident
from truce.domain.parties import Role
from truce.domain.procedure import (
    DEFAULT_PROCEDURE,
    TERMINAL,
    Deadlines,
    Facts,
    Procedure,
    Stage,
    Step,
    check_step,
)
from truce.domain.procedure_records import Case, StepTaken

MECHANISM_BODY = "mechanism"
# Steps an incident's merge or split takes on its case. They have no gates (a unit test pins
# it), so the facts handed to the table carry only the procedure.
INCIDENT_STEPS = frozenset({Step.MERGE, Step.SPLIT})


def case_of(uow: UnitOfWork, incident: Incident) -> Case:
    """The stored case, or the one every incident starts with: reported."""
    stored = uow.procedure.case(incident.id)
    if stored is not None:
        return stored
    agreement = uow.agreements.get(incident.agreement_id)
    version = 1 if agreement is None else agreement.version
    return Case.new(incident.id, incident.agreement_id, version, incident.opened_at)


def move_case(
    uow: UnitOfWork,
    procedure: Procedure,
    case: Case,
    step: Step,
    target: Stage,
    *,
    by: str | None,
    note: str,
    now: datetime,
) -> Case:
    """Store the case in `target` with the windows that start there, its history row and
    its `procedure.step` record entry (the note as a commitment)."""
    moved = replace(case.moved(target, now), deadlines=windows(procedure, case, target, now))
    seq = len(uow.procedure.steps(case.incident_id)) + 1
    taken = StepTaken(case.incident_id, seq, step, case.stage, target, now, by, note)
    uow.procedure.save_case(moved)
    uow.procedure.add_step(taken)
    append_entry(
        uow,
        "procedure.step",
        case.incident_id,
        now,
        {
            "seq": seq,
            "step": step.value,
            "from": case.stage.value,
            "to": target.value,
            "by": by,
            "revision": moved.revision,
        },
        {"note": note} if note else None,
    )
    return moved


def close_case(
    uow: UnitOfWork,
    incident: Incident,
    step: Step,
    roles: Iterable[Role],
    *,
    by: str,
    now: datetime,
    merged_into: str | None = None,
) -> Case:
    """Take MERGE or SPLIT on the case of an incident its analyst merges away or splits,
    through the transition table: ProcedureError when the case's stage does not allow it
    (a determined or published case keeps its incident whole)."""
    if step not in INCIDENT_STEPS:
        raise ProcedureError(
            Refusal.NOT_AN_INCIDENT_STEP,
            f"{step} is not taken by an incident's merge or split",
            step=step,
        )
    case = case_of(uow, incident)
    procedure = _procedure_of(uow, case)
    target = check_step(case.stage, step, Facts(procedure=procedure, guarantors=0), roles)
    moved = move_case(uow, procedure, case, step, target, by=by, note="", now=now)
    if merged_into is not None:
        moved = replace(moved, merged_into=merged_into)
        uow.procedure.save_case(moved)
    return moved


def check_receives(uow: UnitOfWork, incident: Incident) -> None:
    """An incident can take in another's reports only while its case is open: a determined
    or published finding keeps the file it was made on."""
    case = uow.procedure.case(incident.id)
    if case is not None and (case.stage in TERMINAL or case.stage == Stage.DETERMINED):
        raise ProcedureError(
            Refusal.PROCEDURE_CLOSED,
            f"its verification procedure is {case.stage.value.replace('_', ' ')}",
            stage=case.stage,
        )


def revise_received(uow: UnitOfWork, incident: Incident, now: datetime) -> None:
    """Reports merged in change the file the board votes on: its revision rises, so votes
    on the file before count no longer (S8)."""
    case = uow.procedure.case(incident.id)
    if case is not None:
        uow.procedure.save_case(revised(case, now))


def windows(procedure: Procedure, case: Case, target: Stage, now: datetime) -> Deadlines:
    """The windows that start on entering a stage; leaving a stage ends its window."""
    d = case.deadlines
    if target == case.stage:
        return d
    return Deadlines(
        investigation_due=now + procedure.investigation_window
        if target == Stage.UNDER_INVESTIGATION
        else None,
        reply_due=d.reply_due if target == Stage.REPLY_REQUESTED else None,
        deliberation_due=now + procedure.deliberation_window
        if target == Stage.UNDER_DELIBERATION
        else None,
    )


def revised(case: Case, at: datetime) -> Case:
    return replace(case, revision=case.revision + 1, updated_at=at)


def append_entry(
    uow: UnitOfWork,
    kind: str,
    incident_id: str,
    at: datetime,
    public: dict[str, JsonValue],
    confidential: dict[str, JsonValue] | None = None,
    owner_body_id: str | None = MECHANISM_BODY,
) -> None:
    uow.record.append(
        kind,
        subject=f"incident:{incident_id}",
        at=at,
        public={"incident_id": incident_id, **public},
        confidential=confidential,
        owner_body_id=owner_body_id,
    )


def _procedure_of(uow: UnitOfWork, case: Case) -> Procedure:
    agreement = uow.agreements.get(case.agreement_id, case.agreement_version)
    return DEFAULT_PROCEDURE if agreement is None else agreement.procedure
