"""The map: governorates shaded by their count of reports.

With boundaries (OCHA COD-AB admin 1 as GeoJSON, `PCODE` per feature; a path the operator
gives, TRUCE_BOUNDARIES) the outlines are drawn; without them, a schematic: one circle per
governorate at its centre, sized by its count. The map says which one it is."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from matplotlib.patches import Circle, Polygon

from truce.adapters.rendering.charts import figure_and_axes, shaped, svg_of
from truce.domain.compliance import GOVERNORATES

Ring = list[tuple[float, float]]
Outlines = Mapping[str, list[Ring]]
ADMIN1_FILE = "syr_admin1.geojson"
MAX_POINTS = 250


def boundaries_file(path: Path) -> Path:
    """The admin-1 GeoJSON: the file given, or the one under a folder given."""
    if path.is_dir():
        found = sorted(path.rglob(ADMIN1_FILE))
        if not found:
            raise FileNotFoundError(f"no {ADMIN1_FILE} under {path}")
        return found[0]
    return path


@lru_cache(maxsize=4)
def load_outlines(path: Path) -> Outlines:
    """Each governorate's outer rings by P-code, from a GeoJSON FeatureCollection."""
    data = json.loads(boundaries_file(path).read_text(encoding="utf-8"))
    outlines: dict[str, list[Ring]] = {}
    for feature in data.get("features", []):
        pcode = str(feature.get("properties", {}).get("PCODE", ""))
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polygons = [polygons]
        rings = [_thin([(float(x), float(y)) for x, y, *_ in polygon[0]]) for polygon in polygons]
        outlines.setdefault(pcode, []).extend(r for r in rings if len(r) >= 3)  # noqa: PLR2004
    return outlines


def _thin(ring: Ring) -> Ring:
    """Every n-th point, so a printed page's map stays small: at this scale a few hundred
    points per outline show no difference."""
    step = max(1, len(ring) // MAX_POINTS)
    return ring[::step]


def _label_point(rings: list[Ring], fallback: tuple[float, float]) -> tuple[float, float]:
    if not rings:
        return fallback
    largest = max(rings, key=len)
    return (
        sum(x for x, _ in largest) / len(largest),
        sum(y for _, y in largest) / len(largest),
    )


def _shade(count: int, top: int) -> str:
    if count == 0:
        return "#f2efe9"
    strength = 0.25 + 0.75 * count / max(top, 1)
    red, green, blue = 122, 31, 43
    mix = [round(255 - (255 - c) * strength) for c in (red, green, blue)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def map_svg(counts: Mapping[str, int], lang: str, outlines: Outlines | None) -> str:
    top = max(counts.values(), default=0)
    figure, axes = figure_and_axes(5.6, 4.8)
    for governorate in GOVERNORATES:
        count = counts.get(governorate.pcode, 0)
        x, y = governorate.centre
        if outlines:
            x, y = _label_point(list(outlines.get(governorate.pcode, [])), (x, y))
            for ring in outlines.get(governorate.pcode, []):
                axes.add_patch(
                    Polygon(
                        ring,
                        closed=True,
                        facecolor=_shade(count, top),
                        edgecolor="#555555",
                        linewidth=0.4,
                    )
                )
        else:
            size = 0.12 + 0.5 * (count / top if top else 0)
            axes.add_patch(Circle((x, y), size, color=_shade(count, top), ec="#555555", lw=0.4))
        label = shaped(governorate.name(lang), lang)
        axes.annotate(f"{label}\n{count}", (x, y), ha="center", va="center", fontsize=6.5)
    axes.set_xlim(35.5, 42.5)
    axes.set_ylim(32.2, 37.5)
    axes.set_aspect("equal")
    axes.axis("off")
    return svg_of(figure)
