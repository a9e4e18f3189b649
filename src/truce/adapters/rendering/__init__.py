"""Rendering compliance reports: labels (messages.py), charts and the map (charts.py, geo.py,
matplotlib drawing SVG), the HTML page (html.py, Jinja2) and the PDF (pdf.py, WeasyPrint)."""
