"""S1: need-to-know holds on every read path, whatever the order of events (SECURITY.md).

A Hypothesis state machine files reports at every confidentiality by every member of the cast
(members whose role may not file are refused) and reads them by id, guessed or real. After
every step, for every member and for somebody not signed in, every read path equals a
visibility oracle written apart from the policy (`leak_oracle.sees`): the list followed page by
page through its cursors, the count, reads by id (forbidden answers exactly like missing), the
home page and the reports fragment, the record's history of each report (public by design:
it must show the documented public fields and no content), and the files attached to reports
(served by hash to whoever may read the report, and as missing to everyone else). Every
refusal and every allowed read of material that is not public leaves exactly one audit entry
(S12).

The machine runs on the application services over the memory store and on the web app over
SQL; a last group of tests plants leaks and checks that the machine catches each of them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from leak_oracle import (
    COUNT_IN_PAGE,
    LEVELS,
    MARKER,
    MEMBERS,
    VIEWERS,
    WHO,
    AuditWatch,
    Filed,
    ServiceSurface,
    Surface,
    WebSurface,
    home_of,
    marker_for,
    may_file,
    member_id,
    seen_by,
    sees,
    sees_incident,
    stored_incidents,
)
from litestar.testing import TestClient
from sqlalchemy import Engine

from integration_helpers import token_for
from support import FixedClock, SequentialIds, seed_cast
from truce.adapters.memory.store import MemoryReports, MemoryUnitOfWorkFactory
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.rls import as_system
from truce.adapters.sql.tables import metadata, record_head
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application import access_guard, incidents, monitoring
from truce.bootstrap import Services, build_services
from truce.domain.access import ALLOW, Action, ResourceKind, decide
from truce.domain.auth import AuditEntry
from truce.domain.confidentiality import Confidentiality
from truce.entrypoints.web.app import create_app
from truce.settings import Settings

# The fields a report.filed entry may show anyone (docs/events.md); its content is committed.
PUBLIC_ENTRY_FIELDS = frozenset(
    {
        "v",
        "kind",
        "at",
        "subject",
        "report_id",
        "agreement_id",
        "submitter_body_id",
        "confidentiality",
        "commitment",
    }
)
GUESSES = ("report-999999", "report-000000", "no such report")


def one_entry(
    entries: list[AuditEntry],
    viewer: str | None,
    action: Action,
    resource_id: str | None,
    *,
    allowed: bool,
    address: str,
) -> None:
    """Exactly one audit entry, saying who did what to which report, the outcome, and from
    where; `at` is always set by the store."""
    assert len(entries) == 1, f"expected one audit entry, got {entries}"
    entry = entries[0]
    got = (entry.actor_member_id, entry.action, entry.resource_kind, entry.resource_id)
    assert got == (member_id(viewer), action.value, ResourceKind.REPORT.value, resource_id)
    assert (entry.allowed, entry.address) == (allowed, address)
    assert entry.at is not None
    assert entry.reason


def leak_machine(start: Callable[[], Surface]) -> type[RuleBasedStateMachine]:
    """The machine over the surface that `start` makes afresh for each example."""
    return type("LeakMachineOver", (LeakMachine,), {"start": staticmethod(start)})


class LeakMachine(RuleBasedStateMachine):
    start: Callable[[], Surface]

    def __init__(self) -> None:
        super().__init__()
        self.surface = self.start()
        self.reports: list[Filed] = []
        # Who filed each report, and each attached file's hash -> the report it is attached to.
        self.filers: dict[str, str] = {}
        self.files: dict[str, Filed] = {}
        self.surface.watch.mark()

    @property
    def by_id(self) -> dict[str, Filed]:
        return {report.id: report for report in self.reports}

    @rule(member=st.sampled_from(MEMBERS), level=st.sampled_from(LEVELS))
    def file(self, member: str, level: str) -> None:
        marker = marker_for(len(self.reports) + 1)
        new_id = self.surface.file(member, marker, level)
        entries = self.surface.watch.new()
        if not may_file(member):
            assert new_id is None, f"{member} may not file"
            one_entry(
                entries,
                member,
                Action.CREATE,
                None,
                allowed=False,
                address=self.surface.address,
            )
            return
        assert new_id is not None, f"{member} may file"
        # The filing itself goes to the record, not the audit trail.
        assert entries == []
        body = WHO[member][0]
        assert body is not None
        self.reports.append(Filed(new_id, body, level, marker, by=member))
        self.filers[new_id] = member

    @rule(data=st.data())
    def attach(self, data: st.DataObject) -> None:
        """The report's filer attaches a file carrying the report's marker."""
        if not self.reports:
            return
        report = data.draw(st.sampled_from(self.reports), label="report")
        sha256 = self.surface.attach(self.filers[report.id], report.id, report.marker)
        entries = self.surface.watch.new()
        assert len(entries) <= 1, entries
        assert all(e.allowed and e.resource_kind == ResourceKind.EVIDENCE.value for e in entries)
        self.files[sha256] = report

    @rule(viewer=st.sampled_from(VIEWERS), data=st.data())
    def read_evidence(self, viewer: str | None, data: st.DataObject) -> None:
        """A file is served to whoever may read its report, and to nobody else; forbidden
        answers as missing, each read one audit entry."""
        sha256 = data.draw(st.sampled_from([*self.files, "0" * 64]), label="file")
        report = self.files.get(sha256)
        served = self.surface.get_evidence(viewer, sha256)
        entries = self.surface.watch.new()
        assert len(entries) == 1, entries
        entry = entries[0]
        assert (entry.actor_member_id, entry.resource_kind, entry.resource_id) == (
            member_id(viewer),
            ResourceKind.EVIDENCE.value,
            sha256,
        )
        assert entry.address == self.surface.address
        if report is not None and sees(viewer, report):
            assert served == report.marker, f"{viewer} reads the file of {report}"
            assert entry.allowed
        else:
            assert served is None, f"{viewer} must not read the file of {report}"
            assert not entry.allowed

    @rule(viewer=st.sampled_from(VIEWERS), data=st.data())
    def read_history(self, viewer: str | None, data: st.DataObject) -> None:
        """The record's history is public by design: it may show anyone that a report
        was filed (by which body, how confidential), never what it says."""
        choices = [report.id for report in self.reports] + list(GUESSES)
        report_id = data.draw(st.sampled_from(choices), label="report id")
        shown = self.surface.history(viewer, report_id)
        for text in shown:
            assert not MARKER.search(text), f"the record shows content to {viewer}"
            if text.startswith("{"):
                assert set(json.loads(text)) <= PUBLIC_ENTRY_FIELDS
        assert self.surface.watch.new() == [], "the public record is not audited"

    @rule(viewer=st.sampled_from(VIEWERS), data=st.data())
    def read_by_id(self, viewer: str | None, data: st.DataObject) -> None:
        choices = [report.id for report in self.reports] + list(GUESSES)
        self.check_get(viewer, data.draw(st.sampled_from(choices), label="report id"))

    @invariant()
    def every_read_path_matches_the_oracle(self) -> None:
        for viewer in VIEWERS:
            self.check_list(viewer)
            self.check_count(viewer)
            self.check_views(viewer)
            if self.reports:
                self.check_get(viewer, self.reports[-1].id)
            self.check_incidents(viewer)

    def check_incidents(self, viewer: str | None) -> None:
        """Incidents are a read path of the reports they are built from: listed and served
        only to who reads the mechanism's material and one of their reports, showing only
        the reports that viewer reads; anyone else gets 'not found'. Each list that shows
        any and each read by id leaves one audit entry."""
        truth = stored_incidents(self.surface.services)
        expected = {
            incident_id: {self.by_id[i].marker for i in report_ids if sees(viewer, self.by_id[i])}
            for incident_id, report_ids in truth.items()
            if sees_incident(viewer, [self.by_id[i] for i in report_ids])
        }
        listed = self.surface.incident_list(viewer)
        assert set(listed) == set(expected), f"incidents listed to {viewer}"
        for incident_id, markers in listed.items():
            assert markers == expected[incident_id], f"{viewer} in the list of {incident_id}"
        entries = self.surface.watch.new()
        assert len(entries) == (self.surface.incident_lists if expected else 0), entries
        for incident_id in [*truth, "incident-never-opened"]:
            shown = self.surface.incident(viewer, incident_id)
            assert shown == expected.get(incident_id), f"{viewer} reads {incident_id}"
            (entry,) = self.surface.watch.new()
            assert (entry.resource_kind, entry.resource_id) == ("incident", incident_id)
            assert entry.allowed == (incident_id in expected)
            assert entry.actor_member_id == member_id(viewer)

    def check_get(self, viewer: str | None, report_id: str) -> None:
        report = self.by_id.get(report_id)
        served = self.surface.get(viewer, report_id)
        entries = self.surface.watch.new()
        address = self.surface.address
        if report is not None and sees(viewer, report):
            assert served == report.marker, f"{viewer} reads {report}"
            if report.public:
                assert entries == [], "reading what is public discloses nothing"
            else:
                one_entry(entries, viewer, Action.READ, report_id, allowed=True, address=address)
        else:
            assert served is None, f"{viewer} must not read {report or report_id}"
            one_entry(entries, viewer, Action.READ, report_id, allowed=False, address=address)

    def check_list(self, viewer: str | None) -> None:
        pages = self.surface.listed(viewer)
        entries = self.surface.watch.new()
        listed = [report_id for page in pages for report_id in page]
        assert len(listed) == len(set(listed)), "a report listed twice across pages"
        assert set(listed) == seen_by(viewer, self.reports), f"the list for {viewer}"
        disclosing = [page for page in pages if any(not self.by_id[i].public for i in page)]
        # One entry per list request that showed something not public, none otherwise.
        assert len(entries) == len(disclosing), entries
        for entry, page in zip(reversed(entries), disclosing, strict=True):
            assert (entry.action, entry.allowed) == (Action.LIST.value, True)
            assert entry.actor_member_id == member_id(viewer)
            assert entry.address == self.surface.address
            assert all(i in entry.reason for i in page if not self.by_id[i].public)

    def check_count(self, viewer: str | None) -> None:
        assert self.surface.count(viewer) == len(seen_by(viewer, self.reports))
        assert self.surface.watch.new() == [], "a count discloses no material"

    def check_views(self, viewer: str | None) -> None:
        """Pages, fragments and search: a role's home lists its narrowing of what the viewer
        sees; search finds all of it; none shows more. Each audits like a list."""
        visible = seen_by(viewer, self.reports)
        discloses = any(not self.by_id[i].public for i in visible)
        for name, fetch in self.surface.views(viewer).items():
            expected = visible if name.startswith("search") else home_of(viewer, self.reports)
            text = fetch()
            markers = {self.by_id[i].marker for i in expected}
            assert set(MARKER.findall(text)) == markers, f"{name} for {viewer}"
            counted = COUNT_IN_PAGE.search(text)
            if name.endswith(("page", "fragment")):
                assert counted is not None, name
                assert int(counted.group(1)) == len(expected), f"{name}'s count for {viewer}"
            assert len(self.surface.watch.new()) == int(discloses), f"{name}'s audit"


@pytest.fixture(autouse=True)
def quiet(caplog):
    """Thousands of requests: keep their log lines out of the captured output."""
    caplog.set_level(logging.WARNING, logger="httpx")
    caplog.set_level(logging.ERROR, logger="truce.audit")


# --- the two surfaces -------------------------------------------------------------------------


def memory_services(tmp_path) -> Services:
    services = build_services(
        Settings(
            database_url="sqlite://",
            frontend_dir=tmp_path,
            key_dir=tmp_path / "keys",
            evidence_dir=tmp_path / "evidence",
        ),
        uow=MemoryUnitOfWorkFactory(),
        clock=FixedClock(),
        ids=SequentialIds("report"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    seed_cast(services.registry)
    return services


def memory_surface(tmp_path) -> Callable[[], Surface]:
    def start() -> Surface:
        services = memory_services(tmp_path)
        return ServiceSurface(services, AuditWatch(services))

    return start


def wipe(owner: Engine) -> None:
    """Empty the store as its owner, as the mechanism: on PostgreSQL the application role sees
    (and so deletes) only what row-level security lets it."""
    with owner.begin() as connection, as_system(connection, "emptying the test store"):
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(record_head.insert().values(id=1, size=0))


@dataclass
class Web:
    owner: Engine
    services: Services
    client: TestClient

    def start(self) -> Surface:
        """Each example begins on an empty database with the cast and a token each."""
        wipe(self.owner)
        seed_cast(self.services.registry)
        tokens = {member: token_for(self.services, member) for member in MEMBERS}
        surface = WebSurface(self.services, self.client, tokens, AuditWatch(self.services))
        surface.not_found_body()
        return surface


@pytest.fixture
def web(clean_engine: Engine, owner_engine: Engine, tmp_path) -> Iterator[Web]:
    settings_ = Settings(
        database_url=str(clean_engine.url),
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        evidence_dir=tmp_path / "evidence",
        secure_cookies=False,
    )
    services = build_services(
        settings_,
        uow=SqlUnitOfWorkFactory(clean_engine),
        clock=FixedClock(),
        ids=SequentialIds("report"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    with TestClient(create_app(settings_, services), base_url="http://127.0.0.1") as client:
        yield Web(owner_engine, services, client)


MEMORY_RUN = settings(max_examples=25, stateful_step_count=15)
# Each step reads every path for twelve viewers over HTTP: fewer, shorter runs.
WEB_RUN = settings(max_examples=5, stateful_step_count=8)


def test_need_to_know_holds_on_every_path_of_the_services(tmp_path):
    run_state_machine_as_test(leak_machine(memory_surface(tmp_path)), settings=MEMORY_RUN)


def test_need_to_know_holds_on_every_path_of_the_web_app(web):
    run_state_machine_as_test(leak_machine(web.start), settings=WEB_RUN)


# --- the machine catches leaks ----------------------------------------------------------------

# Deterministic and forgetful, so a planted leak is found the same way on every run.
# No shrinking: the test only needs to know that a failing run exists.
HUNT = settings(
    max_examples=60,
    stateful_step_count=12,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
)


def leaky_policy(principal, action, resource):
    """Lets a party read what another party gave the guarantors."""
    reading = resource.kind == ResourceKind.REPORT and action in {Action.READ, Action.LIST}
    if reading and resource.confidentiality == Confidentiality.GUARANTORS:
        return ALLOW
    return decide(principal, action, resource)


def plant_leaky_policy(monkeypatch):
    monkeypatch.setattr(access_guard, "decide", leaky_policy)


def plant_a_count_that_ignores_the_filter(monkeypatch):
    counted = MemoryReports.count
    monkeypatch.setattr(MemoryReports, "count", lambda self, _scope=None: counted(self))


def plant_an_unaudited_read(monkeypatch):
    real = monitoring.audit_decision

    def forgetful(uow, at, decision, address):
        if decision.action == Action.READ and decision.outcome:
            return None
        return real(uow, at, decision, address)

    monkeypatch.setattr(monitoring, "audit_decision", forgetful)


def plant_a_telling_refusal(monkeypatch):
    """Forbidden says 'forbidden' while missing says 'missing'."""
    real = access_guard.access_report

    def telling(principal, report, action=Action.READ):
        if report is not None and not decide(
            principal, action, access_guard.report_resource(report)
        ):
            raise monitoring.NotFoundError("report you may not read")
        return real(principal, report, action)

    monkeypatch.setattr(monitoring, "access_report", telling)


def plant_an_incident_that_shows_every_report(monkeypatch):
    """The incident view forgets to filter its reports by what the viewer may read."""
    monkeypatch.setattr(incidents, "_may_read", lambda _principal, _report: True)


@pytest.mark.parametrize(
    "plant",
    [
        plant_an_incident_that_shows_every_report,
        plant_leaky_policy,
        plant_a_count_that_ignores_the_filter,
        plant_an_unaudited_read,
        plant_a_telling_refusal,
    ],
)
def test_the_machine_catches_a_planted_leak(plant, monkeypatch, tmp_path):
    plant(monkeypatch)
    with pytest.raises(AssertionError):
        run_state_machine_as_test(leak_machine(memory_surface(tmp_path)), settings=HUNT)
