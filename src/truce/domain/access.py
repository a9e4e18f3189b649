"""The need-to-know policy: who may do what to which piece of material.

One pure function decides every access: `decide(principal, action, resource) -> Allow | Deny`.
It reads an explicit rule table keyed by (ResourceKind, Action). Each rule names, per audience
(a role, or the public who is not logged in), one small named condition; the principal is
allowed when a condition of one of its audiences holds. Anything the table does not grant is
denied. The reason carried by a Deny is written to the audit trail and never shown to the user:
callers answer "not found" for a denial exactly as for a missing thing (SECURITY.md S2).

Principles the table follows (docs/access-control.md holds the whole matrix):
- Material given by a body is read by that body; beyond it, monitoring material follows the
  confidentiality ladder and talks material follows its channel. A party reads another
  party's material only once it is public.
- Roles count only in the body kind they belong to (parties.ROLES_BY_BODY_KIND); an inactive
  principal, or one without a fitting role, gets nothing, not even what is public.
- `list` and `export` follow `read` exactly, so lists, counts, search and exports show only
  what could be read one by one (`visible`).
- Operators administer accounts, set an agreement's procedure (a new version, on the record)
  and read the audit trail; their role lets them read no party or mechanism content
  (need-to-know applies to administrators too).
- Authorship grants nothing: access follows the body, so a member moved to another body no
  longer reads what they wrote.
- Confidentiality goes down only through a publication record (`publish`); no other action
  widens the audience of anything.

Pure: standard library only, no I/O (the `__main__` block only filters stdin to stdout).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeVar

from truce.domain.confidentiality import Confidentiality
from truce.domain.parties import ROLES_BY_BODY_KIND, Body, BodyKind, Member, Role

T = TypeVar("T")


class Action(StrEnum):
    READ = "read"
    # Appear in a list, a count, a search result or a feed: always the same rule as read.
    LIST = "list"
    CREATE = "create"
    EDIT = "edit"
    # A mediator passing a message or position on to another channel.
    RELAY = "relay"
    # A guarantor casting its vote on an incident.
    VOTE = "vote"
    # The accused answering a reply request.
    REPLY = "reply"
    # A participant deciding on one exact version of a document.
    ENDORSE = "endorse"
    APPROVE_PUBLICATION = "approve_publication"
    PUBLISH = "publish"
    # Appear in an export: always the same rule as read.
    EXPORT = "export"
    # Running the platform: accounts (roles, activation, password resets, second factors)
    # and, on an agreement, the mechanism's procedure settings (a new version of it).
    ADMINISTER = "administer"
    # See the audit trail of a resource (who did what to it, when, from where).
    AUDIT = "audit"


class ResourceKind(StrEnum):
    REPORT = "report"
    INCIDENT = "incident"
    EVIDENCE = "evidence"
    VOTE = "vote"
    REPLY = "reply"
    # The mechanism's request to the accused, with the allegation as the accused may see it.
    REPLY_REQUEST = "reply_request"
    DETERMINATION = "determination"
    CHANNEL = "channel"
    MESSAGE = "message"
    DOCUMENT = "document"
    DOCUMENT_VERSION = "document_version"
    ENDORSEMENT = "endorsement"
    POSITION = "position"
    PUBLICATION = "publication"
    AUDIT_ENTRY = "audit_entry"
    MEMBER = "member"
    AGREEMENT = "agreement"
    # Rows and submissions intake could not accept, kept for correction (issue 5).
    QUARANTINE = "quarantine"


# Material of the monitoring side: read along the confidentiality ladder.
MONITORING_KINDS: Final = frozenset(
    {
        ResourceKind.REPORT,
        ResourceKind.INCIDENT,
        ResourceKind.EVIDENCE,
        ResourceKind.VOTE,
        ResourceKind.REPLY,
        ResourceKind.REPLY_REQUEST,
        ResourceKind.DETERMINATION,
    }
)
# Material of the talks: read along its channel; the ladder only matters at its public step.
TALKS_KINDS: Final = frozenset(
    {
        ResourceKind.CHANNEL,
        ResourceKind.MESSAGE,
        ResourceKind.POSITION,
        ResourceKind.DOCUMENT,
        ResourceKind.DOCUMENT_VERSION,
        ResourceKind.ENDORSEMENT,
    }
)


# What a publication record may publish: never an account, an audit entry or a publication.
PUBLISHABLE_KINDS: Final = MONITORING_KINDS | TALKS_KINDS | {ResourceKind.AGREEMENT}


class ChannelAudience(StrEnum):
    """Who shares a piece of talks material (glossary: channel)."""

    # One delegation and the mediators; `Resource.channel_body_id` names the delegation.
    DELEGATION = "delegation"
    # The guarantor states' delegations together, and the mediators.
    GUARANTORS = "guarantors"
    # What the mediators circulate to every delegation of the round (the single text).
    ALL_DELEGATIONS = "all_delegations"
    # The mediators alone: where a relay came from, clause comments (issue 9).
    MEDIATORS = "mediators"


class Audience(StrEnum):
    """A column of the matrix: each role, plus the public who is not logged in."""

    PARTY_LIAISON = "party_liaison"
    GUARANTOR_DELEGATE = "guarantor_delegate"
    MEDIATOR = "mediator"
    MONITOR = "monitor"
    ANALYST = "analyst"
    OBSERVER = "observer"
    OPERATOR = "operator"
    PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who asks. Built from a member and the body it belongs to (`Principal.of`);
    `ANONYMOUS` for someone not logged in."""

    member_id: str | None
    body_id: str | None
    body_kind: BodyKind | None
    roles: frozenset[Role] = frozenset()
    active: bool = True

    @classmethod
    def of(cls, member: Member, body: Body) -> Principal:
        if member.body_id != body.id:
            raise ValueError("the member does not belong to the body given")
        return cls(member.id, body.id, body.kind, member.roles, active=member.active)

    @property
    def is_anonymous(self) -> bool:
        return not self.member_id

    @property
    def effective_roles(self) -> frozenset[Role]:
        """The roles that count: none when inactive or incomplete, and only those that
        fit the body's kind (a mediator role held in a party body counts for nothing)."""
        if self.is_anonymous or not self.active or not self.body_id or self.body_kind is None:
            return frozenset()
        return self.roles & ROLES_BY_BODY_KIND[self.body_kind]

    @property
    def audiences(self) -> tuple[Audience, ...]:
        if self.is_anonymous:
            return (Audience.PUBLIC,)
        held = {role.value for role in self.effective_roles}
        return tuple(audience for audience in Audience if audience.value in held)


