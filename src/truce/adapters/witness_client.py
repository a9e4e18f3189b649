"""A witness's round: fetch the log's latest checkpoint, check it, decide, persist, co-sign.

The log is reached through `LogSource`: over HTTP (`HttpLog`, what a guarantor or the UN runs
against the mechanism's server) or in-process (`LocalLog`, the demo and the operator). Nothing
the log sends is trusted: the checkpoint must carry the mechanism's signature under the key
the witness was given out of band, and it must extend the checkpoint this witness co-signed
last, proven by a consistency proof the witness checks against the root *it* remembers
(`WitnessStore`). Only then is the state persisted and the co-signature sent.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import httpx

from truce.adapters.signing import Ed25519Signer, cosign_note, verify_checkpoint_note
from truce.adapters.witness_store import WitnessStore
from truce.application.ports import Cosignature
from truce.domain.record import Cosign, RecordError, parse_signed_note

if TYPE_CHECKING:
    from truce.application.record import RecordService

API = "/api/v1/record"
# Proof elements the witness accepts in one answer: a tree of 2**64 leaves needs at most 128.
MAX_PROOF_NODES = 130


class LogUnavailableError(RecordError):
    """The log could not be reached, or answered something that is not what was asked for."""


class LogSource(Protocol):
    def latest_checkpoint(self) -> str:
        """The latest checkpoint as a signed note (other witnesses' lines may follow)."""
        ...

    def consistency(self, old_size: int, new_size: int) -> list[bytes]: ...

    def submit(self, size: int, witness: str, cosignature: Cosignature) -> None: ...


class Verdict(StrEnum):
    COSIGNED = "co-signed"
    REFUSED = "refused"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    message: str

    @property
    def cosigned(self) -> bool:
        return self.verdict is Verdict.COSIGNED


def witness_round(
    log: LogSource, signer: Ed25519Signer, store: WitnessStore, log_key: str
) -> Outcome:
    """One round. Refusals (fork, rollback, a bad proof) are outcomes; an unreachable or
    garbled log raises LogUnavailableError; a bad log signature raises RecordError."""
    note = log.latest_checkpoint()
    checkpoint = verify_checkpoint_note(note, log_key)
    seen = store.load(checkpoint.origin)
    proof: list[bytes] = []
    if seen is not None and 0 < seen.size < checkpoint.size:
        # Asked from the size this witness remembers, never from one the log suggests.
        proof = log.consistency(seen.size, checkpoint.size)
    decision = store.witness(checkpoint, proof)
    if not isinstance(decision, Cosign):
        return Outcome(Verdict.REFUSED, f"refused: {decision.reason.value} ({decision.detail})")
    cosigned = parse_signed_note(cosign_note(note, signer))
    line = cosigned.signatures[-1].line()
    log.submit(checkpoint.size, signer.name, Cosignature(signer.verifier_key(), line))
    return Outcome(Verdict.COSIGNED, f"co-signed {checkpoint.origin} at size {checkpoint.size}")


class HttpLog:
    """The mechanism's record API at `base_url`. Pass `client` to reuse a connection pool
    (tests pass Litestar's TestClient, itself an httpx.Client)."""

    def __init__(
        self, base_url: str, client: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)
        self._owned = client is None

    def close(self) -> None:
        if self._owned:
            self._client.close()

    def latest_checkpoint(self) -> str:
        return self._request("GET", f"{API}/checkpoint").text

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        answer = self._json(
            self._request("GET", f"{API}/consistency", params={"old": old_size, "new": new_size})
        )
        nodes = answer.get("proof") if isinstance(answer, dict) else None
        if not isinstance(nodes, list) or len(nodes) > MAX_PROOF_NODES:
            raise LogUnavailableError("the consistency proof is not a list of hashes")
        try:
            return [bytes.fromhex(node) for node in nodes]
        except (TypeError, ValueError, binascii.Error) as error:
            raise LogUnavailableError(f"the consistency proof is not hex: {error}") from None

    def submit(self, size: int, witness: str, cosignature: Cosignature) -> None:
        payload = {
            "witness": witness,
            "verifier_key": cosignature.verifier_key,
            "signature": cosignature.signature,
        }
        self._request("POST", f"{API}/checkpoints/{size}/cosignatures", json=payload)

    def _request(
        self,
        method: str,
        path: str,
        params: dict[str, int] | None = None,
        json: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.request(method, path, params=params, json=json)
        except httpx.HTTPError as error:
            raise LogUnavailableError(f"{method} {path} failed: {error}") from None
        if response.is_error:
            raise LogUnavailableError(
                f"{method} {path} answered {response.status_code}: {response.text[:300]}"
            )
        return response

    @staticmethod
    def _json(response: httpx.Response) -> object:
        try:
            return response.json()
        except ValueError as error:
            raise LogUnavailableError(f"the log answered invalid JSON: {error}") from None


class LocalLog:
    """The record in this process (the demo, or an operator's own check)."""

    def __init__(self, record: RecordService) -> None:
        self._record = record

    def latest_checkpoint(self) -> str:
        return self._record.checkpoint().note

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        return self._record.consistency(old_size, new_size)

    def submit(self, size: int, witness: str, cosignature: Cosignature) -> None:
        self._record.add_cosignature(size, witness, cosignature)
