"""The batches of a dataset import, in two steps that need not share a process.

*Preparing* a batch turns its rows into report contents with no store open: each row is
mapped and checked by its source's mapper, its actors are resolved through a snapshot of the
alias registry taken when the import began, and its fingerprint is taken. What cannot be
accepted becomes a quarantined row. This is most of an import's work, and since it needs
nothing but the rows and the snapshot it can run in a second process while the first writes
the batch before (adapters/importers/pipeline.py).

*Writing* a batch compares its events with the standing reports, gives each new report its
id and filing time, and commits the reports (the store makes its rows of them), what they
supersede, the quarantined rows, one record entry and the journal in one unit of work. The
two steps take about as long as each other, so neither process waits long for the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from truce.application.ports import Clock, UnitOfWork
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
# content, and the content, naming the agreement and the actors. A plain tuple, not a named
# one: a batch crosses between processes, and unpickling a named tuple calls back into
# Python for every row.
Prepared = tuple[str, str | None, str, FileReport]


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
            batch.prepared.append(self.prepare(command))
        return batch

    def prepare(self, received: FileReport) -> Prepared:
        # One copy per row: the agreement and the actors resolved. The fingerprint is taken
        # as if the agreement were left implicit, as the row itself leaves it.
        content = amended(received, agreement_id=self.agreement_id, **self._actors_of(received))
        print_ = fingerprint(content, without_agreement=True)
        return (content.source_ref or "", content.source_version, print_, content)

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
    """What one batch decided, before it is written: the new reports and those they retire."""

    filed: list[Report]
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
        new_id = self.service.ids.new_id
        preparation = self.preparation
        decided = _Decided([], [])
        for ref, version, print_, content in prepared:
            current = standing.get(ref)
            if current is None:
                if _still_withdrawn(withdrawn.get(ref), version):
                    counts.unchanged += 1
                    continue
                counts.imported += 1
                filed_content, filed_print = content, print_
            elif current.fingerprint == print_ or _older(version, current.source_version):
                counts.unchanged += 1
                continue
            else:
                # A correction of a standing report: the content names what it supersedes,
                # and the fingerprint covers that.
                counts.updated += 1
                filed_content = amended(content, supersedes=current.report_id)
                filed_print = fingerprint(filed_content, without_agreement=True)
                decided.retired.append(current.report_id)
            report = Report(
                id=new_id(),
                agreement_id=preparation.agreement_id,
                filed_at=now,
                submitted_by=None,
                submitter_body_id=preparation.body_id,
                content=filed_content,
                fingerprint=filed_print,
            )
            decided.filed.append(report)
            standing[ref] = CurrentEvent(ref, report.id, version, filed_print)
        return decided

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
        uow.intake.add_reports(decided.filed, self.preparation.scope)
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
                    "reports_digest": batch_digest([(r.id, r.fingerprint) for r in filed]),
                    "first_report_id": filed[0].id if filed else None,
                    "last_report_id": filed[-1].id if filed else None,
                },
            )
        after = self.service.monitoring.after_filing
        if self.service.defer_derived:
            uow.intake.queue_derived([report.id for report in filed])
        elif filed and after is not None:
            after(uow, filed, itemise=False)
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