ANONYMOUS: Final = Principal(member_id=None, body_id=None, body_kind=None)


@dataclass(frozen=True, slots=True)
class ViewerClass:
    """Everything `decide` reads of a principal, except the member's own id.

    `decide` sees a principal through its audiences (whether it is anonymous, and its
    effective roles: active, the roles held, the body's kind) and through the predicates,
    which read the body's id and kind, and the member's id in one place only: `_is_self`,
    for a member's own account (SELF, OTHER_ACCOUNT). So for every kind whose rules never
    use those two conditions (`MEMBER_BLIND_KINDS`: all the talks material), two principals
    of one class get the same answer on every resource, and a decision made once for the
    class holds for each of them. It is built from a principal read fresh for each delivery
    round, so a member disabled or moved loses the class's answers at the next round."""

    anonymous: bool
    body_id: str | None
    body_kind: BodyKind | None
    roles: frozenset[Role]


def viewer_class(principal: Principal) -> ViewerClass:
    return ViewerClass(
        principal.is_anonymous,
        principal.body_id,
        principal.body_kind,
        principal.effective_roles,
    )


@dataclass(frozen=True, slots=True)
class Resource:
    """What is asked about: only the facts the policy needs, copied from the domain object.

    `published` is not a separate field: PUBLIC is the ladder's published step, reached only
    through a publication (S11), so the two can never disagree.
    """

    kind: ResourceKind
    id: str
    # The body that gave or owns it: the submitting body of a report or evidence, the
    # delegation of a message, position, draft or endorsement, the guarantor of a vote, the
    # accused of a reply, the mechanism for incidents, determinations and reply requests, the
    # mediation for the single text and the channels, a member's own body.
    owner_body_id: str | None = None
    # Who wrote it. Grants nothing (access follows the body); kept for redaction and audit.
    author_member_id: str | None = None
    # How far it may travel (monitoring material); PUBLIC means published, for every kind.
    confidentiality: Confidentiality = Confidentiality.SUBMITTER
    # Talks material: the channel it sits in; None when it is in no channel yet.
    channel_audience: ChannelAudience | None = None
    # For a DELEGATION channel: the delegation whose channel it is.
    channel_body_id: str | None = None
    # For a reply request: the body accused, who reads the request and may reply to it.
    accused_body_id: str | None = None
    # For a publication record: the kind of the material it publishes. The record copies that
    # material's owner, confidentiality and channel, so it is read exactly like the material.
    subject_kind: ResourceKind | None = None
    # For an agreement: the parties and guarantors it names, who may endorse its versions.
    named_body_ids: frozenset[str] = frozenset()

    @property
    def published(self) -> bool:
        return self.confidentiality == Confidentiality.PUBLIC


