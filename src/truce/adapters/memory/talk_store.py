"""The in-memory fake of the talks store, with the SQL store's constraints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.domain.errors import ConflictError
from truce.domain.talks import (
    AgendaItem,
    Channel,
    Message,
    Position,
    Publication,
    Receipt,
    RelayLink,
    Round,
)
from truce.domain.talks_text import ClauseComment, Document, Translation, Version


@dataclass
class MemoryTalkState:
    rounds: dict[str, Round] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    links: list[RelayLink] = field(default_factory=list)
    receipts: dict[tuple[str, str], Receipt] = field(default_factory=dict)
    agenda: dict[str, AgendaItem] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    versions: dict[tuple[str, int], Version] = field(default_factory=dict)
    comments: list[ClauseComment] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)
    publications: dict[str, Publication] = field(default_factory=dict)
    seq: int = 0

    def copy(self) -> MemoryTalkState:
        return _shallow(self)


def _shallow(state: MemoryTalkState) -> MemoryTalkState:
    # Containers are copied; the frozen values inside are shared.
    return MemoryTalkState(
        dict(state.rounds),
        dict(state.channels),
        dict(state.messages),
        list(state.links),
        dict(state.receipts),
        dict(state.agenda),
        dict(state.positions),
        dict(state.documents),
        dict(state.versions),
        list(state.comments),
        list(state.translations),
        dict(state.publications),
        state.seq,
    )


class MemoryTalks:
    def __init__(self, state: MemoryTalkState) -> None:
        self._s = state

    def add_round(self, round_: Round) -> None:
        self._unique(round_.id, self._s.rounds)
        self._s.rounds[round_.id] = round_

    def get_round(self, round_id: str) -> Round | None:
        return self._s.rounds.get(round_id)

    def rounds(self) -> list[Round]:
        return list(self._s.rounds.values())

    def add_channel(self, channel: Channel) -> None:
        self._unique(channel.id, self._s.channels)
        self._s.channels[channel.id] = channel

    def get_channel(self, channel_id: str) -> Channel | None:
        return self._s.channels.get(channel_id)

    def channels(self, round_id: str) -> list[Channel]:
        return [c for c in self._s.channels.values() if c.round_id == round_id]

    def add_message(self, message: Message) -> Message:
        self._unique(message.id, self._s.messages)
        self._s.seq += 1
        stored = replace(message, seq=self._s.seq)
        self._s.messages[message.id] = stored
        return stored

    def get_message(self, message_id: str) -> Message | None:
        return self._s.messages.get(message_id)

    def messages(self, channel_id: str) -> list[Message]:
        found = [m for m in self._s.messages.values() if m.channel_id == channel_id]
        return sorted(found, key=lambda m: m.seq)

    def messages_after(self, seq: int, limit: int) -> list[Message]:
        found = sorted((m for m in self._s.messages.values() if m.seq > seq), key=lambda m: m.seq)
        return found[:limit]

    def last_seq(self) -> int:
        return max((m.seq for m in self._s.messages.values()), default=0)

    def add_relay_link(self, link: RelayLink) -> None:
        self._s.links.append(link)

    def relay_links(self, round_id: str) -> list[RelayLink]:
        return [link for link in self._s.links if link.round_id == round_id]

    def save_receipt(self, receipt: Receipt) -> None:
        self._s.receipts[(receipt.message_id, receipt.body_id)] = receipt

    def receipts(self, message_ids: list[str]) -> list[Receipt]:
        wanted = set(message_ids)
        return [r for key, r in sorted(self._s.receipts.items()) if key[0] in wanted]

    def add_agenda_item(self, item: AgendaItem) -> None:
        self._unique(item.id, self._s.agenda)
        self._s.agenda[item.id] = item

    def agenda(self, round_id: str) -> list[AgendaItem]:
        found = [i for i in self._s.agenda.values() if i.round_id == round_id]
        return sorted(found, key=lambda i: i.number)

    def add_position(self, position: Position) -> None:
        self._unique(position.id, self._s.positions)
        self._s.positions[position.id] = position

    def get_position(self, position_id: str) -> Position | None:
        return self._s.positions.get(position_id)

    def positions(self, round_id: str) -> list[Position]:
        found = [p for p in self._s.positions.values() if p.round_id == round_id]
        return sorted(found, key=lambda p: (p.stated_at, p.id))

    def add_document(self, document: Document) -> None:
        self._unique(document.id, self._s.documents)
        self._s.documents[document.id] = document

    def get_document(self, document_id: str) -> Document | None:
        return self._s.documents.get(document_id)

    def documents(self, round_id: str) -> list[Document]:
        return [d for d in self._s.documents.values() if d.round_id == round_id]

    def add_version(self, version: Version) -> None:
        key = (version.document_id, version.number)
        if key in self._s.versions:
            raise ConflictError("this version number is taken: the text changed meanwhile")
        self._s.versions[key] = version

    def version(self, document_id: str, number: int | None = None) -> Version | None:
        if number is not None:
            return self._s.versions.get((document_id, number))
        found = self.versions(document_id)
        return found[-1] if found else None

    def versions(self, document_id: str) -> list[Version]:
        found = [v for (d, _), v in self._s.versions.items() if d == document_id]
        return sorted(found, key=lambda v: v.number)

    def add_comment(self, comment: ClauseComment) -> None:
        self._s.comments.append(comment)

    def comments(self, document_id: str) -> list[ClauseComment]:
        return [c for c in self._s.comments if c.document_id == document_id]

    def add_translation(self, translation: Translation) -> None:
        self._s.translations.append(translation)

    def translations(self, document_id: str) -> list[Translation]:
        return [t for t in self._s.translations if t.document_id == document_id]

    def add_publication(self, publication: Publication) -> None:
        self._unique(publication.id, self._s.publications)
        self._s.publications[publication.id] = publication

    def get_publication(self, publication_id: str) -> Publication | None:
        return self._s.publications.get(publication_id)

    def publications(self, round_id: str | None = None) -> list[Publication]:
        return [
            p for p in self._s.publications.values() if round_id is None or p.round_id == round_id
        ]

    def mark_published(self, publication_id: str, at: datetime) -> None:
        found = self._s.publications.get(publication_id)
        if found is not None and found.published_at is None:
            self._s.publications[publication_id] = replace(found, published_at=at)

    @staticmethod
    def _unique(key: str, table: Mapping[str, object]) -> None:
        if key in table:
            raise ConflictError(f"id {key!r} is taken")
