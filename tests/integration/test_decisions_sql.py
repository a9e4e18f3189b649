"""S10 under a race: the same signed payload submitted twice at once, on the real store,
settles to one stored decision and one record entry. And an altered decision row is named by
`truce record verify`."""

import threading

from sqlalchemy import func, select, update

from cast import GOV_LIAISON
from decision_helpers import AGREEMENT, ORIGIN, SECRET, Client
from support import FixedClock, seed_cast
from truce.adapters.canonical import canonical_json
from truce.adapters.member_signing import Ed25519KeyPairs
from truce.adapters.notes import Ed25519NoteVerifier, MechanismSigner
from truce.adapters.signing import Ed25519Signer, generate_key
from truce.adapters.sql.decision_tables import signed_decisions
from truce.adapters.sql.tables import record_entries
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.auth import SecretBox
from truce.application.decisions import DecisionService, default_objects
from truce.application.member_keys import SEAL_PURPOSE, MemberKeyService
from truce.application.record import RecordService
from truce.application.registry import RegistryService
from truce.domain.decisions import DecisionStatus


class NoReauth:
    def reauthenticate(self, *_args, **_kwargs):
        raise AssertionError("not used here")


def test_the_same_payload_submitted_twice_at_once_is_stored_once(clean_engine):
    uow = SqlUnitOfWorkFactory(clean_engine)
    clock = FixedClock()
    seed_cast(RegistryService(uow, clock))
    keys = MemberKeyService(uow, clock, Ed25519KeyPairs(), SecretBox(SECRET, SEAL_PURPOSE))
    decisions = DecisionService(
        uow, clock, canonical_json, Ed25519KeyPairs(), keys, NoReauth(), ORIGIN,
        default_objects(canonical_json),
    )  # fmt: skip
    client = Client(GOV_LIAISON.member_id)
    keys.register(client.member_id, client.public_key)
    found = decisions.current_version(GOV_LIAISON, "agreement", AGREEMENT)
    payload, signature = client.sign(
        client.document(
            kind="endorsement",
            object_kind="agreement",
            object_id=AGREEMENT,
            object_version=found.version,
            object_hash=found.version_hash,
            value="endorse",
            created_at=clock.now(),
        )
    )
    start = threading.Barrier(2)
    outcomes = []

    def submit():
        start.wait()
        outcomes.append(decisions.submit(GOV_LIAISON, payload, signature))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome.created for outcome in outcomes) == [False, True]
    assert outcomes[0].stored.payload_hash == outcomes[1].stored.payload_hash
    with clean_engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(signed_decisions)).scalar()
        logged = connection.execute(
            select(func.count())
            .select_from(record_entries)
            .where(record_entries.c.kind == "decision.signed")
        ).scalar()
    assert (rows, logged) == (1, 1)


def test_an_altered_decision_row_is_named_by_verify(connection):
    uow = SqlUnitOfWorkFactory(connection)
    clock = FixedClock()
    seed_cast(RegistryService(uow, clock))
    keys = MemberKeyService(uow, clock, Ed25519KeyPairs(), SecretBox(SECRET, SEAL_PURPOSE))
    decisions = DecisionService(
        uow, clock, canonical_json, Ed25519KeyPairs(), keys, NoReauth(), ORIGIN,
        default_objects(canonical_json),
    )  # fmt: skip
    client = Client(GOV_LIAISON.member_id)
    keys.register(client.member_id, client.public_key)
    found = decisions.current_version(GOV_LIAISON, "agreement", AGREEMENT)
    payload, signature = client.sign(
        client.document(
            kind="endorsement",
            object_kind="agreement",
            object_id=AGREEMENT,
            object_version=found.version,
            object_hash=found.version_hash,
            value="endorse",
            created_at=clock.now(),
        )
    )
    decisions.submit(GOV_LIAISON, payload, signature)
    signer = MechanismSigner(Ed25519Signer(ORIGIN, generate_key()))
    record = RecordService(uow, clock, signer, Ed25519NoteVerifier(), canonical_json)
    assert record.verify().ok
    [entry] = [e for e in record.history(f"agreement:{AGREEMENT}") if "decision." in e.body]
    connection.execute(update(signed_decisions).values(signature=bytes(64)))
    report = record.verify()
    assert report.first_bad_entry == entry.seq
    [view] = decisions.decisions_on(GOV_LIAISON, "agreement", AGREEMENT)
    assert view.status == DecisionStatus.BAD_SIGNATURE
