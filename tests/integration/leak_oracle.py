"""A visibility oracle written apart from the policy, and the read paths it is checked against
(SECURITY S1, S2, S12).

The oracle restates docs/access-control.md for reports in a few lines of its own; it never
calls `truce.domain.access`, so a mistake in the policy cannot hide itself by being asked
twice. Two surfaces expose the same read paths: the application services over the memory
store, and the web app over SQL through Litestar's test client.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from litestar.testing import TestClient

from support import report_fields
from truce.adapters.exporters import ENCODERS
from truce.adapters.rendering.html import render_html
from truce.application.incidents import IncidentView
from truce.application.monitoring import MonitoringService
from truce.application.talks import StreamReader
from truce.bootstrap import Services
from truce.domain.access import ANONYMOUS, Principal
from truce.domain.auth import AuditEntry
from truce.domain.compliance import Edition, day_of
from truce.domain.compliance_exports import ExportFilter, ExportFormat
from truce.domain.errors import AccessDeniedError, NotFoundError
from truce.domain.reports import parse_file_report

# --- the oracle -------------------------------------------------------------------------------

# Who each member of the cast is, copied by hand: (body, role). None is somebody not signed in.
WHO: dict[str | None, tuple[str | None, str]] = {
    "gov_liaison": ("gov", "party"),
    "opposition_liaison": ("opp", "party"),
    "guarantor_ru": ("ru", "guarantor"),
    "guarantor_tr": ("tr", "guarantor"),
    "guarantor_ir": ("ir", "guarantor"),
    "un_mediator": ("un", "mediator"),
    "host_mediator": ("kz", "mediator"),
    "monitor": ("mechanism", "monitor"),
    "analyst": ("mechanism", "analyst"),
    "observer_us": ("us", "observer"),
    "admin": ("mechanism", "operator"),
    None: (None, "public"),
}
MEMBERS = tuple(name for name in WHO if name is not None)
VIEWERS: tuple[str | None, ...] = (*MEMBERS, None)
LEVELS = ("submitter", "guarantors", "mechanism", "public")
# The lowest level of somebody else's report each role reads (3: only what is public).
REACH = {
    "party": 3,
    "guarantor": 1,
    "mediator": 2,
    "monitor": 2,
    "analyst": 2,
    "observer": 3,
    "operator": 3,
    "public": 3,
}
# Roles that read whatever their own body filed, and those that may file at all. Operators sit
# in the mechanism's body but administer: they read none of its material.
READS_OWN = frozenset({"party", "guarantor", "mediator", "monitor", "analyst"})
FILES = frozenset({"party", "guarantor", "monitor", "analyst"})


@dataclass(frozen=True, slots=True)
class Filed:
    """A report as the oracle knows it: who gave it, how far it may travel, its marker."""

    id: str
    body: str
    level: str
    marker: str
    # The member who filed it: a monitor's home lists the reports it filed itself.
    by: str = ""

    @property
    def public(self) -> bool:
        return self.level == "public"


def sees(viewer: str | None, report: Filed) -> bool:
    body, role = WHO[viewer]
    if role in READS_OWN and report.body == body:
        return True
    return LEVELS.index(report.level) >= REACH[role]


# Incidents are the mechanism's material (issue 7): read by who reads the mechanism's level,
# and then only when they may read at least one of the incident's reports.
MECHANISM_LEVEL = LEVELS.index("mechanism")
EDITS_INCIDENTS = frozenset({"monitor", "analyst"})


def sees_incident(viewer: str | None, reports: list[Filed]) -> bool:
    role = WHO[viewer][1]
    return REACH[role] <= MECHANISM_LEVEL and any(sees(viewer, report) for report in reports)


def edits_incidents(member: str) -> bool:
    return WHO[member][1] in EDITS_INCIDENTS


def may_file(member: str) -> bool:
    return WHO[member][1] in FILES


def seen_by(viewer: str | None, reports: list[Filed]) -> set[str]:
    return {report.id for report in reports if sees(viewer, report)}


def on_home(viewer: str | None, report: Filed) -> bool:
    """What each role's home lists, restated by hand (entrypoints/web/nav.py): a narrowing of
    what the viewer sees, never more."""
    body, role = WHO[viewer]
    if role == "party":
        return report.body == body
    if role == "guarantor":
        return report.body != body and report.level in {"guarantors", "mechanism"}
    if role == "monitor":
        return report.by == viewer
    if role in {"mediator", "analyst"}:
        return True
    return report.public


def home_of(viewer: str | None, reports: list[Filed]) -> set[str]:
    return {r.id for r in reports if sees(viewer, r) and on_home(viewer, r)}


def mine_of(viewer: str | None, reports: list[Filed]) -> set[str]:
    """My reports (the field page): what the viewer filed and may read, whatever the role."""
    return {r.id for r in reports if viewer is not None and r.by == viewer and sees(viewer, r)}


# Every report's marker begins with this word: a search for it finds all a viewer may read.
SEARCH_WORD = "leak"


MARKER = re.compile(r"leak-probe-\d{4}")


def marker_for(number: int) -> str:
    return f"leak-probe-{number:04d}"


def evidence_text(marker: str) -> bytes:
    """A file whose content carries the marker: serving it to the wrong viewer shows it."""
    return f"Witness statement {marker}: impacts west of Basimah.\n".encode()


# The day every probe report tells of (support.report_fields), which compliance reports count.
REPORT_DAY = date(2017, 1, 2)


def fields_with(marker: str, level: str) -> dict[str, object]:
    """A report whose every free-text field carries the marker, so any path that leaks any
    of them shows it."""
    return report_fields(
        confidentiality=level,
        narrative=f"Account {marker} of shelling near Basimah.",
        place_text=f"Wadi Barada {marker}",
        source_name=f"Source {marker}",
        perpetrator=f"Unit {marker}",
    )


# --- the audit trail --------------------------------------------------------------------------


@dataclass
class AuditWatch:
    """Reads what the audit trail gained since the last look."""

    services: Services
    seen: int = 0

    def mark(self) -> None:
        newest = self.services.auth.audit_entries(1)
        self.seen = newest[0].seq or 0 if newest else 0

    def new(self) -> list[AuditEntry]:
        entries = [e for e in self.services.auth.audit_entries(1000) if (e.seq or 0) > self.seen]
        self.mark()
        return entries


def member_id(viewer: str | None) -> str | None:
    return None if viewer is None else f"member-{viewer}"


# --- the read paths ---------------------------------------------------------------------------


class Surface(Protocol):
    """Every read path of reports, for one viewer at a time."""

    services: Services
    address: str
    watch: AuditWatch
    # How many list requests `incident_list` makes (each that shows any leaves one entry).
    incident_lists: int

    def file(self, member: str, marker: str, level: str) -> str | None:
        """The new report's id, or None when filing was refused."""
        ...

    def listed(self, viewer: str | None) -> list[list[str]]:
        """Every page of the list, followed through its cursors: the ids on each page."""
        ...

    def count(self, viewer: str | None) -> int: ...
    def get(self, viewer: str | None, report_id: str) -> str | None:
        """The report's marker when it is served; None when it answers 'not found'."""
        ...

    def views(self, viewer: str | None) -> dict[str, Callable[[], str]]:
        """Other read paths (pages, fragments) by name, each fetched as text when called."""
        ...

    def history(self, viewer: str | None, report_id: str) -> list[str]:
        """Record entry bodies about the report, from every path that shows them."""
        ...

    def attach(self, member: str, report_id: str, marker: str) -> str:
        """Attach a file carrying the marker to the report; the file's SHA-256."""
        ...

    def get_evidence(self, viewer: str | None, sha256: str) -> str | None:
        """The marker in the file when it is served; None when it answers 'not found'."""

    def incident_list(self, viewer: str | None) -> dict[str, set[str]]:
        """The incidents listed to the viewer, each with the markers the listing shows."""
        ...

    def incident(self, viewer: str | None, incident_id: str) -> set[str] | None:
        """The markers the incident's page shows; None when it answers 'not found'."""
        ...

    def compliance(self, viewer: str | None) -> str:
        """The daily compliance report of the day every report tells of, as HTML: the
        viewer's restricted edition (the public one for an anonymous viewer)."""
        ...

    def exported(self, viewer: str | None) -> str:
        """Every report the viewer may list, exported as JSON Lines."""
        ...


