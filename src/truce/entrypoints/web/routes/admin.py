"""The operator's screens. `/admin/audit` lists the audit trail: denied attempts by default,
filtered by decision, member and moment, a page at a time. Only operators may look (the policy's
AUDIT_ENTRY rules); anyone else signed in gets "not found", as for a page that does not exist,
and every look, allowed or refused, is itself written to the trail.

`/admin/accounts` opens, enables and disables accounts and issues tokens; an account opened
here has no password until its member follows the one-time enrolment link the page shows once
(routes/enrolment.py). `/admin/agreements/{id}` shows an agreement whole and sets its
procedure, which concludes the agreement's next version (application/administration.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_303_SEE_OTHER,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from truce.application.administration import (
    WINDOW_FIELDS,
    AgreementConfiguration,
    NewAccount,
    procedure_from_form,
)
from truce.application.audit import AuditPage, AuditQuery, Outcome, parse_outcome
from truce.application.auth import Enrolment, IssuedToken, enrolment_link
from truce.domain.auth import ENROLMENT_LIFETIME, AuditEntry, Scope, escape_for_log
from truce.domain.errors import ConflictError, FieldError, InvalidInputError
from truce.domain.parties import Role
from truce.domain.procedure import DecisionRule, LapseOutcome, Procedure, procedure_terms
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import N_

PAGE = 50
Filter = Annotated[str | None, QueryParameter(required=False)]
FormData = URLEncodedBody[dict[str, str]]
AnyRequest = Request[Any, Any, Any]
# The account form's role boxes are named role_<role>, so several may be ticked in one form.
ROLE_BOX = "role_"
ACCOUNT_FIELDS = ("username", "title", "body_id", "language")
# Notices of the accounts page after a change, by the `done` query value (msgids).
DONE = {
    "enabled": N_("The account was enabled."),
    "disabled": N_("The account was disabled: its sessions ended and its tokens stopped."),
    "revoked": N_("The token was revoked."),
}
# Notices of an agreement's page after a change.
AGREEMENT_DONE = {
    "procedure": N_(
        "The procedure was changed: a new version of the agreement is in force for cases "
        "opened from now on."
    ),
}


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


# --- accounts, tokens and configuration ------------------------------------------------------


class AdminAccountPages(Controller):
    """The operator's accounts page: every account (enable, disable), every API token (issue,
    revoke) and each agreement's parties and verification procedure, read-only. The service
    decides who may (Action.ADMINISTER on the member); anyone else gets "not found"."""

    path = "/admin"
    include_in_schema = False

    @get("/accounts", sync_to_thread=True)
    def accounts(
        self, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep, done: Filter = None
    ) -> Template | Redirect:
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        return _accounts_page(services, assets, viewer, notice=DONE.get(done or ""))

    @post("/accounts", sync_to_thread=True)
    def open_account(
        self,
        request: AnyRequest,
        data: FormData,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
    ) -> Template:
        """Open an account; the page shows its one-time enrolment link this once."""
        _operator_session(viewer)
        form = {key: data.get(key, "").strip() for key in ACCOUNT_FIELDS}
        roles = tuple(key.removeprefix(ROLE_BOX) for key in data if key.startswith(ROLE_BOX))
        account = NewAccount(
            form["username"], form["title"], form["body_id"], roles, form["language"]
        )
        page_form = {**form, "roles": roles}
        try:
            enrolment = services.administration.open_account(
                viewer.principal, account, viewer.address
            )
        except InvalidInputError as error:
            errors = {e.field: e.message for e in error.errors}
            page = _accounts_page(
                services, assets, viewer, account=page_form, account_errors=errors
            )
            page.status_code = HTTP_422_UNPROCESSABLE_ENTITY
            return page
        except ConflictError:
            errors = {"username": "is taken"}
            page = _accounts_page(
                services, assets, viewer, account=page_form, account_errors=errors
            )
            page.status_code = HTTP_409_CONFLICT
            return page
        page = _accounts_page(
            services, assets, viewer, enrolment=_link(request, enrolment), opened=enrolment
        )
        page.status_code = HTTP_201_CREATED
        return page

    @post("/enrolments/{member_id:str}", sync_to_thread=True)
    def renew_enrolment(
        self,
        member_id: FromPath[str],
        request: AnyRequest,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
    ) -> Template:
        """A fresh link for an account still waiting for its member's password."""
        _operator_session(viewer)
        enrolment = services.administration.renew_enrolment(
            viewer.principal, member_id, viewer.address
        )
        return _accounts_page(
            services, assets, viewer, enrolment=_link(request, enrolment), opened=enrolment
        )

    @get("/agreements/{agreement_id:str}", sync_to_thread=True)
    def agreement(
        self,
        agreement_id: FromPath[str],
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
        done: Filter = None,
    ) -> Template | Redirect:
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        _operator_session(viewer)
        shown = services.administration.agreement(viewer.principal, agreement_id, viewer.address)
        notice = AGREEMENT_DONE.get(done or "")
        return _agreement_page(assets, viewer, shown, notice=notice)

    @post("/agreements/{agreement_id:str}/procedure", sync_to_thread=True)
    def configure_procedure(
        self,
        agreement_id: FromPath[str],
        data: FormData,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
    ) -> Template | Redirect:
        """Set the procedure: the agreement's next version, for cases opened from now on."""
        _operator_session(viewer)
        form = dict(data)
        try:
            procedure = procedure_from_form(form)
            services.administration.configure_procedure(
                viewer.principal, agreement_id, procedure, viewer.address
            )
        except InvalidInputError as error:
            shown = services.administration.agreement(
                viewer.principal, agreement_id, viewer.address
            )
            errors = {e.field.removeprefix("procedure."): e.message for e in error.errors}
            page = _agreement_page(assets, viewer, shown, form=form, errors=errors)
            page.status_code = HTTP_422_UNPROCESSABLE_ENTITY
            return page
        return Redirect(
            f"/admin/agreements/{agreement_id}?done=procedure", status_code=HTTP_303_SEE_OTHER
        )

    @post("/accounts/{member_id:str}/{change:str}", sync_to_thread=True)
    def set_active(
        self,
        member_id: FromPath[str],
        change: FromPath[str],
        services: ServicesDep,
        viewer: ViewerDep,
    ) -> Redirect:
        _operator_session(viewer)
        if change not in {"enable", "disable"}:
            raise InvalidInputError([FieldError("change", "must be enable or disable")])
        services.administration.set_active(
            viewer.principal, member_id, active=change == "enable", address=viewer.address
        )
        return Redirect(f"/admin/accounts?done={change}d", status_code=HTTP_303_SEE_OTHER)

    @post("/tokens", sync_to_thread=True)
    def issue_token(
        self, data: FormData, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep
    ) -> Template:
        """Issue a token; the page shows it this once (it is never stored, only its digest)."""
        _operator_session(viewer)
        form = {key: data.get(key, "") for key in ("username", "scopes", "days", "label")}
        try:
            issued = services.administration.issue_token(
                viewer.principal,
                form["username"],
                form["scopes"].replace(",", " ").split(),
                _days(form["days"]),
                form["label"],
                viewer.address,
            )
        except InvalidInputError as error:
            errors = {e.field: e.message for e in error.errors}
            page = _accounts_page(services, assets, viewer, form=form, errors=errors)
            page.status_code = HTTP_422_UNPROCESSABLE_ENTITY
            return page
        return _accounts_page(services, assets, viewer, issued=issued)

    @post("/tokens/{token_id:str}/revoke", sync_to_thread=True)
    def revoke_token(
        self, token_id: FromPath[str], services: ServicesDep, viewer: ViewerDep
    ) -> Redirect:
        _operator_session(viewer)
        services.administration.revoke_token(viewer.principal, token_id, viewer.address)
        return Redirect("/admin/accounts?done=revoked", status_code=HTTP_303_SEE_OTHER)


