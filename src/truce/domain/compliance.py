"""Compliance figures: what the daily, weekly and monthly reports count, and how.

Pure. The store hands over grouped counts (`FigureGroup`, one row of its GROUP BY per day,
place, party accused, type and reporting side); this module folds them into the figures a
report shows, the change against earlier days, and the sides' statements about each other's
reports (`SideConfirmation`, as the Russian and Turkish bulletins gave them).

What the board found (confirmed violations, each guarantor's positions, notable incidents
with their determinations, coverage gaps) is folded in `compliance_findings.py` and carried
here as `ComplianceReport.findings`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from truce.domain.compliance_findings import Findings

# The day a report counts on is its start in Syria's time: UTC+2 in the winter of 2016-17
# (the bulletins' "last 24 hours" ran on Damascus time).
REPORT_DAY_OFFSET = timezone(timedelta(hours=2), "EET")
# The key of a field the source did not give, in every breakdown.
NOT_STATED = "not_stated"
# How many earlier periods a report compares itself with.
EARLIER_PERIODS = 7


class PeriodKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class Period:
    """Days `start`..`end` (inclusive) of a report."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def previous(self) -> Period:
        if self.kind is PeriodKind.MONTHLY:
            last = self.start - timedelta(days=1)
            return month_of(last)
        length = (self.end - self.start).days + 1
        return Period(
            self.kind, self.start - timedelta(days=length), self.end - timedelta(days=length)
        )

    def label(self) -> str:
        if self.kind is PeriodKind.DAILY:
            return self.start.isoformat()
        if self.kind is PeriodKind.MONTHLY:
            return self.start.strftime("%Y-%m")
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def day_of(day: date) -> Period:
    return Period(PeriodKind.DAILY, day, day)


def week_of(start: date) -> Period:
    """The seven days from `start`: a week runs from the day the reader names."""
    return Period(PeriodKind.WEEKLY, start, start + timedelta(days=6))


def month_of(day: date) -> Period:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(PeriodKind.MONTHLY, first, following - timedelta(days=1))


def report_day(moment: datetime) -> date:
    """The report day an instant falls on (the inverse of `day_window`)."""
    return moment.astimezone(REPORT_DAY_OFFSET).date()


def day_window(day: date) -> tuple[datetime, datetime]:
    """The UTC instants [from, to) of one report day."""
    start = datetime(day.year, day.month, day.day, tzinfo=REPORT_DAY_OFFSET).astimezone(UTC)
    return start, start + timedelta(days=1)


def period_window(period: Period) -> tuple[datetime, datetime]:
    """The UTC instants [from, to) of a period's days."""
    return day_window(period.start)[0], day_window(period.end)[1]


def earlier_periods(period: Period, count: int = EARLIER_PERIODS) -> list[Period]:
    """The `count` periods before the previous one, oldest first."""
    found: list[Period] = []
    cursor = period.previous()
    for _ in range(count):
        cursor = cursor.previous()
        found.append(cursor)
    return list(reversed(found))


def bucket_totals(
    periods: Sequence[Period], totals: Iterable[tuple[date, int]]
) -> list[tuple[str, int]]:
    """Per-day totals summed into each period's (label, total)."""
    per_day = dict(totals)
    return [(p.label(), sum(per_day.get(day, 0) for day in p.days)) for p in periods]


# --- governorates --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Governorate:
    """One of Syria's fourteen governorates (OCHA COD-AB admin 1), with the spellings the
    sources use and a centre for the schematic map when no boundaries are loaded."""

    pcode: str
    name_en: str
    name_ar: str
    spellings: tuple[str, ...]
    centre: tuple[float, float]  # (longitude, latitude)

    def name(self, lang: str) -> str:
        return self.name_ar if lang == "ar" else self.name_en


