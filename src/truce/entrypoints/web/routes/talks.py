"""The talks on the web: the JSON API under /api/v1/talks and the pages under /talks (the
mediator's console, each delegation's channel, the text with its diff, the observers' page).
Thin: parse -> service -> response; the service decides who sees what."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
import psycopg
from litestar import Controller, Request, get, post
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.psycopg import PsycoPgChannelsBackend
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Stream, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_303_SEE_OTHER
from psycopg import AsyncConnection

from truce.application.talks import (
    STREAM_BATCH,
    MessageEvent,
    MessageView,
    PublicationView,
    StreamBatch,
    StreamCredential,
    StreamReader,
)
from truce.bootstrap import Services
from truce.domain.access import Principal
from truce.domain.auth import Scope
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.talks import Message, RelayMode, SubjectKind
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import AssetsDep, ServicesDep, ViewerDep

FormData = URLEncodedBody[dict[str, str]]
log = logging.getLogger("truce.web")


# --- API shapes ----------------------------------------------------------------------------


class MessageOut(msgspec.Struct):
    """A message as the caller may see it: a relay shows its mode and hash, never its
    source, except to the mediators."""

    id: str
    channel_id: str
    sent_by: str
    text: str
    lang: str
    posted_at: datetime
    sha256: str
    relayed: str | None = None
    source_message_id: str | None = None
    seq: int = 0

    @classmethod
    def of(cls, view: MessageView) -> MessageOut:
        message = view.message
        return cls(
            id=message.id,
            channel_id=message.channel_id,
            sent_by=view.from_label,
            text=message.text,
            lang=message.lang,
            posted_at=message.posted_at,
            sha256=message.hash,
            relayed=None if message.relay is None else message.relay.mode.value,
            source_message_id=None if view.source is None else view.source.source_message_id,
            seq=message.seq,
        )


class ChannelOut(msgspec.Struct):
    id: str
    round_id: str
    title: str
    messages: list[MessageOut]


class PostIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    lang: str = "en"


class RelayIn(msgspec.Struct, forbid_unknown_fields=True):
    channel_id: str
    mode: RelayMode
    text: str = ""


class PositionIn(msgspec.Struct, forbid_unknown_fields=True):
    item_id: str
    stance: str
    reasons: str = ""
    shareable: bool = False


class PositionOut(msgspec.Struct):
    item: str
    delegation: str
    stance: str
    reasons: str
    stated_at: datetime
    history: list[str]


class ClauseOut(msgspec.Struct):
    id: str
    number: int
    text: str
    brackets: list[list[str]]


class DocumentOut(msgspec.Struct):
    id: str
    title: str
    version: int
    versions: list[int]
    sha256: str
    language: str
    clean: bool
    status: str
    clauses: list[ClauseOut]


class PublicationOut(msgspec.Struct):
    id: str
    title: str
    status: str
    subject_sha256: str
    content: list[str]

    @classmethod
    def of(cls, view: PublicationView) -> PublicationOut:
        p = view.publication
        return cls(p.id, view.title, view.status.value, p.subject_hash, view.content)


def _read(viewer: Viewer) -> None:
    if viewer.member is not None:
        viewer.require(Scope.TALKS_READ)


def _write(viewer: Viewer) -> None:
    viewer.require(Scope.TALKS_WRITE)


def _stored(message: Message) -> MessageOut:
    return MessageOut.of(MessageView(message, "you"))


class TalksApi(Controller):
    path = "/api/v1/talks"
    tags = ["talks"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/channels/{channel_id:str}", sync_to_thread=True)
    def channel(
        self, channel_id: FromPath[str], services: ServicesDep, viewer: ViewerDep
    ) -> ChannelOut:
        _read(viewer)
        view = services.talks.channel_view(viewer.principal, channel_id, viewer.address)
        messages = [MessageOut.of(m) for m in view.messages]
        return ChannelOut(view.channel.id, view.round.id, view.title, messages)

    @post("/channels/{channel_id:str}/messages", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def post_message(
        self,
        channel_id: FromPath[str],
        data: JSONBody[PostIn],
        services: ServicesDep,
        viewer: ViewerDep,
    ) -> MessageOut:
        _write(viewer)
        assert viewer.member is not None  # noqa: S101 - _write refused anonymous callers
        message = services.talks.post_message(
            viewer.member, channel_id, data.text, data.lang, viewer.address
        )
        return _stored(message)

    @post("/messages/{message_id:str}/relay", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def relay(
        self,
        message_id: FromPath[str],
        data: JSONBody[RelayIn],
        services: ServicesDep,
        viewer: ViewerDep,
    ) -> MessageOut:
        _write(viewer)
        assert viewer.member is not None  # noqa: S101 - _write refused anonymous callers
        message = services.talks.relay(
            viewer.member, message_id, data.channel_id, data.mode, data.text, viewer.address
        )
        return _stored(message)

    @get("/rounds/{round_id:str}/positions", sync_to_thread=True)
    def positions(
        self, round_id: FromPath[str], services: ServicesDep, viewer: ViewerDep
    ) -> list[PositionOut]:
        _read(viewer)
        rows = services.talks.board(viewer.principal, round_id, viewer.address)
        return [
            PositionOut(
                item=row.item.title,
                delegation=row.label,
                stance=row.current.stance.value,
                reasons=row.current.reasons,
                stated_at=row.current.stated_at,
                history=[p.stance.value for p in row.history],
            )
            for row in rows
        ]

    @post("/rounds/{round_id:str}/positions", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def state_position(
        self,
        round_id: FromPath[str],
        data: JSONBody[PositionIn],
        services: ServicesDep,
        viewer: ViewerDep,
    ) -> dict[str, str]:
        _write(viewer)
        assert viewer.member is not None  # noqa: S101 - _write refused anonymous callers
        position = services.talks.state_position(
            viewer.member,
            round_id,
            data.item_id,
            data.stance,
            data.reasons,
            shareable=data.shareable,
            address=viewer.address,
        )
        return {"id": position.id, "stance": position.stance.value}

    @get("/documents/{document_id:str}", sync_to_thread=True)
    def document(
        self,
        document_id: FromPath[str],
        services: ServicesDep,
        viewer: ViewerDep,
        version: FromQuery[int | None] = None,
    ) -> DocumentOut:
        _read(viewer)
        view = services.talks.document_view(viewer.principal, document_id, version, viewer.address)
        v = view.version
        return DocumentOut(
            id=view.document.id,
            title=view.document.title,
            version=v.number,
            versions=view.numbers,
            sha256=v.hash,
            language=v.language,
            clean=v.clean,
            status=view.status,
            clauses=[ClauseOut(c.id, n, c.text, c.brackets) for n, c in v.numbered()],
        )

    @get("/publications", sync_to_thread=True)
    def publications(self, services: ServicesDep, viewer: ViewerDep) -> list[PublicationOut]:
        """What the caller may see of publications: to observers and the public, the
        published ones only."""
        _read(viewer)
        views = services.talks.publications(viewer.principal, address=viewer.address)
        return [PublicationOut.of(v) for v in views]


# --- real time -----------------------------------------------------------------------------

# Litestar channels carry a wake-up (a stream position and the bodies of the channel), never
# content: over PostgreSQL LISTEN/NOTIFY between server processes, in memory on SQLite. Each
# stream then reads the store through the policy from where it stands, so what it shows is
# filtered for its viewer and numbered by the store, and a reconnecting client that sends
# Last-Event-ID gets what it missed, once (docs/talks.md).
TALKS_CHANNEL = "truce_talks"
# A stream that heard nothing for this long reads the store anyway: a notification lost while
# a listener reconnected costs at most one and a half times this delay (`TalkLive.sweep`).
IDLE_SECONDS = 30.0


class HeldConnectionBackend(PsycoPgChannelsBackend):
    """Litestar's LISTEN/NOTIFY backend, publishing over one connection held for the life of
    the process instead of a new connection per notification (on a busy server a fresh
    PostgreSQL connection, a forked backend and its authentication, cost more than the rest
    of the wake-up). Published one at a time; a connection that failed is replaced at the
    next notification (a lost wake-up costs at most the streams' idle read)."""

    def __init__(self, pg_dsn: str) -> None:
        super().__init__(pg_dsn)
        self._publisher: AsyncConnection[Any] | None = None
        self._publishing = asyncio.Lock()

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        async with self._publishing:
            try:
                if self._publisher is None or self._publisher.closed:
                    self._publisher = await AsyncConnection[Any].connect(
                        self._pg_dsn, autocommit=True
                    )
                for channel in channels:
                    await self._publisher.execute(
                        "SELECT pg_notify(%s, %s)", (channel, data.decode("utf-8"))
                    )
            except psycopg.Error:
                await self._drop_publisher()
                raise

    async def on_shutdown(self) -> None:
        async with self._publishing:
            await self._drop_publisher()
        await super().on_shutdown()

    async def _drop_publisher(self) -> None:
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            with suppress(psycopg.Error):
                await publisher.close()


def talk_channels(database_url: str) -> ChannelsPlugin:
    """The channels plugin: PostgreSQL's LISTEN/NOTIFY when the store is PostgreSQL, so every
    server process hears every other; the in-process backend otherwise (SQLite serves one
    process)."""
    backend: ChannelsBackend = MemoryChannelsBackend()
    scheme, _, rest = database_url.partition("://")
    if scheme.split("+")[0] in {"postgresql", "postgres"}:
        backend = HeldConnectionBackend(f"postgresql://{rest}")
    return ChannelsPlugin(backend=backend, channels=[TALKS_CHANNEL])


# The last frame of a stream whose session or token ended: the page's script closes its
# EventSource on it instead of reconnecting (static/talks-live.js).
ENDED = b"event: end\r\ndata: signed out\r\n\r\n"


class Wake(msgspec.Struct):
    seq: int
    bodies: list[str]


@dataclass(eq=False)
class Listener:
    """One open stream, as the hub knows it. While `reading` the stream reads the store
    itself (its replay on connecting); after that the hub reads for it, so only one of
    them ever moves `after` and nothing is sent twice."""

    principal: Principal
    after: int
    # Where the stream was opened from: each round's audit entry names it (S12).
    address: str | None = None
    # The session or token that opened it, checked again by every round.
    credential: StreamCredential | None = None
    reading: bool = True
    # Something may be waiting past `after`.
    dirty: bool = False
    # When a round last gave it something (the event loop's clock): see `TalkLive.sweep`.
    heard: float = field(default_factory=lambda: asyncio.get_running_loop().time())
    # What the rounds found for this stream, as the bytes sent (`RoundEvents`).
    frames: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)

    @property
    def body_id(self) -> str | None:
        return self.principal.body_id


