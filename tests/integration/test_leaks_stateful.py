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

A second machine does the same for the talks (issue 9): members post in the Astana round's
channels (those who may not are refused), mediators relay verbatim, as a paraphrase or as a
note, delegations state positions (shared or not) that the mediators may relay, the single
text and the delegations' drafts are edited, versions endorsed and published. After every step
no delegation sees another's channel, drafts or positions, and a relay's recipient never sees
its source's id or author, on every read path: channels (API and fragment), the event stream,
the positions board and its count, the texts (API and page), publications, the round pages.
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
    precondition,
    rule,
    run_state_machine_as_test,
)
from leak_oracle import (
    ADDRESS,
    COUNT_IN_PAGE,
    DELEGATES,
    DRAFTS,
    LEVELS,
    MARKER,
    MEMBERS,
    PROC_MARKER,
    SINGLE_TEXT,
    TALK_CHANNELS,
    TALK_MARKER,
    TALK_MEDIATORS,
    VIEWERS,
    WHO,
    AuditWatch,
    Filed,
    ProcCase,
    ProcRequest,
    ProcServiceSurface,
    ProcSurface,
    ProcWebSurface,
    ServiceSurface,
    Surface,
    TalkMessage,
    TalkPosition,
    TalkServiceSurface,
    TalkSurface,
    TalkWebSurface,
    TalkWorld,
    WebSurface,
    accused_is,
    fields_with,
    home_of,
    marker_for,
    may_file,
    member_id,
    mine_of,
    proc_allowed,
    proc_every_marker,
    proc_marker,
    reads_case,
    reads_channel,
    reads_document,
    reads_request,
    seen_by,
    sees,
    sees_incident,
    stored_incidents,
    talk_marker,
)
from litestar.testing import TestClient
from sqlalchemy import Engine

from integration_helpers import token_for
from support import START, FixedClock, SequentialIds, seed_cast
from talk_helpers import ASTANA
from truce.adapters.memory.store import MemoryReports, MemoryUnitOfWorkFactory
from truce.adapters.passwords import Argon2Hasher
from truce.adapters.sql.rls import as_system
from truce.adapters.sql.tables import metadata, record_head
from truce.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from truce.application import access_guard, incidents, monitoring, talks, talks_access
from truce.application.procedure import DeterminationDraft
from truce.application.talks_access import version_subject
from truce.bootstrap import Services, build_services
from truce.domain.access import ALLOW, Action, ResourceKind, decide
from truce.domain.auth import AuditEntry
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import (
    AccessDeniedError,
    InvalidInputError,
    NotFoundError,
    ProcedureError,
)
from truce.domain.procedure import Step, VoteValue
from truce.domain.reports import parse_file_report
from truce.domain.talks import RelayMode, SubjectKind
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

    # A rule, not part of the invariant: a report renders charts and a map, too slow to
    # make for every viewer after every step.
    @rule(viewer=st.sampled_from(VIEWERS))
    def check_compliance(self, viewer: str | None) -> None:
        """A compliance report and an export hold what the viewer may list, no more (every
        probe report names its party accused, place and source with its marker). A
        restricted edition leaves one audit entry, the public one none; every export one."""
        expected = {report.marker for report in self.reports if sees(viewer, report)}
        page = self.surface.compliance(viewer)
        assert set(MARKER.findall(page)) == expected, f"compliance report for {viewer}"
        assert len(self.surface.watch.new()) == int(viewer is not None), "the report's audit"
        lines = self.surface.exported(viewer).splitlines()
        assert {m for line in lines for m in MARKER.findall(line)} == expected, "export"
        assert len(lines) == len(expected), f"export for {viewer}"
        (entry,) = self.surface.watch.new()
        assert (entry.action, entry.allowed) == (Action.LIST.value, True)
        assert entry.actor_member_id == member_id(viewer)

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
        for name, fetch in self.surface.views(viewer).items():
            expected = visible if name.startswith("search") else home_of(viewer, self.reports)
            # Home pages look through all the viewer sees, then narrow; "mine" asks the store
            # for the viewer's own reports only, and discloses only those.
            looked_at = visible
            if name.startswith("mine"):
                expected = looked_at = mine_of(viewer, self.reports)
            discloses = any(not self.by_id[i].public for i in looked_at)
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


