"""A member's own reports ("my reports" on the field page), on the fakes and on SQL alike:
only what that member filed, newest first, paged, within what they may read, and audited
like every list."""

from support import report_fields
from truce.application.access_guard import principal_of
from truce.domain.reports import parse_file_report


def file(monitoring, clock, member, **overrides):
    command = parse_file_report(report_fields(**overrides), now=clock.now())
    filed = monitoring.file_report(command, member)
    clock.advance(minutes=1)
    return filed.report


def audit_reasons(uow_factory):
    with uow_factory() as uow:
        return [entry.reason for entry in uow.audit.recent(100)]


def test_my_reports_hold_only_what_the_member_filed_newest_first(
    monitoring, clock, cast, uow_factory
):
    first = file(monitoring, clock, cast["monitor"], narrative="First impacts near Basimah.")
    file(monitoring, clock, cast["gov_liaison"], narrative="A government allegation.")
    second = file(monitoring, clock, cast["monitor"], narrative="Second impacts near Basimah.")

    page = monitoring.my_reports(cast["monitor"])
    assert [r.id for r in page.reports] == [second.id, first.id]
    assert page.next_cursor is None
    # The monitor may read the liaison's report (it reached the mechanism), yet it is not theirs.
    assert monitoring.count_reports(monitoring_principal(uow_factory, cast["monitor"])) == 3
    assert any(reason.startswith("own: listed 2 reports") for reason in audit_reasons(uow_factory))


def test_my_reports_run_a_page_at_a_time(monitoring, clock, cast):
    filed = [file(monitoring, clock, cast["monitor"], narrative=f"Report {n}.") for n in range(3)]
    page = monitoring.my_reports(cast["monitor"], limit=2)
    assert [r.id for r in page.reports] == [filed[2].id, filed[1].id]
    assert page.next_cursor is not None
    rest = monitoring.my_reports(cast["monitor"], limit=2, after=page.next_cursor)
    assert [r.id for r in rest.reports] == [filed[0].id]
    assert rest.next_cursor is None


def test_a_member_who_filed_nothing_has_an_empty_list_and_no_audit_entry(
    monitoring, clock, cast, uow_factory
):
    file(monitoring, clock, cast["monitor"])
    assert monitoring.my_reports(cast["analyst"]).reports == []
    assert not any(reason.startswith("own:") for reason in audit_reasons(uow_factory))


def test_the_store_filters_by_submitter_inside_the_scope(monitoring, clock, cast, uow_factory):
    mine = file(monitoring, clock, cast["monitor"])
    file(monitoring, clock, cast["opposition_liaison"], confidentiality="submitter")
    with uow_factory() as uow:
        assert [r.id for r in uow.reports.page(10, submitted_by=cast["monitor"].id)] == [mine.id]
        assert uow.reports.page(10, submitted_by="nobody") == []
        assert len(uow.reports.page(10)) == 2


def monitoring_principal(uow_factory, member):
    with uow_factory() as uow:
        return principal_of(uow, member)