PAGE = 3
ADDRESS = "10.9.8.7"


@dataclass
class ServiceSurface:
    """The application services over the memory store."""

    services: Services
    watch: AuditWatch
    address: str = ADDRESS
    incident_lists: int = 1

    @property
    def monitoring(self) -> MonitoringService:
        return self.services.monitoring

    def _principal(self, viewer: str | None) -> Principal:
        if viewer is None:
            return ANONYMOUS
        return self.services.registry.principal_for(self.services.auth.find_member(viewer))

    def file(self, member: str, marker: str, level: str) -> str | None:
        command = parse_file_report(fields_with(marker, level), now=datetime.now(UTC))
        try:
            filed = self.monitoring.file_report(
                command, self.services.auth.find_member(member), self.address
            )
        except AccessDeniedError:
            return None
        return filed.report.id

    def listed(self, viewer: str | None) -> list[list[str]]:
        pages: list[list[str]] = []
        after = None
        while True:
            page = self.monitoring.list_reports(self._principal(viewer), PAGE, after, self.address)
            pages.append([report.id for report in page.reports])
            if page.next_cursor is None:
                return pages
            after = page.next_cursor

    def count(self, viewer: str | None) -> int:
        return self.monitoring.count_reports(self._principal(viewer))

    def get(self, viewer: str | None, report_id: str) -> str | None:
        try:
            report = self.monitoring.get_report(self._principal(viewer), report_id, self.address)
        except NotFoundError as error:
            # Forbidden and missing raise the very same error.
            refusal = str(error)
        else:
            found = MARKER.search(report.content.narrative)
            return found.group(0) if found else ""
        assert refusal == str(NotFoundError("report"))
        return None

    def views(self, viewer: str | None) -> dict[str, Callable[[], str]]:
        def search() -> str:
            principal = self._principal(viewer)
            found = self.monitoring.search_reports(principal, SEARCH_WORD, 200, self.address)
            return " ".join(report.content.narrative for report in found)

        def mine() -> str:
            if viewer is None:
                return ""
            member = self.services.auth.find_member(viewer)
            page = self.monitoring.my_reports(member, 200, address=self.address)
            return " ".join(report.content.narrative for report in page.reports)

        return {"search": search, "mine": mine}

    def history(self, viewer: str | None, report_id: str) -> list[str]:  # noqa: ARG002 - Surface
        return [entry.body for entry in self.services.record.history(f"report:{report_id}")]

    def attach(self, member: str, report_id: str, marker: str) -> str:
        uploaded = self.services.evidence.upload(
            report_id,
            f"{marker}.txt",
            io.BytesIO(evidence_text(marker)),
            self.services.auth.find_member(member),
            self.address,
        )
        return uploaded.evidence.sha256

    def get_evidence(self, viewer: str | None, sha256: str) -> str | None:
        try:
            download = self.services.evidence.download(
                self._principal(viewer), sha256, address=self.address
            )
        except NotFoundError as error:
            refusal = str(error)
        else:
            found = MARKER.search(download.path.read_text())
            return found.group(0) if found else ""
        assert refusal == str(NotFoundError("evidence"))
        return None

    def incident_list(self, viewer: str | None) -> dict[str, set[str]]:
        views = self.services.incidents.list_incidents(self._principal(viewer), 200, self.address)
        return {view.incident.id: _markers_of(view) for view in views}

    def incident(self, viewer: str | None, incident_id: str) -> set[str] | None:
        try:
            view = self.services.incidents.get_incident(
                self._principal(viewer), incident_id, self.address
            )
        except NotFoundError as error:
            # Forbidden and missing raise the very same error.
            refusal = str(error)
        else:
            return _markers_of(view)
        assert refusal == str(NotFoundError("incident"))
        return None

    def compliance(self, viewer: str | None) -> str:
        edition = Edition.PUBLIC if viewer is None else Edition.RESTRICTED
        report = self.services.compliance.report(
            self._principal(viewer), day_of(REPORT_DAY), edition, self.address
        )
        return render_html(report, "en")

    def exported(self, viewer: str | None) -> str:
        chunks = self.services.exports.stream(
            self._principal(viewer),
            ExportFormat.JSONL,
            ExportFilter(),
            ENCODERS[ExportFormat.JSONL],
            self.address,
        )
        return b"".join(chunks).decode()


