"""S6: no split view. A witness never co-signs two branches of one log, even after a restart.

The operator below is hostile: it keeps two trees that share a prefix and shows each party
the branch it likes. Every refusal is checked both with the witness that saw branch A and
with a new witness process (a new WitnessStore over the same directory).
"""

from __future__ import annotations

import fcntl
import json
import threading

import pytest

from truce.adapters.signing import (
    Ed25519Signer,
    cosign_note,
    generate_key,
    sign_checkpoint,
    verify_checkpoint_note,
)
from truce.adapters.witness_store import WitnessStateError, WitnessStore
from truce.domain.record import (
    Checkpoint,
    Cosign,
    MemoryHashStore,
    RefusalReason,
    Refuse,
    WitnessState,
    consistency_proof,
    decide_cosign,
    leaf_hash,
    root,
)

ORIGIN = "truce.example/record"
SHARED = 10  # entries both branches agree on
N = 16  # the size at which the witness co-signs branch A
K = 5  # how far branch B runs past N


class ForkingOperator:
    """Keeps two logs with a common prefix of SHARED entries, then different entries."""

    def __init__(self) -> None:
        self.branches = {"A": MemoryHashStore(), "B": MemoryHashStore()}
        for name, store in self.branches.items():
            shared = [leaf_hash(f"entry {i}".encode()) for i in range(SHARED)]
            own = [leaf_hash(f"entry {i} on {name}".encode()) for i in range(SHARED, N + K)]
            store.append(shared)
            store.append(own)

    def checkpoint(self, branch: str, size: int) -> Checkpoint:
        return Checkpoint(ORIGIN, size, root(size, self.branches[branch]))

    def proof(self, branch: str, old: int, new: int) -> list[bytes]:
        return consistency_proof(old, new, self.branches[branch])


@pytest.fixture
def operator():
    return ForkingOperator()


@pytest.fixture
def witnessed_a(tmp_path, operator):
    """A witness that has co-signed branch A at size N; returns its state directory."""
    store = WitnessStore(tmp_path)
    assert isinstance(store.witness(operator.checkpoint("A", SHARED), []), Cosign)
    decision = store.witness(operator.checkpoint("A", N), operator.proof("A", SHARED, N))
    assert decision == Cosign(WitnessState(ORIGIN, N, operator.checkpoint("A", N).root))
    return tmp_path


def restarted(directory):
    return WitnessStore(directory)


def test_the_branches_really_fork(operator):
    assert operator.checkpoint("A", SHARED) == operator.checkpoint("B", SHARED)
    assert operator.checkpoint("A", N).root != operator.checkpoint("B", N).root


@pytest.mark.parametrize("restart", [False, True], ids=["same process", "after restart"])
def test_branch_b_at_the_same_size_is_refused_as_a_fork(witnessed_a, operator, restart):
    store = restarted(witnessed_a) if restart else WitnessStore(witnessed_a)
    decision = store.witness(operator.checkpoint("B", N), [])
    assert isinstance(decision, Refuse)
    assert decision.reason is RefusalReason.FORK


@pytest.mark.parametrize("restart", [False, True], ids=["same process", "after restart"])
def test_branch_b_further_on_is_refused_as_inconsistent(witnessed_a, operator, restart):
    store = restarted(witnessed_a) if restart else WitnessStore(witnessed_a)
    candidates = [
        operator.proof("B", N, N + K),  # B's own honest-looking proof from its size N
        operator.proof("A", N, N + K),  # A's proof, replayed for B's checkpoint
        [],
    ]
    for proof in candidates:
        decision = store.witness(operator.checkpoint("B", N + K), proof)
        assert isinstance(decision, Refuse)
        assert decision.reason is RefusalReason.INCONSISTENT


@pytest.mark.parametrize("restart", [False, True], ids=["same process", "after restart"])
def test_a_smaller_size_after_a_larger_one_is_refused_as_rollback(witnessed_a, operator, restart):
    store = restarted(witnessed_a) if restart else WitnessStore(witnessed_a)
    for branch, size in [("A", N - 1), ("B", N - 1), ("A", SHARED), ("A", 0)]:
        decision = store.witness(operator.checkpoint(branch, size), [])
        assert isinstance(decision, Refuse)
        assert decision.reason is RefusalReason.ROLLBACK


@pytest.mark.parametrize("restart", [False, True], ids=["same process", "after restart"])
def test_branch_a_growing_honestly_is_co_signed_and_remembered(witnessed_a, operator, restart):
    store = restarted(witnessed_a) if restart else WitnessStore(witnessed_a)
    grown = operator.checkpoint("A", N + K)
    decision = store.witness(grown, operator.proof("A", N, N + K))
    assert decision == Cosign(WitnessState.of(grown))
    assert restarted(witnessed_a).load(ORIGIN) == WitnessState.of(grown)
    # And now even A's own older checkpoint is a rollback.
    assert (
        restarted(witnessed_a).witness(operator.checkpoint("A", N), []).reason
        is RefusalReason.ROLLBACK
    )


