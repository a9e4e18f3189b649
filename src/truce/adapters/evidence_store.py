"""Evidence files on disk, by their SHA-256: `<dir>/ab/cd/abcd...` (two levels of fan-out).

Write-once: an upload is copied to a temporary file in the same directory tree while it is
hashed; it is fsynced, made read-only and renamed into place atomically, so a reader never
sees half a file and a crash leaves at most a stray temporary file. A hash stored already is
never written again: the first copy stays the original.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from truce.application.ports import ReceivedFile
from truce.domain.evidence import FileTooLargeError, is_sha256

CHUNK = 1 << 20
READ_ONLY = 0o444


class FileEvidenceBlobs:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _incoming(self) -> Path:
        folder = self.root / "incoming"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError("not a SHA-256 in hex")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def receive(self, stream: BinaryIO, max_bytes: int) -> ReceivedFile:
        digest = hashlib.sha256()
        size = 0
        handle, name = tempfile.mkstemp(dir=self._incoming(), prefix="upload-")
        path = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    _within(size, max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return ReceivedFile(digest.hexdigest(), size, path)

    def keep(self, received: ReceivedFile) -> None:
        target = self.path_of(received.sha256)
        if target.exists():
            self.discard(received)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        received.path.chmod(READ_ONLY)
        # Atomic on one filesystem; the incoming folder sits inside the same root.
        received.path.replace(target)
        _fsync_dir(target.parent)

    def discard(self, received: ReceivedFile) -> None:
        received.path.unlink(missing_ok=True)

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        if self.path_of(sha256).exists():
            return sha256
        handle, name = tempfile.mkstemp(dir=self._incoming(), prefix="derived-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        self.keep(ReceivedFile(sha256, len(data), Path(name)))
        return sha256

    def locate(self, sha256: str) -> Path | None:
        if not is_sha256(sha256):
            return None
        path = self.path_of(sha256)
        return path if path.is_file() else None


def _within(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLargeError(max_bytes)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (where the platform lets a directory be opened)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
