"""Signed decisions: votes, endorsements, publication approvals and acknowledgements.

A member decides by signing, with their own Ed25519 key, a small JSON payload that names the
exact object and version decided on: its kind, id, version label and the SHA-256 of that
version's canonical bytes. The payload travels as its RFC 8785 canonical bytes, so one decision
has one byte string, one payload hash and (Ed25519 being deterministic) one signature.

Rules kept here (pure: stdlib only; the bytes, the hashing of objects and the signature check
are the application's ports):

- The key named in the payload must be the member's current key when the payload is received:
  a rotated or revoked key signs nothing after its end, whatever date the payload claims.
- One decision counts once per (member, kind, object, version): the same payload again is the
  same decision (S10, idempotent), and a different payload for the same slot either supersedes
  the earlier one or is refused, by kind (`KIND_RULES`):
  votes and endorsements may be changed (a changed position is a new, superseding decision;
  the earlier one stays on the record); publication approvals and acknowledgements are final.
- A decision binds one exact version (S8): when the object has a newer version, the decision
  shows as "on a superseded version" and no longer counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from truce.domain.errors import ConflictError, FieldError, InvalidInputError

PAYLOAD_TYPE: Final = "truce.decision/v1"
ED25519_PUBLIC_KEY_BYTES: Final = 32
ED25519_SIGNATURE_BYTES: Final = 64
MAX_PAYLOAD_BYTES: Final = 8192
MAX_REASONS_LENGTH: Final = 4000
# How far a payload's own time may run ahead of the server's clock, and how old it may be.
CLOCK_SKEW: Final = timedelta(minutes=5)
MAX_AGE: Final = timedelta(days=1)

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
# Client nonces: 16 to 128 URL-safe characters (at least 96 bits when random).
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_MAX_ID = 140


class DecisionKind(StrEnum):
    # A guarantor's position on an incident (glossary: vote).
    VOTE = "vote"
    # A participant's decision on one exact version of a document (glossary: endorsement).
    ENDORSEMENT = "endorsement"
    # A named party's consent to a publication.
    APPROVAL = "approval"
    # "I received this exact version": a signed receipt, e.g. of a report or an agreement.
    ACKNOWLEDGEMENT = "acknowledgement"


class Revision(StrEnum):
    """What a second, different payload for the same (member, kind, object, version) does."""

    SUPERSEDES = "supersedes"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class KindRule:
    values: frozenset[str]
    revision: Revision


KIND_RULES: Final[Mapping[DecisionKind, KindRule]] = {
    DecisionKind.VOTE: KindRule(
        frozenset({"confirmed", "not_a_violation", "cannot_confirm", "abstain"}),
        Revision.SUPERSEDES,
    ),
    DecisionKind.ENDORSEMENT: KindRule(
        frozenset({"endorse", "reject", "abstain", "counter_proposal"}), Revision.SUPERSEDES
    ),
    # A publication is one-way; so is the consent that allowed it.
    DecisionKind.APPROVAL: KindRule(frozenset({"approve", "refuse"}), Revision.REFUSED),
    DecisionKind.ACKNOWLEDGEMENT: KindRule(frozenset({"acknowledge"}), Revision.REFUSED),
}


class DecisionTakenError(ConflictError):
    """A store found the payload, or the slot's next revision, taken by a concurrent request;
    the caller re-reads."""

    def __init__(self) -> None:
        super().__init__("a decision with this payload or revision was stored meanwhile")


class DecisionFinalError(ConflictError):
    def __init__(self, kind: DecisionKind) -> None:
        super().__init__(f"an {kind} is final: this member already decided on this version")


# --- member keys -------------------------------------------------------------------------------


class KeyCustody(StrEnum):
    # The private key is kept by the server, sealed with a key derived from the server secret.
    SERVER = "server"
    # The member's client holds the private key; the server knows only the public key.
    CLIENT = "client"


class KeyEnd(StrEnum):
    ROTATED = "rotated"
    REVOKED = "revoked"


def key_fingerprint(public_key: bytes) -> str:
    """The key id: 128 bits of SHA-256 over a label and the raw 32-byte public key."""
    if not isinstance(public_key, bytes) or len(public_key) != ED25519_PUBLIC_KEY_BYTES:
        raise InvalidInputError([FieldError("public_key", "must be 32 bytes (raw Ed25519)")])
    return hashlib.sha256(b"truce/member-key/ed25519\n" + public_key).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class MemberKey:
    """One signing key of one member, from `added_at` until `ended_at` (rotated or revoked)."""

    key_id: str
    member_id: str
    public_key: bytes
    custody: KeyCustody
    added_at: datetime
    ended_at: datetime | None = None
    end: KeyEnd | None = None
    # The private key sealed at rest (server custody only); never printed.
    sealed_private_key: bytes | None = field(default=None, repr=False)

    def current_at(self, moment: datetime) -> bool:
        return self.added_at <= moment and (self.ended_at is None or moment < self.ended_at)

    @property
    def current(self) -> bool:
        return self.ended_at is None


# --- the payload -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedDecision:
    """What a member signs. `document()` is the plain dict whose canonical bytes are signed."""

    kind: DecisionKind
    object_kind: str
    object_id: str
    object_version: str
    object_hash: str
    value: str
    reasons: str
    member_id: str
    key_id: str
    nonce: str
    created_at: datetime
    # The deployment (the record's origin): a payload signed for one log is refused by another.
    origin: str

    def document(self) -> dict[str, str]:
        return {
            "type": PAYLOAD_TYPE,
            "origin": self.origin,
            "kind": self.kind.value,
            "object_kind": self.object_kind,
            "object_id": self.object_id,
            "object_version": self.object_version,
            "object_hash": self.object_hash,
            "value": self.value,
            "reasons": self.reasons,
            "member_id": self.member_id,
            "key_id": self.key_id,
            "nonce": self.nonce,
            "created_at": self.created_at.isoformat(),
        }

    @property
    def slot(self) -> tuple[str, str, str, str, str]:
        """Where one decision counts once: member, kind, object kind, object id, version hash."""
        return (self.member_id, self.kind, self.object_kind, self.object_id, self.object_hash)

    @property
    def slot_key(self) -> str:
        """The slot as one fixed-length key, for a store's unique (slot, revision)."""
        return hashlib.sha256(json.dumps(list(self.slot)).encode()).hexdigest()


