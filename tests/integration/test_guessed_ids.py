"""S2: no access by guessed ids. For each role's token, every route that takes an object id,
given another party's object id, answers 404 with exactly the body of a missing id, and leaves
one audit entry (S12).

Routes come from the app's own route table, so a new route fails `test_every_route_is_
classified` until it is placed in one of the tables below: id-free, taking a party's object
id (probed here), or public by design (the record, assets, the schema: checked to show no
party content).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import datetime

import pytest
from httpx import Response
from leak_oracle import (
    MARKER,
    MEMBERS,
    VIEWERS,
    WHO,
    Filed,
    edits_incidents,
    fields_with,
    marker_for,
    sees,
    sees_incident,
)
from litestar.testing import TestClient

from integration_helpers import csrf_token, sign_in, token_for
from support import START
from talk_helpers import ASTANA
from truce.bootstrap import Services
from truce.domain.parties import Role
from truce.domain.reports import parse_file_report
from truce.entrypoints.web.app import create_app

# Routes whose path names no object.
ID_FREE = frozenset(
    {
        "/",
        "/reports",
        "/fragments/reports",
        "/login",
        "/logout",
        "/api/v1/reports",
        "/api/v1/actors",
        "/api/v1/agreements",
        "/api/v1/bodies",
        "/api/v1/record/checkpoints",
        "/api/v1/record/consistency",
        "/api/v1/record/checkpoint",
        "/api/v1/record/key",
        "/record",
        "/record/history",
        "/record/verify",
        "/admin/audit",
        "/admin/accounts",
        "/admin/tokens",
        "/account/passkeys",
        "/account/passkeys/options",
        "/account/passkeys/remove",
        "/account/reauthenticate",
        "/account/security",
        "/account/totp",
        "/account/totp/confirm",
        "/account/totp/remove",
        "/api/v1/decisions/sign",
        "/api/v1/reports/batch",
        "/quarantine",
        "/login/passkey",
        "/login/passkey/options",
        "/login/second-factor",
        "/map",
        "/deliberation",
        "/replies",
        # Published determinations only: public by design (S11).
        "/determinations",
        "/map/layers/reports",
        "/map/layers/zones",
        "/healthz",
        # Search takes words, never an id; the language switcher takes a language code.
        "/search",
        "/api/v1/search",
        "/language",
        "/api/v1/schema",
        "/api/v1/schema/openapi.json",
        "/api/v1/schema/openapi.yml",
        "/api/v1/schema/openapi.yaml",
        "/api/v1/talks/publications",
        "/talks",
        "/talks/publications",
        "/talks/stream",
        "/reports/daily",
        "/reports/weekly",
        "/reports/monthly",
        "/incidents",
        "/api/v1/incidents",
        # The field page: the signed-in member's own outbox and reports, never another's.
        "/field",
        "/field/mine",
        "/field/session",
        "/field/sync",
        "/field/sw.js",
    }
)
# Routes taking a talks object id (a channel, message, round or document): probed with the
# other delegation's ids in tests/integration/test_talks_web.py, and below for the positions
# and endorsement routes.
TALK_ID_ROUTES = frozenset(
    {
        "/api/v1/talks/channels/{channel_id:str}",
        "/api/v1/talks/channels/{channel_id:str}/messages",
        "/api/v1/talks/messages/{message_id:str}/relay",
        "/api/v1/talks/rounds/{round_id:str}/positions",
        "/api/v1/talks/documents/{document_id:str}",
        "/talks/rounds/{round_id:str}",
        "/talks/rounds/{round_id:str}/positions",
        "/talks/channels/{channel_id:str}",
        "/talks/channels/{channel_id:str}/messages",
        "/talks/messages/{message_id:str}/relay",
        "/talks/messages/{message_id:str}/read",
        "/talks/documents/{document_id:str}",
        "/talks/documents/{document_id:str}/versions",
        "/talks/documents/{document_id:str}/endorsements",
    }
)
# Routes taking a party's object id, as the request a guesser makes.
Probe = Callable[[str], str]
OBJECT_ID_ROUTES: dict[str, Probe] = {
    "/api/v1/reports/{report_id:str}": lambda report_id: f"/api/v1/reports/{report_id}",
    # The object is named in the query: the same guess, the same answer.
    "/api/v1/decisions": lambda report_id: f"/api/v1/decisions?object=report:{report_id}",
    "/api/v1/decisions/target": (
        lambda report_id: f"/api/v1/decisions/target?object=report:{report_id}"
    ),
}
# Routes taking an incident's or a reply request's id (the procedure, issue 8): probed in
# tests/integration/test_procedure_web.py and below with incidents, since a report id names
# none of them.
PROCEDURE_ID_ROUTES: dict[str, Probe] = {
    "/incidents/{incident_id:str}/procedure": lambda i: f"/incidents/{i}/procedure",
    "/incidents/{incident_id:str}/procedure/{action:str}": lambda i: (
        f"/incidents/{i}/procedure/step"
    ),
    "/replies/{request_id:str}": lambda i: f"/replies/{i}",
}
# Routes taking an incident's id (issue 7): an incident is the mechanism's material built
# from parties' reports, probed with the ids of the incidents the filings opened.
INCIDENT_READS: dict[str, Probe] = {
    "/incidents/{incident_id:str}": lambda incident_id: f"/incidents/{incident_id}",
    "/api/v1/incidents/{incident_id:str}": lambda incident_id: f"/api/v1/incidents/{incident_id}",
}
INCIDENT_EDITS: dict[str, Probe] = {
    "/incidents/{incident_id:str}/merge": lambda incident_id: f"/incidents/{incident_id}/merge",
    "/incidents/{incident_id:str}/split": lambda incident_id: f"/incidents/{incident_id}/split",
}
# Routes naming a party's evidence by its SHA-256, or attaching to a party's report: probed
# by test_another_partys_evidence_answers_as_a_missing_one below.
EVIDENCE_ROUTES = {
    "/api/v1/evidence/{sha256:str}": "download (GET); probed by hash",
    "/api/v1/evidence/{sha256:str}/custody": "custody chain (GET) and transfer (POST); by hash",
    "/api/v1/reports/{report_id:str}/evidence": "upload (POST); probed by report id",
    "/reports/{report_id:str}/evidence": "the report page's upload form; probed signed in",
    "/reports/{report_id:str}": "the report page with its evidence; probed signed in",
}
# A body's rejected items: read and corrected only by that body (dataset rows are public).
QUARANTINE_ROUTES = {
    "/quarantine/{row_id:str}": "probed in test_quarantine_pages.py, signed in (GET and POST)",
}
# An account or a token by id: operators only (Action.ADMINISTER on the member), anyone else
# gets "not found" like a missing one; probed in test_admin_accounts.py.
ADMIN_ROUTES = {
    "/admin/accounts/{member_id:str}/{change:str}": "enable or disable (POST); operators only",
    "/admin/tokens/{token_id:str}/revoke": "revoke a token (POST); operators only",
    "/admin/enrolments/{member_id:str}": (
        "a new enrolment link (POST); operators only, probed in test_admin_configuration.py"
    ),
    # Agreements are public terms; their configuration screen is the operators' alone.
    "/admin/agreements/{agreement_id:str}": (
        "the agreement's configuration; operators only, probed in test_admin_configuration.py"
    ),
    "/admin/agreements/{agreement_id:str}/procedure": (
        "set the procedure (POST); operators only, probed in test_admin_configuration.py"
    ),
}
# Routes whose ids name no party's object, and why.
PUBLIC_BY_DESIGN = {
    "/api/v1/record/checkpoints/{size:int}/cosignatures": "a witness co-signs a public size",
    "/api/v1/record/entries/{seq:int}": "record positions; entries hold commitments, no content",
    "/api/v1/record/entries/{seq:int}/proof": "proofs over the public record",
    "/api/v1/record/subjects/{subject:str}": "the public record's entries about an object",
    "/login/oidc/{provider:str}": "an operator-declared provider's public name",
    "/enrol/{secret:str}": (
        "a one-time enrolment secret (256 bits), no object's id; any wrong one answers alike"
    ),
    "/login/oidc/{provider:str}/callback": "a provider name; the state is bound to the browser",
    "/map/layers/outlines/{level:int}": "administrative levels 1-3 of the public boundaries",
    "/vendor/{name:str}": "front-end libraries by an allow-list of names",
    "/static/{file_path:path}": "the app's own styles and images",
    "/api/v1/schema/{path:str}": "the OpenAPI schema's renderings",
    "/exports/{export_format:str}": "a format's name (csv, jsonl...); rows follow the policy",
}
MISSING = "report-never-filed"
FILERS = ("gov_liaison", "opposition_liaison", "guarantor_ru", "monitor")


def test_every_route_is_classified(services):
    app = create_app(services.settings, services)
    paths = {route.path for route in app.routes}
    tables = (
        ID_FREE
        | set(OBJECT_ID_ROUTES)
        | set(PROCEDURE_ID_ROUTES)
        | set(PUBLIC_BY_DESIGN)
        | TALK_ID_ROUTES
        | set(INCIDENT_READS)
        | set(INCIDENT_EDITS)
        | set(EVIDENCE_ROUTES)
        | set(QUARANTINE_ROUTES)
        | set(ADMIN_ROUTES)
    )
    assert paths - tables == set(), "classify each new route in test_guessed_ids.py"
    assert tables - paths == set(), "a route classified here no longer exists"
    takes_ids = {route.path for route in app.routes if route.path_parameters}
    assert not takes_ids & ID_FREE


def file_everything(services: Services) -> list[Filed]:
    """Every filing body's report at every level short of public."""
    filed = []
    for member in FILERS:
        for level in ("submitter", "guarantors", "mechanism"):
            marker = marker_for(len(filed) + 1)
            command = parse_file_report(fields_with(marker, level), now=START)
            report = services.monitoring.file_report(command, services.auth.find_member(member))
            body = WHO[member][0]
            assert body is not None
            filed.append(Filed(report.report.id, body, level, marker))
    return filed