GOVERNORATES = (
    Governorate("SY01", "Damascus", "دمشق", ("dimashq", "damas"), (36.30, 33.51)),
    Governorate("SY02", "Aleppo", "حلب", ("halab",), (37.40, 36.20)),
    Governorate(
        "SY03",
        "Rural Damascus",
        "ريف دمشق",
        ("rif dimashq", "damascus countryside", "damascus suburbs", "reef damascus"),
        (36.80, 33.40),
    ),
    Governorate("SY04", "Homs", "حمص", ("hims",), (38.20, 34.60)),
    Governorate("SY05", "Hama", "حماة", ("hamah", "hamaa"), (36.90, 35.20)),
    Governorate("SY06", "Lattakia", "اللاذقية", ("latakia", "al ladhiqiyah"), (35.95, 35.60)),
    Governorate("SY07", "Idleb", "إدلب", ("idlib", "idlab"), (36.55, 35.85)),
    Governorate(
        "SY08", "Al-Hasakeh", "الحسكة", ("hasakeh", "al hasakah", "hasakah"), (40.90, 36.60)
    ),
    Governorate(
        "SY09",
        "Deir-ez-Zor",
        "دير الزور",
        ("deir ez zor", "deir ezzor", "dayr az zawr", "deir al zour"),
        (40.30, 35.00),
    ),
    Governorate("SY10", "Tartous", "طرطوس", ("tartus",), (36.05, 34.90)),
    Governorate("SY11", "Ar-Raqqa", "الرقة", ("raqqa", "ar raqqah", "raqqah"), (38.80, 35.90)),
    Governorate("SY12", "Dar'a", "درعا", ("daraa", "dara", "deraa"), (36.20, 32.75)),
    Governorate(
        "SY13", "As-Sweida", "السويداء", ("sweida", "as suwayda", "suwayda"), (36.70, 32.70)
    ),
    Governorate("SY14", "Quneitra", "القنيطرة", ("al qunaytirah",), (35.85, 33.10)),
)
GOVERNORATE_BY_PCODE: Mapping[str, Governorate] = {g.pcode: g for g in GOVERNORATES}

_SUFFIXES = (" governorate", " province", " محافظة")


def _fold(text: str) -> str:
    """Case, accents, hyphens and apostrophes folded away: "Dar'a" and "Daraa" meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"['’‘`ʿʾ]", "", plain)
    plain = re.sub(r"[-_\s]+", " ", plain).strip()
    for suffix in _SUFFIXES:
        plain = plain.removesuffix(suffix)
    return plain.removeprefix("محافظة ").strip()


def _spelling_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for g in GOVERNORATES:
        for name in (g.name_en, g.name_ar, g.pcode, *g.spellings):
            table[_fold(name)] = g.pcode
    return table


_SPELLINGS = _spelling_table()


@lru_cache(maxsize=65_536)
def governorate_of(place_text: str | None) -> str | None:
    """The governorate's P-code a place names, reading its comma-separated parts from the
    most general (the last) to the most specific: "Madaya, Rural Damascus" is SY03. A place
    that names none is not guessed."""
    if not place_text:
        return None
    for part in reversed(place_text.split(",")):
        found = _SPELLINGS.get(_fold(part))
        if found is not None:
            return found
    return None


# --- what the store hands over ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FigureGroup:
    """One row of the store's GROUP BY: how many reports that stand share these values."""

    day: date
    place_text: str | None
    perpetrator: str | None
    event_type: str
    side: str
    count: int
    # The governorate of the reports' stored placement (docs/geography.md), when there is
    # one: it wins over reading the place text.
    adm1: str | None = None

    @property
    def governorate(self) -> str | None:
        if self.adm1 in GOVERNORATE_BY_PCODE:
            return self.adm1
        return governorate_of(self.place_text)


@dataclass(frozen=True, slots=True)
class SideConfirmation:
    """One side's statement about the other's reports of one day, as published: of the
    `reported` violations the `reported_by` side counted, the `confirming` side confirmed
    `confirmed` (0 is "cannot confirm any"). Bulletins give totals, never which reports."""

    day: date
    confirming: str
    reported_by: str
    reported: int
    confirmed: int
    source: str = ""