def _markers_of(view: IncidentView) -> set[str]:
    """Every marker an incident view carries: its reports, claims and links."""
    texts = [r.content.narrative for r in view.reports]
    texts += [c.value + c.source_name for row in view.claims for c in row.claims]
    texts += [link.report_id + (link.matched_report_id or "") for link in view.links]
    return {m for text in texts for m in MARKER.findall(text)}


def stored_incidents(services: Services) -> dict[str, tuple[str, ...]]:
    """The truth the oracle checks incident paths against: every open incident's reports."""
    with services.incidents.uow() as uow:
        return {i.id: i.report_ids for i in uow.incidents.page(500)}


@dataclass
class WebSurface:
    """The web app over SQL, each viewer with its own bearer token (or none)."""

    services: Services
    client: TestClient
    tokens: dict[str, str]
    watch: AuditWatch
    # Litestar's test client reports this as the client's address.
    address: str = "testclient"
    incident_lists: int = 2
    missing_body: bytes = field(default=b"")
    totals: list[int] = field(default_factory=list)

    def headers(self, viewer: str | None) -> dict[str, str]:
        return {} if viewer is None else {"Authorization": f"Bearer {self.tokens[viewer]}"}

    def file(self, member: str, marker: str, level: str) -> str | None:
        response = self.client.post(
            "/api/v1/reports", json=fields_with(marker, level), headers=self.headers(member)
        )
        if response.status_code == 403:
            assert response.json() == {"detail": "Not allowed", "errors": []}
            return None
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def listed(self, viewer: str | None) -> list[list[str]]:
        pages: list[list[str]] = []
        self.totals.clear()
        params: dict[str, str | int] = {"limit": PAGE}
        while True:
            response = self.client.get(
                "/api/v1/reports", params=params, headers=self.headers(viewer)
            )
            assert response.status_code == 200, response.text
            body = response.json()
            pages.append([item["id"] for item in body["items"]])
            self.totals.append(int(body["total"]))
            if body["next"] is None:
                return pages
            params = {"limit": PAGE, "after": body["next"]}

    def count(self, viewer: str | None) -> int:  # noqa: ARG002 - Surface
        """The total every page of the last list carried (they must agree)."""
        assert len(set(self.totals)) == 1, self.totals
        return self.totals[0]

    def get(self, viewer: str | None, report_id: str) -> str | None:
        response = self.client.get(f"/api/v1/reports/{report_id}", headers=self.headers(viewer))
        if response.status_code == 404:
            assert response.content == self.not_found_body(), "forbidden must read as missing"
            return None
        assert response.status_code == 200, response.text
        found = MARKER.search(response.json()["narrative"])
        return found.group(0) if found else ""

    def not_found_body(self) -> bytes:
        if not self.missing_body:
            response = self.client.get("/api/v1/reports/report-never-filed")
            assert response.status_code == 404
            self.missing_body = response.content
            # The probe's own refusal is not part of what a test watches.
            self.watch.mark()
        return self.missing_body

    def views(self, viewer: str | None) -> dict[str, Callable[[], str]]:
        headers = self.headers(viewer)
        return {
            "home page": lambda: self.client.get("/", headers=headers).text,
            "reports fragment": lambda: self.client.get("/fragments/reports", headers=headers).text,
            "mine, the field page's list": lambda: (
                self.client.get("/field/mine", headers=headers).text
            ),
            "search page": lambda: (
                self.client.get("/search", params={"q": SEARCH_WORD}, headers=headers).text
            ),
            "search api": lambda: (
                self.client.get(
                    "/api/v1/search", params={"q": SEARCH_WORD, "limit": 200}, headers=headers
                ).text
            ),
        }

    def history(self, viewer: str | None, report_id: str) -> list[str]:
        headers = self.headers(viewer)
        subject = f"report:{report_id}"
        api = self.client.get(f"/api/v1/record/subjects/{subject}", headers=headers)
        page = self.client.get("/record/history", params={"subject": subject}, headers=headers)
        assert api.status_code == page.status_code == 200
        return [entry["body"] for entry in api.json()] + [page.text]

    def incident_list(self, viewer: str | None) -> dict[str, set[str]]:
        headers = self.headers(viewer)
        response = self.client.get("/api/v1/incidents", params={"limit": 200}, headers=headers)
        assert response.status_code == 200, response.text
        page = self.client.get("/incidents", headers=headers)
        assert page.status_code == 200, page.text
        listed = {
            item["id"]: set(MARKER.findall(json.dumps(item))) for item in response.json()["items"]
        }
        assert set(INCIDENT_ROW.findall(page.text)) == set(listed), "the page lists as the API"
        return listed

    def incident(self, viewer: str | None, incident_id: str) -> set[str] | None:
        headers = self.headers(viewer)
        api = self.client.get(f"/api/v1/incidents/{incident_id}", headers=headers)
        if api.status_code == 404:
            assert api.content == self.not_found_body(), "forbidden must read as missing"
            return None
        assert api.status_code == 200, api.text
        return set(MARKER.findall(api.text))

    def compliance(self, viewer: str | None) -> str:
        params = {"date": REPORT_DAY.isoformat(), "edition": "restricted"}
        response = self.client.get("/reports/daily", params=params, headers=self.headers(viewer))
        assert response.status_code == 200, response.text
        return response.text

    def exported(self, viewer: str | None) -> str:
        response = self.client.get("/exports/jsonl", headers=self.headers(viewer))
        assert response.status_code == 200, response.text
        return response.text

    def attach(self, member: str, report_id: str, marker: str) -> str:
        response = self.client.post(
            f"/api/v1/reports/{report_id}/evidence",
            files={"file": (f"{marker}.txt", evidence_text(marker), "text/plain")},
            headers=self.headers(member),
        )
        assert response.status_code in {200, 201}, response.text
        return str(response.json()["sha256"])

    def get_evidence(self, viewer: str | None, sha256: str) -> str | None:
        response = self.client.get(f"/api/v1/evidence/{sha256}", headers=self.headers(viewer))
        if response.status_code == 404:
            assert response.content == self.not_found_body(), "forbidden must read as missing"
            return None
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"].startswith("attachment")
        found = MARKER.search(response.text)
        return found.group(0) if found else ""


