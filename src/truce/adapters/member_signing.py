"""Ed25519 (RFC 8032) for members' signed decisions, as raw bytes, through `cryptography`.

Verification is `signing.verify_ed25519`, the same strict check the record's notes use: exact
lengths (a signature with bytes appended is refused), and OpenSSL refuses an S at or above the
group order, so S + L is no second valid signature (SECURITY S7).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from truce.adapters.signing import ED25519_PUBLIC_KEY_SIZE, public_key_bytes, verify_ed25519


class Ed25519KeyPairs:
    """The application's `KeyPairs` port."""

    def generate(self) -> tuple[bytes, bytes]:
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return seed, public_key_bytes(key)

    def sign(self, private_key: bytes, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(private_key).sign(message)

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        return verify_ed25519(public_key, message, signature)

    def is_public_key(self, data: bytes) -> bool:
        if not isinstance(data, bytes) or len(data) != ED25519_PUBLIC_KEY_SIZE:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(data)
        except ValueError:
            return False
        return True


class DemoSealer:
    """Demo mode without TRUCE_SECRET_KEY only: keys kept unsealed, marked so, as the demo's
    record key is (adapters/notes.py). The demo's store is thrown away each run."""

    MARK = b"plain:"

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        del context  # nothing binds an unsealed value to its row
        return self.MARK + plaintext

    def open(self, sealed: bytes, context: bytes) -> bytes:
        del context
        if not sealed.startswith(self.MARK):
            raise ValueError("this key is sealed: set TRUCE_SECRET_KEY to open it")
        return sealed[len(self.MARK) :]
