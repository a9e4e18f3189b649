"""`truce user enrol-link`, run as an operator would, on the suite's store: SQLite in the first
pass, PostgreSQL as the application role in the second (the command commits for real, so the
tables are emptied afterwards by `clean_engine`)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from cast import ADMIN
from support import seed_cast
from truce.application.administration import NewAccount
from truce.application.audit import AuditQuery, Outcome
from truce.application.auth import Enrolment
from truce.bootstrap import Services, build_services
from truce.domain.access import Action, Principal
from truce.domain.auth import AuditEntry, AuthenticationError
from truce.domain.parties import Member
from truce.entrypoints.cli.users import users_app
from truce.settings import Settings

app = typer.Typer()
app.add_typer(users_app, name="user")

runner = CliRunner()
WIDE = {"COLUMNS": "200"}
SERVER = "https://truce.example.org"
PASSWORD = "correct horse battery staple"
HERE = "192.0.2.10"
NEWCOMER = NewAccount("monitor_hama", "Monitor, Hama", "mechanism", ("monitor",))


@pytest.fixture
def store(
    database_url: str, clean_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Services]:
    """The cast on the suite's store, and services over it to check what the command did."""
    del clean_engine  # asked for its cleaning afterwards
    monkeypatch.setenv("TRUCE_DATABASE_URL", database_url)
    monkeypatch.setenv("TRUCE_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("TRUCE_PUBLIC_URL", raising=False)
    services = build_services(Settings.from_env())
    seed_cast(services.registry)
    yield services
    services.close()


@pytest.fixture
def operator(store: Services) -> Principal:
    del store  # the cast is seeded there
    return ADMIN


@pytest.fixture
def opened(store: Services, operator: Principal) -> Enrolment:
    """An account opened on the web, its member not yet enrolled."""
    return store.administration.open_account(operator, NEWCOMER, HERE)


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["user", "enrol-link", *args], env={**WIDE, **(env or {})})


def issued_link(output: str) -> str:
    """The link: alone on the last line, as an operator's script would take it."""
    return output.strip().splitlines()[-1]


def secret_of(link: str) -> str:
    return link.split("/enrol/", 1)[1].split("?", 1)[0]


def renewals(store: Services, member: Member) -> list[AuditEntry]:
    entries = store.audit.entries(AuditQuery(Outcome.ALLOWED, limit=200)).entries
    return [e for e in entries if e.resource_id == member.id and "renewed" in e.reason]


def test_the_link_lets_the_member_choose_a_password_and_voids_the_earlier_one(store, opened):
    result = invoke(opened.member.username, "--base-url", SERVER + "/")
    assert result.exit_code == 0, result.output
    link = issued_link(result.stdout)
    assert link.startswith(f"{SERVER}/enrol/")
    assert "usable once until" in result.stdout
    assert f"{opened.expires_at:%Y-%m-%d}" in result.stdout
    secret = secret_of(link)
    assert store.auth.enrolment(secret).id == opened.member.id
    with pytest.raises(AuthenticationError):
        store.auth.enrolment(opened.secret)
    store.auth.enrol(secret, PASSWORD, HERE)
    assert store.auth.login(opened.member.username, PASSWORD, HERE).member.id == opened.member.id


def test_the_console_leaves_the_audit_entry_the_web_leaves(store, operator, opened):
    assert invoke(opened.member.username, "--base-url", SERVER).exit_code == 0
    store.administration.renew_enrolment(operator, opened.member.id, HERE)
    console, web = sorted(renewals(store, opened.member), key=lambda e: e.seq or 0)
    assert (console.action, console.resource_kind, console.allowed) == (
        web.action,
        web.resource_kind,
        web.allowed,
    )
    assert console.action == Action.ADMINISTER
    assert console.reason.split(", usable")[0] == web.reason.split(", usable")[0]
    assert (console.address, console.actor_member_id) == ("console", None)
    assert (web.address, web.actor_member_id) == (HERE, operator.member_id)


def test_the_link_carries_the_members_language_and_the_public_url_serves_as_base(store, operator):
    arabic = NewAccount("monitor_homs", "Monitor, Homs", "mechanism", ("monitor",), "ar")
    opened = store.administration.open_account(operator, arabic, HERE)
    result = invoke("monitor_homs", env={"TRUCE_PUBLIC_URL": SERVER})
    assert result.exit_code == 0, result.output
    link = issued_link(result.stdout)
    assert link.startswith(f"{SERVER}/enrol/")
    assert link.endswith("?lang=ar")
    assert store.auth.enrolment(secret_of(link)).id == opened.member.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--base-url", SERVER), "no account is named 'nobody_here'"),
        ((), "pass --base-url"),
        (("--base-url", "truce.example.org"), "must be an http(s) address"),
        (("--base-url", "ftp://truce.example.org"), "must be an http(s) address"),
        (("--base-url", f"{SERVER}/?x=1"), "must be an http(s) address"),
    ],
)
def test_a_refusal_names_what_is_wrong_and_issues_nothing(store, opened, args, message):
    username = "nobody_here" if "no account" in message else opened.member.username
    result = invoke(username, *args)
    assert result.exit_code == 1
    assert "Refused:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert "/enrol/" not in result.output
    # The link the web page showed still works: nothing was renewed.
    assert store.auth.enrolment(opened.secret).id == opened.member.id
    assert renewals(store, opened.member) == []


def test_an_account_whose_member_chose_a_password_gets_no_link(store, opened):
    store.auth.enrol(opened.secret, PASSWORD, HERE)
    result = invoke(opened.member.username, "--base-url", SERVER)
    assert result.exit_code == 1
    assert "Refused: the member has chosen a password already" in result.output
    assert "/enrol/" not in result.output
    assert "Traceback" not in result.output
