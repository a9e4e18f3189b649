"""The shape of the app per role: the main navigation and each role's home, both read off
the access policy (domain/access.py) rather than written into templates.

A navigation entry names what it needs as a (resource kind, action) pair of the policy's
table: it shows when any audience of the principal has a rule for that pair at all (the
rule's condition is then checked object by object, as always). Pages added later append an
entry to `NAV`; a page that does not exist yet has no entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from jinja2 import pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine

from truce.bootstrap import Services
from truce.domain.access import ANONYMOUS, RULES, Action, Audience, Principal, ResourceKind
from truce.domain.confidentiality import Confidentiality
from truce.domain.parties import Member
from truce.domain.reports import Report
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.i18n import N_, viewer_of


def may_ever(principal: Principal, kind: ResourceKind, action: Action) -> bool:
    """Whether the policy has any rule letting one of the principal's audiences do this."""
    rule = RULES.get((kind, action), {})
    return any(audience in rule for audience in principal.audiences)


@dataclass(frozen=True, slots=True)
class NavEntry:
    href: str
    # A msgid: templates translate it.
    label: str
    needs: tuple[ResourceKind, Action] | None = None
    members_only: bool = False

    def shown_to(self, principal: Principal) -> bool:
        if self.members_only and principal.is_anonymous:
            return False
        return self.needs is None or may_ever(principal, *self.needs)


NAV: Final = (
    NavEntry("/", N_("Home")),
    NavEntry("/field", N_("Field filing"), (ResourceKind.REPORT, Action.CREATE), members_only=True),
    NavEntry("/search", N_("Search"), (ResourceKind.REPORT, Action.LIST)),
    NavEntry("/talks", N_("Talks"), (ResourceKind.CHANNEL, Action.READ), members_only=True),
    NavEntry("/incidents", N_("Incidents"), (ResourceKind.INCIDENT, Action.LIST)),
    NavEntry("/deliberation", N_("Deliberation"), (ResourceKind.INCIDENT, Action.VOTE)),
    NavEntry("/replies", N_("Replies"), (ResourceKind.REPLY_REQUEST, Action.REPLY)),
    NavEntry("/determinations", N_("Determinations")),
    NavEntry("/talks/publications", N_("Publications")),
    NavEntry("/map", N_("Map")),
    NavEntry("/reports/daily", N_("Daily report")),
    NavEntry("/record", N_("Record")),
    NavEntry("/admin/audit", N_("Audit trail"), (ResourceKind.AUDIT_ENTRY, Action.READ)),
    NavEntry("/admin/accounts", N_("Accounts"), (ResourceKind.MEMBER, Action.ADMINISTER)),
)


def nav_for(principal: Principal) -> list[NavEntry]:
    return [entry for entry in NAV if entry.shown_to(principal)]


# --- each role's home ---------------------------------------------------------------------------

ReportFilter = Callable[[Report, Principal], bool]


def _everything(_report: Report, _principal: Principal) -> bool:
    return True


def _mine(report: Report, principal: Principal) -> bool:
    return report.submitted_by is not None and report.submitted_by == principal.member_id


def _ours(report: Report, principal: Principal) -> bool:
    return report.submitter_body_id is not None and report.submitter_body_id == principal.body_id


_DELIBERATED: Final = frozenset({Confidentiality.GUARANTORS, Confidentiality.MECHANISM})


def _to_deliberate(report: Report, principal: Principal) -> bool:
    """What reached the guarantors from others, restricted or shared with the whole mechanism:
    what a guarantor deliberates on (public material is everyone's, and not on this list)."""
    return not _ours(report, principal) and report.confidentiality in _DELIBERATED


def _public(report: Report, _principal: Principal) -> bool:
    return report.confidentiality == Confidentiality.PUBLIC


