"""`truce oidc`, run as an operator would (in-process, against a throwaway SQLite)."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from support import seed_cast
from truce.bootstrap import Services, build_services
from truce.entrypoints.cli.oidc import oidc_app
from truce.settings import Settings

app = typer.Typer()
app.add_typer(oidc_app, name="oidc")

runner = CliRunner()
WIDE = {"COLUMNS": "250"}
ISSUER = "https://login.un.example"
SERVER_SECRET = "a server secret of more than thirty-two characters"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setenv("TRUCE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRUCE_KEY_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("TRUCE_SECRET_KEY", SERVER_SECRET)
    services = build_services(Settings.from_env())
    seed_cast(services.registry)
    yield services
    services.close()


def invoke(*args: str, stdin: str | None = None):
    return runner.invoke(app, ["oidc", *args], input=stdin, env=WIDE)


def add_un(*extra: str, stdin: str | None = None):
    options = ("--issuer", ISSUER, "--client-id", "truce", "--body", "un", "--label", "UN")
    return invoke("add", "un", *options, *extra, stdin=stdin)


def test_add_list_and_remove_a_provider(store):
    added = add_un("--client-secret-env", "UN_OIDC_SECRET")
    assert added.exit_code == 0, added.output
    assert "/login/oidc/un/callback" in added.output
    listed = invoke("list")
    assert listed.exit_code == 0
    assert "un" in listed.output
    assert ISSUER in listed.output
    assert "env UN_OIDC_SECRET" in listed.output
    removed = invoke("remove", "un")
    assert removed.exit_code == 0
    assert store.oidc.providers() == []


def test_a_secret_from_standard_input_is_kept_sealed(store):
    secret = "the client secret, typed once"
    added = add_un("--client-secret-stdin", stdin=secret + "\n")
    assert added.exit_code == 0, added.output
    (provider,) = store.oidc.providers()
    assert provider.sealed_client_secret is not None
    assert secret.encode() not in provider.sealed_client_secret
    assert secret not in invoke("list").output
    assert "sealed" in invoke("list").output


def test_a_refused_provider_is_explained_not_a_traceback(store):
    result = invoke(
        "add", "un", "--issuer", "http://login.example", "--client-id", "x", "--body", "un"
    )
    assert result.exit_code == 1
    assert "Refused" in result.output
    assert "https" in result.output
    assert "Traceback" not in result.output


def test_link_a_member_and_list_identities(store):
    add_un()
    linked = invoke("link", "un_mediator", "--provider", "un", "--email", "envoy@un.example")
    assert linked.exit_code == 0, linked.output
    listed = invoke("identities")
    assert "un_mediator" in listed.output
    assert "envoy@un.example" in listed.output
    assert "(at first sign-in)" in listed.output
    unlinked = invoke("unlink", "un_mediator", "--provider", "un")
    assert unlinked.exit_code == 0
    assert store.oidc.identities() == []


def test_a_member_of_another_body_is_not_linked(store):
    add_un()
    result = invoke("link", "gov_liaison", "--provider", "un", "--subject", "abc")
    assert result.exit_code == 1
    assert "serves body un" in result.output
    assert store.oidc.identities() == []


def test_providers_declared_in_settings_are_listed_and_kept(store, monkeypatch):
    declared = [
        {
            "name": "ru-mid",
            "issuer": "https://sso.mid.example",
            "client_id": "truce",
            "body": "ru",
            "client_secret_env": "RU_SECRET",
        }
    ]
    monkeypatch.setenv("TRUCE_OIDC_PROVIDERS", json.dumps(declared))
    listed = invoke("list")
    assert "ru-mid" in listed.output
    assert "settings" in listed.output
    refused = invoke("remove", "ru-mid")
    assert refused.exit_code == 1
    assert "TRUCE_OIDC_PROVIDERS" in refused.output
