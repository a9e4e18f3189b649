"""The report as a PDF: WeasyPrint prints the HTML page, shaping Arabic right-to-left with
the machine's fonts (DejaVu Sans covers Arabic; `fc-list :lang=ar` lists what else is there)."""

from __future__ import annotations

from weasyprint import HTML  # type: ignore[import-untyped]


def html_to_pdf(page: str) -> bytes:
    # No base URL: the page holds everything inline, so nothing is fetched while printing.
    pdf: bytes = HTML(string=page).write_pdf()
    return pdf
