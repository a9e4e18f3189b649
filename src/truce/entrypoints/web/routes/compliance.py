"""Compliance reports and exports over HTTP (issue 10). Thin: parse, call, answer.

`/reports/daily|weekly|monthly` give the report for the day (week, month) shown, as HTML or
PDF, in English or Arabic; `edition=restricted` gives a signed-in reader their need-to-know
(anonymous readers always get the public edition). `/exports/{format}` streams the reports
the reader may list. Both go through the application's choke points, which audit them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from litestar import Controller, Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from truce.adapters.exporters import ENCODERS, MEDIA_TYPES, SUFFIXES
from truce.adapters.rendering import messages
from truce.adapters.rendering.output import MEDIA_TYPES as REPORT_MEDIA_TYPES
from truce.adapters.rendering.output import outlines_from, render, report_format
from truce.domain.compliance import Edition, Period, PeriodKind, day_of, month_of, week_of
from truce.domain.compliance_exports import parse_export_filter, parse_format
from truce.domain.errors import FieldError, InvalidInputError
from truce.entrypoints.web.deps import ServicesDep, ViewerDep

Text = Annotated[str, QueryParameter()]
Lang = Annotated[str, QueryParameter(required=False)]
Optional = Annotated[str | None, QueryParameter(required=False)]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError([FieldError(name, "must be a date such as 2017-01-04")]) from None


def _edition(value: str) -> Edition:
    try:
        return Edition(value)
    except ValueError:
        raise InvalidInputError([FieldError("edition", "must be public or restricted")]) from None


def _answer(
    services: ServicesDep, viewer: ViewerDep, period: Period, lang: str, fmt: str, edition: str
) -> Response[bytes]:
    chosen = report_format(fmt)
    messages.check_language(lang)
    wanted = _edition(edition) if viewer.member is not None else Edition.PUBLIC
    report = services.compliance.report(viewer.principal, period, wanted, viewer.address)
    body = render(report, lang, chosen, outlines_from(services.settings.boundaries))
    name = f"truce-{period.kind.value}-{period.label()}-{lang}.{chosen.value}"
    return Response(
        body,
        media_type=REPORT_MEDIA_TYPES[chosen],
        headers={
            "content-disposition": f'inline; filename="{name}"',
            # A restricted edition is one reader's: no shared cache may keep it.
            "cache-control": "private, no-store",
        },
    )


@dataclass(frozen=True, slots=True)
class _PeriodRoute:
    """One report route: its path, the query parameter naming the period, how that names
    it, and the docstring the API schema shows."""

    kind: PeriodKind
    query: str
    period_of: Callable[[str], Period]
    doc: str


_ROUTES = (
    _PeriodRoute(
        PeriodKind.DAILY,
        "date",
        lambda value: day_of(_day(value, "date")),
        "The daily compliance report for `date` (HTML or PDF, en or ar).",
    ),
    _PeriodRoute(
        PeriodKind.WEEKLY,
        "start",
        lambda value: week_of(_day(value, "start")),
        "Seven days from `start`, against the seven before.",
    ),
    _PeriodRoute(
        PeriodKind.MONTHLY,
        "month",
        lambda value: month_of(_day(f"{value}-01", "month")),
        "A calendar month (`month` as 2017-01), against the month before.",
    ),
)


def _report_handler(route: _PeriodRoute) -> HTTPRouteHandler:
    """The handler of one period's route: the same parameters, answer and audit for all."""

    def handler(
        self: Controller,
        services: ServicesDep,
        viewer: ViewerDep,
        when: str,
        lang: Lang = "en",
        format: Lang = "html",  # noqa: A002 - the query parameter's documented name
        edition: Lang = "public",
    ) -> Response[bytes]:
        del self
        return _answer(services, viewer, route.period_of(when), lang, format, edition)

    # The period's own query parameter name (date, start, month); set here because the
    # module's annotations are strings, which cannot name this closure's `route`.
    handler.__annotations__["when"] = Annotated[str, QueryParameter(name=route.query)]
    handler.__name__ = handler.__qualname__ = route.kind.value
    handler.__doc__ = route.doc
    return get(f"/{route.kind.value}", sync_to_thread=True)(handler)


class CompliancePages(Controller):
    path = "/reports"
    tags = ["compliance"]  # noqa: RUF012 - Litestar reads this class attribute

    daily, weekly, monthly = (_report_handler(route) for route in _ROUTES)


class ExportsApi(Controller):
    path = "/exports"
    tags = ["compliance"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/{export_format:str}", sync_to_thread=False)
    def export(
        self,
        services: ServicesDep,
        viewer: ViewerDep,
        export_format: FromPath[str],
        since: Optional = None,
        until: Optional = None,
        event_type: Optional = None,
        source: Optional = None,
    ) -> Stream:
        """The standing reports the reader may list, streamed (csv, geojson, hxl, acled,
        jsonl); each finished export is audited and put on the record."""
        chosen = parse_format(export_format)
        filters = parse_export_filter(since, until, event_type, source)
        chunks = services.exports.stream(
            viewer.principal, chosen, filters, ENCODERS[chosen], viewer.address
        )
        return Stream(
            chunks,
            media_type=MEDIA_TYPES[chosen],
            headers={
                "content-disposition": f'attachment; filename="truce-reports.{SUFFIXES[chosen]}"',
                "cache-control": "private, no-store",
            },
        )
