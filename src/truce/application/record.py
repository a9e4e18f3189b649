"""Use cases of the record: checkpoints, proofs, co-signatures and full verification.

Nothing here trusts the store: `verify` recomputes every leaf from its entry, every commitment
from the object it commits to, every stored subtree hash, and every checkpoint's root and
signatures, and names the first entry (or checkpoint) that does not hold.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Protocol

from truce.application.decisions import decision_content
from truce.application.ports import (
    Canonical,
    Clock,
    Cosignature,
    Record,
    RecordEntry,
    StoredCheckpoint,
    UnitOfWork,
    UnitOfWorkFactory,
)
from truce.domain.commitments import commitment
from truce.domain.errors import FieldError, InvalidInputError, NotFoundError
from truce.domain.record import (
    HASH_SIZE,
    Checkpoint,
    MemoryHashStore,
    RecordError,
    VerificationBusyError,
    complete_levels,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
)
from truce.domain.reports import report_content


class CheckpointSigner(Protocol):
    """The mechanism's signing key, named by the log's origin."""

    @property
    def origin(self) -> str: ...
    def sign(self, checkpoint: Checkpoint) -> str: ...
    def verifier_key(self) -> str: ...


class NoteVerifier(Protocol):
    def checkpoint(self, note: str, verifier_key: str) -> Checkpoint:
        """The checkpoint in `note` if `verifier_key` signed it; raise RecordError otherwise."""
        ...

    def cosignature_holds(self, body: str, signature_line: str, verifier_key: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """All an offline verifier needs: the entry, its inclusion proof, the signed checkpoint."""

    entry: RecordEntry
    size: int
    proof: list[bytes]
    checkpoint_note: str
    verifier_key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "entry": self.entry.body,
            "index": self.entry.seq,
            "size": self.size,
            "inclusion_proof": [node.hex() for node in self.proof],
            "checkpoint": self.checkpoint_note,
            "log_key": self.verifier_key,
        }


class Fault(StrEnum):
    """What verification can find wrong, as a code: the console says it in English
    (`Problem.message`), the web in the reader's language (entrypoints/web/phrases.py)."""

    # at an entry
    MISPLACED = "misplaced"
    LEAF_MISMATCH = "leaf_mismatch"
    TREE_MISMATCH = "tree_mismatch"
    OBJECT_MISSING = "object_missing"
    SALT_MISSING = "salt_missing"
    CONTENT_ALTERED = "content_altered"
    # at a checkpoint
    SIGNATURE_INVALID = "signature_invalid"
    BEYOND_RECORD = "beyond_record"
    ROOT_MISMATCH = "root_mismatch"
    COSIGNATURE_INVALID = "cosignature_invalid"


CHECKPOINT_FAULTS: Final = frozenset(
    {Fault.SIGNATURE_INVALID, Fault.BEYOND_RECORD, Fault.ROOT_MISMATCH, Fault.COSIGNATURE_INVALID}
)

