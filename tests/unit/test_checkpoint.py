"""S7 and the checkpoint formats: signatures are authentic and not malleable.

Interoperability anchors: the C2SP tlog-checkpoint example body, the golang.org/x/mod
sumdb/note example note and keys (PeterNeumann), and RFC 8032 section 7.1's Ed25519 vectors.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from truce.adapters.signing import (
    Ed25519Signer,
    Ed25519Verifier,
    KeyDecryptionError,
    cosign_note,
    decrypt_private_key,
    encrypt_private_key,
    generate_key,
    public_key_bytes,
    sign_checkpoint,
    verify_checkpoint_note,
    verify_ed25519,
)
from truce.domain.record import (
    Checkpoint,
    MalformedCheckpointError,
    MalformedKeyError,
    MalformedNoteError,
    NoteSignature,
    NoteVerificationError,
    VerifierKey,
    ed25519_key_id,
    encode_verifier_key,
    format_signed_note,
    parse_checkpoint,
    parse_signed_note,
    parse_verifier_key,
    verify_note,
)

ROOT = hashlib.sha256(b"a root").digest()
ROOT_B64 = base64.b64encode(ROOT).decode()

SOFA_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

# golang.org/x/mod/sumdb/note: the package documentation's example.
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIGNATURE = (
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
)
SIGNATURE_LINE = f"\N{EM DASH} PeterNeumann {GO_SIGNATURE}"
GO_NOTE = f"{GO_TEXT}\n{SIGNATURE_LINE}\n"

# RFC 8032 section 7.1: (secret key, public key, message, signature), all hex.
RFC8032_VECTORS = {
    "TEST 1": (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        (
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ),
    ),
    "TEST 2": (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        (
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
        ),
    ),
    "TEST 3": (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        (
            "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
            "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
        ),
    ),
    "TEST SHA(abc)": (
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        (
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        ),
        (
            "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
            "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"
        ),
    ),
}

# The order of the Ed25519 group: S + L is the classic malleation of a signature.
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493


def go_private_key() -> Ed25519PrivateKey:
    seed = base64.b64decode(GO_SIGNER_KEY.split("+", 4)[4])[1:]
    return Ed25519PrivateKey.from_private_bytes(seed)


@pytest.fixture(scope="module")
def log_signer():
    return Ed25519Signer("truce.example/log", generate_key())


# --------------------------------------------------------------------------------------
# Checkpoint bodies
# --------------------------------------------------------------------------------------


def test_body_has_origin_size_and_base64_root_lines():
    checkpoint = Checkpoint("truce.example/log", 42, ROOT)
    assert checkpoint.body() == f"truce.example/log\n42\n{ROOT_B64}\n"


def test_body_carries_extension_lines_after_the_root():
    checkpoint = Checkpoint("truce.example/log", 0, ROOT, ("ext one", "ext two"))
    assert checkpoint.body() == f"truce.example/log\n0\n{ROOT_B64}\next one\next two\n"
    assert parse_checkpoint(checkpoint.body()) == checkpoint


def test_the_c2sp_example_checkpoint_parses_and_formats_back():
    checkpoint = parse_checkpoint(SOFA_BODY)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.extensions == ()
    assert checkpoint.body() == SOFA_BODY


def test_the_largest_uint64_size_round_trips():
    body = f"o\n{2**64 - 1}\n{ROOT_B64}\n"
    assert parse_checkpoint(body).body() == body


PLUS_SLASH_ROOT = bytes([0xFB, 0xEF, 0xBE, 0xFF, 0xFF, 0xFF] * 5 + [0xFB, 0xEF])  # "++++////..."
URL_SAFE_B64 = base64.urlsafe_b64encode(PLUS_SLASH_ROOT).decode()
NON_CANONICAL_ROOT = ROOT_B64[:42] + chr(ord(ROOT_B64[42]) ^ 1) + "="  # padding bits set

MALFORMED_BODIES = {
    "no trailing newline": f"o\n1\n{ROOT_B64}",
    "crlf line ends": f"o\r\n1\r\n{ROOT_B64}\r\n",
    "too few lines": "o\n1\n",
    "empty origin": f"\n1\n{ROOT_B64}\n",
    "empty extension line": f"o\n1\n{ROOT_B64}\n\n",
    "control character in origin": f"o\x07\n1\n{ROOT_B64}\n",
    "leading zero": f"o\n01\n{ROOT_B64}\n",
    "double zero": f"o\n00\n{ROOT_B64}\n",
    "negative size": f"o\n-1\n{ROOT_B64}\n",
    "plus sign": f"o\n+1\n{ROOT_B64}\n",
    "decimal point": f"o\n1.0\n{ROOT_B64}\n",
    "space in size": f"o\n 1\n{ROOT_B64}\n",
    "underscore in size": f"o\n1_000\n{ROOT_B64}\n",
    "hex size": f"o\n0x10\n{ROOT_B64}\n",
    "arabic-indic digit": f"o\n\u0661\n{ROOT_B64}\n",
    "size above uint64": f"o\n{2**64}\n{ROOT_B64}\n",
    "bad base64 characters": "o\n1\n" + "!" * 43 + "=\n",
    "url-safe base64": f"o\n1\n{URL_SAFE_B64}\n",
    "non-canonical base64": f"o\n1\n{NON_CANONICAL_ROOT}\n",
    "unpadded base64": f"o\n1\n{ROOT_B64.rstrip('=')}\n",
    "root of 31 bytes": f"o\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
    "root of 33 bytes": f"o\n1\n{base64.b64encode(ROOT + b'x').decode()}\n",
}


@pytest.mark.parametrize("fault", sorted(MALFORMED_BODIES))
def test_malformed_checkpoint_text_is_rejected(fault):
    with pytest.raises(MalformedCheckpointError):
        parse_checkpoint(MALFORMED_BODIES[fault])


def test_the_error_names_the_faulty_field():
    with pytest.raises(MalformedCheckpointError, match="size '01'"):
        parse_checkpoint(MALFORMED_BODIES["leading zero"])
    with pytest.raises(MalformedCheckpointError, match="must end with a newline"):
        parse_checkpoint(MALFORMED_BODIES["no trailing newline"])


@pytest.mark.parametrize(
    "fields",
    [
        ("", 1, ROOT, ()),
        ("o\nforged", 1, ROOT, ()),
        ("o", -1, ROOT, ()),
        ("o", 2**64, ROOT, ()),
        ("o", True, ROOT, ()),
        ("o", 1, ROOT[:31], ()),
        ("o", 1, ROOT, ("",)),
        ("o", 1, ROOT, ("two\nlines",)),
        ("o", 1, ROOT, ["a list"]),
    ],
)
def test_a_checkpoint_that_would_format_into_other_text_cannot_be_made(fields):
    with pytest.raises(MalformedCheckpointError):
        Checkpoint(*fields)


def test_a_well_formed_body_is_not_rejected():
    # The negative tests above would pass on a parser that rejects everything.
    assert parse_checkpoint(f"o\n0\n{ROOT_B64}\n") == Checkpoint("o", 0, ROOT)
    standard = base64.b64encode(PLUS_SLASH_ROOT).decode()
    assert "+" in standard
    assert "/" in standard
    assert parse_checkpoint(f"o\n1\n{standard}\n").root == PLUS_SLASH_ROOT


# --------------------------------------------------------------------------------------
# Signed notes and keys
# --------------------------------------------------------------------------------------


def test_key_id_matches_the_go_reference_key():
    public_key = public_key_bytes(go_private_key())
    assert ed25519_key_id("PeterNeumann", public_key).hex() == "c74f20a3"
    assert encode_verifier_key("PeterNeumann", public_key) == GO_VERIFIER_KEY


def test_key_id_is_sha256_of_name_newline_type_and_key():
    public_key = bytes(range(32))
    expected = hashlib.sha256(b"some.name\n\x01" + public_key).digest()[:4]
    assert ed25519_key_id("some.name", public_key) == expected


def test_signing_reproduces_the_go_reference_note_byte_for_byte():
    signer = Ed25519Signer("PeterNeumann", go_private_key())
    note = format_signed_note(
        GO_TEXT, [NoteSignature(signer.name, signer.key_id, signer.sign(GO_TEXT.encode()))]
    )
    assert note == GO_NOTE


def test_the_go_reference_note_verifies_and_a_changed_letter_does_not():
    key = parse_verifier_key(GO_VERIFIER_KEY)
    assert verify_note(GO_NOTE, key, Ed25519Verifier()) == GO_TEXT
    with pytest.raises(NoteVerificationError, match="does not verify"):
        verify_note(GO_NOTE.replace("cryptography", "cryptographY"), key, Ed25519Verifier())


def test_verifier_key_whose_base64_holds_a_plus_parses():
    # transparency-dev/formats uses this key: the "+" inside the key data must not split it.
    key = parse_verifier_key("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
    assert key.name == "TEST"
    assert key.key_id.hex() == "7997405c"
    assert key.encode() == "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"


MALFORMED_VERIFIER_KEYS = {
    "two parts": "PeterNeumann+c74f20a3",
    "wrong key id": GO_VERIFIER_KEY.replace("c74f20a3", "c74f20a4"),
    "upper-case key id": GO_VERIFIER_KEY.replace("c74f20a3", "C74F20A3"),
    "short key id": GO_VERIFIER_KEY.replace("c74f20a3", "c74f20a"),
    "other name": GO_VERIFIER_KEY.replace("PeterNeumann", "PeterNeuman"),
    "empty name": GO_VERIFIER_KEY.replace("PeterNeumann", ""),
    "space in name": GO_VERIFIER_KEY.replace("PeterNeumann", "Peter Neumann"),
    "algorithm 0x02": "PeterNeumann+c74f20a3+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
    "short key": "PeterNeumann+c74f20a3+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
    "bad base64": "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
}


@pytest.mark.parametrize("fault", sorted(MALFORMED_VERIFIER_KEYS))
def test_malformed_verifier_keys_are_rejected(fault):
    with pytest.raises(MalformedKeyError):
        parse_verifier_key(MALFORMED_VERIFIER_KEYS[fault])


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\there", "nbsp\u00a0here"])
def test_key_names_follow_signed_note(name):
    with pytest.raises(MalformedKeyError):
        Ed25519Signer(name, generate_key())


def test_signed_checkpoint_round_trips(log_signer):
    checkpoint = Checkpoint("truce.example/log", 7, ROOT)
    note = sign_checkpoint(checkpoint, log_signer)
    assert note.startswith(checkpoint.body() + "\n\N{EM DASH} truce.example/log ")
    parsed = parse_signed_note(note)
    assert parsed.body == checkpoint.body()
    assert [s.key_id for s in parsed.signatures] == [log_signer.key_id]
    assert format_signed_note(parsed.body, parsed.signatures) == note
    assert verify_checkpoint_note(note, log_signer.verifier_key()) == checkpoint


def test_a_note_signed_by_another_key_is_rejected(log_signer):
    impostor = Ed25519Signer(log_signer.name, generate_key())  # same name, other key
    note = sign_checkpoint(Checkpoint("truce.example/log", 7, ROOT), impostor)
    with pytest.raises(NoteVerificationError, match="no signature from key"):
        verify_checkpoint_note(note, log_signer.verifier_key())


def test_a_changed_checkpoint_no_longer_verifies(log_signer):
    note = sign_checkpoint(Checkpoint("truce.example/log", 7, ROOT), log_signer)
    forged = note.replace("\n7\n", "\n8\n", 1)
    with pytest.raises(NoteVerificationError, match="does not verify"):
        verify_checkpoint_note(forged, log_signer.verifier_key())


def test_a_checkpoint_for_another_origin_is_rejected_when_one_is_expected(log_signer):
    note = sign_checkpoint(Checkpoint("other.example/log", 7, ROOT), log_signer)
    assert verify_checkpoint_note(note, log_signer.verifier_key()).origin == "other.example/log"
    with pytest.raises(NoteVerificationError, match=r"expected 'truce\.example/log'"):
        verify_checkpoint_note(note, log_signer.verifier_key(), origin="truce.example/log")


def test_unknown_signatures_are_ignored_and_cosignatures_added(log_signer):
    witness = Ed25519Signer("witness.example/w1", generate_key())
    note = cosign_note(
        sign_checkpoint(Checkpoint("truce.example/log", 7, ROOT), log_signer), witness
    )
    assert len(parse_signed_note(note).signatures) == 2
    assert verify_checkpoint_note(note, log_signer.verifier_key()).size == 7
    assert verify_checkpoint_note(note, witness.verifier_key()).size == 7


def test_a_signature_with_garbage_appended_is_rejected(log_signer):
    body = Checkpoint("truce.example/log", 7, ROOT).body()
    signature = log_signer.sign(body.encode())
    padded = NoteSignature(log_signer.name, log_signer.key_id, signature + b"\x00")
    with pytest.raises(NoteVerificationError):
        verify_checkpoint_note(format_signed_note(body, [padded]), log_signer.verifier_key())
    honest = NoteSignature(log_signer.name, log_signer.key_id, signature)
    assert verify_checkpoint_note(format_signed_note(body, [honest]), log_signer.verifier_key())


def test_a_note_mixing_a_good_and_a_bad_signature_from_the_key_is_rejected(log_signer):
    body = Checkpoint("truce.example/log", 7, ROOT).body()
    good = NoteSignature(log_signer.name, log_signer.key_id, log_signer.sign(body.encode()))
    bad = NoteSignature(log_signer.name, log_signer.key_id, bytes(64))
    with pytest.raises(NoteVerificationError):
        verify_checkpoint_note(format_signed_note(body, [good, bad]), log_signer.verifier_key())


MALFORMED_NOTES = {
    "no blank line": GO_TEXT + SIGNATURE_LINE + "\n",
    "no final newline": GO_TEXT + "\n" + SIGNATURE_LINE,
    "no signature": GO_TEXT + "\n",
    "hyphen instead of em dash": GO_TEXT + "\n" + SIGNATURE_LINE.replace("\N{EM DASH}", "-") + "\n",
    "no space after name": GO_TEXT + "\n\N{EM DASH} PeterNeumann\n",
    "bad base64": GO_TEXT + "\n" + SIGNATURE_LINE[:-1] + "!\n",
    "key id only": GO_TEXT
    + "\n\N{EM DASH} PeterNeumann "
    + base64.b64encode(bytes(4)).decode()
    + "\n",
    "carriage return": GO_TEXT.replace("\n", "\r\n", 1) + "\n" + SIGNATURE_LINE + "\n",
    "too many signatures": GO_TEXT + "\n" + (SIGNATURE_LINE + "\n") * 101,
}


@pytest.mark.parametrize("fault", sorted(MALFORMED_NOTES))
def test_malformed_notes_are_rejected(fault):
    with pytest.raises(MalformedNoteError):
        parse_signed_note(MALFORMED_NOTES[fault])


def test_a_note_may_hold_sixteen_signatures_and_blank_lines_in_its_text():
    text = "para one\n\npara two\n"
    note = text + "\n" + (SIGNATURE_LINE + "\n") * 16
    parsed = parse_signed_note(note)
    assert parsed.body == text
    assert len(parsed.signatures) == 16


# --------------------------------------------------------------------------------------
# Ed25519 (RFC 8032) and malleability
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RFC8032_VECTORS))
def test_rfc8032_vectors_verify(name):
    secret, public, message, signature = (bytes.fromhex(x) for x in RFC8032_VECTORS[name])
    assert verify_ed25519(public, message, signature)
    signer = Ed25519Signer("rfc8032", Ed25519PrivateKey.from_private_bytes(secret))
    assert signer.public_key == public
    assert signer.sign(message) == signature  # Ed25519 is deterministic


@pytest.mark.parametrize("name", sorted(RFC8032_VECTORS))
def test_rfc8032_signatures_fail_on_another_message(name):
    _, public, message, signature = (bytes.fromhex(x) for x in RFC8032_VECTORS[name])
    assert not verify_ed25519(public, message + b"\x00", signature)


def malleate(signature: bytes) -> bytes:
    """Add the group order to S: the same point equation holds, the bytes differ."""
    s = int.from_bytes(signature[32:], "little") + GROUP_ORDER
    return signature[:32] + s.to_bytes(32, "little")


@pytest.mark.parametrize("name", sorted(RFC8032_VECTORS))
def test_malleated_signatures_are_rejected(name):
    _, public, message, signature = (bytes.fromhex(x) for x in RFC8032_VECTORS[name])
    malleated = malleate(signature)
    assert malleated != signature
    assert not verify_ed25519(public, message, malleated)


@pytest.mark.parametrize("name", sorted(RFC8032_VECTORS))
def test_signatures_with_garbage_appended_or_cut_are_rejected(name):
    _, public, message, signature = (bytes.fromhex(x) for x in RFC8032_VECTORS[name])
    assert not verify_ed25519(public, message, signature + b"\x00")
    assert not verify_ed25519(public, message, signature + signature)
    assert not verify_ed25519(public, message, signature[:63])
    assert not verify_ed25519(public + b"\x00", message, signature)
    assert not verify_ed25519(public[:31], message, signature)


@pytest.mark.parametrize(
    ("public", "message", "signature"),
    [
        (None, b"", bytes(64)),
        (bytes(32), "text", bytes(64)),
        (bytes(32), b"", "x" * 64),
        (bytes(32), b"", bytes(64)),
    ],
)
def test_verify_ed25519_answers_false_to_garbage(public, message, signature):
    assert verify_ed25519(public, message, signature) is False


# --------------------------------------------------------------------------------------
# Keys at rest
# --------------------------------------------------------------------------------------


def test_an_encrypted_key_opens_with_its_passphrase_only():
    key = generate_key()
    encrypted = encrypt_private_key(key, b"correct horse battery staple")
    assert public_key_bytes(key) not in encrypted
    opened = decrypt_private_key(encrypted, b"correct horse battery staple")
    assert public_key_bytes(opened) == public_key_bytes(key)
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(encrypted, b"correct horse battery stapler")
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(encrypted[:-5], b"correct horse battery staple")


def test_a_key_is_never_stored_without_a_passphrase():
    with pytest.raises(KeyDecryptionError, match="non-empty passphrase"):
        encrypt_private_key(generate_key(), b"")


def test_a_signer_never_shows_its_private_key():
    key = generate_key()
    signer = Ed25519Signer("truce.example/log", key)
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    assert raw.hex() not in repr(signer)
    assert signer.key_id.hex() in repr(signer)


def test_verifier_key_dataclass_refuses_a_mismatched_id():
    key = parse_verifier_key(GO_VERIFIER_KEY)
    with pytest.raises(MalformedKeyError, match="does not match"):
        VerifierKey(key.name, b"\x00\x00\x00\x00", key.public_key)
