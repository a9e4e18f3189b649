"""The audit trail's filters and pages (what `/admin/audit` and `truce audit list` ask for),
the same on both stores."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from truce.domain.auth import AuditEntry

START = datetime(2017, 1, 10, 9, 0, tzinfo=UTC)


def entry(n: int, *, allowed: bool, actor: str | None) -> AuditEntry:
    return AuditEntry(
        at=START + timedelta(minutes=n),
        actor_member_id=actor,
        action="read",
        resource_kind="report",
        resource_id=f"r-{n}",
        allowed=allowed,
        reason="ok" if allowed else "need-to-know",
        address="192.0.2.1",
    )


def test_the_trail_filters_by_outcome_actor_and_moment_and_pages_by_number(uow_factory):
    with uow_factory() as uow:
        for n in range(6):
            actor = "member-gov_liaison" if n % 2 else "member-opposition_liaison"
            uow.audit.add(entry(n, allowed=n % 3 == 0, actor=actor))
        uow.commit()
    with uow_factory() as uow:
        everything = uow.audit.recent(10)
        allowed = uow.audit.recent(10, allowed=True)
        denied = uow.audit.recent(10, allowed=False)
        gov = uow.audit.recent(10, actor_member_id="member-gov_liaison")
        first = uow.audit.recent(2)
        second = uow.audit.recent(2, before_seq=first[-1].seq)
        late_denied = uow.audit.recent(10, allowed=False, since=START + timedelta(minutes=4))
    ids = [e.resource_id for e in everything]
    assert ids == ["r-5", "r-4", "r-3", "r-2", "r-1", "r-0"]
    assert [e.resource_id for e in allowed] == ["r-3", "r-0"]
    assert [e.resource_id for e in denied] == ["r-5", "r-4", "r-2", "r-1"]
    assert [e.resource_id for e in gov] == ["r-5", "r-3", "r-1"]
    assert [e.resource_id for e in first + second] == ids[:4]
    assert [e.resource_id for e in late_denied] == ["r-5", "r-4"]


def test_many_entries_written_at_once_are_numbered_in_the_order_given(uow_factory):
    with uow_factory() as uow:
        uow.audit.add(entry(0, allowed=True, actor="a"))
        uow.audit.add_many([entry(n, allowed=True, actor=f"m-{n}") for n in range(1, 5)])
        uow.audit.add_many([])
        uow.commit()
    with uow_factory() as uow:
        written = list(reversed(uow.audit.recent(10)))
    assert [e.actor_member_id for e in written] == ["a", "m-1", "m-2", "m-3", "m-4"]
    assert [e.seq for e in written] == sorted({e.seq for e in written})
    assert written[1] == replace(entry(1, allowed=True, actor="m-1"), seq=written[1].seq)


def test_entries_written_at_once_go_with_a_unit_of_work_that_is_not_committed(uow_factory):
    with uow_factory() as uow:
        uow.audit.add_many([entry(n, allowed=True, actor="m") for n in range(3)])
    with uow_factory() as uow:
        assert uow.audit.recent(10) == []
