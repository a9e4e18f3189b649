"""The choke points agree with the policy: a scope derived from `decide` admits exactly the
reports `decide` lets a principal read, for every member of the cast and every report."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cast import CAST
from support import START, report_fields
from truce.application.access_guard import access_report, report_resource, report_scope
from truce.domain.access import ANONYMOUS, Action, decide
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import NotFoundError
from truce.domain.reports import new_report, parse_file_report

BODIES = ["gov", "opp", "ru", "tr", "ir", "un", "kz", "us", "ae", "mechanism", None]
PRINCIPALS = [ANONYMOUS, *CAST.values()]


def a_report(owner, level):
    command = parse_file_report(report_fields(confidentiality=level.value), now=START)
    return new_report(
        command,
        report_id=f"r-{owner}-{level}",
        agreement_id="syria-ceasefire-2016",
        filed_at=datetime(2017, 1, 3, tzinfo=UTC),
        submitted_by=None,
        submitter_body_id=owner,
    )


@pytest.mark.parametrize("action", [Action.READ, Action.LIST, Action.EXPORT])
def test_the_scope_admits_exactly_what_the_policy_allows(action):
    # Exhaustive: every principal of the cast, every owning body, every level.
    disagreements = [
        (principal.member_id, owner, level)
        for principal in PRINCIPALS
        for owner in BODIES
        for level in Confidentiality
        if report_scope(principal, action).admits(a_report(owner, level))
        != bool(decide(principal, action, report_resource(a_report(owner, level))))
    ]
    assert disagreements == []


def test_a_party_reads_its_own_reports_but_not_the_others():
    opposition = CAST["opposition_liaison"]
    theirs = a_report("gov", Confidentiality.GUARANTORS)
    ours = a_report("opp", Confidentiality.SUBMITTER)
    assert access_report(opposition, ours) == ours
    with pytest.raises(NotFoundError) as denied:
        access_report(opposition, theirs)
    with pytest.raises(NotFoundError) as missing:
        access_report(opposition, None)
    assert str(denied.value) == str(missing.value)


def test_anonymous_readers_see_only_what_is_public():
    scope = report_scope(ANONYMOUS)
    assert scope.own_body_id is None
    assert scope.levels == {Confidentiality.PUBLIC}


def test_a_disabled_member_reads_nothing():
    gone = replace(CAST["guarantor_ru"], active=False)
    assert report_scope(gone).levels == frozenset()
