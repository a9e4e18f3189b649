"""HTML pages. Every form is plain HTML that works without scripts; htmx only adds live
refresh. Same flow as the API: parse -> command -> service -> response."""

from __future__ import annotations

import secrets
from enum import StrEnum
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_401_UNAUTHORIZED,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from truce.domain.auth import (
    AuthenticationError,
    SecondFactorRequiredError,
    TooManyAttemptsError,
)
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import InvalidInputError
from truce.domain.reports import EventType, Reliability, SourceKind, parse_file_report
from truce.entrypoints.web.auth import SESSION_COOKIE, Viewer, client_address
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep
from truce.entrypoints.web.routes.account import signed_in_response, start_second_factor

FormData = URLEncodedBody[dict[str, str]]

LANGUAGES = {"en": "English", "ar": "العربية", "ru": "Русский", "tr": "Türkçe", "fa": "فارسی"}


def _options(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select; labels read as words, not identifiers."""
    return [(item.value, item.value.replace("_", " ")) for item in enum]


def form_errors(error: InvalidInputError) -> dict[str, str]:
    """Each error by the form field it belongs beside: the parser names the observer's
    fields `observer.<name>`, the form `observer_<name>`."""
    return {e.field.replace("observer.", "observer_"): e.message for e in error.errors}


def form_choices() -> dict[str, Any]:
    return {
        "source_kinds": _options(SourceKind),
        "reliabilities": _options(Reliability),
        "event_types": _options(EventType),
        "confidentialities": _options(Confidentiality),
        "languages": LANGUAGES,
    }


def _home_context(services: ServicesDep, assets: AssetsDep, viewer: Viewer) -> dict[str, Any]:
    page = services.monitoring.list_reports(viewer.principal, 100, address=viewer.address)
    return {
        "reports": page.reports,
        "total": services.monitoring.count_reports(viewer.principal),
        "directory": services.registry.directory(),
        "htmx": assets.available("htmx.min.js"),
        "viewer": viewer,
        **form_choices(),
    }


class Pages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep) -> Template:
        context = _home_context(services, assets, viewer)
        context.update(values={"idempotency_key": secrets.token_urlsafe(16)}, errors={})
        return Template("home.html", context=context)

    @get("/fragments/reports", sync_to_thread=True)
    def reports_fragment(self, services: ServicesDep, viewer: ViewerDep) -> Template:
        page = services.monitoring.list_reports(viewer.principal, 100, address=viewer.address)
        total = services.monitoring.count_reports(viewer.principal)
        return Template("_reports.html", context={"reports": page.reports, "total": total})

    @post("/reports", sync_to_thread=True)
    def file_report(
        self,
        data: FormData,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        """The home page's form. Errors come back beside their fields with status 422."""
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        try:
            # A browser's datetime-local field has no offset; the form says times are UTC.
            command = parse_file_report(data, now=services.clock.now(), assume_utc=True)
            filed = services.monitoring.file_report(command, viewer.member, viewer.address)
        except InvalidInputError as error:
            context = _home_context(services, assets, viewer)
            context.update(values=data, errors=form_errors(error))
            return Template("home.html", context=context, status_code=HTTP_422_UNPROCESSABLE_ENTITY)
        request.logger.info("report %s filed from the web form", filed.report.id)
        return Redirect(
            f"/?filed={filed.report.id}#report-{filed.report.id}", status_code=HTTP_303_SEE_OTHER
        )


class SessionPages(Controller):
    """Sign-in and sign-out with a server-side session in an HttpOnly, SameSite cookie."""

    path = "/"
    include_in_schema = False

    @get("/login", sync_to_thread=False)
    def login_form(self, assets: AssetsDep) -> Template:
        return Template("login.html", context=_login_context(assets))

    @post("/login", sync_to_thread=True)
    def login(
        self,
        data: FormData,
        services: ServicesDep,
        assets: AssetsDep,
        request: Request[Any, Any, Any],
    ) -> Template | Redirect:
        username = data.get("username", "").strip()
        try:
            signed_in = services.auth.login(
                username, data.get("password", ""), client_address(request)
            )
        except TooManyAttemptsError as error:
            context = _login_context(assets, username, "Too many attempts. Try again later.")
            throttled = Template("login.html", context=context, status_code=429)
            throttled.headers["Retry-After"] = str(error.retry_after_seconds)
            return throttled
        except SecondFactorRequiredError as waiting:
            return start_second_factor(waiting.pending, services)
        except AuthenticationError:
            # One message for every failure: it must not tell which part was wrong.
            context = _login_context(assets, username, "Sign-in failed.")
            return Template("login.html", context=context, status_code=HTTP_401_UNAUTHORIZED)
        return signed_in_response(signed_in, services)

    @post("/logout", sync_to_thread=True)
    def logout(self, services: ServicesDep, request: Request[Any, Any, Any]) -> Redirect:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            services.auth.logout(session_id)
        response = Redirect("/", status_code=HTTP_303_SEE_OTHER)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _login_context(assets: AssetsDep, username: str = "", error: str = "") -> dict[str, Any]:
    return {
        "username": username,
        "error": error,
        "htmx": assets.available("htmx.min.js"),
        "viewer": None,
    }
