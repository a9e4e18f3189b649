"""The in-memory fake of evidence attachments and custody: the same behaviour as
`SqlEvidence`, checked by tests/contract/test_evidence_contract.py."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from truce.domain.errors import ConflictError
from truce.domain.evidence import CustodyEvent, Evidence


@dataclass
class MemoryEvidenceState:
    items: dict[str, Evidence] = field(default_factory=dict)
    custody: list[CustodyEvent] = field(default_factory=list)

    def copy(self) -> MemoryEvidenceState:
        return MemoryEvidenceState(dict(self.items), list(self.custody))


class MemoryEvidence:
    def __init__(self, state: MemoryEvidenceState) -> None:
        self._s = state

    def add(self, evidence: Evidence) -> None:
        if evidence.id in self._s.items or self.find(evidence.report_id, evidence.sha256):
            raise ConflictError("the report has this file already")
        self._s.items[evidence.id] = evidence

    def get(self, evidence_id: str) -> Evidence | None:
        return self._s.items.get(evidence_id)

    def find(self, report_id: str, sha256: str) -> Evidence | None:
        return next(
            (e for e in self._ordered() if e.report_id == report_id and e.sha256 == sha256), None
        )

    def with_sha256(self, sha256: str) -> list[Evidence]:
        return [e for e in self._ordered() if e.sha256 == sha256]

    def for_report(self, report_id: str) -> list[Evidence]:
        return [e for e in self._ordered() if e.report_id == report_id]

    def _ordered(self) -> list[Evidence]:
        return sorted(self._s.items.values(), key=lambda e: (e.uploaded_at, e.id))

    def add_custody(self, event: CustodyEvent) -> None:
        self._s.custody.append(replace(event, seq=len(self._s.custody) + 1))

    def custody(self, evidence_ids: Collection[str]) -> list[CustodyEvent]:
        wanted = set(evidence_ids)
        return [event for event in self._s.custody if event.evidence_id in wanted]
