"""`truce report daily|weekly|monthly` over the demo (issue 10): the Wadi Barada
determination, published with Turkey's dissent, reaches the public edition of its day; the
three commands take their own period option and refuse a bad one by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from truce.entrypoints.cli.main import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo seeded once for the module (reports only read it, or refuse)."""
    folder = tmp_path_factory.mktemp("report-cli")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRUCE_DATABASE_URL", f"sqlite:///{folder / 'cli.db'}")
        patch.setenv("TRUCE_KEY_DIR", str(folder / "keys"))
        patch.delenv("TRUCE_BOUNDARIES", raising=False)
        seeded = runner.invoke(app, ["demo", "--seed-only"])
        assert seeded.exit_code == 0, seeded.output
        yield folder


def _report(folder: Path, *args: str) -> str:
    out = folder / "report.html"
    result = runner.invoke(app, ["report", *args, "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text()


def test_the_demos_determination_reaches_the_public_report_of_its_day(demo: Path) -> None:
    english = _report(demo, "daily", "--date", "2017-01-02")
    assert 'data-finding="no_violation"' in english
    assert "Turkey" in english
    assert "Violation confirmed" in english
    assert "Not yet published" not in english
    arabic = _report(demo, "daily", "--date", "2017-01-02", "--lang", "ar")
    assert 'dir="rtl"' in arabic
    assert "الحوادث البارزة والقرارات بشأنها" in arabic
    assert "تأكيد الانتهاك" in arabic
    # The public edition does not hold the investigation's coverage gaps; the analyst's does.
    assert "firing positions west of Basimah" not in english
    analyst = _report(demo, "daily", "--date", "2017-01-02", "--as", "analyst")
    assert "firing positions west of Basimah" in analyst


def test_weekly_and_monthly_take_their_own_period(demo: Path) -> None:
    weekly = _report(demo, "weekly", "--start", "2016-12-30")
    assert 'data-finding="no_violation"' in weekly
    monthly = _report(demo, "monthly", "--month", "2017-01")
    assert "2017-01" in monthly


def test_a_bad_period_is_refused_by_name(demo: Path) -> None:
    out = demo / "never.html"
    for command, option, value in (
        ("daily", "--date", "4 Jan"),
        ("weekly", "--start", "x"),
        ("monthly", "--month", "2017"),
    ):
        result = runner.invoke(app, ["report", command, option, value, "--out", str(out)])
        assert result.exit_code != 0, command
        assert option.removeprefix("--") in result.output, result.output
        assert not out.exists()


def test_the_arabic_pdf_of_4_january(demo: Path) -> None:
    out = demo / "report.pdf"
    result = runner.invoke(
        app,
        [
            "report",
            "daily",
            "--date",
            "2017-01-04",
            "--lang",
            "ar",
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
