"""`truce report` (daily, weekly, monthly compliance reports), `truce export` (streamed
exports) and `truce import bulletins`.

An edition follows a member's need-to-know (`--as USERNAME`, restricted) or is public (the
default): the console names whose eyes a file is for, as the web does by who is signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from truce.adapters.exporters import ENCODERS
from truce.adapters.importers.bulletins import open_bulletins
from truce.adapters.rendering.output import outlines_from, render, report_format
from truce.bootstrap import Services
from truce.domain.access import ANONYMOUS, Principal
from truce.domain.compliance import Edition, Period, day_of, month_of, week_of
from truce.domain.compliance_exports import parse_export_filter, parse_format
from truce.domain.errors import FieldError, InvalidInputError
from truce.entrypoints.cli.users import _services

report_app = typer.Typer(
    help="Compliance reports: daily, weekly and monthly, in HTML or PDF, Arabic or English.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
console = Console(soft_wrap=True)

LangOpt = Annotated[str, typer.Option("--lang", help="Language: en or ar (right-to-left).")]
FormatOpt = Annotated[str, typer.Option("--format", help="html or pdf.")]
OutOpt = Annotated[Path, typer.Option("--out", help="The file to write.")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="A restricted edition with this member's need-to-know."),
]
BoundariesOpt = Annotated[
    str | None,
    typer.Option(
        "--boundaries",
        help="OCHA admin-1 GeoJSON (or its folder) for the map; default TRUCE_BOUNDARIES.",
    ),
]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError([FieldError(name, "must be a date such as 2017-01-04")]) from None


def _reader(services: Services, username: str | None) -> tuple[Principal, Edition]:
    if username is None:
        return ANONYMOUS, Edition.PUBLIC
    return services.compliance.principal_named(username), Edition.RESTRICTED


def _write(
    period_of: Callable[[], Period],
    lang: str,
    fmt: str,
    out: Path,
    username: str | None,
    boundaries: str | None,
) -> None:
    # The period is parsed inside the one block that builds the services, so a bad date is
    # printed as a refusal like any other, without building the services twice.
    with _services() as services:
        period = period_of()
        chosen = report_format(fmt)
        outlines = outlines_from(
            boundaries if boundaries is not None else services.settings.boundaries
        )
        principal, edition = _reader(services, username)
        report = services.compliance.report(principal, period, edition, address="console")
        out.write_bytes(render(report, lang, chosen, outlines))
    console.print(
        f"Wrote the {edition.value} {period.kind.value} report {period.label()} "
        f"({lang}, {chosen.value}, {report.figures.total} reports) to {out}",
        markup=False,
    )


def _period_command(
    name: str, option: str, option_help: str, period_of: Callable[[str], Period], doc: str
) -> None:
    """Register `truce report NAME`: every period's command takes the same options but the
    one naming the period (--date, --start, --month), and writes the same way."""

    def command(
        when: str,
        out: OutOpt,
        lang: LangOpt = "en",
        fmt: FormatOpt = "pdf",
        username: AsOpt = None,
        boundaries: BoundariesOpt = None,
    ) -> None:
        _write(lambda: period_of(when), lang, fmt, out, username, boundaries)

    # The period's own option; set here because the module's annotations are strings,
    # which cannot name this closure's values.
    command.__annotations__["when"] = Annotated[str, typer.Option(option, help=option_help)]
    command.__name__ = command.__qualname__ = name
    command.__doc__ = doc
    report_app.command(name)(command)


_period_command(
    "daily",
    "--date",
    "The day, e.g. 2017-01-04.",
    lambda value: day_of(_day(value, "date")),
    "One day's report: counts per governorate, party accused, type and reporting side.",
)
_period_command(
    "weekly",
    "--start",
    "The week's first day.",
    lambda value: week_of(_day(value, "start")),
    "Seven days from --start, against the seven before.",
)
_period_command(
    "monthly",
    "--month",
    "The month, e.g. 2017-01.",
    lambda value: month_of(_day(f"{value}-01", "month")),
    "A calendar month, against the month before.",
)


def export(
    export_format: Annotated[str, typer.Argument(help="csv, geojson, hxl, acled or jsonl.")],
    out: OutOpt,
    since: Annotated[str | None, typer.Option("--since", help="First report day.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last report day.")] = None,
    event_type: Annotated[str | None, typer.Option("--event-type", help="One type.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="One source name.")] = None,
    username: AsOpt = None,
) -> None:
    """Export the standing reports the reader may list (public without --as), streamed to
    a file in flat memory; the export is audited and put on the record (export.made)."""
    with _services() as services:
        chosen = parse_format(export_format)
        filters = parse_export_filter(since, until, event_type, source)
        principal, _ = _reader(services, username)
        chunks = services.exports.stream(
            principal, chosen, filters, ENCODERS[chosen], address="console"
        )
        with out.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    console.print(f"Wrote the {chosen.value} export to {out}", markup=False)


def import_bulletins(
    path: Annotated[Path, typer.Argument(help="A bulletins CSV (docs/reports.md).")],
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="The agreement (needed when several).")
    ] = None,
) -> None:
    """The sides' daily violation bulletins: one report per counted violation, and the
    sides' confirmation figures on the record."""
    with _services() as services:
        source, statements = open_bulletins(path)
        result = services.intake.import_file(source, agreement_id=agreement)
        stated = services.compliance.state_confirmations(statements)
    counts = result.counts.as_dict()
    console.print(
        f"Bulletins {path.name}: {counts['imported']} reports imported, "
        f"{counts['unchanged']} unchanged, {counts['quarantined']} quarantined; "
        f"{stated} confirmation statements put on the record.",
        markup=False,
    )
