"""Signed decisions and members' keys on both stores (SECURITY S7, S8, S10): a decision names
one exact version, counts once, verifies only with the member's current key, and every key
change is on the record."""

import json
from dataclasses import replace

import pytest

from cast import CAST
from decision_helpers import AGREEMENT, ORIGIN, SECRET, Client
from support import report_fields
from truce.adapters.canonical import canonical_json
from truce.adapters.member_signing import Ed25519KeyPairs
from truce.adapters.notes import Ed25519NoteVerifier, MechanismSigner
from truce.adapters.signing import Ed25519Signer, generate_key
from truce.application.auth import SecretBox, SecretKeyMismatchError
from truce.application.decisions import (
    DecisionDraft,
    DecisionService,
    counted,
    default_objects,
)
from truce.application.demo_case import AGREEMENT as AGREEMENT_V1
from truce.application.member_keys import SEAL_PURPOSE, MemberKeyService
from truce.application.record import RecordService
from truce.domain.decisions import (
    DecisionKind,
    DecisionStatus,
    DecisionTakenError,
    KeyCustody,
    KeyEnd,
)
from truce.domain.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from truce.domain.reports import parse_file_report

GOV = CAST["gov_liaison"]
OPP = CAST["opposition_liaison"]
RU = CAST["guarantor_ru"]


class Reauth:
    """Stands in for AuthService.reauthenticate: remembers who was asked, refuses "wrong"."""

    def __init__(self):
        self.asked = []

    def reauthenticate(self, member_id, password, address, totp_code=None):
        self.asked.append((member_id, address, totp_code))
        if password == "wrong":
            raise InvalidInputError([])


@pytest.fixture
def keys(uow_factory, clock):
    return MemberKeyService(uow_factory, clock, Ed25519KeyPairs(), SecretBox(SECRET, SEAL_PURPOSE))


@pytest.fixture
def reauth():
    return Reauth()


@pytest.fixture
def decisions(uow_factory, clock, keys, reauth):
    return DecisionService(
        uow_factory,
        clock,
        canonical_json,
        Ed25519KeyPairs(),
        keys,
        reauth,
        ORIGIN,
        default_objects(canonical_json),
    )


@pytest.fixture
def record(uow_factory, clock):
    signer = MechanismSigner(Ed25519Signer(ORIGIN, generate_key()))
    return RecordService(uow_factory, clock, signer, Ed25519NoteVerifier(), canonical_json)


def client_of(keys, principal):
    client = Client(principal.member_id)
    keys.register(principal.member_id, client.public_key)
    return client


def signed(decisions, client, principal, clock, *, kind="endorsement", value="endorse", **more):
    found = decisions.current_version(principal, "agreement", AGREEMENT)
    fields = {
        "kind": kind,
        "object_kind": "agreement",
        "object_id": AGREEMENT,
        "object_version": found.version,
        "object_hash": found.version_hash,
        "value": value,
        "created_at": clock.now(),
    }
    document = client.document(**fields)
    document.update(more)
    return client.sign(document)


def entries(record, subject, kind):
    found = [json.loads(e.body) for e in record.history(subject)]
    return [doc for doc in found if doc["kind"] == kind]


# --- submitting -------------------------------------------------------------------------------


def test_a_party_endorses_the_agreement_version_it_read(cast, keys, decisions, clock, record):
    client = client_of(keys, GOV)
    payload, signature = signed(decisions, client, GOV, clock)
    submitted = decisions.submit(GOV, payload, signature)
    assert submitted.created
    assert submitted.stored.body_id == "gov"
    [view] = decisions.decisions_on(OPP, "agreement", AGREEMENT)
    assert view.status == DecisionStatus.VALID
    assert view.stored.payload == payload
    [entry] = entries(record, f"agreement:{AGREEMENT}", "decision.signed")
    assert entry["payload_hash"] == submitted.stored.payload_hash
    assert entry["key_id"] == client.key_id
    assert 'endorse"' not in json.dumps(entry)  # the value is committed, not shown


def test_the_same_signed_payload_twice_is_accepted_once(cast, keys, decisions, clock, record):
    client = client_of(keys, GOV)
    payload, signature = signed(decisions, client, GOV, clock)
    first = decisions.submit(GOV, payload, signature)
    clock.advance(minutes=1)
    again = decisions.submit(GOV, payload, signature)
    assert first.created
    assert not again.created
    assert again.stored == first.stored
    assert len(decisions.decisions_on(GOV, "agreement", AGREEMENT)) == 1
    assert len(entries(record, f"agreement:{AGREEMENT}", "decision.signed")) == 1