PAYLOAD_FIELDS: Final = frozenset(
    {
        "type",
        "origin",
        "kind",
        "object_kind",
        "object_id",
        "object_version",
        "object_hash",
        "value",
        "reasons",
        "member_id",
        "key_id",
        "nonce",
        "created_at",
    }
)


def parse_decision(document: object) -> SignedDecision:
    """The payload as a SignedDecision, or InvalidInputError naming every field at fault."""
    if not isinstance(document, dict):
        raise InvalidInputError([FieldError("payload", "must be a JSON object")])
    errors = [FieldError(name, "is missing") for name in sorted(PAYLOAD_FIELDS - document.keys())]
    errors += [
        FieldError(name, "is not a payload field")
        for name in sorted(document.keys() - PAYLOAD_FIELDS)
    ]
    errors += [
        FieldError(name, "must be a string")
        for name in sorted(PAYLOAD_FIELDS & document.keys())
        if not isinstance(document[name], str)
    ]
    if errors:
        raise InvalidInputError(errors)
    return _checked({name: str(document[name]) for name in PAYLOAD_FIELDS})


def decision_from_payload(payload: bytes) -> SignedDecision:
    """The decision a stored payload holds (the payload is the source of truth)."""
    try:
        document = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInputError([FieldError("payload", "is not valid UTF-8 JSON")]) from None
    return parse_decision(document)


def _checked(fields: dict[str, str]) -> SignedDecision:
    errors = _field_errors(fields)
    created_at = _parse_time(fields["created_at"], errors)
    if errors or created_at is None:
        raise InvalidInputError(errors)
    return SignedDecision(
        kind=DecisionKind(fields["kind"]),
        object_kind=fields["object_kind"],
        object_id=fields["object_id"],
        object_version=fields["object_version"],
        object_hash=fields["object_hash"],
        value=fields["value"],
        reasons=fields["reasons"],
        member_id=fields["member_id"],
        key_id=fields["key_id"],
        nonce=fields["nonce"],
        created_at=created_at,
        origin=fields["origin"],
    )


def _field_errors(fields: dict[str, str]) -> list[FieldError]:
    errors: list[FieldError] = []

    def require(name: str, holds: bool, message: str) -> None:
        if not holds:
            errors.append(FieldError(name, message))

    require("type", fields["type"] == PAYLOAD_TYPE, f"must be {PAYLOAD_TYPE!r}")
    kinds = {kind.value for kind in DecisionKind}
    require("kind", fields["kind"] in kinds, f"must be one of {', '.join(sorted(kinds))}")
    if fields["kind"] in kinds:
        allowed = KIND_RULES[DecisionKind(fields["kind"])].values
        require("value", fields["value"] in allowed, f"must be one of {', '.join(sorted(allowed))}")
    require("object_kind", bool(_NAME.fullmatch(fields["object_kind"])), "is not an object kind")
    for name in ("object_id", "object_version", "member_id", "origin"):
        require(name, _is_id(fields[name]), f"must be 1 to {_MAX_ID} printable characters")
    require("object_hash", bool(_HEX_DIGEST.fullmatch(fields["object_hash"])), "must be 64 hex")
    require("key_id", bool(_KEY_ID.fullmatch(fields["key_id"])), "must be 32 lowercase hex")
    require("nonce", bool(_NONCE.fullmatch(fields["nonce"])), "must be 16-128 URL-safe chars")
    require(
        "reasons",
        len(fields["reasons"]) <= MAX_REASONS_LENGTH,
        f"must be at most {MAX_REASONS_LENGTH} characters",
    )
    return errors


