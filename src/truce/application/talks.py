"""Use cases of the talks: open a round, post and relay messages, state positions, keep the
single negotiating text, endorse a version, publish to observers.

Every read and write passes `talks_access.Guard` (the policy in domain/access.py, audited);
every state change appends a record entry in the same unit of work, with party content only
as a commitment its owner can open. Endorsements and publication approvals are signed
decisions (application/decisions.py), registered here as `DocumentVersionObjects` and
`PublicationObjects`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from truce.application.access_guard import Decision, audit_decisions, principal_of
from truce.application.decisions import (
    DecisionDraft,
    DecisionObjects,
    DecisionService,
    ObjectVersion,
    Submitted,
    verified_status,
)
from truce.application.ports import Canonical, Clock, IdFactory, JsonValue, UnitOfWork
from truce.application.ports import UnitOfWorkFactory as UowFactory
from truce.application.talks_access import (
    Guard,
    allows,
    channel_resource,
    document_resource,
    mediators_only,
    message_resource,
    position_resource,
    publication_resource,
    published_subjects,
    version_resource,
    version_subject,
)
from truce.domain.access import (
    ALLOW,
    ANONYMOUS,
    Action,
    ChannelAudience,
    Deny,
    Principal,
    Resource,
    ResourceKind,
    ViewerClass,
    viewer_class,
)
from truce.domain.auth import TokenStatus
from truce.domain.decisions import (
    DecisionKind,
    DecisionStatus,
    StoredDecision,
    latest_revisions,
    object_hash,
)
from truce.domain.errors import FieldError, InvalidInputError, NotFoundError
from truce.domain.parties import Body, BodyKind, Member
from truce.domain.talks import (
    DEFAULT_AGENDA,
    AgendaItem,
    Channel,
    Message,
    Position,
    Publication,
    PublicationStatus,
    Receipt,
    RelayLink,
    RelayMode,
    Round,
    SubjectKind,
    TalkFormat,
    channel_members,
    check_message_text,
    check_position,
    check_publishable,
    check_round,
    current_positions,
    delivered,
    plan_channels,
    position_text,
    publication_status,
    read,
    relay_message,
)
from truce.domain.talks_text import (
    BodyDecision,
    Clause,
    ClauseComment,
    ClauseDiff,
    Document,
    DocumentKind,
    StatusPart,
    Translation,
    Version,
    attachment_reasons,
    check_clause_text,
    check_translation,
    diff_versions,
    endorsement_parts,
    next_version,
    opens_attachment,
    status_in_english,
)

# Who the recipient is told relayed a message: the mediators, never a source.
MEDIATORS_LABEL = "the mediators"
STREAM_BATCH = 200
log = logging.getLogger("truce.talks")


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """Told to listeners after a commit added a message: its stream position and the bodies
    that share its channel (so a stream of anyone else need not look). No content: streams
    read the store, through the policy, for what they may show."""

    seq: int
    bodies: frozenset[str]


class CredentialKind(StrEnum):
    SESSION = "session"
    TOKEN = "token"  # noqa: S105 - a kind of credential, not a secret


@dataclass(frozen=True, slots=True)
class StreamCredential:
    """What opened a stream: a browser session, known by the digest of its id (never the
    id: it is the bearer's secret), or an API token, known by its id. Every delivery round
    checks it again, so a stream ends when its session or token does (docs/talks.md)."""

    kind: CredentialKind
    key: str
    member_id: str


@dataclass(frozen=True, slots=True)
class StreamReader:
    """One open stream as a delivery round reads for it: who, from where it stands, the
    address it was opened from (the audit trail's "from where") and what opened it."""

    principal: Principal
    after: int
    address: str | None = None
    credential: StreamCredential | None = None


@dataclass(frozen=True, slots=True)
class StreamBatch:
    views: list[MessageView]
    # Where the next read starts: past what was hidden too.
    after: int
    # The batch was full: more may be waiting.
    full: bool
    # The session or token that opened the stream is revoked or expired: close it.
    ended: bool = False


# --- what callers get back ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoundDraft:
    title: str
    place: str
    starts_on: date
    ends_on: date
    format: TalkFormat
    party_ids: tuple[str, ...]
    guarantor_ids: tuple[str, ...]
    observer_ids: tuple[str, ...] = ()
    approver_ids: tuple[str, ...] = ()
    # Other mediations beside the opening mediator's own (a host).
    other_mediator_ids: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    agenda: tuple[str, ...] = DEFAULT_AGENDA


@dataclass(frozen=True, slots=True)
class MessageView:
    """A message as one viewer may see it. `source` (where a relay came from) is filled for
    the mediators only; a recipient sees the mode and, when verbatim, the hash."""

    message: Message
    from_label: str
    source: RelayLink | None = None
    receipt: Receipt | None = None


@dataclass(frozen=True, slots=True)
class ChannelView:
    channel: Channel
    round: Round
    title: str
    messages: list[MessageView]


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    document: Document
    latest: Version


@dataclass(frozen=True, slots=True)
class RoundView:
    round: Round
    channels: list[Channel]
    agenda: list[AgendaItem]
    documents: list[DocumentSummary]
    is_mediator: bool
    own_channel: Channel | None


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One delegation's stance on one item, with the history before it."""

    item: AgendaItem
    body_id: str
    label: str
    current: Position
    history: list[Position]


@dataclass(frozen=True, slots=True)
class DocumentView:
    document: Document
    version: Version
    numbers: list[int]
    latest_number: int
    # The status in English (the API) and clause by clause (pages say it in their language).
    status: str
    status_parts: tuple[StatusPart, ...]
    decisions: list[tuple[str, str, str, bool]]
    comments: list[ClauseComment]
    translations: list[Translation]
    may_edit: bool
    may_endorse: bool


@dataclass(frozen=True, slots=True)
class PublicationView:
    publication: Publication
    status: PublicationStatus
    approvals: dict[str, str]
    title: str
    # What observers read once it is published.
    content: list[str]


# --- decision objects --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentVersionObjects:
    """Versions of talks documents are endorsed (S8: one exact version, by its hash)."""

    kind: str = "document"

    def version(self, uow: UnitOfWork, object_id: str, version: str | None) -> ObjectVersion | None:
        document = uow.talks.get_document(object_id)
        if document is None or (version is not None and not _is_number(version)):
            return None
        found = uow.talks.version(object_id, None if version is None else int(version))
        if found is None:
            return None
        published = published_subjects(uow)
        subject = (SubjectKind.DOCUMENT_VERSION, version_subject(document.id, found.number))
        resource = version_resource(document, found, published=subject in published)
        return ObjectVersion(self.kind, document.id, str(found.number), found.hash, resource)

    def action(self, decision_kind: DecisionKind) -> Action | None:
        return {
            DecisionKind.ENDORSEMENT: Action.ENDORSE,
            DecisionKind.ACKNOWLEDGEMENT: Action.READ,
        }.get(decision_kind)


@dataclass(frozen=True, slots=True)
class PublicationObjects:
    """Publications are approved by the participants their round names; approvals are final."""

    canonical: Canonical
    kind: str = "publication"

    def version(self, uow: UnitOfWork, object_id: str, version: str | None) -> ObjectVersion | None:
        publication = uow.talks.get_publication(object_id)
        if publication is None or version not in {None, "1"}:
            return None
        material = _material(uow, publication)
        if material is None:
            return None
        document: dict[str, JsonValue] = dict(publication.document())
        digest = object_hash(self.canonical(document))
        resource = publication_resource(publication, material)
        return ObjectVersion(self.kind, publication.id, "1", digest, resource)

    def action(self, decision_kind: DecisionKind) -> Action | None:
        return Action.APPROVE_PUBLICATION if decision_kind == DecisionKind.APPROVAL else None


def talk_objects(canonical: Canonical) -> dict[str, DecisionObjects]:
    objects: list[DecisionObjects] = [DocumentVersionObjects(), PublicationObjects(canonical)]
    return {objects_.kind: objects_ for objects_ in objects}


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) < 10  # noqa: PLR2004


def _material(uow: UnitOfWork, publication: Publication) -> Resource | None:
    """The published material's access facts (before publication)."""
    if publication.subject_kind == SubjectKind.MESSAGE:
        message = uow.talks.get_message(publication.subject_id)
        channel = None if message is None else uow.talks.get_channel(message.channel_id)
        return None if message is None or channel is None else message_resource(message, channel)
    document_id, _, number = publication.subject_id.rpartition("/")
    document = uow.talks.get_document(document_id)
    version = uow.talks.version(document_id, int(number)) if _is_number(number) else None
    if document is None or version is None:
        return None
    return version_resource(document, version, published=False)


# --- the service -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TalksService:
    uow: UowFactory
    clock: Clock
    ids: IdFactory
    decisions: DecisionService
    # Told of each message after the commit that added it (real time, entrypoints/web).
    listeners: list[Callable[[MessageEvent], None]] = field(default_factory=list)

    # --- helpers -------------------------------------------------------------------------------

    def _guard(self, uow: UnitOfWork, principal: Principal, address: str | None) -> Guard:
        return Guard(uow, principal, self.clock.now(), address)

    def _round(self, uow: UnitOfWork, round_id: str) -> Round:
        found = uow.talks.get_round(round_id)
        if found is None:
            raise NotFoundError("round")
        return found

    def _notify(self, message: Message, audience: frozenset[str]) -> None:
        """After commit only: what listeners hear is stored. A failing listener costs the
        live update, never the request (streams also look on their own now and then)."""
        event = MessageEvent(message.seq, audience)
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a talks listener failed")

    def _new_message(
        self, member: Member, channel: Channel, text: str, lang: str = "en"
    ) -> Message:
        """A member's message to a channel, in the name of the member's body, as of now."""
        return Message(
            id=self.ids.new_id(),
            round_id=channel.round_id,
            channel_id=channel.id,
            body_id=member.body_id,
            author_member_id=member.id,
            text=text,
            posted_at=self.clock.now(),
            lang=lang,
        )

    def _send(
        self,
        uow: UnitOfWork,
        message: Message,
        kind: str,
        channel: Channel,
        round_: Round,
        facts: dict[str, JsonValue] | None = None,
    ) -> tuple[Message, frozenset[str]]:
        """Store a message and record it as `kind` (its content and any further `facts`,
        owned by its body); with the channel's members, whom to notify once the caller has
        committed (`_notify`)."""
        stored = uow.talks.add_message(message)
        content = {**_message_content(stored), **(facts or {})}
        self._record(uow, kind, round_.id, message.body_id, content)
        return stored, channel_members(channel, round_)

    def _record(
        self,
        uow: UnitOfWork,
        kind: str,
        round_id: str,
        owner_body_id: str | None,
        content: dict[str, Any],
        public: dict[str, Any] | None = None,
    ) -> None:
        """Everyone sees that something happened in a round; what, and by whom, enters only
        as a commitment the owning body can open (the record is public, S1)."""
        uow.record.append(
            f"talks.{kind}",
            subject=f"round:{round_id}",
            at=self.clock.now(),
            public={"round_id": round_id, **(public or {})},
            confidential=content,
            owner_body_id=owner_body_id,
        )

    # --- rounds --------------------------------------------------------------------------------

    def open_round(self, member: Member, draft: RoundDraft, address: str | None = None) -> Round:
        """A mediator opens a round: its channels and agenda come with it."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            probe = Resource(ResourceKind.CHANNEL, "new", owner_body_id=member.body_id)
            guard.require(Action.CREATE, probe, ResourceKind.CHANNEL, "new")
            round_ = check_round(
                Round(
                    id=self.ids.new_id(),
                    title=draft.title.strip(),
                    place=draft.place.strip(),
                    starts_on=draft.starts_on,
                    ends_on=draft.ends_on,
                    format=draft.format,
                    mediator_ids=(member.body_id, *draft.other_mediator_ids),
                    party_ids=draft.party_ids,
                    guarantor_ids=draft.guarantor_ids,
                    observer_ids=draft.observer_ids,
                    approver_ids=draft.approver_ids,
                    labels=dict(draft.labels),
                    opened_at=self.clock.now(),
                )
            )
            _check_bodies(uow, round_)
            uow.talks.add_round(round_)
            channels = plan_channels(round_, iter(self.ids.new_id, None))
            for channel in channels:
                uow.talks.add_channel(channel)
            for number, title in enumerate(draft.agenda, start=1):
                uow.talks.add_agenda_item(AgendaItem(self.ids.new_id(), round_.id, number, title))
            self._record(uow, "round_opened", round_.id, member.body_id, _round_content(round_))
            uow.commit()
        return round_

    def rounds_for(self, principal: Principal) -> list[Round]:
        """Rounds the principal takes part in (reads a channel of), or, for anyone else,
        rounds with a publication."""
        with self.uow() as uow:
            published = {p.round_id for p in uow.talks.publications() if p.published_at}
            guard = self._guard(uow, principal, None)
            return [
                r
                for r in uow.talks.rounds()
                if r.id in published
                or any(
                    guard.allows(Action.READ, channel_resource(c)) for c in uow.talks.channels(r.id)
                )
            ]

    def round_view(
        self, principal: Principal, round_id: str, address: str | None = None
    ) -> RoundView:
        with self.uow() as uow:
            guard = self._guard(uow, principal, address)
            round_ = uow.talks.get_round(round_id)
            channels = [] if round_ is None else uow.talks.channels(round_.id)
            visible = [c for c in channels if guard.allows(Action.READ, channel_resource(c))]
            resource = channel_resource(visible[0]) if visible and round_ else None
            guard.read(resource, ResourceKind.CHANNEL, round_id)
            assert round_ is not None  # noqa: S101 - guard.read raised otherwise
            documents = self._documents(uow, guard, round_)
            own = next(
                (
                    c
                    for c in visible
                    if c.audience == ChannelAudience.DELEGATION and c.body_id == principal.body_id
                ),
                None,
            )
            view = RoundView(
                round=round_,
                channels=visible,
                agenda=uow.talks.agenda(round_.id),
                documents=documents,
                is_mediator=_is_mediator(principal, round_),
                own_channel=own,
            )
            uow.commit()
        return view

    def _documents(self, uow: UnitOfWork, guard: Guard, round_: Round) -> list[DocumentSummary]:
        summaries = []
        for document in uow.talks.documents(round_.id):
            latest = uow.talks.version(document.id)
            if latest is not None and guard.allows(Action.READ, document_resource(document)):
                summaries.append(DocumentSummary(document, latest))
        return summaries

    # --- channels and messages -----------------------------------------------------------------

    def channel_view(
        self, principal: Principal, channel_id: str, address: str | None = None
    ) -> ChannelView:
        """The channel's messages as this viewer may see them. The first time a recipient
        delegation is shown a message, its delivery receipt is kept."""
        with self.uow() as uow:
            guard = self._guard(uow, principal, address)
            channel = uow.talks.get_channel(channel_id)
            guard.read(
                None if channel is None else channel_resource(channel),
                ResourceKind.CHANNEL,
                channel_id,
            )
            assert channel is not None  # noqa: S101 - guard.read raised otherwise
            round_ = self._round(uow, channel.round_id)
            messages = uow.talks.messages(channel.id)
            views = self._message_views(uow, principal, round_, messages)
            view = ChannelView(channel, round_, _channel_title(channel, round_), views)
            uow.commit()
        return view

    def _message_views(
        self, uow: UnitOfWork, principal: Principal, round_: Round, messages: list[Message]
    ) -> list[MessageView]:
        mediator = _is_mediator(principal, round_)
        links = (
            {link.relayed_message_id: link for link in uow.talks.relay_links(round_.id)}
            if mediator
            else {}
        )
        receipts = {
            (r.message_id, r.body_id): r for r in uow.talks.receipts([m.id for m in messages])
        }
        views = []
        for message in messages:
            receipt = self._deliver(uow, principal, round_, message, receipts)
            if mediator:
                receipt = next(
                    (r for (mid, _), r in receipts.items() if mid == message.id), receipt
                )
            views.append(
                MessageView(
                    message,
                    _from_label(message, round_),
                    links.get(message.id),
                    receipt,
                )
            )
        return views

    def _deliver(
        self,
        uow: UnitOfWork,
        principal: Principal,
        round_: Round,
        message: Message,
        receipts: dict[tuple[str, str], Receipt],
    ) -> Receipt | None:
        """A delegation's delivery receipt for what others put in its channel."""
        body = principal.body_id
        if body is None or not round_.is_delegation(body) or message.body_id == body:
            return None
        existing = receipts.get((message.id, body))
        if existing is None:
            existing = delivered(None, message.id, body, self.clock.now())
            uow.talks.save_receipt(existing)
            self._record(
                uow,
                "message_delivered",
                round_.id,
                body,
                {"message_id": message.id, "body_id": body},
            )
            receipts[(message.id, body)] = existing
        return existing

    def post_message(
        self,
        member: Member,
        channel_id: str,
        text: str,
        lang: str = "en",
        address: str | None = None,
    ) -> Message:
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            channel = uow.talks.get_channel(channel_id)
            resource = None if channel is None else channel_resource(channel)
            guard.require(Action.READ, resource, ResourceKind.CHANNEL, channel_id)
            assert channel is not None  # noqa: S101 - guard raised otherwise
            message = self._new_message(member, channel, check_message_text(text), lang)
            guard.require(
                Action.CREATE,
                message_resource(message, channel),
                ResourceKind.MESSAGE,
                message.id,
            )
            round_ = self._round(uow, channel.round_id)
            stored, audience = self._send(uow, message, "message_posted", channel, round_)
            uow.commit()
        self._notify(stored, audience)
        return stored

    def relay(
        self,
        member: Member,
        source_id: str,
        target_channel_id: str,
        mode: RelayMode,
        wording: str = "",
        address: str | None = None,
    ) -> Message:
        """A mediator passes a message on to another channel of the same round."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            source, resource = _message_and_resource(uow, source_id)
            guard.require(Action.READ, resource, ResourceKind.MESSAGE, source_id)
            guard.require(Action.RELAY, resource, ResourceKind.MESSAGE, source_id)
            assert source is not None  # noqa: S101 - guard raised otherwise
            target = self._target_channel(uow, guard, target_channel_id, source.round_id)
            relayed, link = relay_message(
                source,
                target,
                mode=mode,
                wording=wording,
                new_id=self.ids.new_id(),
                mediation_body_id=member.body_id,
                member_id=member.id,
                at=self.clock.now(),
            )
            facts: dict[str, JsonValue] = {"source_message_id": source.id, "mode": mode.value}
            round_ = self._round(uow, source.round_id)
            stored, audience = self._send(uow, relayed, "message_relayed", target, round_, facts)
            uow.talks.add_relay_link(link)
            uow.commit()
        self._notify(stored, audience)
        return stored

    def _target_channel(
        self, uow: UnitOfWork, guard: Guard, channel_id: str, round_id: str
    ) -> Channel:
        target = uow.talks.get_channel(channel_id)
        resource = (
            None if target is None or target.round_id != round_id else channel_resource(target)
        )
        guard.require(Action.READ, resource, ResourceKind.CHANNEL, channel_id)
        assert target is not None  # noqa: S101 - guard raised otherwise
        return target

    def mark_read(self, member: Member, message_id: str, address: str | None = None) -> Receipt:
        """The recipient delegation's read receipt."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            message, resource = _message_and_resource(uow, message_id)
            guard.read(resource, ResourceKind.MESSAGE, message_id)
            assert message is not None  # noqa: S101 - guard raised otherwise
            round_ = self._round(uow, message.round_id)
            if not round_.is_delegation(member.body_id) or message.body_id == member.body_id:
                raise InvalidInputError(
                    [FieldError("message_id", "only a recipient delegation marks a message read")]
                )
            existing = uow.talks.receipts([message.id])
            mine = next((r for r in existing if r.body_id == member.body_id), None)
            receipt = read(mine, message.id, member.body_id, self.clock.now())
            if receipt != mine:
                uow.talks.save_receipt(receipt)
                content = {"message_id": message.id, "body_id": member.body_id}
                self._record(uow, "message_read", round_.id, member.body_id, content)
            uow.commit()
        return receipt

    def stream(
        self,
        principal: Principal,
        after: int,
        limit: int = STREAM_BATCH,
        address: str | None = None,
    ) -> tuple[list[MessageView], int]:
        """Messages numbered above `after` that the principal may read, and the number the
        next call starts after (past what was hidden too)."""
        batch = self.follow(principal, after, limit, address)
        return batch.views, batch.after

    def follow(
        self,
        principal: Principal,
        after: int,
        limit: int = STREAM_BATCH,
        address: str | None = None,
        credential: StreamCredential | None = None,
    ) -> StreamBatch:
        """The real-time stream's read: the same policy as the pages (S1); one audit entry
        per batch that showed non-public material."""
        return self.follow_many([StreamReader(principal, after, address, credential)], limit)[0]

    def follow_many(
        self, readers: Sequence[StreamReader], limit: int = STREAM_BATCH
    ) -> list[StreamBatch]:
        """`follow` for many streams at once, in one unit of work: what a server process does
        when a message wakes its streams (a delivery round).

        One read of the store from the earliest position. Each reader's principal is read
        afresh (a disabled member, or one whose roles changed, is refused from this round
        on). The policy is asked once per message and `ViewerClass` (same body, body kind,
        effective roles): `decide` reads nothing else of a principal for talks material
        (`MEMBER_BLIND_KINDS`), so the answer is the same for every reader of the class and
        the views are shared. Each reader then gets what its class may see past its own
        position, and its own audit entry (who, what, when, from where; S12), all written
        in one statement in the same unit of work.

        The session or token that opened each stream is read again too (one read of each
        kind for the round): a stream whose credential was revoked or has expired gets
        nothing more, an `ended` batch, and a denied entry in the audit trail."""
        if not readers:
            return []
        now = self.clock.now()
        with self.uow() as uow:
            batch = uow.talks.messages_after(min(r.after for r in readers), limit)
            fresh = _fresh_principals(uow, [r.principal for r in readers])
            ended = _ended_credentials(uow, readers, now)
            known = _StreamContext(uow)
            by_class: dict[ViewerClass, list[MessageView]] = {}
            audited: list[tuple[Decision, str | None]] = []
            results = []
            end_of_batch = batch[-1].seq if batch else 0
            for reader in readers:
                principal = fresh(reader.principal)
                why = ended.get(reader.credential) if reader.credential else None
                if why is not None:
                    audited.append((_stream_ended(principal, why), reader.address))
                    results.append(StreamBatch([], reader.after, full=False, ended=True))
                    continue
                kind = viewer_class(principal)
                visible = by_class.get(kind)
                if visible is None:
                    visible = by_class[kind] = known.views(principal, batch)
                shown = [view for view in visible if view.message.seq > reader.after]
                if shown:
                    audited.append((_streamed(principal, len(shown)), reader.address))
                end = max(reader.after, end_of_batch)
                results.append(StreamBatch(shown, end, len(batch) >= limit))
            audit_decisions(uow, now, audited)
            uow.commit()
        return results

    def last_seq(self) -> int:
        """The stream's current end (a fresh client starts here)."""
        with self.uow() as uow:
            return uow.talks.last_seq()

    # --- positions -----------------------------------------------------------------------------

    def state_position(
        self,
        member: Member,
        round_id: str,
        item_id: str,
        stance: str,
        reasons: str = "",
        *,
        shareable: bool = False,
        address: str | None = None,
    ) -> Position:
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            round_ = uow.talks.get_round(round_id)
            channel = (
                None if round_ is None else _delegation_channel(uow, round_.id, member.body_id)
            )
            guard.require(
                Action.READ,
                None if channel is None else channel_resource(channel),
                ResourceKind.CHANNEL,
                round_id,
            )
            assert channel is not None  # noqa: S101 - guard raised otherwise
            if item_id not in {i.id for i in uow.talks.agenda(round_id)}:
                raise InvalidInputError([FieldError("item_id", "is not an item of this round")])
            position = Position(
                id=self.ids.new_id(),
                round_id=round_id,
                item_id=item_id,
                body_id=member.body_id,
                channel_id=channel.id,
                member_id=member.id,
                stance=check_position(stance, reasons),
                reasons=reasons.strip(),
                stated_at=self.clock.now(),
                shareable=shareable,
            )
            guard.require(
                Action.CREATE, position_resource(position), ResourceKind.POSITION, position.id
            )
            uow.talks.add_position(position)
            content = {
                "position_id": position.id,
                "item_id": item_id,
                "body_id": member.body_id,
                "stance": position.stance.value,
                "reasons": position.reasons,
                "shareable": shareable,
            }
            self._record(uow, "position_stated", round_id, member.body_id, content)
            uow.commit()
        return position

    def board(
        self, principal: Principal, round_id: str, address: str | None = None
    ) -> list[BoardRow]:
        """The positions board: what the principal may read (a delegation its own, the
        mediators every delegation's), current stance first, history beneath."""
        view = self.round_view(principal, round_id, address)
        with self.uow() as uow:
            guard = self._guard(uow, principal, address)
            positions = [
                p
                for p in uow.talks.positions(round_id)
                if guard.allows(Action.READ, position_resource(p))
            ]
            guard.listed(ResourceKind.POSITION, round_id, [p.id for p in positions])
            uow.commit()
        items = {item.id: item for item in view.agenda}
        rows = []
        for (item_id, body_id), current in sorted(
            current_positions(positions).items(), key=lambda kv: (items[kv[0][0]].number, kv[0][1])
        ):
            history = [
                p
                for p in positions
                if (p.item_id, p.body_id) == (item_id, body_id) and p != current
            ]
            rows.append(
                BoardRow(items[item_id], body_id, view.round.label(body_id), current, history[::-1])
            )
        return rows

    def relay_position(
        self, member: Member, position_id: str, target_channel_id: str, address: str | None = None
    ) -> Message:
        """A mediator passes a delegation's position on, when the delegation let it."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            position = uow.talks.get_position(position_id)
            resource = None if position is None else position_resource(position)
            guard.require(Action.READ, resource, ResourceKind.POSITION, position_id)
            guard.require(Action.RELAY, resource, ResourceKind.POSITION, position_id)
            assert position is not None  # noqa: S101 - guard raised otherwise
            if not position.shareable:
                raise InvalidInputError(
                    [
                        FieldError(
                            "position_id", "the delegation has not let this position be shared"
                        )
                    ]
                )
            round_ = self._round(uow, position.round_id)
            target = self._target_channel(uow, guard, target_channel_id, round_.id)
            item = next(i for i in uow.talks.agenda(round_.id) if i.id == position.item_id)
            message = self._new_message(member, target, position_text(position, item, round_))
            facts: dict[str, JsonValue] = {"position_id": position.id}
            stored, audience = self._send(uow, message, "position_relayed", target, round_, facts)
            uow.commit()
        self._notify(stored, audience)
        return stored

    # --- the single negotiating text -----------------------------------------------------------

    def create_document(
        self,
        member: Member,
        round_id: str,
        title: str,
        clauses: Sequence[str],
        *,
        language: str = "en",
        address: str | None = None,
    ) -> Document:
        """The mediators' single text, or (from a delegation) its own counter-proposal."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            round_ = uow.talks.get_round(round_id)
            own_channel = (
                None if round_ is None else _delegation_channel(uow, round_id, member.body_id)
            )
            known = round_ is not None and (
                _is_mediator(principal, round_) or own_channel is not None
            )
            guard.require(
                Action.READ,
                Resource(ResourceKind.CHANNEL, round_id, owner_body_id=member.body_id)
                if known
                else None,
                ResourceKind.CHANNEL,
                round_id,
            )
            if not title.strip():
                raise InvalidInputError([FieldError("title", "must not be empty")])
            kind = DocumentKind.COUNTER_PROPOSAL if own_channel else DocumentKind.SINGLE_TEXT
            document = Document(
                id=self.ids.new_id(),
                round_id=round_id,
                kind=kind,
                title=title.strip(),
                owner_body_id=member.body_id,
                channel_id=own_channel.id if own_channel else None,
                created_at=self.clock.now(),
            )
            guard.require(
                Action.CREATE, document_resource(document), ResourceKind.DOCUMENT, document.id
            )
            uow.talks.add_document(document)
            version = self._new_version(
                uow, member, document, None, [(None, c) for c in clauses], language
            )
            content = {"document_id": document.id, "title": document.title, "kind": kind.value}
            self._record(uow, "document_created", round_id, member.body_id, content)
            self._record_version(uow, document, version)
            uow.commit()
        return document

    def edit_document(
        self,
        member: Member,
        document_id: str,
        base_number: int,
        edits: Sequence[tuple[str | None, str]],
        *,
        language: str | None = None,
        address: str | None = None,
    ) -> Version:
        """A new version: clauses in their new order, kept by id or new. `base_number` is the
        version the editor started from: a concurrent edit is refused, not overwritten."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            document = uow.talks.get_document(document_id)
            resource = None if document is None else document_resource(document)
            guard.require(Action.READ, resource, ResourceKind.DOCUMENT, document_id)
            guard.require(Action.EDIT, resource, ResourceKind.DOCUMENT, document_id)
            assert document is not None  # noqa: S101 - guard raised otherwise
            latest = uow.talks.version(document.id)
            if latest is None or latest.number != base_number:
                raise InvalidInputError(
                    [FieldError("base_number", "the text changed meanwhile; reload it")]
                )
            version = self._new_version(
                uow, member, document, latest, edits, language or latest.language
            )
            self._record_version(uow, document, version)
            uow.commit()
        return version

    def _new_version(
        self,
        uow: UnitOfWork,
        member: Member,
        document: Document,
        previous: Version | None,
        edits: Sequence[tuple[str | None, str]],
        language: str,
    ) -> Version:
        version = next_version(
            document,
            previous,
            edits,
            language=language,
            new_ids=iter(self.ids.new_id, None),
            made_by=member.id,
            made_at=self.clock.now(),
        )
        uow.talks.add_version(version)
        return version

    def _record_version(self, uow: UnitOfWork, document: Document, version: Version) -> None:
        content: dict[str, JsonValue] = {
            "document_id": document.id,
            "number": version.number,
            "language": version.language,
            "clauses": [[c.id, c.text] for c in version.clauses],
        }
        # The version hash is public: an endorsement names it, and anyone may check that a
        # later publication shows the text that was endorsed.
        self._record(
            uow,
            "version_made",
            document.round_id,
            document.owner_body_id,
            content,
            {"version_hash": version.hash},
        )

    def document_view(
        self,
        principal: Principal,
        document_id: str,
        number: int | None = None,
        address: str | None = None,
    ) -> DocumentView:
        with self.uow() as uow:
            guard = self._guard(uow, principal, address)
            document = uow.talks.get_document(document_id)
            found = None if document is None else uow.talks.version(document_id, number)
            published = published_subjects(uow)
            resource = (
                None
                if document is None or found is None
                else version_resource(
                    document,
                    found,
                    published=(
                        SubjectKind.DOCUMENT_VERSION,
                        version_subject(document.id, found.number),
                    )
                    in published,
                )
            )
            resource = guard.read(resource, ResourceKind.DOCUMENT_VERSION, document_id)
            assert document is not None  # noqa: S101 - guard raised otherwise
            assert found is not None  # noqa: S101
            round_ = self._round(uow, document.round_id)
            versions = uow.talks.versions(document.id)
            mediators = guard.allows(
                Action.READ, mediators_only(ResourceKind.DOCUMENT, document.id)
            )
            decisions = self._endorsements(uow, document.id, versions[-1].hash)
            readable_doc = guard.allows(Action.READ, document_resource(document))
            parts = endorsement_parts(
                _body_decisions(decisions), round_.labels, round_.delegation_ids
            )
            view = DocumentView(
                document=document,
                version=found,
                numbers=[v.number for v in versions],
                latest_number=versions[-1].number,
                status=status_in_english(parts),
                status_parts=parts,
                decisions=[
                    (
                        round_.label(s.body_id),
                        s.decision.value,
                        s.decision.object_version,
                        st == DecisionStatus.VALID,
                    )
                    for s, st in decisions
                ]
                if readable_doc
                else [],
                comments=uow.talks.comments(document.id) if mediators else [],
                translations=[
                    t
                    for t in uow.talks.translations(document.id)
                    if t.version_number == found.number
                ],
                may_edit=readable_doc and guard.allows(Action.EDIT, document_resource(document)),
                may_endorse=guard.allows(Action.ENDORSE, resource),
            )
            uow.commit()
        return view

    def _endorsements(
        self, uow: UnitOfWork, document_id: str, current_hash: str
    ) -> list[tuple[StoredDecision, DecisionStatus]]:
        """Each endorsement decision on the document with its status, verified as the
        decisions service does (S7, S8)."""
        stored = [
            s
            for s in uow.signed_decisions.about("document", document_id)
            if s.decision.kind == DecisionKind.ENDORSEMENT
        ]
        latest = latest_revisions(stored)
        result = []
        for decision in stored:
            key = uow.member_keys.get(decision.decision.key_id)
            status = verified_status(self.decisions.keys, decision, key, latest, current_hash)
            result.append((decision, status))
        return result

    def document_status(self, principal: Principal, document_id: str) -> str:
        return self.document_view(principal, document_id).status

    def diff(
        self,
        principal: Principal,
        document_id: str,
        before: int,
        after: int,
        address: str | None = None,
    ) -> list[ClauseDiff]:
        with self.uow() as uow:
            guard = self._guard(uow, principal, address)
            document = uow.talks.get_document(document_id)
            old = None if document is None else uow.talks.version(document_id, before)
            new = None if document is None else uow.talks.version(document_id, after)
            resource = (
                None
                if old is None or new is None or document is None
                else document_resource(document)
            )
            guard.read(resource, ResourceKind.DOCUMENT, document_id)
            assert old is not None  # noqa: S101 - guard raised otherwise
            assert new is not None  # noqa: S101
            uow.commit()
        return diff_versions(old, new)

    def comment(
        self,
        member: Member,
        document_id: str,
        clause_id: str,
        text: str,
        address: str | None = None,
    ) -> ClauseComment:
        """A mediator's comment on a clause, kept from every delegation."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            document = uow.talks.get_document(document_id)
            resource = None if document is None else document_resource(document)
            guard.require(Action.READ, resource, ResourceKind.DOCUMENT, document_id)
            private = mediators_only(ResourceKind.DOCUMENT, document_id)
            guard.require(Action.READ, private, ResourceKind.DOCUMENT, document_id)
            assert document is not None  # noqa: S101 - guard raised otherwise
            latest = uow.talks.version(document_id)
            if latest is None or latest.clause(clause_id) is None:
                raise InvalidInputError([FieldError("clause_id", "names no clause of the text")])
            comment = ClauseComment(
                self.ids.new_id(),
                document_id,
                clause_id,
                member.id,
                check_clause_text(text, "text"),
                self.clock.now(),
            )
            uow.talks.add_comment(comment)
            content = {"document_id": document_id, "clause_id": clause_id, "text": comment.text}
            self._record(uow, "clause_commented", document.round_id, member.body_id, content)
            uow.commit()
        return comment

    def translate(
        self,
        member: Member,
        document_id: str,
        number: int,
        language: str,
        texts: dict[str, str],
        provenance: str,
        address: str | None = None,
    ) -> Translation:
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            document = uow.talks.get_document(document_id)
            resource = None if document is None else document_resource(document)
            guard.require(Action.READ, resource, ResourceKind.DOCUMENT, document_id)
            guard.require(Action.EDIT, resource, ResourceKind.DOCUMENT, document_id)
            version = uow.talks.version(document_id, number)
            if version is None:
                raise InvalidInputError([FieldError("number", "names no version")])
            check_translation(version, texts, language)
            if not provenance.strip():
                raise InvalidInputError([FieldError("provenance", "say who translated, and how")])
            translation = Translation(
                id=self.ids.new_id(),
                document_id=document_id,
                version_number=number,
                source_hash=version.hash,
                language=language,
                clauses=tuple(_clause(c.id, texts[c.id]) for c in version.clauses),
                provenance=provenance.strip(),
                made_by=member.id,
                made_at=self.clock.now(),
            )
            uow.talks.add_translation(translation)
            content = {"document_id": document_id, "number": number, "language": language}
            self._record(
                uow, "translation_made", version_round(uow, document_id), member.body_id, content
            )
            uow.commit()
        return translation

    # --- endorsements --------------------------------------------------------------------------

    def endorse(
        self,
        member: Member,
        password: str,
        document_id: str,
        number: int,
        value: str,
        reasons: str = "",
        *,
        counter_document_id: str | None = None,
        address: str = "unknown",
        totp_code: str | None = None,
    ) -> Submitted:
        """Sign an endorsement of one exact version (S8) with the member's server-held key.
        A counter-proposal names its attached document's exact version in its reasons."""
        if value == "counter_proposal":
            if not counter_document_id:
                raise InvalidInputError(
                    [FieldError("counter_document_id", "attach the counter-proposal")]
                )
            reasons = self._attachment(member, counter_document_id, reasons, address)
        draft = DecisionDraft(
            DecisionKind.ENDORSEMENT, "document", document_id, value, reasons, str(number)
        )
        return self.decisions.sign_for_member(
            member, password, draft, address=address, totp_code=totp_code
        )

    def _attachment(self, member: Member, document_id: str, reasons: str, address: str) -> str:
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            document = uow.talks.get_document(document_id)
            own = document is not None and document.owner_body_id == member.body_id
            resource = document_resource(document) if document is not None and own else None
            guard.read(resource, ResourceKind.DOCUMENT, document_id)
            latest = uow.talks.version(document_id)
            uow.commit()
        if latest is None:
            raise NotFoundError("document")
        return attachment_reasons(document_id, latest.hash, reasons)

    # --- publication ---------------------------------------------------------------------------

    def request_publication(
        self,
        member: Member,
        subject_kind: SubjectKind,
        subject_id: str,
        address: str | None = None,
    ) -> Publication:
        """Ask that one exact piece of material be published; the round's approvers decide."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            probe = Publication(
                id=self.ids.new_id(),
                round_id="",
                subject_kind=subject_kind,
                subject_id=subject_id,
                subject_hash="",
                requested_by=member.id,
                requested_at=self.clock.now(),
                approver_ids=(),
            )
            material = _material(uow, probe)
            guard.require(Action.READ, material, ResourceKind.PUBLICATION, subject_id)
            assert material is not None  # noqa: S101 - guard raised otherwise
            round_id, subject_hash = _subject_facts(uow, probe)
            round_ = self._round(uow, round_id)
            publication = Publication(
                id=probe.id,
                round_id=round_id,
                subject_kind=subject_kind,
                subject_id=subject_id,
                subject_hash=subject_hash,
                requested_by=member.id,
                requested_at=probe.requested_at,
                approver_ids=round_.approver_ids,
            )
            guard.require(
                Action.CREATE,
                publication_resource(publication, material),
                ResourceKind.PUBLICATION,
                publication.id,
            )
            uow.talks.add_publication(publication)
            content: dict[str, JsonValue] = dict(publication.document())
            self._record(uow, "publication_requested", round_id, material.owner_body_id, content)
            uow.commit()
        return publication

    def approve(
        self,
        member: Member,
        password: str,
        publication_id: str,
        value: str = "approve",
        *,
        address: str = "unknown",
        totp_code: str | None = None,
    ) -> Submitted:
        """A named approver's signed, final decision on a publication."""
        with self.uow() as uow:
            publication = uow.talks.get_publication(publication_id)
            named = publication is not None and member.body_id in publication.approver_ids
        if not named:
            # Whoever the round does not name is told nothing more than a guesser.
            raise NotFoundError("publication")
        draft = DecisionDraft(DecisionKind.APPROVAL, "publication", publication_id, value, "", "1")
        return self.decisions.sign_for_member(
            member, password, draft, address=address, totp_code=totp_code
        )

    def publish(
        self, member: Member, publication_id: str, address: str | None = None
    ) -> Publication:
        """The publication act: only with every approval the round names (S11)."""
        with self.uow() as uow:
            principal = principal_of(uow, member)
            guard = self._guard(uow, principal, address)
            publication = uow.talks.get_publication(publication_id)
            material = None if publication is None else _material(uow, publication)
            resource = (
                None
                if publication is None or material is None
                else publication_resource(publication, material)
            )
            guard.require(Action.READ, resource, ResourceKind.PUBLICATION, publication_id)
            guard.require(Action.PUBLISH, resource, ResourceKind.PUBLICATION, publication_id)
            assert publication is not None  # noqa: S101 - guard raised otherwise
            check_publishable(publication, self._approvals(uow, publication))
            uow.talks.mark_published(publication.id, self.clock.now())
            public: dict[str, JsonValue] = dict(publication.document())
            uow.record.append(
                "talks.published",
                subject=f"round:{publication.round_id}",
                at=self.clock.now(),
                public=public,
            )
            uow.commit()
            published = uow.talks.get_publication(publication_id)
        assert published is not None  # noqa: S101 - just marked
        return published

    def _approvals(self, uow: UnitOfWork, publication: Publication) -> dict[str, str]:
        """Approver body -> its valid approval value, counted once per named body."""
        objects = PublicationObjects(self.decisions.canonical)
        found = objects.version(uow, publication.id, "1")
        if found is None:
            return {}
        approvals: dict[str, str] = {}
        stored = uow.signed_decisions.about("publication", publication.id)
        latest = latest_revisions(stored)
        for decision in stored:
            key = uow.member_keys.get(decision.decision.key_id)
            status = verified_status(self.decisions.keys, decision, key, latest, found.version_hash)
            valid = status == DecisionStatus.VALID
            named = valid and decision.body_id in publication.approver_ids
            # A refusal by any member of a named body stands (approvals are final).
            if named and approvals.get(decision.body_id) != "refuse":
                approvals[decision.body_id] = decision.decision.value
        return approvals

    def publications(
        self, principal: Principal, round_id: str | None = None, address: str | None = None
    ) -> list[PublicationView]:
        """Publications the principal may read: observers and the public see the published
        ones only; participants also see requests on material they read."""
        with self.uow() as uow:
            guard = self._guard(uow, principal, address)
            views = []
            for publication in uow.talks.publications(round_id):
                material = _material(uow, publication)
                if material is None or not guard.allows(
                    Action.READ, publication_resource(publication, material)
                ):
                    continue
                views.append(self._publication_view(uow, publication))
            hidden = [v.publication.id for v in views if v.status != PublicationStatus.PUBLISHED]
            guard.listed(ResourceKind.PUBLICATION, round_id or "all", hidden)
            uow.commit()
        return views

    def _publication_view(self, uow: UnitOfWork, publication: Publication) -> PublicationView:
        approvals = self._approvals(uow, publication)
        title, content = _subject_text(uow, publication)
        return PublicationView(
            publication, publication_status(publication, approvals), approvals, title, content
        )


def _fresh_principals(
    uow: UnitOfWork, principals: Sequence[Principal]
) -> Callable[[Principal], Principal]:
    """Each member's principal as the store has it now, read once for the round (one read of
    the members, one of each body): a stream keeps the principal it opened with, and a
    member disabled or moved meanwhile must not be served by it."""
    ids = {p.member_id for p in principals if p.member_id}
    members = {m.id: m for m in uow.members.get_many(ids)}
    bodies: dict[str, Body | None] = {}
    now: dict[str, Principal] = {}
    for member in members.values():
        if member.body_id not in bodies:
            bodies[member.body_id] = uow.bodies.get(member.body_id)
        body = bodies[member.body_id]
        now[member.id] = ANONYMOUS if body is None else Principal.of(member, body)

    def fresh(principal: Principal) -> Principal:
        if not principal.member_id:
            return principal
        # A member gone from the store reads as nobody: the public's share only.
        return now.get(principal.member_id, ANONYMOUS)

    return fresh


def _ended_credentials(
    uow: UnitOfWork, readers: Sequence[StreamReader], now: datetime
) -> dict[StreamCredential, str]:
    """The credentials among the readers' that no longer authenticate, each with why (for the
    audit trail). One read of the sessions and one of the tokens for the whole round."""
    credentials = {r.credential for r in readers if r.credential is not None}
    if not credentials:
        return {}
    keys = {kind: {c.key for c in credentials if c.kind is kind} for kind in CredentialKind}
    sessions = {s.id_hash: s for s in uow.sessions.get_many(keys[CredentialKind.SESSION])}
    tokens = {t.id: t for t in uow.api_tokens.get_many(keys[CredentialKind.TOKEN])}
    ended: dict[StreamCredential, str] = {}
    for credential in credentials:
        if credential.kind is CredentialKind.SESSION:
            session = sessions.get(credential.key)
            live = session is not None and session.is_live(now)
            holder = session.member_id if session is not None else None
            why = "session expired or ended"
        else:
            token = tokens.get(credential.key)
            live = token is not None and token.status(now) is TokenStatus.ACTIVE
            holder = token.member_id if token is not None else None
            why = "token revoked or expired"
        if not live or holder != credential.member_id:
            ended[credential] = f"stream closed: {why}"
    return ended


def _stream_ended(principal: Principal, why: str) -> Decision:
    """The audit entry of a stream closed because its session or token ended."""
    return Decision(principal, Action.LIST, ResourceKind.MESSAGE, "stream", Deny(why))


def _streamed(principal: Principal, shown: int) -> Decision:
    """A stream's audit entry for one delivery round (what `Guard.listed` writes)."""
    reason = f"listed {shown} {ResourceKind.MESSAGE} items in stream"
    return Decision(principal, Action.LIST, ResourceKind.MESSAGE, "stream", ALLOW, reason)


@dataclass
class _StreamContext:
    """Channels, rounds and relay links read once for every reader of one stream batch."""

    uow: UnitOfWork
    channels: dict[str, Channel | None] = field(default_factory=dict)
    rounds: dict[str, Round] = field(default_factory=dict)
    links: dict[str, dict[str, RelayLink]] = field(default_factory=dict)

    def views(self, principal: Principal, messages: list[Message]) -> list[MessageView]:
        return [view for message in messages if (view := self.view(principal, message)) is not None]

    def view(self, principal: Principal, message: Message) -> MessageView | None:
        if message.channel_id not in self.channels:
            self.channels[message.channel_id] = self.uow.talks.get_channel(message.channel_id)
        channel = self.channels[message.channel_id]
        # The policy through talks_access, as every talks read (one choke point).
        if channel is None or not allows(
            principal, Action.READ, message_resource(message, channel)
        ):
            return None
        round_ = self.rounds.get(message.round_id) or self.uow.talks.get_round(message.round_id)
        if round_ is None:
            return None
        self.rounds[round_.id] = round_
        source = None
        if _is_mediator(principal, round_):
            if round_.id not in self.links:
                found = self.uow.talks.relay_links(round_.id)
                self.links[round_.id] = {link.relayed_message_id: link for link in found}
            source = self.links[round_.id].get(message.id)
        return MessageView(message, _from_label(message, round_), source)


# --- small pure helpers ------------------------------------------------------------------------


def _message_and_resource(
    uow: UnitOfWork, message_id: str
) -> tuple[Message | None, Resource | None]:
    """A message and what the policy judges it as, or None for the resource when it or its
    channel is missing (the guard then answers as for a refusal)."""
    message = uow.talks.get_message(message_id)
    channel = None if message is None else uow.talks.get_channel(message.channel_id)
    if message is None or channel is None:
        return message, None
    return message, message_resource(message, channel)


def _clause(clause_id: str, text: str) -> Clause:
    return Clause(clause_id, text.strip())


def version_round(uow: UnitOfWork, document_id: str) -> str:
    document = uow.talks.get_document(document_id)
    return "" if document is None else document.round_id


def _is_mediator(principal: Principal, round_: Round) -> bool:
    return principal.body_id in round_.mediator_ids and bool(principal.effective_roles)


def _delegation_channel(uow: UnitOfWork, round_id: str, body_id: str) -> Channel | None:
    return next(
        (
            c
            for c in uow.talks.channels(round_id)
            if c.audience == ChannelAudience.DELEGATION and c.body_id == body_id
        ),
        None,
    )


def _channel_title(channel: Channel, round_: Round) -> str:
    if channel.audience == ChannelAudience.DELEGATION and channel.body_id:
        return f"{round_.label(channel.body_id)} and the mediators"
    return channel.title


def _from_label(message: Message, round_: Round) -> str:
    if message.body_id in round_.mediator_ids:
        return MEDIATORS_LABEL
    return round_.label(message.body_id)


def _body_decisions(
    decisions: list[tuple[StoredDecision, DecisionStatus]],
) -> list[BodyDecision]:
    """The latest counting decision per body: on the current version, or on an earlier one."""
    by_body: dict[str, BodyDecision] = {}
    for stored, status in decisions:
        if status == DecisionStatus.VALID:
            by_body[stored.body_id] = BodyDecision(stored.body_id, stored.decision.value)
        elif status == DecisionStatus.ON_SUPERSEDED_VERSION and (
            stored.body_id not in by_body or by_body[stored.body_id].on_superseded_version
        ):
            by_body[stored.body_id] = BodyDecision(
                stored.body_id, stored.decision.value, on_superseded_version=True
            )
    return list(by_body.values())


def counter_proposals(
    decisions: list[tuple[StoredDecision, DecisionStatus]],
    drafts: Sequence[tuple[str, str]],
) -> list[str]:
    """The drafts, among those the caller may read (document id, version hash), that counting
    counter-proposals attach: the reasons name none, they commit to one (`attachment_of`)."""
    return [
        document_id
        for stored, status in decisions
        if status == DecisionStatus.VALID
        for document_id, version_hash_ in drafts
        if opens_attachment(stored.decision.reasons, document_id, version_hash_)
    ]


def _subject_facts(uow: UnitOfWork, publication: Publication) -> tuple[str, str]:
    if publication.subject_kind == SubjectKind.MESSAGE:
        message = uow.talks.get_message(publication.subject_id)
        assert message is not None  # noqa: S101 - the caller checked it exists
        return message.round_id, message.hash
    document_id, _, number = publication.subject_id.rpartition("/")
    document = uow.talks.get_document(document_id)
    version = uow.talks.version(document_id, int(number))
    assert document is not None  # noqa: S101
    assert version is not None  # noqa: S101
    return document.round_id, version.hash


def _subject_text(uow: UnitOfWork, publication: Publication) -> tuple[str, list[str]]:
    if publication.subject_kind == SubjectKind.MESSAGE:
        message = uow.talks.get_message(publication.subject_id)
        return ("Message", [] if message is None else [message.text])
    document_id, _, number = publication.subject_id.rpartition("/")
    document = uow.talks.get_document(document_id)
    version = uow.talks.version(document_id, int(number)) if _is_number(number) else None
    if document is None or version is None:
        return ("Document", [])
    title = f"{document.title}, version {version.number} ({version.language})"
    return title, [f"{n}. {c.text}" for n, c in version.numbered()]


def _check_bodies(uow: UnitOfWork, round_: Round) -> None:
    expected = (
        [(body, BodyKind.MEDIATION, "mediator_ids") for body in round_.mediator_ids]
        + [(body, BodyKind.PARTY, "party_ids") for body in round_.party_ids]
        + [(body, BodyKind.GUARANTOR, "guarantor_ids") for body in round_.guarantor_ids]
        + [(body, BodyKind.OBSERVER, "observer_ids") for body in round_.observer_ids]
    )
    errors = []
    for body_id, kind, name in expected:
        body = uow.bodies.get(body_id)
        if body is None or body.kind != kind:
            errors.append(FieldError(name, f"{body_id!r} is not a {kind} body"))
    if errors:
        raise InvalidInputError(errors)


def _round_content(round_: Round) -> dict[str, JsonValue]:
    return {
        "title": round_.title,
        "place": round_.place,
        "starts_on": round_.starts_on.isoformat(),
        "ends_on": round_.ends_on.isoformat(),
        "format": round_.format.value,
        "mediator_ids": list(round_.mediator_ids),
        "party_ids": list(round_.party_ids),
        "guarantor_ids": list(round_.guarantor_ids),
        "observer_ids": list(round_.observer_ids),
        "approver_ids": list(round_.approver_ids),
    }


def _message_content(message: Message) -> dict[str, JsonValue]:
    return {
        "message_id": message.id,
        "channel_id": message.channel_id,
        "body_id": message.body_id,
        "author_member_id": message.author_member_id,
        "text": message.text,
        "lang": message.lang,
        "hash": message.hash,
        "relay_mode": None if message.relay is None else message.relay.mode.value,
    }
