"""A compliance report in the format asked for: HTML text or PDF bytes."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from truce.adapters.rendering.geo import Outlines, load_outlines
from truce.adapters.rendering.html import render_html
from truce.adapters.rendering.pdf import html_to_pdf
from truce.domain.compliance import ComplianceReport
from truce.domain.errors import FieldError, InvalidInputError


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"


MEDIA_TYPES = {ReportFormat.HTML: "text/html; charset=utf-8", ReportFormat.PDF: "application/pdf"}


def report_format(value: str) -> ReportFormat:
    try:
        return ReportFormat(value)
    except ValueError:
        raise InvalidInputError([FieldError("format", "must be html or pdf")]) from None


def outlines_from(setting: str) -> Outlines | None:
    """The boundaries the operator named (TRUCE_BOUNDARIES), or None for a schematic map.
    A path that cannot be read is a refusal naming it, not a silent schematic."""
    if not setting:
        return None
    try:
        return load_outlines(Path(setting))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidInputError([FieldError("boundaries", f"unreadable: {error}")]) from None


def render(
    report: ComplianceReport, lang: str, fmt: ReportFormat, outlines: Outlines | None
) -> bytes:
    page = render_html(report, lang, outlines)
    if fmt is ReportFormat.PDF:
        return html_to_pdf(page)
    return page.encode()
