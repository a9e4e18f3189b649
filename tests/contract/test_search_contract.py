"""Search on both stores: the same matches (Arabic folded, prefixes, every word), only what the
scope admits, only reports that stand."""

from datetime import timedelta

import pytest

from support import START, report_fields
from truce.application.demo_case import AGREEMENT
from truce.application.ports import ReportScope
from truce.domain.confidentiality import Confidentiality
from truce.domain.reports import new_report, parse_file_report
from truce.domain.search import query_terms

EVERYTHING = ReportScope(None, frozenset(Confidentiality))
PUBLIC_ONLY = ReportScope(None, frozenset({Confidentiality.PUBLIC}))


def a_report(report_id, minutes, body="mechanism", **overrides):
    command = parse_file_report(report_fields(**overrides), now=START)
    return new_report(
        command,
        report_id=report_id,
        agreement_id=AGREEMENT.id,
        filed_at=START + timedelta(minutes=minutes),
        submitted_by=None,
        submitter_body_id=body,
    )


@pytest.fixture
def filed(cast, uow_factory):
    reports = [
        a_report(
            "r-fijah",
            1,
            place_text="عَيْنُ الفِيجَةِ",
            narrative="قصف محطة ضخ المياه في عين الفيجة",
            narrative_lang="ar",
            confidentiality="public",
        ),
        a_report(
            "r-basimah",
            2,
            body="opp",
            place_text="Basimah",
            narrative="Artillery fell on Basimah at dawn.",
            confidentiality="submitter",
        ),
        a_report(
            "r-idlib",
            3,
            place_text="إدلب",
            narrative="Air strike near the hospital, مستشفى المدينة",
            event_type="air_strike",
            confidentiality="guarantors",
        ),
    ]
    with uow_factory() as uow:
        for report in reports:
            uow.reports.add(report, "contract")
        uow.commit()
    return reports


def search(uow_factory, text, scope=EVERYTHING, limit=10):
    with uow_factory() as uow:
        return [report.id for report in uow.reports.search(query_terms(text), limit, scope)]


def test_arabic_spellings_find_the_same_report(filed, uow_factory):
    assert search(uow_factory, "عين الفيجه") == ["r-fijah"]
    assert search(uow_factory, "الفيجة") == ["r-fijah"]
    assert search(uow_factory, "ادلب") == ["r-idlib"]
    assert search(uow_factory, "مستشفي") == ["r-idlib"]


def test_every_word_must_begin_a_word_and_case_does_not_matter(filed, uow_factory):
    assert search(uow_factory, "ARTILL basim") == ["r-basimah"]
    assert search(uow_factory, "artillery idlib") == []
    assert search(uow_factory, "air") == ["r-idlib"]


def test_newest_first_and_bounded(filed, uow_factory):
    everything = search(uow_factory, "wadi") + search(uow_factory, "a")
    assert search(uow_factory, "a", limit=1) == everything[:1]
    assert search(uow_factory, "") == []


def test_the_scope_filters_in_the_store(filed, uow_factory):
    assert search(uow_factory, "basimah", PUBLIC_ONLY) == []
    assert search(uow_factory, "basimah", ReportScope("opp", frozenset())) == ["r-basimah"]
    guarantors = ReportScope("ru", frozenset({Confidentiality.GUARANTORS}))
    assert search(uow_factory, "air", guarantors) == ["r-idlib"]
    assert search(uow_factory, "الفيجة", guarantors) == []


def test_retired_reports_leave_search_results(filed, uow_factory):
    with uow_factory() as uow:
        uow.intake.retire(["r-fijah"], "superseded")
        uow.commit()
    assert search(uow_factory, "الفيجة") == []


def test_syntax_in_a_query_is_only_words(filed, uow_factory):
    assert search(uow_factory, 'basimah" OR "fijah') == []
    assert search(uow_factory, "basimah*") == ["r-basimah"]
    assert search(uow_factory, "NEAR(basimah dawn)") == []


def test_reports_stored_in_bulk_by_intake_are_found_too(cast, uow_factory):
    bulk = [a_report(f"r-bulk-{n}", n, place_text=f"Darayya {n}") for n in range(3)]
    with uow_factory() as uow:
        uow.intake.add_reports(bulk, "intake")
        uow.commit()
    assert search(uow_factory, "darayya 2") == ["r-bulk-2"]
