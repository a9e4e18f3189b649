"""Ports: what the application needs from the outside world, as Protocols.

Adapters implement them (adapters/sql for the real store, adapters/memory for fakes); the
application never learns which one it talks to.
"""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Protocol, Self

from truce.application.geo_ports import GeoStore
from truce.application.oidc_ports import OidcStore
from truce.application.talks_ports import Talks
from truce.domain.agreements import Agreement
from truce.domain.auth import ApiToken, AuditEntry, Credential, LoginFailure, Session
from truce.domain.compliance_exports import ExportRow, ExportWindow
from truce.domain.confidentiality import Confidentiality
from truce.domain.decisions import KeyEnd, MemberKey, StoredDecision
from truce.domain.evidence import CopyKind, CustodyEvent, Evidence, Inspection
from truce.domain.incidents import Incident
from truce.domain.intake import CurrentEvent, ImportJournal, QuarantinedRow, Tombstone
from truce.domain.parties import Actor, Body, Member
from truce.domain.passkeys import (
    AuthChallenge,
    ChallengePurpose,
    NewPasskey,
    Passkey,
    RelyingParty,
)
from truce.domain.record import HashStore
from truce.domain.reports import Report

if TYPE_CHECKING:
    # procedure_ports reads ReportScope from here; the store is only named in annotations.
    from truce.application.procedure_ports import ProcedureStore


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdFactory(Protocol):
    def new_id(self) -> str: ...


