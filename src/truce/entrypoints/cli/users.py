"""Operator verbs for accounts, API tokens and the audit trail.

Three Typer apps for main.py to register: `users_app` (truce user), `tokens_app` (truce token)
and `audit_app` (truce audit). Thin: each verb reads its options, calls AuthService, prints.
The operator at the console is trusted (they hold the database); what they do is audited
with the address "console".
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, NoReturn
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from truce.application.audit import AuditQuery, Outcome
from truce.application.auth import enrolment_link
from truce.bootstrap import Services, build_services
from truce.domain.auth import TOKEN_ID_LENGTH, AuditEntry, Scope, escape_for_log
from truce.domain.errors import NotFoundError, TruceError
from truce.domain.parties import Member, Role
from truce.settings import Settings

CONSOLE = "console"

users_app = typer.Typer(
    help="Accounts: add, issue an enrolment link, disable, enable, reset a password or second "
    "factors, list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
tokens_app = typer.Typer(
    help="Personal API tokens for machines: issue, revoke, list.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
audit_app = typer.Typer(
    help="The audit trail: who was allowed or refused what, when, from where.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

FROM_STDIN_HELP = "Read the password from the first line of standard input (for scripts)."
FromStdin = Annotated[bool, typer.Option("--password-stdin", help=FROM_STDIN_HELP)]


@contextmanager
def _services() -> Iterator[Services]:
    """The services over the configured store; a refusal is printed, not a traceback."""
    services = build_services(Settings.from_env())
    try:
        yield services
    except TruceError as error:
        errors.print(Text(f"Refused: {error}", style="red"))
        raise typer.Exit(1) from None
    finally:
        services.close()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # Only the line end is dropped: spaces are part of a passphrase.
        return sys.stdin.readline().rstrip("\r\n")
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


def _cell(value: object) -> Text:
    """A table cell that shows stored text as it is: no markup, no control characters."""
    return Text(escape_for_log("" if value is None else str(value)))


def _table(title: str, columns: tuple[str, ...]) -> Table:
    """Cells fold instead of being cut short: an id shown with an ellipsis is of no use."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- truce user ---------------------------------------------------------------------------


@users_app.command("add")
def add_user(
    username: str = typer.Argument(..., help="Sign-in name (a role title, not a person's name)."),
    title: str = typer.Option(..., help="Role title shown to others, e.g. 'Monitor, Idlib'."),
    body: str = typer.Option(..., help="Id of the body the member belongs to, e.g. 'gov'."),
    role: list[Role] = typer.Option(..., help="A role held in that body; repeat for several."),
    password_stdin: FromStdin = False,
) -> None:
    """Add a member with a password (asked for twice unless --password-stdin)."""
    password = _read_password(password_stdin)
    with _services() as services:
        member = services.auth.open_account(username, title, body, role, password, address=CONSOLE)
    roles = ", ".join(sorted(member.roles))
    console.print(_cell(f"Added {member.username} ({roles}) to {member.body_id}."))


@users_app.command("enrol-link")
def enrol_link(
    username: str = typer.Argument(..., help="An account still waiting for its password."),
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        help="The address members reach the server at, e.g. https://truce.example.org "
        "(default: TRUCE_PUBLIC_URL).",
    ),
) -> None:
    """Issue a new one-time enrolment link for an account whose member has not chosen a
    password yet, as "New enrolment link" on /admin/accounts does (earlier links stop
    working; audited). Hand the link to the member through a channel you trust."""
    with _services() as services:
        base = _server_address(base_url or services.settings.public_url)
        member = _member_named(services, username)
        enrolment = services.auth.renew_enrolment(member.id, address=CONSOLE)
    until = _when(enrolment.expires_at)
    console.print(_cell(f"Enrolment link for {member.username}, usable once until {until}:"))
    # Plain echo: the link alone on its line, untouched by any rendering; shown only now.
    typer.echo(enrolment_link(base, enrolment))