def test_refusals_do_not_move_the_state(witnessed_a, operator):
    store = WitnessStore(witnessed_a)
    before = store.load(ORIGIN)
    store.witness(operator.checkpoint("B", N), [])
    store.witness(operator.checkpoint("B", N + K), operator.proof("B", N, N + K))
    store.witness(operator.checkpoint("A", 1), [])
    assert restarted(witnessed_a).load(ORIGIN) == before


def test_the_same_checkpoint_twice_is_co_signed_once_in_effect(witnessed_a, operator):
    # S10: a retried request is accepted again, idempotently, and changes nothing.
    store = WitnessStore(witnessed_a)
    before = store.load(ORIGIN)
    decision = store.witness(operator.checkpoint("A", N), [])
    assert decision == Cosign(before)
    assert restarted(witnessed_a).load(ORIGIN) == before


def test_a_witness_that_saw_b_first_refuses_a(tmp_path, operator):
    store = WitnessStore(tmp_path)
    assert isinstance(store.witness(operator.checkpoint("B", N), []), Cosign)
    decision = restarted(tmp_path).witness(
        operator.checkpoint("A", N + K), operator.proof("A", N, N + K)
    )
    assert decision.reason is RefusalReason.INCONSISTENT


def test_a_checkpoint_for_another_log_is_refused_by_the_pure_decision(operator):
    state = WitnessState.of(operator.checkpoint("A", N))
    other = Checkpoint("other.example/log", N + 1, operator.checkpoint("A", N).root)
    decision = decide_cosign(state, other, [])
    assert decision.reason is RefusalReason.ORIGIN_MISMATCH


def test_logs_are_remembered_separately(tmp_path, operator):
    store = WitnessStore(tmp_path)
    store.witness(operator.checkpoint("A", N), [])
    other = Checkpoint("../../etc/other log", 3, operator.checkpoint("B", 3).root)
    assert isinstance(store.witness(other, []), Cosign)
    assert restarted(tmp_path).load(other.origin) == WitnessState.of(other)
    assert restarted(tmp_path).load(ORIGIN).size == N
    assert restarted(tmp_path).load("never.seen/log") is None
    assert all(path.parent == tmp_path for path in tmp_path.iterdir())


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        "[]",
        '{"version": 1}',
        '{"version": 2, "origin": "x", "size": 1, "root": ""}',
        '{"version": 1, "origin": "truce.example/record", "size": -1, "root": ""}',
        '{"version": 1, "origin": "truce.example/record", "size": 3, "root": "!!"}',
        '{"version": 1, "origin": "truce.example/record", "size": 3, "root": "AAAA"}',
    ],
)
def test_a_damaged_state_file_stops_the_witness_instead_of_resetting_it(
    witnessed_a, operator, content
):
    (path,) = witnessed_a.glob("*.json")
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WitnessStateError):
        restarted(witnessed_a).witness(operator.checkpoint("B", N), [])


def test_a_state_file_that_is_not_utf8_stops_the_witness(witnessed_a, operator):
    (path,) = witnessed_a.glob("*.json")
    path.write_bytes(b"\xff\xfe{}")
    with pytest.raises(WitnessStateError, match="not a witness state file"):
        restarted(witnessed_a).load(ORIGIN)


def test_a_state_file_moved_to_another_log_is_detected(witnessed_a, operator):
    (path,) = witnessed_a.glob("*.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["origin"] = "someone.else/log"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(WitnessStateError, match=r"someone\.else/log"):
        restarted(witnessed_a).load(ORIGIN)


def test_state_files_are_replaced_without_leftovers(witnessed_a):
    names = sorted(path.suffix for path in witnessed_a.iterdir())
    assert names == [".json", ".lock"]


def test_a_second_witness_process_waits_while_the_first_decides(witnessed_a, operator):
    # Two concurrent requests must not both decide against the same old state.
    (lock_path,) = witnessed_a.glob("*.lock")
    decided = threading.Event()

    def other_process():
        WitnessStore(witnessed_a).witness(
            operator.checkpoint("A", N + 1), operator.proof("A", N, N + 1)
        )
        decided.set()

    with lock_path.open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        thread = threading.Thread(target=other_process)
        thread.start()
        assert not decided.wait(0.3)
        fcntl.flock(held.fileno(), fcntl.LOCK_UN)
    thread.join(timeout=10)
    assert decided.is_set()
    assert restarted(witnessed_a).load(ORIGIN).size == N + 1


def test_end_to_end_a_signed_fork_never_gathers_the_witness_signature(tmp_path, operator):
    log = Ed25519Signer(ORIGIN, generate_key())
    witness_key = Ed25519Signer("witness.example/w1", generate_key())

    def witness_process(note: str, proof: list[bytes]) -> str | None:
        checkpoint = verify_checkpoint_note(note, log.verifier_key(), origin=ORIGIN)
        decision = WitnessStore(tmp_path).witness(checkpoint, proof)  # a fresh process each time
        return cosign_note(note, witness_key) if isinstance(decision, Cosign) else None

    cosigned = witness_process(sign_checkpoint(operator.checkpoint("A", N), log), [])
    assert cosigned is not None
    assert verify_checkpoint_note(cosigned, witness_key.verifier_key()) == operator.checkpoint(
        "A", N
    )
    fork_note = sign_checkpoint(operator.checkpoint("B", N + K), log)
    assert witness_process(fork_note, operator.proof("B", N, N + K)) is None
