"""The compliance figures' pure parts: governorates from place names, periods, folding the
store's groups, and bulletins turned into the reports they count (issue 10)."""

from __future__ import annotations

from datetime import date

import pytest

from truce.domain.compliance import (
    NOT_STATED,
    FigureGroup,
    PeriodKind,
    day_of,
    day_window,
    fold_groups,
    governorate_of,
    month_of,
    week_of,
)
from truce.domain.compliance_bulletins import confirmations_of, group_bulletins, reports_of
from truce.domain.compliance_exports import parse_export_filter
from truce.domain.errors import InvalidInputError


@pytest.mark.parametrize(
    ("place", "pcode"),
    [
        ("Hama", "SY05"),
        ("Latakia", "SY06"),
        ("Lattakia", "SY06"),
        ("Idlib", "SY07"),
        ("Daraa", "SY12"),
        ("Dar'a governorate", "SY12"),
        ("Madaya, Az-Zabdani, Rural Damascus", "SY03"),
        ("Aleppo governorate", "SY02"),
        ("حلب", "SY02"),
        ("Deir ez Zor", "SY09"),
        ("Ar Raqqa", "SY11"),
    ],
)
def test_a_place_names_its_governorate_in_any_spelling(place: str, pcode: str) -> None:
    assert governorate_of(place) == pcode


def test_a_place_that_names_no_governorate_is_not_guessed() -> None:
    assert governorate_of("Wadi Barada") is None
    assert governorate_of("Damascus / Aleppo / Hama (not split)") is None
    assert governorate_of(None) is None


def test_periods_and_their_predecessors() -> None:
    assert day_of(date(2017, 1, 4)).previous().start == date(2017, 1, 3)
    week = week_of(date(2017, 1, 2))
    assert (week.end, week.previous().start) == (date(2017, 1, 8), date(2016, 12, 26))
    january = month_of(date(2017, 1, 17))
    assert (january.start, january.end, january.kind) == (
        date(2017, 1, 1),
        date(2017, 1, 31),
        PeriodKind.MONTHLY,
    )
    assert january.previous().start == date(2016, 12, 1)


def test_a_report_day_runs_on_damascus_time() -> None:
    start, end = day_window(date(2017, 1, 4))
    assert start.isoformat() == "2017-01-03T22:00:00+00:00"
    assert (end - start).days == 1


def test_folding_counts_each_breakdown_and_names_what_is_not_stated() -> None:
    day = date(2017, 1, 4)
    figures = fold_groups(
        [
            FigureGroup(day, "Hama", "Jabhat Fateh al-Sham", "shelling", "ru", 3),
            FigureGroup(day, "Wadi Barada", None, "shelling", "opp", 2),
        ]
    )
    assert figures.total == 5
    assert figures.by_governorate == {"SY05": 3, NOT_STATED: 2}
    assert figures.by_party == {"Jabhat Fateh al-Sham": 3, NOT_STATED: 2}
    assert figures.by_type == {"shelling": 5}
    assert figures.by_side_governorate == {"opp": {NOT_STATED: 2}, "ru": {"SY05": 3}}


ROWS = [
    {"bulletin_date": "2017-01-22", "reporting_side": "russian_side", "province": "Hama",
     "count": "1", "side_total": "2", "confirmed_by_russian_side": ""},
    {"bulletin_date": "2017-01-22", "reporting_side": "russian_side", "province": "Latakia",
     "count": "1", "side_total": "2", "confirmed_by_russian_side": ""},
    {"bulletin_date": "2017-01-22", "reporting_side": "turkish_side", "province": "Aleppo",
     "count": "6", "side_total": "12", "confirmed_by_russian_side": "3"},
    {"bulletin_date": "2016-12-31", "reporting_side": "russian_centre", "province": "Hama",
     "count": "", "side_total": "13", "confirmed_by_russian_side": ""},
]  # fmt: skip


def test_a_bulletin_becomes_one_report_per_counted_violation() -> None:
    bulletins = group_bulletins(ROWS)
    reports = {b.side: [r.fields["place_text"] for r in reports_of(b)] for b in bulletins}
    assert reports["russian_side"] == ["Hama", "Latakia"]
    # Six in Aleppo, and the six the total holds beyond them, placed nowhere in particular.
    assert reports["turkish_side"].count("Aleppo") == 6
    assert len(reports["turkish_side"]) == 12
    assert len(reports["russian_centre"]) == 13
    assert governorate_of(reports["russian_centre"][0]) is None


def test_a_bulletins_confirmation_figure_is_a_statement_about_totals() -> None:
    turkish = next(b for b in group_bulletins(ROWS) if b.side == "turkish_side")
    (statement,) = confirmations_of(turkish)
    assert (statement.confirming, statement.reported_by) == ("Russian side", "Turkish side")
    assert (statement.reported, statement.confirmed) == (12, 3)


def test_keys_are_stable_so_a_reimport_changes_nothing() -> None:
    first = [r.key for b in group_bulletins(ROWS) for r in reports_of(b)]
    again = [r.key for b in group_bulletins(ROWS) for r in reports_of(b)]
    assert first == again
    assert len(set(first)) == len(first)


def test_an_unreadable_bulletin_row_is_named() -> None:
    with pytest.raises(InvalidInputError) as caught:
        group_bulletins([{"bulletin_date": "yesterday", "reporting_side": "martian_side"}])
    assert "line 2" in str(caught.value.errors[0].field)


def test_export_filters_are_checked_all_at_once() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_export_filter("2017-01-05", "2017-01-04", "bombing", None)
    assert {e.field for e in caught.value.errors} == {"until", "event_type"}
    assert parse_export_filter(None, None, "", None).event_type is None
