"""Opening accounts and setting an agreement's procedure from the operator's screen, on both
stores: only an operator may; the account is added by the registry (record entry) with a
one-time enrolment link, never a password the operator knows; a new procedure is a new
version of the agreement that cases opened afterwards follow; refusals are "not found" with
one denied audit entry; bad input names its field."""

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from cast import ADMIN, ANALYST, CAST, GOV_LIAISON, GUARANTOR_RU, MONITOR, UN_MEDIATOR
from contract.test_auth_contract import FAST
from support import SequentialIds
from truce.application.administration import (
    AdministrationService,
    NewAccount,
    procedure_from_form,
)
from truce.application.auth import AuthService
from truce.application.demo_case import AGREEMENT
from truce.domain.auth import AuthenticationError
from truce.domain.errors import ConflictError, InvalidInputError, NotFoundError
from truce.domain.procedure import DecisionRule

HERE = "192.0.2.10"
PASSWORD = "a passphrase of the field"
NEW = NewAccount("monitor_aleppo", "Monitor, Aleppo", "mechanism", ("monitor",), "ar")
FORM = {
    "decision_rule": "majority",
    "quorum": "3",
    "reply_window_hours": "48",
    "investigation_window_hours": "240",
    "deliberation_window_hours": "168",
    "on_deliberation_lapse": "mark_overdue",
    "committee_step": "on",
}
OTHERS = [p for name, p in CAST.items() if name != "admin"]


@pytest.fixture
def admin(uow_factory, clock, cast):
    return AdministrationService(
        AuthService(uow_factory, clock, SequentialIds("member"), FAST, server_secret="x" * 40)
    )


def last_entry(admin):
    return admin.auth.audit_entries(1)[0]


def record_bodies(admin, subject):
    with admin.auth.uow() as uow:
        return [json.loads(entry.body) for entry in uow.record.about(subject)]


def record_kinds(admin, subject):
    return [body["kind"] for body in record_bodies(admin, subject)]


def test_an_operator_opens_an_account_and_its_member_enrols_through_the_link(admin, clock):
    enrolment = admin.open_account(ADMIN, NEW, HERE)
    member = admin.auth.find_member("monitor_aleppo")
    assert member == enrolment.member
    assert member.language == "ar"
    assert enrolment.expires_at == clock.now() + timedelta(days=3)
    assert record_kinds(admin, f"member:{member.id}") == [
        "member.added",
        "member.language_chosen",
        "member.enrolment_issued",
    ]
    issued = record_bodies(admin, f"member:{member.id}")[-1]
    assert issued["expires_at"] == enrolment.expires_at.isoformat()
    assert enrolment.secret not in json.dumps(issued)
    entry = last_entry(admin)
    assert (entry.allowed, entry.actor_member_id, entry.resource_id) == (
        True,
        ADMIN.member_id,
        member.id,
    )
    assert "enrolment link issued" in entry.reason
    assert enrolment.secret not in entry.reason
    # Nobody can sign in before the member chose a password.
    with pytest.raises(AuthenticationError):
        admin.auth.login("monitor_aleppo", "", HERE)
    assert admin.auth.enrolment(enrolment.secret) == member
    with pytest.raises(InvalidInputError):
        admin.auth.enrol(enrolment.secret, "short", HERE)
    admin.auth.enrol(enrolment.secret, PASSWORD, HERE)
    assert record_kinds(admin, f"member:{member.id}")[-1] == "member.enrolled"
    assert admin.auth.login("monitor_aleppo", PASSWORD, HERE).member.id == member.id
    # The link is used up.
    with pytest.raises(AuthenticationError):
        admin.auth.enrol(enrolment.secret, "another passphrase here", HERE)
    with pytest.raises(AuthenticationError):
        admin.auth.enrolment(enrolment.secret)


def test_a_lapsed_link_opens_nothing_and_a_renewed_one_voids_the_first(admin, clock):
    first = admin.open_account(ADMIN, NEW, HERE)
    second = admin.renew_enrolment(ADMIN, first.member.id, HERE)
    with pytest.raises(AuthenticationError):
        admin.auth.enrol(first.secret, PASSWORD, HERE)
    clock.advance(days=3, seconds=1)
    with pytest.raises(AuthenticationError):
        admin.auth.enrol(second.secret, PASSWORD, HERE)
    third = admin.renew_enrolment(ADMIN, first.member.id, HERE)
    admin.auth.enrol(third.secret, PASSWORD, HERE)
    with pytest.raises(ConflictError):
        admin.renew_enrolment(ADMIN, first.member.id, HERE)
    # Three links issued, one used; a refused renewal and refused uses record nothing.
    kinds = record_kinds(admin, f"member:{first.member.id}")
    assert kinds.count("member.enrolment_issued") == 3
    assert kinds.count("member.enrolled") == 1