def test_a_changed_endorsement_supersedes_the_first_and_counts_once(cast, keys, decisions, clock):
    client = client_of(keys, OPP)
    decisions.submit(OPP, *signed(decisions, client, OPP, clock, value="reject"))
    clock.advance(minutes=5)
    decisions.submit(OPP, *signed(decisions, client, OPP, clock, value="endorse"))
    views = decisions.decisions_on(OPP, "agreement", AGREEMENT)
    assert [v.status for v in views] == [DecisionStatus.SUPERSEDED, DecisionStatus.VALID]
    assert [v.stored.revision for v in views] == [0, 1]
    assert [v.stored.decision.value for v in counted(views)] == ["endorse"]


def test_an_acknowledgement_is_final(cast, keys, decisions, clock):
    client = client_of(keys, RU)
    decisions.submit(
        RU, *signed(decisions, client, RU, clock, kind="acknowledgement", value="acknowledge")
    )
    second = signed(decisions, client, RU, clock, kind="acknowledgement", value="acknowledge")
    with pytest.raises(ConflictError):
        decisions.submit(RU, *second)


def test_an_endorsement_binds_one_exact_version(cast, registry, keys, decisions, clock):
    """S8: endorse version 1, change a character: it counts for version 1 only."""
    client = client_of(keys, GOV)
    decisions.submit(GOV, *signed(decisions, client, GOV, clock))
    registry.conclude_agreement(
        replace(AGREEMENT_V1, version=2, summary=AGREEMENT_V1.summary + ".")
    )
    [view] = decisions.decisions_on(GOV, "agreement", AGREEMENT)
    assert view.status == DecisionStatus.ON_SUPERSEDED_VERSION
    assert view.stored.decision.object_version == "1"
    assert counted([view]) == []


def test_a_hash_that_is_not_the_versions_is_refused(cast, keys, decisions, clock):
    client = client_of(keys, GOV)
    payload, signature = signed(decisions, client, GOV, clock, object_hash="0" * 64)
    with pytest.raises(InvalidInputError, match="object_hash"):
        decisions.submit(GOV, payload, signature)


def test_nobody_submits_another_members_decision(cast, keys, decisions, clock):
    client = client_of(keys, GOV)
    payload, signature = signed(decisions, client, GOV, clock)
    with pytest.raises(AccessDeniedError):
        decisions.submit(OPP, payload, signature)


@pytest.mark.parametrize("username", ["un_mediator", "observer_us", "monitor"])
def test_only_bodies_the_agreement_names_endorse_it(cast, keys, decisions, clock, username):
    principal = CAST[username]
    client = client_of(keys, principal)
    found = decisions.current_version(GOV, "agreement", AGREEMENT)
    document = client.document(
        kind="endorsement",
        object_kind="agreement",
        object_id=AGREEMENT,
        object_version=found.version,
        object_hash=found.version_hash,
        value="endorse",
        created_at=clock.now(),
    )
    with pytest.raises(AccessDeniedError):
        decisions.submit(principal, *client.sign(document))


def test_a_report_the_member_may_not_read_is_not_found_and_audited(
    cast, keys, decisions, monitoring, clock, uow_factory
):
    fields = report_fields(confidentiality="submitter")
    report = monitoring.file_report(
        parse_file_report(fields, now=clock.now()), submitter=cast["gov_liaison"]
    ).report
    client = client_of(keys, RU)
    document = client.document(
        kind="acknowledgement",
        object_kind="report",
        object_id=report.id,
        object_version="1",
        object_hash="1" * 64,
        value="acknowledge",
        created_at=clock.now(),
    )
    with pytest.raises(NotFoundError):
        decisions.submit(RU, *client.sign(document))
    with uow_factory() as uow:
        [entry] = uow.audit.recent(10, denied_only=True)
    assert (entry.actor_member_id, entry.resource_id) == (RU.member_id, report.id)


def test_a_guarantor_acknowledges_a_report_it_may_read(cast, keys, decisions, monitoring, clock):
    fields = report_fields(confidentiality="guarantors")
    report = monitoring.file_report(
        parse_file_report(fields, now=clock.now()), submitter=cast["opposition_liaison"]
    ).report
    client = client_of(keys, RU)
    found = decisions.current_version(RU, "report", report.id)
    document = client.document(
        kind="acknowledgement",
        object_kind="report",
        object_id=report.id,
        object_version=found.version,
        object_hash=found.version_hash,
        value="acknowledge",
        created_at=clock.now(),
    )
    assert decisions.submit(RU, *client.sign(document)).created
    with pytest.raises(NotFoundError):
        decisions.decisions_on(GOV, "report", report.id)  # gov may not read the report
    [view] = decisions.decisions_on(OPP, "report", report.id)
    assert view.status == DecisionStatus.VALID


