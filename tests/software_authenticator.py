"""A WebAuthn authenticator in software, for tests: an ES256 key made with `cryptography`,
"none" attestation encoded with cbor2, and the JSON a browser's script would send.

It answers as a real authenticator does (WebAuthn Level 2, sections 6.1 and 6.5), so the real
adapter (py_webauthn) is tested against bytes it did not make itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

USER_PRESENT = 0x01
USER_VERIFIED = 0x04
ATTESTED_DATA = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftwareAuthenticator:
    """One credential on one authenticator. `sign_count` goes up by one per assertion
    unless `counter` is off (some authenticators keep no counter and always send 0)."""

    origin: str
    rp_id: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sign_count: int = 0
    counter: bool = True
    user_verified: bool = True

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def create(self, options: str, *, origin: str | None = None) -> str:
        """The answer to navigator.credentials.create(options), as JSON."""
        challenge = json.loads(options)["challenge"]
        client_data = self._client_data("webauthn.create", challenge, origin)
        attested = (
            bytes(16)  # AAGUID: none, as with "none" attestation
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + cbor2.dumps(self._cose_key())
        )
        auth_data = self._auth_data(ATTESTED_DATA) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
            }
        )

    def get(self, options: str, *, origin: str | None = None, count: int | None = None) -> str:
        """The answer to navigator.credentials.get(options), as JSON. `count` forces the
        counter sent (a cloned key's stale counter)."""
        challenge = json.loads(options)["challenge"]
        client_data = self._client_data("webauthn.get", challenge, origin)
        if count is not None:
            self.sign_count = count
        elif self.counter:
            self.sign_count += 1
        auth_data = self._auth_data(0)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                },
                "clientExtensionResults": {},
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps(data, separators=(",", ":")).encode()

    def _auth_data(self, extra_flags: int) -> bytes:
        flags = USER_PRESENT | extra_flags | (USER_VERIFIED if self.user_verified else 0)
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count)

    def _cose_key(self) -> dict[int, object]:
        numbers = self.key.public_key().public_numbers()
        return {
            1: 2,  # kty: EC2
            3: -7,  # alg: ES256
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
