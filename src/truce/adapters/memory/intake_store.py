"""The in-memory fake of intake: the same behaviour as `SqlIntake`, checked by the contract
tests in tests/contract/test_intake_contract.py."""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.domain.intake import CurrentEvent, ImportJournal, QuarantinedRow, Tombstone
from truce.domain.reports import Report


@dataclass
class MemoryIntakeState:
    # source_ref -> id of the standing report
    standing: dict[str, str] = field(default_factory=dict)
    retired: dict[str, str] = field(default_factory=dict)
    tombstones: dict[str, Tombstone] = field(default_factory=dict)
    quarantine: dict[str, QuarantinedRow] = field(default_factory=dict)
    journals: dict[tuple[str, str], ImportJournal] = field(default_factory=dict)
    # (seq, report id) of reports whose correlation and placement are still to run.
    derived: list[tuple[int, str]] = field(default_factory=list)
    derived_seq: int = 0

    def copy(self) -> MemoryIntakeState:
        return MemoryIntakeState(
            standing=dict(self.standing),
            retired=dict(self.retired),
            tombstones=dict(self.tombstones),
            quarantine=dict(self.quarantine),
            journals={k: copy.deepcopy(v) for k, v in self.journals.items()},
            derived=list(self.derived),
            derived_seq=self.derived_seq,
        )


class MemoryIntake:
    def __init__(self, state: MemoryIntakeState, reports: dict[str, Report]) -> None:
        self._s = state
        self._reports = reports

    def current(self, refs: Collection[str]) -> dict[str, CurrentEvent]:
        found = {}
        for ref in refs:
            report_id = self._s.standing.get(ref)
            if report_id is not None:
                report = self._reports[report_id]
                found[ref] = CurrentEvent(
                    ref, report_id, report.content.source_version, report.fingerprint
                )
        return found

    def add_reports(self, reports: Sequence[Report], idempotency_scope: str) -> None:  # noqa: ARG002 - dataset reports carry no key
        for report in reports:
            self._reports[report.id] = report
            if report.content.source_ref is not None:
                self._s.standing[report.content.source_ref] = report.id

    def retire(self, report_ids: Sequence[str], reason: str) -> None:
        for report_id in report_ids:
            self._s.retired[report_id] = reason
            ref = self._reports[report_id].content.source_ref
            if ref is not None and self._s.standing.get(ref) == report_id:
                del self._s.standing[ref]

    def queue_derived(self, report_ids: Sequence[str]) -> None:
        for report_id in report_ids:
            self._s.derived_seq += 1
            self._s.derived.append((self._s.derived_seq, report_id))

    def pending_derived(self, limit: int) -> list[tuple[int, Report]]:
        return [(seq, self._reports[i]) for seq, i in self._s.derived[:limit]]

    def clear_derived(self, through: int) -> None:
        self._s.derived = [(seq, i) for seq, i in self._s.derived if seq > through]

    def count_derived(self) -> int:
        return len(self._s.derived)

    def tombstones(self, refs: Collection[str]) -> dict[str, Tombstone]:
        return {ref: self._s.tombstones[ref] for ref in refs if ref in self._s.tombstones}

    def add_tombstone(self, tombstone: Tombstone) -> None:
        self._s.tombstones[tombstone.source_ref] = tombstone

    def quarantine(self, rows: Sequence[QuarantinedRow]) -> int:
        new = 0
        for row in rows:
            if row.id not in self._s.quarantine:
                self._s.quarantine[row.id] = row
                new += 1
        return new

    def quarantined(self, limit: int, *, open_only: bool = True) -> list[QuarantinedRow]:
        rows = [r for r in self._s.quarantine.values() if r.open or not open_only]
        rows.sort(key=lambda r: (r.quarantined_at, r.id), reverse=True)
        return rows[:limit]

    def quarantined_row(self, row_id: str) -> QuarantinedRow | None:
        return self._s.quarantine.get(row_id)

    def resolve(self, row_id: str, report_id: str, at: datetime) -> None:
        row = self._s.quarantine.get(row_id)
        if row is not None:
            self._s.quarantine[row_id] = replace(row, resolved_report_id=report_id, resolved_at=at)

    def count_quarantined(self, *, open_only: bool = True) -> int:
        return sum(1 for r in self._s.quarantine.values() if r.open or not open_only)

    def journal(self, file_sha256: str, kind: str) -> ImportJournal | None:
        found = self._s.journals.get((file_sha256, kind))
        return None if found is None else copy.deepcopy(found)

    def save_journal(self, journal: ImportJournal) -> None:
        self._s.journals[(journal.file_sha256, journal.kind)] = copy.deepcopy(journal)
