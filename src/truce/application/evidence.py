"""Use cases of evidence: attaching a file to a report, reading it, and its chain of custody.

Every access goes through the choke points here. An attachment is read by whoever may read
its report (it inherits the report's body and confidentiality); "forbidden" and "missing"
raise the same NotFoundError. Every upload, download, view and transfer is a custody event,
stored with the attachment, appended to the record (`evidence.custody`) and written to the
audit trail as the one entry of its request.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from truce.application.access_guard import (
    Decision,
    audit_decision,
    principal_of,
    report_resource,
)
from truce.application.ports import (
    Clock,
    ContentInspector,
    EvidenceBlobs,
    IdFactory,
    JsonValue,
    ReceivedFile,
    UnitOfWork,
    UnitOfWorkFactory,
)
from truce.domain.access import ALLOW, Action, Deny, Principal, Resource, ResourceKind, decide
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import (
    AccessDeniedError,
    ConflictError,
    FieldError,
    InvalidInputError,
    NotFoundError,
)
from truce.domain.evidence import (
    CopyKind,
    CustodyAction,
    CustodyEvent,
    DerivedCopy,
    Evidence,
    Inspection,
    safe_file_name,
)
from truce.domain.parties import Member
from truce.domain.reports import Report

log = logging.getLogger("truce.evidence")

MAX_TRANSFER_TEXT = 200


@dataclass(frozen=True, slots=True)
class Uploaded:
    evidence: Evidence
    # False when the report had this very file already: nothing new was stored.
    created: bool


@dataclass(frozen=True, slots=True)
class Download:
    """What to stream: the stored file of one copy of one attachment."""

    evidence: Evidence
    copy: DerivedCopy
    path: Path

    @property
    def file_name(self) -> str:
        if self.copy.kind is CopyKind.ORIGINAL:
            return self.evidence.file_name
        extension = ".png" if self.copy.media_type == "image/png" else ".jpg"
        return f"{self.copy.kind.value}-{self.evidence.sha256[:16]}{extension}"


@dataclass(frozen=True, slots=True)
class Custody:
    """The attachments of one file a principal may read, and their custody events."""

    items: list[Evidence]
    events: list[CustodyEvent]


def evidence_resource(evidence: Evidence) -> Resource:
    return Resource(
        ResourceKind.EVIDENCE,
        evidence.id,
        owner_body_id=evidence.owner_body_id,
        author_member_id=evidence.uploaded_by,
        confidentiality=evidence.confidentiality,
    )


@dataclass(frozen=True, slots=True)
class EvidenceService:
    uow: UnitOfWorkFactory
    clock: Clock
    ids: IdFactory
    blobs: EvidenceBlobs
    inspector: ContentInspector
    max_bytes: int

    # --- attaching ---------------------------------------------------------------------------

    def upload(
        self,
        report_id: str,
        file_name: str | None,
        stream: BinaryIO,
        submitter: Member,
        address: str | None = None,
    ) -> Uploaded:
        """Attach a file to a report of the submitter's body. The file is judged by its
        content (RefusedFileError), kept once by its hash, never changed; working copies are
        derived beside it. Attaching the same file to the same report again changes nothing."""
        report = self._report_for_upload(report_id, submitter, address)
        received = self.blobs.receive(stream, self.max_bytes)
        try:
            inspection = self.inspector.inspect(received.path)
        except InvalidInputError:
            self.blobs.discard(received)
            raise
        with self.uow() as uow:
            existing = uow.evidence.find(report.id, received.sha256)
        if existing is not None:
            self.blobs.keep(received)
            return Uploaded(existing, created=False)
        evidence = self._stored(report, received, inspection, file_name, submitter)
        try:
            self._attach(evidence, submitter, address)
        except ConflictError:
            # A concurrent upload of the same file to the same report won.
            with self.uow() as uow:
                found = uow.evidence.find(report.id, received.sha256)
            if found is None:
                raise
            return Uploaded(found, created=False)
        return Uploaded(evidence, created=True)

    def _report_for_upload(self, report_id: str, submitter: Member, address: str | None) -> Report:
        with self.uow() as uow:
            principal = principal_of(uow, submitter)
            report = uow.reports.get(report_id)
            if report is None or not decide(principal, Action.READ, report_resource(report)):
                reason = "no such report" if report is None else "need-to-know"
                refused = Decision(
                    principal, Action.READ, ResourceKind.REPORT, report_id, Deny(reason), reason
                )
                audit_decision(uow, self.clock.now(), refused, address)
                uow.commit()
                raise NotFoundError("report")
            probe = Resource(
                ResourceKind.EVIDENCE,
                "new",
                owner_body_id=report.submitter_body_id,
                confidentiality=report.confidentiality,
            )
            decision = decide(principal, Action.CREATE, probe)
            if isinstance(decision, Deny):
                refused = Decision(principal, Action.CREATE, ResourceKind.EVIDENCE, None, decision)
                audit_decision(uow, self.clock.now(), refused, address)
                uow.commit()
                raise AccessDeniedError(decision.reason)
        return report

    def _stored(
        self,
        report: Report,
        received: ReceivedFile,
        inspection: Inspection,
        file_name: str | None,
        submitter: Member,
    ) -> Evidence:
        self.blobs.keep(received)
        stored = self.blobs.locate(received.sha256)
        derived = []
        if stored is not None:
            for kind, data, media_type in self._copies(stored, inspection.media_type):
                derived.append(DerivedCopy(kind, self.blobs.put(data), media_type, len(data)))
        return Evidence(
            id=self.ids.new_id(),
            sha256=received.sha256,
            report_id=report.id,
            owner_body_id=report.submitter_body_id,
            confidentiality=report.confidentiality,
            file_name=safe_file_name(file_name),
            media_type=inspection.media_type,
            size=received.size,
            uploaded_by=submitter.id,
            uploaded_at=self.clock.now(),
            metadata=dict(inspection.metadata),
            derived=tuple(derived),
        )

    def _copies(self, stored: Path, media_type: str) -> list[tuple[CopyKind, bytes, str]]:
        """Working copies are a convenience: an image that passed inspection but cannot be
        re-encoded is kept as it is, without them, rather than refused."""
        try:
            return self.inspector.derive(stored, media_type)
        except Exception:  # any decoder failure means "no copies", logged
            log.warning("no working copies of an accepted %s file", media_type, exc_info=True)
            return []

    def _attach(self, evidence: Evidence, submitter: Member, address: str | None) -> None:
        now = self.clock.now()
        with self.uow() as uow:
            principal = principal_of(uow, submitter)
            uow.evidence.add(evidence)
            _record_added(uow, evidence)
            events = [_event(evidence, CustodyAction.UPLOADED, principal, address, now)]
            events += [
                _event(evidence, CustodyAction.DERIVED, principal, address, now, _copy_detail(c))
                for c in evidence.derived
            ]
            for event in events:
                _custody(uow, evidence, event)
            made = Decision(principal, Action.CREATE, ResourceKind.EVIDENCE, evidence.sha256, ALLOW)
            audit_decision(uow, now, made, address)
            uow.commit()

    # --- reading -----------------------------------------------------------------------------

    def download(
        self,
        principal: Principal,
        sha256: str,
        kind: CopyKind = CopyKind.ORIGINAL,
        address: str | None = None,
    ) -> Download:
        """The original (downloaded) or a working copy (viewed) of a file the principal may
        read, with its custody event; NotFoundError alike for forbidden, missing or a copy
        that was never made. One audit entry either way."""
        now = self.clock.now()
        with self.uow() as uow:
            evidence = _first_readable(principal, uow.evidence.with_sha256(sha256))
            copy = None if evidence is None else evidence.copy(kind)
            path = None if copy is None else self.blobs.locate(copy.sha256)
            if evidence is None or copy is None or path is None:
                if evidence is not None and copy is not None:
                    log.error("evidence file %s is missing from the store", sha256)
                self._refuse(uow, principal, sha256, "no such evidence or copy", address)
                raise NotFoundError("evidence")
            action = (
                CustodyAction.DOWNLOADED
                if copy.kind is CopyKind.ORIGINAL
                else (CustodyAction.VIEWED)
            )
            detail = "" if copy.kind is CopyKind.ORIGINAL else _copy_detail(copy)
            _custody(uow, evidence, _event(evidence, action, principal, address, now, detail))
            read = Decision(principal, Action.READ, ResourceKind.EVIDENCE, sha256, ALLOW)
            audit_decision(uow, now, read, address)
            uow.commit()
        return Download(evidence, copy, path)

    def custody(self, principal: Principal, sha256: str, address: str | None = None) -> Custody:
        """The attachments of the file the principal may read and their custody chain; one
        audit entry, NotFoundError when there is none."""
        with self.uow() as uow:
            items = _readable(principal, uow.evidence.with_sha256(sha256))
            if not items:
                self._refuse(uow, principal, sha256, "no such evidence", address)
                raise NotFoundError("evidence")
            events = uow.evidence.custody([item.id for item in items])
            read = Decision(
                principal, Action.READ, ResourceKind.EVIDENCE, sha256, ALLOW, "custody chain read"
            )
            audit_decision(uow, self.clock.now(), read, address)
            uow.commit()
        return Custody(items, events)

    def for_report(self, principal: Principal, report: Report) -> Custody:
        """The evidence of a report the caller has just read through its choke point (which
        audited that read): attachments inherit the report's audience, so this adds no
        decision of its own beyond filtering by the same policy."""
        with self.uow() as uow:
            items = _readable(principal, uow.evidence.for_report(report.id))
            events = uow.evidence.custody([item.id for item in items]) if items else []
        return Custody(items, events)

    def transfer(
        self,
        sha256: str,
        receiver: str,
        note: str,
        member: Member,
        address: str | None = None,
    ) -> CustodyEvent:
        """Record that the original (or the medium it came on) was handed to `receiver`: only
        the body that attached it may. NotFoundError when the member may not read it."""
        receiver, note = receiver.strip(), note.strip()
        errors = []
        if not receiver or len(receiver) > MAX_TRANSFER_TEXT:
            errors.append(
                FieldError("to", f"name the receiver in 1 to {MAX_TRANSFER_TEXT} characters")
            )
        if len(note) > MAX_TRANSFER_TEXT:
            errors.append(FieldError("note", f"must be at most {MAX_TRANSFER_TEXT} characters"))
        if errors:
            raise InvalidInputError(errors)
        now = self.clock.now()
        with self.uow() as uow:
            principal = principal_of(uow, member)
            items = _readable(principal, uow.evidence.with_sha256(sha256))
            own = [e for e in items if decide(principal, Action.CREATE, evidence_resource(e))]
            if not items:
                self._refuse(uow, principal, sha256, "no such evidence", address)
                raise NotFoundError("evidence")
            if not own:
                refused = Decision(
                    principal, Action.CREATE, ResourceKind.EVIDENCE, sha256, Deny("not its body's")
                )
                audit_decision(uow, now, refused, address)
                uow.commit()
                raise AccessDeniedError("only the body that attached it records its transfer")
            detail = f"to {receiver}" + (f": {note}" if note else "")
            event = _event(own[0], CustodyAction.TRANSFERRED, principal, address, now, detail)
            _custody(uow, own[0], event)
            made = Decision(
                principal, Action.CREATE, ResourceKind.EVIDENCE, sha256, ALLOW, "custody transfer"
            )
            audit_decision(uow, now, made, address)
            uow.commit()
        return event

    def _refuse(
        self, uow: UnitOfWork, principal: Principal, sha256: str, reason: str, address: str | None
    ) -> None:
        # The same reason whether it is missing or forbidden: the trail says what was asked.
        refused = Decision(
            principal, Action.READ, ResourceKind.EVIDENCE, sha256[:140], Deny(reason), reason
        )
        audit_decision(uow, self.clock.now(), refused, address)
        uow.commit()


def _readable(principal: Principal, items: Sequence[Evidence]) -> list[Evidence]:
    return [e for e in items if decide(principal, Action.READ, evidence_resource(e))]


def _first_readable(principal: Principal, items: Sequence[Evidence]) -> Evidence | None:
    readable = _readable(principal, items)
    return readable[0] if readable else None


def _copy_detail(copy: DerivedCopy) -> str:
    return f"{copy.kind.value} {copy.sha256}"


def _event(
    evidence: Evidence,
    action: CustodyAction,
    principal: Principal,
    address: str | None,
    at: datetime,
    detail: str = "",
) -> CustodyEvent:
    return CustodyEvent(
        evidence.id, action, at, principal.member_id, principal.body_id, address, detail
    )


def _custody(uow: UnitOfWork, evidence: Evidence, event: CustodyEvent) -> None:
    """Store the event and put it on the record: its kind is public, who and from where are
    committed to, openable by the body that owns the evidence."""
    uow.evidence.add_custody(event)
    uow.record.append(
        "evidence.custody",
        subject=f"evidence:{evidence.id}",
        at=event.at,
        public={
            "evidence_id": evidence.id,
            "report_id": evidence.report_id,
            "action": event.action.value,
        },
        confidential={
            "member_id": event.member_id,
            "body_id": event.body_id,
            "address": event.address,
            "detail": event.detail,
        },
        owner_body_id=evidence.owner_body_id,
    )


def _record_added(uow: UnitOfWork, evidence: Evidence) -> None:
    """That a file was attached is public; what the file is (its hash, name, type, metadata)
    is committed to while the report is confidential, and public once it is public."""
    public: dict[str, JsonValue] = {
        "evidence_id": evidence.id,
        "report_id": evidence.report_id,
        "owner_body_id": evidence.owner_body_id,
        "confidentiality": evidence.confidentiality.value,
    }
    content: dict[str, JsonValue] = {
        "sha256": evidence.sha256,
        "size": evidence.size,
        "media_type": evidence.media_type,
        "file_name": evidence.file_name,
        "uploaded_by": evidence.uploaded_by,
        "metadata": dict(evidence.metadata),
        "derived": [
            {"kind": d.kind.value, "sha256": d.sha256, "media_type": d.media_type}
            for d in evidence.derived
        ],
    }
    if evidence.confidentiality == Confidentiality.PUBLIC:
        uow.record.append(
            "evidence.added", f"evidence:{evidence.id}", evidence.uploaded_at, public | content
        )
        return
    uow.record.append(
        "evidence.added",
        subject=f"evidence:{evidence.id}",
        at=evidence.uploaded_at,
        public=public,
        confidential=content,
        owner_body_id=evidence.owner_body_id,
    )
