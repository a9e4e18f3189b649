"""A witness's memory: the last checkpoint it co-signed for each log, in files.

A witness that forgets would co-sign a fork after a restart, so the state is written
durably (temporary file, fsync, atomic rename, fsync of the directory) *before* the
co-signature leaves the witness, and a damaged state file stops the witness rather than
being read as "never seen this log".

Two requests for one log must not both decide against the same old state (each could
extend it in a different direction), so `witness` holds an exclusive lock on the log's
lock file while it loads, decides and saves.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from truce.domain.record import (
    Checkpoint,
    Cosign,
    RecordError,
    Refuse,
    WitnessState,
    decide_cosign,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

_FORMAT_VERSION = 1


class WitnessStateError(RecordError):
    """A state file exists but cannot be trusted; the witness must stop, not start afresh."""


class WitnessStore:
    """Per-origin witness state as JSON files in one directory (created 0700 if missing)."""

    def __init__(self, directory: Path) -> None:
        self._directory = Path(directory)
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def load(self, origin: str) -> WitnessState | None:
        """The last state saved for `origin`, or None if this witness never co-signed it."""
        path = self._state_path(origin)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        state = _decode_state(data, path)
        if state.origin != origin:
            raise WitnessStateError(f"{path} holds the state of {state.origin!r}, not {origin!r}")
        return state

    def save(self, state: WitnessState) -> None:
        """Replace the state of `state.origin` atomically and durably, unconditionally.

        For provisioning and repair only: `witness` is the path that checks and locks.
        """
        _write_atomically(self._state_path(state.origin), _encode_state(state))

    def witness(
        self, checkpoint: Checkpoint, consistency_proof: Sequence[bytes]
    ) -> Cosign | Refuse:
        """Decide on `checkpoint` and, if co-signing, persist the new state first.

        The caller co-signs only on `Cosign`, and only after this returns, so the saved state
        always covers every co-signature given.
        """
        with self._locked(checkpoint.origin):
            current = self.load(checkpoint.origin)
            decision = decide_cosign(current, checkpoint, consistency_proof)
            if isinstance(decision, Cosign) and decision.state != current:
                self.save(decision.state)
            return decision

    def _state_path(self, origin: str) -> Path:
        # Origins are free text ("example.org/log", even "../x"): a hash makes a safe name,
        # and the origin stored inside the file is checked on load.
        return self._directory / f"{_origin_key(origin)}.json"

    @contextmanager
    def _locked(self, origin: str) -> Iterator[None]:
        lock_path = self._directory / f"{_origin_key(origin)}.lock"
        with lock_path.open("a") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


def _origin_key(origin: str) -> str:
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


def _encode_state(state: WitnessState) -> str:
    document = {
        "version": _FORMAT_VERSION,
        "origin": state.origin,
        "size": state.size,
        "root": base64.b64encode(state.root).decode("ascii"),
    }
    return json.dumps(document, sort_keys=True) + "\n"


def _decode_state(data: bytes, path: Path) -> WitnessState:
    try:
        document = json.loads(data.decode("utf-8"))
        fields = (document["version"], document["origin"], document["size"], document["root"])
    except (ValueError, KeyError, TypeError) as error:
        raise WitnessStateError(f"{path} is not a witness state file: {error}") from error
    version, origin, size, root_text = fields
    if version != _FORMAT_VERSION:
        raise WitnessStateError(f"{path} has unknown format version {version!r}")
    try:
        return WitnessState(origin, size, base64.b64decode(root_text, validate=True))
    except (ValueError, TypeError, RecordError) as error:
        raise WitnessStateError(f"{path} holds an invalid witness state: {error}") from error


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, fsync it, rename over `path`, fsync the dir.

    A reader (or a restart after a crash) sees either the old state or the new one, never a
    half-written file; the directory fsync makes the rename itself survive a power cut.
    """
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
