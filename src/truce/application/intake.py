"""Use cases of intake: importing datasets in batches, withdrawing what a publisher withdrew,
device batch sync, and the quarantine.

An import commits every `batch_size` rows in one unit of work: the new reports, the retired
ones, the quarantined rows, one record entry for the batch and the journal, together. A run
that stops anywhere resumes after the last committed batch and reaches the same state.

What is derived from the reports (correlation into incidents, placement in the administrative
units: the monitoring service's `after_filing`) does not run inside the batches: each batch
queues its new reports (`derived_pending`), and one pass at the end of the import runs the
same steps over the queue, oldest first, `batch_size` reports per unit of work, exactly the
groups and order the batches had, so the incidents and placements come out as they would
have batch by batch (tests/unit/test_intake_derived.py). Until that pass ends, a report just
imported is listed but belongs to no incident yet. A pass that stopped resumes with the next
import, or with `truce import finish` (docs/intake.md).

Imported reports are filed by the mechanism itself: `submitted_by` is empty (no member filed
them) and `submitter_body_id` is the mechanism's body. They are public, so every principal
may read them by the ordinary ladder; nobody gains anything from being the mechanism's body
beyond what the ladder already gives its staff (docs/intake.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from truce.application.access_guard import (
    Decision,
    audit_decision,
    listed_reason,
    principal_of,
)
from truce.application.intake_batches import (
    BatchWriter,
    Pipeline,
    Preparation,
    actor_index,
    in_process,
)
from truce.application.monitoring import Filed, MonitoringService
from truce.application.ports import Clock, IdFactory, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import (
    ALLOW,
    Action,
    Allow,
    Deny,
    Principal,
    Resource,
    ResourceKind,
    decide,
)
from truce.domain.agreements import Agreement
from truce.domain.commands import FileReport
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import (
    AccessDeniedError,
    FieldError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from truce.domain.intake import (
    ImportCounts,
    ImportJournal,
    JournalStatus,
    QuarantinedRow,
    SourceRow,
    Tombstone,
    quarantine_id,
)
from truce.domain.parties import BodyKind, Member
from truce.domain.reports import Report, parse_file_report

BATCH_SIZE = 5_000
# Beyond any queue position.
_EVERY_SEQ = 2**62
RowMapper = Callable[[SourceRow, datetime], FileReport]


@dataclass(frozen=True, slots=True)
class ImportSource:
    """A file opened by an importer: what it is, its hash, its rows, how a row maps."""

    kind: str
    file_name: str
    file_sha256: str
    rows: Iterable[SourceRow]
    mapper: RowMapper


@dataclass(frozen=True, slots=True)
class ImportResult:
    counts: ImportCounts
    resumed_from: int


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item of a device's batch: filed, duplicate (a retry) or rejected."""

    index: int
    status: str
    report_id: str | None = None
    errors: tuple[FieldError, ...] = ()
    quarantine_id: str | None = None


Progress = Callable[[int], None]


@dataclass
class _Batch:
    """What one batch decided, before it is written."""

    reports: list[Report]
    retired: list[str]
    quarantined: list[QuarantinedRow]
    first_line: int
    last_line: int


