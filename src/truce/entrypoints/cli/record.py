"""`truce record ...` and `truce witness ...`: verify the record, prove entries, co-sign."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from truce.adapters.notes import load_or_create_signer
from truce.adapters.signing import cosign_note, verify_checkpoint_note
from truce.adapters.witness_store import WitnessStore
from truce.application.ports import Cosignature
from truce.application.record import VerificationReport
from truce.bootstrap import Services, build_services, mechanism_signer
from truce.domain.record import (
    Cosign,
    leaf_hash,
    parse_signed_note,
    verify_inclusion,
)
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


@witness_app.command("cosign")
def witness_cosign(
    name: Annotated[str, typer.Option(help="The witness's key name.")],
    state_dir: Annotated[Path, typer.Option(help="The directory given to `witness init`.")],
    log_key: Annotated[str, typer.Option(help="The mechanism's verifier key.")],
    passphrase: Annotated[str, typer.Option(envvar="TRUCE_WITNESS_PASSPHRASE")] = "",
) -> None:
    """Co-sign the latest checkpoint if it extends what this witness co-signed before
    (checked with a consistency proof); refuse a fork or a rollback, also after a restart."""
    services = _services()
    try:
        outcome = cosign_latest(services, name, state_dir, log_key, passphrase)
    finally:
        services.close()
    console.print(outcome)
    if not outcome.startswith("co-signed"):
        raise typer.Exit(1)


def cosign_latest(
    services: Services, name: str, state_dir: Path, log_key: str, passphrase: str
) -> str:
    """One witness round over a local store: verify, decide, persist, then sign."""
    signer = load_or_create_signer(state_dir / "witness.key", name, passphrase)
    latest = services.record.checkpoint()
    checkpoint = verify_checkpoint_note(latest.note, log_key)
    store = WitnessStore(state_dir / "state")
    seen = store.load(checkpoint.origin)
    proof = services.record.consistency(seen.size if seen else 0, checkpoint.size)
    decision = store.witness(checkpoint, proof)
    if not isinstance(decision, Cosign):
        return f"refused: {decision.reason.value} ({decision.detail})"
    cosigned = parse_signed_note(cosign_note(latest.note, signer))
    line = next(s.line() for s in cosigned.signatures if s.name == name)
    if name not in latest.cosignatures:
        services.record.add_cosignature(
            checkpoint.size, name, Cosignature(signer.verifier_key(), line)
        )
    return f"co-signed {checkpoint.origin} at size {checkpoint.size}"


def print_checkpoints(services: Services) -> None:
    table = Table(title="Checkpoints")
    for column in ("size", "root", "co-signed by"):
        table.add_column(column)
    for stored in services.record.checkpoints(10):
        table.add_row(
            str(stored.size), stored.root.hex()[:16] + "…", ", ".join(stored.cosignatures)
        )
    console.print(table)
