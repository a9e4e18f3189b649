"""`truce record ...` and `truce witness ...`: verify the record, prove entries, co-sign."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from truce.adapters.notes import load_or_create_signer
from truce.adapters.signing import Ed25519Signer, verify_checkpoint_note
from truce.adapters.witness_client import (
    HttpLog,
    LocalLog,
    LogSource,
    LogUnavailableError,
    Outcome,
    Verdict,
    witness_round,
)
from truce.adapters.witness_store import WitnessStore
from truce.application.record import VerificationReport
from truce.bootstrap import Services, build_services, mechanism_signer
from truce.domain.errors import InvalidInputError, NotFoundError
from truce.domain.record import RecordError, leaf_hash, verify_inclusion
from truce.settings import Settings

record_app = typer.Typer(
    help="The record: checkpoints, proofs, verification.", no_args_is_help=True
)
witness_app = typer.Typer(
    help="A witness: co-sign checkpoints that extend what it saw.", no_args_is_help=True
)
console = Console(soft_wrap=True)


def _services() -> Services:
    return build_services(Settings.from_env())


@record_app.command("verify")
def verify() -> None:
    """Recompute the whole record from the store and check every checkpoint; name the first
    entry that does not hold. Exits 1 when anything fails."""
    services = _services()
    try:
        report = services.record.verify()
    finally:
        services.close()
    _print_verification(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_verification(report: VerificationReport) -> None:
    console.print(
        f"{report.size} entries, {report.commitments} commitments, "
        f"{report.checkpoints} checkpoints, {report.cosignatures} co-signatures checked."
    )
    if report.ok:
        console.print("[green]The record verifies.[/green]")
        return
    console.print(
        f"[red]The record does NOT verify: first bad entry {report.first_bad_entry}[/red]"
    )
    for problem in report.problems[:50]:
        console.print(f"  {problem.where}: {problem.message}")


@record_app.command("checkpoint")
def checkpoint() -> None:
    """Issue a signed checkpoint of the record as it is now, and print it."""
    services = _services()
    try:
        issued = services.record.issue_checkpoint()
    finally:
        services.close()
    console.print(issued.note, end="", markup=False, highlight=False)


@record_app.command("key")
def key() -> None:
    """Print the verifier key of the mechanism's checkpoints (give it to every witness)."""
    # Only the key file is read: printing a key must not touch (or migrate) the store.
    signer = mechanism_signer(Settings.from_env())
    console.print(signer.verifier_key(), markup=False, highlight=False)


@record_app.command("prove")
def prove(
    entry: Annotated[int, typer.Argument(help="The entry's number (0-based).")],
    size: Annotated[int | None, typer.Option(help="Checkpoint size (latest by default).")] = None,
) -> None:
    """Print a proof bundle (JSON) that `truce record check` verifies offline."""
    services = _services()
    try:
        bundle = services.record.prove(entry, size)
    finally:
        services.close()
    console.print(
        json.dumps(bundle.to_json(), indent=2, ensure_ascii=False), markup=False, highlight=False
    )


@record_app.command("check")
def check(
    bundle_file: Annotated[
        Path, typer.Argument(help="A bundle from `truce record prove`; - for stdin.")
    ],
    log_key: Annotated[
        str, typer.Option(help="The mechanism's verifier key, obtained out of band.")
    ],
) -> None:
    """Verify a proof bundle offline, with nothing but the entry, the proof and a checkpoint."""
    text = sys.stdin.read() if str(bundle_file) == "-" else bundle_file.read_text()
    bundle = json.loads(text)
    checkpoint = verify_checkpoint_note(bundle["checkpoint"], log_key)
    proof = [bytes.fromhex(node) for node in bundle["inclusion_proof"]]
    leaf = leaf_hash(bundle["entry"].encode())
    if checkpoint.size != bundle["size"] or not verify_inclusion(
        leaf, bundle["index"], checkpoint.size, proof, checkpoint.root
    ):
        console.print("[red]The entry is NOT proven to be in the signed checkpoint.[/red]")
        raise typer.Exit(1)
    console.print(
        f"Entry {bundle['index']} is in the record of {checkpoint.origin} "
        f"at size {checkpoint.size}."
    )


@witness_app.command("init")
def witness_init(
    name: Annotated[str, typer.Option(help="The witness's key name, e.g. witness.ru.")],
    state_dir: Annotated[Path, typer.Option(help="Where the witness keeps its key and memory.")],
    passphrase: Annotated[
        str, typer.Option(envvar="TRUCE_WITNESS_PASSPHRASE", help="Encrypts the key.")
    ] = "",
) -> None:
    """Make the witness's key (once) and print its verifier key."""
    signer = load_or_create_signer(state_dir / "witness.key", name, passphrase)
    console.print(signer.verifier_key(), markup=False, highlight=False)


UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="The mechanism's server, e.g. http://127.0.0.1:8000; without it, the local store.",
    ),
]
NameOption = Annotated[str, typer.Option(help="The witness's key name.")]
StateDirOption = Annotated[Path, typer.Option(help="The directory given to `witness init`.")]
LogKeyOption = Annotated[
    str, typer.Option(help="The mechanism's verifier key, obtained out of band.")
]
PassphraseOption = Annotated[str, typer.Option(envvar="TRUCE_WITNESS_PASSPHRASE")]


@witness_app.command("cosign")
def witness_cosign(
    name: NameOption,
    state_dir: StateDirOption,
    log_key: LogKeyOption,
    url: UrlOption = None,
    passphrase: PassphraseOption = "",
) -> None:
    """Co-sign the latest checkpoint if it extends what this witness co-signed before
    (checked with a consistency proof); refuse a fork or a rollback, also after a restart.
    Exits 1 on a refusal, 2 when the log cannot be reached or answers nonsense."""
    signer = load_or_create_signer(state_dir / "witness.key", name, passphrase)
    store = WitnessStore(state_dir / "state")
    with _log_source(url) as log:
        outcome = _round(log, signer, store, log_key)
    console.print(outcome.message, markup=False, highlight=False)
    if not outcome.cosigned:
        raise typer.Exit(1)


@witness_app.command("watch")
def witness_watch(
    name: NameOption,
    state_dir: StateDirOption,
    log_key: LogKeyOption,
    url: Annotated[str, typer.Option("--url", help="The mechanism's server.")],
    interval: Annotated[float, typer.Option(min=0.0, help="Seconds between rounds.")] = 60.0,
    max_rounds: Annotated[
        int, typer.Option(min=0, help="Stop after this many rounds; 0 = until Ctrl-C.")
    ] = 0,
    passphrase: PassphraseOption = "",
) -> None:
    """Co-sign every new checkpoint, round after round, until Ctrl-C. An unreachable log is
    retried next round; a refusal (fork, rollback, bad proof) stops the witness with exit 1,
    for a person to look at."""
    signer = load_or_create_signer(state_dir / "witness.key", name, passphrase)
    store = WitnessStore(state_dir / "state")
    rounds = 0
    try:
        with _log_source(url) as log:
            while True:
                outcome = _round(log, signer, store, log_key, fatal=False)
                console.print(outcome.message, markup=False, highlight=False)
                if outcome.verdict is Verdict.REFUSED:
                    raise typer.Exit(1)
                rounds += 1
                if max_rounds and rounds >= max_rounds:
                    return
                time.sleep(interval)
    except KeyboardInterrupt:
        console.print(f"stopped after {rounds} rounds")


@contextmanager
def _log_source(url: str | None) -> Iterator[LogSource]:
    if url is None:
        services = _services()
        try:
            yield LocalLog(services.record)
        finally:
            services.close()
        return
    http = HttpLog(url)
    try:
        yield http
    finally:
        http.close()


def _round(
    log: LogSource, signer: Ed25519Signer, store: WitnessStore, log_key: str, *, fatal: bool = True
) -> Outcome:
    """One round; trouble reaching the log ends the command (exit 2) unless not `fatal`."""
    try:
        return witness_round(log, signer, store, log_key)
    except (LogUnavailableError, NotFoundError, InvalidInputError) as error:
        if fatal:
            console.print(f"error: {error}", markup=False, highlight=False)
            raise typer.Exit(2) from None
        return Outcome(Verdict.UNAVAILABLE, f"error, retrying next round: {error}")
    except RecordError as error:
        # A checkpoint without the mechanism's valid signature is not the log's word at all.
        return Outcome(Verdict.REFUSED, f"refused: bad checkpoint ({error})")


def cosign_latest(
    services: Services, name: str, state_dir: Path, log_key: str, passphrase: str
) -> str:
    """One witness round over a local store: verify, decide, persist, then sign."""
    signer = load_or_create_signer(state_dir / "witness.key", name, passphrase)
    store = WitnessStore(state_dir / "state")
    return witness_round(LocalLog(services.record), signer, store, log_key).message


def print_checkpoints(services: Services) -> None:
    table = Table(title="Checkpoints")
    for column in ("size", "root", "co-signed by"):
        table.add_column(column)
    for stored in services.record.checkpoints(10):
        table.add_row(
            str(stored.size), stored.root.hex()[:16] + "…", ", ".join(stored.cosignatures)
        )
    console.print(table)
