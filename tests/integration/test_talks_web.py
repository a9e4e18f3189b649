"""The talks over HTTP on SQL: guessed ids (S2, S12), a relay round trip through the pages and
the API (S9), the real-time stream filtered by the policy (S1), the observers' page (S14)."""

from __future__ import annotations

import asyncio
import json

import msgspec
import pytest
from litestar.response.sse import ServerSentEventMessage
from litestar.testing import TestClient

from cast import CAST
from integration_helpers import csrf_token, sign_in, token_for
from talk_helpers import ASTANA
from truce.domain.access import ChannelAudience
from truce.entrypoints.web.app import create_app
from truce.entrypoints.web.routes import talks as talk_routes
from truce.entrypoints.web.routes.talks import MessageOut

READ = "talks:read"
WRITE = "talks:write"
MISSING = "talk-never-made"


@pytest.fixture
def app_client(services):
    with TestClient(create_app(services.settings, services), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def astana(services):
    member = services.auth.find_member
    round_ = services.talks.open_round(member("un_mediator"), ASTANA)
    with services.talks.uow() as uow:
        channels = {
            c.body_id or str(c.audience): c
            for c in uow.talks.channels(round_.id)
            if c.audience in {ChannelAudience.DELEGATION, ChannelAudience.GUARANTORS}
        }
    gov_message = services.talks.post_message(
        member("gov_liaison"), channels["gov"].id, "gov-secret-0001: the offensive continues."
    )
    gov_draft = services.talks.create_document(
        member("gov_liaison"), round_.id, "Government draft", ["gov-secret-0002 reconciliation."]
    )
    return {"round": round_, "channels": channels, "message": gov_message, "draft": gov_draft}


def use_token(client, services, username, *scopes):
    client.headers["Authorization"] = f"Bearer {token_for(services, username, *scopes)}"


def audit_after(services, before):
    return [e for e in services.auth.audit_entries(50) if (e.seq or 0) > before]


def newest(services):
    entries = services.auth.audit_entries(1)
    return entries[0].seq or 0 if entries else 0


def probes(astana):
    gov = astana["channels"]["gov"].id
    return {
        "/api/v1/talks/channels/{channel_id:str}": (f"/api/v1/talks/channels/{gov}", "channel"),
        "/api/v1/talks/documents/{document_id:str}": (
            f"/api/v1/talks/documents/{astana['draft'].id}",
            "document",
        ),
    }


@pytest.mark.parametrize("viewer", ["opposition_liaison", "guarantor_tr", "observer_us", None])
def test_a_delegation_guessing_the_others_ids_gets_what_a_missing_id_gets(
    viewer, services, app_client, astana
):
    if viewer:
        use_token(app_client, services, viewer, READ, WRITE)
    gov = astana["channels"]["gov"].id
    guesses = [
        ("get", f"/api/v1/talks/channels/{gov}", f"/api/v1/talks/channels/{MISSING}", None),
        (
            "get",
            f"/api/v1/talks/documents/{astana['draft'].id}",
            f"/api/v1/talks/documents/{MISSING}",
            None,
        ),
        (
            "post",
            f"/api/v1/talks/channels/{gov}/messages",
            f"/api/v1/talks/channels/{MISSING}/messages",
            {"text": "hello"},
        ),
        (
            "post",
            f"/api/v1/talks/messages/{astana['message'].id}/relay",
            f"/api/v1/talks/messages/{MISSING}/relay",
            {"channel_id": gov, "mode": "verbatim"},
        ),
    ]
    for method, guessed, missing, body in guesses:
        call = getattr(app_client, method)
        kwargs = {} if body is None else {"json": body}
        absent = call(missing, **kwargs)
        before = newest(services)
        answer = call(guessed, **kwargs)
        if viewer is None and method == "post":
            assert answer.status_code == absent.status_code == 401
            continue
        assert answer.status_code == 404, (viewer, guessed)
        assert answer.content == absent.content
        assert "gov-secret" not in answer.text
        entries = audit_after(services, before)
        assert len(entries) == 1, (guessed, entries)
        assert not entries[0].allowed


def test_a_relay_round_trip_through_the_api(services, app_client, astana):
    """The opposition writes; the mediator relays verbatim; the government reads the same
    bytes with the mode and hash, never the source's id or author (S9)."""
    channels = astana["channels"]
    use_token(app_client, services, "opposition_liaison", READ, WRITE)
    sent = app_client.post(
        f"/api/v1/talks/channels/{channels['opp'].id}/messages",
        json={"text": "Withdrawal of foreign militias first.", "lang": "en"},
    )
    assert sent.status_code == 201, sent.text
    use_token(app_client, services, "un_mediator", READ, WRITE)
    relayed = app_client.post(
        f"/api/v1/talks/messages/{sent.json()['id']}/relay",
        json={"channel_id": channels["gov"].id, "mode": "verbatim"},
    )
    assert relayed.status_code == 201, relayed.text
    use_token(app_client, services, "gov_liaison", READ)
    seen = app_client.get(f"/api/v1/talks/channels/{channels['gov'].id}").json()["messages"]
    last = seen[-1]
    assert last["text"] == "Withdrawal of foreign militias first."
    assert last["sha256"] == sent.json()["sha256"]
    assert last["relayed"] == "verbatim"
    assert last["sent_by"] == "the mediators"
    assert last["source_message_id"] is None
    assert sent.json()["id"] not in json.dumps(seen)


def test_the_stream_carries_only_what_the_viewer_may_read(services, app_client, astana):
    use_token(app_client, services, "opposition_liaison", READ)
    events = app_client.get("/talks/stream", params={"after": 0, "once": "true"})
    assert events.status_code == 200
    assert "gov-secret" not in events.text
    use_token(app_client, services, "gov_liaison", READ)
    events = app_client.get("/talks/stream", params={"after": 0, "once": "true"})
    assert "gov-secret-0001" in events.text
    seq = astana["message"].seq
    resumed = app_client.get(
        "/talks/stream", params={"once": "true"}, headers={"Last-Event-ID": str(seq)}
    )
    assert "gov-secret-0001" not in resumed.text


def test_a_relay_round_trip_through_the_pages(services, app_client, astana):
    channels = astana["channels"]
    sign_in(app_client, services, "un_mediator")
    console = app_client.get(f"/talks/rounds/{astana['round'].id}")
    assert console.status_code == 200
    assert "gov-secret-0001" in console.text
    form = {
        "_csrf_token": csrf_token(console.text),
        "channel_id": channels["opp"].id,
        "mode": "paraphrase",
        "text": "The government describes operations in Wadi Barada.",
    }
    relayed = app_client.post(
        f"/talks/messages/{astana['message'].id}/relay", data=form, follow_redirects=False
    )
    assert relayed.status_code == 303, relayed.text
    app_client.post("/logout", data={"_csrf_token": csrf_token(console.text)})
    app_client.cookies.clear()
    sign_in(app_client, services, "opposition_liaison")
    page = app_client.get(f"/talks/channels/{channels['opp'].id}")
    assert "operations in Wadi Barada" in page.text
    assert "gov-secret" not in page.text
    assert astana["message"].id not in page.text


def test_observers_see_publications_only(services, app_client, astana):
    app_client.headers.pop("Authorization", None)
    page = app_client.get("/talks/publications")
    assert page.status_code == 200
    assert "gov-secret" not in page.text
    use_token(app_client, services, "observer_us", READ)
    assert app_client.get("/api/v1/talks/publications").json() == []


@pytest.mark.parametrize("viewer", ["opposition_liaison", "observer_us"])
def test_guessed_ids_on_the_pages_answer_as_missing(viewer, services, app_client, astana):
    """Every page route taking a talks id, given the government's ids, answers as for a
    missing id, with one audit entry."""
    sign_in(app_client, services, viewer)
    gov = astana["channels"]["gov"].id
    message, draft = astana["message"].id, astana["draft"].id
    token = csrf_token(app_client.get("/talks").text)
    form = {"_csrf_token": token, "text": "x", "channel_id": gov, "mode": "verbatim", "base": "1"}
    guesses = [
        ("get", "/talks/channels/{}", gov),
        ("get", "/talks/channels/{}/messages", gov),
        ("get", "/talks/documents/{}", draft),
        ("post", "/talks/channels/{}/messages", gov),
        ("post", "/talks/messages/{}/relay", message),
        ("post", "/talks/messages/{}/read", message),
        ("post", "/talks/documents/{}/versions", draft),
    ]
    if viewer == "observer_us":
        guesses += [
            ("get", "/talks/rounds/{}", astana["round"].id),
            ("get", "/api/v1/talks/rounds/{}/positions", astana["round"].id),
        ]
    for method, template, object_id in guesses:
        call = getattr(app_client, method)
        kwargs = {"data": form, "follow_redirects": False} if method == "post" else {}
        absent = call(template.format(MISSING), **kwargs)
        before = newest(services)
        answer = call(template.format(object_id), **kwargs)
        assert answer.status_code == absent.status_code == 404, template
        assert answer.content == absent.content, template
        assert len(audit_after(services, before)) == 1, template


def test_the_stream_sends_what_litestar_would_and_audits_where_it_was_opened_from(
    services, app_client, astana
):
    """Frames are encoded once per round (RoundEvents), byte for byte what Litestar's
    ServerSentEventMessage makes, with the headers of its ServerSentEvent; the stream's
    audit entry names the address it came from (S12)."""
    use_token(app_client, services, "gov_liaison", READ)
    events = app_client.get("/talks/stream", params={"after": 0, "once": "true"})
    assert events.headers["content-type"].startswith("text/event-stream")
    assert events.headers["cache-control"] == "no-cache"
    assert events.headers["x-accel-buffering"] == "no"
    with services.talks.uow() as uow:
        streamed = [e for e in uow.audit.recent(50) if e.resource_id == "stream"]
    assert streamed[0].actor_member_id == CAST["gov_liaison"].member_id
    assert streamed[0].address
    views, _ = services.talks.stream(CAST["gov_liaison"], 0)
    expected = b"".join(
        ServerSentEventMessage(
            data=msgspec.json.encode(MessageOut.of(v)).decode(), event="message", id=v.message.seq
        ).encode()
        for v in views
    )
    assert views
    assert events.content == expected


def test_the_hub_wakes_streams_that_heard_nothing_for_a_while(monkeypatch):
    """One sweep for the process instead of a timer per stream: a stream past its replay
    that heard nothing for IDLE_SECONDS is marked for the next round; one that just heard,
    or is still replaying, is not."""
    monkeypatch.setattr(talk_routes, "IDLE_SECONDS", 0.01)
    live = talk_routes.TalkLive.for_database("sqlite://")

    async def sweep_once() -> list[bool]:
        sweeping = asyncio.create_task(live.sweep())
        with (
            live.listen(CAST["gov_liaison"], 0) as quiet,
            live.listen(CAST["gov_liaison"], 0) as replaying,
        ):
            quiet.reading = False
            quiet.heard -= 60
            for _ in range(500):  # bounded: 500 sweeps at most
                if quiet.dirty:
                    break
                await asyncio.sleep(0.01)
            sweeping.cancel()
            return [quiet.dirty, replaying.dirty]

    assert asyncio.run(sweep_once()) == [True, False]
