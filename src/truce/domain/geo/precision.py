"""How precisely datasets place their events, made honest: a coordinate that stands for a
district is a district, with the radius it implies, not an exact point.

One source of truth: the radius of each native code is intake's (`domain/intake.py`
`ACLED_RADIUS_M`, `UCDP_RADIUS_M`, stored on each report as `uncertainty_m`); this module
adds only what kind of place the coordinates stand for."""

from __future__ import annotations

from truce.domain.geo.places import Precision
from truce.domain.intake import ACLED_RADIUS_M, UCDP_RADIUS_M

# UCDP GED `where_prec` (codebook 19.1): 1 exact location, 2 within 25 km, 3 second-order
# unit, 4 first-order unit, 5 linear feature / area, 6 country, 7 international waters.
UCDP_KIND = {
    1: Precision.POINT,
    2: Precision.TOWN,
    3: Precision.DISTRICT,
    4: Precision.GOVERNORATE,
    5: Precision.DISTRICT,
    6: Precision.COUNTRY,
    7: Precision.COUNTRY,
}
# ACLED `geo_precision`: 1 the town itself, 2 near a town (a part of a region), 3 a larger
# region (its main town's coordinates stand for it).
ACLED_KIND = {1: Precision.TOWN, 2: Precision.TOWN, 3: Precision.DISTRICT}

# Native code -> (what the coordinates stand for, the radius intake normalises it to).
UCDP_PRECISION = {code: (kind, UCDP_RADIUS_M[code]) for code, kind in UCDP_KIND.items()}
ACLED_PRECISION = {code: (kind, ACLED_RADIUS_M[code]) for code, kind in ACLED_KIND.items()}
_BY_SOURCE = {"ucdp": UCDP_PRECISION, "acled": ACLED_PRECISION}


def native_precision(code: str | None) -> tuple[Precision, float] | None:
    """The precision and radius of a source's own code as intake stores it ("acled:2",
    "ucdp:3"); None for no code or one this module does not know."""
    if not code:
        return None
    source, _, number = code.partition(":")
    table = _BY_SOURCE.get(source.strip().casefold())
    if table is None or not number.strip().isdigit():
        return None
    return table.get(int(number))