# Member signing keys (endorsements, approvals) are sealed with a key derived from it.
SECRET = "a test secret of thirty-two characters or more"


def memory_services(tmp_path) -> Services:
    services = build_services(
        Settings(
            database_url="sqlite://",
            frontend_dir=tmp_path,
            key_dir=tmp_path / "keys",
            evidence_dir=tmp_path / "evidence",
            secret_key=SECRET,
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
        secret_key=SECRET,
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


# --- the talks --------------------------------------------------------------------------------

TALK_PASSWORD = "correct horse battery staple"
APPROVERS = ("guarantor_ru", "guarantor_tr", "guarantor_ir")
REFUSED = (NotFoundError, AccessDeniedError)
# Over HTTP each step reads some twenty paths per viewer: one viewer of each kind.
TALK_WEB_VIEWERS = (
    "gov_liaison",
    "opposition_liaison",
    "guarantor_tr",
    "un_mediator",
    "observer_us",
    None,
)


def talk_machine(
    start: Callable[[], tuple[Services, TalkSurface]], viewers: tuple[str | None, ...] = VIEWERS
) -> type[RuleBasedStateMachine]:
    return type(
        "TalkLeakMachineOver",
        (TalkLeakMachine,),
        {"start": staticmethod(start), "viewers": viewers},
    )


class TalkLeakMachine(RuleBasedStateMachine):
    start: Callable[[], tuple[Services, TalkSurface]]
    viewers: tuple[str | None, ...]

    def __init__(self) -> None:
        super().__init__()
        self.services, self.surface = self.start()
        self.talks = self.services.talks
        self.markers = 0
        for member in (*DELEGATES, *TALK_MEDIATORS):
            found = self.services.auth.find_member(member)
            self.services.auth.set_password(found.id, TALK_PASSWORD)
            self.services.member_keys.generate(found.id)
        round_ = self.talks.open_round(self.member("un_mediator"), ASTANA)
        with self.talks.uow() as uow:
            channels = {c.body_id or "guarantors": c.id for c in uow.talks.channels(round_.id)}
            items = [item.id for item in uow.talks.agenda(round_.id)]
        self.world = TalkWorld(round_.id, channels, items, {})
        for key, author in ((SINGLE_TEXT, "un_mediator"), *DRAFTS.items()):
            marker = self.marker()
            document = self.talks.create_document(
                self.member(author), round_.id, f"Text of {key}", [f"Clause {marker}."]
            )
            self.world.documents[key] = document.id
            self.world.versions[key] = [frozenset({marker})]

    def member(self, username: str):
        return self.services.auth.find_member(username)

    def marker(self) -> str:
        self.markers += 1
        return talk_marker(self.markers)

    @rule(member=st.sampled_from(MEMBERS), channel=st.sampled_from(TALK_CHANNELS))
    def post(self, member: str, channel: str) -> None:
        marker = self.marker()
        try:
            sent = self.talks.post_message(
                self.member(member), self.world.channels[channel], f"Message {marker}."
            )
        except REFUSED:
            assert not reads_channel(member, channel), f"{member} may post in {channel}"
            return
        assert reads_channel(member, channel), f"{member} posted in {channel}"
        self.world.messages.append(TalkMessage(sent.id, channel, frozenset({marker})))

    @precondition(lambda self: self.world.messages)
    @rule(
        relayer=st.sampled_from(("un_mediator", "host_mediator", "gov_liaison", "guarantor_ru")),
        mode=st.sampled_from(list(RelayMode)),
        into=st.sampled_from(TALK_CHANNELS),
        data=st.data(),
    )
    def relay(self, relayer: str, mode: RelayMode, into: str, data: st.DataObject) -> None:
        source = data.draw(st.integers(0, len(self.world.messages) - 1), label="source")
        self.relay_from(source, relayer, mode, into)

    def relay_from(self, index: int, relayer: str, mode: RelayMode, into: str) -> None:
        source = self.world.messages[index]
        target = into if into != source.channel else ("gov" if into != "gov" else "opp")
        marker = self.marker()
        wording = "" if mode == RelayMode.VERBATIM else f"The mediators' wording {marker}."
        try:
            relayed = self.talks.relay(
                self.member(relayer), source.id, self.world.channels[target], mode, wording
            )
        except REFUSED:
            assert relayer not in TALK_MEDIATORS, f"{relayer} may relay"
            return
        assert relayer in TALK_MEDIATORS, f"{relayer} relayed"
        markers = source.markers if mode == RelayMode.VERBATIM else frozenset({marker})
        self.world.messages.append(TalkMessage(relayed.id, target, markers))

    @rule(
        member=st.sampled_from(MEMBERS),
        item=st.integers(0, 3),
        stance=st.sampled_from(("accept", "reject", "block", "counter")),
        shareable=st.booleans(),
    )
    def state_position(self, member: str, item: int, stance: str, *, shareable: bool) -> None:
        marker = self.marker()
        try:
            position = self.talks.state_position(
                self.member(member),
                self.world.round_id,
                self.world.items[item],
                stance,
                f"Because {marker}.",
                shareable=shareable,
            )
        except REFUSED:
            assert member not in DELEGATES, f"{member} may state a position"
            return
        assert member in DELEGATES, f"{member} stated a position"
        self.world.positions.append(
            TalkPosition(position.id, DELEGATES[member], position.item_id, marker, shareable)
        )

    @precondition(lambda self: self.world.positions)
    @rule(into=st.sampled_from(TALK_CHANNELS), data=st.data())
    def relay_position(self, into: str, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.world.positions) - 1), label="position")
        self.relay_position_of(index, into)

    def relay_position_of(self, index: int, into: str) -> None:
        position = self.world.positions[index]
        try:
            relayed = self.talks.relay_position(
                self.member("un_mediator"), position.id, self.world.channels[into]
            )
        except InvalidInputError:
            assert not position.shareable, "a shared position may be relayed"
            return
        assert position.shareable, "an unshared position was relayed"
        self.world.messages.append(TalkMessage(relayed.id, into, frozenset({position.marker})))

    @rule(member=st.sampled_from(MEMBERS), document=st.sampled_from((SINGLE_TEXT, *DRAFTS)))
    def edit(self, member: str, document: str) -> None:
        marker = self.marker()
        document_id = self.world.documents[document]
        with self.talks.uow() as uow:
            latest = uow.talks.version(document_id)
            assert latest is not None
        edits: list[tuple[str | None, str]] = [(c.id, c.text) for c in latest.clauses]
        edits.append((None, f"Clause {marker}."))
        try:
            self.talks.edit_document(self.member(member), document_id, latest.number, edits)
        except REFUSED:
            return
        assert reads_document(member, document), f"{member} edited {document}"
        versions = self.world.versions[document]
        versions.append(versions[-1] | {marker})

    @rule(
        member=st.sampled_from(sorted(DELEGATES)),
        value=st.sampled_from(("endorse", "reject", "abstain")),
    )
    def endorse(self, member: str, value: str) -> None:
        number = len(self.world.versions[SINGLE_TEXT])
        self.talks.endorse(
            self.member(member),
            TALK_PASSWORD,
            self.world.documents[SINGLE_TEXT],
            number,
            value,
            "Our delegation's reasons.",
        )

    @precondition(
        lambda self: len(self.world.versions[SINGLE_TEXT]) not in self.world.published_numbers
    )
    @rule()
    def publish(self) -> None:
        """The mediators publish the single text's latest version with every approval."""
        number = len(self.world.versions[SINGLE_TEXT])
        subject = version_subject(self.world.documents[SINGLE_TEXT], number)
        mediator = self.member("un_mediator")
        publication = self.talks.request_publication(
            mediator, SubjectKind.DOCUMENT_VERSION, subject
        )
        for approver in APPROVERS:
            self.talks.approve(self.member(approver), TALK_PASSWORD, publication.id)
        self.talks.publish(mediator, publication.id)
        self.world.published_numbers.add(number)
        self.world.published |= self.world.versions[SINGLE_TEXT][-1]

    @invariant()
    def no_delegation_sees_what_is_not_its_own(self) -> None:
        for viewer in self.viewers:
            self.check(viewer)

    @invariant()
    def one_round_serves_each_stream_what_its_own_read_would(self) -> None:
        """Every viewer's stream, twice over and interleaved, in one delivery round: each gets
        exactly what it reads alone, never what another class of the round may see."""
        viewers = [*self.viewers, *reversed(self.viewers)]
        shared = self.surface.delivery_round(viewers)
        if shared is None:
            return
        for viewer, served in zip(viewers, shared, strict=True):
            alone = self.surface.stream(viewer)
            assert served.ids == alone.ids, f"{viewer} in a shared round"
            assert served.text == alone.text, f"{viewer}'s views in a shared round"

    def check(self, viewer: str | None) -> None:
        world = self.world
        texts = self.channels_as_seen(viewer)
        stream = self.surface.stream(viewer)
        assert stream.ids == tuple(m.id for m in world.messages_seen(viewer)), f"{viewer} stream"
        texts["stream"] = stream.text
        board = self.surface.board(viewer, world.round_id)
        if board is None:
            assert viewer not in TALK_MEDIATORS, f"{viewer}'s board"
            assert viewer not in DELEGATES, f"{viewer}'s board"
        else:
            current = world.current_positions(viewer)
            assert board.count == len(current), f"the board's count for {viewer}"
            assert {p.marker for p in current} <= set(TALK_MARKER.findall(board.text))
            texts["board"] = board.text
        texts.update(self.documents_as_seen(viewer))
        publications = self.surface.publications(viewer)
        assert world.published <= set(TALK_MARKER.findall(publications.text))
        texts["publications"] = publications.text
        texts.update(self.surface.pages(viewer, world))
        visible, forbidden = world.visible_markers(viewer), world.forbidden(viewer)
        for name, text in texts.items():
            shown = set(TALK_MARKER.findall(text))
            assert shown <= visible, f"{name} shows {viewer} {shown - visible}"
            leaked = sorted(s for s in forbidden if s in text)
            assert not leaked, f"{name} shows {viewer} {leaked}"

    def channels_as_seen(self, viewer: str | None) -> dict[str, str]:
        texts = {}
        for key, channel_id in self.world.channels.items():
            served = self.surface.channel(viewer, channel_id)
            if not reads_channel(viewer, key):
                assert served is None, f"{viewer} reads the {key} channel"
                continue
            assert served is not None, f"{viewer} may read the {key} channel"
            expected = tuple(m.id for m in self.world.messages_seen(viewer, key))
            assert served.ids == expected, f"{viewer} in the {key} channel"
            texts[f"{key} channel"] = served.text
        return texts

    def documents_as_seen(self, viewer: str | None) -> dict[str, str]:
        texts = {}
        for key, document_id in self.world.documents.items():
            served = self.surface.document(viewer, document_id)
            versions = self.world.versions[key]
            published = key == SINGLE_TEXT and len(versions) in self.world.published_numbers
            if not (reads_document(viewer, key) or published):
                assert served is None, f"{viewer} reads {key}"
                continue
            assert served is not None, f"{viewer} may read {key}"
            assert versions[-1] <= set(TALK_MARKER.findall(served.text)), f"{key} for {viewer}"
            texts[f"{key} text"] = served.text
        return texts


