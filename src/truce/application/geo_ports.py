"""Ports of the geography: the store inside a unit of work, and the spatial index built from
what it holds (shapely in production; any exact point-in-polygon test in a fake)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from truce.domain.geo.placement import Placeable, ReportPlace
from truce.domain.geo.places import AdminUnit, Alias, Place, Quarantined
from truce.domain.geo.zones import Zone

if TYPE_CHECKING:  # ports.py imports this module
    from truce.application.ports import ReportScope


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

    # Placements of reports (derived data, docs/geography.md "Placing reports"). A placement
    # is party material as its report is: it is read only for reports a scope admits.
    def put_placements(self, placements: Sequence[ReportPlace]) -> int:
        """Insert or replace each report's placement; how many were new or changed."""
        ...

    def placements(
        self, report_ids: Collection[str], scope: ReportScope | None
    ) -> dict[str, ReportPlace]:
        """The placements of those of the reports that the scope admits; None is the
        mechanism's own work (every report), never a principal's read."""
        ...

    def to_place(self, limit: int, after: str | None, *, placed_too: bool) -> list[Placeable]:
        """Standing reports by id after `after`: those without a placement, or every one with
        `placed_too`. The mechanism's own work."""
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
