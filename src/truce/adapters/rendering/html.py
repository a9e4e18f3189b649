"""The report as an HTML page (Jinja2, autoescaped): labels from messages.py, charts and the
map as inline SVG, `dir="rtl"` for Arabic. The same page is what the PDF prints."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from truce.adapters.rendering import messages as m
from truce.adapters.rendering.charts import bar_chart, line_chart
from truce.adapters.rendering.geo import Outlines, map_svg
from truce.domain.compliance import ComplianceReport, Edition, PeriodKind

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_LABEL_KEYS = (
    "period", "generated", "reported", "total", "previous", "change", "count", "map",
    "side_by_governorate", "confirmations", "confirming", "reported_by", "reported_n",
    "confirmed_n", "no_confirmations", "trend", "daily_totals", "not_available", "nothing",
)  # fmt: skip


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def _table(
    key: str,
    counts: Mapping[str, int],
    label: Callable[[str], str],
    lang: str,
    change: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    rows = [
        {"key": k, "label": label(k), "count": v, "change": _signed((change or {}).get(k, 0))}
        for k, v in counts.items()
    ]
    title = m.message(lang, key)
    bars = [(label(k), v) for k, v in counts.items()]
    chart = bar_chart(bars, lang, title) if bars else ""
    column = {"by_governorate": "governorate", "by_party": "party", "by_type": "type"}
    return {
        "key": key,
        "title": title,
        "column": m.message(lang, column.get(key, "side")),
        "rows": rows,
        "chart": chart,
        "change": change is not None,
    }


def render_html(report: ComplianceReport, lang: str, outlines: Outlines | None = None) -> str:
    lang = m.check_language(lang)
    figures = report.figures

    def side(k: str) -> str:
        return m.side_label(k, report.side_names, lang)

    def governorate(k: str) -> str:
        return m.governorate_label(k, lang)

    edition = m.message(lang, "edition.public")
    if report.edition is Edition.RESTRICTED:
        edition = f"{m.message(lang, 'edition.restricted')} {report.edition_for or ''}".strip()
    context = {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "title": m.message(lang, f"title.{report.period.kind.value}"),
        "period": report.period.label(),
        "generated": report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        "edition": edition,
        "labels": {k: m.message(lang, k) for k in _LABEL_KEYS}
        | {"note_counts": m.message(lang, "note.counts")},
        "total": figures.total,
        "previous_total": report.change.previous_total,
        "delta": _signed(report.change.delta),
        "pending": [
            {
                "title": m.message(lang, f"pending.{p.section}"),
                "reason": m.MESSAGES[lang].get(f"reason.{p.section}", p.reason),
            }
            for p in report.pending
        ],
        "map_svg": map_svg(figures.by_governorate, lang, outlines),
        "map_caption": m.message(lang, "map.outlines" if outlines else "map.schematic"),
        "tables": [
            _table(
                "by_governorate",
                figures.by_governorate,
                governorate,
                lang,
                report.change.by_governorate,
            ),
            _table("by_party", figures.by_party, lambda k: m.party_label(k, lang), lang),
            _table("by_type", figures.by_type, lambda k: m.type_label(k, lang), lang),
            _table("by_side", figures.by_side, side, lang),
        ],
        "side_tables": [
            {
                "key": s,
                "label": side(s),
                "rows": [{"key": k, "label": governorate(k), "count": v} for k, v in rows.items()],
            }
            for s, rows in figures.by_side_governorate.items()
        ],
        "confirmations": [
            {
                "day": c.day.isoformat(),
                "confirming": side(c.confirming),
                "reported_by": side(c.reported_by),
                "reported": c.reported,
                "confirmed": c.confirmed,
            }
            for c in report.confirmations
        ],
        "daily_chart": (
            ""
            if report.period.kind is PeriodKind.DAILY
            else line_chart(
                [(d.strftime("%m-%d"), n) for d, n in report.daily_totals],
                lang,
                m.message(lang, "daily_totals"),
            )
        ),
        "trend_chart": line_chart(
            [*report.change.earlier_totals, (report.period.label(), figures.total)],
            lang,
            m.message(lang, "trend"),
        ),
    }
    return _ENV.get_template("compliance_report.html").render(context)
