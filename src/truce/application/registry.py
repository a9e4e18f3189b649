"""Use cases that set up who takes part: bodies, actors, members and agreements."""

from __future__ import annotations

from dataclasses import dataclass

from truce.application.access_guard import principal_of
from truce.application.decisions import agreement_terms
from truce.application.ports import Clock, UnitOfWorkFactory
from truce.domain.access import Principal
from truce.domain.agreements import Agreement, check_agreement
from truce.domain.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from truce.domain.languages import check_language
from truce.domain.parties import Actor, Body, Member, check_member


@dataclass(frozen=True, slots=True)
class Directory:
    """Everything the registry holds, read in one transaction."""

    bodies: list[Body]
    actors: list[Actor]
    members: list[Member]
    agreements: list[Agreement]

    def body(self, body_id: str) -> Body | None:
        return next((body for body in self.bodies if body.id == body_id), None)


@dataclass(frozen=True, slots=True)
class RegistryService:
    uow: UnitOfWorkFactory
    clock: Clock

    def add_body(self, body: Body) -> None:
        with self.uow() as uow:
            if uow.bodies.get(body.id) is not None:
                raise ConflictError(f"body {body.id!r} exists already")
            uow.bodies.add(body)
            uow.record.append(
                "body.added",
                subject=f"body:{body.id}",
                at=self.clock.now(),
                public={"body_id": body.id, "kind": body.kind.value, "name": body.name},
            )
            uow.commit()

    def add_actor(self, actor: Actor) -> None:
        with self.uow() as uow:
            if actor.party_id is not None and uow.bodies.get(actor.party_id) is None:
                raise InvalidInputError([FieldError("party_id", "names no known body")])
            uow.actors.add(actor)
            uow.record.append(
                "actor.added",
                subject=f"actor:{actor.id}",
                at=self.clock.now(),
                public={
                    "actor_id": actor.id,
                    "name": actor.name,
                    "party_id": actor.party_id,
                    "excluded": actor.excluded,
                    "aliases": [alias.text for alias in actor.aliases],
                },
            )
            uow.commit()

    def add_member(self, member: Member) -> None:
        with self.uow() as uow:
            body = uow.bodies.get(member.body_id)
            if body is None:
                raise InvalidInputError([FieldError("body_id", "names no known body")])
            check_member(member, body)
            if uow.members.get_by_username(member.username) is not None:
                raise ConflictError(f"username {member.username!r} is taken")
            uow.members.add(member)
            # Who holds an account is need-to-know: the entry names the body and the roles,
            # and commits to the username and title.
            uow.record.append(
                "member.added",
                subject=f"member:{member.id}",
                at=self.clock.now(),
                public={
                    "member_id": member.id,
                    "body_id": member.body_id,
                    "roles": [role.value for role in sorted(member.roles)],
                },
                confidential={"username": member.username, "title": member.title},
                owner_body_id=member.body_id,
            )
            uow.commit()

    def conclude_agreement(self, agreement: Agreement) -> None:
        """Store a new version of an agreement; earlier versions stay as they were."""
        with self.uow() as uow:
            bodies = {body.id: body for body in uow.bodies.list_all()}
            check_agreement(agreement, bodies)
            latest = uow.agreements.get(agreement.id)
            expected = 1 if latest is None else latest.version + 1
            if agreement.version != expected:
                raise ConflictError(f"the next version of {agreement.id!r} is {expected}")
            uow.agreements.add(agreement)
            uow.record.append(
                "agreement.concluded",
                subject=f"agreement:{agreement.id}",
                at=self.clock.now(),
                public=agreement_terms(agreement),
            )
            uow.commit()

    def choose_language(self, member: Member, tag: str) -> str:
        """Store the interface language the member chose (for themselves only: the caller
        passes the signed-in member). The record keeps it like other account changes, without
        content; it says nothing a party could use."""
        language = check_language(tag)
        with self.uow() as uow:
            current = uow.members.get(member.id)
            if current is None:
                raise NotFoundError("member")
            if current.language == language:
                return language
            uow.members.set_language(member.id, language)
            uow.record.append(
                "member.language_chosen",
                subject=f"member:{member.id}",
                at=self.clock.now(),
                public={"member_id": member.id, "body_id": member.body_id, "language": language},
                owner_body_id=member.body_id,
            )
            uow.commit()
        return language

    def principal_for(self, member: Member) -> Principal:
        """The member as the need-to-know policy sees them, from the store as it is now."""
        with self.uow() as uow:
            return principal_of(uow, member)

    def find_actors(self, name: str) -> list[Actor]:
        with self.uow() as uow:
            return uow.actors.find_by_name(name)

    def directory(self) -> Directory:
        with self.uow() as uow:
            return Directory(
                bodies=uow.bodies.list_all(),
                actors=uow.actors.list_all(),
                members=uow.members.list_all(),
                agreements=uow.agreements.list_all(),
            )