@dataclass(frozen=True, slots=True)
class RoleHome:
    """What a role's home page leads with. Every text is a msgid."""

    key: str
    heading: str
    intro: str
    list_heading: str
    empty: str
    shows: ReportFilter
    form_heading: str = N_("File a report")
    # The operator's home lists accounts instead of filing reports.
    accounts: bool = False


HOMES: Final[dict[Audience, RoleHome]] = {
    Audience.MONITOR: RoleHome(
        "monitor",
        N_("Field monitoring"),
        N_("File what you observed; your reports are listed beside the form."),
        N_("My reports"),
        N_("You have filed no report yet."),
        _mine,
        N_("File an observation"),
    ),
    Audience.PARTY_LIAISON: RoleHome(
        "party_liaison",
        N_("Party liaison"),
        N_("File your side's allegations of violations; your side's reports are listed here."),
        N_("Our reports"),
        N_("Your side has filed no report yet."),
        _ours,
        N_("File an allegation"),
    ),
    Audience.GUARANTOR_DELEGATE: RoleHome(
        "guarantor",
        N_("Guarantor"),
        N_("Reports that reached the guarantors, for your deliberation."),
        N_("Reports to deliberate"),
        N_("No report has reached the guarantors yet."),
        _to_deliberate,
    ),
    Audience.MEDIATOR: RoleHome(
        "mediator",
        N_("Mediation"),
        N_("Reports that reached the mechanism, as background for the talks."),
        N_("Reports"),
        N_("No reports filed yet."),
        _everything,
    ),
    Audience.ANALYST: RoleHome(
        "analyst",
        N_("Analysis"),
        N_(
            "Every report that reached the mechanism, newest first. "
            "Search finds them by place, actor or words of the account."
        ),
        N_("Reports to analyse"),
        N_("No reports filed yet."),
        _everything,
    ),
    Audience.OBSERVER: RoleHome(
        "observer",
        N_("Observer"),
        N_("Published reports: what the mechanism has made public."),
        N_("Public reports"),
        N_("Nothing has been published yet."),
        _public,
    ),
    Audience.OPERATOR: RoleHome(
        "operator",
        N_("Operations"),
        N_("Accounts and the audit trail. Operators read no party material."),
        N_("Public reports"),
        N_("Nothing has been published yet."),
        _public,
        accounts=True,
    ),
    Audience.PUBLIC: RoleHome(
        "public",
        N_("Public reports"),
        N_("You see only what has been published. Sign in to do more."),
        N_("Public reports"),
        N_("Nothing has been published yet."),
        _public,
    ),
}

# When a principal holds several roles, the first of these leads its home.
_PRECEDENCE: Final = (
    Audience.PARTY_LIAISON,
    Audience.GUARANTOR_DELEGATE,
    Audience.MEDIATOR,
    Audience.ANALYST,
    Audience.MONITOR,
    Audience.OBSERVER,
    Audience.OPERATOR,
    Audience.PUBLIC,
)


def home_for(principal: Principal) -> RoleHome:
    held = set(principal.audiences)
    for audience in _PRECEDENCE:
        if audience in held:
            return HOMES[audience]
    # A member without an effective role sees what the public sees.
    return HOMES[Audience.PUBLIC]


def may_file_reports(principal: Principal) -> bool:
    return may_ever(principal, ResourceKind.REPORT, Action.CREATE)


def install(engine: JinjaTemplateEngine, services: Services) -> None:
    """`nav_items()` and `current_member()` for the chrome of every page (base.html)."""

    def _viewer(context: Context) -> Viewer | None:
        request = context.get("request")
        if not isinstance(request, Request):
            return None
        return viewer_of(request, services)

    @pass_context
    def nav_items(context: Context) -> list[NavEntry]:
        viewer = _viewer(context)
        return nav_for(viewer.principal if viewer else ANONYMOUS)

    @pass_context
    def current_member(context: Context) -> Member | None:
        viewer = _viewer(context)
        return viewer.member if viewer else None

    engine.engine.globals.update(nav_items=nav_items, current_member=current_member)