@dataclass(frozen=True, slots=True)
class Figures:
    """Counts of reported violations in one period, broken down four ways."""

    total: int = 0
    by_governorate: Mapping[str, int] = field(default_factory=dict)
    by_party: Mapping[str, int] = field(default_factory=dict)
    by_type: Mapping[str, int] = field(default_factory=dict)
    by_side: Mapping[str, int] = field(default_factory=dict)
    # Side -> governorate -> count: what each side reported where.
    by_side_governorate: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def fold_groups(groups: Iterable[FigureGroup]) -> Figures:
    """The figures of a set of groups; a report placed in no governorate whose place names
    none counts under NOT_STATED, as does a report that names nobody accused."""
    governorate: Counter[str] = Counter()
    party: Counter[str] = Counter()
    kind: Counter[str] = Counter()
    side: Counter[str] = Counter()
    side_gov: dict[str, Counter[str]] = {}
    for g in groups:
        where = g.governorate or NOT_STATED
        governorate[where] += g.count
        party[(g.perpetrator or "").strip() or NOT_STATED] += g.count
        kind[g.event_type] += g.count
        side[g.side] += g.count
        side_gov.setdefault(g.side, Counter())[where] += g.count
    return Figures(
        total=sum(side.values()),
        by_governorate=_ranked(governorate),
        by_party=_ranked(party),
        by_type=_ranked(kind),
        by_side=_ranked(side),
        by_side_governorate={k: _ranked(v) for k, v in sorted(side_gov.items())},
    )


def fold_places(rows: Iterable[tuple[str | None, str | None, int]]) -> Figures:
    """The total and the governorates of (place text, placement's ADM1, count) rows: what a
    comparison with another period reads."""
    governorate: Counter[str] = Counter()
    for place, adm1, count in rows:
        found = adm1 if adm1 in GOVERNORATE_BY_PCODE else governorate_of(place)
        governorate[found or NOT_STATED] += count
    return Figures(total=sum(governorate.values()), by_governorate=_ranked(governorate))


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True, slots=True)
class Change:
    """The period against the one before, and the totals of the earlier periods (oldest
    first) for the trend."""

    previous_total: int
    delta: int
    by_governorate: Mapping[str, int]
    earlier_totals: Sequence[tuple[str, int]]


def change_against(
    current: Figures, previous: Figures, earlier: Sequence[tuple[str, int]]
) -> Change:
    keys = sorted(set(current.by_governorate) | set(previous.by_governorate))
    by_gov = {k: current.by_governorate.get(k, 0) - previous.by_governorate.get(k, 0) for k in keys}
    return Change(
        previous_total=previous.total,
        delta=current.total - previous.total,
        by_governorate={k: v for k, v in by_gov.items() if v},
        earlier_totals=tuple(earlier),
    )


class Edition(StrEnum):
    """Who a report was made for: anyone (public material only) or one principal's
    need-to-know (restricted: what the access policy lets them read)."""

    PUBLIC = "public"
    RESTRICTED = "restricted"


@dataclass(frozen=True, slots=True)
class ComplianceReport:
    """A daily, weekly or monthly report, for one edition, ready to render."""

    period: Period
    edition: Edition
    edition_for: str | None  # the body a restricted edition was made for
    generated_at: datetime
    figures: Figures
    daily_totals: Sequence[tuple[date, int]]
    change: Change
    confirmations: Sequence[SideConfirmation]
    # Confirmed violations, guarantors' positions, determinations and coverage gaps.
    findings: Findings
    # Reporting side key -> its name in each language, for the labels.
    side_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def series_of(groups: Iterable[FigureGroup], days: Sequence[date]) -> list[tuple[date, int]]:
    per_day: Counter[date] = Counter()
    for g in groups:
        per_day[g.day] += g.count
    return [(day, per_day.get(day, 0)) for day in days]
