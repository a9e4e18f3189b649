"""HTML pages. Every form is plain HTML that works without scripts; htmx only adds live
refresh. Same flow as the API: parse -> command -> service -> response."""

from __future__ import annotations

import secrets
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
from truce.domain.errors import InvalidInputError
from truce.domain.languages import LANGUAGES, NATIVE_NAMES
from truce.domain.reports import Reliability, parse_file_report
from truce.entrypoints.web.auth import SESSION_COOKIE, Viewer, client_address
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import (
    CONFIDENTIALITY_LABELS,
    EVENT_LABELS,
    N_,
    SOURCE_KIND_LABELS,
    labelled,
)
from truce.entrypoints.web.nav import home_for, may_file_reports
from truce.entrypoints.web.routes.account import signed_in_response, start_second_factor

FormData = URLEncodedBody[dict[str, str]]
AnyRequest = Request[Any, Any, Any]
NO_STORE = {"Cache-Control": "no-store"}
# Set by the field pages: this browser may keep an outbox and pages for offline use, so
# signing out goes through the sign-out page, which looks at them first (docs/field.md).
# A marker only (HttpOnly, nothing secret in it).
FIELD_DEVICE_COOKIE = "truce_field"

# Languages an account may be written in: the interface's five, each named in itself.
ACCOUNT_LANGUAGES = [(code, NATIVE_NAMES[code]) for code in LANGUAGES]
# How many of the newest readable reports a home page looks through for its list.
HOME_REPORTS = 100


def form_errors(error: InvalidInputError) -> dict[str, str]:
    """Each error by the form field it belongs beside: the parser names the observer's
    fields `observer.<name>`, the form `observer_<name>`."""
    return {e.field.replace("observer.", "observer_"): e.message for e in error.errors}


def form_choices() -> dict[str, Any]:
    return {
        "source_kinds": labelled(SOURCE_KIND_LABELS),
        "reliabilities": [(item.value, item.value) for item in Reliability],
        "event_types": labelled(EVENT_LABELS),
        "confidentialities": labelled(CONFIDENTIALITY_LABELS),
        "languages_of_accounts": ACCOUNT_LANGUAGES,
    }


def _role_reports(services: ServicesDep, viewer: Viewer) -> dict[str, Any]:
    """The role's home list: the newest reports the viewer may read, narrowed to what the
    role works on (a monitor's own, a party's side's, what reached the guarantors...)."""
    home = home_for(viewer.principal)
    page = services.monitoring.list_reports(viewer.principal, HOME_REPORTS, address=viewer.address)
    shown = [report for report in page.reports if home.shows(report, viewer.principal)]
    return {"home": home, "reports": shown, "total": len(shown)}


def _home_context(services: ServicesDep, assets: AssetsDep, viewer: Viewer) -> dict[str, Any]:
    return {
        **_role_reports(services, viewer),
        "directory": services.registry.directory(),
        "htmx": assets.available("htmx.min.js"),
        "viewer": viewer,
        "may_file": may_file_reports(viewer.principal),
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
        return Template("_reports.html", context=_role_reports(services, viewer))

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
            context = _login_context(assets, username, N_("Too many attempts. Try again later."))
            throttled = Template("login.html", context=context, status_code=429)
            throttled.headers["Retry-After"] = str(error.retry_after_seconds)
            return throttled
        except SecondFactorRequiredError as waiting:
            return start_second_factor(waiting.pending, services)
        except AuthenticationError:
            # One message for every failure: it must not tell which part was wrong.
            context = _login_context(assets, username, N_("Sign-in failed."))
            return Template("login.html", context=context, status_code=HTTP_401_UNAUTHORIZED)
        return signed_in_response(signed_in, services)

    @get("/logout", sync_to_thread=False)
    def logout_page(self, viewer: ViewerDep) -> Template | Redirect:
        """Signing out of a browser that kept field data: the page's script looks in this
        member's outbox, warns of what was not sent, and clears the device (docs/field.md)."""
        if viewer.member is None:
            return Redirect("/", status_code=HTTP_303_SEE_OTHER)
        return Template("signout.html", context={"viewer": viewer, "htmx": False}, headers=NO_STORE)

    @post("/logout", sync_to_thread=True)
    def logout(
        self, data: FormData, services: ServicesDep, viewer: ViewerDep, request: AnyRequest
    ) -> Redirect:
        """Sign out. A browser that opened the field pages is first sent to the sign-out page,
        which checks its outbox; the answer to the sign-out itself tells the browser to drop
        its HTTP cache, and its storage too (the outbox, the kept pages, the service worker)
        when the page found no other account's field data on the device."""
        field_device = FIELD_DEVICE_COOKIE in request.cookies
        if field_device and viewer.member is not None and data.get("confirmed") != "1":
            return Redirect("/logout", status_code=HTTP_303_SEE_OTHER)
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            services.auth.logout(session_id)
        clear_storage = data.get("device") == "clear"
        response = Redirect("/", status_code=HTTP_303_SEE_OTHER)
        response.headers["Clear-Site-Data"] = '"cache", "storage"' if clear_storage else '"cache"'
        response.delete_cookie(SESSION_COOKIE, path="/")
        if clear_storage:
            response.delete_cookie(FIELD_DEVICE_COOKIE, path="/")
        return response


def _login_context(assets: AssetsDep, username: str = "", error: str = "") -> dict[str, Any]:
    return {
        "username": username,
        "error": error,
        "htmx": assets.available("htmx.min.js"),
        "viewer": None,
    }
