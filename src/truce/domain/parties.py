"""Who takes part: bodies (parties, guarantors, the mediation, observers, the mechanism),
the armed and political actors with their aliases, and the members who hold roles.

Pure: no I/O. Ids are strings handed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from truce.domain.errors import FieldError, InvalidInputError


class BodyKind(StrEnum):
    """The standing of a body towards an agreement (glossary: party, guarantor, mediator...)."""

    PARTY = "party"
    GUARANTOR = "guarantor"
    MEDIATION = "mediation"
    OBSERVER = "observer"
    # The mechanism's own staff (monitors, analysts, operators) belong to no side.
    MECHANISM = "mechanism"


class Role(StrEnum):
    """What a member may do, within the body they belong to."""

    PARTY_LIAISON = "party_liaison"
    GUARANTOR_DELEGATE = "guarantor_delegate"
    MEDIATOR = "mediator"
    MONITOR = "monitor"
    ANALYST = "analyst"
    OBSERVER = "observer"
    OPERATOR = "operator"


# Which roles make sense in which kind of body: a party liaison always speaks for a party,
# a guarantor delegate for a guarantor state. Checked when a member is created.
ROLES_BY_BODY_KIND: dict[BodyKind, frozenset[Role]] = {
    BodyKind.PARTY: frozenset({Role.PARTY_LIAISON}),
    BodyKind.GUARANTOR: frozenset({Role.GUARANTOR_DELEGATE}),
    BodyKind.MEDIATION: frozenset({Role.MEDIATOR}),
    BodyKind.OBSERVER: frozenset({Role.OBSERVER}),
    BodyKind.MECHANISM: frozenset({Role.MONITOR, Role.ANALYST, Role.OPERATOR}),
}


class ActorKind(StrEnum):
    STATE_FORCES = "state_forces"
    ARMED_GROUP = "armed_group"
    MILITIA = "militia"
    POLITICAL = "political"
    FOREIGN_FORCES = "foreign_forces"


@dataclass(frozen=True, slots=True)
class Body:
    """A party, a guarantor state, the mediation, an observer, or the mechanism itself."""

    id: str
    kind: BodyKind
    name: str
    # Names in other languages, keyed by BCP 47 tag ("ar", "ru", "tr", "fa").
    names: dict[str, str] = field(default_factory=dict)

    def name_in(self, lang: str) -> str:
        return self.names.get(lang, self.name)


@dataclass(frozen=True, slots=True)
class Alias:
    """One spelling of an actor's name in one language, as some source writes it."""

    text: str
    lang: str


@dataclass(frozen=True, slots=True)
class Actor:
    """An armed or political organisation. `party_id` is the party it is affiliated with,
    if any; `excluded` marks groups the agreement leaves outside the truce."""

    id: str
    name: str
    kind: ActorKind
    party_id: str | None = None
    excluded: bool = False
    aliases: tuple[Alias, ...] = ()

    def all_names(self) -> tuple[str, ...]:
        return (self.name, *(alias.text for alias in self.aliases))


@dataclass(frozen=True, slots=True)
class Member:
    """A person's account. Named by role title (never a personal name in the demo),
    belonging to one body and holding roles valid for that body's kind."""

    id: str
    username: str
    title: str
    body_id: str
    roles: frozenset[Role]
    active: bool = True
    # The language the member chose for the interface (domain/languages.py); None: the
    # browser's Accept-Language decides.
    language: str | None = None


# The longest username and title the stores keep.
MAX_USERNAME_LENGTH = 150
MAX_TITLE_LENGTH = 300


def check_member(member: Member, body: Body) -> None:
    """Refuse a member whose roles do not fit the body they belong to, or whose username or
    title the stores could not keep."""
    errors = _name_errors(member)
    if len(member.title) > MAX_TITLE_LENGTH:
        errors.append(FieldError("title", f"use at most {MAX_TITLE_LENGTH} characters"))
    if not member.roles:
        errors.append(FieldError("roles", "a member holds at least one role"))
    misplaced = sorted(member.roles - ROLES_BY_BODY_KIND[body.kind])
    if misplaced:
        errors.append(
            FieldError("roles", f"{', '.join(misplaced)} cannot be held in a {body.kind} body")
        )
    if member.body_id != body.id:
        errors.append(FieldError("body_id", "does not name the body given"))
    if errors:
        raise InvalidInputError(errors)


def _name_errors(member: Member) -> list[FieldError]:
    username = member.username
    if not username.strip():
        return [FieldError("username", "must not be empty")]
    if len(username) > MAX_USERNAME_LENGTH:
        return [FieldError("username", f"use at most {MAX_USERNAME_LENGTH} characters")]
    if not username.isprintable() or any(c.isspace() for c in username):
        return [FieldError("username", "no spaces or control characters")]
    return []