# %-style, as the web's catalogues are: the same words and placeholders there.
FAULT_MESSAGES: Final[Mapping[Fault, str]] = {
    Fault.MISPLACED: "found where entry %(expected)s belongs",
    Fault.LEAF_MISMATCH: "body does not match its leaf hash",
    Fault.TREE_MISMATCH: "stored tree hashes do not match",
    Fault.OBJECT_MISSING: "the object it describes is missing",
    Fault.SALT_MISSING: "salt is missing",
    Fault.CONTENT_ALTERED: "the %(kind)s content it commits to was altered",
    Fault.SIGNATURE_INVALID: "signature does not verify: %(error)s",
    Fault.BEYOND_RECORD: "is larger than the record",
    Fault.ROOT_MISMATCH: "root does not match the entries",
    Fault.COSIGNATURE_INVALID: "co-signature of %(witness)s does not verify",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing verification found wrong: a `fault` at entry `at` (its seq) or at the
    checkpoint of size `at`, with the values its words name; `entry` is the entry it makes
    bad, if any."""

    fault: Fault
    at: int
    entry: int | None = None
    values: tuple[tuple[str, str | int], ...] = ()

    @property
    def at_checkpoint(self) -> bool:
        return self.fault in CHECKPOINT_FAULTS

    @property
    def where(self) -> str:
        return f"checkpoint at size {self.at}" if self.at_checkpoint else f"entry {self.at}"

    @property
    def message(self) -> str:
        return FAULT_MESSAGES[self.fault] % dict(self.values)


@dataclass
class VerificationReport:
    size: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    commitments: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        bad = [p.entry for p in self.problems if p.entry is not None]
        return min(bad) if bad else None


# Entries whose confidential content can be re-derived from the object they describe.
Reopener = Callable[[UnitOfWork, dict[str, Any]], dict[str, Any] | None]


def _reopen_report(uow: UnitOfWork, document: dict[str, Any]) -> dict[str, Any] | None:
    report = uow.reports.get(str(document.get("report_id")))
    return None if report is None else report_content(report)


def _reopen_member(uow: UnitOfWork, document: dict[str, Any]) -> dict[str, Any] | None:
    member = uow.members.get(str(document.get("member_id")))
    return None if member is None else {"username": member.username, "title": member.title}


def _reopen_decision(uow: UnitOfWork, document: dict[str, Any]) -> dict[str, Any] | None:
    stored = uow.signed_decisions.get(str(document.get("payload_hash")))
    return None if stored is None else decision_content(stored)


REOPENERS: dict[str, Reopener] = {
    "report.filed": _reopen_report,
    "member.added": _reopen_member,
    "decision.signed": _reopen_decision,
}


# No record grows past a signed 64-bit count: a larger position names nothing, and must not
# reach a store whose integers stop there (S13: a 5xx for a guessed number).
MAX_POSITION = 2**63 - 1


def _within_any_record(position: int | None, what: str) -> None:
    if position is not None and not 0 <= position <= MAX_POSITION:
        raise NotFoundError(what)


# Levels a tree of up to 2**64 leaves can have: every one is read, so a stored hash that
# belongs to no level of this tree is found too.
MAX_LEVELS = 65


def _first_divergence(record: Record, levels: list[bytes]) -> int | None:
    """The first entry under a stored subtree hash that differs from, is missing from, or is
    extra to the tree recomputed from the entries. Each level is read in one query and
    compared whole; only a level that differs is walked node by node. The lowest level that
    differs names the entry most precisely."""
    for level in range(MAX_LEVELS):
        expected = levels[level] if level < len(levels) else b""
        stored = record.level_nodes(level)
        count = len(stored)
        if [position for position, _ in stored] == list(range(count)) and b"".join(
            digest for _, digest in stored
        ) == expected:
            continue
        return _first_mismatch(stored, expected) << level
    return None


def _first_mismatch(stored: list[tuple[int, bytes]], expected: bytes) -> int:
    """The first position where a level's stored hashes and the recomputed ones differ."""
    for index, (position, digest) in enumerate(stored):
        if position != index:  # a gap: the node at `index` is missing
            return index
        if digest != expected[index * HASH_SIZE : (index + 1) * HASH_SIZE]:
            return index
    return len(stored)  # all stored match: the first one missing, or the first extra


class _VerifyGate:
    """At most one full verification at a time in this process: it reads the whole record,
    so a second one waiting in line would only double the load. The others are told to come
    back after about as long as the last one took."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_seconds = 1.0

    def run(self, work: Callable[[], VerificationReport]) -> VerificationReport:
        if not self._lock.acquire(blocking=False):
            raise VerificationBusyError(max(1, math.ceil(self._last_seconds)))
        began = time.monotonic()
        try:
            return work()
        finally:
            self._last_seconds = time.monotonic() - began
            self._lock.release()


@dataclass(frozen=True, slots=True)
class RecordService:
    uow: UnitOfWorkFactory
    clock: Clock
    signer: CheckpointSigner
    notes: NoteVerifier
    canonical: Canonical
    # The witnesses whose co-signatures are kept: key name -> verifier key. A co-signature is
    # authenticated by its signature alone, so a key the record does not know is refused.
    witnesses: Mapping[str, str] = field(default_factory=dict)
    _gate: _VerifyGate = field(default_factory=_VerifyGate, repr=False, compare=False)

    def issue_checkpoint(self) -> StoredCheckpoint:
        """Sign the tree as it is now; the latest checkpoint again if nothing was appended."""
        with self.uow() as uow:
            size = uow.record.size()
            latest = uow.record.checkpoint()
            if latest is not None and latest.size == size:
                return latest
            tree_root = root(size, uow.record.stored_hashes())
            note = self.signer.sign(Checkpoint(self.signer.origin, size, tree_root))
            issued = StoredCheckpoint(size, tree_root, note, self.clock.now(), {})
            uow.record.add_checkpoint(issued)
            uow.commit()
        return issued

    def checkpoint(self, size: int | None = None) -> StoredCheckpoint:
        _within_any_record(size, "checkpoint")
        with self.uow() as uow:
            found = uow.record.checkpoint(size)
        if found is None:
            raise NotFoundError("checkpoint")
        return found

    def checkpoints(self, limit: int = 50) -> list[StoredCheckpoint]:
        with self.uow() as uow:
            return uow.record.checkpoints(limit)

    def prove(self, seq: int, size: int | None = None) -> ProofBundle:
        """Inclusion of entry `seq` in the checkpoint at `size` (the latest by default)."""
        _within_any_record(seq, "record entry")
        _within_any_record(size, "checkpoint")
        with self.uow() as uow:
            checkpoint = uow.record.checkpoint(size)
            entry = uow.record.entry(seq)
            if checkpoint is None or entry is None:
                raise NotFoundError("record entry" if entry is None else "checkpoint")
            if seq >= checkpoint.size:
                raise InvalidInputError(
                    [FieldError("entry", f"is not yet in a checkpoint (size {checkpoint.size})")]
                )
            proof = inclusion_proof(seq, checkpoint.size, uow.record.stored_hashes())
        return ProofBundle(
            entry, checkpoint.size, proof, checkpoint.note, self.signer.verifier_key()
        )

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        with self.uow() as uow:
            size = uow.record.size()
            if not 0 <= old_size <= new_size <= size:
                raise InvalidInputError(
                    [
                        FieldError(
                            "size", f"need 0 <= old <= new <= {size}, got {old_size}, {new_size}"
                        )
                    ]
                )
            return consistency_proof(old_size, new_size, uow.record.stored_hashes())

    def history(self, subject: str) -> list[RecordEntry]:
        with self.uow() as uow:
            return uow.record.about(subject)

    def entry(self, seq: int) -> RecordEntry:
        _within_any_record(seq, "record entry")
        with self.uow() as uow:
            found = uow.record.entry(seq)
        if found is None:
            raise NotFoundError("record entry")
        return found

    def add_cosignature(self, size: int, witness: str, cosignature: Cosignature) -> bool:
        """Keep a known witness's co-signature, once it is checked against the checkpoint body.

        True if it was kept now; False if this witness had already co-signed this checkpoint
        (a retried request changes nothing, and the first co-signature stays).
        """
        _within_any_record(size, "checkpoint")
        if self.witnesses.get(witness) != cosignature.verifier_key:
            raise InvalidInputError(
                [FieldError("verifier_key", "is not the key of a witness this record knows")]
            )
        with self.uow() as uow:
            checkpoint = uow.record.checkpoint(size)
            if checkpoint is None:
                raise NotFoundError("checkpoint")
            body = Checkpoint(self.signer.origin, checkpoint.size, checkpoint.root).body()
            if not self.notes.cosignature_holds(
                body, cosignature.signature, cosignature.verifier_key
            ):
                raise InvalidInputError([FieldError("signature", "does not verify")])
            if witness in checkpoint.cosignatures:
                return False
            # Two identical requests can both get here on PostgreSQL (READ COMMITTED); the
            # store keeps the first and tells the second, which then changes nothing.
            kept = uow.record.add_cosignature(size, witness, cosignature, self.clock.now())
            uow.commit()
        return kept

    def verify(self) -> VerificationReport:
        """Recompute everything; raise VerificationBusyError while another one runs."""
        return self._gate.run(self._verify)

    def _verify(self) -> VerificationReport:
        report = VerificationReport()
        with self.uow() as uow:
            report.size = uow.record.size()
            levels = complete_levels(self._checked_leaves(uow, report))
            divergence = _first_divergence(uow.record, levels)
            if divergence is not None:
                report.problems.append(Problem(Fault.TREE_MISMATCH, divergence, divergence))
            rebuilt = MemoryHashStore.from_levels(levels)
            for checkpoint in uow.record.checkpoints(limit=1_000_000):
                self._check_checkpoint(checkpoint, rebuilt, report)
        return report

    def _checked_leaves(self, uow: UnitOfWork, report: VerificationReport) -> bytes:
        """Every entry's leaf hash recomputed from its body, packed end to end."""
        leaves = bytearray()
        rows = uow.record.verification_rows(0, report.size)
        for expected, (seq, kind, body, stored_leaf) in enumerate(rows):
            if seq != expected:
                report.problems.append(
                    Problem(Fault.MISPLACED, seq, expected, (("expected", expected),))
                )
            recomputed = leaf_hash(body.encode())
            if recomputed != stored_leaf:
                report.problems.append(Problem(Fault.LEAF_MISMATCH, seq, seq))
            if kind in REOPENERS:
                self._check_commitment(uow, seq, kind, body, report)
            leaves += recomputed
        return bytes(leaves)

    def _check_commitment(
        self, uow: UnitOfWork, seq: int, kind: str, body: str, report: VerificationReport
    ) -> None:
        reopen = REOPENERS[kind]
        document = json.loads(body)
        opening = uow.record.opening(seq)
        content = reopen(uow, document)
        report.commitments += 1
        if opening is None or content is None:
            fault = Fault.OBJECT_MISSING if content is None else Fault.SALT_MISSING
            report.problems.append(Problem(fault, seq, seq))
            return
        if commitment(self.canonical(content), opening.salt) != document.get("commitment"):
            report.problems.append(Problem(Fault.CONTENT_ALTERED, seq, seq, (("kind", kind),)))

    def _check_checkpoint(
        self, checkpoint: StoredCheckpoint, rebuilt: MemoryHashStore, report: VerificationReport
    ) -> None:
        size = checkpoint.size
        report.checkpoints += 1
        try:
            signed = self.notes.checkpoint(checkpoint.note, self.signer.verifier_key())
        except RecordError as error:
            report.problems.append(
                Problem(Fault.SIGNATURE_INVALID, size, values=(("error", str(error)),))
            )
            return
        if checkpoint.size > rebuilt.size:
            report.problems.append(Problem(Fault.BEYOND_RECORD, size))
            return
        if signed.size != checkpoint.size or signed.root != root(checkpoint.size, rebuilt):
            report.problems.append(Problem(Fault.ROOT_MISMATCH, size))
        for witness, cosignature in checkpoint.cosignatures.items():
            report.cosignatures += 1
            if not self.notes.cosignature_holds(
                signed.body(), cosignature.signature, cosignature.verifier_key
            ):
                report.problems.append(
                    Problem(Fault.COSIGNATURE_INVALID, size, values=(("witness", witness),))
                )