def memory_talks(tmp_path) -> Callable[[], tuple[Services, TalkSurface]]:
    def start() -> tuple[Services, TalkSurface]:
        services = memory_services(tmp_path)
        return services, TalkServiceSurface(services)

    return start


def web_talks(web: Web) -> Callable[[], tuple[Services, TalkSurface]]:
    def start() -> tuple[Services, TalkSurface]:
        wipe(web.owner)
        seed_cast(web.services.registry)
        tokens = {m: token_for(web.services, m, "talks:read") for m in MEMBERS}
        return web.services, TalkWebSurface(web.client, tokens)

    return start


MEMORY_TALKS_RUN = settings(max_examples=6, stateful_step_count=10)
WEB_TALKS_RUN = settings(max_examples=2, stateful_step_count=6)


def test_no_delegation_sees_another_s_talks_through_the_services(tmp_path):
    run_state_machine_as_test(talk_machine(memory_talks(tmp_path)), settings=MEMORY_TALKS_RUN)


def test_no_delegation_sees_another_s_talks_through_the_web_app(web):
    machine = talk_machine(web_talks(web), TALK_WEB_VIEWERS)
    run_state_machine_as_test(machine, settings=WEB_TALKS_RUN)


def plant_a_channel_open_to_every_delegation(monkeypatch):
    """A party reads any delegation's channel."""

    def leaky(principal, action, resource):
        if resource.kind in {ResourceKind.CHANNEL, ResourceKind.MESSAGE} and (
            action in {Action.READ, Action.LIST} and principal.body_id in DELEGATES.values()
        ):
            return ALLOW
        return decide(principal, action, resource)

    monkeypatch.setattr(talks_access, "policy_decide", leaky)


