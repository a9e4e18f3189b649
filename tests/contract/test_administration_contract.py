"""The operator's account administration, on both stores: only an operator may list, disable,
enable and issue or revoke tokens, never on the operator's own account; every refusal is
"not found" with one denied audit entry, every change one allowed entry."""

import pytest

from cast import ADMIN, ANALYST, GOV_LIAISON, MONITOR
from contract.test_auth_contract import FAST
from support import SequentialIds
from truce.application.administration import AdministrationService
from truce.application.auth import AuthService
from truce.domain.errors import NotFoundError

HERE = "192.0.2.10"


@pytest.fixture
def admin(uow_factory, clock, cast):
    return AdministrationService(
        AuthService(uow_factory, clock, SequentialIds("member"), FAST, server_secret="x" * 40)
    )


def last_entry(admin):
    return admin.auth.audit_entries(1)[0]


def test_an_operator_sees_every_account_token_and_agreement(admin):
    admin.auth.issue_token(MONITOR.member_id, ["reports:read"], 30, "tablet")
    overview = admin.overview(ADMIN, HERE)
    assert {status.member.username for status in overview.accounts} >= {"monitor", "admin"}
    assert [token.label for token in overview.tokens] == ["tablet"]
    assert overview.usernames[MONITOR.member_id] == "monitor"
    entry = last_entry(admin)
    assert entry.allowed
    assert entry.actor_member_id == ADMIN.member_id
    assert "listed" in entry.reason


@pytest.mark.parametrize("principal", [ANALYST, GOV_LIAISON, MONITOR], ids=lambda p: p.member_id)
def test_anyone_else_is_told_there_is_nothing_and_it_is_audited(admin, principal):
    with pytest.raises(NotFoundError):
        admin.overview(principal, HERE)
    assert not last_entry(admin).allowed
    with pytest.raises(NotFoundError):
        admin.set_active(principal, MONITOR.member_id, active=False, address=HERE)
    assert not last_entry(admin).allowed
    assert admin.auth.find_member("monitor").active
    with pytest.raises(NotFoundError):
        admin.issue_token(principal, "monitor", ["reports:read"], 30)
    assert admin.auth.list_tokens() == []


def test_an_operator_disables_and_enables_another_account_but_not_its_own(admin):
    admin.set_active(ADMIN, MONITOR.member_id, active=False, address=HERE)
    assert not admin.auth.find_member("monitor").active
    assert last_entry(admin).allowed
    admin.set_active(ADMIN, MONITOR.member_id, active=True, address=HERE)
    assert admin.auth.find_member("monitor").active
    with pytest.raises(NotFoundError):
        admin.set_active(ADMIN, ADMIN.member_id, active=False, address=HERE)
    assert admin.auth.find_member("admin").active
    assert not last_entry(admin).allowed


def test_an_operator_issues_and_revokes_a_token(admin):
    issued = admin.issue_token(ADMIN, " monitor ", ["reports:read", "talks:read"], 7, "field")
    assert issued.member_id == MONITOR.member_id
    assert admin.auth.authenticate_token(issued.token).member.username == "monitor"
    admin.revoke_token(ADMIN, issued.token_id, HERE)
    assert admin.auth.list_tokens()[0].revoked_at is not None
    with pytest.raises(NotFoundError):
        admin.revoke_token(ADMIN, "no-such-token", HERE)
    with pytest.raises(NotFoundError):
        admin.issue_token(ADMIN, "nobody-here", ["reports:read"], 7)
    assert not last_entry(admin).allowed