def new_entries(services: Services, after: int):
    return [e for e in services.auth.audit_entries(50) if (e.seq or 0) > after]


def newest_seq(services: Services) -> int:
    entries = services.auth.audit_entries(1)
    return entries[0].seq or 0 if entries else 0


@pytest.fixture
def app_client(services):
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as c:
        yield c


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v or "anonymous")
def test_another_partys_id_answers_as_a_missing_one(viewer, services, app_client):
    filed = file_everything(services)
    if viewer is not None:
        token = token_for(services, viewer, "reports:read", "decisions:read")
        app_client.headers["Authorization"] = f"Bearer {token}"
    for route, probe in OBJECT_ID_ROUTES.items():
        missing = app_client.get(probe(MISSING))
        assert missing.status_code == 404, route
        for report in filed:
            before = newest_seq(services)
            response = app_client.get(probe(report.id))
            entries = new_entries(services, before)
            assert len(entries) == 1, f"{route} {report}: one audit entry per decision"
            assert entries[0].resource_id == report.id
            assert entries[0].actor_member_id == (viewer and f"member-{viewer}")
            if sees(viewer, report):
                assert response.status_code == 200, (viewer, report)
                assert entries[0].allowed
            else:
                assert response.status_code == 404, (viewer, report)
                assert response.content == missing.content
                assert dict(response.headers) == dict(missing.headers) | {
                    "content-length": response.headers["content-length"]
                }
                assert not entries[0].allowed