# --- payload and signature checks -------------------------------------------------------------


def test_a_payload_that_is_not_canonical_is_refused(cast, keys, decisions, clock):
    client = client_of(keys, GOV)
    payload, _ = signed(decisions, client, GOV, clock)
    spaced = json.dumps(json.loads(payload), indent=1).encode()
    with pytest.raises(InvalidInputError, match="canonical"):
        decisions.submit(GOV, spaced, client.key.sign(spaced))


def test_a_payload_with_a_duplicate_key_is_refused(cast, keys, decisions, clock):
    client = client_of(keys, GOV)
    payload, _ = signed(decisions, client, GOV, clock)
    doubled = payload[:-1] + b',"value":"reject"}'
    with pytest.raises(InvalidInputError, match="payload"):
        decisions.submit(GOV, doubled, client.key.sign(doubled))


def test_a_payload_for_another_deployment_is_refused(cast, keys, decisions, clock):
    client = client_of(keys, GOV)
    payload, signature = signed(decisions, client, GOV, clock, origin="elsewhere/record")
    with pytest.raises(InvalidInputError, match="origin"):
        decisions.submit(GOV, payload, signature)


def test_malleated_and_extended_signatures_are_refused(cast, keys, decisions, clock):
    """S7: S + L, bytes appended or cut, another key's signature: none is accepted."""
    client = client_of(keys, GOV)
    payload, signature = signed(decisions, client, GOV, clock)
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(signature[32:], "little") + order
    forged = [
        signature[:32] + s.to_bytes(32, "little"),
        signature + b"\x00",
        signature[:-1],
        Client(GOV.member_id).key.sign(payload),
    ]
    for bad in forged:
        with pytest.raises(InvalidInputError, match="signature"):
            decisions.submit(GOV, payload, bad)
    assert decisions.decisions_on(GOV, "agreement", AGREEMENT) == []


def test_a_payload_from_the_future_or_long_ago_is_refused(cast, keys, decisions, clock):
    client = client_of(keys, GOV)
    clock.advance(hours=1)
    ahead = signed(decisions, client, GOV, clock)
    clock.advance(hours=-1)
    with pytest.raises(InvalidInputError, match="created_at"):
        decisions.submit(GOV, *ahead)
    old = signed(decisions, client, GOV, clock)
    clock.advance(days=2)
    with pytest.raises(InvalidInputError, match="created_at"):
        decisions.submit(GOV, *old)


# --- keys ---------------------------------------------------------------------------------------


def test_key_changes_are_on_the_record_with_the_public_key(cast, keys, record):
    client = Client(GOV.member_id)
    first = keys.register(GOV.member_id, client.public_key)
    second = keys.rotate(GOV.member_id)
    keys.revoke(GOV.member_id)
    kinds = [
        doc["kind"]
        for doc in (json.loads(e.body) for e in record.history(f"member:{GOV.member_id}"))
    ]
    assert kinds[-3:] == ["member_key.added", "member_key.rotated", "member_key.revoked"]
    added, rotated, revoked = (
        entries(record, f"member:{GOV.member_id}", kind)[0]
        for kind in ("member_key.added", "member_key.rotated", "member_key.revoked")
    )
    assert (added["key_id"], added["public_key"]) == (first.key_id, client.public_key.hex())
    assert (rotated["key_id"], rotated["previous_key_id"]) == (second.key_id, first.key_id)
    assert rotated["public_key"] == second.public_key.hex()
    assert revoked["key_id"] == second.key_id
    assert [k.end for k in keys.keys_of(GOV.member_id)] == [KeyEnd.ROTATED, KeyEnd.REVOKED]
    assert keys.current(GOV.member_id) is None


def test_a_rotated_key_signs_nothing_after_the_rotation(cast, keys, decisions, clock):
    client = client_of(keys, GOV)
    before = decisions.submit(GOV, *signed(decisions, client, GOV, clock))
    signed_early = signed(decisions, client, GOV, clock, value="reject")
    clock.advance(minutes=1)
    keys.rotate(GOV.member_id)
    with pytest.raises(InvalidInputError, match="key_id"):
        decisions.submit(GOV, *signed_early)  # signed before, received after: refused
    [view] = decisions.decisions_on(GOV, "agreement", AGREEMENT)
    assert view.stored == before.stored
    assert view.status == DecisionStatus.VALID  # received while its key was current


