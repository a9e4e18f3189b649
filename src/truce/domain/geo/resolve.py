"""Resolution: from a name as a report writes it to ranked candidate places.

The gazetteer indexes every name of every unit, place and alias under its keys (see
`names.name_keys`). A query matches at the tightest tier it shares with a name; the tier sets
the confidence. Context (a governorate or district, or the level wanted) narrows the field.
When nothing shares a key, a fuzzy comparison of variant keys offers the nearest spellings
at a lower confidence.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from truce.domain.geo.names import Tier, exact_key, is_arabic, iter_keys, name_keys
from truce.domain.geo.places import AdminUnit, Alias, Location, Place

TIER_CONFIDENCE = {Tier.EXACT: 1.0, Tier.VARIANT: 0.9, Tier.SKELETON: 0.7}
FUZZY_CONFIDENCE = 0.6
FUZZY_CUTOFF = 0.8
FUZZY_POOL = 20  # most trigram-sharing keys compared in full
COARSER = 0.8  # a compound name answered by its coarser part
# Among equal matches, a coarser unit first: "Idleb" alone most often means the governorate.
# A populated place sits between sub-districts and neighbourhoods.
KIND_ORDER = {1: 0, 2: 1, 3: 2, "town": 3, 4: 4, 0: 5}
MAX_CANDIDATES = 10


@dataclass(frozen=True, slots=True)
class Target:
    """What a name may point at: a unit (by P-code) or a populated place."""

    key: str  # P-code or place id
    name: str
    name_ar: str
    level: int | None  # None for a populated place
    adm1: str | None
    adm2: str | None
    adm3: str | None
    location: Location

    @property
    def kind(self) -> str:
        return "town" if self.level is None else f"adm{self.level}"


@dataclass(frozen=True, slots=True)
class Candidate:
    target: Target
    confidence: float
    matched: str  # the indexed name that matched
    tier: str  # exact | variant | skeleton | fuzzy


@dataclass(frozen=True, slots=True)
class ResolveContext:
    """Narrows the field: only places inside `within` (a P-code of any level), only units of
    `level` (or populated places with level None and `places_only`)."""

    within: str | None = None
    level: int | None = None
    places_only: bool = False

    def admits(self, target: Target) -> bool:
        if self.places_only and target.level is not None:
            return False
        if self.level is not None and target.level != self.level:
            return False
        if self.within is None:
            return True
        return self.within in (target.adm1, target.adm2, target.adm3, target.key)


NO_CONTEXT = ResolveContext()


# Words that name a kind of administrative unit, in English and Arabic (and the common
# transliterations), with the level they mean: 1 governorate, 2 district, 3 sub-district.
_UNIT_WORDS = {
    "governorate": 1, "province": 1, "muhafazat": 1, "muhafaza": 1, "muhafazah": 1,
    "محافظة": 1, "محافظه": 1,
    "district": 2, "mintaqa": 2, "mantiqa": 2, "منطقة": 2, "منطقه": 2,
    "subdistrict": 3, "sub-district": 3, "nahiya": 3, "nahia": 3, "ناحية": 3, "ناحيه": 3,
}  # fmt: skip


def unit_named(text: str) -> tuple[str, int] | None:
    """(bare name, level) when `text` names a unit with its kind: "Aleppo governorate",
    "Governorate of Aleppo", "محافظة حلب", "Az-Zabdani district"; else None."""
    words = text.split()
    if len(words) < 2:  # noqa: PLR2004 - a kind word and at least one word of name
        return None
    first, last = words[0].casefold(), words[-1].casefold()
    if last in _UNIT_WORDS:
        return " ".join(words[:-1]), _UNIT_WORDS[last]
    if first in _UNIT_WORDS:
        rest = words[1:]
        if rest[0].casefold() == "of" and len(rest) > 1:
            rest = rest[1:]
        return " ".join(rest), _UNIT_WORDS[first]
    return None


@dataclass
class Gazetteer:
    """An in-memory index of every name; build it once with `build_gazetteer`."""

    targets: dict[str, Target] = field(default_factory=dict)
    _index: dict[tuple[Tier, str], dict[str, str]] = field(default_factory=dict)
    _trigrams: dict[str, list[str]] = field(default_factory=dict)

    def add_name(self, target_key: str, name: str) -> None:
        for tier, keys in name_keys(name).items():
            for key in keys:
                self._index.setdefault((tier, key), {}).setdefault(target_key, name)

    def resolve(self, text: str, context: ResolveContext = NO_CONTEXT) -> list[Candidate]:
        """Ranked candidates, best first; empty when nothing is near. A name that says what
        kind of unit it is ("Aleppo governorate", "محافظة حلب", "Jisr al-Shughur district")
        is looked for as that kind of unit under its bare name."""
        bare = unit_named(text)
        if bare is None or context.level is not None:
            return self._resolve(text, context)
        name, level = bare
        kind = ResolveContext(context.within, level, context.places_only)
        # The unit of that kind; else the whole text; else the name as a unit of any kind
        # (a sub-district called a district is still that sub-district).
        return (
            self._resolve(name, kind)
            or self._resolve(text, context)
            or self._resolve(name, context)
        )

    def _resolve(self, text: str, context: ResolveContext) -> list[Candidate]:
        found: dict[str, Candidate] = {}
        for tier, keys in iter_keys(text):
            for key in keys:
                for target_key, matched in self._index.get((tier, key), {}).items():
                    self._offer(
                        found,
                        target_key,
                        matched,
                        tier.name.lower(),
                        context,
                        TIER_CONFIDENCE[tier],
                    )
            if found:
                break
        if not found and " - " in text:
            return self._compound(text, context)
        if not found:
            self._fuzzy(text, context, found)
        return sorted(found.values(), key=_rank)[:MAX_CANDIDATES]

    def _compound(self, text: str, context: ResolveContext) -> list[Candidate]:
        """ "Damascus - Jobar" (ACLED's town - quarter): the quarter inside the town when it is
        known there, else the town itself, trusted less since it is coarser than was said."""
        head, _, tail = text.partition(" - ")
        towns = self.resolve(head, context)
        if not towns:
            return []
        town = towns[0].target
        within = town.adm3 or town.adm2 or town.adm1 or town.key
        inner = self.resolve(tail, ResolveContext(within=within, places_only=context.places_only))
        if inner:
            return inner
        return [replace(c, confidence=round(c.confidence * COARSER, 3)) for c in towns]

    def _offer(
        self,
        found: dict[str, Candidate],
        target_key: str,
        matched: str,
        tier: str,
        context: ResolveContext,
        confidence: float,
    ) -> None:
        target = self.targets.get(target_key)
        if target is None or not context.admits(target):
            return
        best = found.get(target_key)
        if best is None or best.confidence < confidence:
            found[target_key] = Candidate(target, round(confidence, 3), matched, tier)

    def _fuzzy(self, text: str, context: ResolveContext, found: dict[str, Candidate]) -> None:
        """Spellings near the query's: variant keys sharing most of its trigrams, compared
        in full only for the few that share enough."""
        if not self._trigrams:
            self._build_trigrams()
        for key in name_keys(text)[Tier.VARIANT]:
            for other, ratio in self._near_keys(key):
                for target_key, matched in self._index[(Tier.VARIANT, other)].items():
                    confidence = FUZZY_CONFIDENCE * ratio
                    self._offer(found, target_key, matched, "fuzzy", context, confidence)

    def _build_trigrams(self) -> None:
        for tier, key in self._index:
            if tier is Tier.VARIANT:
                for gram in _trigrams(key):
                    self._trigrams.setdefault(gram, []).append(key)

    def _near_keys(self, key: str) -> list[tuple[str, float]]:
        grams = _trigrams(key)
        shared: Counter[str] = Counter()
        for gram in grams:
            shared.update(self._trigrams.get(gram, ()))
        # Two strings with a similarity ratio >= 0.8 share at least about half their trigrams.
        floor = max(1, len(grams) // 2)
        # Sorted by count, then key, so the same query always compares the same keys.
        ranked = sorted(shared.items(), key=lambda item: (-item[1], item[0]))[:FUZZY_POOL]
        near = [other for other, count in ranked if count >= floor]
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        scored = []
        for other in near:
            matcher.set_seq1(other)
            if matcher.quick_ratio() >= FUZZY_CUTOFF and (ratio := matcher.ratio()) >= FUZZY_CUTOFF:
                scored.append((other, ratio))
        return scored


def _trigrams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _rank(candidate: Candidate) -> tuple[float, int, str]:
    target = candidate.target
    order = KIND_ORDER["town"] if target.level is None else KIND_ORDER.get(target.level, 9)
    return (-candidate.confidence, order, target.key)


def build_gazetteer(
    units: Iterable[AdminUnit], places: Iterable[Place], aliases: Iterable[Alias]
) -> Gazetteer:
    gazetteer = Gazetteer()
    by_pcode = {unit.pcode: unit for unit in units}
    for unit in by_pcode.values():
        gazetteer.targets[unit.pcode] = _unit_target(unit, by_pcode)
        for name in (unit.name_en, unit.name_ar, *unit.names_en):
            if name:
                gazetteer.add_name(unit.pcode, name)
    for place in places:
        gazetteer.targets[place.id] = _place_target(place, by_pcode)
        for name in (place.name, *place.names):
            gazetteer.add_name(place.id, name)
    for alias in aliases:
        if alias.target in gazetteer.targets:
            gazetteer.add_name(alias.target, alias.text)
    return gazetteer


def _unit_target(unit: AdminUnit, by_pcode: dict[str, AdminUnit]) -> Target:
    chain = _ancestors(unit, by_pcode)
    return Target(
        key=unit.pcode,
        name=unit.name_en,
        name_ar=unit.name_ar,
        level=unit.level,
        adm1=chain.get(1),
        adm2=chain.get(2),
        adm3=chain.get(3),
        location=unit.location,
    )


def _ancestors(unit: AdminUnit, by_pcode: dict[str, AdminUnit]) -> dict[int, str]:
    """Level -> P-code of the unit and the units above it; a parent that is not loaded is
    still named, one level up (COD parents are always the next level)."""
    chain = {unit.level: unit.pcode}
    level, parent = unit.level, unit.parent_pcode
    while parent is not None and level > 1 and level - 1 not in chain:
        above = by_pcode.get(parent)
        chain[level - 1] = parent
        if above is None:
            break
        level, parent = above.level, above.parent_pcode
    return chain


def _place_target(place: Place, by_pcode: dict[str, AdminUnit]) -> Target:
    unit = by_pcode.get(place.unit_pcode or "")
    chain = _ancestors(unit, by_pcode) if unit is not None else {}
    arabic = next((n for n in place.names if is_arabic(n)), "")
    return Target(
        key=place.id,
        name=place.name,
        name_ar=arabic,
        level=None,
        adm1=chain.get(1),
        adm2=chain.get(2),
        adm3=chain.get(3),
        location=place.location,
    )


def same_name(a: str, b: str) -> bool:
    return exact_key(a) == exact_key(b)