INCIDENT_ROW = re.compile(r'<tr id="incident-([^"]+)">')
COUNT_IN_PAGE = re.compile(r'<span class="count">\((\d+)\)</span>')


# --- talks: the oracle ------------------------------------------------------------------------

# The Astana round's channels by the delegation they join to the mediators (or the guarantors'
# shared one), and who reads each besides the mediators, copied by hand from docs/talks.md.
TALK_CHANNELS = ("gov", "opp", "ru", "tr", "ir", "guarantors")
TALK_MEDIATORS = frozenset({"un_mediator", "host_mediator"})
DELEGATES = {
    "gov_liaison": "gov",
    "opposition_liaison": "opp",
    "guarantor_ru": "ru",
    "guarantor_tr": "tr",
    "guarantor_ir": "ir",
}
CHANNEL_MEMBERS = {
    **{body: frozenset({member}) for member, body in DELEGATES.items()},
    "guarantors": frozenset({"guarantor_ru", "guarantor_tr", "guarantor_ir"}),
}
# The single text is circulated to every delegation; a draft stays in its owner's channel.
SINGLE_TEXT = "single"
DRAFTS = {"gov": "gov_liaison", "opp": "opposition_liaison"}
TALK_MARKER = re.compile(r"talk-probe-\d{4}")