def cursor_naming(report_id: str, moment: datetime = START) -> str:
    raw = f"{moment.isoformat()}|{report_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("viewer", ["opposition_liaison", "observer_us", None])
def test_a_cursor_naming_another_partys_report_tells_nothing(viewer, services, app_client):
    filed = file_everything(services)
    if viewer is not None:
        token = token_for(services, viewer, "reports:read", "decisions:read")
        app_client.headers["Authorization"] = f"Bearer {token}"
    hidden = [report for report in filed if not sees(viewer, report)]
    assert hidden
    moment = services.clock.now()
    baseline = app_client.get("/api/v1/reports", params={"after": cursor_naming(MISSING, moment)})
    for report in hidden:
        guessed = app_client.get(
            "/api/v1/reports", params={"after": cursor_naming(report.id, moment)}
        )
        assert guessed.status_code == baseline.status_code == 200
        assert {i["id"] for i in guessed.json()["items"]} <= {
            r.id for r in filed if sees(viewer, r)
        }
        assert guessed.json()["total"] == baseline.json()["total"]


@pytest.mark.parametrize("viewer", ["opposition_liaison", "guarantor_tr", "observer_us", None])
def test_the_public_record_shows_no_party_content_for_any_id(viewer, services, app_client):
    """The record is public by design (docs/events.md): a guessed subject may show that a
    report was filed, never what it says."""
    filed = file_everything(services)
    if viewer is not None:
        token = token_for(services, viewer, "reports:read", "decisions:read")
        app_client.headers["Authorization"] = f"Bearer {token}"
    size = services.record.issue_checkpoint().size
    for report in filed:
        subject = f"report:{report.id}"
        api = app_client.get(f"/api/v1/record/subjects/{subject}")
        page = app_client.get("/record/history", params={"subject": subject})
        assert not MARKER.search(api.text + page.text)
    for seq in range(size):
        entry = app_client.get(f"/api/v1/record/entries/{seq}")
        proof = app_client.get(f"/api/v1/record/entries/{seq}/proof")
        assert not MARKER.search(entry.text + proof.text)


