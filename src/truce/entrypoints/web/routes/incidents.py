"""Incidents on the web (docs/correlation.md): the list for the mechanism's staff and the
guarantors and mediators who read its material, the incident page with claims side by side,
the analyst's merge and split forms, and the JSON API under /api/v1/incidents.

Every read goes through `IncidentService`, which shows an incident only to a principal who
may read it and at least one of its reports, built from those reports alone; forbidden and
missing answer the same 404 with one audit entry. Thin: parse -> service -> response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_422_UNPROCESSABLE_ENTITY

from truce.application.incidents import IncidentFilter, IncidentView
from truce.domain.auth import Scope
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.incidents import Band, ClaimField, ClaimRow, Link, grade
from truce.domain.reports import Report
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import N_
from truce.entrypoints.web.labels import BAND_LABELS

FormData = URLEncodedBody[dict[str, str]]
IdPath = FromPath[str]
# A split form's checkboxes are named "report:<id>", one per report the analyst sees.
SPLIT_PREFIX = "report:"
LIMIT = 100
BandQuery = Annotated[
    str | None,
    QueryParameter(
        required=False, max_length=40, description="single_source, corroborated or "
        "observed_by_monitors",
    ),
]  # fmt: skip
DayQuery = Annotated[
    str | None,
    QueryParameter(required=False, max_length=10, description="a day as YYYY-MM-DD"),
]
DisputedQuery = Annotated[
    str | None,
    QueryParameter(required=False, max_length=5, description="yes or no"),
]
# Field names as an analyst reads them (msgids: the page translates them).
LABELS = {
    ClaimField.PERPETRATOR: N_("Perpetrator"),
    ClaimField.TARGET: N_("Target"),
    ClaimField.PLACE: N_("Place"),
    ClaimField.TIME: N_("Time (UTC)"),
    ClaimField.EVENT_TYPE: N_("Type"),
    ClaimField.KILLED: N_("Killed"),
    ClaimField.INJURED: N_("Injured"),
}
ORDER = list(LABELS)


# --- parsing the filters ------------------------------------------------------------------


def parse_filter(
    band: str | None, since: str | None, until: str | None, disputed: str | None
) -> IncidentFilter:
    """The list's filters from query text; each bad one is named."""
    problems: list[FieldError] = []
    chosen_band: Band | None = None
    if band:
        try:
            chosen_band = Band(band)
        except ValueError:
            known = ", ".join(b.value for b in Band)
            problems.append(FieldError("band", f"must be one of {known}"))
    days = {}
    for name, text in (("since", since), ("until", until)):
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            problems.append(FieldError(name, "must be a date as YYYY-MM-DD"))
    flag: bool | None = None
    if disputed:
        if disputed.lower() not in {"yes", "no", "true", "false"}:
            problems.append(FieldError("disputed", "must be yes or no"))
        flag = disputed.lower() in {"yes", "true"}
    if problems:
        raise InvalidInputError(problems)
    return IncidentFilter(chosen_band, days.get("since"), days.get("until"), flag)


# --- the page's shape ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One field across the reports: each report's value (or None) in column order. Times
    and figures are kept as values (a window, a count), so the page writes them in the
    reader's language (`phrases.claim_text`); the rest is text as the sources gave it."""

    label: str
    field: str
    disputed: bool
    values: list[object | None]


def claim_lines(view: IncidentView) -> list[ClaimLine]:
    rows: dict[ClaimField, ClaimRow] = {row.field: row for row in view.claims}
    lines = []
    for name in ORDER:
        row = rows.get(name)
        if row is None:
            continue
        by_report = {claim.report_id: claim.value for claim in row.claims}
        values = [
            _claim_value(name, report, by_report[report.id]) if report.id in by_report else None
            for report in view.reports
        ]
        lines.append(ClaimLine(LABELS[name], name.value, row.disputed, values))
    return lines


def _claim_value(name: ClaimField, report: Report, claimed: str) -> object:
    content = report.content
    if name == ClaimField.TIME:
        return (content.occurred_from, content.occurred_to)
    if name == ClaimField.KILLED:
        return content.killed
    if name == ClaimField.INJURED:
        return content.injured
    return claimed