def _operator_session(viewer: Viewer) -> None:
    """Signed in, and a token (if that is how) that carries the admin scope."""
    if viewer.member is None:
        raise InvalidInputError([FieldError("session", "sign in first")])
    if viewer.scopes is not None:
        viewer.require(Scope.ADMIN)


def _days(text: str) -> int:
    text = text.strip() or "30"
    if not (text.isascii() and text.isdigit() and len(text) < 6):  # noqa: PLR2004
        raise InvalidInputError([FieldError("days", "must be a number")])
    return int(text)


def _link(request: AnyRequest, enrolment: Enrolment) -> str:
    """The enrolment link as the member opens it, on the address the operator used, in the
    language chosen for the member (the page has no other way to know it)."""
    return enrolment_link(str(request.base_url), enrolment)


def _procedure_form(procedure: Procedure) -> dict[str, str]:
    terms = procedure_terms(procedure)
    form = {key: str(value) for key, value in terms.items() if key != "committee_step"}
    if procedure.committee_step:
        form["committee_step"] = "on"
    return form


def _agreement_page(
    assets: AssetsDep,
    viewer: Viewer,
    shown: AgreementConfiguration,
    *,
    notice: str | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    context: dict[str, Any] = {
        "viewer": viewer,
        "htmx": assets.available("htmx.min.js"),
        "shown": shown,
        "agreement": shown.agreement,
        "notice": notice,
        "form": form if form is not None else _procedure_form(shown.agreement.procedure),
        "errors": errors or {},
        "decision_rules": [rule.value for rule in DecisionRule],
        "lapse_outcomes": [outcome.value for outcome in LapseOutcome],
        "window_fields": WINDOW_FIELDS,
    }
    return Template("admin_agreement.html", context=context)


def _accounts_page(
    services: ServicesDep,
    assets: AssetsDep,
    viewer: Viewer,
    *,
    notice: str | None = None,
    issued: IssuedToken | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    account: dict[str, Any] | None = None,
    account_errors: dict[str, str] | None = None,
    enrolment: str | None = None,
    opened: Enrolment | None = None,
) -> Template:
    if viewer.scopes is not None:
        viewer.require(Scope.ADMIN)
    overview = services.administration.overview(viewer.principal, viewer.address)
    now = services.clock.now()
    context: dict[str, Any] = {
        "viewer": viewer,
        "htmx": assets.available("htmx.min.js"),
        "overview": overview,
        "token_status": {t.id: t.status(now).value for t in overview.tokens},
        "scopes": [scope.value for scope in Scope],
        "notice": notice,
        "issued": issued,
        "form": form or {"username": "", "scopes": "", "days": "30", "label": ""},
        "errors": errors or {},
        "directory": services.registry.directory(),
        "roles": [role.value for role in Role],
        "account": account or {"username": "", "title": "", "body_id": "", "language": ""},
        "account_errors": account_errors or {},
        "enrolment": enrolment,
        "opened": opened,
        "enrolment_days": ENROLMENT_LIFETIME.days,
    }
    return Template("admin_accounts.html", context=context)
