"""The batches of a dataset import, in two steps that need not share a process.

*Preparing* a batch turns its rows into reports with no store open: each row is mapped and
checked by its source's mapper, its actors are resolved through a snapshot of the alias
registry taken when the import began, its fingerprint is taken, and the store's own row for
it is built (`ReportRows.encode`). What cannot be accepted becomes a quarantined row. This is
most of an import's work, and since it needs nothing but the rows and the snapshot it can run
in a second process while the first writes the batch before (adapters/importers/pipeline.py).

*Writing* a batch compares its events with the standing reports, gives each new report its
id and filing time, and commits the reports, what they supersede, the quarantined rows, one
record entry and the journal in one unit of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from truce.application.ports import Clock, ReportRows, UnitOfWork
from truce.domain.commands import FileReport
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.intake import (
    CurrentEvent,
    ImportCounts,
    ImportJournal,
    QuarantinedRow,
    SourceRow,
    Tombstone,
    batch_digest,
    quarantine_id,
)
from truce.domain.parties import Actor
from truce.domain.reports import Report, amended, fingerprint

if TYPE_CHECKING:
    from truce.application.intake import ImportSource, IntakeService

# An actor's name, folded, and what it resolves to: the actor's id and whether the agreement
# leaves it outside the truce; None when the name is unknown or names several actors.
ActorIndex = Mapping[str, tuple[str, bool] | None]


# One row made ready: its event (source_ref, source_version), the fingerprint of its
# content, and the store's row. A plain tuple, not a named one: a batch crosses between
# processes, and unpickling a named tuple calls back into Python for every row.
Prepared = tuple[str, str | None, str, object]


@dataclass(slots=True)
class PreparedBatch:
    read: int
    first_line: int
    last_line: int
    prepared: list[Prepared] = field(default_factory=list)
    quarantined: list[QuarantinedRow] = field(default_factory=list)


Preparer = Callable[[list[SourceRow]], PreparedBatch]
# How the rows of a file become prepared batches: in this process (`in_process`) or in another.
Pipeline = Callable[[Iterable[SourceRow], Preparer, int], Iterator[PreparedBatch]]


def in_process(rows: Iterable[SourceRow], prepare: Preparer, size: int) -> Iterator[PreparedBatch]:
    """Each batch prepared here, just before it is written."""
    pending = iter(rows)
    while batch := list(islice(pending, size)):
        yield prepare(batch)


def actor_index(
    actors: Iterable[Actor], excluded_ids: Iterable[str]
) -> dict[str, tuple[str, bool] | None]:
    """Every name and alias of the registry, case-folded, with the actor it names: the rule
    of `Actors.find_by_name`, taken once per import instead of once per new name."""
    excluded = set(excluded_ids)
    named: dict[str, set[str]] = {}
    flags: dict[str, bool] = {}
    for actor in actors:
        flags[actor.id] = actor.excluded or actor.id in excluded
        for name in (actor.name, *(alias.text for alias in actor.aliases)):
            named.setdefault(name.strip().casefold(), set()).add(actor.id)
    return {
        name: (next(iter(ids)), flags[next(iter(ids))]) if len(ids) == 1 else None
        for name, ids in named.items()
    }


@dataclass(frozen=True, slots=True)
class Preparation:
    """What preparing a batch needs, all of it fixed when the import begins."""

    source: ImportSource
    agreement_id: str
    body_id: str
    scope: str
    actors: ActorIndex
    rows: ReportRows
    clock: Clock

    def __call__(self, rows: list[SourceRow]) -> PreparedBatch:
        now = self.clock.now()
        batch = PreparedBatch(len(rows), rows[0].line, rows[-1].line)
        mapper = self.source.mapper
        for row in rows:
            if row.problem is not None:
                batch.quarantined.append(
                    self.quarantined(row, [FieldError("row", row.problem)], now)
                )
                continue
            try:
                command = mapper(row, now)
            except InvalidInputError as error:
                batch.quarantined.append(self.quarantined(row, error.errors, now))
                continue
            batch.prepared.append(self.prepare(command, now))
        return batch

    def prepare(self, received: FileReport, now: datetime) -> Prepared:
        # One copy per row: the agreement and the actors resolved. The fingerprint is taken
        # as if the agreement were left implicit, as the row itself leaves it.
        content = amended(received, agreement_id=self.agreement_id, **self._actors_of(received))
        print_ = fingerprint(content, without_agreement=True)
        report = Report(
            id="",
            agreement_id=self.agreement_id,
            filed_at=now,
            submitted_by=None,
            submitter_body_id=self.body_id,
            content=content,
            fingerprint=print_,
        )
        stored = self.rows.encode(report, self.scope)
        return (content.source_ref or "", content.source_version, print_, stored)

    def _actors_of(self, command: FileReport) -> dict[str, object]:
        perpetrator = self._actor(command.perpetrator)
        target = self._actor(command.target)
        if perpetrator is None and target is None:
            return {}
        return {
            "perpetrator_actor_id": None if perpetrator is None else perpetrator[0],
            "target_actor_id": None if target is None else target[0],
            "excluded_actor": any(
                found is not None and found[1] for found in (perpetrator, target)
            ),
        }

    def _actor(self, name: str | None) -> tuple[str, bool] | None:
        return None if name is None else self.actors.get(name.strip().casefold())

    def quarantined(
        self, row: SourceRow, errors: Iterable[FieldError], now: datetime
    ) -> QuarantinedRow:
        return QuarantinedRow(
            id=quarantine_id(self.source.file_sha256, row.line),
            kind=self.source.kind,
            file_name=self.source.file_name,
            file_sha256=self.source.file_sha256,
            line=row.line,
            raw=row.raw_text(),
            reasons=tuple(errors),
            quarantined_at=now,
        )


@dataclass
class _Decided:
    """What one batch decided, before it is written: the new reports as (id, fingerprint)
    and their stored rows, the reports they retire."""

    filed: list[tuple[str, str]]
    stored: list[object]
    retired: list[str]


class BatchWriter:
    """Decides and writes one prepared batch at a time, each in its own unit of work."""

    def __init__(self, service: IntakeService, preparation: Preparation) -> None:
        self.service = service
        self.preparation = preparation

    def write(self, batch: PreparedBatch, journal: ImportJournal) -> None:
        counts = journal.counts
        counts.read += batch.read
        counts.quarantined += len(batch.quarantined)
        now = self.service.clock.now()
        with self.service.uow() as uow:
            decided = self._decide(uow, batch.prepared, counts, now)
            self._write(uow, batch, decided, journal, now)

    def _decide(
        self, uow: UnitOfWork, prepared: list[Prepared], counts: ImportCounts, now: datetime
    ) -> _Decided:
        refs = [ref for ref, _, _, _ in prepared if ref]
        standing: dict[str, CurrentEvent] = uow.intake.current(refs)
        withdrawn = uow.intake.tombstones(refs)
        rows = self.preparation.rows
        new_id = self.service.ids.new_id
        decided = _Decided([], [], [])
        for ref, version, print_, stored in prepared:
            current = standing.get(ref)
            if current is None:
                if _still_withdrawn(withdrawn.get(ref), version):
                    counts.unchanged += 1
                    continue
                counts.imported += 1
                report_id = new_id()
                row, filed_print = rows.stamped(stored, report_id, now), print_
            elif current.fingerprint == print_ or _older(version, current.source_version):
                counts.unchanged += 1
                continue
            else:
                counts.updated += 1
                report_id = new_id()
                row, filed_print = self._superseding(stored, current.report_id, report_id, now)
                decided.retired.append(current.report_id)
            decided.filed.append((report_id, filed_print))
            decided.stored.append(row)
            standing[ref] = CurrentEvent(ref, report_id, version, filed_print)
        return decided

    def _superseding(
        self, stored: object, supersedes: str, report_id: str, now: datetime
    ) -> tuple[object, str]:
        """A correction of a standing report: the content names what it supersedes, and
        its fingerprint covers that (rare: the stored row is read back and made again)."""
        rows = self.preparation.rows
        report = rows.decode(stored)
        content = amended(report.content, supersedes=supersedes)
        print_ = fingerprint(content, without_agreement=True)
        corrected = Report(
            id=report_id,
            agreement_id=report.agreement_id,
            filed_at=now,
            submitted_by=None,
            submitter_body_id=report.submitter_body_id,
            content=content,
            fingerprint=print_,
        )
        return rows.encode(corrected, self.preparation.scope), print_

    def _write(
        self,
        uow: UnitOfWork,
        batch: PreparedBatch,
        decided: _Decided,
        journal: ImportJournal,
        now: datetime,
    ) -> None:
        # Written before retiring, so an event corrected twice within one batch retires a
        # report of this batch too.
        uow.intake.add_rows(decided.stored)
        uow.intake.retire(decided.retired, "superseded")
        newly_quarantined = uow.intake.quarantine(batch.quarantined)
        filed = decided.filed
        if filed or decided.retired or newly_quarantined:
            source = self.preparation.source
            uow.record.append(
                "dataset.batch_imported",
                subject=f"import:{source.file_sha256}",
                at=now,
                public={
                    "kind": source.kind,
                    "file_sha256": source.file_sha256,
                    "agreement_id": self.preparation.agreement_id,
                    "submitter_body_id": self.preparation.body_id,
                    "first_line": batch.first_line,
                    "last_line": batch.last_line,
                    "reports": len(filed),
                    "retired": len(decided.retired),
                    "quarantined": newly_quarantined,
                    "reports_digest": batch_digest(filed),
                    "first_report_id": filed[0][0] if filed else None,
                    "last_report_id": filed[-1][0] if filed else None,
                },
            )
        after = self.service.monitoring.after_filing
        if self.service.defer_derived:
            uow.intake.queue_derived([report_id for report_id, _ in filed])
        elif filed and after is not None:
            rows = self.preparation.rows
            after(uow, [rows.decode(row) for row in decided.stored], itemise=False)
        journal.rows_done = journal.counts.read
        uow.intake.save_journal(journal)
        uow.commit()


def _older(version: str | None, current: str | None) -> bool:
    """True when the incoming version is not newer than the stored one (ACLED timestamps)."""
    if version is None or current is None or not (version.isdigit() and current.isdigit()):
        return False
    return int(version) <= int(current)


def _still_withdrawn(tombstone: Tombstone | None, version: str | None) -> bool:
    if tombstone is None:
        return False
    if tombstone.source_version is None or version is None:
        return True
    return not _older(tombstone.source_version, version) or tombstone.source_version == version
