"""The need-to-know policy over the named cast (SECURITY.md S1, S9, S11, S14).

Table-driven: for each piece of material of the Astana case, exactly who of the cast (and the
public, not logged in) may read it; then the writes; then properties over random principals
and resources."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cast import (
    ADMIN,
    ANALYST,
    CAST,
    EVERYONE,
    GOV,
    GOV_LIAISON,
    GUARANTOR_IR,
    GUARANTOR_RU,
    GUARANTOR_TR,
    GUARANTORS,
    HOST_MEDIATOR,
    IR,
    MECHANISM,
    MECHANISM_STAFF,
    MEDIATORS,
    MONITOR,
    OBSERVER_US,
    OPP,
    OPPOSITION_LIAISON,
    PUBLIC,
    RU,
    TR,
    UN,
    UN_MEDIATOR,
)
from truce.domain.access import (
    ANONYMOUS,
    CONDITIONS,
    DENIALS,
    MEMBER_BLIND_KINDS,
    PUBLISHABLE_KINDS,
    READ_ALIKE,
    RULES,
    Action,
    Allow,
    Audience,
    ChannelAudience,
    Deny,
    Principal,
    Resource,
    ResourceKind,
    decide,
    matrix_rows,
    viewer_class,
    visible,
    visible_by,
)
from truce.domain.confidentiality import Confidentiality
from truce.domain.parties import ROLES_BY_BODY_KIND, Body, BodyKind, Member, Role

Kind = ResourceKind
Level = Confidentiality
DELEGATION = ChannelAudience.DELEGATION

WITH_PUBLIC = {**CAST, "public": PUBLIC}
EVERYONE_AND_PUBLIC = EVERYONE | {"public"}
INSIDE_THE_MECHANISM = GUARANTORS | MEDIATORS | MECHANISM_STAFF
CONTENT_KINDS = PUBLISHABLE_KINDS | {Kind.PUBLICATION}


def _report(owner: str, level: Level, kind: Kind = Kind.REPORT) -> Resource:
    return Resource(kind, f"{kind}-{owner}-{level}", owner_body_id=owner, confidentiality=level)


def _in_channel(kind: Kind, owner: str, channel: str, author: str | None = None) -> Resource:
    return Resource(
        kind,
        f"{kind}-{owner}-in-{channel}",
        owner_body_id=owner,
        author_member_id=author,
        channel_audience=DELEGATION,
        channel_body_id=channel,
    )


def _member(principal: Principal) -> Resource:
    assert principal.member_id is not None
    return Resource(Kind.MEMBER, principal.member_id, owner_body_id=principal.body_id)


def _publication_of(material: Resource) -> Resource:
    return replace(
        material, kind=Kind.PUBLICATION, id=f"pub-{material.id}", subject_kind=material.kind
    )


# --- the material of the case -----------------------------------------------------------------

GOV_REPORT_SUBMITTER = _report(GOV, Level.SUBMITTER)
GOV_REPORT_GUARANTORS = _report(GOV, Level.GUARANTORS)
GOV_REPORT_MECHANISM = _report(GOV, Level.MECHANISM)
GOV_REPORT_PUBLIC = _report(GOV, Level.PUBLIC)
OPP_EVIDENCE_GUARANTORS = _report(OPP, Level.GUARANTORS, Kind.EVIDENCE)
RU_REPORT_SUBMITTER = _report(RU, Level.SUBMITTER)
MONITOR_OBSERVATION = _report(MECHANISM, Level.SUBMITTER)
WADI_BARADA_INCIDENT = Resource(
    Kind.INCIDENT, "inc-wadi-barada", owner_body_id=MECHANISM, confidentiality=Level.MECHANISM
)
GUARANTOR_ONLY_INCIDENT = _report(MECHANISM, Level.GUARANTORS, Kind.INCIDENT)
REPLY_REQUEST_TO_OPP = Resource(
    Kind.REPLY_REQUEST,
    "rr-opp",
    owner_body_id=MECHANISM,
    confidentiality=Level.GUARANTORS,
    accused_body_id=OPP,
)
REPLY_REQUEST_TO_TR = Resource(
    Kind.REPLY_REQUEST,
    "rr-tr",
    owner_body_id=MECHANISM,
    confidentiality=Level.MECHANISM,
    accused_body_id=TR,
)
RU_VOTE = _report(RU, Level.GUARANTORS, Kind.VOTE)
RU_VOTE_SEALED = _report(RU, Level.SUBMITTER, Kind.VOTE)
GOV_REPLY = _report(GOV, Level.GUARANTORS, Kind.REPLY)
DETERMINATION = _report(MECHANISM, Level.MECHANISM, Kind.DETERMINATION)
PUBLISHED_DETERMINATION = _report(MECHANISM, Level.PUBLIC, Kind.DETERMINATION)

GOV_CHANNEL = _in_channel(Kind.CHANNEL, UN, GOV)
OPP_MESSAGE = _in_channel(Kind.MESSAGE, OPP, OPP, OPPOSITION_LIAISON.member_id)
PARAPHRASE_TO_GOV = _in_channel(Kind.MESSAGE, UN, GOV, UN_MEDIATOR.member_id)
RU_DELEGATION_MESSAGE = _in_channel(Kind.MESSAGE, RU, RU)
GUARANTORS_CHANNEL_MESSAGE = Resource(
    Kind.MESSAGE, "msg-guarantors", owner_body_id=RU, channel_audience=ChannelAudience.GUARANTORS
)
GOV_POSITION = _in_channel(Kind.POSITION, GOV, GOV)
OPP_ENDORSEMENT = _in_channel(Kind.ENDORSEMENT, OPP, OPP)
OPP_COUNTER_PROPOSAL = _in_channel(Kind.DOCUMENT, OPP, OPP)
SINGLE_TEXT = Resource(
    Kind.DOCUMENT, "single-text", owner_body_id=UN, channel_audience=ChannelAudience.ALL_DELEGATIONS
)
SINGLE_TEXT_V2 = replace(SINGLE_TEXT, kind=Kind.DOCUMENT_VERSION, id="single-text-v2")
UN_INTERNAL_DRAFT = Resource(Kind.DOCUMENT, "un-draft", owner_body_id=UN)
COMMUNIQUE_PUBLISHED = replace(SINGLE_TEXT_V2, id="communique-v3", confidentiality=Level.PUBLIC)

AUDIT_ENTRY = Resource(Kind.AUDIT_ENTRY, "audit-1", owner_body_id=MECHANISM)
AGREEMENT = Resource(Kind.AGREEMENT, "ceasefire-2016", owner_body_id=UN)
AGREEMENT_PUBLIC = replace(AGREEMENT, confidentiality=Level.PUBLIC)

# Who reads what: every member of the cast not named here is refused (and sees "not found").
READERS: list[tuple[str, Resource, frozenset[str]]] = [
    ("own report, kept to the submitter", GOV_REPORT_SUBMITTER, frozenset({"gov_liaison"})),
    ("report for the guarantors", GOV_REPORT_GUARANTORS, GUARANTORS | {"gov_liaison"}),
    ("report for the mechanism", GOV_REPORT_MECHANISM, INSIDE_THE_MECHANISM | {"gov_liaison"}),
    ("published report", GOV_REPORT_PUBLIC, EVERYONE_AND_PUBLIC),
    ("evidence for the guarantors", OPP_EVIDENCE_GUARANTORS, GUARANTORS | {"opposition_liaison"}),
    ("a guarantor's own report", RU_REPORT_SUBMITTER, frozenset({"guarantor_ru"})),
    ("a monitor's sealed observation", MONITOR_OBSERVATION, MECHANISM_STAFF),
    ("mechanism-wide incident", WADI_BARADA_INCIDENT, INSIDE_THE_MECHANISM),
    ("incident for the guarantors", GUARANTOR_ONLY_INCIDENT, GUARANTORS | MECHANISM_STAFF),
    (
        "reply request to the opposition",
        REPLY_REQUEST_TO_OPP,
        GUARANTORS | MECHANISM_STAFF | {"opposition_liaison"},
    ),
    ("reply request to a guarantor", REPLY_REQUEST_TO_TR, INSIDE_THE_MECHANISM),
    ("a guarantor's vote", RU_VOTE, GUARANTORS),
    ("a vote kept to its state", RU_VOTE_SEALED, frozenset({"guarantor_ru"})),
    ("the accused's reply", GOV_REPLY, GUARANTORS | {"gov_liaison"}),
    ("determination", DETERMINATION, INSIDE_THE_MECHANISM),
    ("published determination", PUBLISHED_DETERMINATION, EVERYONE_AND_PUBLIC),
    ("government channel", GOV_CHANNEL, MEDIATORS | {"gov_liaison"}),
    ("opposition message", OPP_MESSAGE, MEDIATORS | {"opposition_liaison"}),
    ("paraphrase relayed to the government", PARAPHRASE_TO_GOV, MEDIATORS | {"gov_liaison"}),
    ("Russian delegation message", RU_DELEGATION_MESSAGE, MEDIATORS | {"guarantor_ru"}),
    ("guarantors' channel message", GUARANTORS_CHANNEL_MESSAGE, MEDIATORS | GUARANTORS),
    ("government position", GOV_POSITION, MEDIATORS | {"gov_liaison"}),
    ("opposition endorsement", OPP_ENDORSEMENT, MEDIATORS | {"opposition_liaison"}),
    ("opposition counter-proposal", OPP_COUNTER_PROPOSAL, MEDIATORS | {"opposition_liaison"}),
    (
        "single text circulated",
        SINGLE_TEXT_V2,
        MEDIATORS | GUARANTORS | {"gov_liaison", "opposition_liaison"},
    ),
    ("UN internal draft", UN_INTERNAL_DRAFT, frozenset({"un_mediator"})),
    ("published communique", COMMUNIQUE_PUBLISHED, EVERYONE_AND_PUBLIC),
    (
        "publication record of a sealed report",
        _publication_of(GOV_REPORT_SUBMITTER),
        frozenset({"gov_liaison"}),
    ),
    (
        "publication record of an opposition message",
        _publication_of(OPP_MESSAGE),
        MEDIATORS | {"opposition_liaison"},
    ),
    (
        "publication record of a determination",
        _publication_of(DETERMINATION),
        INSIDE_THE_MECHANISM,
    ),
    ("audit entry", AUDIT_ENTRY, frozenset({"admin"})),
    ("a liaison's account", _member(GOV_LIAISON), frozenset({"gov_liaison", "admin"})),
    ("the observer's account", _member(OBSERVER_US), frozenset({"observer_us", "admin"})),
    ("a monitor's account", _member(MONITOR), frozenset({"monitor", "analyst", "admin"})),
    ("agreement", AGREEMENT, EVERYONE - {"observer_us", "admin"}),
    ("published agreement", AGREEMENT_PUBLIC, EVERYONE_AND_PUBLIC),
]


@pytest.mark.parametrize(
    ("resource", "readers"),
    [pytest.param(resource, readers, id=what) for what, resource, readers in READERS],
)
@pytest.mark.parametrize("who", sorted(WITH_PUBLIC))
def test_exactly_the_named_readers_read(who, resource, readers):
    for action in (Action.READ, *READ_ALIKE):
        decision = decide(WITH_PUBLIC[who], action, resource)
        assert bool(decision) is (who in readers), (who, action, decision)


# Each row: who of the cast takes which action on what, and whether the policy allows it.
WRITES: list[tuple[str, Action, Resource, bool]] = [
    ("guarantor_ru", Action.CREATE, _report(RU, Level.GUARANTORS, Kind.VOTE), True),
    ("guarantor_ru", Action.CREATE, _report(TR, Level.GUARANTORS, Kind.VOTE), False),
    ("gov_liaison", Action.CREATE, _report(GOV, Level.GUARANTORS, Kind.VOTE), False),
    ("guarantor_ru", Action.VOTE, WADI_BARADA_INCIDENT, True),
    ("guarantor_ir", Action.VOTE, GUARANTOR_ONLY_INCIDENT, True),
    ("un_mediator", Action.VOTE, WADI_BARADA_INCIDENT, False),
    ("analyst", Action.VOTE, WADI_BARADA_INCIDENT, False),
    ("gov_liaison", Action.VOTE, WADI_BARADA_INCIDENT, False),
    ("opposition_liaison", Action.REPLY, REPLY_REQUEST_TO_OPP, True),
    ("gov_liaison", Action.REPLY, REPLY_REQUEST_TO_OPP, False),
    ("guarantor_tr", Action.REPLY, REPLY_REQUEST_TO_TR, True),
    ("guarantor_ru", Action.REPLY, REPLY_REQUEST_TO_TR, False),
    ("opposition_liaison", Action.CREATE, _report(OPP, Level.GUARANTORS, Kind.REPLY), True),
    ("opposition_liaison", Action.CREATE, _report(GOV, Level.GUARANTORS, Kind.REPLY), False),
    ("gov_liaison", Action.CREATE, _in_channel(Kind.MESSAGE, GOV, GOV), True),
    ("gov_liaison", Action.CREATE, _in_channel(Kind.MESSAGE, GOV, OPP), False),
    ("gov_liaison", Action.CREATE, _in_channel(Kind.MESSAGE, OPP, GOV), False),
    (
        "gov_liaison",
        Action.CREATE,
        replace(SINGLE_TEXT, kind=Kind.MESSAGE, owner_body_id=GOV),
        False,
    ),
    ("guarantor_ru", Action.CREATE, GUARANTORS_CHANNEL_MESSAGE, True),
    ("gov_liaison", Action.CREATE, replace(GUARANTORS_CHANNEL_MESSAGE, owner_body_id=GOV), False),
    ("un_mediator", Action.CREATE, _in_channel(Kind.MESSAGE, UN, OPP), True),
    ("un_mediator", Action.RELAY, OPP_MESSAGE, True),
    ("host_mediator", Action.RELAY, OPP_MESSAGE, True),
    ("gov_liaison", Action.RELAY, GOV_POSITION, False),
    ("un_mediator", Action.EDIT, SINGLE_TEXT, True),
    ("host_mediator", Action.EDIT, SINGLE_TEXT, False),
    ("gov_liaison", Action.EDIT, SINGLE_TEXT, False),
    ("opposition_liaison", Action.EDIT, OPP_COUNTER_PROPOSAL, True),
    ("gov_liaison", Action.EDIT, OPP_COUNTER_PROPOSAL, False),
    ("un_mediator", Action.EDIT, OPP_COUNTER_PROPOSAL, False),
    ("gov_liaison", Action.ENDORSE, SINGLE_TEXT_V2, True),
    ("guarantor_ru", Action.ENDORSE, SINGLE_TEXT_V2, True),
    ("un_mediator", Action.ENDORSE, SINGLE_TEXT_V2, False),
    ("observer_us", Action.ENDORSE, COMMUNIQUE_PUBLISHED, False),
    ("opposition_liaison", Action.ENDORSE, SINGLE_TEXT, False),
    ("opposition_liaison", Action.CREATE, OPP_ENDORSEMENT, True),
    ("gov_liaison", Action.CREATE, OPP_ENDORSEMENT, False),
    ("monitor", Action.CREATE, MONITOR_OBSERVATION, True),
    ("monitor", Action.CREATE, GOV_REPORT_MECHANISM, False),
    ("un_mediator", Action.CREATE, _report(UN, Level.MECHANISM), False),
    ("analyst", Action.CREATE, DETERMINATION, True),
    ("guarantor_ru", Action.CREATE, DETERMINATION, False),
    ("monitor", Action.EDIT, WADI_BARADA_INCIDENT, True),
    ("gov_liaison", Action.EDIT, WADI_BARADA_INCIDENT, False),
    ("gov_liaison", Action.EDIT, GOV_REPORT_SUBMITTER, False),
    ("analyst", Action.PUBLISH, _publication_of(DETERMINATION), True),
    ("un_mediator", Action.PUBLISH, _publication_of(DETERMINATION), False),
    ("un_mediator", Action.PUBLISH, _publication_of(OPP_MESSAGE), True),
    ("analyst", Action.PUBLISH, _publication_of(OPP_MESSAGE), False),
    ("gov_liaison", Action.PUBLISH, _publication_of(GOV_REPORT_SUBMITTER), True),
    ("opposition_liaison", Action.PUBLISH, _publication_of(GOV_REPORT_PUBLIC), False),
    ("opposition_liaison", Action.APPROVE_PUBLICATION, _publication_of(OPP_MESSAGE), True),
    ("gov_liaison", Action.APPROVE_PUBLICATION, _publication_of(OPP_MESSAGE), False),
    ("guarantor_tr", Action.APPROVE_PUBLICATION, _publication_of(DETERMINATION), True),
    ("observer_us", Action.APPROVE_PUBLICATION, _publication_of(DETERMINATION), False),
    ("un_mediator", Action.PUBLISH, OPP_MESSAGE, False),
    ("analyst", Action.PUBLISH, DETERMINATION, False),
    ("admin", Action.ADMINISTER, _member(GOV_LIAISON), True),
    ("admin", Action.ADMINISTER, _member(ADMIN), False),
    ("gov_liaison", Action.ADMINISTER, _member(GOV_LIAISON), False),
    ("admin", Action.CREATE, _member(OPPOSITION_LIAISON), True),
    ("un_mediator", Action.CREATE, _member(OPPOSITION_LIAISON), False),
    ("gov_liaison", Action.EDIT, _member(GOV_LIAISON), True),
    ("gov_liaison", Action.EDIT, _member(OPPOSITION_LIAISON), False),
    ("admin", Action.AUDIT, GOV_REPORT_SUBMITTER, True),
    ("gov_liaison", Action.AUDIT, GOV_REPORT_SUBMITTER, False),
    ("admin", Action.CREATE, AUDIT_ENTRY, False),
    ("admin", Action.EDIT, AUDIT_ENTRY, False),
    ("un_mediator", Action.CREATE, AGREEMENT, True),
    ("gov_liaison", Action.CREATE, AGREEMENT, False),
    ("un_mediator", Action.CREATE, GOV_CHANNEL, True),
    ("gov_liaison", Action.CREATE, GOV_CHANNEL, False),
]


@pytest.mark.parametrize(
    ("who", "action", "resource", "allowed"),
    [
        pytest.param(who, action, resource, allowed, id=f"{who}-{action}-{resource.id}")
        for who, action, resource, allowed in WRITES
    ],
)
def test_writes_follow_the_matrix(who, action, resource, allowed):
    assert bool(decide(CAST[who], action, resource)) is allowed


# --- the promises, one sentence each ---------------------------------------------------------


def test_opposition_cannot_see_government_channel():
    assert isinstance(decide(OPPOSITION_LIAISON, Action.READ, GOV_CHANNEL), Deny)
    assert isinstance(decide(OPPOSITION_LIAISON, Action.LIST, GOV_POSITION), Deny)


def test_government_cannot_see_what_the_opposition_gave_the_guarantors():
    assert not decide(GOV_LIAISON, Action.READ, OPP_EVIDENCE_GUARANTORS)
    assert decide(GUARANTOR_TR, Action.READ, OPP_EVIDENCE_GUARANTORS)


def test_guarantor_cannot_vote_as_another_state():
    as_turkey = _report(TR, Level.GUARANTORS, Kind.VOTE)
    assert not decide(GUARANTOR_RU, Action.CREATE, as_turkey)
    assert not decide(GUARANTOR_IR, Action.CREATE, as_turkey)
    assert decide(GUARANTOR_TR, Action.CREATE, as_turkey)


def test_observer_sees_only_published():
    unpublished = [resource for _, resource, _ in READERS if not resource.published]
    published = [resource for _, resource, _ in READERS if resource.published]
    assert not list(visible(OBSERVER_US, [r for r in unpublished if r.kind != Kind.MEMBER]))
    assert list(visible(OBSERVER_US, published)) == published


def test_paraphrased_relay_never_exposes_source_to_recipient():
    # The government reads the paraphrase in its own channel, never the opposition's original
    # (nor, therefore, its id or author); the mediators read both.
    assert decide(GOV_LIAISON, Action.READ, PARAPHRASE_TO_GOV)
    assert not decide(GOV_LIAISON, Action.READ, OPP_MESSAGE)
    assert decide(UN_MEDIATOR, Action.READ, OPP_MESSAGE)


def test_accused_party_reads_the_reply_request_but_not_the_incident_behind_it():
    incident = replace(WADI_BARADA_INCIDENT, accused_body_id=OPP)
    assert decide(OPPOSITION_LIAISON, Action.READ, REPLY_REQUEST_TO_OPP)
    assert not decide(OPPOSITION_LIAISON, Action.READ, incident)
    assert decide(OPPOSITION_LIAISON, Action.READ, replace(incident, confidentiality=Level.PUBLIC))


def test_accuser_does_not_read_the_reply_request_to_the_other_side():
    assert not decide(GOV_LIAISON, Action.READ, REPLY_REQUEST_TO_OPP)


def test_guarantors_read_guarantor_and_mechanism_material_but_not_a_partys_sealed_report():
    assert decide(GUARANTOR_IR, Action.READ, GOV_REPORT_GUARANTORS)
    assert decide(GUARANTOR_IR, Action.READ, GOV_REPORT_MECHANISM)
    assert not decide(GUARANTOR_IR, Action.READ, GOV_REPORT_SUBMITTER)
    assert not decide(GUARANTOR_IR, Action.READ, RU_VOTE_SEALED)


def test_guarantors_do_not_see_party_channels():
    assert not decide(GUARANTOR_RU, Action.READ, OPP_MESSAGE)
    assert not decide(GUARANTOR_RU, Action.READ, GOV_CHANNEL)


def test_mediators_see_every_channel_and_mechanism_material():
    for mediator in (UN_MEDIATOR, HOST_MEDIATOR):
        assert decide(mediator, Action.READ, OPP_MESSAGE)
        assert decide(mediator, Action.READ, GOV_CHANNEL)
        assert decide(mediator, Action.READ, GUARANTORS_CHANNEL_MESSAGE)
        assert decide(mediator, Action.READ, DETERMINATION)
        assert not decide(mediator, Action.READ, GOV_REPORT_GUARANTORS)


def test_monitor_and_analyst_see_mechanism_material_but_no_talks():
    for staff in (MONITOR, ANALYST):
        assert decide(staff, Action.READ, WADI_BARADA_INCIDENT)
        assert not decide(staff, Action.READ, OPP_MESSAGE)
        assert not decide(staff, Action.READ, SINGLE_TEXT_V2)


def test_operator_administers_accounts_but_reads_no_party_content():
    assert decide(ADMIN, Action.ADMINISTER, _member(OPPOSITION_LIAISON))
    assert decide(ADMIN, Action.READ, AUDIT_ENTRY)
    for material in (GOV_REPORT_MECHANISM, MONITOR_OBSERVATION, DETERMINATION, OPP_MESSAGE):
        assert not decide(ADMIN, Action.READ, material)


def test_operator_cannot_administer_own_account():
    assert not decide(ADMIN, Action.ADMINISTER, _member(ADMIN))


def test_deactivated_member_gets_nothing_not_even_public_material():
    gone = replace(GOV_LIAISON, active=False)
    assert not decide(gone, Action.READ, GOV_REPORT_SUBMITTER)
    assert not decide(gone, Action.READ, GOV_REPORT_PUBLIC)
    assert decide(ANONYMOUS, Action.READ, GOV_REPORT_PUBLIC)


def test_member_without_roles_gets_nothing():
    roleless = replace(GOV_LIAISON, roles=frozenset())
    assert not decide(roleless, Action.READ, GOV_REPORT_SUBMITTER)
    assert not decide(roleless, Action.READ, GOV_REPORT_PUBLIC)


def test_role_held_in_a_body_of_the_wrong_kind_grants_nothing():
    fake_mediator = replace(OPPOSITION_LIAISON, roles=frozenset({Role.MEDIATOR, Role.OPERATOR}))
    assert not decide(fake_mediator, Action.READ, GOV_CHANNEL)
    assert not decide(fake_mediator, Action.READ, AUDIT_ENTRY)
    assert not decide(fake_mediator, Action.ADMINISTER, _member(GOV_LIAISON))


def test_principal_of_refuses_a_member_of_another_body():
    member = Member("m-x", "x", "Liaison", "gov", frozenset({Role.PARTY_LIAISON}))
    with pytest.raises(ValueError, match="does not belong"):
        Principal.of(member, Body("opp", BodyKind.PARTY, "Opposition"))


def test_principal_of_carries_deactivation():
    member = Member("m-x", "x", "Liaison", "gov", frozenset({Role.PARTY_LIAISON}), active=False)
    principal = Principal.of(member, Body("gov", BodyKind.PARTY, "Government"))
    assert principal.audiences == ()


def test_authorship_grants_nothing_once_the_author_changes_body():
    moved = replace(OPPOSITION_LIAISON, body_id="gov")
    assert OPP_MESSAGE.author_member_id == moved.member_id
    assert not decide(moved, Action.READ, OPP_MESSAGE)


def test_parties_cannot_speak_to_each_other_without_the_mediators():
    to_everyone = replace(SINGLE_TEXT, kind=Kind.MESSAGE, owner_body_id=OPP)
    assert not decide(OPPOSITION_LIAISON, Action.CREATE, to_everyone)
    assert not decide(OPPOSITION_LIAISON, Action.CREATE, _in_channel(Kind.POSITION, OPP, GOV))


def test_confidentiality_goes_down_only_through_a_publication_record():
    for kind in PUBLISHABLE_KINDS:
        for action in (Action.APPROVE_PUBLICATION, Action.PUBLISH):
            assert (kind, action) in DENIALS, (kind, action)
    assert (Kind.PUBLICATION, Action.EDIT) in DENIALS


def test_a_publication_record_is_read_exactly_like_its_material():
    for _, material, _ in READERS:
        if material.kind in PUBLISHABLE_KINDS:
            record = _publication_of(material)
            for who, principal in WITH_PUBLIC.items():
                expected = bool(decide(principal, Action.READ, material))
                assert bool(decide(principal, Action.READ, record)) is expected, (who, material)


@pytest.mark.parametrize("subject", [None, Kind.PUBLICATION, Kind.AUDIT_ENTRY, Kind.MEMBER])
def test_a_publication_record_of_unpublishable_material_is_read_by_nobody(subject):
    record = Resource(
        Kind.PUBLICATION,
        "pub-x",
        owner_body_id=MECHANISM,
        confidentiality=Level.PUBLIC,
        subject_kind=subject,
    )
    for principal in WITH_PUBLIC.values():
        assert not decide(principal, Action.READ, record)
        assert not decide(principal, Action.PUBLISH, record)


def test_lists_show_only_what_each_member_may_read():
    everything = [resource for _, resource, _ in READERS]
    for who, principal in WITH_PUBLIC.items():
        expected = [resource for _, resource, readers in READERS if who in readers]
        assert list(visible(principal, everything)) == expected, who


def test_visible_by_maps_domain_objects_to_resources():
    rows = [("a", GOV_REPORT_SUBMITTER), ("b", GOV_REPORT_PUBLIC)]
    shown = visible_by(OPPOSITION_LIAISON, rows, lambda row: row[1])
    assert [name for name, _ in shown] == ["b"]


def test_a_denial_carries_a_reason_for_the_audit_trail():
    refused = decide(OPPOSITION_LIAISON, Action.READ, GOV_CHANNEL)
    assert isinstance(refused, Deny)
    assert "party_liaison" in refused.reason
    assert GOV_CHANNEL.id in refused.reason
    immutable = decide(GOV_LIAISON, Action.EDIT, GOV_REPORT_SUBMITTER)
    assert isinstance(immutable, Deny)
    assert "immutable" in immutable.reason
    inactive = decide(replace(GOV_LIAISON, active=False), Action.READ, GOV_REPORT_PUBLIC)
    assert isinstance(inactive, Deny)
    assert "role" in inactive.reason


def test_an_allow_is_truthy_and_a_deny_falsy():
    assert decide(GOV_LIAISON, Action.READ, GOV_REPORT_SUBMITTER) == Allow()
    assert not Deny("x")


# --- the table itself -------------------------------------------------------------------------


def test_every_kind_and_action_has_a_rule_or_a_documented_denial():
    every_pair = {(kind, action) for kind in ResourceKind for action in Action}
    assert set(RULES) | set(DENIALS) == every_pair
    assert not set(RULES) & set(DENIALS)
    assert all(reason.strip() for reason in DENIALS.values())


def test_list_and_export_share_the_read_rule():
    for kind in ResourceKind:
        for alike in READ_ALIKE:
            assert RULES[kind, alike] is RULES[kind, Action.READ]


def test_every_audience_but_the_public_is_a_role():
    assert {audience.value for audience in Audience} - {role.value for role in Role} == {"public"}


def test_every_cell_is_explained_in_the_legend():
    explained = {condition.label for condition in CONDITIONS}
    assert all(condition.meaning for condition in CONDITIONS)
    for row in matrix_rows():
        if row.condition is not None:
            assert set(row.condition.split(" or ")) <= explained, row.condition


def test_matrix_rows_cover_every_cell_once():
    rows = matrix_rows()
    cells = {(row.kind, row.action, row.audience) for row in rows}
    assert len(rows) == len(cells) == len(ResourceKind) * len(Action) * len(Audience)
    for row in rows:
        assert (row.condition is None) or (row.denial is None)
        if row.body_kind is None:
            assert row.audience == Audience.PUBLIC
        else:
            assert row.audience.value in {role.value for role in ROLES_BY_BODY_KIND[row.body_kind]}


# --- properties over random principals and material -------------------------------------------

BODY_IDS = st.sampled_from([GOV, OPP, RU, TR, IR, UN, "kz", MECHANISM, "us", "", None])
MEMBER_IDS = st.sampled_from(["member-gov_liaison", "member-admin", "m-1", "", None])

principals = st.one_of(
    st.sampled_from([*CAST.values(), ANONYMOUS]),
    st.builds(
        Principal,
        member_id=MEMBER_IDS,
        body_id=BODY_IDS,
        body_kind=st.none() | st.sampled_from(BodyKind),
        roles=st.frozensets(st.sampled_from(Role)),
        active=st.booleans(),
    ),
)
resources = st.builds(
    Resource,
    kind=st.sampled_from(ResourceKind),
    id=MEMBER_IDS.map(lambda member_id: member_id or "r-1"),
    owner_body_id=BODY_IDS,
    author_member_id=MEMBER_IDS,
    confidentiality=st.sampled_from(Confidentiality),
    channel_audience=st.none() | st.sampled_from(ChannelAudience),
    channel_body_id=BODY_IDS,
    accused_body_id=BODY_IDS,
    subject_kind=st.none() | st.sampled_from(ResourceKind),
)
actions = st.sampled_from(Action)


@given(principals, actions, resources)
def test_decide_is_total(principal, action, resource):
    decision = decide(principal, action, resource)
    assert isinstance(decision, Allow | Deny)
    if isinstance(decision, Deny):
        assert decision.reason


@given(principals, actions, resources)
def test_access_never_shrinks_as_material_reaches_more_people(principal, action, resource):
    levels = sorted(Confidentiality, key=lambda level: level.rank)
    allowed = [
        bool(decide(principal, action, replace(resource, confidentiality=level)))
        for level in levels
    ]
    first = allowed.index(True) if True in allowed else len(allowed)
    assert all(allowed[first:]), allowed


outsiders = st.one_of(
    st.sampled_from([ANONYMOUS, OBSERVER_US, ADMIN]),
    st.builds(
        Principal,
        member_id=MEMBER_IDS,
        body_id=BODY_IDS,
        body_kind=st.sampled_from([BodyKind.OBSERVER, BodyKind.MECHANISM]),
        roles=st.frozensets(st.sampled_from([Role.OBSERVER, Role.OPERATOR])),
    ),
)


def _as_content(resource: Resource) -> Resource:
    """Material that may be published (not an account or an audit entry), and publication
    records of such material."""
    kind = resource.kind if resource.kind in CONTENT_KINDS else Kind.REPORT
    subject = resource.subject_kind if resource.subject_kind in PUBLISHABLE_KINDS else Kind.MESSAGE
    return replace(resource, kind=kind, subject_kind=subject)


content = resources.map(_as_content)


@given(outsiders, content)
def test_publishing_is_the_only_way_an_outsider_reads(principal, resource):
    for action in (Action.READ, *READ_ALIKE):
        unpublished = replace(resource, confidentiality=Level.MECHANISM)
        assert not decide(principal, action, unpublished)
        published = replace(resource, confidentiality=Level.PUBLIC)
        assert bool(decide(principal, action, published)) is bool(principal.audiences)


party_liaisons = st.sampled_from([GOV_LIAISON, OPPOSITION_LIAISON])


def _foreign_to(liaison: Principal, resource: Resource) -> Resource:
    """The material made the other party's: given by it, in its channel, accusing it, not
    circulated to all delegations, not published (agreements bind everyone, so not those)."""
    other = OPP if liaison.body_id == GOV else GOV
    shared = resource.channel_audience == ChannelAudience.ALL_DELEGATIONS
    return replace(
        resource,
        kind=Kind.REPORT if resource.kind == Kind.AGREEMENT else resource.kind,
        subject_kind=None if resource.subject_kind == Kind.AGREEMENT else resource.subject_kind,
        owner_body_id=other,
        channel_body_id=other,
        accused_body_id=other,
        channel_audience=None if shared else resource.channel_audience,
        confidentiality=Level.MECHANISM if resource.published else resource.confidentiality,
    )


@given(party_liaisons, resources)
def test_a_party_never_reads_the_other_partys_unpublished_material(liaison, resource):
    foreign = _foreign_to(liaison, resource)
    for action in (Action.READ, *READ_ALIKE):
        assert not decide(liaison, action, foreign), foreign


@given(principals, actions, resources)
def test_list_and_export_decide_as_read(principal, action, resource):
    read = bool(decide(principal, Action.READ, resource))
    for alike in READ_ALIKE:
        assert bool(decide(principal, alike, resource)) is read


@given(principals, actions, resources)
def test_roles_that_do_not_fit_the_body_grant_nothing(principal, action, resource):
    if principal.body_kind is None:
        return
    fitting = replace(principal, roles=principal.roles & ROLES_BY_BODY_KIND[principal.body_kind])
    assert bool(decide(principal, action, resource)) is bool(decide(fitting, action, resource))


@given(principals, actions, resources)
def test_an_inactive_member_is_refused_everything(principal, action, resource):
    inactive = replace(principal, member_id=principal.member_id or "m-1", active=False)
    assert not decide(inactive, action, resource)


@given(principals, resources)
def test_nobody_creates_in_another_bodys_name(principal, resource):
    if resource.kind in {Kind.MEMBER, Kind.PUBLICATION}:
        return
    if decide(principal, Action.CREATE, resource):
        assert resource.owner_body_id == principal.body_id


@given(st.sampled_from(sorted(CONTENT_KINDS)), resources)
def test_the_operator_never_reads_unpublished_content(kind, resource):
    material = replace(resource, kind=kind, confidentiality=Level.MECHANISM)
    assert not decide(ADMIN, Action.READ, material)


_CELLS = {(row.kind, row.action, row.audience): row.condition for row in matrix_rows()}


@given(principals, actions, resources)
def test_every_allow_is_backed_by_a_cell_of_the_matrix(principal, action, resource):
    if decide(principal, action, resource):
        assert any(
            _CELLS[resource.kind, action, audience] is not None for audience in principal.audiences
        )


# --- viewer classes: what a delivery round of the talks decides once per class ----------------

TALKS_KINDS = {
    ResourceKind.CHANNEL,
    ResourceKind.MESSAGE,
    ResourceKind.ENDORSEMENT,
    ResourceKind.POSITION,
    ResourceKind.DOCUMENT,
    ResourceKind.DOCUMENT_VERSION,
    ResourceKind.PUBLICATION,
}


def test_every_kind_of_talks_material_is_decided_alike_for_one_viewer_class():
    assert TALKS_KINDS <= MEMBER_BLIND_KINDS
    # The check finds the rules that ask whose account it is.
    assert ResourceKind.MEMBER not in MEMBER_BLIND_KINDS


@given(principals, MEMBER_IDS, actions, resources)
def test_principals_of_one_class_get_the_same_decisions(first, other_id, action, resource):
    """Another member of the same body, kind and counting roles (whatever roles that do not
    count, or inactive alike) is decided exactly alike on every member-blind kind."""
    second = Principal(
        member_id=None if first.is_anonymous else (other_id or "m-2"),
        body_id=first.body_id,
        body_kind=first.body_kind,
        roles=first.effective_roles,
    )
    assert viewer_class(first) == viewer_class(second)
    if resource.kind in MEMBER_BLIND_KINDS:
        assert bool(decide(first, action, resource)) == bool(decide(second, action, resource))


def test_classes_part_bodies_kinds_roles_and_the_anonymous():
    assert viewer_class(GOV_LIAISON) != viewer_class(OPPOSITION_LIAISON)
    assert viewer_class(GOV_LIAISON) != viewer_class(replace(GOV_LIAISON, active=False))
    assert viewer_class(ANONYMOUS) != viewer_class(
        Principal("m-1", None, None, frozenset(), active=True)
    )
