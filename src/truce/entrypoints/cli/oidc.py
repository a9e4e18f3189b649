"""Operator verbs for organisations' OpenID Connect providers (`truce oidc`).

A provider serves the members of one body. Nobody signs in through it until the operator
links their identity: by the subject the provider knows them by, or by the email address it
will assert as verified. Thin: each verb reads its options, calls OidcService, prints.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.text import Text

from truce.application.oidc import scopes_from
from truce.domain.oidc import DEFAULT_SCOPES, OidcProvider
from truce.entrypoints.cli.users import CONSOLE, _cell, _services, _table, _when, console

oidc_app = typer.Typer(
    help="Organisations' OpenID Connect providers: add, list, remove; link members to them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

KEEP_SEALED_HELP = (
    "Read the client secret from the first line of standard input and keep it encrypted "
    "with TRUCE_SECRET_KEY (instead of --client-secret-env)."
)


@oidc_app.command("add")
def add_provider(
    name: str = typer.Argument(..., help="Short name, in URLs: lowercase letters, digits, '-'."),
    issuer: str = typer.Option(..., help="The provider's issuer URL (https)."),
    client_id: str = typer.Option(..., help="This server's client id at the provider."),
    body: str = typer.Option(..., help="Id of the body whose members sign in through it."),
    client_secret_env: str | None = typer.Option(
        None, help="Environment variable that holds the client secret when the server runs."
    ),
    client_secret_stdin: Annotated[
        bool, typer.Option("--client-secret-stdin", help=KEEP_SEALED_HELP)
    ] = False,
    label: str = typer.Option("", help="Shown on the button: 'Sign in with <label>'."),
    scope: list[str] = typer.Option(
        list(DEFAULT_SCOPES), help="A scope to ask for; repeat for several (openid is added)."
    ),
) -> None:
    """Add a provider. Without a client secret it is used as a public client (PKCE only)."""
    secret = sys.stdin.readline().rstrip("\r\n") if client_secret_stdin else None
    provider = OidcProvider(
        name=name,
        issuer=issuer,
        client_id=client_id,
        body_id=body,
        label=label,
        scopes=scopes_from(scope),
        client_secret_env=client_secret_env,
    )
    with _services() as services:
        stored = services.oidc.add_provider(provider, client_secret=secret, address=CONSOLE)
    console.print(_cell(f"Added provider {stored.name} for body {stored.body_id}."))
    console.print(_cell(f"Register this redirect URI at the provider: {_callback(stored.name)}"))


@oidc_app.command("list")
def list_providers() -> None:
    """Providers, declared (TRUCE_OIDC_PROVIDERS) and stored; never their secrets."""
    with _services() as services:
        providers = services.oidc.providers()
    columns = ("name", "label", "issuer", "body", "client id", "secret", "from")
    table = _table("OpenID Connect providers", columns)
    for provider in providers:
        table.add_row(
            _cell(provider.name),
            _cell(provider.display_name),
            _cell(provider.issuer),
            _cell(provider.body_id),
            _cell(provider.client_id),
            _cell(provider.secret_source),
            Text("settings" if provider.declared else "store"),
        )
    console.print(table)


@oidc_app.command("remove")
def remove_provider(name: str = typer.Argument(..., help="The provider to stop offering.")) -> None:
    """Stop offering a provider. Linked identities stay, for when it is added again."""
    with _services() as services:
        services.oidc.remove_provider(name, address=CONSOLE)
    console.print(_cell(f"Removed provider {name}."))


@oidc_app.command("link")
def link(
    username: str = typer.Argument(..., help="The member, of the provider's body."),
    provider: str = typer.Option(..., help="The provider's name."),
    subject: str | None = typer.Option(None, help="The member's subject (sub) at the provider."),
    email: str | None = typer.Option(
        None, help="Or the email address the provider will assert as verified."
    ),
) -> None:
    """Let a member sign in through a provider, by subject or by verified email."""
    with _services() as services:
        member = services.auth.find_member(username)
        services.oidc.link(member.id, provider, subject=subject, email=email, address=CONSOLE)
    how = f"subject {subject}" if subject is not None else f"verified email {email}"
    console.print(_cell(f"Linked {username} to {provider} by {how}."))


@oidc_app.command("unlink")
def unlink(
    username: str = typer.Argument(..., help="The member."),
    provider: str = typer.Option(..., help="The provider's name."),
) -> None:
    """Stop a member signing in through a provider (sessions already open stay open)."""
    with _services() as services:
        member = services.auth.find_member(username)
        services.oidc.unlink(member.id, provider, address=CONSOLE)
    console.print(_cell(f"Unlinked {username} from {provider}."))


@oidc_app.command("identities")
def identities() -> None:
    """Linked identities: who signs in through which provider, and since when."""
    with _services() as services:
        linked = services.oidc.identities()
        names = {account.member.id: account.member.username for account in services.auth.accounts()}
    columns = ("member", "provider", "issuer", "subject", "email", "first sign-in")
    table = _table("Linked identities", columns)
    for identity in linked:
        table.add_row(
            _cell(names.get(identity.member_id, identity.member_id)),
            _cell(identity.provider),
            _cell(identity.issuer),
            _cell(identity.subject or "(at first sign-in)"),
            _cell(identity.email),
            _cell(_when(identity.linked_at)),
        )
    console.print(table)


def _callback(name: str) -> str:
    return f"<TRUCE_PUBLIC_URL>/login/oidc/{name}/callback"
