"""The decisions API: a client-signed payload is accepted once (201, then 200), a list shows
each decision with its status, the server signs for a member who re-authenticates, and bad
input is a clear 4xx."""

import base64

import pytest
from litestar.testing import TestClient

from decision_helpers import AGREEMENT, ORIGIN, SECRET, Client
from integration_helpers import token_for
from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.bootstrap import build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

WRITE = ("decisions:read", "decisions:write")


@pytest.fixture
def services(clean_engine, tmp_path):
    """As the shared fixture, with a server secret: server-held keys are sealed with it."""
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        secure_cookies=False,
        secret_key=SECRET,
        record_origin=ORIGIN,
    )
    built = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=FixedClock(),
        ids=SequentialIds("report"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(built.registry)
    return built


@pytest.fixture
def as_member(services):
    """An API client for a member, holding a token with the decision scopes."""
    clients = []

    def make(username, *scopes):
        app = create_app(services.settings, services)
        client = TestClient(app, base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        token = token_for(services, username, *(scopes or WRITE))
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def own_key(services, username):
    member = services.auth.find_member(username)
    client = Client(member.id)
    services.member_keys.register(member.id, client.public_key)
    return client


def signed_body(http, client, services, value="endorse"):
    target = http.get("/api/v1/decisions/target", params={"object": f"agreement:{AGREEMENT}"})
    assert target.status_code == 200, target.text
    found = target.json()
    document = client.document(
        kind="endorsement",
        object_kind=found["object_kind"],
        object_id=found["object_id"],
        object_version=found["object_version"],
        object_hash=found["object_hash"],
        value=value,
        created_at=services.clock.now(),
        origin=found["origin"],
    )
    payload, signature = client.sign(document)
    return {"payload": payload.decode(), "signature": base64.b64encode(signature).decode()}


def test_a_signed_payload_is_accepted_once_and_listed_with_its_status(services, as_member):
    http = as_member("gov_liaison")
    body = signed_body(http, own_key(services, "gov_liaison"), services)
    first = http.post("/api/v1/decisions", json=body)
    again = http.post("/api/v1/decisions", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["payload_hash"] == again.json()["payload_hash"]
    listed = as_member("opposition_liaison").get(
        "/api/v1/decisions", params={"object": f"agreement:{AGREEMENT}"}
    )
    assert listed.status_code == 200
    [decision] = listed.json()
    assert (decision["status"], decision["value"], decision["body_id"]) == (
        "valid",
        "endorse",
        "gov",
    )


def test_the_server_signs_for_a_member_who_gives_the_password_again(services, as_member):
    member = services.auth.find_member("opposition_liaison")
    services.auth.set_password(member.id, "correct horse battery staple")
    services.member_keys.generate(member.id)
    http = as_member("opposition_liaison")
    draft = {
        "kind": "endorsement",
        "object_kind": "agreement",
        "object_id": AGREEMENT,
        "value": "endorse",
        "reasons": "The factions signed in Ankara.",
    }
    refused = http.post("/api/v1/decisions/sign", json={**draft, "password": "wrong password"})
    assert refused.status_code == 401
    signed = http.post(
        "/api/v1/decisions/sign", json={**draft, "password": "correct horse battery staple"}
    )
    assert signed.status_code == 201, signed.text
    assert signed.json()["reasons"] == "The factions signed in Ankara."


def test_bad_input_is_a_clear_4xx(services, as_member):
    http = as_member("gov_liaison")
    body = signed_body(http, own_key(services, "gov_liaison"), services)
    cases = [
        ({**body, "signature": "not base64!"}, "signature"),
        ({**body, "signature": base64.b64encode(b"\x00" * 65).decode()}, "signature"),
        (
            {**body, "payload": body["payload"].replace('"value":"endorse"', '"value":"reject"')},
            "signature",
        ),
        ({**body, "payload": "{}"}, None),
        ({"payload": "[", "signature": body["signature"]}, "payload"),
    ]
    for sent, field in cases:
        response = http.post("/api/v1/decisions", json=sent)
        assert response.status_code == 422, response.text
        if field:
            assert field in {e["field"] for e in response.json()["errors"]}
    missing = http.get("/api/v1/decisions", params={"object": "agreement"})
    assert missing.status_code == 422
    unknown = http.get("/api/v1/decisions", params={"object": "report:nope"})
    assert unknown.status_code == 404


def test_a_token_without_the_decision_scope_is_refused(services, as_member):
    http = as_member("gov_liaison", "reports:read")
    body = {"payload": "{}", "signature": ""}
    assert http.post("/api/v1/decisions", json=body).status_code == 403
    listed = http.get("/api/v1/decisions", params={"object": f"agreement:{AGREEMENT}"})
    assert listed.status_code == 403


def test_nobody_anonymous_submits(anonymous):
    response = anonymous.post("/api/v1/decisions", json={"payload": "{}", "signature": ""})
    assert response.status_code == 401