def plant_a_relay_that_names_its_source(monkeypatch):
    """Every viewer is told where a relay came from, as the mediators are."""
    monkeypatch.setattr(talks, "_is_mediator", lambda _principal, _round: True)


def plant_positions_shown_to_every_delegation(monkeypatch):
    real = talks_access.position_resource

    def shared(position):
        resource = real(position)
        return type(resource)(resource.kind, resource.id, owner_body_id=position.body_id)

    monkeypatch.setattr(talks, "position_resource", shared)


def plant_one_class_for_every_viewer(monkeypatch):
    """A delivery round decides once for all its streams, whoever they are."""
    monkeypatch.setattr(talks, "viewer_class", lambda _principal: "everyone")


def walk(machine: TalkLeakMachine) -> None:
    """Every rule once, in an order that gives each something to act on, checking every read
    path after each step: what a planted leak cannot slip past by chance."""
    steps: list[Callable[[], None]] = [
        lambda: machine.post("opposition_liaison", "opp"),
        lambda: machine.post("gov_liaison", "gov"),
        lambda: machine.post("guarantor_ru", "guarantors"),
        lambda: machine.post("gov_liaison", "opp"),
        lambda: machine.relay_from(0, "un_mediator", RelayMode.VERBATIM, "gov"),
        lambda: machine.relay_from(0, "host_mediator", RelayMode.PARAPHRASE, "gov"),
        lambda: machine.relay_from(1, "un_mediator", RelayMode.NOTE, "opp"),
        lambda: machine.relay_from(1, "gov_liaison", RelayMode.VERBATIM, "opp"),
        lambda: machine.state_position("gov_liaison", 0, "reject", shareable=False),
        lambda: machine.state_position("opposition_liaison", 0, "block", shareable=True),
        lambda: machine.relay_position_of(1, "gov"),
        lambda: machine.relay_position_of(0, "opp"),
        lambda: machine.edit("un_mediator", SINGLE_TEXT),
        lambda: machine.edit("gov_liaison", "gov"),
        lambda: machine.edit("opposition_liaison", SINGLE_TEXT),
        lambda: machine.endorse("guarantor_tr", "endorse"),
        machine.publish,
        lambda: machine.edit("un_mediator", SINGLE_TEXT),
    ]
    machine.no_delegation_sees_what_is_not_its_own()
    for step in steps:
        step()
        machine.no_delegation_sees_what_is_not_its_own()
        machine.one_round_serves_each_stream_what_its_own_read_would()


