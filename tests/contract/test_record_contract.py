"""The record on both stores: entries appended with the change, proofs that verify, and a
verification that names what was altered (SECURITY S4, S5)."""

import json

import pytest
from sqlalchemy import make_url, text

from support import report_fields
from truce.adapters.canonical import canonical_json
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.adapters.notes import Ed25519NoteVerifier, MechanismSigner
from truce.adapters.signing import Ed25519Signer, generate_key
from truce.adapters.sql.rls import APPEND_ONLY_TABLES, as_system
from truce.application.ports import Cosignature
from truce.application.record import RecordService
from truce.domain.errors import InvalidInputError, NotFoundError
from truce.domain.record import leaf_hash, verify_consistency, verify_inclusion
from truce.domain.reports import parse_file_report

ORIGIN = "test.local/record"


@pytest.fixture
def record(uow_factory, clock):
    signer = MechanismSigner(Ed25519Signer(ORIGIN, generate_key()))
    return RecordService(uow_factory, clock, signer, Ed25519NoteVerifier(), canonical_json)


def file(monitoring, cast, **overrides):
    command = parse_file_report(report_fields(**overrides), now=monitoring.clock.now())
    return monitoring.file_report(command, submitter=cast["opposition_liaison"]).report


def test_a_filed_report_is_on_the_record_without_its_content(cast, monitoring, record):
    report = file(monitoring, cast, narrative="Artillery fell on Basimah at dawn.")
    [entry] = record.history(f"report:{report.id}")
    document = json.loads(entry.body)
    assert document["kind"] == "report.filed"
    assert document["submitter_body_id"] == "opp"
    assert len(document["commitment"]) == 64
    assert "Basimah" not in entry.body
    assert entry.leaf_hash == leaf_hash(entry.body.encode())


def test_every_setup_step_is_on_the_record(cast, record):
    kinds = [json.loads(e.body)["kind"] for e in record.history("agreement:syria-ceasefire-2016")]
    assert kinds == ["agreement.concluded"]
    member = record.history("member:member-guarantor_ru")[0]
    assert "Russian negotiator" not in member.body  # titles are committed, not shown


def test_every_entry_is_proven_in_the_checkpoint(cast, monitoring, record):
    file(monitoring, cast)
    checkpoint = record.issue_checkpoint()
    assert checkpoint.size > 0
    for seq in range(checkpoint.size):
        bundle = record.prove(seq)
        leaf = leaf_hash(bundle.entry.body.encode())
        assert verify_inclusion(leaf, seq, checkpoint.size, bundle.proof, checkpoint.root)
        assert not verify_inclusion(leaf, seq, checkpoint.size, bundle.proof[:-1], checkpoint.root)


def test_a_later_checkpoint_is_consistent_with_an_earlier_one(cast, monitoring, record):
    first = record.issue_checkpoint()
    file(monitoring, cast)
    file(monitoring, cast, killed=2)
    second = record.issue_checkpoint()
    proof = record.consistency(first.size, second.size)
    assert verify_consistency(first.size, second.size, first.root, second.root, proof)
    assert not verify_consistency(first.size, second.size, second.root, first.root, proof)


def test_nothing_new_gives_the_same_checkpoint(cast, record):
    assert record.issue_checkpoint() == record.issue_checkpoint()
    assert len(record.checkpoints()) == 1


def test_an_entry_beyond_the_checkpoint_is_not_proven_yet(cast, monitoring, record):
    record.issue_checkpoint()
    file(monitoring, cast)
    size = record.checkpoint().size
    with pytest.raises(InvalidInputError):
        record.prove(size)
    with pytest.raises(NotFoundError):
        record.prove(10_000)


def test_an_untouched_record_verifies(cast, monitoring, record):
    file(monitoring, cast)
    record.issue_checkpoint()
    report = record.verify()
    assert report.ok, report.problems
    assert report.commitments == len(cast) + 1
    assert report.checkpoints == 1


def test_a_forged_cosignature_is_refused(cast, record):
    checkpoint = record.issue_checkpoint()
    witness = Ed25519Signer("witness.ru", generate_key())
    forged = Cosignature(witness.verifier_key(), "— witness.ru AAAAAAAAAAAA\n")
    with pytest.raises(InvalidInputError):
        record.add_cosignature(checkpoint.size, "witness.ru", forged)


class Insider:
    """Someone who edits rows behind the application's back. On PostgreSQL the test connection
    may be the application role under row-level security: the insider then holds the system
    context, as anyone holding that role's credentials could set it, and, since that role may
    not change the record at all (`truce db grant-app-role`), the owner's rights too: the
    insider who holds the owner's credentials."""

    def __init__(self, connection):
        self._connection = connection
        self.dialect = connection.dialect

    def execute(self, statement, parameters=None):
        with as_system(self._connection, "a test plays an insider who edits rows"):
            return self._connection.execute(statement, parameters)


