"""The geography store's fake: dictionaries copied per unit of work."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.application.ports import ReportScope
from truce.domain.geo.placement import Placeable, ReportPlace, placeable
from truce.domain.geo.places import AdminUnit, Alias, Place, Quarantined
from truce.domain.geo.zones import Zone
from truce.domain.reports import Report


@dataclass
class MemoryGeoState:
    units: dict[str, AdminUnit] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    aliases: dict[tuple[str, str], Alias] = field(default_factory=dict)
    quarantine: dict[tuple[str, str, str], Quarantined] = field(default_factory=dict)
    zones: dict[tuple[str, str, int], Zone] = field(default_factory=dict)
    placements: dict[str, ReportPlace] = field(default_factory=dict)

    def copy(self) -> MemoryGeoState:
        return replace(
            self,
            units=dict(self.units),
            places=dict(self.places),
            aliases=dict(self.aliases),
            quarantine=dict(self.quarantine),
            zones=dict(self.zones),
            placements=dict(self.placements),
        )


class MemoryGeoStore:
    """`reports` and `retired` are the unit of work's own, for placements: a placement is
    read only alongside a report the scope admits, as on SQL."""

    def __init__(
        self,
        state: MemoryGeoState,
        reports: Mapping[str, Report] | None = None,
        retired: Collection[str] = (),
    ) -> None:
        self._s = state
        self._reports: Mapping[str, Report] = reports if reports is not None else {}
        self._retired = retired

    def put_unit(self, unit: AdminUnit) -> bool:
        if self._s.units.get(unit.pcode) == unit:
            return False
        self._s.units[unit.pcode] = unit
        return True

    def unit(self, pcode: str) -> AdminUnit | None:
        return self._s.units.get(pcode)

    def units(self, level: int | None = None) -> list[AdminUnit]:
        units = sorted(self._s.units.values(), key=lambda unit: unit.pcode)
        return units if level is None else [unit for unit in units if unit.level == level]

    def put_place(self, place: Place) -> bool:
        if self._s.places.get(place.id) == place:
            return False
        self._s.places[place.id] = place
        return True

    def place(self, place_id: str) -> Place | None:
        return self._s.places.get(place_id)

    def places(self) -> list[Place]:
        return sorted(self._s.places.values(), key=lambda place: place.id)

    def add_alias(self, alias: Alias) -> bool:
        key = (alias.text, alias.target)
        if key in self._s.aliases:
            return False
        self._s.aliases[key] = alias
        return True

    def aliases(self) -> list[Alias]:
        return [self._s.aliases[key] for key in sorted(self._s.aliases)]

    def quarantine(self, item: Quarantined, at: datetime) -> bool:
        del at  # the fake keeps no times
        key = (item.source, item.reference, item.reason)
        if key in self._s.quarantine:
            return False
        self._s.quarantine[key] = item
        return True

    def quarantined(self) -> list[Quarantined]:
        return [self._s.quarantine[key] for key in sorted(self._s.quarantine)]

    def add_zone(self, zone: Zone) -> None:
        self._s.zones[(zone.agreement_id, zone.zone_id, zone.revision)] = zone

    def zones(self, agreement_id: str | None = None) -> list[Zone]:
        latest: dict[tuple[str, str], Zone] = {}
        for (agreement, zone_id, _), zone in sorted(self._s.zones.items()):
            if agreement_id is None or agreement == agreement_id:
                latest[(agreement, zone_id)] = zone
        return [latest[key] for key in sorted(latest)]

    def zone_history(self, agreement_id: str, zone_id: str) -> list[Zone]:
        return [
            zone
            for (agreement, zone_key, _), zone in sorted(self._s.zones.items())
            if agreement == agreement_id and zone_key == zone_id
        ]

    def put_placements(self, placements: Sequence[ReportPlace]) -> int:
        changed = 0
        for place in placements:
            if self._s.placements.get(place.report_id) != place:
                self._s.placements[place.report_id] = place
                changed += 1
        return changed

    def placements(
        self, report_ids: Collection[str], scope: ReportScope | None
    ) -> dict[str, ReportPlace]:
        found: dict[str, ReportPlace] = {}
        for report_id in set(report_ids):
            report = self._reports.get(report_id)
            place = self._s.placements.get(report_id)
            if report is None or place is None:
                continue
            if scope is None or scope.admits(report):
                found[report_id] = place
        return found

    def to_place(self, limit: int, after: str | None, *, placed_too: bool) -> list[Placeable]:
        ids = sorted(
            report_id
            for report_id in self._reports
            if report_id not in self._retired
            and (after is None or report_id > after)
            and (placed_too or report_id not in self._s.placements)
        )
        return [placeable(self._reports[report_id]) for report_id in ids[:limit]]
