"""The `truce` command, run as an operator would (in-process, against a throwaway SQLite)."""

from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from truce.adapters.sql.engine import make_engine
from truce.entrypoints.cli.main import app

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TRUCE_DATABASE_URL", url)
    monkeypatch.setenv("TRUCE_KEY_DIR", str(tmp_path / "keys"))
    return url


@pytest.mark.parametrize("verb", [[], ["serve"], ["demo"], ["db"], ["db", "upgrade"]])
def test_every_verb_explains_itself(verb):
    result = runner.invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_db_upgrade_brings_an_empty_store_to_head(store):
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "empty ->" in result.output
    engine = make_engine(store)
    assert {"reports", "agreements", "members"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0


def test_demo_seed_only_seeds_the_astana_case_and_exits(store):
    result = runner.invoke(app, ["demo", "--seed-only"])
    assert result.exit_code == 0, result.output
    assert "Seeded the Astana case" in result.output
    assert "6 reports" in result.output
    for username in ("gov_liaison", "opposition_liaison", "guarantor_ru", "observer_us"):
        assert username in result.output
    again = runner.invoke(app, ["demo", "--seed-only"])
    assert "Already seeded" in again.output


def test_a_bad_setting_is_named(monkeypatch):
    monkeypatch.setenv("TRUCE_DEBUG", "perhaps")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "TRUCE_DEBUG must be true or false" in str(result.exception)
