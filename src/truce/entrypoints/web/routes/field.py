"""The field filing page: a monitor files observations with or without a connection.

The page and its assets are kept by a service worker (static/field-sw.js, served here so its
scope covers /field); the form saves each observation to an outbox in the browser's
IndexedDB with a client-made idempotency key, and the outbox is sent to POST /field/sync when
the connection returns (docs/field.md).

Why /field/sync and not /api/v1/reports/batch: the JSON API takes changes from API tokens
only and refuses a browser's session cookie there (entrypoints/web/auth.py), because it is
outside the forms' CSRF check. /field/sync is a web route: the CSRF middleware checks the
X-CSRFToken header against the cookie, the session says who is filing, and the same intake
service files the batch through the same choke point, audit and quarantine.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.params import JSONBody, QueryParameter
from litestar.response import File, Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_303_SEE_OTHER
from litestar.template.base import csrf_token

from truce.domain.errors import FieldError
from truce.entrypoints.web.cursors import decode_cursor, encode_cursor
from truce.entrypoints.web.deps import ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import FIELD_LABELS, translate_field_message, translator
from truce.entrypoints.web.nav import may_file_reports
from truce.entrypoints.web.routes.intake import BatchIn, ItemOut, sync_batch
from truce.entrypoints.web.routes.pages import FIELD_DEVICE_COOKIE, NO_STORE, form_choices

STATIC = Path(__file__).resolve().parents[1] / "static"
# The service worker may control /field and everything under it, and nothing else.
SCOPE = "/field"
MY_REPORTS_PAGE = 50
# How long the marker of a browser that keeps field data lasts (renewed on each visit).
FIELD_DEVICE_SECONDS = 365 * 24 * 3600


class SessionOut(msgspec.Struct):
    """Who the browser's session is, and the token its next change must carry."""

    member_id: str | None
    csrf_token: str


class SyncError(msgspec.Struct):
    field: str
    message: str
    # The field's label and the message in the reader's language, for the outbox to show.
    label: str
    text: str


class SyncItem(msgspec.Struct):
    index: int
    status: str  # filed | duplicate | rejected
    report_id: str | None = None
    errors: list[SyncError] = msgspec.field(default_factory=list)


class SyncOut(msgspec.Struct):
    results: list[SyncItem]


class FieldPages(Controller):
    path = SCOPE
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def field(self, services: ServicesDep, viewer: ViewerDep) -> Template | Redirect:
        """The filing page. Its HTML holds no report, only the form: the service worker may
        keep it for offline use without keeping anybody's material."""
        if viewer.member is None or not may_file_reports(viewer.principal):
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        context = {
            "viewer": viewer,
            "htmx": False,
            # A field monitor's own observation is what this page is mostly for.
            "values": {"source_kind": "field_monitor"},
            "errors": {},
            **form_choices(),
        }
        return _field_page("field.html", context, services)

    @get("/mine", sync_to_thread=True)
    def mine(
        self,
        services: ServicesDep,
        viewer: ViewerDep,
        after: Annotated[str | None, QueryParameter(description="cursor from `next`")] = None,
    ) -> Template | Redirect:
        """My reports: what this member filed, newest first, and (by script) what waits in
        this device's outbox."""
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        page = services.monitoring.my_reports(
            viewer.member, MY_REPORTS_PAGE, decode_cursor(after), viewer.address
        )
        context = {
            "viewer": viewer,
            "htmx": False,
            "reports": page.reports,
            "next": encode_cursor(page.next_cursor),
            "first_page": after is None,
            # Shown with the list when it is read from the device offline.
            "listed_at": services.clock.now(),
        }
        return _field_page("field_mine.html", context, services)

    @get("/session", sync_to_thread=True, media_type=MediaType.JSON)
    def session(self, viewer: ViewerDep, request: Request[Any, Any, Any]) -> Response[SessionOut]:
        """Asked before each sync: whether the session still holds, for whom, and a CSRF
        token that matches the cookie now (a page kept offline may carry an older one).
        Same-origin only, like every response here: no CORS header is ever sent."""
        member_id = viewer.member.id if viewer.member is not None else None
        token = csrf_token({"request": request})
        return Response(SessionOut(member_id, token), headers=NO_STORE)

    @post("/sync", sync_to_thread=True, status_code=HTTP_200_OK)
    def sync(
        self,
        data: JSONBody[BatchIn],
        services: ServicesDep,
        viewer: ViewerDep,
        request: Request[Any, Any, Any],
    ) -> Response[SyncOut]:
        """The outbox of a signed-in browser, answered item by item like the batch API.
        Reached only with a CSRF token matching the cookie (the middleware checks it)."""
        member = viewer.member
        channel = f"web outbox of {member.username}" if member is not None else "web outbox"
        results = sync_batch(data.items, services, viewer, channel)
        gettext = translator(request, services).gettext
        return Response(SyncOut([_translated(r, gettext) for r in results]), headers=NO_STORE)

    @get("/sw.js", sync_to_thread=False, include_in_schema=False)
    def service_worker(self) -> File:
        """The service worker. Served from /field/ so that, with Service-Worker-Allowed, it
        may control /field itself; never cached by HTTP, so a new version is seen at once."""
        return File(
            STATIC / "field-sw.js",
            content_disposition_type="inline",
            media_type="text/javascript",
            headers={"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"},
        )


def _field_page(name: str, context: dict[str, Any], services: ServicesDep) -> Template:
    """A field page, never kept by the HTTP cache (the service worker keeps the shell it
    needs offline; docs/field.md says what is kept where), marking the browser as one that
    may hold field data, so that signing out looks at it first."""
    marker = Cookie(
        key=FIELD_DEVICE_COOKIE,
        value="1",
        max_age=FIELD_DEVICE_SECONDS,
        path="/",
        httponly=True,
        secure=services.settings.secure_cookies,
        samesite="strict",
    )
    return Template(name, context=context, headers=NO_STORE, cookies=[marker])


def _translated(item: ItemOut, gettext: Callable[[str], str]) -> SyncItem:
    return SyncItem(
        index=item.index,
        status=item.status,
        report_id=item.report_id,
        errors=[_error(FieldError(e.field, e.message), gettext) for e in item.errors],
    )


def _error(error: FieldError, gettext: Callable[[str], str]) -> SyncError:
    name = error.field.replace("observer.", "observer_")
    label = FIELD_LABELS.get(name)
    return SyncError(
        field=name,
        message=error.message,
        label=gettext(label) if label else name,
        text=translate_field_message(error.message, gettext),
    )