@pytest.mark.parametrize(
    ("account", "field"),
    [
        (replace(NEW, username=" "), "username"),
        (replace(NEW, username="two words"), "username"),
        (replace(NEW, username="x" * 151), "username"),
        (replace(NEW, title=""), "title"),
        (replace(NEW, body_id="atlantis"), "body_id"),
        (replace(NEW, roles=()), "roles"),
        (replace(NEW, roles=("king",)), "roles"),
        (replace(NEW, roles=("party_liaison",)), "roles"),
        (replace(NEW, language="xx"), "language"),
    ],
)
def test_bad_input_names_its_field_and_opens_nothing(admin, account, field):
    before = len(admin.auth.accounts())
    with pytest.raises(InvalidInputError) as refused:
        admin.open_account(ADMIN, account, HERE)
    assert field in {error.field for error in refused.value.errors}
    assert len(admin.auth.accounts()) == before


def test_a_taken_username_is_a_conflict(admin):
    with pytest.raises(ConflictError):
        admin.open_account(ADMIN, replace(NEW, username="monitor"), HERE)


@pytest.mark.parametrize("principal", OTHERS, ids=lambda p: p.member_id)
def test_nobody_else_opens_an_account_or_sets_a_procedure(admin, principal):
    with pytest.raises(NotFoundError):
        admin.open_account(principal, NEW, HERE)
    assert not last_entry(admin).allowed
    with pytest.raises(NotFoundError):
        admin.auth.find_member("monitor_aleppo")
    with pytest.raises(NotFoundError):
        admin.agreement(principal, AGREEMENT.id, HERE)
    with pytest.raises(NotFoundError):
        admin.configure_procedure(principal, AGREEMENT.id, procedure_from_form(FORM), HERE)
    entry = last_entry(admin)
    assert (entry.allowed, entry.resource_kind) == (False, "agreement")
    with admin.auth.uow() as uow:
        assert uow.agreements.get(AGREEMENT.id).version == 1


def test_an_operator_sets_the_procedure_as_a_new_version(admin):
    shown = admin.agreement(ADMIN, AGREEMENT.id, HERE)
    assert shown.agreement == AGREEMENT
    assert set(shown.bodies) >= set(AGREEMENT.guarantor_ids)
    procedure = procedure_from_form(FORM)
    successor = admin.configure_procedure(ADMIN, AGREEMENT.id, procedure, HERE)
    assert (successor.version, successor.procedure) == (2, procedure)
    assert successor.clauses == AGREEMENT.clauses
    with admin.auth.uow() as uow:
        assert uow.agreements.get(AGREEMENT.id).procedure.decision_rule is DecisionRule.MAJORITY
        # The version cases opened before keep.
        assert uow.agreements.get(AGREEMENT.id, 1) == AGREEMENT
    kinds = record_kinds(admin, f"agreement:{AGREEMENT.id}")
    assert kinds == ["agreement.concluded", "agreement.concluded"]
    entry = last_entry(admin)
    assert (entry.allowed, entry.action, entry.resource_kind) == (True, "administer", "agreement")
    assert "quorum 2 -> 3" in entry.reason
    with pytest.raises(InvalidInputError, match="nothing changed"):
        admin.configure_procedure(ADMIN, AGREEMENT.id, procedure, HERE)
    with pytest.raises(NotFoundError):
        admin.configure_procedure(ADMIN, "no-such-agreement", procedure, HERE)


def test_a_quorum_above_the_guarantors_is_refused(admin):
    too_many = procedure_from_form({**FORM, "quorum": "4"})
    with pytest.raises(InvalidInputError) as refused:
        admin.configure_procedure(ADMIN, AGREEMENT.id, too_many, HERE)
    (error,) = refused.value.errors
    assert error.field == "procedure.quorum"
    assert "3 guarantors" in error.message
    with admin.auth.uow() as uow:
        assert uow.agreements.get(AGREEMENT.id).version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("decision_rule", "dictatorship"),
        ("quorum", "-1"),
        ("quorum", "two"),
        ("reply_window_hours", "0"),
        ("investigation_window_hours", "١٢"),
        ("deliberation_window_hours", "99999999"),
        ("on_deliberation_lapse", ""),
    ],
)
def test_a_bad_procedure_form_names_its_field(field, value):
    with pytest.raises(InvalidInputError) as refused:
        procedure_from_form({**FORM, field: value})
    assert [error.field for error in refused.value.errors] == [field]


def test_the_cast_outside_operators_is_probed():
    assert {ANALYST, GOV_LIAISON, GUARANTOR_RU, MONITOR, UN_MEDIATOR} <= set(OTHERS)