class PasswordHasher(Protocol):
    """A slow, salted password hash (argon2id in production)."""

    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; False for a mismatch or an unreadable hash."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the current ones."""
        ...


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Which reports a principal may read, in a form a store can filter on: its own body's
    (when the policy grants that) and other bodies' at the listed confidentiality levels.
    Derived from the policy by `access_guard.report_scope`, never written by hand."""

    own_body_id: str | None
    levels: frozenset[Confidentiality]

    def admits(self, report: Report) -> bool:
        if self.own_body_id is not None and report.submitter_body_id == self.own_body_id:
            return True
        return report.confidentiality in self.levels


@dataclass(frozen=True, slots=True)
class ReportCursor:
    """Where a page of reports ended: lists run newest first by (filed_at, id)."""

    filed_at: datetime
    report_id: str


class Bodies(Protocol):
    def add(self, body: Body) -> None: ...
    def get(self, body_id: str) -> Body | None: ...
    def list_all(self) -> list[Body]: ...


class Actors(Protocol):
    def add(self, actor: Actor) -> None: ...
    def get(self, actor_id: str) -> Actor | None: ...
    def list_all(self) -> list[Actor]: ...
    def find_by_name(self, text: str) -> list[Actor]: ...


class Members(Protocol):
    def add(self, member: Member) -> None: ...
    def get(self, member_id: str) -> Member | None: ...
    def get_by_username(self, username: str) -> Member | None: ...
    def get_many(self, member_ids: Collection[str]) -> list[Member]:
        """The members of these ids that exist, in one read (any order)."""
        ...

    def list_all(self) -> list[Member]: ...
    def set_language(self, member_id: str, language: str | None) -> None:
        """Store the member's interface language; None goes back to the browser's."""
        ...


class Agreements(Protocol):
    def add(self, agreement: Agreement) -> None: ...
    def get(self, agreement_id: str, version: int | None = None) -> Agreement | None:
        """The given version, or the latest one when `version` is None."""
        ...

    def list_all(self) -> list[Agreement]:
        """The latest version of each agreement."""
        ...


class Reports(Protocol):
    def add(self, report: Report, idempotency_scope: str) -> None:
        """Store a report; raise IdempotencyKeyTakenError if its key is already used in scope."""
        ...

    def get(self, report_id: str) -> Report | None: ...
    def get_many(self, report_ids: Collection[str]) -> list[Report]:
        """The reports of these ids that exist, retired or not as `get` finds them, in one
        read: each once, in the order its id first appears; ids not found are left out.
        Like `get`, it checks no need-to-know: callers pass what they show through a
        choke point."""
        ...

    def by_idempotency_key(self, idempotency_scope: str, key: str) -> Report | None: ...
    def page(
        self,
        limit: int,
        after: ReportCursor | None = None,
        scope: ReportScope | None = None,
        submitted_by: str | None = None,
    ) -> list[Report]:
        """Newest first; only what `scope` admits when one is given (the access filter), and
        only what that member filed when `submitted_by` is given (a member's own list)."""
        ...

    def count(self, scope: ReportScope | None = None) -> int: ...
    def search(self, terms: Sequence[str], limit: int, scope: ReportScope) -> list[Report]:
        """Standing reports the scope admits whose search text has a word beginning with
        every term (terms in normal form, domain/search.py), newest first."""
        ...


class Accounts(Protocol):
    """The sign-in side of members: credentials, and whether an account may act at all."""

    def credential(self, member_id: str) -> Credential | None: ...
    def credentials(self) -> list[Credential]: ...
    def save_credential(self, credential: Credential) -> None:
        """Insert or replace the member's credential."""
        ...

    def claim_totp_step(self, member_id: str, step: int) -> bool:
        """Mark `step` used if it is later than the last one used; False if it is not. Atomic,
        so two requests racing with the same code cannot both succeed (S10)."""
        ...

    def set_active(self, member_id: str, *, active: bool) -> None: ...


class Sessions(Protocol):
    def add(self, session: Session) -> None: ...
    def get(self, id_hash: str) -> Session | None: ...
    def get_many(self, id_hashes: Collection[str]) -> list[Session]:
        """The sessions of these digests that are stored, in no order (the talks streams'
        delivery round checks every open stream's session in one read)."""
        ...

    def touch(self, id_hash: str, at: datetime) -> None: ...
    def revoke(self, id_hash: str, at: datetime) -> None: ...
    def revoke_all(self, member_id: str, at: datetime) -> int:
        """End every live session of the member; the number ended."""
        ...

    def delete_ended(self, before: datetime) -> int:
        """Forget sessions that expired before `before`."""
        ...


class ApiTokens(Protocol):
    def add(self, token: ApiToken) -> None: ...
    def get(self, token_id: str) -> ApiToken | None: ...
    def get_many(self, token_ids: Collection[str]) -> list[ApiToken]:
        """The stored tokens among these ids, in no order."""
        ...

    def touch(self, token_id: str, at: datetime) -> None: ...
    def revoke(self, token_id: str, at: datetime) -> None:
        """Revoke the token; a token revoked already keeps its first revocation time."""
        ...

    def list_all(self, member_id: str | None = None) -> list[ApiToken]:
        """Oldest first; every member's when `member_id` is None."""
        ...


class LoginFailures(Protocol):
    def add(self, failure: LoginFailure) -> None: ...
    def for_account(self, account_key: str, after: datetime) -> list[datetime]: ...
    def for_address(self, address: str, after: datetime) -> list[datetime]: ...
    def clear_account(self, account_key: str) -> None: ...
    def forget_before(self, moment: datetime) -> None: ...


class Passkeys(Protocol):
    """Members' WebAuthn credentials, known by their credential id (unique across members)."""

    def add(self, passkey: Passkey) -> None: ...
    def get(self, credential_id: str) -> Passkey | None: ...
    def for_member(self, member_id: str) -> list[Passkey]:
        """Oldest first."""
        ...

    def record_use(self, credential_id: str, sign_count: int, at: datetime) -> bool:
        """Store the new counter and the time of use if the counter moved forward (or both
        are 0); False, changing nothing, if it did not. Atomic, like `claim_totp_step`."""
        ...

    def remove(self, credential_id: str) -> bool: ...


class AuthChallenges(Protocol):
    """Short-lived server-side states of sign-in and enrolment, one per handle and purpose."""

    def put(self, challenge: AuthChallenge) -> None:
        """Insert or replace the state for its handle and purpose."""
        ...

    def get(self, handle_hash: str, purpose: ChallengePurpose) -> AuthChallenge | None: ...
    def take_challenge(self, handle_hash: str, purpose: ChallengePurpose) -> bytes | None:
        """Clear and return the stored challenge bytes: of two answers racing with one
        challenge, only one gets them (single use)."""
        ...

    def delete(self, handle_hash: str, purpose: ChallengePurpose) -> None: ...
    def delete_expired(self, before: datetime) -> int: ...
    def delete_for_member(self, member_id: str, purpose: ChallengePurpose) -> int:
        """Drop every state of the member for `purpose` (a renewed enrolment link voids the
        earlier ones)."""
        ...


class PasskeyVerifier(Protocol):
    """The WebAuthn protocol (options, attestation, assertion signatures), kept behind a port
    so the application imports no WebAuthn library. Options are returned as the JSON text
    the browser's script passes to navigator.credentials; answers come back as the JSON the
    script made of the browser's PublicKeyCredential."""

    def registration_options(
        self,
        rp: RelyingParty,
        *,
        user_id: bytes,
        user_name: str,
        display_name: str,
        challenge: bytes,
        exclude: list[str],
    ) -> str: ...

    def verify_registration(
        self, rp: RelyingParty, response: str, *, challenge: bytes
    ) -> NewPasskey:
        """The new credential, or PasskeyRejectedError."""
        ...

    def authentication_options(
        self, rp: RelyingParty, *, challenge: bytes, allow: list[Passkey]
    ) -> str: ...

    def credential_id(self, response: str) -> str:
        """The credential id an assertion names, or PasskeyRejectedError."""
        ...

    def verify_authentication(
        self, rp: RelyingParty, response: str, *, challenge: bytes, passkey: Passkey
    ) -> int:
        """The authenticator's new sign count, or PasskeyRejectedError."""
        ...


class AuditTrail(Protocol):
    """Append-only: entries are added and read, never changed."""

    def add(self, entry: AuditEntry) -> None: ...
    def add_many(self, entries: Sequence[AuditEntry]) -> None:
        """Each entry as `add` keeps it, numbered in the order given, in one statement."""
        ...

    def recent(
        self,
        limit: int,
        *,
        denied_only: bool = False,
        since: datetime | None = None,
        allowed: bool | None = None,
        actor_member_id: str | None = None,
        before_seq: int | None = None,
    ) -> list[AuditEntry]:
        """Newest first, each with its `seq`: only denied ones with `denied_only`, only those
        with this outcome when `allowed` is given, by this actor, from `since` on, and
        numbered below `before_seq` (the next page's cursor)."""
        ...


class MemberKeys(Protocol):
    """Members' signing keys: at most one current key per member (the store enforces it)."""

    def add(self, key: MemberKey) -> None:
        """Store a key; raise ConflictError if its id is taken or the member has a current one."""
        ...

    def get(self, key_id: str) -> MemberKey | None: ...
    def current(self, member_id: str) -> MemberKey | None: ...
    def for_member(self, member_id: str) -> list[MemberKey]:
        """Oldest first."""
        ...

    def end(self, key_id: str, at: datetime, end: KeyEnd) -> None:
        """Mark the key rotated or revoked from `at` on."""
        ...


class SignedDecisions(Protocol):
    def add(self, stored: StoredDecision) -> None:
        """Store a decision; raise DecisionTakenError if its payload hash, or its revision in
        its slot, is taken (a concurrent submission won)."""
        ...

    def get(self, payload_hash: str) -> StoredDecision | None: ...
    def in_slot(
        self, member_id: str, kind: str, object_kind: str, object_id: str, object_hash: str
    ) -> list[StoredDecision]:
        """The member's decisions of this kind on this version, by revision."""
        ...

    def about(self, object_kind: str, object_id: str) -> list[StoredDecision]:
        """Every decision on any version of the object, in the order received."""


class Intake(Protocol):
    """Bulk intake: dataset reports in batches, the import journal, the quarantine."""

    def current(self, refs: Collection[str]) -> dict[str, CurrentEvent]:
        """The standing (not retired) report of each dataset event named, by source_ref."""
        ...

    def add_reports(self, reports: Sequence[Report], idempotency_scope: str) -> None:
        """Insert many reports at once (they carry no idempotency key)."""
        ...

    def retire(self, report_ids: Sequence[str], reason: str) -> None:
        """Mark reports superseded or withdrawn: they leave lists, stay readable by id."""
        ...

    def queue_derived(self, report_ids: Sequence[str]) -> None:
        """Remember reports whose derived steps (correlation, placement) are still to run,
        in this order, behind any already waiting."""
        ...

    def pending_derived(self, limit: int) -> list[tuple[int, Report]]:
        """The oldest `limit` waiting reports with their queue positions, in order."""
        ...

    def clear_derived(self, through: int) -> None:
        """Forget the waiting reports up to and including queue position `through`."""
        ...

    def count_derived(self) -> int: ...
    def tombstones(self, refs: Collection[str]) -> dict[str, Tombstone]: ...
    def add_tombstone(self, tombstone: Tombstone) -> None: ...
    def quarantine(self, rows: Sequence[QuarantinedRow]) -> int:
        """Keep rows not already kept (by id); the number newly kept."""
        ...

    def quarantined(self, limit: int, *, open_only: bool = True) -> list[QuarantinedRow]:
        """Newest first."""
        ...

    def quarantined_row(self, row_id: str) -> QuarantinedRow | None: ...
    def resolve(self, row_id: str, report_id: str, at: datetime) -> None: ...
    def count_quarantined(self, *, open_only: bool = True) -> int: ...
    def journal(self, file_sha256: str, kind: str) -> ImportJournal | None: ...
    def save_journal(self, journal: ImportJournal) -> None:
        """Insert or replace the journal of (file, kind)."""
        ...


class Incidents(Protocol):
    """Incidents and their links to reports (issue 7). Reports themselves are never touched."""

    def save(self, incident: Incident, window: tuple[datetime, datetime] | None) -> None:
        """Insert or replace the incident with its links; `window` is the span of time its
        reports (with their slack) cover, which `candidates` filters on."""
        ...

    def save_many(
        self, incidents: Sequence[tuple[Incident, tuple[datetime, datetime] | None]]
    ) -> None:
        """`save` for each, in a few statements (a dataset batch changes thousands)."""
        ...

    def get(self, incident_id: str) -> Incident | None: ...
    def of_report(self, report_id: str) -> str | None:
        """The open incident holding the report, if any."""
        ...

    def candidates(self, start: datetime, end: datetime) -> list[Incident]:
        """Open incidents whose window meets start..end, oldest first."""
        ...

    def page(self, limit: int, *, status: str | None = "open") -> list[Incident]:
        """Newest first."""


# Grouped counts for compliance reports: (report day, place text, ADM1 P-code of its stored
# placement, party accused, event type, filing body, source name, count).
FigureRow = tuple[date, str | None, str | None, str | None, str, str | None, str, int]
# Counts per place only: (place text, ADM1 P-code of its stored placement, count).
PlaceRow = tuple[str | None, str | None, int]


# One standing report of an incident that has a verification case, for the findings of a
# compliance report: (incident id, occurred_from, place text, ADM1 P-code of its placement,
# event type, filing body, source name).
CaseReportRow = tuple[str, datetime, str | None, str | None, str, str | None, str]


class ComplianceFigures(Protocol):
    """What compliance reports and exports read from the store (issue 10). The store does
    the work (a GROUP BY; a streamed cursor); the scope filters as it does for every list."""

    def figure_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[FigureRow]:
        """Counts of the standing reports whose `occurred_from` lies in [start, end),
        grouped by report day (domain.compliance.report_day), place (and the governorate of
        its placement, when one is stored), party accused, type and who filed them."""
        ...

    def place_rows(self, start: datetime, end: datetime, scope: ReportScope) -> list[PlaceRow]:
        """As `figure_rows`, grouped by place only: what a comparison with an earlier
        period needs."""
        ...

    def day_totals(
        self, start: datetime, end: datetime, scope: ReportScope
    ) -> list[tuple[date, int]]:
        """How many standing reports the scope admits per report day in [start, end); days
        without any are left out."""
        ...

    def case_report_rows(
        self, start: datetime, end: datetime, scope: ReportScope
    ) -> list[CaseReportRow]:
        """The standing reports the scope admits of each standing incident with a
        verification case, for the incidents whose earliest such report occurred in
        [start, end); ordered by incident, then time. An incident none of whose reports
        the scope admits is not returned at all."""
        ...

    def export_batches(
        self, window: ExportWindow, scope: ReportScope, batch: int = 10_000
    ) -> Generator[Sequence[ExportRow], None, None]:
        """The standing reports the scope admits, as plain tuples in `STORED_COLUMNS` order
        (times as ISO 8601 text in UTC, as `datetime.isoformat` writes them), in filing
        order, `batch` rows at a time so that memory stays flat at any size."""


class EvidenceRepository(Protocol):
    """Attachments of stored files to reports, and their custody events (append-only)."""

    def add(self, evidence: Evidence) -> None:
        """Store an attachment; raise ConflictError if the report has this file already."""
        ...

    def get(self, evidence_id: str) -> Evidence | None: ...
    def find(self, report_id: str, sha256: str) -> Evidence | None: ...
    def with_sha256(self, sha256: str) -> list[Evidence]:
        """Every attachment of the file, oldest first."""
        ...

    def for_report(self, report_id: str) -> list[Evidence]:
        """Oldest first."""
        ...

    def add_custody(self, event: CustodyEvent) -> None: ...
    def custody(self, evidence_ids: Collection[str]) -> list[CustodyEvent]:
        """The events of these attachments, each with its `seq`, in the order they happened."""
        ...


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """An upload written to the store's side but not yet kept: its hash, size and where it
    waits (a temporary file the inspector reads)."""

    sha256: str
    size: int
    path: Path


class EvidenceBlobs(Protocol):
    """Content-addressed, write-once storage of evidence files and their working copies."""

    def receive(self, stream: BinaryIO, max_bytes: int) -> ReceivedFile:
        """Copy the stream aside, hashing it; FileTooLargeError past `max_bytes`."""
        ...

    def keep(self, received: ReceivedFile) -> None:
        """Store it under its hash, read-only, unless that hash is stored already."""
        ...

    def discard(self, received: ReceivedFile) -> None: ...
    def put(self, data: bytes) -> str:
        """Store a working copy; its hash."""
        ...

    def locate(self, sha256: str) -> Path | None:
        """Where the stored file is, for streaming it out; None when absent."""
        ...


class ContentInspector(Protocol):
    """Judges a file by its bytes, never its name, and makes working copies."""

    def inspect(self, path: Path) -> Inspection:
        """Its type and metadata; RefusedFileError for anything not accepted."""
        ...

    def derive(self, path: Path, media_type: str) -> list[tuple[CopyKind, bytes, str]]:
        """Working copies as (kind, bytes, media type); none for types it cannot read."""
        ...


class UnitOfWork(Protocol):
    """One transaction: everything done inside commits together or not at all."""

    bodies: Bodies
    actors: Actors
    members: Members
    agreements: Agreements
    reports: Reports
    record: Record
    accounts: Accounts
    sessions: Sessions
    api_tokens: ApiTokens
    login_failures: LoginFailures
    audit: AuditTrail
    passkeys: Passkeys
    auth_challenges: AuthChallenges

    member_keys: MemberKeys
    signed_decisions: SignedDecisions
    intake: Intake
    oidc: OidcStore
    geo: GeoStore
    incidents: Incidents
    talks: Talks
    compliance: ComplianceFigures
    procedure: ProcedureStore
    evidence: EvidenceRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


# --- the record --------------------------------------------------------------------------

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """One leaf of the record: `body` is the canonical JSON whose leaf hash is in the tree."""

    seq: int
    kind: str
    body: str
    leaf_hash: bytes
    recorded_at: datetime
    subject: str | None


@dataclass(frozen=True, slots=True)
class Opening:
    """What opens a commitment: the salt; and whose content it was."""

    salt: bytes
    owner_body_id: str | None


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root: bytes
    note: str
    issued_at: datetime
    # witness name -> (its verifier key, its signature line over the same checkpoint body)
    cosignatures: dict[str, Cosignature]


@dataclass(frozen=True, slots=True)
class Cosignature:
    verifier_key: str
    signature: str
    # When the record received it (None before it is stored).
    cosigned_at: datetime | None = None


class Canonical(Protocol):
    """RFC 8785 canonical JSON: the same value always gives the same bytes."""

    def __call__(self, value: JsonValue) -> bytes: ...


class Record(Protocol):
    """The append-only log inside a unit of work. Appends are buffered and written, with
    their subtree hashes, when the unit of work commits: in the same transaction as the
    change they describe."""

    def append(
        self,
        kind: str,
        subject: str | None,
        at: datetime,
        public: dict[str, JsonValue],
        confidential: dict[str, JsonValue] | None = None,
        owner_body_id: str | None = None,
    ) -> None:
        """Buffer an entry. Confidential content enters only as a salted commitment."""
        ...

    def flush(self) -> list[int]:
        """Write the buffered entries and their subtree hashes; return their numbers."""
        ...

    def size(self) -> int: ...
    def entry(self, seq: int) -> RecordEntry | None: ...
    def entries(self, start: int, end: int) -> Iterator[RecordEntry]: ...
    def about(self, subject: str) -> list[RecordEntry]: ...
    def verification_rows(self, start: int, end: int) -> Iterator[tuple[int, str, str, bytes]]:
        """(seq, kind, body, leaf hash) of entries start..end-1 by seq: what a verifier reads,
        streamed in large batches, without building whole entries."""
        ...

    def level_nodes(self, level: int) -> list[tuple[int, bytes]]:
        """Every stored subtree hash at `level` as (position, digest), by position."""
        ...

    def stored_hashes(self) -> HashStore: ...
    def opening(self, seq: int) -> Opening | None: ...
    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None: ...
    def checkpoint(self, size: int | None = None) -> StoredCheckpoint | None:
        """The checkpoint at `size`, or the latest one."""
        ...

    def checkpoints(self, limit: int = 50) -> list[StoredCheckpoint]: ...
    def add_cosignature(
        self, size: int, witness: str, cosignature: Cosignature, at: datetime
    ) -> bool:
        """Keep the co-signature; False (nothing changed) if this witness already co-signed
        this checkpoint, also when a concurrent transaction kept it first."""
        ...
