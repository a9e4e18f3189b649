"""Helpers for tests of the verification procedure: services over either store, the Astana
cast with passwords and server-held keys, and the Wadi Barada shelling as one incident."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from support import FixedClock, SequentialIds, report_fields, seed_cast
from truce.adapters.passwords import Argon2Hasher
from truce.application.ports import UnitOfWorkFactory
from truce.bootstrap import Services, build_services
from truce.domain.access import Principal
from truce.domain.parties import Member
from truce.domain.procedure import Step, VoteValue
from truce.domain.procedure_records import CoverageGap, GapKind
from truce.domain.reports import parse_file_report
from truce.settings import Settings

PASSWORD = "correct horse battery staple"
SECRET = "a test server secret of forty characters"


@dataclass
class World:
    services: Services
    clock: FixedClock
    members: dict[str, Member]
    incident_id: str
    report_ids: list[str]

    def member(self, name: str) -> Member:
        return self.members[name]

    def principal(self, name: str) -> Principal:
        return self.services.registry.principal_for(self.members[name])


def build_world(uow: UnitOfWorkFactory, tmp_path: Path, clock: FixedClock | None = None) -> World:
    clock = clock or FixedClock()
    settings = Settings(
        database_url="sqlite://",
        frontend_dir=tmp_path,
        key_dir=tmp_path / "keys",
        secret_key=SECRET,
        secure_cookies=False,
        record_origin="truce.test/record",
    )
    services = build_services(
        settings,
        uow=uow,
        clock=clock,
        ids=SequentialIds("id"),
        hasher=Argon2Hasher(time_cost=1, memory_cost_kib=1024),
    )
    return populate(services, clock, seed_cast(services.registry))


def populate(services: Services, clock: FixedClock, members: dict[str, Member]) -> World:
    """Passwords and server-held keys for the cast, and the Wadi Barada shelling filed three
    ways (a monitor, the opposition, the press) as one incident."""
    for member in members.values():
        services.auth.set_password(member.id, PASSWORD)
        services.member_keys.generate(member.id)
    reports = [
        _file(services, members["monitor"], place_text="Basimah, Wadi Barada"),
        _file(services, members["opposition_liaison"], source_kind="party_liaison",
              source_name="Opposition liaison", confidentiality="guarantors",
              perpetrator="Syrian Arab Army", reliability="C", credibility=3,
              narrative="Regime artillery shelled Basimah at dawn despite the ceasefire."),
        _file(services, members["monitor"], source_kind="news", source_name="Arabic press",
              confidentiality="public", narrative="قصف مدفعي على قرى وادي بردى"),
    ]  # fmt: skip
    views = services.incidents.list_incidents(services.registry.principal_for(members["analyst"]))
    incident = next(v.incident for v in views if reports[0] in v.incident.report_ids)
    return World(services, clock, members, incident.id, reports)


def file_elsewhere(world: World) -> str:
    """A shelling of Douma, a second incident beside Wadi Barada's; its id."""
    report = _file(
        world.services, world.member("monitor"), place_text="Douma",
        latitude=33.5711, longitude=36.4036, narrative="Shelling on Douma market.",
    )  # fmt: skip
    analyst = world.principal("analyst")
    views = world.services.incidents.list_incidents(analyst)
    return next(v.incident.id for v in views if report in v.incident.report_ids)


def _file(services: Services, member: Member, **fields: object) -> str:
    command = parse_file_report(report_fields(**fields), now=services.clock.now())
    return services.monitoring.file_report(command, member).report.id


GAP = CoverageGap(GapKind.NOT_OBSERVABLE, "firing positions west of Basimah", "no line of sight")


def to_deliberation(world: World, *, reply: bool = True) -> None:
    """Triage (the government accused), investigation with a report, a reply requested and
    given (or let lapse), deliberation opened."""
    p, analyst = world.services.procedure, world.member("analyst")
    p.take_step(analyst, world.incident_id, Step.TRIAGE, accused_body_id="gov")
    p.take_step(analyst, world.incident_id, Step.INVESTIGATE)
    p.assign_monitor(analyst, world.incident_id, world.member("monitor").id)
    p.file_investigation_report(
        world.member("monitor"), world.incident_id, observed="violation_observed",
        coverage="partly_observed", findings="Impacts west of Basimah over thirty minutes.",
        gaps=[GAP],
    )  # fmt: skip
    request = p.request_reply(analyst, world.incident_id, "Shelling of Basimah, 2 January.")
    if reply:
        p.reply(world.member("gov_liaison"), request.id, "Operations target Jabhat Fateh al-Sham.")
    else:
        world.clock.advance(hours=73)
        p.enforce_deadlines()
    p.take_step(analyst, world.incident_id, Step.OPEN_DELIBERATION)


def vote(world: World, who: str, value: VoteValue, reasons: str = "") -> None:
    world.services.procedure.cast_vote(
        world.member(who), PASSWORD, world.incident_id, value, reasons, address="127.0.0.1"
    )