def test_every_member_of_the_cast_is_probed():
    assert set(VIEWERS) == {*MEMBERS, None}


# Who reads an incident's decision panel before publication: whoever may read the mechanism's
# material (restated apart from the policy, as leak_oracle does for reports).
READS_PANEL = frozenset(
    {"guarantor_ru", "guarantor_tr", "guarantor_ir", "un_mediator", "host_mediator",
     "monitor", "analyst"}
)  # fmt: skip


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v or "anonymous")
def test_an_incidents_panel_answers_others_as_a_missing_one(viewer, services, app_client):
    filed = file_everything(services)
    analyst = services.registry.principal_for(services.auth.find_member("analyst"))
    incidents = {v.incident.id: v.incident for v in services.incidents.list_incidents(analyst)}
    assert incidents
    if viewer is not None:
        token = token_for(services, viewer, "reports:read", "decisions:read")
        app_client.headers["Authorization"] = f"Bearer {token}"
    probe = PROCEDURE_ID_ROUTES["/incidents/{incident_id:str}/procedure"]
    missing = app_client.get(probe(MISSING))
    assert missing.status_code == 404
    for incident_id, incident in incidents.items():
        before = newest_seq(services)
        response = app_client.get(probe(incident_id))
        entries = new_entries(services, before)
        assert len(entries) == 1, "one audit entry per decision"
        assert entries[0].resource_id == incident_id
        reports = [r for r in filed if r.id in incident.report_ids]
        if viewer in READS_PANEL and any(sees(viewer, r) for r in reports):
            assert response.status_code == 200, (viewer, incident_id)
        else:
            assert response.status_code == 404, (viewer, incident_id)
            assert response.content == missing.content
            assert not MARKER.search(response.text)


def stored_incidents(services: Services) -> dict[str, tuple[str, ...]]:
    with services.incidents.uow() as uow:
        return {i.id: i.report_ids for i in uow.incidents.page(200)}


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v or "anonymous")
def test_a_guessed_incident_id_answers_as_a_missing_one(viewer, services, app_client):
    """An incident is served only to who may read it and one of its reports; to anyone else
    it answers exactly as an id never issued, with one audit entry naming it."""
    filed = {report.id: report for report in file_everything(services)}
    incidents = stored_incidents(services)
    assert incidents
    if viewer is not None:
        token = token_for(services, viewer, "reports:read")
        app_client.headers["Authorization"] = f"Bearer {token}"
    served = 0
    for route, probe in INCIDENT_READS.items():
        missing = app_client.get(probe("incident-never-opened"))
        assert missing.status_code == 404, route
        for incident_id, report_ids in incidents.items():
            before = newest_seq(services)
            response = app_client.get(probe(incident_id))
            entries = new_entries(services, before)
            assert len(entries) == 1, f"{route} {incident_id}: one audit entry"
            assert entries[0].resource_id == incident_id
            assert entries[0].actor_member_id == (viewer and f"member-{viewer}")
            if sees_incident(viewer, [filed[i] for i in report_ids]):
                assert response.status_code == 200, (viewer, route)
                assert entries[0].allowed
                served += 1
                shown = set(MARKER.findall(response.text))
                assert shown <= {filed[i].marker for i in report_ids if sees(viewer, filed[i])}
            else:
                assert response.status_code == 404, (viewer, route)
                assert response.content == missing.content
                assert not entries[0].allowed
    assert (served > 0) == (WHO[viewer][1] in {"guarantor", "mediator", "monitor", "analyst"})


@pytest.mark.parametrize("viewer", [m for m in MEMBERS if not edits_incidents(m)])
def test_a_guessed_incident_id_cannot_be_merged_or_split(viewer, services, app_client):
    """Somebody who may not edit incidents, signed in with a browser session and a good CSRF
    token, gets the missing id's answer for every incident, and one audit entry each."""
    file_everything(services)
    incidents = stored_incidents(services)
    sign_in(app_client, services, viewer)
    token = csrf_token(app_client.get("/incidents").text)
    form = {"_csrf_token": token, "reason": "probing", "other": "incident-never-opened"}
    for route, probe in INCIDENT_EDITS.items():
        missing = app_client.post(probe("incident-never-opened-either"), data=form)
        assert missing.status_code == 404, (route, missing.text)
        for incident_id in incidents:
            before = newest_seq(services)
            response = app_client.post(probe(incident_id), data=form)
            entries = new_entries(services, before)
            assert response.status_code == 404, (viewer, route)
            assert response.content == missing.content
            assert [(e.resource_id, e.allowed) for e in entries] == [(incident_id, False)]


