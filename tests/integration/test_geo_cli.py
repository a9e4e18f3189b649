"""`truce geo ...` as an operator runs it, on a throwaway SQLite and a small made-up country."""

import json

import pytest
from typer.testing import CliRunner

from geo_support import square, write_country
from truce.entrypoints.cli.main import app

runner = CliRunner()


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUCE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRUCE_KEY_DIR", str(tmp_path / "keys"))
    return tmp_path


def invoke(*args):
    result = runner.invoke(app, ["geo", *args])
    return result.exit_code, result.output


def test_geo_load_resolve_and_reverse(store):
    folder = write_country(store / "cod")
    code, out = invoke("load", str(folder))
    assert code == 0, out
    assert "syr_admin3.geojson: 4 added" in out
    code, out = invoke("load", str(folder))
    assert "syr_admin3.geojson: 0 added, 0 changed, 4 unchanged" in out
    code, out = invoke("resolve", "عين الفيجة")
    assert code == 0, out
    assert "SY030702" in out
    assert "عين الفيجة" in out  # printed as is, right to left left to the terminal
    code, out = invoke("resolve", "Suran", "--within", "Nowhere at all")
    assert code == 2
    assert "names no known unit" in out
    code, out = invoke("reverse", "33.1", "36.3")
    assert code == 0, out
    assert "SY0307" in out
    code, _ = invoke("reverse", "10", "10")
    assert code == 1


def test_geo_load_names_a_file_it_cannot_read(store):
    bad = store / "broken.geojson"
    bad.write_text("{not json")
    code, out = invoke("load", str(bad))
    assert code == 2
    assert "broken.geojson: not JSON" in out


def test_geo_zones_load_needs_a_known_agreement(store):
    path = store / "zones.geojson"
    feature = {
        "type": "Feature",
        "geometry": square(36.2, 33.0, 0.1),
        "properties": {"id": "spring", "kind": "protected_site"},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    code, out = invoke("zones", "load", str(path), "--agreement", "nope")
    assert code == 2
    assert "agreement names no known agreement" in out


@pytest.mark.parametrize(
    "verb", [["load"], ["resolve"], ["reverse"], ["zones", "load"], ["zones", "at"], ["alias"]]
)
def test_every_geo_verb_explains_itself(verb):
    result = runner.invoke(app, ["geo", *verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
