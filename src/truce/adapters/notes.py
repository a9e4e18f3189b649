"""Signed notes for the record: the mechanism's checkpoint signer, the verifier of notes and
co-signature lines, and signing keys kept in files (encrypted when a passphrase is set)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.adapters.signing import (
    Ed25519Signer,
    Ed25519Verifier,
    decrypt_private_key,
    encrypt_private_key,
    generate_key,
    sign_checkpoint,
    verify_checkpoint_note,
)
from truce.domain.record import (
    Checkpoint,
    RecordError,
    format_signed_note,
    parse_signed_note,
    parse_verifier_key,
    verify_note,
)

log = logging.getLogger("truce.keys")
# Marks a key file written without a passphrase (development and the demo only).
PLAIN = b"plain:"


class MechanismSigner:
    """Signs checkpoints of the log named `origin` with the mechanism's key."""

    def __init__(self, signer: Ed25519Signer) -> None:
        self._signer = signer

    @property
    def origin(self) -> str:
        return self._signer.name

    def sign(self, checkpoint: Checkpoint) -> str:
        return sign_checkpoint(checkpoint, self._signer)

    def verifier_key(self) -> str:
        return self._signer.verifier_key()


class Ed25519NoteVerifier:
    def checkpoint(self, note: str, verifier_key: str) -> Checkpoint:
        return verify_checkpoint_note(note, verifier_key)

    def cosignature_holds(self, body: str, signature_line: str, verifier_key: str) -> bool:
        """Does this one signature line, by this key, sign this checkpoint body?"""
        try:
            note = parse_signed_note(f"{body}\n{signature_line.rstrip(chr(10))}\n")
            single = format_signed_note(note.body, note.signatures)
            verify_note(single, parse_verifier_key(verifier_key), Ed25519Verifier())
        except RecordError:
            return False
        return len(note.signatures) == 1


def load_or_create_signer(path: Path, name: str, passphrase: str) -> Ed25519Signer:
    """The key in `path`, made on first use. With a passphrase the file is encrypted
    (PKCS#12, 600,000 PBKDF2 rounds); without one it is plain and a warning says so."""
    if path.exists():
        return Ed25519Signer(name, _read_key(path, passphrase))
    key = generate_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    if passphrase:
        data = encrypt_private_key(key, passphrase.encode())
    else:
        log.warning("%s is stored unencrypted: set TRUCE_SECRET_KEY to encrypt keys at rest", path)
        data = PLAIN + _raw_private_bytes(key)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return Ed25519Signer(name, key)


def _read_key(path: Path, passphrase: str) -> Ed25519PrivateKey:
    data = path.read_bytes()
    if data.startswith(PLAIN):
        return Ed25519PrivateKey.from_private_bytes(data[len(PLAIN) :])
    return decrypt_private_key(data, passphrase.encode())


def _raw_private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