@dataclass(frozen=True, slots=True)
class Allow:
    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Deny:
    # For the audit trail only; the user sees "not found" whatever the reason.
    reason: str

    def __bool__(self) -> bool:
        return False


ALLOW: Final = Allow()

Predicate = Callable[[Principal, Resource], bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """A named predicate: `label` is the matrix cell, `meaning` explains it in the docs."""

    label: str
    holds: Predicate
    meaning: str = ""


# A rule: for each audience allowed at all, the condition under which it is allowed.
Rule = Mapping[Audience, Condition]


# --- predicates -----------------------------------------------------------------------------


def _always(_principal: Principal, _resource: Resource) -> bool:
    return True


def _own_body(principal: Principal, resource: Resource) -> bool:
    return bool(principal.body_id) and resource.owner_body_id == principal.body_id


def _is_self(principal: Principal, resource: Resource) -> bool:
    return bool(principal.member_id) and resource.id == principal.member_id


def _is_other_account(principal: Principal, resource: Resource) -> bool:
    return not _is_self(principal, resource)


def _is_public(_principal: Principal, resource: Resource) -> bool:
    return resource.published


def _reaches_guarantors(_principal: Principal, resource: Resource) -> bool:
    return resource.confidentiality.rank >= Confidentiality.GUARANTORS.rank


def _reaches_mechanism(_principal: Principal, resource: Resource) -> bool:
    return resource.confidentiality.rank >= Confidentiality.MECHANISM.rank


def _is_delegation(principal: Principal) -> bool:
    return principal.body_kind in {BodyKind.PARTY, BodyKind.GUARANTOR}


def _in_own_channel(principal: Principal, resource: Resource) -> bool:
    """The delegation's own channel; for a guarantor, also the guarantors' channel."""
    if not _is_delegation(principal):
        return False
    if resource.channel_audience == ChannelAudience.DELEGATION:
        return bool(principal.body_id) and resource.channel_body_id == principal.body_id
    return (
        resource.channel_audience == ChannelAudience.GUARANTORS
        and principal.body_kind == BodyKind.GUARANTOR
    )


def _in_their_channel(principal: Principal, resource: Resource) -> bool:
    if resource.channel_audience == ChannelAudience.ALL_DELEGATIONS:
        return _is_delegation(principal)
    return _in_own_channel(principal, resource)


def _in_a_channel(_principal: Principal, resource: Resource) -> bool:
    return resource.channel_audience is not None


def _own_body_in_own_channel(principal: Principal, resource: Resource) -> bool:
    return _own_body(principal, resource) and _in_own_channel(principal, resource)


def _own_body_in_a_channel(principal: Principal, resource: Resource) -> bool:
    return _own_body(principal, resource) and _in_a_channel(principal, resource)


def _addressed_to_them(principal: Principal, resource: Resource) -> bool:
    return bool(principal.body_id) and resource.accused_body_id == principal.body_id


def _named_in_it(principal: Principal, resource: Resource) -> bool:
    return bool(principal.body_id) and principal.body_id in resource.named_body_ids


def _any(*conditions: Condition) -> Condition:
    def holds(principal: Principal, resource: Resource) -> bool:
        return any(condition.holds(principal, resource) for condition in conditions)

    return Condition(" or ".join(condition.label for condition in conditions), holds)


def _material_condition(audience: Audience) -> Condition:
    """A publication record is read like the material it publishes."""

    def holds(principal: Principal, resource: Resource) -> bool:
        subject = resource.subject_kind
        if subject is None or subject not in PUBLISHABLE_KINDS:
            return False
        rule = RULES.get((subject, Action.READ), {})
        condition = rule.get(audience)
        return condition is not None and condition.holds(principal, resource)

    return Condition(
        "as material", holds, "a publication record: whoever may read the material it publishes"
    )


def _material_of(kinds: frozenset[ResourceKind], audience: Audience, label: str) -> Condition:
    material = _material_condition(audience)

    def holds(principal: Principal, resource: Resource) -> bool:
        return resource.subject_kind in kinds and material.holds(principal, resource)

    return Condition(label, holds, f"as material, when the material is {label}")


# --- conditions (the matrix cells) -----------------------------------------------------------

YES: Final = Condition("yes", _always, "always, for this role")
OWN_BODY: Final = Condition(
    "own body", _own_body, "the material belongs to the principal's own body (it gave it)"
)
SELF: Final = Condition("self", _is_self, "the principal's own account")
OTHER_ACCOUNTS: Final = Condition(
    "other accounts", _is_other_account, "any account but the principal's own"
)
IF_PUBLIC: Final = Condition("if public", _is_public, "published (confidentiality public)")
IF_GUARANTORS: Final = Condition(
    "if ≥ guarantors",
    _reaches_guarantors,
    "confidentiality guarantors, mechanism or public",
)
IF_MECHANISM: Final = Condition(
    "if ≥ mechanism", _reaches_mechanism, "confidentiality mechanism or public"
)
THEIR_CHANNEL: Final = Condition(
    "their channel",
    _in_their_channel,
    "in the delegation's own channel, the guarantors' channel (guarantors only), "
    "or circulated to all delegations",
)
ANY_CHANNEL: Final = Condition("any channel", _in_a_channel, "in any talks channel")
OWN_IN_OWN_CHANNEL: Final = Condition(
    "own body, own channel",
    _own_body_in_own_channel,
    "in the body's own name, in its own channel (or the guarantors' channel, for guarantors); "
    "never in the channel circulated to all delegations",
)
OWN_IN_ANY_CHANNEL: Final = Condition(
    "own body, any channel", _own_body_in_a_channel, "in the body's own name, in any channel"
)
OWN_MATERIAL: Final = Condition(
    "own material", _own_body, "a publication record of material the principal's body gave"
)
ADDRESSED: Final = Condition(
    "addressed to them", _addressed_to_them, "a reply request naming the principal's body"
)
NAMED: Final = Condition(
    "named in it", _named_in_it, "an agreement naming the principal's body as party or guarantor"
)

_PL = Audience.PARTY_LIAISON
_GD = Audience.GUARANTOR_DELEGATE
_MED = Audience.MEDIATOR
_MON = Audience.MONITOR
_AN = Audience.ANALYST
_OBS = Audience.OBSERVER
_OP = Audience.OPERATOR
_PUB = Audience.PUBLIC

# --- rules ------------------------------------------------------------------------------------

_LADDER_READ: Rule = {
    _PL: _any(OWN_BODY, IF_PUBLIC),
    _GD: _any(OWN_BODY, IF_GUARANTORS),
    _MED: _any(OWN_BODY, IF_MECHANISM),
    _MON: _any(OWN_BODY, IF_MECHANISM),
    _AN: _any(OWN_BODY, IF_MECHANISM),
    _OBS: IF_PUBLIC,
    _OP: IF_PUBLIC,
    _PUB: IF_PUBLIC,
}
_REPLY_REQUEST_READ: Rule = {
    **_LADDER_READ,
    _PL: _any(OWN_BODY, ADDRESSED, IF_PUBLIC),
    _GD: _any(OWN_BODY, ADDRESSED, IF_GUARANTORS),
}
_TALKS_READ: Rule = {
    _PL: _any(OWN_BODY, THEIR_CHANNEL, IF_PUBLIC),
    _GD: _any(OWN_BODY, THEIR_CHANNEL, IF_PUBLIC),
    _MED: _any(OWN_BODY, ANY_CHANNEL, IF_PUBLIC),
    _MON: IF_PUBLIC,
    _AN: IF_PUBLIC,
    _OBS: IF_PUBLIC,
    _OP: IF_PUBLIC,
    _PUB: IF_PUBLIC,
}
_MEMBER_READ: Rule = {
    _PL: OWN_BODY,
    _GD: OWN_BODY,
    _MED: OWN_BODY,
    _MON: OWN_BODY,
    _AN: OWN_BODY,
    _OBS: SELF,
    _OP: YES,
}
_AGREEMENT_READ: Rule = {
    _PL: YES,
    _GD: YES,
    _MED: YES,
    _MON: YES,
    _AN: YES,
    _OBS: IF_PUBLIC,
    _OP: IF_PUBLIC,
    _PUB: IF_PUBLIC,
}
_PUBLICATION_READ: Rule = {audience: _material_condition(audience) for audience in Audience}
_TALKS_PUBLISHER = _material_of(TALKS_KINDS, _MED, "talks material")
_MONITORING_PUBLISHER = _material_of(MONITORING_KINDS, _AN, "monitoring material")
_OPERATOR_ONLY: Rule = {_OP: YES}

# Every condition a cell may name (cells may also join them with "or"), for the legend.
CONDITIONS: Final = (
    YES,
    OWN_BODY,
    SELF,
    OTHER_ACCOUNTS,
    IF_PUBLIC,
    IF_GUARANTORS,
    IF_MECHANISM,
    THEIR_CHANNEL,
    ANY_CHANNEL,
    OWN_IN_OWN_CHANNEL,
    OWN_IN_ANY_CHANNEL,
    ADDRESSED,
    NAMED,
    OWN_MATERIAL,
    _PUBLICATION_READ[_PL],
    _TALKS_PUBLISHER,
    _MONITORING_PUBLISHER,
)
_MECHANISM_STAFF_EDIT = _any(OWN_BODY, IF_MECHANISM)

_RULES_BY_KIND: Mapping[ResourceKind, Mapping[Action, Rule]] = {
    ResourceKind.REPORT: {
        Action.READ: _LADDER_READ,
        Action.CREATE: {_PL: OWN_BODY, _GD: OWN_BODY, _MON: OWN_BODY, _AN: OWN_BODY},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.INCIDENT: {
        Action.READ: _LADDER_READ,
        Action.CREATE: {_MON: OWN_BODY, _AN: OWN_BODY},
        Action.EDIT: {_MON: _MECHANISM_STAFF_EDIT, _AN: _MECHANISM_STAFF_EDIT},
        Action.VOTE: {_GD: _LADDER_READ[_GD]},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.EVIDENCE: {
        Action.READ: _LADDER_READ,
        Action.CREATE: {_PL: OWN_BODY, _GD: OWN_BODY, _MON: OWN_BODY, _AN: OWN_BODY},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.VOTE: {
        Action.READ: _LADDER_READ,
        Action.CREATE: {_GD: OWN_BODY},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.REPLY: {
        Action.READ: _LADDER_READ,
        Action.CREATE: {_PL: OWN_BODY, _GD: OWN_BODY},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.REPLY_REQUEST: {
        Action.READ: _REPLY_REQUEST_READ,
        Action.CREATE: {_MON: OWN_BODY, _AN: OWN_BODY},
        Action.EDIT: {_MON: _MECHANISM_STAFF_EDIT, _AN: _MECHANISM_STAFF_EDIT},
        Action.REPLY: {_PL: ADDRESSED, _GD: ADDRESSED},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.DETERMINATION: {
        Action.READ: _LADDER_READ,
        Action.CREATE: {_AN: OWN_BODY},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.CHANNEL: {
        Action.READ: _TALKS_READ,
        Action.CREATE: {_MED: OWN_BODY},
        Action.EDIT: {_MED: ANY_CHANNEL},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.MESSAGE: {
        Action.READ: _TALKS_READ,
        Action.CREATE: {
            _PL: OWN_IN_OWN_CHANNEL,
            _GD: OWN_IN_OWN_CHANNEL,
            _MED: OWN_IN_ANY_CHANNEL,
        },
        Action.RELAY: {_MED: ANY_CHANNEL},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.POSITION: {
        Action.READ: _TALKS_READ,
        Action.CREATE: {_PL: OWN_IN_OWN_CHANNEL, _GD: OWN_IN_OWN_CHANNEL},
        Action.RELAY: {_MED: ANY_CHANNEL},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.DOCUMENT: {
        Action.READ: _TALKS_READ,
        Action.CREATE: {_PL: OWN_IN_OWN_CHANNEL, _GD: OWN_IN_OWN_CHANNEL, _MED: OWN_BODY},
        Action.EDIT: {_PL: OWN_IN_OWN_CHANNEL, _GD: OWN_IN_OWN_CHANNEL, _MED: OWN_BODY},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.DOCUMENT_VERSION: {
        Action.READ: _TALKS_READ,
        Action.CREATE: {_PL: OWN_IN_OWN_CHANNEL, _GD: OWN_IN_OWN_CHANNEL, _MED: OWN_BODY},
        Action.ENDORSE: {_PL: _TALKS_READ[_PL], _GD: _TALKS_READ[_GD]},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.ENDORSEMENT: {
        Action.READ: _TALKS_READ,
        Action.CREATE: {_PL: OWN_IN_OWN_CHANNEL, _GD: OWN_IN_OWN_CHANNEL},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.PUBLICATION: {
        Action.READ: _PUBLICATION_READ,
        Action.CREATE: {
            _PL: _PUBLICATION_READ[_PL],
            _GD: _PUBLICATION_READ[_GD],
            _MED: _TALKS_PUBLISHER,
            _AN: _MONITORING_PUBLISHER,
        },
        Action.APPROVE_PUBLICATION: {_PL: _PUBLICATION_READ[_PL], _GD: _PUBLICATION_READ[_GD]},
        Action.PUBLISH: {
            _PL: OWN_MATERIAL,
            _GD: OWN_MATERIAL,
            _MED: _TALKS_PUBLISHER,
            _AN: _MONITORING_PUBLISHER,
        },
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.AUDIT_ENTRY: {
        Action.READ: _OPERATOR_ONLY,
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.MEMBER: {
        Action.READ: _MEMBER_READ,
        Action.CREATE: _OPERATOR_ONLY,
        Action.EDIT: {
            **{audience: SELF for audience in Audience if audience != _PUB},
            _OP: YES,
        },
        Action.ADMINISTER: {_OP: OTHER_ACCOUNTS},
        Action.AUDIT: _OPERATOR_ONLY,
    },
    ResourceKind.AGREEMENT: {
        Action.READ: _AGREEMENT_READ,
        Action.CREATE: {_MED: OWN_BODY},
        Action.EDIT: {_MED: OWN_BODY},
        # A signed decision on one exact version (domain/decisions.py).
        Action.ENDORSE: {_PL: NAMED, _GD: NAMED},
        # The procedure's settings (windows, quorum, decision rule): a new version with the
        # same terms, on the record; the clauses and who is bound stay the mediation's.
        Action.ADMINISTER: _OPERATOR_ONLY,
        Action.AUDIT: _OPERATOR_ONLY,
    },
    # A dataset row is public material; a device's rejected item stays its body's own.
    # Correcting one (edit) files a new report, so only those who may file reports may.
    ResourceKind.QUARANTINE: {
        Action.READ: _LADDER_READ,
        Action.EDIT: {
            _PL: OWN_BODY,
            _GD: OWN_BODY,
            _MON: _any(OWN_BODY, IF_PUBLIC),
            _AN: _any(OWN_BODY, IF_PUBLIC),
        },
        Action.AUDIT: _OPERATOR_ONLY,
    },
}

# Actions that follow read exactly (lists, counts, search, feeds, exports).
READ_ALIKE: Final = (Action.LIST, Action.EXPORT)


def _with_read_alikes(actions: Mapping[Action, Rule]) -> dict[Action, Rule]:
    widened = dict(actions)
    for alike in READ_ALIKE:
        widened[alike] = actions[Action.READ]
    return widened


# The table decide() reads: (kind, action) -> rule.
RULES: Final[Mapping[tuple[ResourceKind, Action], Rule]] = {
    (kind, action): rule
    for kind, actions in _RULES_BY_KIND.items()
    for action, rule in _with_read_alikes(actions).items()
}

# The kinds whose rules never ask whose account it is (SELF, OTHER_ACCOUNTS): for these,
# principals of one `ViewerClass` get the same decisions (see there).
_MEMBER_CONDITIONS: Final = frozenset({SELF.label, OTHER_ACCOUNTS.label})
MEMBER_BLIND_KINDS: Final = frozenset(ResourceKind) - {
    kind
    for (kind, _action), rule in RULES.items()
    for condition in rule.values()
    if _MEMBER_CONDITIONS & set(condition.label.split(" or "))
}

# --- denials ----------------------------------------------------------------------------------

_VIA_PUBLICATION = (
    "confidentiality goes down only through a publication record: approve and publish act "
    "on the publication, which carries this material's access facts"
)
_PUBLICATION_STEPS = {
    Action.APPROVE_PUBLICATION: _VIA_PUBLICATION,
    Action.PUBLISH: _VIA_PUBLICATION,
}

# Meaningful actions refused to everyone, with the reason (documented in the matrix).
_DENIED_BY_KIND: Mapping[ResourceKind, Mapping[Action, str]] = {
    ResourceKind.REPORT: {
        Action.EDIT: "a report is immutable once filed; a correction is a new report",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.INCIDENT: {
        Action.REPLY: "the accused answers the reply request addressed to it, not the incident",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.EVIDENCE: {
        Action.EDIT: "the original never changes; each handling is a custody event",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.VOTE: {
        Action.EDIT: "a vote is signed; a changed position is a new vote",
        Action.VOTE: "votes are cast on incidents",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.REPLY: {
        Action.EDIT: "a reply is signed and filed once; a further answer is a new reply",
        Action.REPLY: "replies answer a reply request",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.REPLY_REQUEST: {**_PUBLICATION_STEPS},
    ResourceKind.DETERMINATION: {
        Action.EDIT: "a determination is final once recorded; a revision is a new one",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.CHANNEL: {**_PUBLICATION_STEPS},
    ResourceKind.MESSAGE: {
        Action.EDIT: "a message is part of the record; a correction is a new message",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.POSITION: {
        Action.EDIT: "a position is never overwritten; a new position supersedes it",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.DOCUMENT: {
        Action.ENDORSE: "an endorsement binds one exact version, not the changing document",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.DOCUMENT_VERSION: {
        Action.EDIT: "a version is immutable; editing the document makes a new version",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.ENDORSEMENT: {
        Action.EDIT: "an endorsement binds one exact version; a new decision is a new one",
        **_PUBLICATION_STEPS,
    },
    ResourceKind.PUBLICATION: {
        Action.EDIT: "a publication is one-way: never edited or withdrawn",
    },
    ResourceKind.AUDIT_ENTRY: {
        Action.CREATE: "the system writes audit entries; no member does",
        Action.EDIT: "the audit trail is append-only",
    },
    ResourceKind.MEMBER: {},
    ResourceKind.AGREEMENT: {**_PUBLICATION_STEPS},
    ResourceKind.QUARANTINE: {
        Action.CREATE: "intake quarantines what it cannot accept; no member does",
    },
}

# Actions that mean nothing for a kind: refused to everyone (listed so nothing is forgotten).
_NOT_ON_MATERIAL = frozenset(
    {Action.RELAY, Action.VOTE, Action.REPLY, Action.ENDORSE, Action.ADMINISTER}
)
_NOT_APPLICABLE: Mapping[ResourceKind, frozenset[Action]] = {
    ResourceKind.REPORT: _NOT_ON_MATERIAL,
    ResourceKind.INCIDENT: _NOT_ON_MATERIAL - {Action.VOTE, Action.REPLY},
    ResourceKind.EVIDENCE: _NOT_ON_MATERIAL,
    ResourceKind.VOTE: _NOT_ON_MATERIAL - {Action.VOTE},
    ResourceKind.REPLY: _NOT_ON_MATERIAL - {Action.REPLY},
    ResourceKind.REPLY_REQUEST: _NOT_ON_MATERIAL - {Action.REPLY},
    ResourceKind.DETERMINATION: _NOT_ON_MATERIAL,
    ResourceKind.CHANNEL: _NOT_ON_MATERIAL,
    ResourceKind.MESSAGE: _NOT_ON_MATERIAL - {Action.RELAY},
    ResourceKind.POSITION: _NOT_ON_MATERIAL - {Action.RELAY},
    ResourceKind.DOCUMENT: _NOT_ON_MATERIAL - {Action.ENDORSE},
    ResourceKind.DOCUMENT_VERSION: _NOT_ON_MATERIAL - {Action.ENDORSE},
    ResourceKind.ENDORSEMENT: _NOT_ON_MATERIAL,
    ResourceKind.PUBLICATION: _NOT_ON_MATERIAL,
    ResourceKind.AUDIT_ENTRY: _NOT_ON_MATERIAL | {Action.APPROVE_PUBLICATION, Action.PUBLISH},
    ResourceKind.MEMBER: (_NOT_ON_MATERIAL - {Action.ADMINISTER})
    | {Action.APPROVE_PUBLICATION, Action.PUBLISH},
    ResourceKind.AGREEMENT: _NOT_ON_MATERIAL - {Action.ENDORSE, Action.ADMINISTER},
    ResourceKind.QUARANTINE: _NOT_ON_MATERIAL | {Action.APPROVE_PUBLICATION, Action.PUBLISH},
}

# Every refusal that is not merely "no rule": (kind, action) -> reason.
DENIALS: Final[Mapping[tuple[ResourceKind, Action], str]] = {
    **{
        (kind, action): f"{action} is not an action on a {kind}"
        for kind, actions in _NOT_APPLICABLE.items()
        for action in actions
    },
    **{
        (kind, action): reason
        for kind, reasons in _DENIED_BY_KIND.items()
        for action, reason in reasons.items()
    },
}


# --- the decision -----------------------------------------------------------------------------


def decide(principal: Principal, action: Action, resource: Resource) -> Allow | Deny:
    """May `principal` take `action` on `resource`? Total: never raises for typed input."""
    key = (resource.kind, action)
    if key in DENIALS:
        return Deny(f"never allowed: {DENIALS[key]}")
    rule = RULES.get(key)
    if rule is None:
        return Deny(f"no rule lets anyone {action} a {resource.kind}")
    audiences = principal.audiences
    if not audiences:
        return Deny("no role counts (inactive, no role, or roles that do not fit the body)")
    for audience in audiences:
        condition = rule.get(audience)
        if condition is not None and condition.holds(principal, resource):
            return ALLOW
    held = ", ".join(audiences)
    return Deny(f"{held} may not {action} {resource.kind} {resource.id!r} here")


def visible_by(
    principal: Principal,
    items: Iterable[T],
    resource_of: Callable[[T], Resource],
    action: Action = Action.LIST,
) -> Iterator[T]:
    """The items the principal may see, lazily (for lists, counts, search, streamed exports)."""
    return (item for item in items if decide(principal, action, resource_of(item)))


def visible(
    principal: Principal, resources: Iterable[Resource], action: Action = Action.LIST
) -> Iterator[Resource]:
    return visible_by(principal, resources, _identity, action)


def _identity(resource: Resource) -> Resource:
    return resource


# --- the matrix as data and as a document -----------------------------------------------------


def _body_kind_of(audience: Audience) -> BodyKind | None:
    for kind, roles in ROLES_BY_BODY_KIND.items():
        if audience.value in {role.value for role in roles}:
            return kind
    return None


@dataclass(frozen=True, slots=True)
class MatrixRow:
    """One cell of the matrix: audience x kind x action -> condition (None: never)."""

    kind: ResourceKind
    action: Action
    audience: Audience
    # The body kind the audience's role lives in; None for the public.
    body_kind: BodyKind | None
    condition: str | None
    # Why everyone is refused, when the action is refused on this kind as a whole.
    denial: str | None


def matrix_rows() -> tuple[MatrixRow, ...]:
    return tuple(
        MatrixRow(
            kind=kind,
            action=action,
            audience=audience,
            body_kind=_body_kind_of(audience),
            condition=_cell(kind, action, audience),
            denial=DENIALS.get((kind, action)),
        )
        for kind in ResourceKind
        for action in Action
        for audience in Audience
    )


def _cell(kind: ResourceKind, action: Action, audience: Audience) -> str | None:
    condition = RULES.get((kind, action), {}).get(audience)
    return None if condition is None else condition.label


MATRIX_START: Final = "<!-- matrix:start -->"
MATRIX_END: Final = "<!-- matrix:end -->"


def _table_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header() -> list[str]:
    names = [audience.replace("_", " ") for audience in Audience]
    return [_table_row(["action", *names]), _table_row(["---"] * (len(names) + 1))]


def _action_label(action: Action) -> str:
    if action == Action.READ:
        return ", ".join([Action.READ, *READ_ALIKE])
    return str(action)


def _ruled_actions(kind: ResourceKind) -> list[Action]:
    return [action for action in Action if action not in READ_ALIKE and (kind, action) in RULES]


def _denial_notes(kind: ResourceKind) -> list[str]:
    by_reason: dict[str, list[str]] = {}
    for action, reason in _DENIED_BY_KIND[kind].items():
        by_reason.setdefault(reason, []).append(action)
    return [
        f"- {', '.join(actions)}: never, for anyone ({reason})."
        for reason, actions in by_reason.items()
    ]


def _kind_section(kind: ResourceKind) -> str:
    lines = [f"### {kind}", "", *_header()]
    for action in _ruled_actions(kind):
        cells = [_cell(kind, action, audience) or "no" for audience in Audience]
        lines.append(_table_row([_action_label(action), *cells]))
    lines.extend(["", *_denial_notes(kind)])
    absent = ", ".join(action for action in Action if action in _NOT_APPLICABLE[kind])
    lines.append(f"- Not actions on this kind (always refused): {absent}.")
    return "\n".join(lines)


_COMBINING_NOTE = (
    'A cell joining conditions with "or" allows when any of them holds; "no" never allows. '
    "A principal holding several roles is allowed when any role allows."
)


def _legend() -> str:
    audiences = [
        _table_row([audience.replace("_", " "), str(_body_kind_of(audience) or "none")])
        for audience in Audience
    ]
    conditions = [_table_row([c.label, c.meaning]) for c in CONDITIONS]
    return "\n".join(
        [
            "### Columns",
            "",
            _table_row(["column", "role held in a body of kind"]),
            _table_row(["---", "---"]),
            *audiences,
            "",
            "### Conditions",
            "",
            _table_row(["cell", "allowed when"]),
            _table_row(["---", "---"]),
            *conditions,
            "",
            _COMBINING_NOTE,
        ]
    )


def render_access_matrix_markdown() -> str:
    """The whole matrix as markdown: the section between the markers in the docs."""
    sections = [_legend(), *(_kind_section(kind) for kind in ResourceKind)]
    return "\n\n".join(sections) + "\n"


def replace_matrix_section(document: str) -> str:
    """`document` with the text between the matrix markers replaced by the rendered matrix."""
    start = document.find(MATRIX_START)
    end = document.find(MATRIX_END)
    if start < 0 or end < start:
        raise ValueError(f"the document needs {MATRIX_START} followed by {MATRIX_END}")
    head = document[: start + len(MATRIX_START)]
    return f"{head}\n\n{render_access_matrix_markdown()}\n{document[end:]}"


if __name__ == "__main__":
    # Regenerate the docs: uv run python -m truce.domain.access < doc > new-doc
    sys.stdout.write(replace_matrix_section(sys.stdin.read()))