def talk_marker(number: int) -> str:
    return f"talk-probe-{number:04d}"


def reads_channel(viewer: str | None, channel: str) -> bool:
    return viewer in TALK_MEDIATORS or viewer in CHANNEL_MEMBERS[channel]


def reads_document(viewer: str | None, document: str) -> bool:
    if viewer in TALK_MEDIATORS:
        return True
    if document == SINGLE_TEXT:
        return viewer in DELEGATES
    return viewer == DRAFTS[document]


@dataclass(frozen=True, slots=True)
class TalkMessage:
    id: str
    channel: str
    markers: frozenset[str]


@dataclass(frozen=True, slots=True)
class TalkPosition:
    id: str
    owner: str
    item_id: str
    marker: str
    shareable: bool


@dataclass
class TalkWorld:
    """What the oracle knows of the round: ids, and which marker went where."""

    round_id: str
    channels: dict[str, str]
    items: list[str]
    documents: dict[str, str]
    messages: list[TalkMessage] = field(default_factory=list)
    positions: list[TalkPosition] = field(default_factory=list)
    # Each document's versions, oldest first, as the markers of their clauses.
    versions: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    published: set[str] = field(default_factory=set)
    # The single text's version numbers that were published.
    published_numbers: set[int] = field(default_factory=set)

    def channel_of(self, channel_id: str) -> str:
        return next(key for key, value in self.channels.items() if value == channel_id)

    def messages_seen(self, viewer: str | None, channel: str | None = None) -> list[TalkMessage]:
        return [
            m
            for m in self.messages
            if reads_channel(viewer, m.channel) and channel in {None, m.channel}
        ]

    def current_positions(self, viewer: str | None) -> list[TalkPosition]:
        latest: dict[tuple[str, str], TalkPosition] = {}
        for position in self.positions:
            if viewer in TALK_MEDIATORS or DELEGATES.get(viewer or "") == position.owner:
                latest[(position.item_id, position.owner)] = position
        return list(latest.values())

    def visible_markers(self, viewer: str | None) -> set[str]:
        markers = set(self.published)
        for message in self.messages_seen(viewer):
            markers |= message.markers
        for position in self.positions:
            if viewer in TALK_MEDIATORS or DELEGATES.get(viewer or "") == position.owner:
                markers.add(position.marker)
        for document, versions in self.versions.items():
            if reads_document(viewer, document):
                markers |= set().union(*versions)
        return markers

    def forbidden(self, viewer: str | None) -> set[str]:
        """Strings the viewer must never be shown: ids of messages, channels, positions and
        drafts it may not read (a relay's source among them), and the member ids of
        delegations it shares no channel with."""
        hidden = {m.id for m in self.messages if not reads_channel(viewer, m.channel)}
        hidden |= {i for key, i in self.channels.items() if not reads_channel(viewer, key)}
        hidden |= {
            p.id
            for p in self.positions
            if viewer not in TALK_MEDIATORS and DELEGATES.get(viewer or "") != p.owner
        }
        hidden |= {
            i
            for key, i in self.documents.items()
            if not reads_document(viewer, key)
            and not (key == SINGLE_TEXT and self.published_numbers)
        }
        for member in DELEGATES:
            shares = any(
                reads_channel(viewer, key) and reads_channel(member, key) for key in TALK_CHANNELS
            )
            if not shares and member != viewer:
                hidden.add(f"member-{member}")
        return hidden


