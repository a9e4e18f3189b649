"""How precisely datasets place their events, made honest: a coordinate that stands for a
district is a district, with the radius it implies, not an exact point."""

from __future__ import annotations

from truce.domain.geo.places import Location, Precision

# UCDP GED `where_prec` (codebook 19.1): 1 exact location, 2 within 25 km, 3 second-order
# unit, 4 first-order unit, 5 linear feature / area, 6 country, 7 international waters.
UCDP_PRECISION = {
    1: (Precision.POINT, 0.0),
    2: (Precision.TOWN, 25_000.0),
    3: (Precision.DISTRICT, 0.0),
    4: (Precision.GOVERNORATE, 0.0),
    5: (Precision.DISTRICT, 0.0),
    6: (Precision.COUNTRY, 0.0),
    7: (Precision.COUNTRY, 0.0),
}
# ACLED `geo_precision`: 1 the town itself, 2 near a town (a part of a region), 3 a larger
# region (its main town's coordinates stand for it).
ACLED_PRECISION = {
    1: (Precision.TOWN, 2_000.0),
    2: (Precision.TOWN, 25_000.0),
    3: (Precision.DISTRICT, 0.0),
}


def dataset_location(
    latitude: float,
    longitude: float,
    precision: Precision,
    radius_m: float,
    unit_radius_m: float | None = None,
) -> Location:
    """The honest location of a dataset's coordinate: when it stands for a unit, the unit's
    radius (given by whoever knows the unit) replaces a false exact point."""
    if unit_radius_m is not None and radius_m == 0.0 and precision is not Precision.POINT:
        radius_m = unit_radius_m
    return Location(latitude, longitude, radius_m, precision)