def _is_id(text: str) -> bool:
    return 0 < len(text) <= _MAX_ID and text.isprintable() and text.strip() == text


def _parse_time(text: str, errors: list[FieldError]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors.append(FieldError("created_at", "must be an ISO 8601 time"))
        return None
    if moment.tzinfo is None:
        errors.append(FieldError("created_at", "must carry a UTC offset"))
        return None
    return moment


def payload_hash(payload: bytes) -> str:
    """The decision's identity: hex SHA-256 of its canonical payload bytes."""
    return hashlib.sha256(payload).hexdigest()


def object_hash(canonical_bytes: bytes) -> str:
    """The version hash a decision names: hex SHA-256 of the version's canonical bytes."""
    return hashlib.sha256(canonical_bytes).hexdigest()


# --- rules -------------------------------------------------------------------------------------


def check_signing_key(key: MemberKey | None, decision: SignedDecision, now: datetime) -> None:
    """The key must be the member's and current now; the payload's time must be plausible."""
    if key is None or key.member_id != decision.member_id:
        raise InvalidInputError([FieldError("key_id", "is not a key of this member")])
    if not key.current_at(now):
        raise InvalidInputError(
            [
                FieldError(
                    "key_id", f"the key was {key.end or 'not yet valid'}: it signs nothing now"
                )
            ]
        )
    if decision.created_at > now + CLOCK_SKEW:
        raise InvalidInputError([FieldError("created_at", "is in the future")])
    if decision.created_at < max(now - MAX_AGE, key.added_at - CLOCK_SKEW):
        raise InvalidInputError(
            [FieldError("created_at", "is too old, or older than the key that signed it")]
        )


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A decision as received: the exact bytes, the signature, who decided, when received."""

    decision: SignedDecision
    payload: bytes
    signature: bytes
    payload_hash: str
    # The deciding member's body when received: whose decision it is.
    body_id: str
    # 0 for the first decision in its slot, 1 for the one superseding it, and so on.
    revision: int
    received_at: datetime


def next_revision(slot: Iterable[StoredDecision], decision: SignedDecision) -> int:
    """The revision a new, different payload takes in its slot; DecisionFinalError when the
    kind's earlier decision may not be changed."""
    revisions = [stored.revision for stored in slot]
    if not revisions:
        return 0
    if KIND_RULES[decision.kind].revision == Revision.REFUSED:
        raise DecisionFinalError(decision.kind)
    return max(revisions) + 1


class DecisionStatus(StrEnum):
    VALID = "valid"
    # S8: the object has a newer version; this decision binds the old text only.
    ON_SUPERSEDED_VERSION = "on a superseded version"
    # The member later decided otherwise on the same version.
    SUPERSEDED = "superseded"
    # Checks that only fail when the stored row was altered.
    BAD_SIGNATURE = "signature does not verify"
    KEY_NOT_CURRENT = "key was not current when received"


def status_of(
    stored: StoredDecision,
    key: MemberKey | None,
    *,
    signature_holds: bool,
    latest_revision: int,
    current_object_hash: str | None,
) -> DecisionStatus:
    if not signature_holds or key is None or key.key_id != stored.decision.key_id:
        return DecisionStatus.BAD_SIGNATURE
    if not key.current_at(stored.received_at) or key.member_id != stored.decision.member_id:
        return DecisionStatus.KEY_NOT_CURRENT
    if stored.revision < latest_revision:
        return DecisionStatus.SUPERSEDED
    if current_object_hash != stored.decision.object_hash:
        return DecisionStatus.ON_SUPERSEDED_VERSION
    return DecisionStatus.VALID


def latest_revisions(decisions: Iterable[StoredDecision]) -> dict[tuple[str, ...], int]:
    latest: dict[tuple[str, ...], int] = {}
    for stored in decisions:
        slot = stored.decision.slot
        latest[slot] = max(latest.get(slot, 0), stored.revision)
    return latest
