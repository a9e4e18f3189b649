"""Guarantor votes (docs/procedure.md): a vote is a signed decision on the current revision
of the case's file; each guarantor's deliberation queue, with its own counts kept apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from truce.application.access_guard import (
    Decision,
    audit_decision,
    principal_of,
)
from truce.application.decisions import DecisionDraft, Submitted
from truce.application.ports import UnitOfWork
from truce.application.procedure_case import CaseDesk, sees_incident
from truce.application.procedure_objects import INCIDENT_OBJECT
from truce.domain.access import (
    ALLOW,
    Action,
    ResourceKind,
)
from truce.domain.decisions import (
    DecisionKind,
)
from truce.domain.errors import (
    AccessDeniedError,
    ProcedureError,
    Refusal,
)
from truce.domain.parties import BodyKind, Member
from truce.domain.procedure import (
    GuarantorCount,
    Stage,
    VoteValue,
    counts_by_guarantor,
)
from truce.domain.procedure_records import (
    Case,
    Determination,
)

QUEUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class QueueItem:
    case: Case
    voted: VoteValue | None
    votes_cast: int


@dataclass(frozen=True, slots=True)
class Queue:
    items: list[QueueItem]
    counts: list[GuarantorCount]


class Votes(CaseDesk):
    """Guarantor votes (signed decisions of kind vote) and each guarantor's queue."""

    __slots__ = ()

    def cast_vote(
        self,
        member: Member,
        password: str,
        incident_id: str,
        value: VoteValue,
        reasons: str,
        *,
        address: str,
        totp_code: str | None = None,
    ) -> Submitted:
        """A guarantor's vote, signed with its server-held key once it re-authenticated: a
        signed decision of kind vote on the current revision of the incident's file."""
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            if opened.case.stage != Stage.UNDER_DELIBERATION:
                self._refuse(
                    uow,
                    opened.principal,
                    ResourceKind.INCIDENT,
                    incident_id,
                    address,
                    f"vote refused: case {opened.case.stage}",
                )
                raise ProcedureError(
                    Refusal.VOTE_OUTSIDE_DELIBERATION,
                    "votes are cast while the case is under deliberation",
                )
            if member.body_id not in opened.agreement.guarantor_ids:
                self._refuse(
                    uow,
                    opened.principal,
                    ResourceKind.INCIDENT,
                    incident_id,
                    address,
                    "vote refused: not a guarantor of the agreement",
                )
                raise AccessDeniedError("only the agreement's guarantors vote")
            revision = str(opened.case.revision)
        draft = DecisionDraft(
            DecisionKind.VOTE, INCIDENT_OBJECT, incident_id, value.value, reasons, revision
        )
        return self.decisions.sign_for_member(
            member, password, draft, address=address, totp_code=totp_code
        )

    def queue(self, member: Member, address: str | None = None) -> Queue:
        """A guarantor's deliberation queue: cases under deliberation on agreements it
        guarantees, whether it has voted on the current file; and each guarantor's own counts
        over the determinations so far."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            if principal.body_kind not in {
                BodyKind.GUARANTOR,
                BodyKind.MECHANISM,
                BodyKind.MEDIATION,
            }:
                return Queue([], [])
            cases = uow.procedure.cases(
                {Stage.UNDER_DELIBERATION, Stage.COMMITTEE_REVIEW}, QUEUE_LIMIT
            )
            items = [
                item
                for case in cases
                if (incident := uow.incidents.get(case.incident_id)) is not None
                and sees_incident(uow, principal, incident)
                and (item := self._queue_item(uow, case, member.body_id)) is not None
            ]
            done = uow.procedure.determinations(QUEUE_LIMIT, published_only=False)
            guarantors = _guarantors(uow, done)
            counts = counts_by_guarantor(
                guarantors, ({v.body_id: v.value for v in d.votes} for d in done)
            )
            if items:
                entry = Decision(
                    principal,
                    Action.LIST,
                    ResourceKind.INCIDENT,
                    None,
                    ALLOW,
                    f"deliberation queue: {len(items)} cases",
                )
                audit_decision(uow, self.clock.now(), entry, address)
                uow.commit()
        return Queue(items, counts)

    def _queue_item(self, uow: UnitOfWork, case: Case, body_id: str) -> QueueItem | None:
        agreement = uow.agreements.get(case.agreement_id, case.agreement_version)
        if agreement is None:
            return None
        votes = [v for v in self._votes(uow, agreement, case) if v.counted]
        mine = next((v.value for v in votes if v.body_id == body_id), None)
        return QueueItem(case, mine, len(votes))


def _guarantors(uow: UnitOfWork, determinations: list[Determination]) -> list[str]:
    ids: list[str] = []
    for agreement_id in dict.fromkeys(d.agreement_id for d in determinations):
        agreement = uow.agreements.get(agreement_id)
        if agreement is not None:
            ids.extend(g for g in agreement.guarantor_ids if g not in ids)
    return ids