def test_a_walk_through_every_rule_passes(tmp_path):
    machine = talk_machine(memory_talks(tmp_path))()
    walk(machine)
    assert len(machine.world.messages) == 7
    assert machine.world.published


@pytest.mark.parametrize(
    "plant",
    [
        plant_a_channel_open_to_every_delegation,
        plant_a_relay_that_names_its_source,
        plant_positions_shown_to_every_delegation,
        plant_one_class_for_every_viewer,
    ],
)
def test_the_talks_machine_catches_a_planted_leak(plant, monkeypatch, tmp_path):
    plant(monkeypatch)
    machine = talk_machine(memory_talks(tmp_path))()
    with pytest.raises(AssertionError):
        walk(machine)


# --- the verification procedure (issue 8) -----------------------------------------------------

PROC_REFUSED = (NotFoundError, AccessDeniedError, InvalidInputError, ProcedureError)
GUARANTORS = ("guarantor_ru", "guarantor_tr", "guarantor_ir")
ACCUSED_LIAISON = {"gov": "gov_liaison", "opp": "opposition_liaison"}
# Over HTTP each step reads five pages per viewer per incident: one viewer of each kind.
PROC_WEB_VIEWERS = (
    "gov_liaison",
    "opposition_liaison",
    "guarantor_tr",
    "host_mediator",
    "analyst",
    "observer_us",
    "admin",
    None,
)


