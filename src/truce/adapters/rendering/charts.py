"""Charts as SVG, drawn with matplotlib (Agg, no display). From 3.11 matplotlib lays text out
with libraqm, which joins Arabic letters and orders right-to-left runs itself, so labels go
in as they are written (reshaping them first would reverse them twice). Text is drawn as
paths, so the SVG needs no font wherever it is shown."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

plt.rcParams.update({"font.family": "DejaVu Sans", "svg.fonttype": "path", "svg.hashsalt": "truce"})
BAR = "#7a1f2b"
MAX_BARS = 14


def shaped(text: str, lang: str) -> str:
    """Text as matplotlib takes it: in logical order, whatever the language (see above)."""
    del lang
    return text


def figure_and_axes(width: float, height: float) -> tuple[Figure, Axes]:
    return plt.subplots(figsize=(width, height))


def svg_of(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = out.getvalue()
    return text[text.index("<svg") :]


def bar_chart(items: Sequence[tuple[str, int]], lang: str, title: str) -> str:
    """Horizontal bars, largest on top; right-to-left for Arabic (bars grow leftwards)."""
    shown = list(items)[:MAX_BARS]
    height = 0.8 + 0.32 * max(len(shown), 1)
    figure, axes = plt.subplots(figsize=(6.2, height))
    labels = [shaped(label, lang) for label, _ in shown][::-1]
    values = [value for _, value in shown][::-1]
    axes.barh(range(len(values)), values, color=BAR)
    axes.set_yticks(range(len(values)), labels)
    axes.set_title(shaped(title, lang), fontsize=10)
    for index, value in enumerate(values):
        axes.annotate(
            str(value),
            (value, index),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.spines[["top", "right"]].set_visible(False)
    if lang == "ar":
        axes.invert_xaxis()
        axes.yaxis.tick_right()
    return svg_of(figure)


def line_chart(points: Sequence[tuple[str, int]], lang: str, title: str) -> str:
    figure, axes = plt.subplots(figsize=(6.2, 2.2))
    xs = list(range(len(points)))
    axes.plot(xs, [value for _, value in points], marker="o", color=BAR)
    axes.set_xticks(xs, [label for label, _ in points], rotation=30, fontsize=7, ha="right")
    axes.set_title(shaped(title, lang), fontsize=10)
    axes.set_ylim(bottom=0)
    axes.spines[["top", "right"]].set_visible(False)
    if lang == "ar":
        axes.invert_xaxis()
    return svg_of(figure)
