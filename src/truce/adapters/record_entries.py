"""What both record stores share: turning an append into canonical bytes, a leaf hash and,
for confidential content, a salted commitment."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from truce.adapters.canonical import canonical_json
from truce.application.ports import JsonValue
from truce.domain.commitments import SALT_BYTES, commitment, entry_document
from truce.domain.record import leaf_hash


@dataclass(frozen=True, slots=True)
class PreparedEntry:
    kind: str
    subject: str | None
    at: datetime
    body: str
    leaf_hash: bytes
    salt: bytes | None
    owner_body_id: str | None


def prepare_entry(
    kind: str,
    subject: str | None,
    at: datetime,
    public: dict[str, JsonValue],
    confidential: dict[str, JsonValue] | None,
    owner_body_id: str | None,
) -> PreparedEntry:
    salt = secrets.token_bytes(SALT_BYTES) if confidential is not None else None
    sealed = None
    if confidential is not None and salt is not None:
        sealed = commitment(canonical_json(confidential), salt)
    body = canonical_json(entry_document(kind, subject, at, public, sealed))
    return PreparedEntry(
        kind=kind,
        subject=subject,
        at=at,
        body=body.decode(),
        leaf_hash=leaf_hash(body),
        salt=salt,
        owner_body_id=owner_body_id,
    )
