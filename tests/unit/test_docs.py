"""Docs that cannot rot: settings, events and CLI verbs are documented, and the CLI reference
is exactly what the commands print."""

import dataclasses
import os
from pathlib import Path

import pytest

from truce.domain import events
from truce.entrypoints.cli.docs import HELP_ENV, command_paths, render
from truce.settings import setting_names

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_setting_is_documented():
    documented = (DOCS / "settings.md").read_text()
    missing = [name for name in setting_names() if f"`{name}`" not in documented]
    assert missing == []


def test_every_event_type_is_documented():
    documented = (DOCS / "events.md").read_text()
    types = [
        name
        for name, value in vars(events).items()
        if isinstance(value, type) and dataclasses.is_dataclass(value)
    ]
    assert types
    assert [name for name in types if f"`{name}`" not in documented] == []


def test_every_cli_verb_is_in_the_reference():
    reference = (DOCS / "cli.md").read_text()
    for path in command_paths():
        assert f"## `{' '.join(('truce', *path))}`" in reference


def test_the_cli_reference_is_what_the_commands_print(monkeypatch: pytest.MonkeyPatch):
    for key, value in HELP_ENV.items():
        monkeypatch.setitem(os.environ, key, value)
    expected = render()
    actual = (DOCS / "cli.md").read_text()
    assert actual == expected, (
        "docs/cli.md is stale: run `uv run python -m truce.entrypoints.cli.docs > docs/cli.md`"
    )
