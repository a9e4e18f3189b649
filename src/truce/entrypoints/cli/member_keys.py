"""Operator verbs for members' signing keys: `truce member-key generate|register|rotate|revoke|
list`. Thin: each verb reads its options, calls MemberKeyService, prints. Every change is an
entry on the record with the public key and its id.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from truce.application.auth import SecretKeyMissingError
from truce.bootstrap import Services, build_services
from truce.domain.decisions import MemberKey
from truce.domain.errors import FieldError, InvalidInputError, TruceError
from truce.settings import Settings

member_keys_app = typer.Typer(
    help="Members' signing keys for their decisions: generate, register, rotate, revoke, list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

USERNAME_HELP = "The member's username."
PUBLIC_KEY_HELP = "The member's own Ed25519 public key: 64 hex digits (32 raw bytes)."


@contextmanager
def _services() -> Iterator[Services]:
    """The services over the configured store; a refusal is printed, not a traceback."""
    services = build_services(Settings.from_env())
    try:
        yield services
    except (TruceError, SecretKeyMissingError) as error:
        errors.print(Text(f"Refused: {error}", style="red"))
        raise typer.Exit(1) from None
    finally:
        services.close()


def _public_key(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except (ValueError, binascii.Error):
        raise InvalidInputError([FieldError("public_key", "must be hex")]) from None


def _shown(action: str, username: str, key: MemberKey) -> None:
    console.print(
        Text(f"{action} key {key.key_id} ({key.custody}) of {username}: {key.public_key.hex()}")
    )


@member_keys_app.command("generate")
def generate(username: str = typer.Argument(..., help=USERNAME_HELP)) -> None:
    """Make a key the server holds for the member, sealed with TRUCE_SECRET_KEY."""
    with _services() as services:
        member = services.auth.find_member(username)
        key = services.member_keys.generate(member.id)
    _shown("Generated", username, key)


@member_keys_app.command("register")
def register(
    username: str = typer.Argument(..., help=USERNAME_HELP),
    public_key: str = typer.Option(..., "--public-key", help=PUBLIC_KEY_HELP),
) -> None:
    """Register a key the member's own client holds; the server never sees its private half."""
    with _services() as services:
        member = services.auth.find_member(username)
        key = services.member_keys.register(member.id, _public_key(public_key))
    _shown("Registered", username, key)


@member_keys_app.command("rotate")
def rotate(
    username: str = typer.Argument(..., help=USERNAME_HELP),
    public_key: str | None = typer.Option(
        None, "--public-key", help=f"{PUBLIC_KEY_HELP} Without it, the server makes the key."
    ),
) -> None:
    """Replace the member's current key: from now on only the new one signs."""
    with _services() as services:
        member = services.auth.find_member(username)
        new = None if public_key is None else _public_key(public_key)
        key = services.member_keys.rotate(member.id, new)
    _shown("Rotated to", username, key)


@member_keys_app.command("revoke")
def revoke(username: str = typer.Argument(..., help=USERNAME_HELP)) -> None:
    """End the member's current key at once; decisions received before stay valid."""
    with _services() as services:
        member = services.auth.find_member(username)
        key = services.member_keys.revoke(member.id)
    console.print(Text(f"Revoked key {key.key_id} of {username}."))


@member_keys_app.command("list")
def list_keys(username: str = typer.Argument(..., help=USERNAME_HELP)) -> None:
    """The member's keys, oldest first: id, custody, from when, until when and why."""
    with _services() as services:
        member = services.auth.find_member(username)
        keys = services.member_keys.keys_of(member.id)
    table = Table(title=f"Signing keys of {username}")
    for column in ("key id", "custody", "added", "ended", "why", "public key"):
        table.add_column(column, overflow="fold")
    for key in keys:
        table.add_row(
            key.key_id,
            key.custody.value,
            _when(key.added_at),
            _when(key.ended_at),
            "" if key.end is None else key.end.value,
            key.public_key.hex(),
        )
    console.print(table)


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