def procedure_machine(
    start: Callable[[], tuple[Services, ProcSurface]], viewers: tuple[str | None, ...] = VIEWERS
) -> type[RuleBasedStateMachine]:
    return type(
        "ProcedureLeakMachineOver",
        (ProcedureLeakMachine,),
        {"start": staticmethod(start), "viewers": viewers},
    )


def two_shellings(services: Services) -> list[str]:
    """Passwords and keys for the guarantors, and two shellings the monitor reported to the
    mechanism: two incidents, each with a case of its own."""
    for name in GUARANTORS:
        member = services.auth.find_member(name)
        services.auth.set_password(member.id, TALK_PASSWORD)
        services.member_keys.generate(member.id)
    monitor = services.auth.find_member("monitor")
    for place, lat, lon in (("Basimah", 33.65, 36.13), ("Douma", 33.5711, 36.4036)):
        fields = fields_with(f"{place} report", "mechanism")
        fields.update(place_text=place, latitude=lat, longitude=lon)
        services.monitoring.file_report(parse_file_report(fields, now=START), monitor)
    analyst = services.registry.principal_for(services.auth.find_member("analyst"))
    return sorted(v.incident.id for v in services.incidents.list_incidents(analyst))


class ProcedureLeakMachine(RuleBasedStateMachine):
    """Steps of the procedure taken in any order on two incidents (most are refused by its
    gates, which is fine). After every step, for every viewer, each read path of the
    procedure shows only what the hand-written oracle allows: a party never sees another
    party's request or reply, nobody outside the mechanism sees notes, findings or anything
    before publication, and "not found" reads the same as a missing incident."""

    start: Callable[[], tuple[Services, ProcSurface]]
    viewers: tuple[str | None, ...]

    def __init__(self) -> None:
        super().__init__()
        self.services, self.surface = self.start()
        self.p = self.services.procedure
        self.cases = [ProcCase(i) for i in two_shellings(self.services)]
        self.markers = 0

    def member(self, username: str):
        return self.services.auth.find_member(username)

    def marker(self) -> str:
        self.markers += 1
        return proc_marker(self.markers)

    def take(self, index: int, step: Step, **extra: object) -> bool:
        try:
            self.p.take_step(self.member("analyst"), self.cases[index].id, step, **extra)  # type: ignore[arg-type]
        except PROC_REFUSED:
            return False
        return True

    @rule(index=st.integers(0, 1), accused=st.sampled_from(("gov", "opp")))
    def triage(self, index: int, accused: str) -> None:
        note = self.marker()
        if self.take(index, Step.TRIAGE, note=note, accused_body_id=accused):
            self.cases[index].accused = accused
            self.cases[index].notes.add(note)

    @rule(index=st.integers(0, 1))
    def investigate(self, index: int) -> None:
        self.take(index, Step.INVESTIGATE)

    @rule(index=st.integers(0, 1))
    def find(self, index: int) -> None:
        findings = self.marker()
        try:
            self.p.file_investigation_report(
                self.member("monitor"), self.cases[index].id, observed="violation_observed",
                coverage="observed", findings=f"Impacts {findings}.",
            )  # fmt: skip
        except PROC_REFUSED:
            return
        self.cases[index].findings.add(findings)

    @rule(index=st.integers(0, 1))
    def request_reply(self, index: int) -> None:
        case, allegation = self.cases[index], self.marker()
        try:
            request = self.p.request_reply(self.member("analyst"), case.id, allegation)
        except PROC_REFUSED:
            return
        assert case.accused is not None
        case.requests.append(ProcRequest(request.id, case.accused, allegation))

    @rule(index=st.integers(0, 1), liaison=st.sampled_from(sorted(ACCUSED_LIAISON.values())))
    def reply(self, index: int, liaison: str) -> None:
        case = self.cases[index]
        if not case.requests:
            return
        request, text = case.requests[-1], self.marker()
        ours = ACCUSED_LIAISON[request.accused] == liaison
        try:
            self.p.reply(self.member(liaison), request.id, f"Answer {text}.")
        except PROC_REFUSED:
            assert not (ours and request.open), f"{liaison} may answer {request.id}"
            return
        assert ours, f"{liaison} answered a request to {request.accused}"
        assert request.open
        request.replies.append(text)
        request.open = False

    @rule(index=st.integers(0, 1))
    def deliberate(self, index: int) -> None:
        self.take(index, Step.OPEN_DELIBERATION)

    @rule(
        index=st.integers(0, 1),
        guarantor=st.sampled_from(GUARANTORS),
        value=st.sampled_from(list(VoteValue)),
    )
    def vote(self, index: int, guarantor: str, value: VoteValue) -> None:
        reasons = self.marker()
        try:
            self.p.cast_vote(
                self.member(guarantor), TALK_PASSWORD, self.cases[index].id, value,
                f"Because {reasons}.", address=ADDRESS,
            )  # fmt: skip
        except PROC_REFUSED:
            return
        self.cases[index].votes.add(reasons)

    @rule(index=st.integers(0, 1))
    def determine(self, index: int) -> None:
        summary = self.marker()
        draft = DeterminationDraft(summary=f"Found {summary}.")
        try:
            self.p.determine(self.member("analyst"), self.cases[index].id, draft)
        except PROC_REFUSED:
            return
        self.cases[index].summary.add(summary)

    @rule(index=st.integers(0, 1))
    def publish(self, index: int) -> None:
        if self.take(index, Step.PUBLISH):
            self.cases[index].published = True

    @invariant()
    def every_procedure_read_matches_the_oracle(self) -> None:
        for viewer in self.viewers:
            self.check(viewer)

    def check(self, viewer: str | None) -> None:
        texts = self.panels_as_seen(viewer)
        ids, texts["inbox"] = self.surface.inbox(viewer)
        own = {r.id for c in self.cases for r in c.requests if accused_is(viewer, r.accused)}
        assert ids == own, f"the inbox of {viewer}"
        texts.update(self.requests_as_seen(viewer))
        texts["queue"] = self.surface.queue(viewer)
        texts["published"] = self.surface.published(viewer)
        allowed = proc_allowed(viewer, self.cases)
        every = proc_every_marker(self.cases)
        for name, text in texts.items():
            leaked = (set(PROC_MARKER.findall(text)) & every) - allowed
            assert not leaked, f"{name} shows {viewer} {sorted(leaked)}"

    def panels_as_seen(self, viewer: str | None) -> dict[str, str]:
        """The decision panel: the mechanism's whole, anyone's once published, else 'not
        found'. What must be there is checked too, so a blank page cannot pass."""
        texts = {}
        for case in self.cases:
            shown = self.surface.panel(viewer, case.id)
            if not (reads_case(viewer) or case.published):
                assert shown is None, f"{viewer} reads the panel of {case.id}"
                continue
            assert shown is not None, f"{viewer} may read the panel of {case.id}"
            markers = set(PROC_MARKER.findall(shown))
            assert case.summary <= markers, f"the determination for {viewer}"
            if reads_case(viewer):
                assert case.findings <= markers, f"the findings for {viewer}"
            texts[f"panel of {case.id}"] = shown
        return texts

    def requests_as_seen(self, viewer: str | None) -> dict[str, str]:
        texts = {}
        for request in (r for c in self.cases for r in c.requests):
            read = self.surface.request(viewer, request.id)
            if not reads_request(viewer, request.accused):
                assert read is None, f"{viewer} reads request {request.id}"
            elif read is not None:
                texts[f"request {request.id}"] = read
        return texts


