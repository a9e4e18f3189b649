"""How talks material appears to the need-to-know policy, and the choke point every read and
write of it passes: `guard` decides, audits, and answers "not found" alike for what is missing
and what may not be seen (SECURITY S2, S12)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from truce.application.access_guard import Decision, audit_decision
from truce.application.ports import UnitOfWork
from truce.domain.access import (
    ALLOW,
    Action,
    ChannelAudience,
    Deny,
    Principal,
    Resource,
    ResourceKind,
)
from truce.domain.access import decide as policy_decide
from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import AccessDeniedError, NotFoundError
from truce.domain.talks import Channel, Message, Position, Publication, SubjectKind
from truce.domain.talks_text import Document, Version

PUBLIC = Confidentiality.PUBLIC
CHANNEL_ONLY = Confidentiality.SUBMITTER


def version_subject(document_id: str, number: int) -> str:
    """How a publication names one version of a document."""
    return f"{document_id}/{number}"


def published_subjects(uow: UnitOfWork) -> frozenset[tuple[SubjectKind, str]]:
    return frozenset(
        (p.subject_kind, p.subject_id) for p in uow.talks.publications() if p.published_at
    )


def _level(published: bool) -> Confidentiality:
    return PUBLIC if published else CHANNEL_ONLY


def channel_resource(channel: Channel) -> Resource:
    return Resource(
        ResourceKind.CHANNEL,
        channel.id,
        channel_audience=channel.audience,
        channel_body_id=channel.body_id,
    )


def message_resource(message: Message, channel: Channel, *, published: bool = False) -> Resource:
    return Resource(
        ResourceKind.MESSAGE,
        message.id,
        owner_body_id=message.body_id,
        author_member_id=message.author_member_id,
        confidentiality=_level(published),
        channel_audience=channel.audience,
        channel_body_id=channel.body_id,
    )


def position_resource(position: Position) -> Resource:
    return Resource(
        ResourceKind.POSITION,
        position.id,
        owner_body_id=position.body_id,
        author_member_id=position.member_id,
        channel_audience=ChannelAudience.DELEGATION,
        channel_body_id=position.body_id,
    )


def document_resource(document: Document, kind: ResourceKind = ResourceKind.DOCUMENT) -> Resource:
    """A single text is circulated to every delegation; a counter-proposal stays in its
    delegation's channel."""
    if document.channel_id is None:
        audience, body = ChannelAudience.ALL_DELEGATIONS, None
    else:
        audience, body = ChannelAudience.DELEGATION, document.owner_body_id
    return Resource(
        kind,
        document.id,
        owner_body_id=document.owner_body_id,
        channel_audience=audience,
        channel_body_id=body,
    )


def version_resource(document: Document, version: Version, *, published: bool) -> Resource:
    base = document_resource(document, ResourceKind.DOCUMENT_VERSION)
    return Resource(
        base.kind,
        version_subject(document.id, version.number),
        owner_body_id=base.owner_body_id,
        confidentiality=_level(published),
        channel_audience=base.channel_audience,
        channel_body_id=base.channel_body_id,
    )


def mediators_only(kind: ResourceKind, resource_id: str) -> Resource:
    """Relay links and clause comments: the mediators read them, nobody else."""
    return Resource(kind, resource_id, channel_audience=ChannelAudience.MEDIATORS)


def publication_resource(publication: Publication, material: Resource) -> Resource:
    """A publication is read like the material it publishes (access.py), and is public
    once published."""
    return Resource(
        ResourceKind.PUBLICATION,
        publication.id,
        owner_body_id=material.owner_body_id,
        confidentiality=_level(publication.published_at is not None),
        channel_audience=material.channel_audience,
        channel_body_id=material.channel_body_id,
        subject_kind=material.kind,
    )


def allows(principal: Principal, action: Action, resource: Resource) -> bool:
    """The policy's answer, unaudited: for a caller that audits the whole read itself (a
    delivery round of the stream). Every talks decision passes here or through `Guard`."""
    return bool(policy_decide(principal, action, resource))


@dataclass(frozen=True, slots=True)
class Guard:
    """Decides and audits within one unit of work."""

    uow: UnitOfWork
    principal: Principal
    at: datetime
    address: str | None

    def allows(self, action: Action, resource: Resource) -> bool:
        return allows(self.principal, action, resource)

    def read(self, resource: Resource | None, kind: ResourceKind, resource_id: str) -> Resource:
        """The read choke point: a refusal (missing or forbidden alike) leaves one audit
        entry and raises NotFoundError; an allowed read of material that is not public
        leaves one too."""
        return self.require(Action.READ, resource, kind, resource_id, audit_allowed=True)

    def require(
        self,
        action: Action,
        resource: Resource | None,
        kind: ResourceKind,
        resource_id: str,
        *,
        audit_allowed: bool = False,
    ) -> Resource:
        verdict = policy_decide(self.principal, action, resource) if resource else None
        if resource is None or not verdict:
            reason = "not found" if resource is None else "need-to-know"
            outcome = verdict if verdict is not None else ALLOW
            denied = Decision(self.principal, action, kind, resource_id, outcome, reason)
            self._audit(denied, allowed=False)
            if action in {Action.READ, Action.LIST} or resource is None:
                raise NotFoundError(kind.value)
            raise AccessDeniedError(reason)
        if audit_allowed and not resource.published:
            self._audit(Decision(self.principal, action, kind, resource_id, ALLOW), allowed=True)
        return resource

    def listed(self, kind: ResourceKind, resource_id: str, shown: Collection[str]) -> None:
        """One audit entry for a list that showed material that is not public."""
        if shown:
            reason = f"listed {len(shown)} {kind} items in {resource_id}"
            self._audit(
                Decision(self.principal, Action.LIST, kind, resource_id, ALLOW, reason),
                allowed=True,
            )

    def _audit(self, decision: Decision, *, allowed: bool) -> None:
        if not allowed:
            # A refusal is kept although the request fails: write it in a unit of its own.
            audit_decision(self.uow, self.at, _denied(decision), self.address)
            self.uow.commit()
            return
        audit_decision(self.uow, self.at, decision, self.address)


def _denied(decision: Decision) -> Decision:
    return Decision(
        decision.principal,
        decision.action,
        decision.kind,
        decision.resource_id,
        Deny(decision.why),
        decision.reason,
    )
