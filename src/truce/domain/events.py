"""Events: past-tense facts that a state change happened. Each lands on the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ReportFiled:
    report_id: str
    agreement_id: str
    filed_at: datetime
    submitted_by: str | None
    fingerprint: str


@dataclass(frozen=True, slots=True)
class AgreementConcluded:
    agreement_id: str
    version: int
    entry_into_force: datetime


DomainEvent = ReportFiled | AgreementConcluded