@dataclass(frozen=True, slots=True)
class IntakeService:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    monitoring: MonitoringService
    batch_size: int = BATCH_SIZE
    # False: run the derived steps inside every batch, as a single filing does (kept to show
    # that deferring them changes nothing, and for imports small enough not to matter).
    defer_derived: bool = True
    # Where batches are prepared: here, or in a second process (adapters/importers/pipeline).
    pipeline: Pipeline = in_process

    # --- dataset imports ------------------------------------------------------------------

    def import_file(
        self,
        source: ImportSource,
        *,
        agreement_id: str | None = None,
        progress: Progress | None = None,
        derived_progress: Progress | None = None,
        pipeline: Pipeline | None = None,
    ) -> ImportResult:
        """Import every row, or resume the import of the same file where it stopped, then
        correlate and place what it filed. `progress` is called with the number of rows done
        after each committed batch, `derived_progress` with the reports done in the pass.
        `pipeline` says where batches are prepared, if not where the service says."""
        with self.uow() as uow:
            agreement = _agreement_for(uow, agreement_id)
            preparation = Preparation(
                source=source,
                agreement_id=agreement.id,
                body_id=_mechanism_body(uow),
                scope=f"import:{source.kind}",
                actors=actor_index(uow.actors.list_all(), agreement.excluded_actor_ids),
                clock=self.clock,
            )
            journal = uow.intake.journal(source.file_sha256, source.kind)
        if journal is None or journal.status is JournalStatus.COMPLETE:
            journal = ImportJournal(
                source.file_sha256, source.kind, source.file_name, self.clock.now()
            )
        resumed_from = journal.rows_done
        writer = BatchWriter(self, preparation)
        # Rows already committed by an interrupted run are read past, not imported again.
        rows = islice(source.rows, resumed_from, None)
        for batch in (pipeline or self.pipeline)(rows, preparation, self.batch_size):
            writer.write(batch, journal)
            if progress is not None:
                progress(journal.rows_done)
        self.finish_derived(derived_progress)
        with self.uow() as uow:
            journal.status = JournalStatus.COMPLETE
            journal.finished_at = self.clock.now()
            uow.intake.save_journal(journal)
            uow.commit()
        return ImportResult(journal.counts, resumed_from)

    def pending_derived(self) -> int:
        """Reports filed by imports whose correlation and placement have not run yet."""
        with self.uow() as uow:
            return uow.intake.count_derived()

    def finish_derived(self, progress: Progress | None = None) -> int:
        """Run the derived steps over every queued report, oldest first, `batch_size` per
        unit of work (the import's own batches), and dequeue them with it. Returns how many
        ran; a pass that stops resumes where it stopped."""
        after = self.monitoring.after_filing
        done = 0
        if after is None:  # nothing derives anything from reports here: forget the queue
            with self.uow() as uow:
                done = uow.intake.count_derived()
                uow.intake.clear_derived(_EVERY_SEQ)
                uow.commit()
            if progress is not None and done:
                progress(done)
            return done
        while True:
            with self.uow() as uow:
                pending = uow.intake.pending_derived(self.batch_size)
                if not pending:
                    return done
                after(uow, [report for _, report in pending], itemise=False)
                uow.intake.clear_derived(pending[-1][0])
                uow.commit()
            done += len(pending)
            if progress is not None:
                progress(done)

    def withdraw(self, refs: Iterable[tuple[str, str | None]], kind: str) -> ImportCounts:
        """Retire the standing report of each (source_ref, version) its publisher deleted,
        keeping a tombstone. Withdrawing again changes nothing."""
        counts = ImportCounts()
        now = self.clock.now()
        pending = iter(refs)
        while batch := list(islice(pending, self.batch_size)):
            with self.uow() as uow:
                keys = [ref for ref, _ in batch]
                standing = uow.intake.current(keys)
                known = uow.intake.tombstones(keys)
                retired = []
                for ref, version in batch:
                    counts.read += 1
                    if ref in known:
                        counts.unchanged += 1
                        continue
                    current = standing.get(ref)
                    report_id = None if current is None else current.report_id
                    if report_id is not None:
                        retired.append(report_id)
                    uow.intake.add_tombstone(Tombstone(ref, now, version, report_id))
                    known[ref] = Tombstone(ref, now, version, report_id)
                    counts.updated += 1
                uow.intake.retire(retired, "withdrawn")
                if retired or counts.updated:
                    uow.record.append(
                        "dataset.withdrawn",
                        subject=f"dataset:{kind}",
                        at=now,
                        public={"kind": kind, "refs": len(batch), "retired": len(retired)},
                    )
                uow.commit()
        return counts

    # --- quarantine -----------------------------------------------------------------------

    def quarantine_list(
        self, principal: Principal, limit: int = 100, address: str | None = None
    ) -> list[QuarantinedRow]:
        """Open rows the principal may read, newest first. A list showing a body's own
        rejected items (not public) leaves one audit entry naming them."""
        with self.uow() as uow:
            rows = uow.intake.quarantined(max(limit * 4, 400))
            shown = [row for row in rows if _may(principal, Action.READ, row)][:limit]
            hidden = [row.id for row in shown if row.owner_body_id is not None]
            if hidden:
                reason = listed_reason(hidden, len(shown)).replace("reports", "quarantined rows")
                listed = Decision(
                    principal, Action.LIST, ResourceKind.QUARANTINE, None, ALLOW, reason
                )
                audit_decision(uow, self.clock.now(), listed, address)
                uow.commit()
        return shown

    def quarantine_count(self) -> int:
        with self.uow() as uow:
            return uow.intake.count_quarantined()

    def quarantine_all(self, limit: int = 100) -> list[QuarantinedRow]:
        """For the operator's command line, which runs with the store's own rights."""
        with self.uow() as uow:
            return uow.intake.quarantined(limit, open_only=False)

    def quarantined_row(
        self, row_id: str, principal: Principal | None = None, address: str | None = None
    ) -> QuarantinedRow:
        """The row; with a principal, only if the policy lets them read it (404 alike, one
        audit entry for a refusal or for an allowed read of a row that is not public)."""
        with self.uow() as uow:
            row = uow.intake.quarantined_row(row_id)
            if principal is None:
                if row is None:
                    raise NotFoundError("quarantined row")
                return row
            self._check_read(uow, principal, row_id, row, address)
        assert row is not None  # noqa: S101 - _check_read refused a missing row
        return row

    def _check_read(
        self,
        uow: UnitOfWork,
        principal: Principal,
        row_id: str,
        row: QuarantinedRow | None,
        address: str | None,
    ) -> None:
        if row is None or not _may(principal, Action.READ, row):
            reason = "no such row" if row is None else "need-to-know"
            refused = Decision(
                principal, Action.READ, ResourceKind.QUARANTINE, row_id, Deny(reason), reason
            )
            audit_decision(uow, self.clock.now(), refused, address)
            uow.commit()
            raise NotFoundError("quarantined row")
        if row.owner_body_id is not None:
            read = Decision(principal, Action.READ, ResourceKind.QUARANTINE, row_id, ALLOW)
            audit_decision(uow, self.clock.now(), read, address)
            uow.commit()

    def resubmit(
        self, row_id: str, data: Mapping[str, object], submitter: Member, address: str | None = None
    ) -> Filed:
        """File a corrected version of a quarantined row as a report of the submitter's body,
        and mark the row resolved by it. A row already resolved reads as missing."""
        with self.uow() as uow:
            principal = principal_of(uow, submitter)
            row = uow.intake.quarantined_row(row_id)
            if row is None or not row.open or not _may(principal, Action.READ, row):
                reason = "no such open row" if row is None or not row.open else "need-to-know"
                refused = Decision(
                    principal, Action.EDIT, ResourceKind.QUARANTINE, row_id, Deny(reason), reason
                )
                audit_decision(uow, self.clock.now(), refused, address)
                uow.commit()
                raise NotFoundError("quarantined row")
            decision = _decision(principal, Action.EDIT, row)
            if isinstance(decision, Deny):
                refused = Decision(
                    principal, Action.EDIT, ResourceKind.QUARANTINE, row_id, decision
                )
                audit_decision(uow, self.clock.now(), refused, address)
                uow.commit()
                raise AccessDeniedError("quarantine: may not correct this row")
        command = parse_file_report(data, now=self.clock.now(), assume_utc=True)
        filed = self.monitoring.file_report(command, submitter, address)
        with self.uow() as uow:
            uow.intake.resolve(row_id, filed.report.id, self.clock.now())
            uow.record.append(
                "quarantine.resolved",
                subject=f"quarantine:{row_id}",
                at=self.clock.now(),
                public={"quarantine_id": row_id, "report_id": filed.report.id},
            )
            uow.commit()
        return filed

    # --- device batch sync ----------------------------------------------------------------

    def file_batch(
        self, items: list[object], submitter: Member, channel: str, address: str | None = None
    ) -> list[ItemResult]:
        """File each item of an offline device's batch on its own: a retried item (same
        idempotency key) answers duplicate, a broken one is rejected with its field errors
        and quarantined, so nothing the device sent is lost. `address` is the caller's, for
        the audit entry of a refusal."""
        results = []
        now = self.clock.now()
        for index, item in enumerate(items):
            raw = _raw_json(item)
            try:
                command = parse_file_report(_object(item), now=now)
                filed = self.monitoring.file_report(command, submitter, address)
            except InvalidInputError as error:
                results.append(self._reject(index, raw, error.errors, channel, submitter))
            except IdempotencyConflictError as error:
                reasons = (FieldError("idempotency_key", str(error)),)
                results.append(self._reject(index, raw, reasons, channel, submitter))
            else:
                status = "filed" if filed.created else "duplicate"
                results.append(ItemResult(index, status, report_id=filed.report.id))
        return results

    def _reject(
        self,
        index: int,
        raw: str,
        errors: Iterable[FieldError],
        channel: str,
        submitter: Member,
    ) -> ItemResult:
        digest = fingerprint_text(raw)
        row = QuarantinedRow(
            id=quarantine_id(digest, index + 1),
            kind="device",
            file_name=channel,
            file_sha256=digest,
            line=index + 1,
            raw=raw,
            reasons=tuple(errors),
            quarantined_at=self.clock.now(),
            owner_body_id=submitter.body_id,
        )
        with self.uow() as uow:
            if uow.intake.quarantine([row]):
                uow.record.append(
                    "quarantine.added",
                    subject=f"quarantine:{row.id}",
                    at=row.quarantined_at,
                    public={"quarantine_id": row.id, "kind": "device", "reasons": len(row.reasons)},
                )
            uow.commit()
        return ItemResult(index, "rejected", errors=row.reasons, quarantine_id=row.id)


