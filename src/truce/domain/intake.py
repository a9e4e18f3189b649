"""Intake: what arrives from datasets and devices before it is a report.

Every row of a file either becomes a report or is quarantined with its raw text, its line and
every reason; nothing is dropped silently. The types here are pure; reading files is the
importers' job (adapters/importers), deciding and storing is `application/intake.py`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from truce.domain.errors import FieldError

# Longest raw text kept of a quarantined row.
MAX_RAW = 100_000


class ImportKind(StrEnum):
    ACLED = "acled"
    UCDP = "ucdp"
    CSV = "csv"
    JSONL = "jsonl"
    HXL = "hxl"
    # A device's batch submission: its rejected items are quarantined like rows.
    DEVICE = "device"


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row as read: its physical line (1-based, the header is line 1), its cells by
    column name, and its raw text for quarantine. `problem` is set when the row could not
    even be split into cells (a broken quote, a wrong number of cells)."""

    line: int
    cells: dict[str, str]
    raw: str
    problem: str | None = None
    # A JSON Lines row's object, whose values need not be text.
    data: dict[str, object] | None = None
    # A CSV row's cells as read, with `raw` left empty: written back as CSV only if the row
    # is quarantined (most rows never are, and writing each cost an import per row).
    read: tuple[str, ...] | None = None

    def raw_text(self) -> str:
        if self.read is None:
            return self.raw
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(self.read)
        return out.getvalue()[:MAX_RAW]


@dataclass(frozen=True, slots=True)
class QuarantinedRow:
    """A row or submission that could not be accepted, kept whole for correction."""

    id: str
    kind: str
    file_name: str
    file_sha256: str
    line: int
    raw: str
    reasons: tuple[FieldError, ...]
    quarantined_at: datetime
    # Set when a corrected version was filed as a report.
    resolved_report_id: str | None = None
    resolved_at: datetime | None = None
    # The body whose submission this was; None for a dataset row, which is public.
    owner_body_id: str | None = None

    @property
    def open(self) -> bool:
        return self.resolved_report_id is None


def quarantine_id(file_sha256: str, line: int) -> str:
    """Stable per file and line, so importing the same file again quarantines nothing twice."""
    return f"q-{file_sha256[:20]}-{line}"


@dataclass(frozen=True, slots=True)
class CurrentEvent:
    """The report that currently stands for a dataset event."""

    source_ref: str
    report_id: str
    source_version: str | None
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A dataset event its publisher withdrew (ACLED's deletions file): the report stays in
    the store and on the record, retired, and this says when and why."""

    source_ref: str
    withdrawn_at: datetime
    source_version: str | None
    report_id: str | None


@dataclass
class ImportCounts:
    read: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
        }


class JournalStatus(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"


@dataclass
class ImportJournal:
    """Where an import of one file stands: committed with each batch, so an interrupted
    import resumes after `rows_done` rows and reaches the same final state."""

    file_sha256: str
    kind: str
    file_name: str
    started_at: datetime
    rows_done: int = 0
    status: JournalStatus = JournalStatus.RUNNING
    counts: ImportCounts = field(default_factory=ImportCounts)
    finished_at: datetime | None = None


def batch_digest(pairs: list[tuple[str, str]]) -> str:
    """SHA-256 over the (report id, fingerprint) of every report a batch filed, in order:
    the batch's record entry commits to each of them, and anyone holding the reports can
    recompute it."""
    digest = hashlib.sha256()
    for report_id, report_fingerprint in pairs:
        digest.update(f"{report_id} {report_fingerprint}\n".encode())
    return digest.hexdigest()


# --- native precision, normalised ---------------------------------------------------------

DAY = timedelta(days=1)

# ACLED time_precision: 1 the day is known; 2 only the week (the date is mid-week);
# 3 only the month (the date is mid-month). The window is [from, to).
_ACLED_TIME_SPREAD = {1: timedelta(0), 2: timedelta(days=3), 3: timedelta(days=15)}


def acled_window(day: datetime, precision: int) -> tuple[datetime, datetime]:
    spread = _ACLED_TIME_SPREAD[precision]
    return day - spread, day + DAY + spread


# Radius in metres within which the event lies, by the source's place precision code.
# ACLED geo_precision: 1 the place itself; 2 near it or a part of a region; 3 only the
# region (its capital's coordinates).
ACLED_RADIUS_M = {1: 2_000.0, 2: 15_000.0, 3: 50_000.0}
# UCDP where_prec: 1 exact; 2 within 25 km; 3 second-order administrative division;
# 4 first-order division; 5 a linear feature or larger area; 6 the country; 7 waters.
UCDP_RADIUS_M = {
    1: 1_000.0,
    2: 25_000.0,
    3: 50_000.0,
    4: 150_000.0,
    5: 150_000.0,
    6: 400_000.0,
    7: 400_000.0,
}
UCDP_DATE_PRECISIONS = frozenset(range(1, 6))
