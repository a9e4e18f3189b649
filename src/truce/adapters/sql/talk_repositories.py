"""The talks store over one SQLAlchemy connection (see application/talks_ports.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from truce.adapters.sql import talk_tables as t
from truce.adapters.sql.mapping import from_db_time, optional_time, to_utc
from truce.domain.access import ChannelAudience
from truce.domain.errors import ConflictError
from truce.domain.talks import (
    AgendaItem,
    Channel,
    Message,
    Position,
    Publication,
    Receipt,
    RelayLink,
    RelayMark,
    RelayMode,
    Round,
    Stance,
    SubjectKind,
    TalkFormat,
)
from truce.domain.talks_text import (
    Clause,
    ClauseComment,
    Document,
    DocumentKind,
    Translation,
    Version,
)

# The advisory lock that orders message commits on PostgreSQL (any constant of our own).
MESSAGES_LOCK = 0x7472_7563_6531


def _clauses_json(clauses: tuple[Clause, ...]) -> str:
    return json.dumps([[c.id, c.text] for c in clauses], ensure_ascii=False)


def _clauses(text: str) -> tuple[Clause, ...]:
    return tuple(Clause(clause_id, body) for clause_id, body in json.loads(text))


def _round_row(round_: Round, serial: int) -> dict[str, Any]:
    participants = {
        "mediator_ids": list(round_.mediator_ids),
        "party_ids": list(round_.party_ids),
        "guarantor_ids": list(round_.guarantor_ids),
        "observer_ids": list(round_.observer_ids),
        "approver_ids": list(round_.approver_ids),
        "labels": dict(round_.labels),
    }
    return {
        "id": round_.id,
        "title": round_.title,
        "place": round_.place,
        "starts_on": round_.starts_on,
        "ends_on": round_.ends_on,
        "format": round_.format.value,
        "participants": json.dumps(participants, ensure_ascii=False, sort_keys=True),
        "opened_at": None if round_.opened_at is None else to_utc(round_.opened_at),
        "serial": serial,
    }


def _round(row: RowMapping) -> Round:
    p = json.loads(row["participants"])
    return Round(
        id=row["id"],
        title=row["title"],
        place=row["place"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        format=TalkFormat(row["format"]),
        mediator_ids=tuple(p["mediator_ids"]),
        party_ids=tuple(p["party_ids"]),
        guarantor_ids=tuple(p["guarantor_ids"]),
        observer_ids=tuple(p["observer_ids"]),
        approver_ids=tuple(p["approver_ids"]),
        labels=dict(p["labels"]),
        opened_at=optional_time(row["opened_at"]),
    )


def _channel(row: RowMapping) -> Channel:
    return Channel(row["id"], row["round_id"], ChannelAudience(row["audience"]), row["body_id"])


def _message(row: RowMapping) -> Message:
    relay = None
    if row["relay_mode"] is not None:
        relay = RelayMark(RelayMode(row["relay_mode"]), row["relay_hash"])
    return Message(
        id=row["id"],
        round_id=row["round_id"],
        channel_id=row["channel_id"],
        body_id=row["body_id"],
        author_member_id=row["author_member_id"],
        text=row["text"],
        posted_at=from_db_time(row["posted_at"]),
        lang=row["lang"],
        relay=relay,
        seq=row["seq"],
    )


def _link(row: RowMapping) -> RelayLink:
    return RelayLink(
        relayed_message_id=row["relayed_message_id"],
        source_message_id=row["source_message_id"],
        source_channel_id=row["source_channel_id"],
        source_body_id=row["source_body_id"],
        mode=RelayMode(row["mode"]),
        relayed_by_member_id=row["relayed_by_member_id"],
        relayed_at=from_db_time(row["relayed_at"]),
        round_id=row["round_id"],
    )


def _position(row: RowMapping) -> Position:
    return Position(
        id=row["id"],
        round_id=row["round_id"],
        item_id=row["item_id"],
        body_id=row["body_id"],
        channel_id=row["channel_id"],
        member_id=row["member_id"],
        stance=Stance(row["stance"]),
        reasons=row["reasons"],
        stated_at=from_db_time(row["stated_at"]),
        shareable=bool(row["shareable"]),
    )


def _document(row: RowMapping) -> Document:
    return Document(
        id=row["id"],
        round_id=row["round_id"],
        kind=DocumentKind(row["kind"]),
        title=row["title"],
        owner_body_id=row["owner_body_id"],
        channel_id=row["channel_id"],
        created_at=from_db_time(row["created_at"]),
    )


def _version(row: RowMapping) -> Version:
    return Version(
        document_id=row["document_id"],
        number=row["number"],
        clauses=_clauses(row["clauses"]),
        language=row["language"],
        made_by=row["made_by"],
        made_at=from_db_time(row["made_at"]),
        hash=row["hash"],
    )


def _publication(row: RowMapping) -> Publication:
    return Publication(
        id=row["id"],
        round_id=row["round_id"],
        subject_kind=SubjectKind(row["subject_kind"]),
        subject_id=row["subject_id"],
        subject_hash=row["subject_hash"],
        requested_by=row["requested_by"],
        requested_at=from_db_time(row["requested_at"]),
        approver_ids=tuple(json.loads(row["approver_ids"])),
        published_at=optional_time(row["published_at"]),
    )


class SqlTalks:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # --- helpers -------------------------------------------------------------------------------

    def _insert(self, table: Table, values: dict[str, Any]) -> None:
        # A savepoint keeps the surrounding transaction usable when a constraint refuses.
        try:
            with self._c.begin_nested():
                self._c.execute(insert(table).values(values))
        except IntegrityError as error:
            raise ConflictError(f"{table.name}: the id or number is taken") from error

    def _serial(self, table: Table) -> int:
        return int(self._c.execute(select(func.count()).select_from(table)).scalar_one())

    def _rows(self, query: Any) -> list[RowMapping]:  # noqa: ANN401 - any select
        return list(self._c.execute(query).mappings())

    # --- rounds and channels -------------------------------------------------------------------

    def add_round(self, round_: Round) -> None:
        self._insert(t.talk_rounds, _round_row(round_, self._serial(t.talk_rounds)))

    def get_round(self, round_id: str) -> Round | None:
        rows = self._rows(select(t.talk_rounds).where(t.talk_rounds.c.id == round_id))
        return _round(rows[0]) if rows else None

    def rounds(self) -> list[Round]:
        return [_round(r) for r in self._rows(select(t.talk_rounds).order_by("serial"))]

    def add_channel(self, channel: Channel) -> None:
        values = {
            "id": channel.id,
            "round_id": channel.round_id,
            "audience": channel.audience.value,
            "body_id": channel.body_id,
            "serial": self._serial(t.talk_channels),
        }
        self._insert(t.talk_channels, values)

    def get_channel(self, channel_id: str) -> Channel | None:
        rows = self._rows(select(t.talk_channels).where(t.talk_channels.c.id == channel_id))
        return _channel(rows[0]) if rows else None

    def channels(self, round_id: str) -> list[Channel]:
        c = t.talk_channels.c
        query = select(t.talk_channels).where(c.round_id == round_id).order_by(c.serial)
        return [_channel(r) for r in self._rows(query)]

    # --- messages ------------------------------------------------------------------------------

    def add_message(self, message: Message) -> Message:
        channel = self.get_channel(message.channel_id)
        if channel is None:
            raise ConflictError("the message names no channel")
        self._one_writer_of_messages()
        values = {
            "id": message.id,
            "round_id": message.round_id,
            "channel_id": message.channel_id,
            "channel_body_id": channel.body_id,
            "channel_audience": channel.audience.value,
            "body_id": message.body_id,
            "author_member_id": message.author_member_id,
            "text": message.text,
            "lang": message.lang,
            "posted_at": to_utc(message.posted_at),
            "relay_mode": None if message.relay is None else message.relay.mode.value,
            "relay_hash": None if message.relay is None else message.relay.hash,
        }
        self._insert(t.talk_messages, values)
        stored = self.get_message(message.id)
        if stored is None:  # pragma: no cover - just inserted in this transaction
            raise ConflictError("the message vanished")
        return stored

    def _one_writer_of_messages(self) -> None:
        """On PostgreSQL two transactions may take seq 5 and 6 and commit 6 first: a stream
        that read 6 would then never look back for 5. Holding this lock until commit makes
        messages commit in seq order, so `messages_after` misses nothing (the real-time
        stream's exactly-once). SQLite has one writer at a time anyway."""
        if self._c.dialect.name == "postgresql":
            self._c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MESSAGES_LOCK})

    def get_message(self, message_id: str) -> Message | None:
        rows = self._rows(select(t.talk_messages).where(t.talk_messages.c.id == message_id))
        return _message(rows[0]) if rows else None

    def messages(self, channel_id: str) -> list[Message]:
        c = t.talk_messages.c
        query = select(t.talk_messages).where(c.channel_id == channel_id).order_by(c.seq)
        return [_message(r) for r in self._rows(query)]

    def messages_after(self, seq: int, limit: int) -> list[Message]:
        c = t.talk_messages.c
        query = select(t.talk_messages).where(c.seq > seq).order_by(c.seq).limit(limit)
        return [_message(r) for r in self._rows(query)]

    def last_seq(self) -> int:
        found = self._c.execute(select(func.max(t.talk_messages.c.seq))).scalar_one()
        return int(found or 0)

    def add_relay_link(self, link: RelayLink) -> None:
        values = {
            "relayed_message_id": link.relayed_message_id,
            "source_message_id": link.source_message_id,
            "source_channel_id": link.source_channel_id,
            "source_body_id": link.source_body_id,
            "mode": link.mode.value,
            "relayed_by_member_id": link.relayed_by_member_id,
            "relayed_at": to_utc(link.relayed_at),
            "round_id": link.round_id,
        }
        self._insert(t.talk_relay_links, values)

    def relay_links(self, round_id: str) -> list[RelayLink]:
        c = t.talk_relay_links.c
        query = select(t.talk_relay_links).where(c.round_id == round_id).order_by(c.relayed_at)
        return [_link(r) for r in self._rows(query)]

    def save_receipt(self, receipt: Receipt) -> None:
        c = t.talk_receipts.c
        key = (c.message_id == receipt.message_id) & (c.body_id == receipt.body_id)
        values = {
            "delivered_at": to_utc(receipt.delivered_at),
            "read_at": None if receipt.read_at is None else to_utc(receipt.read_at),
        }
        done = self._c.execute(update(t.talk_receipts).where(key).values(values))
        if done.rowcount == 0:
            row = {"message_id": receipt.message_id, "body_id": receipt.body_id, **values}
            self._insert(t.talk_receipts, row)

    def receipts(self, message_ids: list[str]) -> list[Receipt]:
        if not message_ids:
            return []
        c = t.talk_receipts.c
        query = (
            select(t.talk_receipts)
            .where(c.message_id.in_(message_ids))
            .order_by(c.message_id, c.body_id)
        )
        return [
            Receipt(
                r["message_id"],
                r["body_id"],
                from_db_time(r["delivered_at"]),
                optional_time(r["read_at"]),
            )
            for r in self._rows(query)
        ]

    # --- agenda and positions ------------------------------------------------------------------

    def add_agenda_item(self, item: AgendaItem) -> None:
        values = {"id": item.id, "round_id": item.round_id, "number": item.number}
        self._insert(t.talk_agenda_items, {**values, "title": item.title})

    def agenda(self, round_id: str) -> list[AgendaItem]:
        c = t.talk_agenda_items.c
        query = select(t.talk_agenda_items).where(c.round_id == round_id).order_by(c.number)
        return [
            AgendaItem(r["id"], r["round_id"], r["number"], r["title"]) for r in self._rows(query)
        ]

    def add_position(self, position: Position) -> None:
        values = {
            "id": position.id,
            "round_id": position.round_id,
            "item_id": position.item_id,
            "body_id": position.body_id,
            "channel_id": position.channel_id,
            "member_id": position.member_id,
            "stance": position.stance.value,
            "reasons": position.reasons,
            "stated_at": to_utc(position.stated_at),
            "shareable": position.shareable,
        }
        self._insert(t.talk_positions, values)

    def get_position(self, position_id: str) -> Position | None:
        rows = self._rows(select(t.talk_positions).where(t.talk_positions.c.id == position_id))
        return _position(rows[0]) if rows else None

    def positions(self, round_id: str) -> list[Position]:
        c = t.talk_positions.c
        query = select(t.talk_positions).where(c.round_id == round_id)
        return [_position(r) for r in self._rows(query.order_by(c.stated_at, c.id))]

    # --- documents -----------------------------------------------------------------------------

    def add_document(self, document: Document) -> None:
        values = {
            "id": document.id,
            "round_id": document.round_id,
            "kind": document.kind.value,
            "title": document.title,
            "owner_body_id": document.owner_body_id,
            "channel_id": document.channel_id,
            "created_at": to_utc(document.created_at),
        }
        self._insert(t.talk_documents, values)

    def get_document(self, document_id: str) -> Document | None:
        rows = self._rows(select(t.talk_documents).where(t.talk_documents.c.id == document_id))
        return _document(rows[0]) if rows else None

    def documents(self, round_id: str) -> list[Document]:
        c = t.talk_documents.c
        query = select(t.talk_documents).where(c.round_id == round_id)
        return [_document(r) for r in self._rows(query.order_by(c.created_at, c.id))]

    def add_version(self, version: Version) -> None:
        values = {
            "document_id": version.document_id,
            "number": version.number,
            "language": version.language,
            "clauses": _clauses_json(version.clauses),
            "made_by": version.made_by,
            "made_at": to_utc(version.made_at),
            "hash": version.hash,
        }
        self._insert(t.talk_versions, values)

    def version(self, document_id: str, number: int | None = None) -> Version | None:
        c = t.talk_versions.c
        query = select(t.talk_versions).where(c.document_id == document_id)
        if number is not None:
            query = query.where(c.number == number)
        rows = self._rows(query.order_by(c.number.desc()).limit(1))
        return _version(rows[0]) if rows else None

    def versions(self, document_id: str) -> list[Version]:
        c = t.talk_versions.c
        query = select(t.talk_versions).where(c.document_id == document_id).order_by(c.number)
        return [_version(r) for r in self._rows(query)]

    def add_comment(self, comment: ClauseComment) -> None:
        values = {
            "id": comment.id,
            "document_id": comment.document_id,
            "clause_id": comment.clause_id,
            "member_id": comment.member_id,
            "text": comment.text,
            "made_at": to_utc(comment.made_at),
        }
        self._insert(t.talk_comments, values)

    def comments(self, document_id: str) -> list[ClauseComment]:
        c = t.talk_comments.c
        query = select(t.talk_comments).where(c.document_id == document_id)
        return [
            ClauseComment(
                r["id"],
                r["document_id"],
                r["clause_id"],
                r["member_id"],
                r["text"],
                from_db_time(r["made_at"]),
            )
            for r in self._rows(query.order_by(c.made_at, c.id))
        ]

    def add_translation(self, translation: Translation) -> None:
        values = {
            "id": translation.id,
            "document_id": translation.document_id,
            "version_number": translation.version_number,
            "source_hash": translation.source_hash,
            "language": translation.language,
            "clauses": _clauses_json(translation.clauses),
            "provenance": translation.provenance,
            "made_by": translation.made_by,
            "made_at": to_utc(translation.made_at),
        }
        self._insert(t.talk_translations, values)

    def translations(self, document_id: str) -> list[Translation]:
        c = t.talk_translations.c
        query = select(t.talk_translations).where(c.document_id == document_id)
        return [
            Translation(
                id=r["id"],
                document_id=r["document_id"],
                version_number=r["version_number"],
                source_hash=r["source_hash"],
                language=r["language"],
                clauses=_clauses(r["clauses"]),
                provenance=r["provenance"],
                made_by=r["made_by"],
                made_at=from_db_time(r["made_at"]),
            )
            for r in self._rows(query.order_by(c.made_at, c.id))
        ]

    # --- publications --------------------------------------------------------------------------

    def add_publication(self, publication: Publication) -> None:
        values = {
            "id": publication.id,
            "round_id": publication.round_id,
            "subject_kind": publication.subject_kind.value,
            "subject_id": publication.subject_id,
            "subject_hash": publication.subject_hash,
            "requested_by": publication.requested_by,
            "requested_at": to_utc(publication.requested_at),
            "approver_ids": json.dumps(list(publication.approver_ids)),
            "published_at": None,
            "serial": self._serial(t.talk_publications),
        }
        self._insert(t.talk_publications, values)

    def get_publication(self, publication_id: str) -> Publication | None:
        c = t.talk_publications.c
        rows = self._rows(select(t.talk_publications).where(c.id == publication_id))
        return _publication(rows[0]) if rows else None

    def publications(self, round_id: str | None = None) -> list[Publication]:
        c = t.talk_publications.c
        query = select(t.talk_publications)
        if round_id is not None:
            query = query.where(c.round_id == round_id)
        return [_publication(r) for r in self._rows(query.order_by(c.serial))]

    def mark_published(self, publication_id: str, at: datetime) -> None:
        c = t.talk_publications.c
        query = (
            update(t.talk_publications)
            .where((c.id == publication_id) & c.published_at.is_(None))
            .values(published_at=to_utc(at))
        )
        self._c.execute(query)
