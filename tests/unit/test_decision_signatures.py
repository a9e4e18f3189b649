"""Members' signatures on decisions (SECURITY S7): RFC 8032 vectors through the decision
signer, strictness on malleated and extended signatures, and any bit flip in the payload or
the signature fails. The payload rules of domain/decisions.py."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_checkpoint import GROUP_ORDER, RFC8032_VECTORS

from decision_helpers import Client
from truce.adapters.canonical import canonical_json
from truce.adapters.member_signing import DemoSealer, Ed25519KeyPairs
from truce.domain.decisions import (
    PAYLOAD_FIELDS,
    DecisionFinalError,
    DecisionKind,
    DecisionStatus,
    KeyCustody,
    MemberKey,
    StoredDecision,
    check_signing_key,
    decision_from_payload,
    key_fingerprint,
    next_revision,
    parse_decision,
    payload_hash,
    status_of,
)
from truce.domain.errors import InvalidInputError

PAIRS = Ed25519KeyPairs()
NOW = datetime(2017, 1, 24, 10, 0, tzinfo=UTC)
CLIENT = Client("member-gov_liaison")


def client_key(member_id=CLIENT.member_id, **ended):
    added = NOW - timedelta(days=1)
    return MemberKey(CLIENT.key_id, member_id, CLIENT.public_key, KeyCustody.CLIENT, added, **ended)


def a_document(**overrides):
    document = CLIENT.document(
        kind="endorsement",
        object_kind="agreement",
        object_id="syria-ceasefire-2016",
        object_version="1",
        object_hash="ab" * 32,
        value="endorse",
        created_at=NOW,
    )
    document.update(overrides)
    return document


PAYLOAD, SIGNATURE = CLIENT.sign(a_document())


@pytest.mark.parametrize("name", sorted(RFC8032_VECTORS))
def test_rfc8032_vectors_sign_and_verify_through_the_decision_signer(name):
    secret, public, message, signature = (bytes.fromhex(x) for x in RFC8032_VECTORS[name])
    assert PAIRS.sign(secret, message) == signature
    assert PAIRS.verify(public, message, signature)
    assert PAIRS.is_public_key(public)


def test_a_malleated_signature_is_refused():
    s = int.from_bytes(SIGNATURE[32:], "little")
    assert PAIRS.verify(CLIENT.public_key, PAYLOAD, SIGNATURE)
    for k in (1, 2):
        malleated = SIGNATURE[:32] + (s + k * GROUP_ORDER).to_bytes(32, "little")
        assert not PAIRS.verify(CLIENT.public_key, PAYLOAD, malleated)


def test_a_signature_with_garbage_appended_or_cut_is_refused():
    for bad in (SIGNATURE + b"\x00", SIGNATURE + SIGNATURE, SIGNATURE[:63], b""):
        assert not PAIRS.verify(CLIENT.public_key, PAYLOAD, bad)


@given(st.integers(min_value=0, max_value=len(PAYLOAD) * 8 - 1))
def test_any_bit_flip_in_the_payload_fails(bit):
    flipped = bytearray(PAYLOAD)
    flipped[bit // 8] ^= 1 << (bit % 8)
    assert not PAIRS.verify(CLIENT.public_key, bytes(flipped), SIGNATURE)


@given(st.integers(min_value=0, max_value=len(SIGNATURE) * 8 - 1))
def test_any_bit_flip_in_the_signature_fails(bit):
    flipped = bytearray(SIGNATURE)
    flipped[bit // 8] ^= 1 << (bit % 8)
    assert not PAIRS.verify(CLIENT.public_key, PAYLOAD, bytes(flipped))


@given(st.integers(min_value=0, max_value=255))
def test_any_bit_flip_in_the_public_key_fails(bit):
    flipped = bytearray(CLIENT.public_key)
    flipped[bit // 8] ^= 1 << (bit % 8)
    assert not PAIRS.verify(bytes(flipped), PAYLOAD, SIGNATURE)


def test_generated_keys_sign_what_they_verify():
    private, public = PAIRS.generate()
    assert PAIRS.verify(public, b"m", PAIRS.sign(private, b"m"))
    assert not PAIRS.is_public_key(public[:31])


# --- the payload ------------------------------------------------------------------------------


def test_the_payload_round_trips_through_its_canonical_bytes():
    decision = decision_from_payload(PAYLOAD)
    assert canonical_json(decision.document()) == PAYLOAD
    assert decision.kind == DecisionKind.ENDORSEMENT
    assert payload_hash(PAYLOAD) == payload_hash(canonical_json(decision.document()))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "other"}, "type"),
        ({"kind": "veto"}, "kind"),
        ({"value": "confirmed"}, "value"),  # a vote's value on an endorsement
        ({"object_hash": "AB" * 32}, "object_hash"),
        ({"key_id": "short"}, "key_id"),
        ({"nonce": "too-short"}, "nonce"),
        ({"created_at": "2017-01-24T10:00:00"}, "created_at"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"reasons": "x" * 4001}, "reasons"),
        ({"object_id": " padded"}, "object_id"),
        ({"object_kind": "Agreement!"}, "object_kind"),
        ({"extra": "field"}, "extra"),
        ({"value": 1}, "value"),
    ],
)
def test_a_bad_payload_names_the_field(overrides, field):
    with pytest.raises(InvalidInputError) as caught:
        parse_decision(a_document(**overrides))
    assert field in {error.field for error in caught.value.errors}


def test_a_missing_field_is_named():
    document = a_document()
    del document["nonce"]
    with pytest.raises(InvalidInputError, match="nonce: is missing"):
        parse_decision(document)
    with pytest.raises(InvalidInputError):
        parse_decision(["not", "an", "object"])
    assert len(PAYLOAD_FIELDS) == 13


def test_a_key_id_is_a_fingerprint_of_the_public_key():
    assert key_fingerprint(CLIENT.public_key) == CLIENT.key_id
    with pytest.raises(InvalidInputError):
        key_fingerprint(b"\x00" * 31)


# --- rules --------------------------------------------------------------------------------------


def test_the_signing_key_must_be_the_members_and_current():
    decision = decision_from_payload(PAYLOAD)
    key = MemberKey(
        CLIENT.key_id,
        CLIENT.member_id,
        CLIENT.public_key,
        KeyCustody.CLIENT,
        NOW - timedelta(days=1),
    )
    check_signing_key(key, decision, NOW)
    others = MemberKey(
        CLIENT.key_id, "member-someone", CLIENT.public_key, KeyCustody.CLIENT, key.added_at
    )
    ended = MemberKey(
        CLIENT.key_id, CLIENT.member_id, CLIENT.public_key, KeyCustody.CLIENT, key.added_at,
        ended_at=NOW - timedelta(seconds=1),
    )  # fmt: skip
    for bad in (None, others, ended):
        with pytest.raises(InvalidInputError, match="key_id"):
            check_signing_key(bad, decision, NOW)


def stored(revision=0, received_at=NOW):
    return StoredDecision(
        decision_from_payload(PAYLOAD), PAYLOAD, SIGNATURE, payload_hash(PAYLOAD), "gov",
        revision, received_at,
    )  # fmt: skip


def test_endorsements_supersede_and_acknowledgements_are_final():
    endorsement = decision_from_payload(PAYLOAD)
    assert next_revision([], endorsement) == 0
    assert next_revision([stored(0), stored(1)], endorsement) == 2
    receipt = decision_from_payload(
        CLIENT.sign(a_document(kind="acknowledgement", value="acknowledge"))[0]
    )
    with pytest.raises(DecisionFinalError):
        next_revision([stored(0)], receipt)


def test_the_status_of_a_decision():
    key = MemberKey(
        CLIENT.key_id,
        CLIENT.member_id,
        CLIENT.public_key,
        KeyCustody.CLIENT,
        NOW - timedelta(days=1),
    )
    current = "ab" * 32

    def status(item, **overrides):
        arguments = {
            "signature_holds": True,
            "latest_revision": item.revision,
            "current_object_hash": current,
        }
        arguments.update(overrides)
        return status_of(item, key, **arguments)

    assert status(stored()) == DecisionStatus.VALID
    assert status(stored(), latest_revision=1) == DecisionStatus.SUPERSEDED
    assert status(stored(), current_object_hash="cd" * 32) == DecisionStatus.ON_SUPERSEDED_VERSION
    assert status(stored(), signature_holds=False) == DecisionStatus.BAD_SIGNATURE
    early = stored(received_at=NOW - timedelta(days=2))
    assert status(early) == DecisionStatus.KEY_NOT_CURRENT


def test_the_demo_sealer_marks_what_it_does_not_seal():
    sealer = DemoSealer()
    assert sealer.open(sealer.seal(b"seed", b"m"), b"m") == b"seed"
    with pytest.raises(ValueError, match="TRUCE_SECRET_KEY"):
        sealer.open(b"sealed bytes", b"m")
