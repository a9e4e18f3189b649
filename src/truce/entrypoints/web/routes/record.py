"""The record over HTTP: checkpoints, entries, proofs and co-signatures for anyone to check,
and pages that show an object's history with a verify action. Entries carry no confidential
content (only commitments), so the record is public by design."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_429_TOO_MANY_REQUESTS

from truce.application.ports import Cosignature, RecordEntry, StoredCheckpoint
from truce.domain.record import VerificationBusyError, leaf_hash, verify_inclusion
from truce.entrypoints.web.deps import AssetsDep, ServicesDep
from truce.entrypoints.web.i18n import N_


class EntryOut(msgspec.Struct, kw_only=True):
    seq: int
    kind: str
    subject: str | None
    body: str
    leaf_hash: str
    recorded_at: datetime

    @classmethod
    def of(cls, entry: RecordEntry) -> EntryOut:
        return cls(
            seq=entry.seq,
            kind=entry.kind,
            subject=entry.subject,
            body=entry.body,
            leaf_hash=entry.leaf_hash.hex(),
            recorded_at=entry.recorded_at,
        )


class CheckpointOut(msgspec.Struct, kw_only=True):
    size: int
    root: str
    issued_at: datetime
    cosigned_by: list[str]
    note: str

    @classmethod
    def of(cls, stored: StoredCheckpoint) -> CheckpointOut:
        return cls(
            size=stored.size,
            root=stored.root.hex(),
            issued_at=stored.issued_at,
            cosigned_by=sorted(stored.cosignatures),
            note=with_cosignatures(stored),
        )


class CosignatureIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    witness: str
    verifier_key: str
    # One signed-note signature line over the checkpoint body ("— name base64\n").
    signature: str


class ConsistencyOut(msgspec.Struct, kw_only=True):
    old: int
    new: int
    proof: list[str]


def with_cosignatures(stored: StoredCheckpoint) -> str:
    """The mechanism's signed note with every witness's line appended, as C2SP witnesses do."""
    lines = "".join(c.signature.rstrip("\n") + "\n" for c in stored.cosignatures.values())
    return stored.note + lines


class RecordApi(Controller):
    path = "/api/v1/record"
    tags = ["record"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/checkpoint", sync_to_thread=True, media_type=MediaType.TEXT)
    def latest_checkpoint(self, services: ServicesDep) -> str:
        """The latest checkpoint as a signed note, with the witnesses' co-signatures."""
        return with_cosignatures(services.record.checkpoint())

    @get("/key", sync_to_thread=True, media_type=MediaType.TEXT)
    def log_key(self, services: ServicesDep) -> str:
        """The verifier key of the mechanism's checkpoints (c2sp.org/signed-note)."""
        return services.record.signer.verifier_key() + "\n"

    @get("/checkpoints", sync_to_thread=True)
    def checkpoints(
        self, services: ServicesDep, limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50
    ) -> list[CheckpointOut]:
        return [CheckpointOut.of(c) for c in services.record.checkpoints(limit)]

    @get("/entries/{seq:int}", sync_to_thread=True)
    def entry(self, seq: FromPath[int], services: ServicesDep) -> EntryOut:
        return EntryOut.of(services.record.entry(seq))

    @get("/entries/{seq:int}/proof", sync_to_thread=True)
    def proof(
        self,
        seq: FromPath[int],
        services: ServicesDep,
        size: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> dict[str, Any]:
        """A bundle an offline verifier checks with nothing but the entry, the proof and a
        checkpoint: `truce record check`."""
        return services.record.prove(seq, size).to_json()

    @get("/consistency", sync_to_thread=True)
    def consistency(
        self,
        services: ServicesDep,
        old: Annotated[int, QueryParameter(ge=0)],
        new: Annotated[int, QueryParameter(ge=0)],
    ) -> ConsistencyOut:
        proof = services.record.consistency(old, new)
        return ConsistencyOut(old=old, new=new, proof=[node.hex() for node in proof])

    @get("/subjects/{subject:str}", sync_to_thread=True)
    def history(self, subject: FromPath[str], services: ServicesDep) -> list[EntryOut]:
        """Every entry about one object, e.g. `report:<id>`."""
        return [EntryOut.of(e) for e in services.record.history(subject)]

    @post("/checkpoints/{size:int}/cosignatures", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def cosign(
        self, size: FromPath[int], data: JSONBody[CosignatureIn], services: ServicesDep
    ) -> Response[dict[str, str]]:
        """A witness hands in its co-signature. No account is needed: the signature is the
        credential. It is kept only from a witness key the record knows (TRUCE_WITNESS_KEYS)
        and only if it verifies; the same witness again is answered 200 and changes nothing."""
        cosignature = Cosignature(data.verifier_key, data.signature)
        if services.record.add_cosignature(size, data.witness, cosignature):
            return Response({"status": "kept"}, status_code=HTTP_201_CREATED)
        return Response({"status": "already kept"}, status_code=HTTP_200_OK)


class RecordPages(Controller):
    path = "/record"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def overview(self, services: ServicesDep, assets: AssetsDep) -> Template:
        return Template("record.html", context=_overview(services, assets))

    @post("/verify", sync_to_thread=True, status_code=HTTP_200_OK)
    def verify(self, services: ServicesDep, assets: AssetsDep) -> Template:
        """Verify the whole record. It reads everything, so one runs at a time; the others
        get 429 with Retry-After."""
        context = _overview(services, assets)
        try:
            context["verification"] = services.record.verify()
        except VerificationBusyError as busy:
            context["busy"] = busy.retry_after_seconds
            page = Template("record.html", context=context, status_code=HTTP_429_TOO_MANY_REQUESTS)
            page.headers["Retry-After"] = str(busy.retry_after_seconds)
            return page
        return Template("record.html", context=context)

    @get("/history", sync_to_thread=True)
    def history(
        self, services: ServicesDep, assets: AssetsDep, subject: Annotated[str, QueryParameter()]
    ) -> Template:
        entries = services.record.history(subject)
        latest = services.record.checkpoints(1)
        checks = {entry.seq: _included(services, entry, latest) for entry in entries}
        context: dict[str, Any] = {"subject": subject, "entries": entries, "checks": checks}
        context["latest"] = latest[0] if latest else None
        context["htmx"] = assets.available("htmx.min.js")
        return Template("record_history.html", context=context)


def _overview(services: ServicesDep, assets: AssetsDep) -> dict[str, Any]:
    return {
        "checkpoints": services.record.checkpoints(20),
        "log_key": services.record.signer.verifier_key(),
        "witnesses": sorted(services.record.witnesses.items()),
        "htmx": assets.available("htmx.min.js"),
        "verification": None,
    }


def _included(
    services: ServicesDep, entry: RecordEntry, checkpoints: list[StoredCheckpoint]
) -> tuple[str, int]:
    """Check, here and now, that the entry is in the latest signed checkpoint: a msgid for
    the page to translate, and the checkpoint's size."""
    if not checkpoints or entry.seq >= checkpoints[0].size:
        return N_("not yet in a checkpoint"), 0
    bundle = services.record.prove(entry.seq, checkpoints[0].size)
    holds = verify_inclusion(
        leaf_hash(entry.body.encode()), entry.seq, bundle.size, bundle.proof, checkpoints[0].root
    )
    return (N_("proven in checkpoint %(size)s") if holds else N_("PROOF FAILS")), bundle.size
