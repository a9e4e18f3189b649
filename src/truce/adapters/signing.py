"""Ed25519 for the record: signing and verifying checkpoints, and keys at rest.

The note and checkpoint formats are pure and live in `truce.domain.record`; this adapter
only supplies the cryptography (RFC 8032 Ed25519 from the `cryptography` package, never a
home-made primitive).

Keys at rest are PKCS#12 files encrypted with PBES2: PBKDF2-HMAC-SHA256 with
`KEY_KDF_ROUNDS` rounds and AES-256-CBC, with a SHA-256 MAC. That is a standard container
any OpenSSL can open. PKCS#8 with `BestAvailableEncryption` was the first choice, but it
derives the key with only 2,048 PBKDF2 rounds, which a guessed passphrase would not survive;
PKCS#12 is the one standard format `cryptography` lets us give a real work factor without
an extra dependency.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import pkcs12

from truce.domain.record import (
    Checkpoint,
    NoteVerificationError,
    RecordError,
    Signer,
    add_signatures,
    ed25519_key_id,
    encode_verifier_key,
    parse_checkpoint,
    parse_verifier_key,
    sign_note,
    verify_note,
)

ED25519_SIGNATURE_SIZE = 64
ED25519_PUBLIC_KEY_SIZE = 32

KEY_KDF_ROUNDS = 600_000
"""PBKDF2-HMAC-SHA256 rounds guarding a key at rest (OWASP's 2023 figure for this hash)."""

_PKCS12_FRIENDLY_NAME = b"truce record signing key"


class KeyDecryptionError(RecordError):
    """The passphrase is wrong, or the data is not an encrypted Ed25519 key."""


def generate_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_key_bytes(private_key: Ed25519PrivateKey) -> bytes:
    """The 32-byte RFC 8032 encoding of the private key's public half."""
    return private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


class Ed25519Signer:
    """A note signer (the domain's `Signer`) holding one Ed25519 key under one key name."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._public_key = public_key_bytes(private_key)
        # Computing the id validates the name (no spaces, no "+") before anything is signed.
        self._key_id = ed25519_key_id(name, self._public_key)
        self._name = name
        self._private_key = private_key

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> bytes:
        return self._public_key

    def verifier_key(self) -> str:
        """The "name+keyid+keydata" string to hand to whoever must verify this signer."""
        return encode_verifier_key(self._name, self._public_key)

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)

    def __repr__(self) -> str:
        # Never print key material, even by accident in a log line.
        return f"Ed25519Signer(name={self._name!r}, key_id={self._key_id.hex()})"


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 verification that answers False for anything invalid, never raising.

    Exact lengths are checked first: a 64-byte signature with bytes appended is not the
    same signature. OpenSSL (under `cryptography`) rejects an S at or above the group
    order, so a signature cannot be malleated into a second valid one by adding L to S.
    """
    if not (
        _is_bytes(message)
        and _is_bytes(public_key, ED25519_PUBLIC_KEY_SIZE)
        and _is_bytes(signature, ED25519_SIGNATURE_SIZE)
    ):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _is_bytes(value: object, length: int | None = None) -> bool:
    # Typed `object`: callers across a trust boundary may hand in anything.
    return isinstance(value, bytes) and (length is None or len(value) == length)


class Ed25519Verifier:
    """The domain's `SignatureVerifier` for Ed25519."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        return verify_ed25519(public_key, message, signature)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a signed note carrying one signature from `signer`."""
    return sign_note(checkpoint.body(), [signer])


def cosign_note(note: str, signer: Signer) -> str:
    """Add `signer`'s signature to a signed note (a witness's co-signature).

    The caller must have verified the note and decided to co-sign (see
    `truce.domain.record.decide_cosign`); this only appends the signature line.
    """
    return add_signatures(note, [signer])


def verify_checkpoint_note(
    text: str, verifier_key: str, *, origin: str | None = None
) -> Checkpoint:
    """The checkpoint in `text`, if the key in `verifier_key` signed it; raise otherwise.

    Signatures from other keys are ignored (they may be witnesses'), as signed-note
    requires. When `origin` is given the checkpoint must be for that log.
    """
    key = parse_verifier_key(verifier_key)
    body = verify_note(text, key, Ed25519Verifier())
    checkpoint = parse_checkpoint(body)
    if origin is not None and checkpoint.origin != origin:
        raise NoteVerificationError(
            f"checkpoint is for origin {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint


def encrypt_private_key(private_key: Ed25519PrivateKey, passphrase: bytes) -> bytes:
    """The key as an encrypted PKCS#12 file (see the module docstring for the parameters)."""
    if not isinstance(passphrase, bytes) or not passphrase:
        raise KeyDecryptionError("a private key at rest needs a non-empty passphrase")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KEY_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )
    return pkcs12.serialize_key_and_certificates(
        _PKCS12_FRIENDLY_NAME, private_key, None, None, encryption
    )


def decrypt_private_key(data: bytes, passphrase: bytes) -> Ed25519PrivateKey:
    """Open what `encrypt_private_key` wrote; raise KeyDecryptionError on any failure."""
    try:
        private_key, _certificate, _others = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as error:
        # One message for a wrong passphrase and for damaged data: neither helps a guesser.
        raise KeyDecryptionError("wrong passphrase, or not an encrypted private key") from error
    if not isinstance(private_key, Ed25519PrivateKey):
        raise KeyDecryptionError("the encrypted key is not an Ed25519 key")
    return private_key
