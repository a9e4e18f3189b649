"""The geography store's fake: dictionaries copied per unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.domain.geo.places import AdminUnit, Alias, Place, Quarantined
from truce.domain.geo.zones import Zone


@dataclass
class MemoryGeoState:
    units: dict[str, AdminUnit] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    aliases: dict[tuple[str, str], Alias] = field(default_factory=dict)
    quarantine: dict[tuple[str, str, str], Quarantined] = field(default_factory=dict)
    zones: dict[tuple[str, str, int], Zone] = field(default_factory=dict)

    def copy(self) -> MemoryGeoState:
        return replace(
            self,
            units=dict(self.units),
            places=dict(self.places),
            aliases=dict(self.aliases),
            quarantine=dict(self.quarantine),
            zones=dict(self.zones),
        )


class MemoryGeoStore:
    def __init__(self, state: MemoryGeoState) -> None:
        self._s = state

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