# --- talks: the read paths --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Served:
    """One read as served: the message ids it listed in order (where it lists messages),
    a count (rows, events), and all of its text."""

    text: str
    ids: tuple[str, ...] = ()
    count: int = 0


class TalkSurface(Protocol):
    """Every read path of the talks, for one viewer at a time: None is 'not found'."""

    def channel(self, viewer: str | None, channel_id: str) -> Served | None: ...
    def stream(self, viewer: str | None) -> Served: ...
    def delivery_round(self, viewers: list[str | None]) -> list[Served] | None:
        """Many streams in one delivery round; None where the surface serves one stream
        per request (the web app: its rounds run behind open connections)."""
        ...

    def board(self, viewer: str | None, round_id: str) -> Served | None: ...
    def document(self, viewer: str | None, document_id: str) -> Served | None: ...
    def publications(self, viewer: str | None) -> Served: ...
    def pages(self, viewer: str | None, world: TalkWorld) -> dict[str, str]:
        """Other paths (pages, fragments) by name, each as text."""
        ...


@dataclass
class TalkServiceSurface:
    """The talks service over the memory store; each result is read as its repr, so every
    field it carries is checked."""

    services: Services

    def _principal(self, viewer: str | None) -> Principal:
        if viewer is None:
            return ANONYMOUS
        return self.services.registry.principal_for(self.services.auth.find_member(viewer))

    def channel(self, viewer: str | None, channel_id: str) -> Served | None:
        try:
            view = self.services.talks.channel_view(self._principal(viewer), channel_id, ADDRESS)
        except NotFoundError:
            return None
        return Served(repr(view), tuple(m.message.id for m in view.messages), len(view.messages))

    def stream(self, viewer: str | None) -> Served:
        views, _ = self.services.talks.stream(self._principal(viewer), 0, 10_000)
        return Served(repr(views), tuple(v.message.id for v in views), len(views))

    def delivery_round(self, viewers: list[str | None]) -> list[Served]:
        """One delivery round for many streams at once (`follow_many`), as a server process
        serves its open streams: views are shared within a viewer class."""
        readers = [StreamReader(self._principal(v), 0, ADDRESS) for v in viewers]
        batches = self.services.talks.follow_many(readers, 10_000)
        return [
            Served(repr(b.views), tuple(v.message.id for v in b.views), len(b.views))
            for b in batches
        ]

    def board(self, viewer: str | None, round_id: str) -> Served | None:
        try:
            rows = self.services.talks.board(self._principal(viewer), round_id, ADDRESS)
        except NotFoundError:
            return None
        return Served(repr(rows), count=len(rows))

    def document(self, viewer: str | None, document_id: str) -> Served | None:
        try:
            view = self.services.talks.document_view(
                self._principal(viewer), document_id, None, ADDRESS
            )
        except NotFoundError:
            return None
        return Served(repr(view))

    def publications(self, viewer: str | None) -> Served:
        views = self.services.talks.publications(self._principal(viewer), address=ADDRESS)
        return Served(repr(views), count=len(views))

    def pages(self, viewer: str | None, world: TalkWorld) -> dict[str, str]:
        try:
            view = self.services.talks.round_view(self._principal(viewer), world.round_id)
        except NotFoundError:
            return {}
        return {"round view": repr(view)}


SSE_DATA = re.compile(r"^data: ?(.*)$", re.MULTILINE)


