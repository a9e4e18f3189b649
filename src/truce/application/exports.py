"""Exports (issue 10): the standing reports a principal may list, streamed in any format.

`ExportService.stream` is the choke point: the store's filter is the policy's scope for the
principal (`access_guard.report_scope`), the same as every list. Rows are read in batches
(plain tuples from the driver) and encoded a batch at a time, so memory stays flat at any size.

Each export is a logged act. When the last byte has gone out, one unit of work writes an
audit entry (who, which filter, how many rows) and the record entry `export.made` with the
filter, the row count and the SHA-256 of exactly the bytes sent. An export stopped half way
(the client went away) leaves an audit entry saying so and nothing on the record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta

from truce.application.access_guard import Decision, audit_decision, report_scope
from truce.application.ports import Clock, UnitOfWorkFactory
from truce.domain.access import ALLOW, Action, Principal, ResourceKind
from truce.domain.compliance import day_window, governorate_of
from truce.domain.compliance_exports import (
    STORED_COLUMNS,
    ExportFilter,
    ExportFormat,
    ExportRow,
    ExportWindow,
)

EXPORT_KIND = "export.made"
# Batches of rows in, bytes out (adapters/exporters).
Encoder = Callable[[Iterable[Sequence[ExportRow]]], Iterator[bytes]]
_PLACE = STORED_COLUMNS.index("place_text")


def window_of(filters: ExportFilter) -> ExportWindow:
    start = None if filters.since is None else day_window(filters.since)[0]
    end = None if filters.until is None else day_window(filters.until)[0] + timedelta(days=1)
    return ExportWindow(start, end, filters.event_type, filters.source_name)


@dataclass
class _Tally:
    rows: int = 0


# How many place texts an export remembers the governorate of before it starts afresh
# (memory stays flat however many distinct places there are).
_KNOWN_PLACES = 65_536


def _counted(
    batches: Iterable[Sequence[ExportRow]], tally: _Tally
) -> Iterator[Sequence[ExportRow]]:
    """Each batch with every row's derived governorate, counted on the way through. The
    governorate of each place text is worked out once (a million rows name far fewer
    places), looked up inline: this loop runs once per exported row."""
    known: dict[object, str] = {}

    def learn(place: object) -> str:
        if len(known) >= _KNOWN_PLACES:
            known.clear()
        found = known[place] = governorate_of(place if isinstance(place, str) else None) or ""
        return found

    for batch in batches:
        tally.rows += len(batch)
        # Concatenation: measurably cheaper than unpacking here, once per exported row.
        yield [
            row + (known[p] if (p := row[_PLACE]) in known else learn(p),)  # noqa: RUF005
            for row in batch
        ]


@dataclass(frozen=True, slots=True)
class ExportService:
    uow: UnitOfWorkFactory
    clock: Clock

    def stream(
        self,
        principal: Principal,
        export_format: ExportFormat,
        filters: ExportFilter,
        encode: Encoder,
        address: str | None = None,
    ) -> Iterator[bytes]:
        """The export's bytes, chunk by chunk; logged when complete (see module docstring)."""
        scope = report_scope(principal)
        digest = hashlib.sha256()
        tally = _Tally()
        finished = False
        try:
            # Closing the rows before the unit of work ends releases a server-side cursor even
            # when the reader stops early.
            with (
                self.uow() as uow,
                closing(uow.compliance.export_batches(window_of(filters), scope)) as batches,
            ):
                for chunk in encode(_counted(batches, tally)):
                    digest.update(chunk)
                    yield chunk
            finished = True
        finally:
            self._log(
                principal,
                export_format,
                filters,
                tally.rows,
                digest.hexdigest(),
                address,
                finished=finished,
            )

    def _log(
        self,
        principal: Principal,
        export_format: ExportFormat,
        filters: ExportFilter,
        rows: int,
        sha256: str,
        address: str | None,
        *,
        finished: bool,
    ) -> None:
        described = filters.describe()
        shown = ", ".join(f"{k}={v}" for k, v in described.items() if v is not None) or "all"
        what = "export" if finished else "export stopped"
        reason = f"{what} {export_format.value} of {rows} reports ({shown})"
        now = self.clock.now()
        with self.uow() as uow:
            made = Decision(principal, Action.LIST, ResourceKind.REPORT, None, ALLOW, reason)
            audit_decision(uow, now, made, address)
            if finished:
                uow.record.append(
                    EXPORT_KIND,
                    subject=f"export:{export_format.value}",
                    at=now,
                    public={
                        "format": export_format.value,
                        "filter": dict(described),
                        "rows": rows,
                        "sha256": sha256,
                        "by_body_id": principal.body_id,
                    },
                )
            uow.commit()
