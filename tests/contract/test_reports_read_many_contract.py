"""Reading many reports at once (`Reports.get_many`), on both stores: the batched read
correlation seeds its candidate incidents with. It must answer exactly as one `get` per
distinct id would, in the order the ids first appear."""

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from support import START, SequentialIds, report_fields
from truce.adapters.memory.store import MemoryReports
from truce.adapters.sql.repositories import SqlReports
from truce.application.demo_case import AGREEMENT
from truce.application.incidents import IncidentService
from truce.application.monitoring import MonitoringService
from truce.domain.reports import Report, new_report, parse_file_report

# Past the 999 parameters old SQLite builds allow, and past SqlReports' chunk of 10,000 ids.
MANY_IDS = 12_500
STORED = 1_200
# When the reports that correlation groups say the shelling happened (a week before START).
OCCURRED = datetime(2017, 1, 2, 4, 10, tzinfo=UTC)


def stored_report(report_id: str, confidentiality: str = "mechanism", body: str = "mechanism"):
    command = parse_file_report(report_fields(confidentiality=confidentiality), now=START)
    return new_report(
        command,
        report_id=report_id,
        agreement_id=AGREEMENT.id,
        filed_at=START + timedelta(seconds=len(report_id)),
        submitted_by="member-monitor",
        submitter_body_id=body,
    )


def file_reports(uow_factory, reports: list[Report]) -> None:
    with uow_factory() as uow:
        for report in reports:
            uow.reports.add(report, "member-monitor")
        uow.commit()


def one_by_one(uow, report_ids: list[str]) -> list[Report]:
    """What `get_many` stands for: one `get` per distinct id, missing ones left out."""
    return [r for r in (uow.reports.get(i) for i in dict.fromkeys(report_ids)) if r is not None]


def test_missing_ids_are_left_out_and_repeated_ones_come_once(cast, uow_factory):
    file_reports(uow_factory, [stored_report("r1"), stored_report("r2"), stored_report("r3")])
    with uow_factory() as uow:
        found = uow.reports.get_many(["r3", "nowhere", "r1", "r3", "r1", "also-nowhere"])
        assert found == [uow.reports.get("r3"), uow.reports.get("r1")]
        assert [r.id for r in uow.reports.get_many(("r2", "r2"))] == ["r2"]


def test_no_ids_read_nothing(cast, uow_factory):
    file_reports(uow_factory, [stored_report("r1")])
    with uow_factory() as uow:
        assert uow.reports.get_many([]) == []
        assert uow.reports.get_many(set()) == []
        assert uow.reports.get_many(["nowhere"]) == []


def test_it_finds_what_get_finds_whatever_the_level_or_retirement(cast, uow_factory):
    """Like `get`, it is the mechanism's own read (row-level security's system context on
    PostgreSQL): a party's submitter-only report and a retired one are found; the callers'
    choke points decide what is shown."""
    party_only = stored_report("r-party", confidentiality="submitter", body="opp")
    file_reports(uow_factory, [party_only, stored_report("r-retired"), stored_report("r-plain")])
    with uow_factory() as uow:
        uow.intake.retire(["r-retired"], "superseded")
        uow.commit()
    with uow_factory() as uow:
        asked = ["r-plain", "r-retired", "r-party"]
        found = uow.reports.get_many(asked)
        assert [r.id for r in found] == asked
        assert found == one_by_one(uow, asked)
        assert found[2] == party_only


def test_many_thousands_of_ids_are_read_in_one_call(cast, uow_factory):
    reports = [stored_report(f"r{n:05d}") for n in range(STORED)]
    file_reports(uow_factory, reports)
    rng = random.Random(11)  # noqa: S311 - a fixed shuffle of test ids, not a secret
    missing = [f"missing-{n}" for n in range(MANY_IDS - STORED - 100)]
    # Every stored id, a hundred asked twice, and the missing ones, all shuffled together so
    # stored ids fall in every chunk.
    asked = [r.id for r in reports] + [r.id for r in rng.sample(reports, 100)] + missing
    rng.shuffle(asked)
    assert len(asked) == MANY_IDS
    with uow_factory() as uow:
        found = uow.reports.get_many(asked)
    assert [r.id for r in found] == [i for i in dict.fromkeys(asked) if not i.startswith("m")]
    assert {r.id: r for r in found} == {r.id: r for r in reports}


def test_any_choice_of_ids_answers_as_one_get_per_id(cast, uow_factory):
    file_reports(uow_factory, [stored_report(f"r{n}") for n in range(12)])
    names = [f"r{n}" for n in range(15)]  # three of them never stored
    rng = random.Random(5)  # noqa: S311 - a fixed choice of test ids, not a secret
    with uow_factory() as uow:
        for _ in range(40):
            asked = rng.choices(names, k=rng.randrange(0, 20))
            assert uow.reports.get_many(asked) == one_by_one(uow, asked), asked


def test_correlation_reads_its_candidates_reports_in_one_call(
    cast, uow_factory, clock, monkeypatch
):
    """Seeding the engine with the incidents a new report may join reads all their reports
    at once: one `get_many`, no `get` per report however large the incident."""
    incidents = IncidentService(uow_factory, clock, SequentialIds("incident"))
    filing = MonitoringService(
        uow_factory, clock, SequentialIds("report"), after_filing=incidents.correlate
    )
    for minutes in range(0, 60, 2):
        file_one(filing, cast, minutes)
    asked: list[tuple[str, int]] = []
    for store in (MemoryReports, SqlReports):
        for name in ("get", "get_many"):
            monkeypatch.setattr(store, name, counted(asked, name, getattr(store, name)))
    file_one(filing, cast, 61)
    # Most of the thirty earlier reports are in the new one's window: one read for them all.
    assert [name for name, _ in asked] == ["get_many"]
    assert asked[0][1] >= 20


def file_one(filing: MonitoringService, cast, minutes: int) -> None:
    at = (OCCURRED + timedelta(minutes=minutes)).isoformat()
    command = parse_file_report(report_fields(occurred_from=at, occurred_to=at), now=START)
    filing.file_report(command, cast["monitor"])


def counted(
    asked: list[tuple[str, int]], name: str, read: Callable[..., object]
) -> Callable[..., object]:
    """`read`, noting each call and how many distinct ids it was given."""

    def counting(repository: object, ids: object) -> object:
        asked.append((name, len(set(ids)) if isinstance(ids, list | tuple | set) else 1))
        return read(repository, ids)

    return counting
