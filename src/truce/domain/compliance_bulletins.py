"""The Russian and Turkish sides' daily ceasefire-violation bulletins, as reports.

A bulletin row says: on `bulletin_date`, `reporting_side` counted `count` violations in
`province`, `side_total` in all, and (for the Turkish side's reports) the Russian side
confirmed `confirmed_by_russian_side` of them. Each counted violation becomes one report (the
bulletins give counts, not events), so the daily report over them gives back the bulletin:

- a province with a count gives that many reports there;
- what a side's total holds beyond its provinces' counts gives reports whose place names no
  governorate ("not stated"): the bulletin named no province for them, or named provinces
  without splitting the number between them;
- a confirmation figure becomes a `SideConfirmation` (a statement about totals, never about
  which report), put on the record beside the reports.

Pure: rows in, report fields and statements out. The adapter reads the file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from truce.domain.compliance import REPORT_DAY_OFFSET, SideConfirmation
from truce.domain.errors import FieldError, InvalidInputError

# The sides as the bulletins name them, and the source name their reports carry.
SIDE_NAMES = {
    "russian_centre": "Russian reconciliation centre",
    "russian_side": "Russian side",
    "turkish_side": "Turkish side",
    "joint_commission_unsplit": "Russia-Turkey commission (sides not split)",
}
# Whose reports a confirmation figure is about: the column names the confirming side.
CONFIRMATION_COLUMNS = {"confirmed_by_russian_side": "russian_side"}
NO_PROVINCE = "Syria (province not stated)"


@dataclass(frozen=True, slots=True)
class BulletinReport:
    """One counted violation: `key` names it within the bulletin (stable on re-import)."""

    key: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Bulletin:
    """One bulletin day of one side: its rows, as read."""

    day: date
    side: str
    rows: Sequence[Mapping[str, str]]


def group_bulletins(rows: Sequence[Mapping[str, str]]) -> list[Bulletin]:
    """Rows grouped by (day, side), in the file's order; InvalidInputError names every
    row that cannot be read."""
    errors: list[FieldError] = []
    groups: dict[tuple[date, str], list[Mapping[str, str]]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            day = date.fromisoformat((row.get("bulletin_date") or "").strip())
        except ValueError:
            errors.append(FieldError(f"line {number}", "bulletin_date must be a date"))
            continue
        side = (row.get("reporting_side") or "").strip()
        if side not in SIDE_NAMES:
            errors.append(FieldError(f"line {number}", f"unknown reporting_side {side!r}"))
            continue
        groups.setdefault((day, side), []).append(row)
    if errors:
        raise InvalidInputError(errors)
    return [Bulletin(day, side, group) for (day, side), group in groups.items()]


def _number(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInputError([FieldError("count", f"{text!r} is not a whole number")])
    return int(text)


def reports_of(bulletin: Bulletin) -> Iterator[BulletinReport]:
    """The reports a bulletin counts: per province, then the rest of the side's total."""
    counted = 0
    named = []
    for row in bulletin.rows:
        province = (row.get("province") or "").strip()
        count = _number(row.get("count"))
        if province and count is None:
            named.append(province)
        for index in range(count or 0):
            yield _report(bulletin, province or NO_PROVINCE, f"{province or '-'}:{index}", row)
        counted += count or 0
    total = max((_number(r.get("side_total")) or 0 for r in bulletin.rows), default=0)
    # Provinces named without a number share the rest, which then names no one governorate.
    rest_place = " / ".join(named) + " (not split)" if named else NO_PROVINCE
    for index in range(max(total - counted, 0)):
        yield _report(bulletin, rest_place, f"rest:{index}", bulletin.rows[0])


def _report(bulletin: Bulletin, place: str, key: str, row: Mapping[str, str]) -> BulletinReport:
    side = SIDE_NAMES[bulletin.side]
    note = (row.get("note") or "").strip()
    url = (row.get("source_url") or "").strip()
    start = f"{bulletin.day.isoformat()}T00:00:00{_offset()}"
    narrative = f"A ceasefire violation counted by the {side} in its bulletin of {bulletin.day}."
    if note:
        narrative += f" Bulletin note: {note}"
    fields = {
        "source_kind": "guarantor_centre",
        "source_name": side,
        "reliability": "F",
        "credibility": "6",
        "occurred_from": start,
        "occurred_to": f"{bulletin.day.isoformat()}T23:59:59{_offset()}",
        "time_precision": "bulletin:day",
        "place_text": place,
        "event_type": "other",
        "narrative": narrative,
        "narrative_lang": "en",
        "confidentiality": "public",
        "evidence_links": [url] if url else [],
    }
    return BulletinReport(f"{bulletin.day.isoformat()}:{bulletin.side}:{key}", fields)  # type: ignore[arg-type]


def _offset() -> str:
    delta = REPORT_DAY_OFFSET.utcoffset(None)
    hours = int(delta.total_seconds() // 3600)
    return f"{hours:+03d}:00"


def confirmations_of(bulletin: Bulletin) -> list[SideConfirmation]:
    """The confirmation figures a side's bulletin rows carry (one per column given)."""
    found = []
    for column, confirming in CONFIRMATION_COLUMNS.items():
        values = {_number(r.get(column)) for r in bulletin.rows} - {None}
        if not values:
            continue
        total = max((_number(r.get("side_total")) or 0 for r in bulletin.rows), default=0)
        url = (bulletin.rows[0].get("source_url") or "").strip()
        found.append(
            SideConfirmation(
                bulletin.day,
                SIDE_NAMES[confirming],
                SIDE_NAMES[bulletin.side],
                total,
                max(v for v in values if v is not None),
                url,
            )
        )
    return found