@dataclass
class TalkLive:
    """The process's one subscription to the talks channel, fanned out to its open streams.
    One subscription for the life of the process, not one per stream: no LISTEN/UNLISTEN
    churn as browsers come and go. A wake-up starts one delivery round: one read of the store
    and one unit of work for every stream it concerns (`TalksService.follow_many`), each
    stream filtered by the policy and audited for its own viewer."""

    channels: ChannelsPlugin
    listeners: set[Listener] = field(default_factory=set)
    services: Services | None = None
    pending: bool = False
    rounds: asyncio.Task[None] | None = None

    @classmethod
    def for_database(cls, database_url: str) -> TalkLive:
        return cls(talk_channels(database_url))

    async def dispatch(self, data: bytes) -> None:
        try:
            wake = msgspec.json.decode(data, type=Wake)
        except msgspec.DecodeError:
            return
        for listener in self.listeners:
            if wake.seq > listener.after and listener.body_id in wake.bodies:
                listener.dirty = True
        self.schedule()

    def schedule(self) -> None:
        """Ask for a delivery round; rounds run one at a time and coalesce."""
        self.pending = True
        if self.rounds is None or self.rounds.done():
            self.rounds = asyncio.create_task(self._deliver())

    async def _deliver(self) -> None:
        while self.pending and self.services is not None:
            self.pending = False
            due = [ear for ear in self.listeners if ear.dirty and not ear.reading]
            if not due:
                continue
            for listener in due:
                listener.dirty = False
            readers = [
                StreamReader(ear.principal, ear.after, ear.address, ear.credential) for ear in due
            ]
            try:
                batches = await asyncio.to_thread(self.services.talks.follow_many, readers)
            except Exception:
                # The streams read on their own after IDLE_SECONDS; the next wake retries.
                log.exception("a talks delivery round failed")
                continue
            self._hand_out(due, batches)

    def _hand_out(self, due: list[Listener], batches: list[StreamBatch]) -> None:
        """A round's batches to their streams: frames to send, or the end of a stream whose
        session or token ended."""
        events = RoundEvents()
        heard = asyncio.get_running_loop().time()
        for listener, batch in zip(due, batches, strict=True):
            if batch.ended:
                listener.frames.put_nowait(ENDED)
                continue
            listener.after = batch.after
            if batch.views:
                listener.frames.put_nowait(events.frames(batch.views))
                listener.heard = heard
            if batch.full:
                listener.dirty = self.pending = True

    async def sweep(self) -> None:
        """Every half IDLE_SECONDS, the streams that heard nothing for IDLE_SECONDS (a lost
        notification, or viewers who share no channel: observers, the public) ask the next
        round to look anyway. One timer for the process, not one per stream and wait."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(IDLE_SECONDS / 2)
            quiet = loop.time() - IDLE_SECONDS
            stale = [e for e in self.listeners if not e.reading and e.heard <= quiet]
            for listener in stale:
                listener.dirty = True
                listener.heard = loop.time()
            if stale:
                self.schedule()

    @contextmanager
    def listen(
        self,
        principal: Principal,
        after: int,
        address: str | None = None,
        credential: StreamCredential | None = None,
    ) -> Iterator[Listener]:
        listener = Listener(principal, after, address, credential)
        self.listeners.add(listener)
        try:
            yield listener
        finally:
            self.listeners.discard(listener)

    @asynccontextmanager
    async def running(self, services: Services) -> AsyncIterator[None]:
        """While the app runs: the channels backend up, the subscription open, and each
        message the talks service commits published. The service calls from a worker
        thread: hand over to the event loop."""
        loop = asyncio.get_running_loop()

        def tell(event: MessageEvent) -> None:
            data = msgspec.json.encode({"seq": event.seq, "bodies": sorted(event.bodies)})
            loop.call_soon_threadsafe(self.channels.publish, data, [TALKS_CHANNEL])

        self.services = services
        async with (
            self.channels,
            self.channels.start_subscription(TALKS_CHANNEL) as subscriber,
            subscriber.run_in_background(self.dispatch),
        ):
            services.talks.listeners.append(tell)
            sweeping = asyncio.create_task(self.sweep())
            try:
                yield
            finally:
                services.talks.listeners.remove(tell)
                sweeping.cancel()
                if self.rounds is not None:
                    self.rounds.cancel()


class RoundEvents:
    """The bytes of each event, made once per delivery round for every stream that shows
    it. A message shows one way to every viewer who may read it, except a relay's source,
    which only the mediators see: the key is the message and that source. The frame is what
    Litestar's ServerSentEventMessage encodes (id, event, one data line: JSON has no line
    break), built without it, and a stream's frames of one batch go out in one write."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, str | None], bytes] = {}

    def frame(self, view: MessageView) -> bytes:
        source = None if view.source is None else view.source.source_message_id
        key = (view.message.id, source)
        made = self._made.get(key)
        if made is None:
            data = msgspec.json.encode(MessageOut.of(view))
            made = b"id: %d\r\nevent: message\r\ndata: %s\r\n\r\n" % (view.message.seq, data)
            self._made[key] = made
        return made

    def frames(self, views: Sequence[MessageView]) -> bytes:
        return b"".join(self.frame(view) for view in views)