def _server_address(text: str) -> str:
    """The server's address as `--base-url` or TRUCE_PUBLIC_URL gives it, or a refusal that
    says what to pass: the console has no request to take the address from."""
    if not text.strip():
        _refuse(
            "no server address to build the link on: pass --base-url https://host "
            "or set TRUCE_PUBLIC_URL"
        )
    parts = urlsplit(text.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        _refuse(
            f"--base-url must be an http(s) address such as https://truce.example.org, not {text!r}"
        )
    return text.strip()


def _member_named(services: Services, username: str) -> Member:
    try:
        return services.auth.find_member(username.strip())
    except NotFoundError:
        _refuse(f"no account is named {username!r} (see `truce user list`)")


def _refuse(message: str) -> NoReturn:
    errors.print(_cell(f"Refused: {message}"), style="red")
    raise typer.Exit(1)


@users_app.command("disable")
def disable_user(username: str = typer.Argument(..., help="The account to stop.")) -> None:
    """Stop an account at once: its sessions end and its tokens stop working."""
    with _services() as services:
        member = services.auth.find_member(username)
        services.auth.disable_member(member.id, address=CONSOLE)
    console.print(_cell(f"Disabled {username}."))


@users_app.command("enable")
def enable_user(username: str = typer.Argument(..., help="The account to restore.")) -> None:
    """Let a disabled account sign in again."""
    with _services() as services:
        member = services.auth.find_member(username)
        services.auth.enable_member(member.id, address=CONSOLE)
    console.print(_cell(f"Enabled {username}."))


@users_app.command("reset-password")
def reset_password(
    username: str = typer.Argument(..., help="The account."),
    password_stdin: FromStdin = False,
) -> None:
    """Set a new password; every session of the account ends."""
    password = _read_password(password_stdin)
    with _services() as services:
        member = services.auth.find_member(username)
        services.auth.set_password(member.id, password, address=CONSOLE)
    console.print(_cell(f"Password of {username} reset; its sessions have ended."))


@users_app.command("reset-factors")
def reset_factors(
    username: str = typer.Argument(..., help="The account whose phone or keys were lost."),
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask for confirmation (for scripts).")
    ] = False,
) -> None:
    """Remove the account's authenticator and every passkey (a lost or stolen phone), and end
    its sessions. Audited and on the record; the member then signs in with the password
    alone and enrols new factors."""
    with _services() as services:
        member = services.auth.find_member(username)
        factors = services.auth.factors(member.id)
        held = f"{'an authenticator' if factors.totp else 'no authenticator'}, "
        held += f"{len(factors.passkeys)} passkey(s)"
        if not yes and not typer.confirm(
            f"Remove every second factor of {username} ({held}) and end its sessions?"
        ):
            errors.print("Nothing changed.")
            raise typer.Exit(1)
        done = services.auth.reset_factors(member.id, address=CONSOLE)
    removed = f"{'the authenticator' if done.totp else 'no authenticator'} and "
    removed += f"{done.passkeys} passkey(s)"
    console.print(
        _cell(
            f"Removed {removed} of {username}; {done.sessions} session(s) ended. "
            "The member signs in with the password and enrols new factors."
        )
    )


@users_app.command("list")
def list_users() -> None:
    """Every account: body, roles, whether active, password and second factor set."""
    with _services() as services:
        accounts = services.auth.accounts()
    columns = ("username", "title", "body", "roles", "active", "password", "2nd factor")
    table = _table("Accounts", columns)
    for account in accounts:
        member = account.member
        table.add_row(
            _cell(member.username),
            _cell(member.title),
            _cell(member.body_id),
            _cell(", ".join(sorted(member.roles))),
            _yes_no(member.active),
            _yes_no(account.has_password),
            _yes_no(account.has_second_factor),
        )
    console.print(table)


def _yes_no(value: bool) -> Text:
    return Text("yes" if value else "no")


# --- truce token --------------------------------------------------------------------------


@tokens_app.command("issue")
def issue_token(
    username: str = typer.Argument(..., help="The member the token acts for."),
    scope: list[Scope] = typer.Option(..., help="What the token may do; repeat for several."),
    days: int = typer.Option(90, help="Days until the token expires (1 to 366)."),
    label: str = typer.Option("", help="What the token is for, e.g. 'ACLED import job'."),
) -> None:
    """Issue a token and print it once: it cannot be shown again."""
    with _services() as services:
        member = services.auth.find_member(username)
        issued = services.auth.issue_token(member.id, scope, days, label, address=CONSOLE)
    scopes = " ".join(sorted(issued.scopes))
    expires = _when(issued.expires_at)
    console.print(_cell(f"Token {issued.token_id} for {username} ({scopes}), expires {expires}."))
    console.print("Store it now; it is shown only this once:")
    # Plain echo: the token alone on its line, untouched by any rendering.
    typer.echo(issued.token)


