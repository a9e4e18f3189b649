"""Correlating a file of reports offline (`truce correlate`): the engine the server uses,
over an in-memory index, with nothing stored. Each input row yields one (row id, incident
id) pair; a row that cannot be read as a report gets an empty incident id, so the output has
exactly one row per input row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import count

from truce.application.incidents import AliasKeys, no_places
from truce.application.intake import ImportSource
from truce.domain.correlation import Correlator, Observation
from truce.domain.errors import InvalidInputError
from truce.domain.incidents import PlaceResolver, observe
from truce.domain.reports import new_report


@dataclass(frozen=True, slots=True)
class Correlated:
    row_id: str
    incident_id: str


def correlate_source(
    source: ImportSource, now: datetime, places: PlaceResolver = no_places
) -> Iterator[Correlated]:
    """Read every row, order the reports by the start of their windows (the engine follows
    time and evicts what closed), then correlate; rows come out in input order."""
    keyed: list[tuple[str, Observation | None]] = []
    aliases = AliasKeys([])
    for number, row in enumerate(source.rows, start=1):
        row_id = _row_id(source.kind, row.cells, row.data, number)
        if row.problem is not None:
            keyed.append((row_id, None))
            continue
        try:
            command = source.mapper(row, now)
        except InvalidInputError:
            keyed.append((row_id, None))
            continue
        report = new_report(
            command, report_id=f"row{number}", agreement_id="offline", filed_at=now,
            submitted_by=None, submitter_body_id=None,
        )  # fmt: skip
        keyed.append((row_id, observe(report, places, aliases)))
    serial = count(1)
    engine = Correlator(new_id=lambda: f"incident-{next(serial)}")
    found: dict[str, str] = {}
    ordered = sorted((o for _, o in keyed if o is not None), key=lambda o: (o.start, o.report_id))
    for observation in ordered:
        found[observation.report_id] = engine.add(observation).incident_id
    for row_id, seen in keyed:
        yield Correlated(row_id, "" if seen is None else found[seen.report_id])


def _row_id(kind: str, cells: dict[str, str], data: dict[str, object] | None, number: int) -> str:
    if kind == "acled":
        return cells.get("event_id_cnty", "").strip() or f"line{number}"
    if kind == "ucdp":
        return cells.get("id", "").strip() or f"line{number}"
    if data is not None:
        for name in ("id", "source_ref", "idempotency_key"):
            value = data.get(name)
            if isinstance(value, str | int) and str(value):
                return str(value)
    return f"line{number}"
