"""Incidents on the web (issue 7): the demo's Wadi Barada shelling, told four ways, is one
incident whose page shows the claims side by side with the disagreements marked, the sources
with their grades, the corroboration band and why each report was joined; analysts split and
merge it through CSRF-protected forms that require a reason; the JSON API shows the same.
Parties and observers see no incident, and a forbidden one answers exactly as a missing one."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlalchemy import Engine

from integration_helpers import csrf_token, sign_in, token_for
from support import FixedClock, SequentialIds
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application.demo_case import seed_astana_case
from truce.bootstrap import Services, build_services
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

DEMO_SOURCES = (
    "Opposition delegation liaison office",
    "Government delegation liaison office",
    "Mechanism field team, Rif Dimashq",
    "Open-source monitoring (Arabic press)",
)


@pytest.fixture
def demo(clean_engine: Engine, tmp_path) -> Services:
    """The demo case as `truce demo --seed-only` seeds it, over SQL."""
    settings = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        secure_cookies=False,
    )
    services = build_services(
        settings,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=FixedClock(),
        ids=SequentialIds("id"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    assert seed_astana_case(services.registry, services.monitoring)
    return services


@pytest.fixture
def web(demo: Services) -> Iterator[TestClient]:
    with TestClient(create_app(demo.settings, demo), base_url="http://127.0.0.1") as client:
        yield client


def as_member(client: TestClient, services: Services, username: str) -> None:
    client.headers["Authorization"] = f"Bearer {token_for(services, username)}"


def wadi_barada(client: TestClient) -> dict[str, object]:
    listed = client.get("/api/v1/incidents", params={"band": "observed_by_monitors"})
    assert listed.status_code == 200, listed.text
    items = [i for i in listed.json()["items"] if i["reports"] == len(DEMO_SOURCES)]
    assert len(items) == 1, listed.json()
    return dict(items[0])


def test_the_demo_incident_shows_four_claims_side_by_side(web, demo):
    as_member(web, demo, "analyst")
    incident = wadi_barada(web)
    page = web.get(f"/incidents/{incident['id']}")
    assert page.status_code == 200, page.text
    html = page.text
    for source in DEMO_SOURCES:
        assert source in html
    # The sources disagree on who fired and where; the monitor's half hour lies within the
    # parties' day, so time is not in dispute.
    for field in ("perpetrator", "place"):
        assert re.search(rf'class="disputed" data-field="{field}"', html), field
    assert 'class="agreed" data-field="time"' in html
    assert "Syrian Arab Army; Hezbollah" in html
    assert "Jabhat Fateh al-Sham" in html
    assert "observed by monitors" in html
    assert f"/record/history?subject=incident:{incident['id']}" in html
    # Each attached report says why: its score against the member it matched.
    assert html.count("<strong>0.") == len(DEMO_SOURCES) - 1
    assert 'id="split-form"' in html
    assert 'id="merge-form"' in html


def test_the_api_gives_the_same_incident_with_its_reasons(web, demo):
    as_member(web, demo, "analyst")
    incident = wadi_barada(web)
    one = web.get(f"/api/v1/incidents/{incident['id']}").json()
    assert one["band"] == "observed_by_monitors"
    assert one["disputed"] is True
    disputed = {row["field"] for row in one["claims"] if row["disputed"]}
    assert {"perpetrator", "place"} <= disputed
    assert {s["grade"] for s in one["sources"]} == {"C3", "B2", "D4"}
    scored = [link for link in one["links"] if link["components"]]
    assert len(scored) == 3
    assert all(link["components"]["score"] >= 0.8 for link in scored)
    assert one["record"] == f"/record/history?subject=incident:{one['id']}"
    none_disputed = web.get("/api/v1/incidents", params={"disputed": "no"}).json()["items"]
    assert one["id"] not in {i["id"] for i in none_disputed}
    later = web.get("/api/v1/incidents", params={"since": "2017-01-03"}).json()["items"]
    assert one["id"] not in {i["id"] for i in later}


def test_bad_filters_are_named(web, demo):
    as_member(web, demo, "analyst")
    api = web.get("/api/v1/incidents", params={"band": "rumour", "since": "2 Jan"})
    assert api.status_code == 422
    assert {e["field"] for e in api.json()["errors"]} == {"band", "since"}
    page = web.get("/incidents", params={"disputed": "maybe"})
    assert page.status_code == 422
    assert "Claims must be yes or no" in page.text


@pytest.mark.parametrize("viewer", ["gov_liaison", "opposition_liaison", "observer_us", None])
def test_parties_observers_and_the_public_see_no_incident(web, demo, viewer):
    as_member(web, demo, "analyst")
    incident_id = wadi_barada(web)["id"]
    missing = web.get("/api/v1/incidents/no-such-incident")
    missing_page = web.get("/incidents/no-such-incident")
    web.headers.pop("Authorization")
    if viewer is not None:
        as_member(web, demo, viewer)
    assert web.get("/api/v1/incidents").json()["items"] == []
    assert "No incidents you may see match." in web.get("/incidents").text
    api = web.get(f"/api/v1/incidents/{incident_id}")
    page = web.get(f"/incidents/{incident_id}")
    assert api.status_code == page.status_code == 404
    assert api.content == missing.content
    assert page.content == missing_page.content


def test_a_guarantor_reads_the_incident_but_may_not_split_it(web, demo):
    as_member(web, demo, "guarantor_ru")
    incident_id = wadi_barada(web)["id"]
    page = web.get(f"/incidents/{incident_id}")
    assert page.status_code == 200
    assert 'id="split-form"' not in page.text


def test_the_analyst_splits_and_merges_through_the_forms(web, demo):
    sign_in(web, demo, "analyst")
    as_member(web, demo, "analyst")
    incident = wadi_barada(web)
    web.headers.pop("Authorization")
    page = web.get(f"/incidents/{incident['id']}")
    token = csrf_token(page.text)
    news = re.search(r'name="report:([^"]+)" value="1">\s*<label[^>]*>Open-source', page.text)
    assert news is not None
    chosen = {f"report:{news.group(1)}": "1", "_csrf_token": token}
    refused = web.post(f"/incidents/{incident['id']}/split", data={**chosen, "reason": " "})
    assert refused.status_code == 422
    assert "Reason: is required" in refused.text
    without_token = web.post(
        f"/incidents/{incident['id']}/split",
        data={f"report:{news.group(1)}": "1", "reason": "the press counts another day"},
    )
    assert without_token.status_code == 403
    split = web.post(
        f"/incidents/{incident['id']}/split",
        data={**chosen, "reason": "the press counts another day"},
        follow_redirects=False,
    )
    assert split.status_code == 303, split.text
    part = split.headers["location"].removeprefix("/incidents/")
    old = web.get(f"/incidents/{incident['id']}")
    assert "split" in old.text
    assert 'id="split-form"' not in old.text
    as_member(web, demo, "analyst")
    parts = {i["id"]: i for i in web.get("/api/v1/incidents").json()["items"]}
    assert parts[part]["reports"] == 1
    (rest,) = [i for i, v in parts.items() if v["split_from"] == incident["id"] and i != part]
    web.headers.pop("Authorization")
    merge = web.post(
        f"/incidents/{rest}/merge",
        data={"other": part, "reason": "the same shelling after all", "_csrf_token": token},
        follow_redirects=False,
    )
    assert merge.status_code == 303, merge.text
    assert merge.headers["location"] == f"/incidents/{rest}"
    history = web.get("/record/history", params={"subject": f"incident:{incident['id']}"})
    assert "incident.split" in history.text
    assert "the press counts another day" not in history.text, "reasons are committed only"