@tokens_app.command("revoke")
def revoke_token(token_id: str = typer.Argument(..., help="The token's id (from `list`).")) -> None:
    """Revoke a token at once."""
    with _services() as services:
        services.auth.revoke_token(token_id, address=CONSOLE)
    console.print(_cell(f"Revoked token {token_id}."))


@tokens_app.command("list")
def list_tokens(
    username: str | None = typer.Option(None, help="Only this member's tokens."),
) -> None:
    """Tokens with their scopes, expiry, last use and status (never their secrets)."""
    with _services() as services:
        member_id = services.auth.find_member(username).id if username else None
        tokens = services.auth.list_tokens(member_id)
        names = {account.member.id: account.member.username for account in services.auth.accounts()}
        now = services.clock.now()
    columns = ("id", "member", "label", "scopes", "expires", "last used", "status")
    table = _table("API tokens", columns)
    # The id is what `revoke` takes: kept on one line, whole.
    table.columns[0].no_wrap = True
    table.columns[0].min_width = TOKEN_ID_LENGTH
    for token in tokens:
        table.add_row(
            _cell(token.id),
            _cell(names.get(token.member_id, token.member_id)),
            _cell(token.label),
            _cell(" ".join(sorted(token.scopes))),
            _cell(_when(token.expires_at)),
            _cell(_when(token.last_used_at)),
            _cell(token.status(now)),
        )
    console.print(table)


# --- truce audit --------------------------------------------------------------------------


@audit_app.command("denied")
def denied(
    limit: int = typer.Option(50, help="How many entries, newest first."),
    since: datetime | None = typer.Option(None, help="Only entries from this moment (UTC)."),
) -> None:
    """Denied attempts: refused sign-ins, tokens and accesses, newest first."""
    moment = None if since is None else since.replace(tzinfo=since.tzinfo or UTC)
    with _services() as services:
        entries = services.auth.denied_attempts(limit, since=moment)
        names = {account.member.id: account.member.username for account in services.auth.accounts()}
    table = _table("Denied attempts", ("#", "when", "who", "action", "resource", "from", "reason"))
    for entry in entries:
        table.add_row(*_audit_cells(entry, names))
    console.print(table)


@audit_app.command("list")
def list_entries(
    decision: Outcome = typer.Option(Outcome.DENIED, help="Which decisions to show."),
    member: str | None = typer.Option(None, help="Only this member's (a username)."),
    since: datetime | None = typer.Option(None, help="Only entries from this moment (UTC)."),
    before: int | None = typer.Option(None, help="Only entries numbered below this (paging)."),
    limit: int = typer.Option(50, help="How many entries, newest first (1 to 200)."),
) -> None:
    """Decisions on sensitive resources, allowed or denied (denied by default), newest first;
    the last line names the --before that shows the next page."""
    moment = None if since is None else since.replace(tzinfo=since.tzinfo or UTC)
    query = AuditQuery(decision, member, moment, before, limit)
    with _services() as services:
        page = services.audit.entries(query)
    columns = ("#", "when", "who", "action", "resource", "decision", "from", "reason")
    table = _table(f"Audit trail: {query.described()}", columns)
    for entry in page.entries:
        cells = _audit_cells(entry, page.names)
        table.add_row(*cells[:5], _cell(entry.outcome), *cells[5:])
    console.print(table)
    if page.next_before is not None:
        console.print(_cell(f"More: --before {page.next_before}"))


def _audit_cells(entry: AuditEntry, names: dict[str, str]) -> list[Text]:
    who = names.get(entry.actor_member_id or "", entry.actor_member_id or "unknown")
    return [
        _cell(entry.seq),
        _cell(_when(entry.at)),
        _cell(who),
        _cell(entry.action),
        _cell(f"{entry.resource_kind}:{entry.resource_id or ''}"),
        _cell(entry.address),
        _cell(entry.reason),
    ]
