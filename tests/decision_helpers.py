"""Helpers for tests of signed decisions: a member's client that holds its own key and signs
canonical payloads, as a real client would."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.adapters.canonical import canonical_json
from truce.adapters.signing import public_key_bytes
from truce.domain.decisions import PAYLOAD_TYPE, key_fingerprint

SECRET = "a test server secret of forty characters"
ORIGIN = "truce.test/record"
AGREEMENT = "syria-ceasefire-2016"


@dataclass
class Client:
    """A member's own client: it holds the private key; the server knows the public key."""

    member_id: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def public_key(self) -> bytes:
        return public_key_bytes(self.key)

    @property
    def key_id(self) -> str:
        return key_fingerprint(self.public_key)

    def document(
        self,
        *,
        kind: str,
        object_kind: str,
        object_id: str,
        object_version: str,
        object_hash: str,
        value: str,
        created_at: datetime,
        reasons: str = "",
        **overrides: str,
    ) -> dict[str, str]:
        document = {
            "type": PAYLOAD_TYPE,
            "origin": ORIGIN,
            "kind": kind,
            "object_kind": object_kind,
            "object_id": object_id,
            "object_version": object_version,
            "object_hash": object_hash,
            "value": value,
            "reasons": reasons,
            "member_id": self.member_id,
            "key_id": self.key_id,
            "nonce": secrets.token_urlsafe(18),
            "created_at": created_at.isoformat(),
        }
        document.update(overrides)
        return document

    def sign(self, document: dict[str, str]) -> tuple[bytes, bytes]:
        payload = canonical_json(document)
        return payload, self.key.sign(payload)