@pytest.fixture
def owner_rights(request):
    """Lend the application role UPDATE and DELETE on the record for one test (PostgreSQL
    with a separate owner only), and take them back afterwards."""
    owner_engine = request.getfixturevalue("owner_engine")
    app_engine = request.getfixturevalue("engine")
    app_role = make_url(str(app_engine.url)).username
    if owner_engine is app_engine or owner_engine.dialect.name != "postgresql":
        yield
        return
    tables = ", ".join(APPEND_ONLY_TABLES)
    with owner_engine.begin() as connection:
        connection.execute(text(f"GRANT UPDATE, DELETE ON {tables} TO {app_role}"))
    try:
        yield
    finally:
        with owner_engine.begin() as connection:
            connection.execute(text(f"REVOKE UPDATE, DELETE ON {tables} FROM {app_role}"))


def sql_only(uow_factory, request):
    if not hasattr(uow_factory, "bind"):
        pytest.skip("tampering with rows is a SQL matter")
    request.getfixturevalue("owner_rights")
    return Insider(uow_factory.bind)


def test_altering_a_report_row_is_named(cast, monitoring, record, uow_factory, request):
    connection = sql_only(uow_factory, request)
    report = file(monitoring, cast)
    record.issue_checkpoint()
    connection.execute(text("UPDATE reports SET killed = 40 WHERE id = :id"), {"id": report.id})
    [entry] = record.history(f"report:{report.id}")
    verification = record.verify()
    assert verification.first_bad_entry == entry.seq
    assert "report.filed content it commits to was altered" in verification.problems[0].message


def test_altering_an_entry_is_named_and_breaks_the_checkpoint(
    cast, monitoring, record, uow_factory, request
):
    connection = sql_only(uow_factory, request)
    file(monitoring, cast)
    record.issue_checkpoint()
    connection.execute(
        text(
            "UPDATE record_entries SET body = replace(body, '\"opp\"', '\"gov\"') "
            "WHERE kind = 'report.filed'"
        )
    )
    verification = record.verify()
    seq = record.history("agreement:syria-ceasefire-2016")[0].seq + 1
    assert verification.first_bad_entry is not None
    assert verification.first_bad_entry >= seq
    messages = [p.message for p in verification.problems]
    assert "body does not match its leaf hash" in messages
    assert "root does not match the entries" in messages


def test_a_deleted_subtree_hash_is_named(cast, monitoring, record, uow_factory, request):
    connection = sql_only(uow_factory, request)
    file(monitoring, cast)
    connection.execute(text("DELETE FROM record_nodes WHERE level = 1 AND position = 2"))
    verification = record.verify()
    assert verification.first_bad_entry == 4
    assert verification.problems[0].message == "stored tree hashes do not match"


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        # an interior node over entries 8..11 changed
        ("UPDATE record_nodes SET digest = zeroblob(32) WHERE level = 2 AND position = 2", 8),
        # a leaf hash changed in its entry row (the body no longer hashes to it)
        ("UPDATE record_entries SET leaf_hash = zeroblob(32) WHERE seq = 3", 3),
        # a node over two entries changed
        ("UPDATE record_nodes SET digest = zeroblob(32) WHERE level = 1 AND position = 3", 6),
        # nodes that belong to no complete subtree of this tree: named after its last entry
        ("INSERT INTO record_nodes VALUES (1, 1000, zeroblob(32))", "end of level 1"),
        ("INSERT INTO record_nodes VALUES (40, 0, zeroblob(32))", 0),
        # a whole interior level removed
        ("DELETE FROM record_nodes WHERE level = 1", 0),
    ],
)
def test_every_altered_subtree_hash_is_found(
    cast, monitoring, record, uow_factory, request, statement, named
):
    connection = sql_only(uow_factory, request)
    if connection.dialect.name != "sqlite":
        statement = statement.replace("zeroblob(32)", "decode(repeat('00', 32), 'hex')")
    file(monitoring, cast)
    record.issue_checkpoint()
    assert record.verify().ok
    connection.execute(text(statement))
    verification = record.verify()
    if named == "end of level 1":
        named = verification.size >> 1 << 1
    assert verification.first_bad_entry == named
    assert "stored tree hashes do not match" in [p.message for p in verification.problems]


def test_an_empty_record_verifies(clock):
    empty = RecordService(
        MemoryUnitOfWorkFactory(),
        clock,
        MechanismSigner(Ed25519Signer(ORIGIN, generate_key())),
        Ed25519NoteVerifier(),
        canonical_json,
    )
    report = empty.verify()
    assert report.ok
    assert report.size == 0