def test_a_revoked_key_signs_nothing_even_backdated(cast, keys, decisions, clock):
    client = client_of(keys, OPP)
    clock.advance(minutes=10)
    keys.revoke(OPP.member_id)
    clock.advance(minutes=1)
    backdated = signed(
        decisions, client, OPP, clock, created_at=(clock.now().replace(minute=0)).isoformat()
    )
    with pytest.raises(InvalidInputError, match="key_id"):
        decisions.submit(OPP, *backdated)


def test_a_key_is_generated_once_and_registered_once(cast, keys):
    keys.generate(GOV.member_id)
    with pytest.raises(ConflictError):
        keys.generate(GOV.member_id)
    client = Client(OPP.member_id)
    keys.register(OPP.member_id, client.public_key)
    keys.revoke(OPP.member_id)
    with pytest.raises(ConflictError):
        keys.register(OPP.member_id, client.public_key)  # the same key again
    with pytest.raises(InvalidInputError):
        keys.register(OPP.member_id, b"\x01" * 31)
    with pytest.raises(NotFoundError):
        keys.generate("member-nobody")


def test_a_server_key_is_sealed_for_its_member_only(cast, keys):
    key = keys.generate(GOV.member_id)
    assert key.custody == KeyCustody.SERVER
    assert len(keys.private_key(key)) == 32
    assert keys.private_key(key) not in key.sealed_private_key
    moved = replace(key, member_id=OPP.member_id)
    with pytest.raises(SecretKeyMismatchError):
        keys.private_key(moved)
    assert "sealed" not in repr(key)


# --- signing for a member -------------------------------------------------------------------------


def test_the_server_signs_for_a_member_after_reauthentication(
    cast, keys, decisions, reauth, record
):
    keys.generate(GOV.member_id)
    draft = DecisionDraft(DecisionKind.ENDORSEMENT, "agreement", AGREEMENT, "endorse", "as agreed")
    submitted = decisions.sign_for_member(cast["gov_liaison"], "pw", draft, address="127.0.0.1")
    assert reauth.asked == [(GOV.member_id, "127.0.0.1", None)]
    assert submitted.created
    assert submitted.stored.decision.reasons == "as agreed"
    [view] = decisions.decisions_on(GOV, "agreement", AGREEMENT)
    assert view.status == DecisionStatus.VALID
    assert record.verify().ok


def test_no_signing_for_a_member_without_reauthentication_or_a_server_key(cast, keys, decisions):
    draft = DecisionDraft(DecisionKind.ENDORSEMENT, "agreement", AGREEMENT, "endorse")
    member = cast["gov_liaison"]
    with pytest.raises(InvalidInputError, match="key"):
        decisions.sign_for_member(member, "pw", draft, address="127.0.0.1")
    keys.register(GOV.member_id, Client(GOV.member_id).public_key)
    with pytest.raises(InvalidInputError, match="client"):
        decisions.sign_for_member(member, "pw", draft, address="127.0.0.1")
    keys.rotate(GOV.member_id)
    with pytest.raises(InvalidInputError):
        decisions.sign_for_member(member, "wrong", draft, address="127.0.0.1")
    assert decisions.decisions_on(GOV, "agreement", AGREEMENT) == []


# --- the record ---------------------------------------------------------------------------------


def test_record_verify_passes_with_keys_and_decisions(cast, keys, decisions, clock, record):
    client = client_of(keys, GOV)
    decisions.submit(GOV, *signed(decisions, client, GOV, clock))
    keys.rotate(GOV.member_id)
    record.issue_checkpoint()
    report = record.verify()
    assert report.ok, report.problems
    assert report.commitments >= 1


def test_a_store_refuses_a_payload_or_revision_taken_and_stays_usable(
    cast, keys, decisions, clock, uow_factory
):
    client = client_of(keys, GOV)
    first = decisions.submit(GOV, *signed(decisions, client, GOV, clock)).stored
    other = decisions.submit(GOV, *signed(decisions, client, GOV, clock, value="reject")).stored
    with uow_factory() as uow:
        with pytest.raises(DecisionTakenError):
            uow.signed_decisions.add(first)  # the same payload
        with pytest.raises(DecisionTakenError):
            uow.signed_decisions.add(replace(other, payload_hash="f" * 64, revision=0))
        assert uow.signed_decisions.get(first.payload_hash) == first
        assert [d.revision for d in uow.signed_decisions.in_slot(*first.decision.slot)] == [0, 1]