def attach_everywhere(services: Services, filed: list[Filed]) -> dict[str, str]:
    """A distinct file on every report, by its body's filer: report id -> the file's hash."""
    hashes = {}
    for report in filed:
        member = next(m for m in FILERS if WHO[m][0] == report.body)
        data = f"statement {report.marker}\n".encode()
        uploaded = services.evidence.upload(
            report.id, "statement.txt", io.BytesIO(data), services.auth.find_member(member)
        )
        hashes[report.id] = uploaded.evidence.sha256
    return hashes


def one_entry_for(services: Services, before: int, resource_id: str, viewer: str | None):
    entries = new_entries(services, before)
    assert len(entries) == 1, f"{resource_id}: one audit entry per decision"
    assert entries[0].resource_id == resource_id
    assert entries[0].actor_member_id == (viewer and f"member-{viewer}")
    return entries[0]


@pytest.mark.parametrize("viewer", VIEWERS, ids=lambda v: v or "anonymous")
def test_another_partys_evidence_answers_as_a_missing_one(viewer, services, app_client):
    filed = file_everything(services)
    hashes = attach_everywhere(services, filed)
    if viewer is not None:
        token = token_for(services, viewer, "reports:read", "reports:write")
        app_client.headers["Authorization"] = f"Bearer {token}"
    never = "0" * 64
    missing = {
        "download": app_client.get(f"/api/v1/evidence/{never}"),
        "custody": app_client.get(f"/api/v1/evidence/{never}/custody"),
        "transfer": app_client.post(f"/api/v1/evidence/{never}/custody", json={"to": "x"}),
        "upload": app_client.post(
            f"/api/v1/reports/{MISSING}/evidence", files={"file": ("a.txt", b"probe", "text/plain")}
        ),
    }
    for name, response in missing.items():
        assert response.status_code in {401, 404}, name
    for report in filed:
        sha256 = hashes[report.id]
        probes = {
            "download": lambda sha256=sha256: app_client.get(f"/api/v1/evidence/{sha256}"),
            "custody": lambda sha256=sha256: app_client.get(f"/api/v1/evidence/{sha256}/custody"),
        }
        for name, probe in probes.items():
            before = newest_seq(services)
            response = probe()
            entry = one_entry_for(services, before, sha256, viewer)
            if sees(viewer, report):
                assert response.status_code == 200, (name, viewer, report)
                assert entry.allowed
            else:
                assert response.status_code == 404, (name, viewer, report)
                assert response.content == missing[name].content
                assert not entry.allowed
        if viewer is None or sees(viewer, report):
            continue
        # Guessing another party's hidden report to attach to, or its file to transfer.
        before = newest_seq(services)
        upload = app_client.post(
            f"/api/v1/reports/{report.id}/evidence",
            files={"file": ("a.txt", b"probe", "text/plain")},
        )
        assert upload.status_code == 404
        assert upload.content == missing["upload"].content
        assert not one_entry_for(services, before, report.id, viewer).allowed
        before = newest_seq(services)
        transfer = app_client.post(f"/api/v1/evidence/{sha256}/custody", json={"to": "x"})
        assert transfer.status_code == 404
        assert transfer.content == missing["transfer"].content
        assert not one_entry_for(services, before, sha256, viewer).allowed


def test_the_report_page_and_its_form_answer_a_hidden_report_as_a_missing_one(services, app_client):
    filed = file_everything(services)
    sign_in(app_client, services, "opposition_liaison")
    token = csrf_token(app_client.get("/").text)
    hidden = [r for r in filed if not sees("opposition_liaison", r)]
    assert hidden

    def attempt(report_id: str):
        return app_client.post(
            f"/reports/{report_id}/evidence",
            data={"_csrf_token": token},
            files={"file": ("a.txt", b"probe", "text/plain")},
        )

    def view(report_id: str):
        return app_client.get(f"/reports/{report_id}")

    for probe in (attempt, view):
        missing = probe(MISSING)
        assert missing.status_code == 404
        for report in hidden:
            before = newest_seq(services)
            response = probe(report.id)
            assert response.status_code == 404
            assert response.content == missing.content
            assert not one_entry_for(services, before, report.id, "opposition_liaison").allowed
    own = next(r for r in filed if r.body == "opp")
    before = newest_seq(services)
    assert view(own.id).status_code == 200
    assert one_entry_for(services, before, own.id, "opposition_liaison").allowed


