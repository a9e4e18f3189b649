"""Real time on real servers (issue 9 item 7): the event stream delivers a relay to the
recipient delegation and nothing of it to the other, a client reconnecting with Last-Event-ID
receives what it missed exactly once, and on PostgreSQL a message posted through one server
process reaches a stream held by another (LISTEN/NOTIFY)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from talk_live import READ_TIMEOUT, Event, events, events_of, server_process, server_thread

from integration_helpers import token_for
from support import seed_cast
from talk_helpers import ASTANA, PASSWORD
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import Services, build_services
from truce.domain.talks import RelayMode
from truce.entrypoints.web.auth import SESSION_COOKIE
from truce.settings import Settings

SECRET = "a test secret of thirty-two characters or more"


@pytest.fixture
def live_services(clean_engine, tmp_path) -> Services:
    settings = Settings(
        database_url=str(clean_engine.url.render_as_string(hide_password=False)),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        secure_cookies=False,
        secret_key=SECRET,
    )
    services = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(services.registry)
    return services


@pytest.fixture
def round_channels(live_services) -> dict[str, str]:
    talks = live_services.talks
    round_ = talks.open_round(live_services.auth.find_member("un_mediator"), ASTANA)
    with talks.uow() as uow:
        return {c.body_id or "guarantors": c.id for c in uow.talks.channels(round_.id)}


def bearer(services: Services, username: str) -> dict[str, str]:
    token = token_for(services, username, "talks:read", "talks:write")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def live_url(live_services) -> Iterator[str]:
    with server_thread(live_services) as url:
        yield url


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=READ_TIMEOUT))


def test_a_relay_reaches_the_recipient_and_nothing_of_it_the_other_side(
    live_services, round_channels, live_url
):
    member = live_services.auth.find_member
    talks = live_services.talks
    with (
        client(live_url) as http,
        http.stream("GET", "/talks/stream", headers=bearer(live_services, "gov_liaison")) as gov,
        http.stream(
            "GET", "/talks/stream", headers=bearer(live_services, "opposition_liaison")
        ) as opp,
    ):
        assert gov.status_code == opp.status_code == 200
        said = talks.post_message(
            member("opposition_liaison"), round_channels["opp"], "Foreign militias out first."
        )
        relayed = talks.relay(
            member("un_mediator"), said.id, round_channels["gov"], RelayMode.VERBATIM
        )
        # The opposition's stream then carries its own next message, never the relay.
        sentinel = talks.post_message(
            member("opposition_liaison"), round_channels["opp"], "A second point."
        )
        gov_events, opp_events = events(gov), events(opp)
        first = next(gov_events)
        assert first.data["id"] == relayed.id
        assert first.data["text"] == "Foreign militias out first."
        assert first.data["relayed"] == "verbatim"
        assert first.data["sha256"] == said.hash
        assert first.data["source_message_id"] is None
        assert first.data["sent_by"] == "the mediators"
        assert said.id not in str(first.data)
        seen = [next(opp_events).data["id"], next(opp_events).data["id"]]
        assert seen == [said.id, sentinel.id]


def test_a_reconnecting_client_gets_what_it_missed_once(live_services, round_channels, live_url):
    member = live_services.auth.find_member
    talks = live_services.talks
    gov_channel = round_channels["gov"]
    headers = bearer(live_services, "gov_liaison")

    def say(text: str) -> str:
        return talks.post_message(member("un_mediator"), gov_channel, text).id

    with client(live_url) as http:
        with http.stream("GET", "/talks/stream", headers=headers) as first:
            sent = say("one")
            received = next(events(first))
            assert received.data["id"] == sent
        missed = [say("two"), say("three")]
        resumed = {**headers, "Last-Event-ID": str(received.id)}
        with http.stream("GET", "/talks/stream", headers=resumed) as second:
            stream = events(second)
            got = [next(stream), next(stream)]
            live = say("four")
            got.append(next(stream))
    assert [e.data["id"] for e in got] == [*missed, live]
    assert len({e.id for e in got}) == len(got)
    assert all(e.id > received.id for e in got)


def test_a_stream_ends_when_its_session_or_token_is_revoked(
    live_services, round_channels, live_url
):
    """The member stays active; only the session (signed out) and the token (revoked) that
    opened the two streams end. The next round closes both with an `end` event and sends
    neither the message that woke it nor anything after."""
    auth, talks = live_services.auth, live_services.talks
    gov = auth.find_member("gov_liaison")
    auth.set_password(gov.id, PASSWORD)
    signed_in = auth.login("gov_liaison", PASSWORD, "127.0.0.1")
    issued = auth.issue_token(gov.id, ["talks:read"], days=30)

    def say(text: str) -> str:
        mediator = auth.find_member("un_mediator")
        return talks.post_message(mediator, round_channels["gov"], text).id

    with (
        client(live_url) as http,
        http.stream(
            "GET", "/talks/stream", headers={"Cookie": f"{SESSION_COOKIE}={signed_in.session_id}"}
        ) as by_session,
        http.stream(
            "GET", "/talks/stream", headers={"Authorization": f"Bearer {issued.token}"}
        ) as by_token,
    ):
        assert by_session.status_code == by_token.status_code == 200
        sent = say("while signed in")
        session_lines, token_lines = by_session.iter_lines(), by_token.iter_lines()
        assert next(events_of(session_lines)).data["id"] == sent
        assert next(events_of(token_lines)).data["id"] == sent
        auth.logout(signed_in.session_id)
        auth.revoke_token(issued.token_id)
        after = say("after the session ended")
        # Both streams end by themselves: the reads below finish, they do not time out.
        rest = [list(session_lines), list(token_lines)]
    assert gov.active
    for lines in rest:
        assert "event: end" in lines
        assert not [line for line in lines if line.startswith("data: {")]
        assert after not in "\n".join(lines)


@pytest.mark.postgres
def test_a_message_posted_on_one_process_reaches_a_stream_on_another(
    live_services, round_channels, database_url
):
    if not database_url.startswith("postgresql"):
        pytest.skip("two server processes share a store on PostgreSQL only")
    env = {
        "TRUCE_DATABASE_URL": database_url,
        "TRUCE_SECRET_KEY": SECRET,
        "TRUCE_KEY_DIR": str(live_services.settings.key_dir),
        "TRUCE_FRONTEND_DIR": str(live_services.settings.frontend_dir),
        "TRUCE_CHECKPOINT_INTERVAL": "0",
    }
    gov, mediator, opp = (
        bearer(live_services, name) for name in ("gov_liaison", "un_mediator", "opposition_liaison")
    )
    with (
        server_process(env) as one,
        server_process(env) as two,
        client(one) as poster,
        client(two) as reader,
        reader.stream("GET", "/talks/stream", headers=gov) as stream,
    ):
        assert stream.status_code == 200
        said = poster.post(
            f"/api/v1/talks/channels/{round_channels['opp']}/messages",
            json={"text": "Through another process."},
            headers=opp,
        )
        assert said.status_code == 201, said.text
        relayed = poster.post(
            f"/api/v1/talks/messages/{said.json()['id']}/relay",
            json={"channel_id": round_channels["gov"], "mode": "paraphrase", "text": "In short."},
            headers=mediator,
        )
        assert relayed.status_code == 201, relayed.text
        event: Event = next(events(stream))
        assert event.data["id"] == relayed.json()["id"]
        assert event.data["text"] == "In short."
        assert event.data["source_message_id"] is None
