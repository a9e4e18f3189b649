"""The filing use case over the in-memory fakes (the same rules run on SQL in contract/)."""

import pytest

from support import FixedClock, SequentialIds, report_fields, seed_cast
from truce.adapters.memory.store import MemoryUnitOfWorkFactory
from truce.application.demo_case import AGREEMENT, BODIES, members_of_cast
from truce.application.monitoring import MonitoringService
from truce.application.registry import RegistryService
from truce.domain.access import ANONYMOUS, Principal
from truce.domain.errors import (
    AccessDeniedError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from truce.domain.reports import parse_file_report


@pytest.fixture
def service() -> MonitoringService:
    uow = MemoryUnitOfWorkFactory()
    seed_cast(RegistryService(uow, FixedClock()))
    return MonitoringService(uow, FixedClock(), SequentialIds("report"))


# The cast is the same in every store: seed_cast adds exactly these members.
MEMBERS = {member.username: member for member in members_of_cast()}


def monitor():
    return MEMBERS["monitor"]


def as_principal(username):
    member = MEMBERS[username]
    body = next(b for b in BODIES if b.id == member.body_id)
    return Principal.of(member, body)


def command(**overrides: object):
    return parse_file_report(report_fields(**overrides), now=FixedClock().now())


def test_a_report_is_filed_under_the_only_agreement(service):
    filed = service.file_report(submitter=monitor(), command=command())
    assert filed.created
    assert filed.report.agreement_id == AGREEMENT.id
    assert service.get_report(as_principal("analyst"), filed.report.id) == filed.report


def test_a_retry_with_the_same_key_files_once(service):
    first = service.file_report(submitter=monitor(), command=command(idempotency_key="device-7:42"))
    again = service.file_report(submitter=monitor(), command=command(idempotency_key="device-7:42"))
    assert not again.created
    assert again.report == first.report
    assert service.count_reports(as_principal("analyst")) == 1


def test_the_same_key_with_other_content_is_a_conflict(service):
    service.file_report(submitter=monitor(), command=command(idempotency_key="k"))
    with pytest.raises(IdempotencyConflictError):
        service.file_report(submitter=monitor(), command=command(idempotency_key="k", killed=3))
    assert service.count_reports(as_principal("analyst")) == 1


def test_an_unknown_agreement_is_named(service):
    with pytest.raises(InvalidInputError) as caught:
        service.file_report(submitter=monitor(), command=command(agreement_id="nope"))
    assert caught.value.errors[0].field == "agreement_id"
    assert service.count_reports(as_principal("analyst")) == 0


def test_a_missing_report_is_not_found(service):
    with pytest.raises(NotFoundError):
        service.get_report(as_principal("analyst"), "report-999999")


def test_pages_run_newest_first_and_end(service):
    clock = service.clock
    assert isinstance(clock, FixedClock)
    for _ in range(5):
        service.file_report(submitter=monitor(), command=command())
        clock.advance(minutes=1)
    first = service.list_reports(as_principal("analyst"), limit=2)
    second = service.list_reports(as_principal("analyst"), limit=2, after=first.next_cursor)
    third = service.list_reports(as_principal("analyst"), limit=2, after=second.next_cursor)
    ids = [r.id for page in (first, second, third) for r in page.reports]
    assert ids == [f"report-{n:06d}" for n in (5, 4, 3, 2, 1)]
    assert third.next_cursor is None


def test_a_party_does_not_see_what_another_party_gave_the_guarantors(service):
    secret = service.file_report(
        command(confidentiality="guarantors"), submitter=MEMBERS["gov_liaison"]
    ).report
    assert service.get_report(as_principal("guarantor_tr"), secret.id) == secret
    assert service.get_report(as_principal("gov_liaison"), secret.id) == secret
    with pytest.raises(NotFoundError):
        service.get_report(as_principal("opposition_liaison"), secret.id)
    assert service.list_reports(as_principal("opposition_liaison")).reports == []
    assert service.count_reports(as_principal("opposition_liaison")) == 0
    assert service.count_reports(ANONYMOUS) == 0


def test_an_observer_cannot_file_a_report(service):
    with pytest.raises(AccessDeniedError):
        service.file_report(command(), submitter=MEMBERS["observer_us"])
    assert service.total_reports() == 0
