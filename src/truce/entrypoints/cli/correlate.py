"""`truce correlate`: a file of reports in, one incident per report out, nothing stored."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from truce.adapters.importers import open_source
from truce.application.correlation import correlate_source
from truce.domain.errors import InvalidInputError
from truce.domain.intake import ImportKind

_console = Console(stderr=True)


class InputFormat(StrEnum):
    ACLED = "acled"
    UCDP = "ucdp"
    JSONL = "jsonl"


def correlate(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="The file of reports.")],
    input_format: Annotated[
        InputFormat, typer.Option("--format", help="acled, ucdp or jsonl (Truce's schema).")
    ],
    out: Annotated[Path, typer.Option("--out", help="The CSV to write: report_id,incident_id.")],
) -> None:
    """Correlate a file of reports into incidents with the server's engine, in memory.

    Writes one row per input row (report_id is event_id_cnty for ACLED, id for UCDP, the
    object's id or source_ref for JSON Lines); a row that cannot be read gets an empty
    incident_id. The place port has no gazetteer here: reports need coordinates to be
    placed (docs/correlation.md).
    """
    try:
        source = open_source(ImportKind(input_format.value), input_path)
    except InvalidInputError as error:
        for problem in error.errors:
            _console.print(f"{problem.field}: {problem.message}")
        raise typer.Exit(2) from None
    rows = incidents = 0
    seen: set[str] = set()
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["report_id", "incident_id"])
        for item in correlate_source(source, datetime.now(UTC)):
            writer.writerow([item.row_id, item.incident_id])
            rows += 1
            if item.incident_id and item.incident_id not in seen:
                seen.add(item.incident_id)
                incidents += 1
    _console.print(f"{rows} reports, {incidents} incidents -> {out}")