def memory_procedure(tmp_path) -> Callable[[], tuple[Services, ProcSurface]]:
    def start() -> tuple[Services, ProcSurface]:
        services = memory_services(tmp_path)
        return services, ProcServiceSurface(services)

    return start


def web_procedure(web: Web) -> Callable[[], tuple[Services, ProcSurface]]:
    def start() -> tuple[Services, ProcSurface]:
        wipe(web.owner)
        seed_cast(web.services.registry)
        tokens = {m: token_for(web.services, m) for m in MEMBERS}
        return web.services, ProcWebSurface(web.client, tokens)

    return start


MEMORY_PROC_RUN = settings(max_examples=12, stateful_step_count=25)
WEB_PROC_RUN = settings(max_examples=1, stateful_step_count=10)


def test_need_to_know_holds_on_every_procedure_path_of_the_services(tmp_path):
    run_state_machine_as_test(
        procedure_machine(memory_procedure(tmp_path)), settings=MEMORY_PROC_RUN
    )


def test_need_to_know_holds_on_every_procedure_path_of_the_web_app(web):
    machine = procedure_machine(web_procedure(web), PROC_WEB_VIEWERS)
    run_state_machine_as_test(machine, settings=WEB_PROC_RUN)


def walk_the_procedure(machine: ProcedureLeakMachine) -> None:
    """Both incidents through the whole procedure, the government accused in the first and
    the opposition in the second, each answering its own; the first published, the second
    determined only. Every read path is checked after each step."""
    steps: list[Callable[[], None]] = []
    for index, accused in ((0, "gov"), (1, "opp")):
        steps += [
            lambda i=index, a=accused: machine.triage(i, a),
            lambda i=index: machine.investigate(i),
            lambda i=index: machine.find(i),
            lambda i=index: machine.request_reply(i),
            lambda i=index: machine.reply(i, "opposition_liaison"),
            lambda i=index: machine.reply(i, "gov_liaison"),
            lambda i=index: machine.deliberate(i),
            lambda i=index: machine.vote(i, "guarantor_ru", VoteValue.NOT_A_VIOLATION),
            lambda i=index: machine.vote(i, "guarantor_ir", VoteValue.NOT_A_VIOLATION),
            lambda i=index: machine.vote(i, "guarantor_tr", VoteValue.CONFIRMED),
            lambda i=index: machine.determine(i),
        ]
    steps.append(lambda: machine.publish(0))
    machine.every_procedure_read_matches_the_oracle()
    for step in steps:
        step()
        machine.every_procedure_read_matches_the_oracle()


