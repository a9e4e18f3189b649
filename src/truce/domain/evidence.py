"""Evidence: files attached to a report, kept by their SHA-256 and never modified.

The original is stored once by its content hash (content-addressed); working copies derived
from it (an image without its metadata, a thumbnail) sit beside it under their own hashes.
Every handling of a piece of evidence is a custody event: who, when, from where, what.

An attachment (`Evidence`) links one stored file to one report and inherits that report's
owner and confidentiality: the same file attached by two bodies is two attachments, each read
by its own audience. Pure: the bytes are the adapters' business (adapters/evidence_store.py,
adapters/evidence_inspect.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from truce.domain.confidentiality import Confidentiality
from truce.domain.errors import FieldError, InvalidInputError

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_FILE_NAME = 200


class CustodyAction(StrEnum):
    UPLOADED = "uploaded"
    # A working copy (thumbnail, metadata-free image) was looked at.
    VIEWED = "viewed"
    # The original left the store, to whoever downloaded it.
    DOWNLOADED = "downloaded"
    # A working copy was made from the original.
    DERIVED = "derived"
    # The original (or its physical medium) was handed on; `detail` says to whom.
    TRANSFERRED = "transferred"


class CopyKind(StrEnum):
    ORIGINAL = "original"
    # An image re-encoded from its pixels alone: no EXIF, no GPS, nothing appended.
    STRIPPED = "stripped"
    THUMBNAIL = "thumbnail"


@dataclass(frozen=True, slots=True)
class DerivedCopy:
    kind: CopyKind
    sha256: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """One file attached to one report."""

    id: str
    sha256: str
    report_id: str
    # The report's submitting body and confidentiality, copied when attached (a report
    # never changes, so neither do these).
    owner_body_id: str | None
    confidentiality: Confidentiality
    # The name it was uploaded under, made safe to show; the type found in its content.
    file_name: str
    media_type: str
    size: int
    uploaded_by: str | None
    uploaded_at: datetime
    # What the file says of itself: EXIF dates and GPS, PDF dates (text values).
    metadata: dict[str, str] = field(default_factory=dict)
    derived: tuple[DerivedCopy, ...] = ()

    def copy(self, kind: CopyKind) -> DerivedCopy | None:
        """The original as a copy, or the derived copy of that kind."""
        if kind is CopyKind.ORIGINAL:
            return DerivedCopy(CopyKind.ORIGINAL, self.sha256, self.media_type, self.size)
        return next((c for c in self.derived if c.kind is kind), None)


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    """One handling of one attachment. `seq` is given by the store, in order of arrival."""

    evidence_id: str
    action: CustodyAction
    at: datetime
    member_id: str | None
    body_id: str | None
    address: str | None
    # The copy's hash for derived/viewed, the receiver for transferred.
    detail: str = ""
    seq: int | None = None


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the content inspector found: the type by the file's bytes, and its metadata."""

    media_type: str
    metadata: dict[str, str] = field(default_factory=dict)


class RefusedFileError(InvalidInputError):
    """A file refused for what it is (a type not accepted, something dangerous): 415."""

    def __init__(self, reason: str) -> None:
        super().__init__([FieldError("file", reason)])
        self.reason = reason


class FileTooLargeError(InvalidInputError):
    """A file over the size limit (TRUCE_EVIDENCE_MAX_BYTES): 413."""

    def __init__(self, limit: int) -> None:
        super().__init__([FieldError("file", f"is larger than the limit of {limit} bytes")])
        self.limit = limit


def is_sha256(text: str) -> bool:
    return SHA256_HEX.fullmatch(text) is not None


def safe_file_name(name: str | None) -> str:
    """The uploaded name without any directory, control or bidirectional-override
    characters, cut to a length any screen shows; "evidence" when nothing is left."""
    base = re.split(r"[\\/]", name or "")[-1]
    kept = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    return kept[:MAX_FILE_NAME] or "evidence"
