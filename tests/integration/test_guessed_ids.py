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
from collections.abc import Callable
from datetime import datetime

import pytest
from httpx import Response
from leak_oracle import MARKER, MEMBERS, VIEWERS, WHO, Filed, fields_with, marker_for, sees
from litestar.testing import TestClient

from integration_helpers import csrf_token, sign_in, token_for
from support import START
from talk_helpers import ASTANA
from truce.bootstrap import Services
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
        "/login/passkey",
        "/login/passkey/options",
        "/login/second-factor",
        "/map",
        "/map/layers/reports",
        "/map/layers/zones",
        "/healthz",
        "/api/v1/schema",
        "/api/v1/schema/openapi.json",
        "/api/v1/schema/openapi.yml",
        "/api/v1/schema/openapi.yaml",
        "/api/v1/talks/publications",
        "/talks",
        "/talks/publications",
        "/talks/stream",
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
# Routes whose ids name no party's object, and why.
PUBLIC_BY_DESIGN = {
    "/api/v1/record/checkpoints/{size:int}/cosignatures": "a witness co-signs a public size",
    "/api/v1/record/entries/{seq:int}": "record positions; entries hold commitments, no content",
    "/api/v1/record/entries/{seq:int}/proof": "proofs over the public record",
    "/api/v1/record/subjects/{subject:str}": "the public record's entries about an object",
    "/login/oidc/{provider:str}": "an operator-declared provider's public name",
    "/login/oidc/{provider:str}/callback": "a provider name; the state is bound to the browser",
    "/map/layers/outlines/{level:int}": "administrative levels 1-3 of the public boundaries",
    "/vendor/{name:str}": "front-end libraries by an allow-list of names",
    "/static/{file_path:path}": "the app's own styles and images",
    "/api/v1/schema/{path:str}": "the OpenAPI schema's renderings",
}
MISSING = "report-never-filed"
FILERS = ("gov_liaison", "opposition_liaison", "guarantor_ru", "monitor")


def test_every_route_is_classified(services):
    app = create_app(services.settings, services)
    paths = {route.path for route in app.routes}
    tables = ID_FREE | set(OBJECT_ID_ROUTES) | set(PUBLIC_BY_DESIGN) | TALK_ID_ROUTES
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
