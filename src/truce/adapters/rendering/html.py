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
from truce.domain.compliance import NOT_STATED, ComplianceReport, Edition, PeriodKind
from truce.domain.compliance_findings import DeterminedIncident
from truce.domain.procedure import VoteValue

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_LABEL_KEYS = (
    "period", "generated", "reported", "total", "previous", "change", "count", "map",
    "side_by_governorate", "confirmations", "confirming", "reported_by", "reported_n",
    "confirmed_n", "no_confirmations", "trend", "daily_totals", "nothing", "confirmed",
    "confirmed_total", "note.confirmed", "no_confirmed", "guarantors", "guarantor",
    "no_guarantors", "determinations", "no_determinations", "incident", "finding",
    "attributed", "clauses", "severity", "votes", "dissent", "no_dissent", "excluded",
    "unpublished", "gaps", "gaps.none", "gaps.edition", "gap_kind", "gap_area", "gap_note",
    "governorate", "type", "side",
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
        "labels": {k.replace(".", "_"): m.message(lang, k) for k in _LABEL_KEYS}
        | {"note_counts": m.message(lang, "note.counts")},
        "total": figures.total,
        "previous_total": report.change.previous_total,
        "delta": _signed(report.change.delta),
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
    context |= _findings(report, lang, side)
    return _ENV.get_template("compliance_report.html").render(context)


def _findings(report: ComplianceReport, lang: str, name: Callable[[str], str]) -> dict[str, Any]:
    """The sections on what the board found: confirmed violations, each guarantor's
    positions, notable incidents with their determinations, coverage gaps."""
    found = report.findings
    confirmed = found.confirmed

    def governorate(k: str) -> str:
        return m.governorate_label(k, lang)

    def party(k: str) -> str:
        return m.message(lang, "not_stated") if k == NOT_STATED else name(k)

    tables = [
        ("by_governorate", confirmed.by_governorate, governorate),
        ("by_party", confirmed.by_party, party),
        ("by_type", confirmed.by_type, lambda k: m.type_label(k, lang)),
        ("by_side", confirmed.by_side, name),
    ]
    return {
        "confirmed_total": confirmed.total,
        "confirmed_tables": [
            _plain_table(f"confirmed_{key}", key, counts, label, lang)
            for key, counts, label in tables
            if counts
        ],
        "guarantor_rows": [
            {
                "key": g.body_id,
                "label": name(g.body_id),
                "counts": [g.counts.get(v, 0) for v in VoteValue],
            }
            for g in found.guarantors
        ],
        "vote_labels": [m.message(lang, f"vote.{v.value}") for v in VoteValue],
        "notable": [_incident(i, lang, name, party) for i in found.notable],
        "gaps_readable": found.gaps_readable,
        "gap_rows": [
            {
                "incident": i.incident_id,
                "day": i.day.isoformat(),
                "governorate": governorate(i.governorate),
                "kind": m.message(lang, f"gap.{gap.kind.value}"),
                "area": gap.area,
                "note": gap.note,
            }
            for i in found.gaps
            for gap in i.gaps
        ],
    }


def _plain_table(
    key: str, source: str, counts: Mapping[str, int], label: Callable[[str], str], lang: str
) -> dict[str, Any]:
    column = {"by_governorate": "governorate", "by_party": "party", "by_type": "type"}
    return {
        "key": key,
        "title": m.message(lang, source),
        "column": m.message(lang, column.get(source, "side")),
        "rows": [{"key": k, "label": label(k), "count": v} for k, v in counts.items()],
    }


def _incident(
    incident: DeterminedIncident,
    lang: str,
    name: Callable[[str], str],
    party: Callable[[str], str],
) -> dict[str, Any]:
    d = incident.determination
    assert d is not None  # noqa: S101 - notable incidents all have one
    attributed = [party(d.attributed_party_id)] if d.attributed_party_id else []
    if d.attributed_actor_id:
        attributed.append(name(d.attributed_actor_id))
    return {
        "id": incident.incident_id,
        "day": incident.day.isoformat(),
        "governorate": m.governorate_label(incident.governorate, lang),
        "type": m.type_label(incident.event_type, lang),
        "finding": m.message(lang, f"finding.{d.finding.value}"),
        "finding_key": d.finding.value,
        "attributed": " / ".join(attributed) or m.message(lang, "unattributed"),
        "clauses": ", ".join(d.clause_ids),
        "severity": m.message(lang, f"severity.{d.severity.value}") if d.severity else "",
        "excluded": name(d.excluded_actor_id) if d.excluded_actor_id else "",
        "votes": [
            {"by": name(v.body_id), "value": m.message(lang, f"vote.{v.value.value}")}
            for v in d.votes
        ],
        "dissent": [
            {
                "by": name(v.body_id),
                "value": m.message(lang, f"vote.{v.value.value}"),
                "reasons": v.reasons,
            }
            for v in d.dissent
        ],
        "published": d.published_at is not None,
        "summary": d.summary,
    }
