"""Two identical co-signatures that arrive at once: one is kept, the other is told it was
already there; neither fails on the primary key (PostgreSQL runs READ COMMITTED)."""

import contextlib
import threading

from support import FixedClock
from truce.adapters.canonical import canonical_json
from truce.adapters.notes import Ed25519NoteVerifier, MechanismSigner
from truce.adapters.signing import Ed25519Signer, cosign_note, generate_key
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.ports import Cosignature
from truce.application.record import RecordService
from truce.domain.record import parse_signed_note

ORIGIN = "test.local/record"


class BothLookFirst(Ed25519NoteVerifier):
    """Checking the co-signature happens after the checkpoint is read, inside the unit of
    work: both requests wait here until both have read it, so both saw no co-signature yet.
    On SQLite the second cannot even begin while the first holds the write lock, so the
    wait gives up and the requests simply run one after the other."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2)

    def cosignature_holds(self, body: str, signature_line: str, verifier_key: str) -> bool:
        with contextlib.suppress(threading.BrokenBarrierError):
            self.barrier.wait(timeout=3)
        return super().cosignature_holds(body, signature_line, verifier_key)


def test_two_identical_cosignatures_at_once_keep_one(clean_engine):
    witness = Ed25519Signer("witness.tr", generate_key())
    record = RecordService(
        SqlUnitOfWorkFactory(clean_engine),
        FixedClock(),
        MechanismSigner(Ed25519Signer(ORIGIN, generate_key())),
        BothLookFirst(),
        canonical_json,
        witnesses={"witness.tr": witness.verifier_key()},
    )
    checkpoint = record.issue_checkpoint()
    line = parse_signed_note(cosign_note(checkpoint.note, witness)).signatures[-1].line()
    cosignature = Cosignature(witness.verifier_key(), line)
    results: list[object] = []

    def send() -> None:
        try:
            results.append(record.add_cosignature(checkpoint.size, "witness.tr", cosignature))
        except Exception as error:  # noqa: BLE001 - the failure is what the test reports
            results.append(error)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results, key=repr) == [False, True]
    assert list(record.checkpoint(checkpoint.size).cosignatures) == ["witness.tr"]