def _may(principal: Principal, action: Action, row: QuarantinedRow) -> bool:
    return bool(_decision(principal, action, row))


def _decision(principal: Principal, action: Action, row: QuarantinedRow) -> Allow | Deny:
    resource = Resource(
        ResourceKind.QUARANTINE,
        row.id,
        owner_body_id=row.owner_body_id,
        confidentiality=(
            Confidentiality.PUBLIC if row.owner_body_id is None else Confidentiality.SUBMITTER
        ),
    )
    return decide(principal, action, resource)


def _mechanism_body(uow: UnitOfWork) -> str:
    bodies = [b for b in uow.bodies.list_all() if b.kind is BodyKind.MECHANISM]
    if len(bodies) != 1:
        raise InvalidInputError(
            [FieldError("mechanism", "set up exactly one mechanism body before importing")]
        )
    return bodies[0].id


def _agreement_for(uow: UnitOfWork, agreement_id: str | None) -> Agreement:
    if agreement_id is not None:
        agreement = uow.agreements.get(agreement_id)
        if agreement is None:
            raise InvalidInputError([FieldError("agreement_id", "names no known agreement")])
        return agreement
    agreements = uow.agreements.list_all()
    if len(agreements) != 1:
        message = "no agreement is set up yet" if not agreements else "name the agreement"
        raise InvalidInputError([FieldError("agreement_id", message)])
    return agreements[0]


def _object(item: object) -> dict[str, object]:
    if not isinstance(item, dict):
        raise InvalidInputError([FieldError("item", "must be a JSON object")])
    return item


def _raw_json(item: object) -> str:
    return json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)[:100_000]


def fingerprint_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
