"""The investigation of a case (docs/procedure.md): monitors assigned, their findings and
what they could not observe, so "no violations" is never mistaken for "not observed".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from truce.application.ports import UnitOfWork
from truce.application.procedure_case import CaseDesk, Opened, append_entry, revised
from truce.domain.access import (
    ResourceKind,
)
from truce.domain.errors import (
    FieldError,
    InvalidInputError,
    ProcedureError,
    Refusal,
)
from truce.domain.parties import Member
from truce.domain.procedure import (
    INVESTIGATORS,
    Stage,
)
from truce.domain.procedure_records import (
    Assignment,
    Coverage,
    CoverageGap,
    InvestigationReport,
    Observed,
    check_investigation_report,
)


class Investigations(CaseDesk):
    """Monitors assigned to a case and their reports, coverage gaps included."""

    __slots__ = ()

    def assign_monitor(
        self, member: Member, incident_id: str, monitor_id: str, address: str | None = None
    ) -> Assignment:
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            self._investigating(uow, opened, member, address)
            monitor = uow.members.get(monitor_id)
            if monitor is None or not monitor.roles & INVESTIGATORS or not monitor.active:
                raise InvalidInputError([FieldError("monitor", "is not an active monitor")])
            assignment = Assignment(incident_id, monitor.id, self.clock.now(), member.id)
            uow.procedure.assign(assignment)
            append_entry(
                uow,
                "procedure.monitor_assigned",
                incident_id,
                assignment.assigned_at,
                {"member_id": monitor.id, "by": member.id},
            )
            uow.commit()
        return assignment

    def file_investigation_report(
        self,
        member: Member,
        incident_id: str,
        *,
        observed: str,
        coverage: str,
        findings: str,
        gaps: Sequence[CoverageGap] = (),
        address: str | None = None,
    ) -> InvestigationReport:
        """The monitors' findings with what they could not observe; raises the file's
        revision, so votes on the file before it no longer count."""
        report = _parse_investigation(
            self.ids.new_id(),
            incident_id,
            member.id,
            self.clock.now(),
            observed,
            coverage,
            findings,
            gaps,
        )
        with self.uow() as uow:
            opened = self._open_case(uow, member, incident_id, address)
            self._investigating(uow, opened, member, address)
            uow.procedure.add_investigation_report(report)
            uow.procedure.save_case(revised(opened.case, report.filed_at))
            append_entry(
                uow,
                "procedure.investigation_reported",
                incident_id,
                report.filed_at,
                {
                    "report_id": report.id,
                    "by": member.id,
                    "coverage": report.coverage.value,
                    "gaps": [gap.kind.value for gap in report.gaps],
                },
                {
                    "observed": report.observed.value,
                    "findings": report.findings,
                    "gaps": [[g.kind.value, g.area, g.note] for g in report.gaps],
                },
            )
            uow.commit()
        return report

    def _investigating(
        self, uow: UnitOfWork, opened: Opened, member: Member, address: str | None
    ) -> None:
        roles = opened.principal.effective_roles
        if opened.case.stage != Stage.UNDER_INVESTIGATION or not roles & INVESTIGATORS:
            self._refuse(
                uow,
                opened.principal,
                ResourceKind.INCIDENT,
                opened.incident.id,
                address,
                f"investigation refused to {member.id} at {opened.case.stage}",
            )
            raise ProcedureError(
                Refusal.INVESTIGATION_CLOSED,
                "investigation work is done by monitors and analysts while "
                "the case is under investigation",
            )


def _parse_investigation(
    report_id: str,
    incident_id: str,
    member_id: str,
    at: datetime,
    observed: str,
    coverage: str,
    findings: str,
    gaps: Sequence[CoverageGap],
) -> InvestigationReport:
    errors = []
    if observed not in {o.value for o in Observed}:
        errors.append(FieldError("observed", f"must be one of {', '.join(Observed)}"))
    if coverage not in {c.value for c in Coverage}:
        errors.append(FieldError("coverage", f"must be one of {', '.join(Coverage)}"))
    if errors:
        raise InvalidInputError(errors)
    report = InvestigationReport(
        report_id,
        incident_id,
        member_id,
        at,
        Observed(observed),
        Coverage(coverage),
        findings,
        tuple(gaps),
    )
    check_investigation_report(report)
    return report
