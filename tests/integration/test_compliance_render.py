"""The daily report of 4 January 2017 as HTML and PDF, in Arabic and English (issue 10):
the PDF has pages and its text holds the Arabic labels; the Arabic page runs right-to-left;
the map uses the OCHA outlines when they are there and says it is schematic otherwise."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from compliance_helpers import BOUNDARIES, BULLETINS, Desk
from support import FixedClock
from truce.adapters.importers.bulletins import open_bulletins
from truce.adapters.rendering import messages
from truce.adapters.rendering.geo import load_outlines
from truce.adapters.rendering.output import ReportFormat, render
from truce.application.ports import UnitOfWorkFactory
from truce.domain.access import ANONYMOUS
from truce.domain.compliance import ComplianceReport, day_of, week_of

FILE = BULLETINS / "ceasefire_violation_bulletins_2016-12_2017-01.csv"
pytestmark = pytest.mark.skipif(not FILE.is_file(), reason=f"bulletins absent: {FILE}")


@pytest.fixture
def report(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> ComplianceReport:
    clock.moment = datetime(2017, 2, 1, tzinfo=UTC)
    desk = Desk(uow_factory, clock)
    desk.intake.import_file(open_bulletins(FILE)[0])
    return desk.compliance.report(ANONYMOUS, day_of(date(2017, 1, 4)))


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_pdf_has_pages_and_the_labels_of_its_language(
    report: ComplianceReport, lang: str
) -> None:
    pdf = render(report, lang, ReportFormat.PDF, None)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert messages.message(lang, "title.daily") in text
    assert "39" in text


def test_the_arabic_page_runs_right_to_left(report: ComplianceReport) -> None:
    page = render(report, "ar", ReportFormat.HTML, None).decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "إدلب" in page
    assert messages.message("ar", "map.schematic") in page
    english = render(report, "en", ReportFormat.HTML, None).decode()
    assert '<html lang="en" dir="ltr">' in english
    assert 'data-key="SY07"><td>Idleb</td><td class="n">9</td>' in english


@pytest.mark.skipif(not BOUNDARIES.is_dir(), reason=f"boundaries absent: {BOUNDARIES}")
def test_the_map_draws_the_ocha_outlines_when_given(report: ComplianceReport) -> None:
    outlines = load_outlines(BOUNDARIES)
    assert len(outlines) == 14
    page = render(report, "en", ReportFormat.HTML, outlines).decode()
    assert messages.message("en", "map.outlines") in page


def test_a_weekly_summary_has_its_days(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> None:
    clock.moment = datetime(2017, 2, 1, tzinfo=UTC)
    desk = Desk(uow_factory, clock)
    desk.intake.import_file(open_bulletins(FILE)[0])
    weekly = desk.compliance.report(ANONYMOUS, week_of(date(2017, 1, 2)))
    assert weekly.figures.total == 39 + 24
    assert dict(weekly.daily_totals)[date(2017, 1, 8)] == 24
    assert weekly.change.previous_total == 13
    assert "<svg" in render(weekly, "ar", ReportFormat.HTML, None).decode()