def _page_context(
    view: IncidentView, viewer: Viewer, assets: AssetsDep, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "viewer": viewer,
        "htmx": assets.available("htmx.min.js"),
        "utc": UTC,
        "view": view,
        "incident": view.incident,
        "lines": claim_lines(view),
        "band": BAND_LABELS[view.corroboration.band],
        "grades": {r.id: grade(r) for r in view.reports},
        "subject": f"incident:{view.incident.id}",
        "errors": errors or {},
    }


def _errors(error: InvalidInputError) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


# --- the JSON shape -----------------------------------------------------------------------


class ClaimOut(msgspec.Struct):
    value: str
    report_id: str
    source_name: str
    source_kind: str
    grade: str


class ClaimRowOut(msgspec.Struct):
    field: str
    disputed: bool
    claims: list[ClaimOut]


class SourceOut(msgspec.Struct):
    report_id: str
    source_name: str
    source_kind: str
    grade: str
    occurred_from: datetime
    occurred_to: datetime | None


class LinkOut(msgspec.Struct):
    report_id: str
    linked_at: datetime
    decided_by: str
    matched_report_id: str | None
    # The score components that joined the report (space, time, type, actor, text, score,
    # distance_km, tolerance_km, time_gap_h); null when an analyst placed it.
    components: dict[str, float | None] | None


class IncidentOut(msgspec.Struct):
    id: str
    agreement_id: str
    status: str
    opened_at: datetime
    occurred_from: datetime
    occurred_to: datetime
    band: str
    independent_sources: int
    reports: int
    monitor_observed: bool
    evidence: bool
    disputed: bool
    claims: list[ClaimRowOut]
    sources: list[SourceOut]
    links: list[LinkOut]
    record: str
    merged_into: str | None = None
    split_from: str | None = None

    @classmethod
    def of(cls, view: IncidentView) -> IncidentOut:
        incident, band = view.incident, view.corroboration
        return cls(
            id=incident.id,
            agreement_id=incident.agreement_id,
            status=incident.status.value,
            opened_at=incident.opened_at,
            occurred_from=view.occurred_from,
            occurred_to=view.occurred_to,
            band=band.band.value,
            independent_sources=band.independent_sources,
            reports=band.reports,
            monitor_observed=band.monitor_observed,
            evidence=band.evidence,
            disputed=view.disputed,
            claims=[_row_out(row) for row in view.claims],
            sources=[_source_out(report) for report in view.reports],
            links=[_link_out(link) for link in view.links],
            record=f"/record/history?subject=incident:{incident.id}",
            merged_into=incident.merged_into,
            split_from=incident.split_from,
        )


class IncidentList(msgspec.Struct):
    items: list[IncidentOut]


def _row_out(row: ClaimRow) -> ClaimRowOut:
    claims = [
        ClaimOut(c.value, c.report_id, c.source_name, c.source_kind, c.grade) for c in row.claims
    ]
    return ClaimRowOut(row.field.value, row.disputed, claims)


def _source_out(report: Report) -> SourceOut:
    content = report.content
    return SourceOut(
        report.id, content.source_name, content.source_kind, grade(report),
        content.occurred_from, content.occurred_to,
    )  # fmt: skip


def _link_out(link: Link) -> LinkOut:
    return LinkOut(
        link.report_id, link.linked_at, link.decided_by, link.matched_report_id, link.components
    )


def _read_scope(viewer: Viewer) -> None:
    """Incidents are built from reports: a token must carry reports:read."""
    if viewer.member is not None:
        viewer.require(Scope.REPORTS_READ)


# --- the handlers -------------------------------------------------------------------------


