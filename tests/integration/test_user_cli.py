"""`truce user`, `truce token` and `truce audit`, run as an operator would (in-process, against
a throwaway SQLite). The apps are mounted here as main.py mounts them."""

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from support import START, seed_cast
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import Services, build_services
from truce.domain.auth import AuthenticationError, Scope
from truce.domain.passkeys import Passkey
from truce.entrypoints.cli.users import audit_app, tokens_app, users_app
from truce.settings import Settings

app = typer.Typer()
app.add_typer(users_app, name="user")
app.add_typer(tokens_app, name="token")
app.add_typer(audit_app, name="audit")

runner = CliRunner()
WIDE = {"COLUMNS": "200"}
PASSWORD = "correct horse battery staple"
HERE = "192.0.2.10"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """A seeded store, and services over it to check what the commands did."""
    monkeypatch.setenv("TRUCE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRUCE_KEY_DIR", str(tmp_path / "keys"))
    services = build_services(Settings.from_env())
    seed_cast(services.registry)
    yield services
    services.close()


def invoke(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin, env=WIDE)


def add(username: str, *options: str, password: str = PASSWORD):
    return invoke("user", "add", username, *options, "--password-stdin", stdin=password + "\n")


MONITOR_OPTIONS = ("--title", "Monitor, Idlib", "--body", "mechanism", "--role", "monitor")


@pytest.mark.parametrize(
    "verb",
    [
        ["user"],
        ["user", "add"],
        ["user", "enrol-link"],
        ["user", "disable"],
        ["user", "enable"],
        ["user", "reset-password"],
        ["user", "reset-factors"],
        ["user", "list"],
        ["token"],
        ["token", "issue"],
        ["token", "revoke"],
        ["token", "list"],
        ["audit"],
        ["audit", "denied"],
    ],
)
def test_every_verb_explains_itself(verb):
    result = runner.invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_an_added_member_signs_in_with_the_password_read_from_stdin(store):
    result = add("monitor_idlib", *MONITOR_OPTIONS)
    assert result.exit_code == 0, result.output
    assert "Added monitor_idlib (monitor) to mechanism." in result.output
    assert PASSWORD not in result.output
    assert store.auth.login("monitor_idlib", PASSWORD, HERE).member.title == "Monitor, Idlib"


def test_the_password_is_asked_twice_and_never_echoed(store):
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    result = invoke("user", "add", "monitor_hama", *MONITOR_OPTIONS, stdin=typed)
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    store.auth.login("monitor_hama", PASSWORD, HERE)


def test_a_mistyped_confirmation_adds_nobody(store):
    typed = f"{PASSWORD}\nsomething else entirely\n"
    result = invoke("user", "add", "monitor_hama", *MONITOR_OPTIONS, stdin=typed)
    assert result.exit_code != 0
    assert "monitor_hama" not in invoke("user", "list").output


@pytest.mark.parametrize(
    ("options", "password", "message"),
    [
        (("--title", "T", "--body", "gov", "--role", "monitor"), PASSWORD, "cannot be held"),
        (("--title", "T", "--body", "atlantis", "--role", "monitor"), PASSWORD, "no known body"),
        (MONITOR_OPTIONS, "short", "at least 12 characters"),
    ],
)
def test_a_refused_member_is_explained_without_a_traceback(store, options, password, message):
    result = add("monitor_x", *options, password=password)
    assert result.exit_code == 1
    assert "Refused:" in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert "monitor_x" not in invoke("user", "list").output


def test_a_taken_username_is_refused(store):
    result = add("monitor", *MONITOR_OPTIONS)
    assert result.exit_code == 1
    assert "taken" in result.output


def test_the_list_shows_each_account_and_what_it_can_sign_in_with(store):
    assert add("monitor_idlib", *MONITOR_OPTIONS).exit_code == 0
    result = invoke("user", "list")
    assert result.exit_code == 0
    cells = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in result.output.splitlines()
        if "│" in line
    ]
    rows = {row[0]: row for row in cells}
    # username, title, body, roles | active, password, second factor
    assert rows["monitor_idlib"][1:] == [
        "Monitor, Idlib",
        "mechanism",
        "monitor",
        "yes",
        "yes",
        "no",
    ]
    assert rows["un_mediator"][4:] == ["yes", "no", "no"]
    assert "Office of the UN" not in result.output  # bodies by id, never a long name


def test_a_disabled_member_cannot_sign_in_until_enabled(store):
    add("monitor_idlib", *MONITOR_OPTIONS)
    session_id = store.auth.login("monitor_idlib", PASSWORD, HERE).session_id
    assert invoke("user", "disable", "monitor_idlib").exit_code == 0
    with pytest.raises(AuthenticationError):
        store.auth.session_member(session_id)
    with pytest.raises(AuthenticationError):
        store.auth.login("monitor_idlib", PASSWORD, HERE)
    assert invoke("user", "enable", "monitor_idlib").exit_code == 0
    store.auth.login("monitor_idlib", PASSWORD, HERE)


def test_an_unknown_username_is_not_found(store):
    for verb in ("disable", "enable"):
        result = invoke("user", verb, "nobody_at_all")
        assert result.exit_code == 1
        assert "member not found" in result.output


