"""`truce import` and `truce quarantine`: datasets in, and what could not come in.

The operator at the console is trusted (they hold the database): an import is filed by the
mechanism itself, not by a member (docs/intake.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from truce.adapters.importers import acled_deletions, inspect, open_source, pipeline
from truce.domain.errors import NotFoundError
from truce.domain.intake import ImportCounts, ImportKind
from truce.entrypoints.cli.users import _services

import_app = typer.Typer(
    help="Import a dataset file: acled, ucdp, csv (with --mapping), jsonl or hxl.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
quarantine_app = typer.Typer(
    help="Rows and submissions intake could not accept, kept for correction.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

console = Console(soft_wrap=True)

PathArg = Annotated[Path, typer.Argument(help="The file to import.")]
AgreementOpt = Annotated[
    str | None, typer.Option("--agreement", help="The agreement (needed when several exist).")
]


def _count_rows(path: Path) -> int:
    """Lines in the file, for the progress bar's total (a quoted newline counts twice,
    so the bar may finish a little early; the summary counts rows exactly)."""
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


def _summary(counts: ImportCounts, resumed_from: int) -> None:
    table = Table(title="Import summary")
    for column in ("read", "imported", "updated", "unchanged", "quarantined"):
        table.add_column(column, justify="right")
    values = counts.as_dict()
    table.add_row(
        *(f"{values[c]:,}" for c in ("read", "imported", "updated", "unchanged", "quarantined"))
    )
    console.print(table)
    if resumed_from:
        console.print(f"Resumed an interrupted import after row {resumed_from:,}.")
    if counts.quarantined:
        console.print("See what was quarantined and why: truce quarantine list")


def _run(kind: ImportKind, path: Path, mapping: Path | None, agreement: str | None) -> None:
    with _services() as services:
        source = open_source(kind, path, mapping)
        total = max(_count_rows(path) - 1, 0)
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(f"{kind.value} {path.name}", total=total)

            def advance(done: int) -> None:
                bar.update(task, completed=done)

            derived = bar.add_task("correlating and placing", total=None, start=False)

            def derive(done: int) -> None:
                bar.start_task(derived)
                bar.update(derived, completed=done, total=max(done, total))

            result = services.intake.import_file(
                source,
                agreement_id=agreement,
                progress=advance,
                derived_progress=derive,
                # A large file is prepared in a second process while this one writes.
                pipeline=(
                    pipeline.preparing_in(services.settings.import_workers)
                    if pipeline.choose(total)
                    else None
                ),
            )
            bar.update(task, completed=result.counts.read, total=result.counts.read)
            done = bar.tasks[derived].completed
            bar.update(derived, completed=done, total=done)
        _summary(result.counts, result.resumed_from)


@import_app.command("finish")
def import_finish() -> None:
    """Correlate and place the reports of an import that stopped before its last pass
    (the next import does it too). Nothing to do is fine."""
    with _services() as services:
        waiting = services.intake.pending_derived()
        done = services.intake.finish_derived()
        console.print(f"Correlated and placed: {done:,} reports ({waiting:,} were waiting).")


@import_app.command("acled")
def import_acled(
    path: PathArg,
    agreement: AgreementOpt = None,
    deletions: Annotated[
        bool,
        typer.Option("--deletions", help="PATH is ACLED's deletions file: withdraw those events."),
    ] = False,
) -> None:
    """ACLED CSV (31 columns), upserted by event_id_cnty and its timestamp."""
    if deletions:
        with _services() as services:
            inspect(path)  # refuses nothing, but fails early on an unreadable file
            with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
                counts = services.intake.withdraw(acled_deletions(handle), "acled")
            console.print(
                f"Withdrawn: {counts.updated:,}; already withdrawn: {counts.unchanged:,};"
                f" read: {counts.read:,}."
            )
        return
    _run(ImportKind.ACLED, path, None, agreement)


@import_app.command("ucdp")
def import_ucdp(path: PathArg, agreement: AgreementOpt = None) -> None:
    """UCDP GED CSV of any release (41, 42 or 49 columns), keyed by its id."""
    _run(ImportKind.UCDP, path, None, agreement)


@import_app.command("csv")
def import_csv(
    path: PathArg,
    mapping: Annotated[Path, typer.Option("--mapping", help="TOML column-mapping file.")],
    agreement: AgreementOpt = None,
) -> None:
    """Any CSV, with a column-mapping file naming which column fills which report field."""
    _run(ImportKind.CSV, path, mapping, agreement)


@import_app.command("jsonl")
def import_jsonl(path: PathArg, agreement: AgreementOpt = None) -> None:
    """JSON Lines in Truce's own schema (docs/report.schema.json), one report a line."""
    _run(ImportKind.JSONL, path, None, agreement)


@import_app.command("hxl")
def import_hxl(path: PathArg, agreement: AgreementOpt = None) -> None:
    """HXL-tagged CSV (#date, #geo+lat, #geo+lon, #event+type, #description ...)."""
    _run(ImportKind.HXL, path, None, agreement)


@quarantine_app.command("list")
def quarantine_list(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """Quarantined rows with their reasons, newest first (resolved ones marked)."""
    with _services() as services:
        rows = services.intake.quarantine_all(limit)
        table = Table(title=f"Quarantine ({services.intake.quarantine_count():,} open)")
        for column in ("id", "kind", "file", "line", "reasons", "resolved by"):
            table.add_column(column)
        for row in rows:
            reasons = "; ".join(f"{r.field}: {r.message}" for r in row.reasons)
            table.add_row(
                row.id,
                row.kind,
                Text(row.file_name),
                str(row.line),
                Text(reasons),
                row.resolved_report_id or "",
            )
        console.print(table)


@quarantine_app.command("show")
def quarantine_show(row_id: Annotated[str, typer.Argument(help="The row's id.")]) -> None:
    """One quarantined row: its raw text, where it came from, every reason."""
    with _services() as services:
        try:
            row = services.intake.quarantined_row(row_id)
        except NotFoundError:
            console.print(Text(f"No quarantined row {row_id}", style="red"))
            raise typer.Exit(1) from None
        console.print(Text(f"{row.id}  {row.kind}  {row.file_name} line {row.line}"))
        console.print(Text(f"file sha256 {row.file_sha256}"))
        console.print(Text(f"quarantined {row.quarantined_at.isoformat()}"))
        for reason in row.reasons:
            console.print(Text(f"- {reason.field}: {reason.message}"))
        console.print(Text("raw:"))
        console.print(Text(row.raw))
        if row.resolved_report_id:
            console.print(Text(f"resolved by report {row.resolved_report_id}"))