def _event_stream(content: AsyncIterator[bytes]) -> Stream:
    """A server-sent event stream of frames already encoded (`RoundEvents`), with the
    headers Litestar's ServerSentEvent sets."""
    return Stream(
        content,
        media_type="text/event-stream",
        headers={
            "Cache-Control": "no-cache",
            "Connection": "keep-alive",
            "X-Accel-Buffering": "no",
        },
    )


def _start(request: Request[Any, Any, Any], after: int | None) -> int | None:
    """Where a stream resumes: Last-Event-ID from a reconnecting browser, or `after`."""
    last = request.headers.get("last-event-id", "")
    if last.isascii() and last.isdigit() and len(last) < 19:  # noqa: PLR2004 - fits in int64
        return int(last)
    return after


async def _events(
    services: Services, live: TalkLive, viewer: Viewer, after: int, *, once: bool
) -> AsyncIterator[bytes]:
    principal, address, credential = viewer.principal, viewer.address, viewer.credential
    events = RoundEvents()
    if once:
        views, _ = await asyncio.to_thread(
            services.talks.stream, principal, after, STREAM_BATCH, address
        )
        if views:
            yield events.frames(views)
        return
    # Listen first, then replay from the store: a message committed meanwhile marks the
    # listener, and the hub's first round for it reads from where the replay ended. Positions
    # are the store's numbering, so nothing is sent twice.
    with live.listen(principal, after, address, credential) as listener:
        while listener.reading:
            batch = await asyncio.to_thread(
                services.talks.follow, principal, listener.after, STREAM_BATCH, address, credential
            )
            if batch.ended:
                yield ENDED
                return
            if batch.views:
                yield events.frames(batch.views)
            listener.after = batch.after
            listener.reading = batch.full
        live.schedule()
        while True:
            # No timeout per wait: the hub's sweep wakes streams that heard nothing for a while,
            # and each round checks the stream's session or token again.
            frames = await listener.frames.get()
            yield frames
            if frames is ENDED:
                return


