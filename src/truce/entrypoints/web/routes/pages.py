"""HTML pages. Every form is plain HTML that works without scripts; htmx only adds live
refresh. Same flow as the API: parse -> command -> service -> response."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import InvalidInputError
from truce.domain.reports import EventType, Reliability, SourceKind, parse_file_report
from truce.entrypoints.web.deps import AssetsDep, ServicesDep

FormData = URLEncodedBody[dict[str, str]]

LANGUAGES = {"en": "English", "ar": "العربية", "ru": "Русский", "tr": "Türkçe", "fa": "فارسی"}


def _options(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select; labels read as words, not identifiers."""
    return [(item.value, item.value.replace("_", " ")) for item in enum]


def _form_choices() -> dict[str, Any]:
    return {
        "source_kinds": _options(SourceKind),
        "reliabilities": _options(Reliability),
        "event_types": _options(EventType),
        "confidentialities": _options(Confidentiality),
        "languages": LANGUAGES,
    }


def _home_context(services: ServicesDep, assets: AssetsDep) -> dict[str, Any]:
    page = services.monitoring.list_reports(limit=100)
    directory = services.registry.directory()
    return {
        "reports": page.reports,
        "total": services.monitoring.count_reports(),
        "directory": directory,
        "htmx": assets.available("htmx.min.js"),
        **_form_choices(),
    }


class Pages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, services: ServicesDep, assets: AssetsDep) -> Template:
        context = _home_context(services, assets)
        context.update(values={"idempotency_key": secrets.token_urlsafe(16)}, errors={})
        return Template("home.html", context=context)

    @get("/fragments/reports", sync_to_thread=True)
    def reports_fragment(self, services: ServicesDep) -> Template:
        page = services.monitoring.list_reports(limit=100)
        context = {"reports": page.reports, "total": services.monitoring.count_reports()}
        return Template("_reports.html", context=context)

    @post("/reports", sync_to_thread=True)
    def file_report(
        self,
        data: FormData,
        services: ServicesDep,
        assets: AssetsDep,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        """The home page's form. Errors come back beside their fields with status 422."""
        try:
            # A browser's datetime-local field has no offset; the form says times are UTC.
            command = parse_file_report(data, now=services.clock.now(), assume_utc=True)
            filed = services.monitoring.file_report(command)
        except InvalidInputError as error:
            context = _home_context(services, assets)
            context.update(values=data, errors={e.field: e.message for e in error.errors})
            return Template("home.html", context=context, status_code=HTTP_422_UNPROCESSABLE_ENTITY)
        request.logger.info("report %s filed from the web form", filed.report.id)
        return Redirect(
            f"/?filed={filed.report.id}#report-{filed.report.id}", status_code=HTTP_303_SEE_OTHER
        )