def test_a_reset_password_replaces_the_old_one_and_ends_sessions(store):
    add("monitor_idlib", *MONITOR_OPTIONS)
    session_id = store.auth.login("monitor_idlib", PASSWORD, HERE).session_id
    new = "an entirely new passphrase"
    result = invoke("user", "reset-password", "monitor_idlib", "--password-stdin", stdin=new)
    assert result.exit_code == 0, result.output
    assert new not in result.output
    with pytest.raises(AuthenticationError):
        store.auth.session_member(session_id)
    with pytest.raises(AuthenticationError):
        store.auth.login("monitor_idlib", PASSWORD, HERE)
    store.auth.login("monitor_idlib", new, HERE)


def test_a_token_is_printed_once_and_works_until_revoked(store):
    result = invoke(
        "token", "issue", "monitor", "--scope", "reports:read", "--scope", "record:read",
        "--days", "30", "--label", "ACLED import",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    token = lines[-1]
    assert token.startswith("truce_")
    assert result.output.count(token) == 1
    holder = store.auth.authenticate_token(token, scope=Scope.RECORD_READ)
    assert holder.member.username == "monitor"
    assert f"Token {holder.token_id} for monitor (record:read reports:read)" in result.output

    listed = invoke("token", "list")
    assert listed.exit_code == 0
    assert holder.token_id in listed.output
    assert "ACLED import" in listed.output
    assert "active" in listed.output
    assert token.split("_", 2)[2] not in listed.output

    assert invoke("token", "revoke", holder.token_id).exit_code == 0
    with pytest.raises(AuthenticationError):
        store.auth.authenticate_token(token)
    assert "revoked" in invoke("token", "list", "--username", "monitor").output


def test_a_token_needs_a_known_scope_and_a_sane_lifetime(store):
    unknown = invoke("token", "issue", "monitor", "--scope", "everything")
    assert unknown.exit_code != 0
    too_long = invoke("token", "issue", "monitor", "--scope", "admin", "--days", "9999")
    assert too_long.exit_code == 1
    assert "days" in too_long.output
    assert invoke("token", "revoke", "0123456789abcdef").exit_code == 1
    assert store.auth.list_tokens() == []


def test_denied_attempts_are_listed_with_hostile_text_escaped(store):
    add("monitor_idlib", *MONITOR_OPTIONS)
    with pytest.raises(AuthenticationError):
        store.auth.login("monitor_idlib", "not the password at all", "\x1b[31m10.0.0.1\u202e")
    result = invoke("audit", "denied")
    assert result.exit_code == 0
    assert "wrong password" in result.output
    assert "monitor_idlib" in result.output
    assert "\\x1b[31m10.0.0.1\\u202e" in result.output
    assert "\x1b" not in result.output
    assert "\u202e" not in result.output
    later = invoke("audit", "denied", "--since", "2999-01-01")
    assert "wrong password" not in later.output


def lost_phone(store: Services, username: str) -> tuple[str, str]:
    """A member with a confirmed authenticator, two passkeys and a live session."""
    member = store.auth.find_member(username)
    store.auth.set_password(member.id, PASSWORD)
    session = store.auth.login(username, PASSWORD, HERE).session_id
    uow_factory = SqlUnitOfWorkFactory(store.engine)
    with uow_factory() as uow:
        credential = uow.accounts.credential(member.id)
        sealed = replace(credential, totp_secret=b"sealed seed", totp_confirmed=True)
        uow.accounts.save_credential(sealed)
        for n in (1, 2):
            uow.passkeys.add(
                Passkey(
                    credential_id=f"cred-{n}",
                    member_id=member.id,
                    name=f"key {n}",
                    public_key=b"\xa5cose",
                    sign_count=0,
                    transports=("usb",),
                    created_at=START,
                )
            )
        uow.commit()
    return member.id, session


def test_reset_factors_asks_first_and_changes_nothing_when_refused(store):
    member_id, _ = lost_phone(store, "monitor")
    result = invoke("user", "reset-factors", "monitor", stdin="n\n")
    assert result.exit_code == 1
    assert "an authenticator, 2 passkey(s)" in result.output
    factors = store.auth.factors(member_id)
    assert factors.totp
    assert len(factors.passkeys) == 2


def test_reset_factors_removes_every_factor_audited_and_on_the_record(store):
    member_id, session = lost_phone(store, "monitor")
    result = invoke("user", "reset-factors", "monitor", stdin="y\n")
    assert result.exit_code == 0, result.output
    assert "Removed the authenticator and 2 passkey(s) of monitor" in result.output
    factors = store.auth.factors(member_id)
    assert not factors.totp
    assert factors.passkeys == ()
    with pytest.raises(AuthenticationError):
        store.auth.session_member(session)
    removed = [
        json.loads(entry.body)["factor"]
        for entry in store.record.history(f"member:{member_id}")
        if json.loads(entry.body)["kind"] == "member.factor_removed"
    ]
    assert sorted(removed) == ["passkey", "passkey", "totp"]
    reasons = [e.reason for e in store.auth.audit_entries() if e.address == "console"]
    assert "authenticator removed" in reasons
    assert "passkey removed: key 2" in reasons
    assert any(reason.startswith("second factors reset") for reason in reasons)
    # The member signs in with the password alone again.
    assert store.auth.login("monitor", PASSWORD, HERE).member.id == member_id


def test_reset_factors_of_an_unknown_account_is_refused(store):
    result = invoke("user", "reset-factors", "nobody", "--yes")
    assert result.exit_code == 1
    assert "Refused" in result.output
