"""S12 and issue 3 item 5: every decision on a sensitive resource lands in the audit trail, once;
what a client typed is escaped wherever the trail is shown; operators, and only they, list it.

(The stateful machine of test_leaks_stateful.py checks one entry per refused or allowed read
after every random step; test_guessed_ids.py checks it for every route taking an id.)
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import typer
from litestar.testing import TestClient
from typer.testing import CliRunner

from integration_helpers import sign_in, token_for
from support import START, report_fields
from truce.application.audit import AuditQuery, Outcome
from truce.bootstrap import Services, build_services
from truce.domain.access import ANONYMOUS, Action
from truce.domain.auth import BIDI_CONTROLS
from truce.domain.errors import InvalidInputError, NotFoundError
from truce.domain.reports import parse_file_report
from truce.entrypoints.cli.users import audit_app
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

# CR, LF, an ANSI colour, a right-to-left override, a line separator: each could forge or
# hide a line in a log or a terminal.
HOSTILE = "x\r\naudit 2017 allowed actor=admin\x1b[32m\u202egnp.exe\u2028end"
RAW = re.compile("[\r\n\x1b\u2028\u2029" + "".join(BIDI_CONTROLS) + "]")


def client_for(services: Services, username: str | None, *scopes: str) -> TestClient:
    client = TestClient(create_app(services.settings, services), base_url="http://127.0.0.1")
    if username is not None:
        client.headers["Authorization"] = f"Bearer {token_for(services, username, *scopes)}"
    return client


def file_as(services: Services, username: str, **fields: object) -> str:
    member = services.auth.find_member(username)
    command = parse_file_report(report_fields(**fields), now=START)
    return services.monitoring.file_report(command, member).report.id


def principal(services: Services, username: str):
    return services.registry.principal_for(services.auth.find_member(username))


def newest(services: Services, count: int = 1):
    return services.auth.audit_entries(count)


def mark(services: Services) -> int:
    """The number of the newest entry (0 for an empty trail)."""
    entries = newest(services)
    return entries[0].seq or 0 if entries else 0


def entries_after(services: Services, seq: int):
    return [e for e in services.auth.audit_entries(100) if (e.seq or 0) > seq]


# --- allowed and denied reads, one entry each -------------------------------------------------


def test_an_allowed_read_of_material_not_public_is_audited_once(services):
    secret = file_as(services, "gov_liaison", confidentiality="guarantors")
    with client_for(services, "guarantor_tr") as turkey:
        before = mark(services)
        assert turkey.get(f"/api/v1/reports/{secret}").status_code == 200
    entries = entries_after(services, before)
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor_member_id, entry.action, entry.resource_kind, entry.resource_id) == (
        "member-guarantor_tr",
        "read",
        "report",
        secret,
    )
    assert entry.allowed
    assert entry.address == "testclient"
    assert entry.at == services.clock.now()


def test_reading_what_is_public_leaves_no_entry(services):
    public = file_as(services, "monitor", confidentiality="public")
    before = mark(services)
    with client_for(services, None) as anyone:
        assert anyone.get(f"/api/v1/reports/{public}").status_code == 200
        assert anyone.get("/api/v1/reports").json()["total"] == 1
    assert entries_after(services, before) == []


def test_a_list_leaves_one_entry_naming_what_it_showed(services):
    shown = [file_as(services, "monitor", idempotency_key=f"k{n}") for n in range(3)]
    file_as(services, "monitor", confidentiality="public", idempotency_key="open")
    with client_for(services, "analyst") as analyst:
        before = mark(services)
        assert analyst.get("/api/v1/reports").json()["total"] == 4
    entries = entries_after(services, before)
    assert len(entries) == 1
    assert (entries[0].action, entries[0].resource_kind, entries[0].allowed) == (
        "list",
        "report",
        True,
    )
    assert entries[0].reason.startswith("listed 4 reports, 3 not public: ")
    assert all(report_id in entries[0].reason for report_id in shown)


def test_a_refused_filing_is_audited_once(services):
    with client_for(services, "observer_us") as observer:
        before = mark(services)
        assert observer.post("/api/v1/reports", json=report_fields()).status_code == 403
    entries = entries_after(services, before)
    assert [(e.actor_member_id, e.action, e.allowed) for e in entries] == [
        ("member-observer_us", "create", False)
    ]


# --- escaping, through the real paths ---------------------------------------------------------


def test_hostile_ids_and_addresses_are_escaped_in_the_log(services, caplog):
    with caplog.at_level(logging.INFO, logger="truce.audit"), pytest.raises(NotFoundError):
        services.monitoring.get_report(principal(services, "opposition_liaison"), HOSTILE, HOSTILE)
    entry = newest(services)[0]
    # Stored as sent (cut to size): the trail keeps the evidence; showing it escapes it.
    assert entry.resource_id == HOSTILE
    assert entry.address == HOSTILE
    lines = [r.getMessage() for r in caplog.records if r.name == "truce.audit"]
    assert len(lines) == 1
    assert not RAW.search(lines[0])
    assert "\\x0d\\x0a" in lines[0]
    assert "\\x1b" in lines[0]
    assert "\\u202e" in lines[0]
    # The forged "allowed" stays inside quoted fields; the outcome is the real one.
    assert lines[0].split(" ")[2] == "denied"


def test_a_hostile_id_in_a_url_is_escaped_on_the_operators_screen(services):
    with client_for(services, "opposition_liaison") as opposition:
        path = "/api/v1/reports/x%0D%0Aforged%1B%5B31m%E2%80%AEend"
        assert opposition.get(path).status_code == 404
    assert newest(services)[0].resource_id == "x\r\nforged\x1b[31m\u202eend"
    with client_for(services, None) as browser:
        sign_in(browser, services, "admin")
        page = browser.get("/admin/audit")
    assert page.status_code == 200
    assert "report:x\\x0d\\x0aforged\\x1b[31m\\u202eend" in page.text
    assert not RAW.search(page.text.replace("\n", ""))


# --- the operator's screen --------------------------------------------------------------------


def test_the_operator_sees_denied_attempts_by_default_and_can_filter(services):
    secret = file_as(services, "gov_liaison", confidentiality="guarantors")
    with (
        client_for(services, "opposition_liaison") as opposition,
        client_for(services, "guarantor_ru") as russia,
    ):
        opposition.get(f"/api/v1/reports/{secret}")
        russia.get(f"/api/v1/reports/{secret}")
    with client_for(services, None) as browser:
        sign_in(browser, services, "admin")
        denied = browser.get("/admin/audit").text
        assert "opposition_liaison" in denied
        assert "guarantor_ru" not in denied
        allowed = browser.get("/admin/audit", params={"decision": "allowed"}).text
        assert "guarantor_ru" in allowed
        everyone = browser.get(
            "/admin/audit", params={"decision": "all", "member": "guarantor_ru"}
        ).text
        assert "guarantor_ru" in everyone
        assert "opposition_liaison" not in everyone
        later = (services.clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        assert "No entries match." in browser.get("/admin/audit", params={"since": later}).text
        wrong = browser.get("/admin/audit", params={"decision": "maybe", "member": "nobody"})
        assert wrong.status_code == 422
        assert "Decision is one of denied, allowed, all" in wrong.text


def test_the_operators_screen_pages_through_the_trail(services):
    with client_for(services, "opposition_liaison") as opposition:
        for n in range(55):
            opposition.get(f"/api/v1/reports/guess-{n}")
    with client_for(services, None) as browser:
        sign_in(browser, services, "admin")
        first = browser.get("/admin/audit")
        seen = set(re.findall(r"report:guess-(\d+)", first.text))
        found = re.search(r'href="(/admin/audit\?[^"]+)"', first.text)
        assert found, "a link to older entries"
        second = browser.get(found.group(1).replace("&amp;", "&"))
        seen |= set(re.findall(r"report:guess-(\d+)", second.text))
    assert seen == {str(n) for n in range(55)}


def test_only_operators_read_the_trail_and_each_look_is_audited(services):
    with client_for(services, None) as browser:
        assert browser.get("/admin/audit", follow_redirects=False).status_code == 303
        sign_in(browser, services, "un_mediator")
        refused = browser.get("/admin/audit")
        missing = browser.get("/admin/no-such-screen")
        assert refused.status_code == missing.status_code == 404
        assert refused.content == missing.content
    entry = newest(services)[0]
    assert (entry.actor_member_id, entry.action, entry.resource_kind, entry.allowed) == (
        "member-un_mediator",
        "list",
        "audit_entry",
        False,
    )
    with client_for(services, "admin", "reports:read") as narrow:
        assert narrow.get("/admin/audit").status_code == 403
    scope = newest(services)[0]  # a token used beyond its scopes is a denied attempt too
    assert (scope.actor_member_id, scope.action, scope.allowed) == (
        "member-admin",
        "use_token",
        False,
    )
    with client_for(services, "admin", "admin") as operator:
        assert operator.get("/admin/audit").status_code == 200
    looked = newest(services)[0]
    assert (looked.actor_member_id, looked.resource_kind, looked.allowed) == (
        "member-admin",
        "audit_entry",
        True,
    )
    assert looked.reason == "listed 2 denied entries"


def test_the_audit_service_refuses_everyone_but_operators(services):
    for username in ("gov_liaison", "guarantor_ru", "monitor", "analyst", "observer_us"):
        with pytest.raises(NotFoundError):
            services.audit.browse(principal(services, username), AuditQuery(), "10.0.0.1")
    with pytest.raises(NotFoundError):
        services.audit.browse(ANONYMOUS, AuditQuery(), "10.0.0.1")
    assert services.audit.browse(principal(services, "admin"), AuditQuery(), None).entries
    with pytest.raises(InvalidInputError):
        services.audit.entries(AuditQuery(limit=0))


# --- the console ------------------------------------------------------------------------------


def test_truce_audit_list_shows_allowed_and_denied_escaped(tmp_path, monkeypatch):
    monkeypatch.setenv("TRUCE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TRUCE_KEY_DIR", str(tmp_path / "keys"))
    services = build_services(Settings.from_env())
    try:
        from support import seed_cast  # noqa: PLC0415 - beside the store it seeds

        seed_cast(services.registry)
        secret = file_as(services, "gov_liaison", confidentiality="guarantors")
        services.monitoring.get_report(principal(services, "guarantor_ir"), secret, "192.0.2.1")
        with pytest.raises(NotFoundError):
            services.monitoring.get_report(principal(services, "opposition_liaison"), HOSTILE)
    finally:
        services.close()
    app = typer.Typer()
    app.add_typer(audit_app, name="audit")
    runner = CliRunner()
    wide = {"COLUMNS": "300"}
    denied = runner.invoke(app, ["audit", "list"], env=wide)
    assert denied.exit_code == 0, denied.output
    assert "opposition_liaison" in denied.output
    assert "guarantor_ir" not in denied.output
    assert not RAW.search(denied.output.replace("\n", ""))
    assert "\\x1b" in denied.output
    both = runner.invoke(app, ["audit", "list", "--decision", "all", "--member", "guarantor_ir"])
    assert both.exit_code == 0, both.output
    assert "allowed" in both.output
    assert "denied" not in both.output.split("\n", 2)[-1]
    paged = runner.invoke(app, ["audit", "list", "--decision", "all", "--limit", "1"], env=wide)
    assert "More: --before" in paged.output
    assert Outcome.ALL.value == "all"
    assert Action.LIST.value == "list"