@dataclass
class TalkWebSurface:
    """The web app over SQL: the JSON API, the pages and fragments, the event stream."""

    client: TestClient
    tokens: dict[str, str]
    missing: dict[str, bytes] = field(default_factory=dict)

    def headers(self, viewer: str | None) -> dict[str, str]:
        return {} if viewer is None else {"Authorization": f"Bearer {self.tokens[viewer]}"}

    def _get(self, viewer: str | None, path: str, object_id: str) -> str | None:
        response = self.client.get(path, headers=self.headers(viewer))
        if response.status_code == 404:
            guess = path.replace(object_id, "talk-never-made")
            if guess not in self.missing:
                self.missing[guess] = self.client.get(guess, headers=self.headers(viewer)).content
            assert response.content == self.missing[guess], f"{path}: forbidden reads as missing"
            return None
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.text

    def delivery_round(self, viewers: list[str | None]) -> None:
        del viewers

    def channel(self, viewer: str | None, channel_id: str) -> Served | None:
        text = self._get(viewer, f"/api/v1/talks/channels/{channel_id}", channel_id)
        if text is None:
            return None
        messages = self.client.get(
            f"/talks/channels/{channel_id}/messages", headers=self.headers(viewer)
        )
        assert messages.status_code == 200, "the fragment answers as the API"
        ids = tuple(m["id"] for m in json.loads(text)["messages"])
        return Served(text + messages.text, ids, len(ids))

    def stream(self, viewer: str | None) -> Served:
        response = self.client.get(
            "/talks/stream", params={"after": 0, "once": "true"}, headers=self.headers(viewer)
        )
        assert response.status_code == 200, response.text
        events = [json.loads(data) for data in SSE_DATA.findall(response.text) if data]
        return Served(response.text, tuple(e["id"] for e in events), len(events))

    def board(self, viewer: str | None, round_id: str) -> Served | None:
        text = self._get(viewer, f"/api/v1/talks/rounds/{round_id}/positions", round_id)
        return None if text is None else Served(text, count=len(json.loads(text)))

    def document(self, viewer: str | None, document_id: str) -> Served | None:
        text = self._get(viewer, f"/api/v1/talks/documents/{document_id}", document_id)
        if text is None:
            return None
        page = self.client.get(f"/talks/documents/{document_id}", headers=self.headers(viewer))
        assert page.status_code == 200, "the page answers as the API"
        return Served(text + page.text)

    def publications(self, viewer: str | None) -> Served:
        api = self.client.get("/api/v1/talks/publications", headers=self.headers(viewer))
        page = self.client.get("/talks/publications", headers=self.headers(viewer))
        assert api.status_code == page.status_code == 200
        return Served(api.text + page.text, count=len(api.json()))

    def pages(self, viewer: str | None, world: TalkWorld) -> dict[str, str]:
        headers = self.headers(viewer)
        listing = self.client.get("/talks", headers=headers)
        assert listing.status_code == 200
        shown = {"rounds page": listing.text}
        console = self.client.get(f"/talks/rounds/{world.round_id}", headers=headers)
        if console.status_code == 200:
            shown["round page"] = console.text
        return shown


# --- the procedure: the oracle ----------------------------------------------------------------

# Every free text of the procedure carries one: a step's note, a monitor's findings, an
# allegation, a reply, a vote's reasons, a determination's summary.
PROC_MARKER = re.compile(r"proc-probe-\d{4}")
# Who reads a case before publication, restated from docs/procedure.md: the mechanism
# (guarantors, mediators, monitors, analysts) when it may read the incident's reports.
CASE_READERS = frozenset({"guarantor", "mediator", "monitor", "analyst"})


def proc_marker(number: int) -> str:
    return f"proc-probe-{number:04d}"


def reads_case(viewer: str | None) -> bool:
    return WHO[viewer][1] in CASE_READERS


def accused_is(viewer: str | None, body: str | None) -> bool:
    """The viewer speaks for the accused party."""
    viewer_body, role = WHO[viewer]
    return role == "party" and body is not None and viewer_body == body


def reads_request(viewer: str | None, accused: str) -> bool:
    """A reply request is read by the mechanism and by the party it accuses, nobody else."""
    return reads_case(viewer) or accused_is(viewer, accused)


@dataclass
class ProcRequest:
    id: str
    accused: str
    marker: str
    replies: list[str] = field(default_factory=list)
    open: bool = True


@dataclass
class ProcCase:
    """What the oracle knows of one incident's case: which marker went where."""

    id: str
    accused: str | None = None
    published: bool = False
    # Step notes and the monitors' findings: the mechanism's, never published.
    notes: set[str] = field(default_factory=set)
    findings: set[str] = field(default_factory=set)
    requests: list[ProcRequest] = field(default_factory=list)
    votes: set[str] = field(default_factory=set)
    summary: set[str] = field(default_factory=set)

    @property
    def internal(self) -> set[str]:
        return self.notes | self.findings

    def everything(self) -> set[str]:
        markers = self.internal | self.votes | self.summary
        for request in self.requests:
            markers |= {request.marker, *request.replies}
        return markers

    def public(self) -> set[str]:
        """What publication makes public: the determination with its votes, the requests
        and replies; the notes and findings stay with the mechanism."""
        return self.everything() - self.internal if self.published else set()

    def allowed(self, viewer: str | None) -> set[str]:
        if reads_case(viewer):
            return self.everything()
        own = set()
        for request in self.requests:
            if accused_is(viewer, request.accused):
                own |= {request.marker, *request.replies}
        return own | self.public()