# --- talks: the POST routes that take an id ---------------------------------------------------

TALK_MISSING = "talk-never-made"


@pytest.fixture
def astana_round(services: Services) -> dict[str, str]:
    """The Astana round with the government's own draft (a counter-proposal in its channel)."""
    member = services.auth.find_member
    round_ = services.talks.open_round(member("un_mediator"), ASTANA)
    draft = services.talks.create_document(
        member("gov_liaison"), round_.id, "Government draft", ["gov-secret-0002 reconciliation."]
    )
    with services.talks.uow() as uow:
        item = uow.talks.agenda(round_.id)[0].id
    return {"round": round_.id, "draft": draft.id, "item": item}


def same_as_missing(services: Services, call: Callable[[str], Response], guessed: str) -> None:
    """The guessed id answers 404 with the body of a missing one, and one refusal entry
    about the object."""
    absent = call(TALK_MISSING)
    before = newest_seq(services)
    answer = call(guessed)
    assert answer.status_code == absent.status_code == 404, (guessed, answer.text)
    assert answer.content == absent.content
    assert "gov-secret" not in answer.text
    # Signing asks for the password again first: that confirmation is audited on its own.
    entries = [e for e in new_entries(services, before) if e.resource_kind != "member"]
    assert len(entries) == 1, entries
    assert not entries[0].allowed


@pytest.mark.parametrize("viewer", ["observer_us", "monitor", "host_mediator"])
def test_a_position_on_a_round_one_has_no_channel_in_answers_as_missing(
    viewer, services, app_client, astana_round
):
    """Positions are stated by a delegation of the round: anyone else naming the round is told
    what a guesser is told, through the API and the page."""
    token = token_for(services, viewer, "talks:read", "talks:write")
    body = {"item_id": astana_round["item"], "stance": "accept"}

    def api(round_id: str):
        return app_client.post(
            f"/api/v1/talks/rounds/{round_id}/positions",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    same_as_missing(services, api, astana_round["round"])
    sign_in(app_client, services, viewer)
    form = {"_csrf_token": csrf_token(app_client.get("/talks").text), **body}

    def page(round_id: str):
        return app_client.post(
            f"/talks/rounds/{round_id}/positions", data=form, follow_redirects=False
        )

    same_as_missing(services, page, astana_round["round"])


@pytest.mark.parametrize("viewer", ["opposition_liaison", "guarantor_ru", "observer_us"])
def test_endorsing_another_delegations_draft_answers_as_missing(
    viewer, services, app_client, astana_round
):
    """The government's draft stays in its channel: another delegation (or an observer)
    endorsing it by its id, with the right password, is told what a guesser is told."""
    sign_in(app_client, services, viewer)
    form = {
        "_csrf_token": csrf_token(app_client.get("/talks").text),
        "version": "1",
        "value": "endorse",
        "password": "correct horse battery staple",
    }

    def endorse(document_id: str):
        return app_client.post(
            f"/talks/documents/{document_id}/endorsements", data=form, follow_redirects=False
        )

    same_as_missing(services, endorse, astana_round["draft"])


def test_a_guessed_enrolment_link_answers_like_a_used_one(services, app_client):
    opened = services.auth.invite("monitor_homs", "Monitor, Homs", "mechanism", [Role.MONITOR])
    used = f"/enrol/{opened.secret}"
    token = csrf_token(app_client.get(used).text)
    form = {"password": "a passphrase for Homs", "confirmation": "a passphrase for Homs"}
    assert app_client.post(used, data={**form, "_csrf_token": token}).status_code == 200
    spent = app_client.get(used)
    for guessed in (opened.secret[:-1] + "x", "x" * 43, "x" * 500):
        answer = app_client.get(f"/enrol/{guessed}")
        assert (answer.status_code, main_of(answer.text)) == (404, main_of(spent.text))


def main_of(page: str) -> str:
    """The page without its chrome (whose forms carry a fresh CSRF token each time)."""
    return page[page.index("<main") : page.index("</main>")]
