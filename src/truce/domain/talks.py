"""Talks: rounds, channels, messages and relays, agenda items and positions, publications.

A round (glossary: round) names its place, dates, participants and format. In proximity format
there is no path between delegations: each delegation has one channel with the mediators, the
guarantor states share a channel with the mediators, and observers see only what a publication
act releases. In direct format the round also has a plenary channel shared by every delegation.

Relays (glossary: relay) are how anything crosses from one channel to another: a mediator
passes a message on verbatim (the relayed bytes are the original's, so their SHA-256 is equal),
as a paraphrase, or as its own note. The relayed message belongs to the mediators and sits in
the recipient's channel; the link back to its source is kept in a `RelayLink` that only the
mediators read, so the recipient learns how a message was relayed, never the source's id or
author (SECURITY S9).

Pure: standard library only; ids and times are handed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final

from truce.domain.access import ChannelAudience
from truce.domain.errors import FieldError, InvalidInputError

MAX_MESSAGE_CHARS: Final = 20_000
MAX_REASONS_CHARS: Final = 4_000
MAX_TITLE_CHARS: Final = 300


class TalkFormat(StrEnum):
    DIRECT = "direct"
    # The delegations do not meet; the mediators carry messages between them.
    PROXIMITY = "proximity"


class RelayMode(StrEnum):
    # The original's exact bytes.
    VERBATIM = "verbatim"
    # The mediators' rewording; the original stays with the mediators and its author.
    PARAPHRASE = "paraphrase"
    # The mediators' own note about it; nothing of the original passes.
    NOTE = "note"


class Stance(StrEnum):
    """A delegation's position on an agenda item (glossary: position)."""

    ACCEPT = "accept"
    ACCEPT_WITH_RESERVATION = "accept_with_reservation"
    REJECT = "reject"
    BLOCK = "block"
    COUNTER = "counter"


# Stances that must say why.
STANCES_NEEDING_REASONS: Final = frozenset({Stance.REJECT, Stance.BLOCK})

# The agenda of Astana, January 2017 (DOMAIN.md), a round's default.
DEFAULT_AGENDA: Final = (
    "Ceasefire monitoring",
    "Humanitarian access",
    "Detainees",
    "Political process and constitution",
)