def proc_allowed(viewer: str | None, cases: list[ProcCase]) -> set[str]:
    return set().union(*(case.allowed(viewer) for case in cases))


def proc_every_marker(cases: list[ProcCase]) -> set[str]:
    return set().union(*(case.everything() for case in cases))


# --- the procedure: the read paths ------------------------------------------------------------


class ProcSurface(Protocol):
    """The procedure's read paths for one viewer; None is 'not found'."""

    def panel(self, viewer: str | None, incident_id: str) -> str | None: ...
    def inbox(self, viewer: str | None) -> tuple[set[str], str]:
        """The ids of the reply requests listed to the viewer, and all the text."""
        ...

    def request(self, viewer: str | None, request_id: str) -> str | None:
        """A request by id, where the surface has such a path (else it answers '')."""
        ...

    def queue(self, viewer: str | None) -> str: ...
    def published(self, viewer: str | None) -> str: ...


@dataclass
class ProcServiceSurface:
    """The procedure service over the memory store; each result read as its repr."""

    services: Services

    def _member(self, viewer: str | None):
        return None if viewer is None else self.services.auth.find_member(viewer)

    def _principal(self, viewer: str | None) -> Principal:
        member = self._member(viewer)
        return ANONYMOUS if member is None else self.services.registry.principal_for(member)

    def panel(self, viewer: str | None, incident_id: str) -> str | None:
        try:
            view = self.services.procedure.view(self._principal(viewer), incident_id, ADDRESS)
        except NotFoundError as error:
            refusal = str(error)
        else:
            return repr(view)
        assert refusal == str(NotFoundError("incident"))
        return None

    def inbox(self, viewer: str | None) -> tuple[set[str], str]:
        member = self._member(viewer)
        if member is None:
            return set(), ""
        views = self.services.procedure.inbox(member, ADDRESS)
        return {v.request.id for v in views}, repr(views)

    def request(self, viewer: str | None, request_id: str) -> str | None:
        member = self._member(viewer)
        if member is None:
            return None
        try:
            view = self.services.procedure.reply_request(member, request_id, ADDRESS)
        except NotFoundError as error:
            refusal = str(error)
        else:
            return repr(view)
        assert refusal == str(NotFoundError("reply request"))
        return None

    def queue(self, viewer: str | None) -> str:
        member = self._member(viewer)
        return "" if member is None else repr(self.services.procedure.queue(member, ADDRESS))

    def published(self, viewer: str | None) -> str:  # noqa: ARG002 - the same for everyone
        return repr(self.services.procedure.published(200))


REQUEST_ARTICLE = re.compile(r'<article class="reply-request" id="request-([^"]+)">')


@dataclass
class ProcWebSurface:
    """The procedure's pages over SQL, each viewer with its bearer token (or none)."""

    client: TestClient
    tokens: dict[str, str]
    missing: bytes = b""

    def headers(self, viewer: str | None) -> dict[str, str]:
        return {} if viewer is None else {"Authorization": f"Bearer {self.tokens[viewer]}"}

    def panel(self, viewer: str | None, incident_id: str) -> str | None:
        response = self.client.get(
            f"/incidents/{incident_id}/procedure", headers=self.headers(viewer)
        )
        if response.status_code == 404:
            missing = self.client.get(
                "/incidents/incident-never-opened/procedure", headers=self.headers(viewer)
            )
            assert response.content == missing.content, "forbidden must read as missing"
            return None
        assert response.status_code == 200, response.text
        return response.text

    def inbox(self, viewer: str | None) -> tuple[set[str], str]:
        response = self.client.get("/replies", headers=self.headers(viewer))
        assert response.status_code == 200, response.text
        return set(REQUEST_ARTICLE.findall(response.text)), response.text

    def request(self, viewer: str | None, request_id: str) -> str | None:  # noqa: ARG002
        """The web reads requests only in the inbox: nothing more to check here."""
        return ""

    def queue(self, viewer: str | None) -> str:
        response = self.client.get("/deliberation", headers=self.headers(viewer))
        assert response.status_code == 200, response.text
        return response.text

    def published(self, viewer: str | None) -> str:
        response = self.client.get("/determinations", headers=self.headers(viewer))
        assert response.status_code == 200, response.text
        return response.text
