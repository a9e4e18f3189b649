from dataclasses import replace

import pytest

from truce.application.demo_case import AGREEMENT, BODIES
from truce.domain.agreements import check_agreement
from truce.domain.errors import InvalidInputError
from truce.domain.parties import Member, Role, check_member

BY_ID = {body.id: body for body in BODIES}


def fields_of(error: pytest.ExceptionInfo[InvalidInputError]) -> list[str]:
    return [e.field for e in error.value.errors]


def test_the_astana_agreement_is_well_formed():
    check_agreement(AGREEMENT, BY_ID)
    assert AGREEMENT.binds("gov")
    assert not AGREEMENT.binds("ru")


def test_a_guarantor_cannot_be_listed_as_a_party():
    with pytest.raises(InvalidInputError) as caught:
        check_agreement(replace(AGREEMENT, party_ids=("gov", "ru")), BY_ID)
    assert "party_ids" in fields_of(caught)
    assert "participants" in fields_of(caught)


def test_a_ceasefire_binds_two_parties_and_knows_its_bodies():
    with pytest.raises(InvalidInputError) as caught:
        check_agreement(replace(AGREEMENT, party_ids=("gov",), observer_ids=("nobody",)), BY_ID)
    assert fields_of(caught) == ["party_ids", "observer_ids"]


def test_entry_into_force_needs_a_time_zone():
    naive = replace(AGREEMENT, entry_into_force=AGREEMENT.entry_into_force.replace(tzinfo=None))
    with pytest.raises(InvalidInputError) as caught:
        check_agreement(naive, BY_ID)
    assert fields_of(caught) == ["entry_into_force"]


def test_a_party_liaison_cannot_sit_in_a_guarantor_body():
    member = Member("m1", "liaison", "Liaison", "ru", frozenset({Role.PARTY_LIAISON}))
    with pytest.raises(InvalidInputError) as caught:
        check_member(member, BY_ID["ru"])
    assert "party_liaison cannot be held in a guarantor body" in str(caught.value)


def test_a_monitor_belongs_to_the_mechanism():
    member = Member("m2", "monitor", "Field monitor", "mechanism", frozenset({Role.MONITOR}))
    check_member(member, BY_ID["mechanism"])