class IncidentPages(Controller):
    path = "/incidents"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def index(
        self,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
        band: BandQuery = None,
        since: DayQuery = None,
        until: DayQuery = None,
        disputed: DisputedQuery = None,
    ) -> Template:
        """Open incidents the viewer may see, newest first, with their band and whether any
        claim is disputed."""
        form = {"band": band or "", "since": since or "", "until": until or "",
                "disputed": disputed or ""}  # fmt: skip
        context: dict[str, Any] = {
            "viewer": viewer,
            "htmx": assets.available("htmx.min.js"),
            "form": form,
            "utc": UTC,
            "bands": [(b.value, BAND_LABELS[b]) for b in Band],
            "views": [],
            "errors": {},
        }
        try:
            only = parse_filter(band, since, until, disputed)
        except InvalidInputError as error:
            context["errors"] = _errors(error)
            return Template(
                "incidents.html", context=context, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        context["views"] = services.incidents.list_incidents(
            viewer.principal, LIMIT, viewer.address, only
        )
        return Template("incidents.html", context=context)

    @get("/{incident_id:str}", sync_to_thread=True)
    def incident(
        self, incident_id: IdPath, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep
    ) -> Template:
        view = services.incidents.get_incident(viewer.principal, incident_id, viewer.address)
        return Template("incident.html", context=_page_context(view, viewer, assets))

    @post("/{incident_id:str}/merge", sync_to_thread=True)
    def merge(
        self,
        incident_id: IdPath,
        data: FormData,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
    ) -> Template | Redirect:
        """Fold the incident named in the form into this one (analysts, with a reason)."""
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        other = data.get("other", "").strip()
        try:
            merged = services.incidents.merge(
                viewer.member, incident_id, other, viewer.address, reason=data.get("reason", "")
            )
        except InvalidInputError as error:
            return _again(services, assets, viewer, incident_id, error)
        return Redirect(f"/incidents/{merged.id}", status_code=HTTP_303_SEE_OTHER)

    @post("/{incident_id:str}/split", sync_to_thread=True)
    def split(
        self,
        incident_id: IdPath,
        data: FormData,
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
    ) -> Template | Redirect:
        """Move the ticked reports to a new incident and the rest to another."""
        if viewer.member is None:
            return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
        chosen = [
            name.removeprefix(SPLIT_PREFIX)
            for name, value in data.items()
            if name.startswith(SPLIT_PREFIX) and value
        ]
        try:
            first, _ = services.incidents.split(
                viewer.member, incident_id, chosen, viewer.address, reason=data.get("reason", "")
            )
        except InvalidInputError as error:
            return _again(services, assets, viewer, incident_id, error)
        return Redirect(f"/incidents/{first.id}", status_code=HTTP_303_SEE_OTHER)


def _again(
    services: ServicesDep,
    assets: AssetsDep,
    viewer: Viewer,
    incident_id: str,
    error: InvalidInputError,
) -> Template:
    """The page again with the form's errors beside their fields (422)."""
    view = services.incidents.get_incident(viewer.principal, incident_id, viewer.address)
    context = _page_context(view, viewer, assets, _errors(error))
    return Template("incident.html", context=context, status_code=HTTP_422_UNPROCESSABLE_ENTITY)


class IncidentsApi(Controller):
    path = "/api/v1/incidents"
    tags = ["incidents"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/", sync_to_thread=True)
    def list_incidents(
        self,
        services: ServicesDep,
        viewer: ViewerDep,
        band: BandQuery = None,
        since: DayQuery = None,
        until: DayQuery = None,
        disputed: DisputedQuery = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> IncidentList:
        """Open incidents the caller may see, newest first, each built from the reports the
        caller may read; filters by band, days and disputed claims."""
        _read_scope(viewer)
        only = parse_filter(band, since, until, disputed)
        views = services.incidents.list_incidents(viewer.principal, limit, viewer.address, only)
        return IncidentList(items=[IncidentOut.of(view) for view in views])

    @get("/{incident_id:str}", sync_to_thread=True)
    def get_incident(
        self, incident_id: IdPath, services: ServicesDep, viewer: ViewerDep
    ) -> IncidentOut:
        """One incident: claims side by side, sources with grades, the band, and each link's
        score components."""
        _read_scope(viewer)
        view = services.incidents.get_incident(viewer.principal, incident_id, viewer.address)
        return IncidentOut.of(view)
