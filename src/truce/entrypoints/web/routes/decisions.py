"""JSON API of signed decisions under /api/v1/decisions. Thin: parse -> service -> response.

A client that holds its member's key fetches what to sign (`GET /target`), signs the RFC 8785
canonical payload and posts it with the signature (`POST /`). A member whose key the server
holds posts the decision and their password (`POST /sign`): the server re-authenticates
them, then signs.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from truce.application.decisions import DecisionDraft, DecisionView, ObjectVersion, Submitted
from truce.domain.auth import Scope
from truce.domain.decisions import DecisionKind
from truce.domain.errors import FieldError, InvalidInputError
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import ServicesDep, ViewerDep

ObjectQuery = Annotated[
    str,
    QueryParameter(
        name="object",
        description="The object decided on, as kind:id, e.g. agreement:syria-ceasefire-2016",
        max_length=200,
    ),
]


class SignedDecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    # The RFC 8785 canonical JSON text of the payload, exactly as signed (UTF-8).
    payload: str
    # The 64-byte Ed25519 signature over the payload's bytes, in standard base64.
    signature: str


class SignForMeIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: DecisionKind
    object_kind: str
    object_id: str
    value: str
    password: str
    reasons: str = ""
    object_version: str | None = None
    totp_code: str | None = None


class TargetOut(msgspec.Struct):
    """What a client signs about: the current version and its hash, and the deployment."""

    object_kind: str
    object_id: str
    object_version: str
    object_hash: str
    origin: str

    @classmethod
    def of(cls, found: ObjectVersion, origin: str) -> TargetOut:
        return cls(found.kind, found.id, found.version, found.version_hash, origin)


class DecisionOut(msgspec.Struct):
    payload_hash: str
    kind: str
    object_kind: str
    object_id: str
    object_version: str
    object_hash: str
    value: str
    reasons: str
    member_id: str
    body_id: str
    key_id: str
    revision: int
    created_at: datetime
    received_at: datetime
    payload: str
    signature: str
    # "valid", "on a superseded version", "superseded", or what failed to verify.
    status: str | None = None

    @classmethod
    def of(cls, submitted: Submitted | DecisionView) -> DecisionOut:
        stored = submitted.stored
        decision = stored.decision
        return cls(
            payload_hash=stored.payload_hash,
            kind=decision.kind.value,
            object_kind=decision.object_kind,
            object_id=decision.object_id,
            object_version=decision.object_version,
            object_hash=decision.object_hash,
            value=decision.value,
            reasons=decision.reasons,
            member_id=decision.member_id,
            body_id=stored.body_id,
            key_id=decision.key_id,
            revision=stored.revision,
            created_at=decision.created_at,
            received_at=stored.received_at,
            payload=stored.payload.decode(),
            signature=base64.b64encode(stored.signature).decode(),
            status=submitted.status.value if isinstance(submitted, DecisionView) else None,
        )


class DecisionsApi(Controller):
    path = "/api/v1/decisions"
    tags = ["decisions"]  # noqa: RUF012 - Litestar reads this class attribute

    @post("/", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def submit(
        self, data: JSONBody[SignedDecisionIn], services: ServicesDep, viewer: ViewerDep
    ) -> Response[DecisionOut]:
        """Submit the caller's own signed decision. 201 when stored; 200 when the same payload
        was accepted before (it counts once)."""
        viewer.require(Scope.DECISIONS_WRITE)
        submitted = services.decisions.submit(
            viewer.principal, data.payload.encode(), _signature(data.signature), viewer.address
        )
        return _answer(submitted)

    @post("/sign", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def sign_for_me(
        self, data: JSONBody[SignForMeIn], services: ServicesDep, viewer: ViewerDep
    ) -> Response[DecisionOut]:
        """Have the server sign with the caller's server-held key, after checking the caller's
        password (and code) again."""
        viewer.require(Scope.DECISIONS_WRITE)
        assert viewer.member is not None  # noqa: S101 - require() refused anonymous callers
        draft = DecisionDraft(
            data.kind, data.object_kind, data.object_id, data.value, data.reasons,
            data.object_version,
        )  # fmt: skip
        submitted = services.decisions.sign_for_member(
            viewer.member, data.password, draft, address=viewer.address, totp_code=data.totp_code
        )
        return _answer(submitted)

    @get("/", sync_to_thread=True)
    def list_decisions(
        self, services: ServicesDep, viewer: ViewerDep, object_: ObjectQuery
    ) -> list[DecisionOut]:
        """Every decision on the object, each with its verification status, for a caller who
        may read the object."""
        _read_scope(viewer)
        kind, object_id = _object(object_)
        views = services.decisions.decisions_on(viewer.principal, kind, object_id, viewer.address)
        return [DecisionOut.of(view) for view in views]

    @get("/target", sync_to_thread=True)
    def target(self, services: ServicesDep, viewer: ViewerDep, object_: ObjectQuery) -> TargetOut:
        """The object's current version and hash, and the origin: what a payload names."""
        _read_scope(viewer)
        kind, object_id = _object(object_)
        found = services.decisions.current_version(
            viewer.principal, kind, object_id, viewer.address
        )
        return TargetOut.of(found, services.decisions.origin)


def _answer(submitted: Submitted) -> Response[DecisionOut]:
    status = HTTP_201_CREATED if submitted.created else HTTP_200_OK
    return Response(DecisionOut.of(submitted), status_code=status)


def _read_scope(viewer: Viewer) -> None:
    if viewer.member is not None:
        viewer.require(Scope.DECISIONS_READ)


def _object(text: str) -> tuple[str, str]:
    kind, _, object_id = text.partition(":")
    if not kind or not object_id:
        raise InvalidInputError([FieldError("object", "must be kind:id")])
    return kind, object_id


def _signature(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInputError([FieldError("signature", "must be standard base64")]) from None
