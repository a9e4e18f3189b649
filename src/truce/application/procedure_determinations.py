"""The determination and its publication (docs/procedure.md): the finding follows from the
counted votes; the analyst states attribution, clauses, severity and evidence; publishing is
the one step that lowers confidentiality (S11).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from truce.application.ports import JsonValue, UnitOfWork
from truce.application.procedure_case import MECHANISM_BODY, CaseDesk, Opened, append_entry
from truce.domain.access import (
    Resource,
    ResourceKind,
)
from truce.domain.errors import (
    FieldError,
    InvalidInputError,
)
from truce.domain.parties import Member
from truce.domain.procedure import (
    Deadlines,
    Step,
    tally,
)
from truce.domain.procedure_records import (
    Case,
    CountedVote,
    Determination,
    Severity,
)


def determination_resource(determination: Determination) -> Resource:
    return Resource(
        ResourceKind.DETERMINATION,
        determination.id,
        owner_body_id=MECHANISM_BODY,
        confidentiality=determination.confidentiality,
    )


@dataclass(frozen=True, slots=True)
class DeterminationDraft:
    """What the analyst states; the finding itself follows from the votes and the rule."""

    attributed_party_id: str | None = None
    attributed_actor_id: str | None = None
    clause_ids: tuple[str, ...] = ()
    severity: Severity | None = None
    evidence_report_ids: tuple[str, ...] = ()
    summary: str = ""


class Determinations(CaseDesk):
    """The board's finding under the agreement's rule, and its publication."""

    __slots__ = ()

    def determine(
        self,
        member: Member,
        incident_id: str,
        draft: DeterminationDraft,
        address: str | None = None,
    ) -> Determination:
        """Record the board's finding: it follows from the counted votes under the agreement's
        rule; the analyst states attribution, clauses, severity and evidence."""
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            _check_draft(uow, opened, draft)
            case = self._step(uow, opened, Step.DETERMINE, member, "", address)
            determination = self._determination(uow, opened, draft, member.id)
            uow.procedure.save_determination(determination)
            uow.procedure.save_case(replace(case, deadlines=Deadlines()))
            _record_determination(uow, determination)
            uow.commit()
        return determination

    def published(self, limit: int = 50) -> list[Determination]:
        with self.uow() as uow:
            return uow.procedure.determinations(limit, published_only=True)

    def _determination(
        self,
        uow: UnitOfWork,
        opened: Opened,
        draft: DeterminationDraft,
        by: str | None,
    ) -> Determination:
        agreement, case = opened.agreement, opened.case
        votes = [v for v in self._votes(uow, agreement, case) if v.counted]
        finding = tally(
            agreement.procedure.decision_rule,
            len(agreement.guarantor_ids),
            {v.body_id: v.value for v in votes},
        )
        excluded = draft.attributed_actor_id in agreement.excluded_actor_ids
        return Determination(
            id=self.ids.new_id(),
            incident_id=case.incident_id,
            agreement_id=agreement.id,
            agreement_version=agreement.version,
            finding=finding,
            decided_at=self.clock.now(),
            decided_by=by,
            decision_rule=agreement.procedure.decision_rule.value,
            attributed_party_id=draft.attributed_party_id,
            attributed_actor_id=draft.attributed_actor_id,
            clause_ids=draft.clause_ids,
            severity=draft.severity,
            excluded_actor_id=draft.attributed_actor_id if excluded else None,
            evidence_report_ids=draft.evidence_report_ids,
            votes=tuple(
                CountedVote(
                    v.body_id, v.member_id, v.value, v.reasons, v.payload_hash, v.received_at
                )
                for v in votes
            ),
            summary=draft.summary,
            revision=case.revision,
        )

    def _publish(self, uow: UnitOfWork, case: Case) -> None:
        """Publication, the one way material goes down the ladder (S11): the determination
        with its votes and dissent, and the replies of the accused."""
        determination = uow.procedure.determination(case.incident_id)
        assert determination is not None  # noqa: S101 - the gate "determination recorded" held
        public = determination.published(self.clock.now())
        uow.procedure.save_determination(public)
        uow.procedure.publish_replies(case.incident_id)
        append_entry(
            uow,
            "procedure.published",
            case.incident_id,
            self.clock.now(),
            _public_determination(public),
        )

    def _determine_by_clock(self, uow: UnitOfWork, opened: Opened) -> None:
        """The window closed: the votes cast so far are the board's, under its rule."""
        draft = DeterminationDraft(
            summary="The deliberation window closed before the board determined the case."
        )
        determination = self._determination(uow, opened, draft, None)
        uow.procedure.save_determination(determination)
        _record_determination(uow, determination)


def _check_draft(uow: UnitOfWork, opened: Opened, draft: DeterminationDraft) -> None:
    agreement = opened.agreement
    errors = []
    if draft.attributed_party_id and draft.attributed_party_id not in agreement.party_ids:
        errors.append(FieldError("attributed_party", "must be a party to the agreement"))
    if draft.attributed_actor_id and uow.actors.get(draft.attributed_actor_id) is None:
        errors.append(FieldError("attributed_actor", "is not a known actor"))
    unknown = [c for c in draft.clause_ids if agreement.clause(c) is None]
    if unknown:
        errors.append(FieldError("clauses", f"not clauses of the agreement: {', '.join(unknown)}"))
    foreign = set(draft.evidence_report_ids) - set(opened.incident.report_ids)
    if foreign:
        errors.append(FieldError("evidence", "must be reports of this incident"))
    if len(draft.summary) > 8000:  # noqa: PLR2004 - as every free text of the procedure
        errors.append(FieldError("summary", "must be at most 8000 characters"))
    if errors:
        raise InvalidInputError(errors)


def _public_determination(d: Determination) -> dict[str, JsonValue]:
    """The determination as its publication shows it: everything, dissent included."""
    return {
        "determination_id": d.id,
        "incident_id": d.incident_id,
        "agreement_id": d.agreement_id,
        "agreement_version": d.agreement_version,
        "finding": d.finding.value,
        "decision_rule": d.decision_rule,
        "attributed_party_id": d.attributed_party_id,
        "attributed_actor_id": d.attributed_actor_id,
        "excluded_actor_id": d.excluded_actor_id,
        "clause_ids": list(d.clause_ids),
        "severity": None if d.severity is None else d.severity.value,
        "evidence_report_ids": list(d.evidence_report_ids),
        "votes": [
            {
                "body_id": v.body_id,
                "value": v.value.value,
                "payload_hash": v.payload_hash,
                "dissent": v in d.dissent,
            }
            for v in d.votes
        ],
        "summary": d.summary,
        "revision": d.revision,
    }


def _record_determination(uow: UnitOfWork, d: Determination) -> None:
    """Before publication the finding is the mechanism's: it enters as a commitment."""
    append_entry(
        uow,
        "procedure.determined",
        d.incident_id,
        d.decided_at,
        {"determination_id": d.id, "by": d.decided_by, "votes": len(d.votes)},
        _public_determination(d),
    )
