"""Generates docs/cli.md from the commands' own --help, so the reference cannot rot.

    uv run python -m truce.entrypoints.cli.docs > docs/cli.md

tests/unit/test_docs.py fails when the file and the commands disagree.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import typer
from typer.testing import CliRunner

from truce.entrypoints.cli.main import app

# A fixed width and no colour make the rendering the same on every machine.
HELP_ENV = {"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    # Typer bundles its own copy of click, so groups are recognised by what they hold.
    children: dict[str, object] = getattr(command, "commands", {})
    for name in sorted(children):
        yield from _commands(children[name], (*path, name))


def command_paths() -> list[tuple[str, ...]]:
    return list(_commands(typer.main.get_command(app)))


def render() -> str:
    runner = CliRunner()
    parts = [
        "# CLI reference\n",
        "Generated from `--help` by `uv run python -m truce.entrypoints.cli.docs > docs/cli.md`;",
        "a test fails when this file and the commands disagree.\n",
    ]
    for path in command_paths():
        result = runner.invoke(app, [*path, "--help"], env=HELP_ENV, prog_name="truce")
        title = " ".join(("truce", *path))
        parts.append(f"## `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    os.environ.update(HELP_ENV)
    print(render(), end="")  # noqa: T201 - the generator writes to standard output
