"""The operator's screens. `/admin/audit` lists the audit trail: denied attempts by default,
filtered by decision, member and moment, a page at a time. Only operators may look (the policy's
AUDIT_ENTRY rules); anyone else signed in gets "not found", as for a page that does not exist,
and every look, allowed or refused, is itself written to the trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from truce.application.audit import AuditPage, AuditQuery, Outcome, parse_outcome
from truce.domain.auth import AuditEntry, Scope, escape_for_log
from truce.domain.errors import FieldError, InvalidInputError
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep

PAGE = 50
Filter = Annotated[str | None, QueryParameter(required=False)]


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False

    @get("/audit", sync_to_thread=True)
    def audit(
        self,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
        decision: Filter = None,
        member: Filter = None,
        since: Filter = None,
        before: Annotated[int | None, QueryParameter(required=False, ge=1)] = None,
    ) -> Template | Redirect:
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        if viewer.scopes is not None:
            viewer.require(Scope.ADMIN)
        form = {
            "decision": decision or Outcome.DENIED.value,
            "member": member or "",
            "since": since or "",
        }
        context: dict[str, Any] = {
            "viewer": viewer,
            "htmx": assets.available("htmx.min.js"),
            "form": form,
            "outcomes": [outcome.value for outcome in Outcome],
            "rows": [],
            "next_url": None,
            "errors": {},
        }
        try:
            query = AuditQuery(
                parse_outcome(decision), member or None, _moment(since), before, PAGE
            )
            page = services.audit.browse(viewer.principal, query, viewer.address)
        except InvalidInputError as error:
            context["errors"] = {e.field: e.message for e in error.errors}
            return Template(
                "admin_audit.html", context=context, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        context["rows"] = [_row(entry, page) for entry in page.entries]
        if page.next_before is not None:
            context["next_url"] = "/admin/audit?" + urlencode({**form, "before": page.next_before})
        return Template("admin_audit.html", context=context)


def _moment(text: str | None) -> datetime | None:
    """A moment from the filter form (datetime-local has no offset: the form says UTC)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError([FieldError("since", "is not a date and time")]) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(entry: AuditEntry, page: AuditPage) -> dict[str, str]:
    """Every field as text that cannot break a line, colour a terminal or turn the text
    around (clients chose some of it); the template escapes HTML on top."""
    who = page.names.get(entry.actor_member_id or "", entry.actor_member_id or "unknown")
    fields = {
        "seq": str(entry.seq),
        "when": entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "who": who,
        "action": entry.action,
        "resource": f"{entry.resource_kind}:{entry.resource_id or ''}",
        "outcome": entry.outcome,
        "address": entry.address or "",
        "reason": entry.reason,
    }
    return {key: escape_for_log(value) for key, value in fields.items()}
