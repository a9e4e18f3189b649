"""Ports of the geography: the store inside a unit of work, and the spatial index built from
what it holds (shapely in production; any exact point-in-polygon test in a fake)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from truce.domain.geo.places import AdminUnit, Alias, Place, Quarantined
from truce.domain.geo.zones import Zone


class GeoStore(Protocol):
    """Units by P-code, places by id, aliases, quarantine, and zone revisions."""

    def put_unit(self, unit: AdminUnit) -> bool:
        """Insert or replace; False when the stored unit is equal already."""
        ...

    def unit(self, pcode: str) -> AdminUnit | None: ...
    def units(self, level: int | None = None) -> list[AdminUnit]:
        """By P-code; every level when `level` is None."""
        ...

    def put_place(self, place: Place) -> bool:
        """Insert or replace; False when the stored place is equal already."""
        ...

    def place(self, place_id: str) -> Place | None: ...
    def places(self) -> list[Place]: ...
    def add_alias(self, alias: Alias) -> bool:
        """False when the same text already names the same target."""
        ...

    def aliases(self) -> list[Alias]: ...
    def quarantine(self, item: Quarantined, at: datetime) -> bool:
        """Keep a feature that failed to load; False when it is kept already."""
        ...

    def quarantined(self) -> list[Quarantined]: ...
    def add_zone(self, zone: Zone) -> None: ...
    def zones(self, agreement_id: str | None = None) -> list[Zone]:
        """The latest revision of each zone (withdrawn ones included), by agreement and id."""
        ...

    def zone_history(self, agreement_id: str, zone_id: str) -> list[Zone]:
        """Every revision, oldest first."""
        ...


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a point fell: the sub-district (or coarser) unit, and whether it lay just
    outside every outline and was given the nearest one."""

    pcode: str
    nearest: bool = False


class SpatialIndex(Protocol):
    def locate(self, points: Sequence[tuple[float, float]]) -> list[Hit | None]:
        """For each (latitude, longitude), the finest unit containing it, or None."""
        ...


class ZoneIndex(Protocol):
    def containing(self, latitude: float, longitude: float, radius_m: float = 0.0) -> list[str]:
        """Ids of the zones that contain the point (or touch its precision disc)."""
        ...


class SpatialIndexFactory(Protocol):
    def units(self, units: Sequence[AdminUnit]) -> SpatialIndex: ...
    def zones(self, zones: Sequence[Zone]) -> ZoneIndex: ...
    def outlines(self, units: Sequence[AdminUnit], tolerance: float) -> dict[str, object]:
        """A GeoJSON FeatureCollection of the units, simplified to `tolerance` degrees."""
        ...