def test_a_walk_through_the_whole_procedure_passes(tmp_path):
    machine = procedure_machine(memory_procedure(tmp_path))()
    walk_the_procedure(machine)
    first, second = machine.cases
    assert first.published
    assert not second.published
    assert second.summary, "the second case was determined"
    assert [len(r.replies) for c in machine.cases for r in c.requests] == [1, 1]


def plant_an_inbox_for_every_party(monkeypatch):
    """The inbox lists requests to any party."""
    from truce.application import procedure_replies  # noqa: PLC0415

    real = procedure_replies.reply_request_resource

    def shared(request):
        resource = real(request)
        return type(resource)(
            resource.kind, resource.id, owner_body_id=resource.owner_body_id,
            confidentiality=Confidentiality.PUBLIC, accused_body_id=resource.accused_body_id,
        )  # fmt: skip

    monkeypatch.setattr(procedure_replies, "reply_request_resource", shared)


def plant_determinations_listed_before_publication(monkeypatch):
    """The list of published determinations forgets to keep to the published ones."""
    from truce.application import procedure_determinations  # noqa: PLC0415

    def everything(self, limit=50):
        with self.uow() as uow:
            return uow.procedure.determinations(limit, published_only=False)

    monkeypatch.setattr(procedure_determinations.Determinations, "published", everything)


def plant_notes_in_the_publication(monkeypatch):
    """A publication shows the history with the mechanism's notes."""
    from truce.application import procedure  # noqa: PLC0415

    monkeypatch.setattr(procedure, "_steps_as_seen", lambda steps, *, full: steps)  # noqa: ARG005


def plant_a_panel_before_publication(monkeypatch):
    """The panel shows the determination to anyone once it is recorded."""
    from truce.application import procedure  # noqa: PLC0415

    monkeypatch.setattr(procedure, "sees_incident", lambda _uow, _principal, _incident: True)


@pytest.mark.parametrize(
    "plant",
    [
        plant_an_inbox_for_every_party,
        plant_determinations_listed_before_publication,
        plant_notes_in_the_publication,
        plant_a_panel_before_publication,
    ],
)
def test_the_procedure_machine_catches_a_planted_leak(plant, monkeypatch, tmp_path):
    plant(monkeypatch)
    machine = procedure_machine(memory_procedure(tmp_path))()
    with pytest.raises(AssertionError):
        walk_the_procedure(machine)