def content_hash(text: str) -> str:
    """Hex SHA-256 of the UTF-8 bytes of a message: equal for a verbatim relay (S9)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _require_text(errors: list[FieldError], name: str, text: str, limit: int) -> None:
    if not text.strip():
        errors.append(FieldError(name, "must not be empty"))
    elif len(text) > limit:
        errors.append(FieldError(name, f"must be at most {limit} characters"))


# --- rounds and channels -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Round:
    """One session of talks with its participants (glossary: round)."""

    id: str
    title: str
    place: str
    starts_on: date
    ends_on: date
    format: TalkFormat
    mediator_ids: tuple[str, ...]
    # Delegations: the parties and the guarantor states.
    party_ids: tuple[str, ...]
    guarantor_ids: tuple[str, ...]
    observer_ids: tuple[str, ...] = ()
    # The participants whose approval a publication needs (S11).
    approver_ids: tuple[str, ...] = ()
    # How the round's texts name each participant ("Russia", "the opposition").
    labels: Mapping[str, str] = field(default_factory=dict)
    opened_at: datetime | None = None

    @property
    def delegation_ids(self) -> tuple[str, ...]:
        return self.party_ids + self.guarantor_ids

    def label(self, body_id: str) -> str:
        return self.labels.get(body_id, body_id)

    def is_delegation(self, body_id: str | None) -> bool:
        return body_id is not None and body_id in self.delegation_ids


def check_round(draft: Round) -> Round:
    errors: list[FieldError] = []
    _require_text(errors, "title", draft.title, MAX_TITLE_CHARS)
    _require_text(errors, "place", draft.place, MAX_TITLE_CHARS)
    if draft.ends_on < draft.starts_on:
        errors.append(FieldError("ends_on", "must not be before starts_on"))
    if not draft.mediator_ids:
        errors.append(FieldError("mediator_ids", "a round needs its mediators"))
    if len(draft.delegation_ids) < 2:  # noqa: PLR2004 - talks need two sides at least
        errors.append(FieldError("party_ids", "a round needs at least two delegations"))
    everyone = [*draft.mediator_ids, *draft.delegation_ids, *draft.observer_ids]
    if len(set(everyone)) != len(everyone):
        errors.append(FieldError("participants", "each body takes part in one capacity only"))
    strangers = set(draft.approver_ids) - set(draft.delegation_ids)
    if strangers:
        errors.append(FieldError("approver_ids", "approvers must be delegations of the round"))
    if not draft.approver_ids:
        errors.append(FieldError("approver_ids", "name who approves publications"))
    if errors:
        raise InvalidInputError(errors)
    return draft


@dataclass(frozen=True, slots=True)
class Channel:
    """A private line: one delegation and the mediators, the guarantors and the mediators,
    or (direct format only) every delegation and the mediators."""

    id: str
    round_id: str
    audience: ChannelAudience
    # The delegation of a DELEGATION channel.
    body_id: str | None = None

    @property
    def title(self) -> str:
        if self.audience == ChannelAudience.DELEGATION:
            return f"{self.body_id} and the mediators"
        if self.audience == ChannelAudience.GUARANTORS:
            return "the guarantors and the mediators"
        return "all delegations and the mediators"


def plan_channels(round_: Round, new_id: Iterable[str]) -> tuple[Channel, ...]:
    """The channels a round opens with. No channel ever joins two delegations without the
    mediators, and in proximity format none joins the two sides at all."""
    ids = iter(new_id)
    channels = [
        Channel(next(ids), round_.id, ChannelAudience.DELEGATION, body_id)
        for body_id in round_.delegation_ids
    ]
    if round_.guarantor_ids:
        channels.append(Channel(next(ids), round_.id, ChannelAudience.GUARANTORS))
    if round_.format == TalkFormat.DIRECT:
        channels.append(Channel(next(ids), round_.id, ChannelAudience.ALL_DELEGATIONS))
    return tuple(channels)


def channel_members(channel: Channel, round_: Round) -> frozenset[str]:
    """The bodies that share the channel (the mediators always do)."""
    mediators = frozenset(round_.mediator_ids)
    if channel.audience == ChannelAudience.DELEGATION and channel.body_id:
        return mediators | {channel.body_id}
    if channel.audience == ChannelAudience.GUARANTORS:
        return mediators | frozenset(round_.guarantor_ids)
    if channel.audience == ChannelAudience.ALL_DELEGATIONS:
        return mediators | frozenset(round_.delegation_ids)
    return mediators


def may_post(channel: Channel, round_: Round, body_id: str) -> bool:
    return body_id in channel_members(channel, round_)


# --- messages and relays -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelayMark:
    """What the recipient sees of how a message reached it: the mode, and for a verbatim
    relay the hash of the bytes (equal to the original's). Never the source's id or author."""

    mode: RelayMode
    hash: str


@dataclass(frozen=True, slots=True)
class Message:
    id: str
    round_id: str
    channel_id: str
    # The body it speaks for: a delegation, or the mediators for a relay or a note.
    body_id: str
    author_member_id: str
    text: str
    posted_at: datetime
    lang: str = "en"
    relay: RelayMark | None = None
    # Position in the store's order: the real-time stream's event id (0 before it is stored).
    seq: int = 0

    @property
    def hash(self) -> str:
        return content_hash(self.text)


def check_message_text(text: str) -> str:
    errors: list[FieldError] = []
    _require_text(errors, "text", text, MAX_MESSAGE_CHARS)
    if errors:
        raise InvalidInputError(errors)
    return text


@dataclass(frozen=True, slots=True)
class RelayLink:
    """Where a relayed message came from: read by the mediators only."""

    relayed_message_id: str
    source_message_id: str
    source_channel_id: str
    source_body_id: str
    mode: RelayMode
    relayed_by_member_id: str
    relayed_at: datetime
    round_id: str


def relayed_text(source: Message, mode: RelayMode, wording: str) -> str:
    """The text the recipient reads: the source's exact characters when verbatim."""
    if mode == RelayMode.VERBATIM:
        if wording and wording != source.text:
            raise InvalidInputError(
                [FieldError("text", "a verbatim relay passes the original unchanged")]
            )
        return source.text
    return check_message_text(wording)


def relay_message(
    source: Message,
    target: Channel,
    *,
    mode: RelayMode,
    wording: str,
    new_id: str,
    mediation_body_id: str,
    member_id: str,
    at: datetime,
) -> tuple[Message, RelayLink]:
    """A relay: the message in the target channel, and its link back (mediators only)."""
    if target.id == source.channel_id:
        raise InvalidInputError([FieldError("channel_id", "relay into another channel")])
    text = relayed_text(source, mode, wording)
    relayed = Message(
        id=new_id,
        round_id=source.round_id,
        channel_id=target.id,
        body_id=mediation_body_id,
        author_member_id=member_id,
        text=text,
        posted_at=at,
        lang=source.lang,
        relay=RelayMark(mode, content_hash(text)),
    )
    link = RelayLink(
        relayed_message_id=new_id,
        source_message_id=source.id,
        source_channel_id=source.channel_id,
        source_body_id=source.body_id,
        mode=mode,
        relayed_by_member_id=member_id,
        relayed_at=at,
        round_id=source.round_id,
    )
    return relayed, link


@dataclass(frozen=True, slots=True)
class Receipt:
    """A recipient delegation's delivery and read receipt of one message."""

    message_id: str
    body_id: str
    delivered_at: datetime
    read_at: datetime | None = None


def delivered(existing: Receipt | None, message_id: str, body_id: str, at: datetime) -> Receipt:
    return existing or Receipt(message_id, body_id, at)


def read(existing: Receipt | None, message_id: str, body_id: str, at: datetime) -> Receipt:
    receipt = delivered(existing, message_id, body_id, at)
    if receipt.read_at is not None:
        return receipt
    return Receipt(receipt.message_id, receipt.body_id, receipt.delivered_at, at)


# --- agenda and positions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgendaItem:
    id: str
    round_id: str
    number: int
    title: str


@dataclass(frozen=True, slots=True)
class Position:
    """A delegation's stance on one item; never overwritten: a later one supersedes it."""

    id: str
    round_id: str
    item_id: str
    body_id: str
    # Its delegation's channel with the mediators: where it is kept.
    channel_id: str
    member_id: str
    stance: Stance
    reasons: str
    stated_at: datetime
    # The delegation consents that the mediators relay it to other delegations.
    shareable: bool = False


def check_position(stance: str, reasons: str) -> Stance:
    errors: list[FieldError] = []
    values = {s.value for s in Stance}
    if stance not in values:
        errors.append(FieldError("stance", f"must be one of {', '.join(sorted(values))}"))
    elif Stance(stance) in STANCES_NEEDING_REASONS and not reasons.strip():
        errors.append(FieldError("reasons", f"a {stance} must give its reasons"))
    if len(reasons) > MAX_REASONS_CHARS:
        errors.append(FieldError("reasons", f"must be at most {MAX_REASONS_CHARS} characters"))
    if errors:
        raise InvalidInputError(errors)
    return Stance(stance)


def current_positions(positions: Iterable[Position]) -> dict[tuple[str, str], Position]:
    """The latest position of each (item, delegation); earlier ones are its history."""
    latest: dict[tuple[str, str], Position] = {}
    for position in sorted(positions, key=lambda p: (p.stated_at, p.id)):
        latest[(position.item_id, position.body_id)] = position
    return latest


def position_text(position: Position, item: AgendaItem, round_: Round) -> str:
    """A position as words, for a relay with the delegation's consent."""
    stance = position.stance.value.replace("_", " ")
    reasons = f": {position.reasons}" if position.reasons else ""
    return f"Position of {round_.label(position.body_id)} on {item.title}: {stance}{reasons}"


# --- publications ------------------------------------------------------------------------------


class PublicationStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    # An approver refused: it can never be published (approvals are final).
    REFUSED = "refused"


class SubjectKind(StrEnum):
    DOCUMENT_VERSION = "document_version"
    MESSAGE = "message"


@dataclass(frozen=True, slots=True)
class Publication:
    """A request to make one piece of talks material visible to observers, and the act."""

    id: str
    round_id: str
    subject_kind: SubjectKind
    subject_id: str
    # The exact thing published: a version's content hash, a message's hash.
    subject_hash: str
    requested_by: str
    requested_at: datetime
    approver_ids: tuple[str, ...]
    published_at: datetime | None = None

    def document(self) -> dict[str, Any]:
        """What approvals sign: the exact subject and who must approve."""
        return {
            "publication_id": self.id,
            "round_id": self.round_id,
            "subject_kind": self.subject_kind.value,
            "subject_id": self.subject_id,
            "subject_hash": self.subject_hash,
            "approver_ids": sorted(self.approver_ids),
        }


def publication_status(publication: Publication, approvals: Mapping[str, str]) -> PublicationStatus:
    """`approvals` maps approver body -> its valid decision value (approve or refuse)."""
    if publication.published_at is not None:
        return PublicationStatus.PUBLISHED
    if any(approvals.get(body) == "refuse" for body in publication.approver_ids):
        return PublicationStatus.REFUSED
    return PublicationStatus.PENDING


def missing_approvals(publication: Publication, approvals: Mapping[str, str]) -> list[str]:
    return [body for body in publication.approver_ids if approvals.get(body) != "approve"]


def check_publishable(publication: Publication, approvals: Mapping[str, str]) -> None:
    """Publish only with every approval the round names (S11)."""
    status = publication_status(publication, approvals)
    if status == PublicationStatus.PUBLISHED:
        raise InvalidInputError([FieldError("publication", "is published already")])
    if status == PublicationStatus.REFUSED:
        raise InvalidInputError([FieldError("publication", "an approver refused it")])
    missing = missing_approvals(publication, approvals)
    if missing:
        raise InvalidInputError(
            [FieldError("approvals", f"still needed from {', '.join(missing)}")]
        )
