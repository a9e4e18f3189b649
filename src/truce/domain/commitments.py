"""Record entries and the commitments that keep confidential content out of them.

The record is shown to every party, so an entry about a report carries only what everyone may
see (its id, when, which agreement, its confidentiality) and a salted SHA-256 commitment to the
content. Whoever may read the content can recompute the commitment from it and the salt; nobody
else can learn or guess it, because the 32-byte salt is random.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

SALT_BYTES = 32
ENTRY_VERSION = 1


def commitment(canonical_content: bytes, salt: bytes) -> str:
    """Hex SHA-256 of salt || content; the salt comes first so no prefix can be reused."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a commitment salt is {SALT_BYTES} bytes")
    return hashlib.sha256(salt + canonical_content).hexdigest()


def entry_document(
    kind: str,
    subject: str | None,
    at: datetime,
    public: dict[str, Any],
    content_commitment: str | None,
) -> dict[str, Any]:
    """The JSON document of one entry, before canonical encoding. Reserved keys win over
    `public`, so a payload can never disguise an entry's kind or time."""
    document: dict[str, Any] = dict(public)
    document.update(v=ENTRY_VERSION, kind=kind, at=at.isoformat(), subject=subject)
    if content_commitment is not None:
        document["commitment"] = content_commitment
    return document
