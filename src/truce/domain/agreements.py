"""The agreement: a ceasefire's terms, versioned.

A new version never overwrites an old one; each names the bodies it binds and involves, when it
enters into force and which groups it leaves outside the truce.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.parties import Body, BodyKind
from truce.domain.procedure import DEFAULT_PROCEDURE, Procedure, check_procedure


@dataclass(frozen=True, slots=True)
class Clause:
    """One provision of the agreement, by a stable id a determination cites."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Agreement:
    id: str
    version: int
    title: str
    entry_into_force: datetime
    # Bodies by their standing; each id names a Body of the matching kind.
    party_ids: tuple[str, ...]
    guarantor_ids: tuple[str, ...]
    mediator_ids: tuple[str, ...] = ()
    observer_ids: tuple[str, ...] = ()
    # Actors the truce does not cover (designated terrorist groups in the Syrian case).
    excluded_actor_ids: tuple[str, ...] = ()
    summary: str = ""
    # The verification procedure this version lays down (domain/procedure.py).
    procedure: Procedure = DEFAULT_PROCEDURE
    # The provisions a determination may find violated.
    clauses: tuple[Clause, ...] = ()

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)

    def participant_ids(self) -> tuple[str, ...]:
        return self.party_ids + self.guarantor_ids + self.mediator_ids + self.observer_ids

    def binds(self, body_id: str) -> bool:
        return body_id in self.party_ids


_EXPECTED_KIND = {
    "party_ids": BodyKind.PARTY,
    "guarantor_ids": BodyKind.GUARANTOR,
    "mediator_ids": BodyKind.MEDIATION,
    "observer_ids": BodyKind.OBSERVER,
}


def check_agreement(agreement: Agreement, bodies: dict[str, Body]) -> None:
    """Refuse an agreement whose bodies are unknown, of the wrong kind, or listed twice."""
    errors: list[FieldError] = []
    if not agreement.title.strip():
        errors.append(FieldError("title", "must not be empty"))
    if agreement.version < 1:
        errors.append(FieldError("version", "versions start at 1"))
    if agreement.entry_into_force.tzinfo is None:
        errors.append(FieldError("entry_into_force", "must carry a time zone"))
    if len(agreement.party_ids) < 2:  # noqa: PLR2004 - a ceasefire binds at least two sides
        errors.append(FieldError("party_ids", "a ceasefire binds at least two parties"))
    for field_name, kind in _EXPECTED_KIND.items():
        errors.extend(_check_bodies(field_name, getattr(agreement, field_name), kind, bodies))
    everyone = agreement.participant_ids()
    if len(set(everyone)) != len(everyone):
        errors.append(FieldError("participants", "a body holds one standing only"))
    errors.extend(_check_clauses(agreement))
    errors.extend(_check_quorum(agreement))
    if errors:
        raise InvalidInputError(errors)
    check_procedure(agreement.procedure)


def with_procedure(agreement: Agreement, procedure: Procedure) -> Agreement:
    """The next version of `agreement`: the same terms under another procedure. A version is
    never changed in place: cases opened under the old one keep it (they name their version),
    cases opened afterwards follow the new one."""
    return replace(agreement, version=agreement.version + 1, procedure=procedure)


def _check_quorum(agreement: Agreement) -> list[FieldError]:
    # A quorum no board could reach would leave every case stuck under deliberation.
    guarantors = len(agreement.guarantor_ids)
    if agreement.procedure.quorum > guarantors:
        message = f"cannot exceed the {guarantors} guarantors the agreement names"
        return [FieldError("procedure.quorum", message)]
    return []


def _check_clauses(agreement: Agreement) -> list[FieldError]:
    clause_ids = [clause.id for clause in agreement.clauses]
    if len(set(clause_ids)) != len(clause_ids) or not all(i.strip() for i in clause_ids):
        return [FieldError("clauses", "each clause has its own non-empty id")]
    return []


def _check_bodies(
    field_name: str, ids: tuple[str, ...], kind: BodyKind, bodies: dict[str, Body]
) -> list[FieldError]:
    errors = []
    for body_id in ids:
        body = bodies.get(body_id)
        if body is None:
            errors.append(FieldError(field_name, f"unknown body {body_id!r}"))
        elif body.kind is not kind:
            errors.append(FieldError(field_name, f"{body_id!r} is a {body.kind}, not a {kind}"))
    return errors