def stream_response(
    services: Services,
    live: TalkLive,
    viewer: Viewer,
    request: Request[Any, Any, Any],
    after: int | None,
    *,
    once: bool,
) -> Stream:
    start = _start(request, after)
    if start is None:
        start = services.talks.last_seq()
    return _event_stream(_events(services, live, viewer, start, once=once))


# --- pages ---------------------------------------------------------------------------------


def _signed_in(viewer: Viewer) -> None:
    if viewer.member is None:
        raise InvalidInputError([FieldError("session", "sign in first")])


def _context(assets: AssetsDep, viewer: Viewer, **more: Any) -> dict[str, Any]:  # noqa: ANN401
    return {"htmx": assets.available("htmx.min.js"), "viewer": viewer, **more}


class TalksPages(Controller):
    path = "/talks"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def rounds(self, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep) -> Template:
        rounds = services.talks.rounds_for(viewer.principal)
        return Template("talks_rounds.html", context=_context(assets, viewer, rounds=rounds))

    @get("/stream", sync_to_thread=True)
    def stream(
        self,
        services: ServicesDep,
        viewer: ViewerDep,
        request: Request[Any, Any, Any],
        talk_live: NamedDependency[TalkLive],
        after: FromQuery[int | None] = None,
        once: FromQuery[bool] = False,
    ) -> Stream:
        """Server-sent events: each new message the viewer may read, once. `once` answers
        what is there and closes (for tests and scripts)."""
        return stream_response(services, talk_live, viewer, request, after, once=once)

    @get("/publications", sync_to_thread=True)
    def publications(self, services: ServicesDep, assets: AssetsDep, viewer: ViewerDep) -> Template:
        views = services.talks.publications(viewer.principal, address=viewer.address)
        published = [v for v in views if v.status.value == "published"]
        return Template(
            "talks_publications.html", context=_context(assets, viewer, publications=published)
        )

    @get("/rounds/{round_id:str}", sync_to_thread=True)
    def round_page(
        self, round_id: FromPath[str], services: ServicesDep, assets: AssetsDep, viewer: ViewerDep
    ) -> Template:
        """The mediator's console (every channel side by side, relay actions, the positions
        board, the texts), or a delegation's view of its own part of the round."""
        view = services.talks.round_view(viewer.principal, round_id, viewer.address)
        channels = [
            services.talks.channel_view(viewer.principal, c.id, viewer.address)
            for c in view.channels
        ]
        board = services.talks.board(viewer.principal, round_id, viewer.address)
        context = _context(
            assets,
            viewer,
            view=view,
            channels=channels,
            board=board,
            modes=[m.value for m in RelayMode],
            stances=["accept", "accept_with_reservation", "reject", "block", "counter"],
        )
        return Template("talks_round.html", context=context)

    @get("/channels/{channel_id:str}", sync_to_thread=True)
    def channel_page(
        self, channel_id: FromPath[str], services: ServicesDep, assets: AssetsDep, viewer: ViewerDep
    ) -> Template:
        view = services.talks.channel_view(viewer.principal, channel_id, viewer.address)
        return Template("talks_channel.html", context=_context(assets, viewer, channel=view))

    @get("/channels/{channel_id:str}/messages", sync_to_thread=True)
    def channel_fragment(
        self, channel_id: FromPath[str], services: ServicesDep, viewer: ViewerDep
    ) -> Template:
        """The messages alone, for htmx to refresh in place."""
        view = services.talks.channel_view(viewer.principal, channel_id, viewer.address)
        return Template("talks_messages.html", context={"channel": view})

    @post("/channels/{channel_id:str}/messages", sync_to_thread=True)
    def post_message(
        self, channel_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Redirect:
        _signed_in(viewer)
        assert viewer.member is not None  # noqa: S101 - checked above
        services.talks.post_message(
            viewer.member, channel_id, data.get("text", ""), data.get("lang", "en"), viewer.address
        )
        return Redirect(
            data.get("back") or f"/talks/channels/{channel_id}", status_code=HTTP_303_SEE_OTHER
        )

    @post("/messages/{message_id:str}/relay", sync_to_thread=True)
    def relay(
        self, message_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Redirect:
        _signed_in(viewer)
        assert viewer.member is not None  # noqa: S101 - checked above
        mode = data.get("mode", "")
        if mode not in {m.value for m in RelayMode}:
            raise InvalidInputError([FieldError("mode", "verbatim, paraphrase or note")])
        message = services.talks.relay(
            viewer.member,
            message_id,
            data.get("channel_id", ""),
            RelayMode(mode),
            data.get("text", ""),
            viewer.address,
        )
        return Redirect(f"/talks/rounds/{message.round_id}", status_code=HTTP_303_SEE_OTHER)

    @post("/messages/{message_id:str}/read", sync_to_thread=True)
    def mark_read(
        self, message_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Redirect:
        _signed_in(viewer)
        assert viewer.member is not None  # noqa: S101 - checked above
        services.talks.mark_read(viewer.member, message_id, viewer.address)
        return Redirect(data.get("back") or "/talks", status_code=HTTP_303_SEE_OTHER)

    @post("/rounds/{round_id:str}/positions", sync_to_thread=True)
    def state_position(
        self, round_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Redirect:
        _signed_in(viewer)
        assert viewer.member is not None  # noqa: S101 - checked above
        services.talks.state_position(
            viewer.member,
            round_id,
            data.get("item_id", ""),
            data.get("stance", ""),
            data.get("reasons", ""),
            shareable=data.get("shareable") == "on",
            address=viewer.address,
        )
        return Redirect(f"/talks/rounds/{round_id}", status_code=HTTP_303_SEE_OTHER)

    @get("/documents/{document_id:str}", sync_to_thread=True)
    def document_page(
        self,
        document_id: FromPath[str],
        services: ServicesDep,
        assets: AssetsDep,
        viewer: ViewerDep,
        version: FromQuery[int | None] = None,
        compare: FromQuery[int | None] = None,
    ) -> Template:
        """The text, its versions, the diff against another version, the editor for the
        mediators and the endorsement form for the delegations."""
        view = services.talks.document_view(viewer.principal, document_id, version, viewer.address)
        diff = None
        if compare is not None:
            diff = services.talks.diff(
                viewer.principal, document_id, compare, view.version.number, viewer.address
            )
        context = _context(assets, viewer, doc=view, diff=diff, compare=compare)
        return Template("talks_document.html", context=context)

    @post("/documents/{document_id:str}/versions", sync_to_thread=True)
    def edit_document(
        self, document_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Redirect:
        """The editor: one field per clause (kept by its id, blank to delete), one for a new
        clause and where it goes."""
        _signed_in(viewer)
        assert viewer.member is not None  # noqa: S101 - checked above
        base = _number(data.get("base", ""), "base")
        edits = _edits(data)
        services.talks.edit_document(
            viewer.member, document_id, base, edits, address=viewer.address
        )
        return Redirect(
            f"/talks/documents/{document_id}?compare={base}", status_code=HTTP_303_SEE_OTHER
        )

    @post("/documents/{document_id:str}/endorsements", sync_to_thread=True)
    def endorse(
        self, document_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Redirect:
        _signed_in(viewer)
        assert viewer.member is not None  # noqa: S101 - checked above
        number = _number(data.get("version", ""), "version")
        services.talks.endorse(
            viewer.member,
            data.get("password", ""),
            document_id,
            number,
            data.get("value", ""),
            data.get("reasons", ""),
            counter_document_id=data.get("counter_document_id") or None,
            address=viewer.address,
        )
        return Redirect(f"/talks/documents/{document_id}", status_code=HTTP_303_SEE_OTHER)


def _number(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) < 10):  # noqa: PLR2004
        raise InvalidInputError([FieldError(name, "must be a version number")])
    return int(text)


def _edits(data: dict[str, str]) -> list[tuple[str | None, str]]:
    order = [key.removeprefix("clause:") for key in data if key.startswith("clause:")]
    edits: list[tuple[str | None, str]] = [
        (clause_id, data[f"clause:{clause_id}"])
        for clause_id in order
        if data[f"clause:{clause_id}"].strip()
    ]
    new = data.get("new_clause", "").strip()
    if new:
        at = data.get("new_at", "")
        index = int(at) if at.isascii() and at.isdigit() else len(edits)
        edits.insert(min(index, len(edits)), (None, new))
    return edits


__all__ = ["SubjectKind", "TalksApi", "TalksPages"]
