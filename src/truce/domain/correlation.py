"""Correlation: which reports tell of the same event (docs/correlation.md).

A report is seen here as an `Observation`: its time window, its place as a point with the
radius it lies within, its type, the actors it names (as alias-registry keys), its source and
its text's trigrams. Two observations are compared component by component (`compare`); an
observation joins the incident holding its best-scoring member when that score clears the
threshold and no member came from the same source (cannot-link: one source reporting two
things at once tells of two events). Otherwise it opens an incident.

`Correlator` is the incremental engine over an in-memory space-time index: cells of a grid
(0.5 degrees) per time bucket (12 hours), each report entered under every cell and bucket its
disc and window (widened by their tolerance) touch, so two reports that could match always
share a key. A vague report (a country-wide point over two months) would touch a hundred
thousand such keys; one that touches more than WIDE_KEYS is entered in a coarse index instead
(4 degrees, 8 days), where every report is entered too, and found from there: any two reports
sharing a fine key share a coarse one, so no candidate is lost. Candidates are taken in the
order their incidents entered the engine, whichever index found them. Incidents whose windows
closed more than `horizon` before the newest report are evicted: memory follows the open
window, not history.

Pure: standard library only; ids come from the caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from truce.domain.text_match import overlap

HOUR = 3600.0
KM = 1000.0
# Weights of the components in the score; they add up to 1.
WEIGHTS: dict[str, float] = {
    "space": 0.20,
    "time": 0.20,
    "type": 0.05,
    "actor": 0.15,
    "text": 0.40,
}
THRESHOLD = 0.82
# Of the text component: how much is "the place one names appears in the other's text", the
# rest being the text the two share.
PLACE_SHARE = 0.7
# An incident's score: this much its best member's, the rest the mean over its members.
LEAD = 0.5
# Neutral value of a component nothing can be said about (an unlocated report, no actors).
UNKNOWN = 0.5
CELL_DEG = 0.5
BUCKET_S = 12 * HOUR
DEFAULT_HORIZON_S = 3 * 24 * HOUR
# Beyond this many tolerances apart, two places cannot be the same.
SPACE_REACH = 1.5
MIN_RADIUS_M = 500.0
DEGREE_KM = 111.195

_REMOTE = frozenset(
    {"shelling", "explosion_remote_violence", "air_strike", "attack_on_protected_infrastructure"}
)
_GROUND = frozenset({"battle", "incursion", "heavy_weapons_movement"})
_UNSPECIFIC = frozenset({"other", ""})


@dataclass(frozen=True, slots=True)
class Observation:
    """What correlation needs of one report. Times are seconds since the epoch. What every
    comparison needs again (slack, radius, the scale of a degree of longitude) is worked out
    once, when the observation is made."""

    report_id: str
    source_key: str
    start: float
    end: float
    lat: float | None
    lon: float | None
    radius_m: float
    event_type: str
    actors: frozenset[str] = frozenset()
    place_grams: frozenset[str] = frozenset()
    text_grams: frozenset[str] = frozenset()
    supersedes: str | None = None
    # Half of the time tolerance this report brings: wider windows are vaguer.
    time_slack: float = field(init=False, repr=False, compare=False)
    # The radius, at least MIN_RADIUS_M, in kilometres.
    radius_km: float = field(init=False, repr=False, compare=False)
    # Kilometres per degree of longitude at the report's latitude.
    lon_km: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "time_slack", 0.25 * (self.end - self.start) + 0.5 * HOUR)
        setattr_(self, "radius_km", max(self.radius_m, MIN_RADIUS_M) / KM)
        lat = self.lat if self.lat is not None else 0.0
        setattr_(self, "lon_km", DEGREE_KM * math.cos(math.radians(lat)))

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def space_slack_m(self) -> float:
        """The radius within which a matching report's own disc must start."""
        return SPACE_REACH * (max(self.radius_m, MIN_RADIUS_M) + 0.5 * KM)


@dataclass(frozen=True, slots=True)
class Components:
    """Why two reports were (or were not) joined: each component in 0..1 and the score."""

    space: float
    time: float
    type: float
    actor: float
    text: float
    score: float
    distance_km: float | None
    tolerance_km: float | None
    time_gap_h: float

    def as_json(self) -> dict[str, float | None]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "space": rounded(self.space),
            "time": rounded(self.time),
            "type": rounded(self.type),
            "actor": rounded(self.actor),
            "text": rounded(self.text),
            "score": rounded(self.score),
            "distance_km": rounded(self.distance_km),
            "tolerance_km": rounded(self.tolerance_km),
            "time_gap_h": rounded(self.time_gap_h),
        }


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(a)))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: within a tenth of a percent of the great circle at the
    tens of kilometres correlation compares, and several times cheaper."""
    dy = (lat2 - lat1) * 111.195
    dx = (lon2 - lon1) * 111.195 * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, dy)


def space_score(a: Observation, b: Observation) -> tuple[float, float | None, float | None]:
    """1 within half the tolerance (both radii and a kilometre), falling to 0 at 1.5 of it."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return UNKNOWN, None, None
    dy = (b.lat - a.lat) * DEGREE_KM
    dx = (b.lon - a.lon) * 0.5 * (a.lon_km + b.lon_km)
    distance = math.hypot(dx, dy)
    tolerance = a.radius_km + b.radius_km + 1.0
    ratio = distance / tolerance
    return max(0.0, min(1.0, SPACE_REACH - ratio)), distance, tolerance


def time_score(a: Observation, b: Observation) -> tuple[float, float]:
    """1 when the windows overlap, falling to 0 at a gap of both reports' slack together."""
    gap = max(0.0, max(a.start, b.start) - min(a.end, b.end))
    tolerance = a.time_slack + b.time_slack
    return max(0.0, 1.0 - gap / tolerance), gap / HOUR


def type_score(a: str, b: str) -> float:
    if a in _UNSPECIFIC or b in _UNSPECIFIC:
        return UNKNOWN
    if a == b:
        return 1.0
    if (a in _REMOTE and b in _REMOTE) or (a in _GROUND and b in _GROUND):
        return 0.8
    # Battles come with shelling; each side may call the same fire by either name.
    if (a in _REMOTE and b in _GROUND) or (a in _GROUND and b in _REMOTE):
        return 0.5
    return 0.1


def actor_score(a: frozenset[str], b: frozenset[str]) -> float:
    """Compatible when the reports name any actor in common, in whatever role: the
    government blaming the opposition and the opposition blaming the army name the same two
    sides of one exchange. Keys come through the alias registry, so spellings agree."""
    if not a or not b:
        return UNKNOWN
    return 1.0 if a & b else 0.0


def _place_named(a: Observation, b: Observation) -> float:
    return max(overlap(a.place_grams, b.text_grams), overlap(b.place_grams, a.text_grams))


def text_score(a: Observation, b: Observation) -> float:
    """Mostly: does the place one report names appear in the other's text (either way
    round)? The rest: how much of the shorter text the longer one shares, which tells two
    events at one place apart when their accounts differ."""
    place = _place_named(a, b)
    shared = overlap(a.text_grams, b.text_grams)
    if not (a.place_grams or b.place_grams):
        return shared
    return PLACE_SHARE * place + (1.0 - PLACE_SHARE) * shared


def compare(a: Observation, b: Observation) -> Components | None:
    """The components and score of two reports, or None when time or space rules them out
    (time first: it is the cheaper test). `score` gives the same score faster, without the
    components: the engine scores every candidate pair that way and explains only the best."""
    time, gap_h = time_score(a, b)
    if time <= 0.0:
        return None
    space, distance, tolerance = space_score(a, b)
    if space <= 0.0:
        return None
    kind = type_score(a.event_type, b.event_type)
    actor = actor_score(a.actors, b.actors)
    text = text_score(a, b)
    if distance is None:
        # Without coordinates, the place names the reports agree on are the evidence of place.
        space = max(space, _place_named(a, b))
    score = (
        WEIGHTS["space"] * space
        + WEIGHTS["time"] * time
        + WEIGHTS["type"] * kind
        + WEIGHTS["actor"] * actor
        + WEIGHTS["text"] * text
    )
    return Components(space, time, kind, actor, text, score, distance, tolerance, gap_h)


_W_SPACE, _W_TIME, _W_TYPE = WEIGHTS["space"], WEIGHTS["time"], WEIGHTS["type"]
_W_ACTOR, _W_TEXT = WEIGHTS["actor"], WEIGHTS["text"]


def score(a: Observation, b: Observation) -> float | None:  # noqa: C901 - one inlined pass, the hot path
    """`compare`'s score alone, or None when time or space rules the pair out: the same
    arithmetic inlined, with the cheap gates first and no objects made."""
    # Conditional expressions, not max() and min(): a builtin call costs more on this path.
    gap = (a.start if a.start > b.start else b.start) - (a.end if a.end < b.end else b.end)  # noqa: FURB136
    tolerance = a.time_slack + b.time_slack
    if gap >= tolerance:
        return None
    total = _W_TIME * (1.0 if gap <= 0.0 else 1.0 - gap / tolerance)
    a_places, b_places = a.place_grams, b.place_grams
    place = -1.0
    if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
        place = _place_named(a, b)
        total += _W_SPACE * (place if place > UNKNOWN else UNKNOWN)  # noqa: FURB136
    else:
        dy = (b.lat - a.lat) * DEGREE_KM
        dx = (b.lon - a.lon) * 0.5 * (a.lon_km + b.lon_km)
        reach = (a.radius_km + b.radius_km + 1.0) * SPACE_REACH
        distance_sq = dx * dx + dy * dy
        if distance_sq >= reach * reach:
            return None
        ratio = math.sqrt(distance_sq) / (a.radius_km + b.radius_km + 1.0)
        total += _W_SPACE * (1.0 if ratio <= SPACE_REACH - 1.0 else SPACE_REACH - ratio)
    total += _W_TYPE * type_score(a.event_type, b.event_type)
    if a.actors and b.actors:
        if not a.actors.isdisjoint(b.actors):
            total += _W_ACTOR
    else:
        total += _W_ACTOR * UNKNOWN
    # `overlap` inlined: the text sets are what every pair compares.
    a_text, b_text = a.text_grams, b.text_grams
    shared = 0.0
    if a_text and b_text:
        smaller = min(len(b_text), len(a_text))
        shared = len(a_text & b_text) / smaller
    if not (a_places or b_places):
        return total + _W_TEXT * shared
    if place < 0.0:
        place = _place_named(a, b)
    return total + _W_TEXT * (PLACE_SHARE * place + (1.0 - PLACE_SHARE) * shared)


def cannot_link(a: Observation, b: Observation) -> bool:
    """One source telling of two things at once tells of two events, unless one corrects
    the other."""
    if a.source_key != b.source_key:
        return False
    return a.supersedes != b.report_id and b.supersedes != a.report_id


@dataclass(frozen=True, slots=True)
class Match:
    """The best member of a candidate incident for a new report."""

    incident_id: str
    member_id: str
    components: Components


def best_match(
    observation: Observation,
    candidates: Iterable[tuple[str, Iterable[Observation]]],
    threshold: float = THRESHOLD,
) -> Match | None:
    """The incident to attach to: the best-scoring member over all candidate incidents that
    no cannot-link rules out, when its score clears the threshold. Ties go to the first.
    Pairs are scored as plain numbers; the components are worked out for the winner only."""
    best: tuple[str, Observation, float] | None = None
    for incident_id, members in candidates:
        found = _best_member(observation, members)
        if found is not None and (best is None or found[1] > best[2]):
            best = (incident_id, found[0], found[1])
    if best is None or best[2] < threshold:
        return None
    incident_id, member, value = best
    components = compare(observation, member)
    if components is None:  # the same arithmetic as `score`, so never; kept for the types
        return None
    return Match(incident_id, member.report_id, _rescored(components, value))


def _best_member(
    observation: Observation, members: Iterable[Observation]
) -> tuple[Observation, float] | None:
    """The member the report matches best, scored by the incident as a whole: every member
    must be within reach in space and time (no chaining of a day-long news window across
    several events), and the score is the mean over the members, led by the best one."""
    best: Observation | None = None
    best_score, total, seen = -1.0, 0.0, 0
    for member in members:
        if member.source_key == observation.source_key and cannot_link(observation, member):
            return None
        found = score(observation, member)
        if found is None:
            return None
        total += found
        seen += 1
        if found > best_score:
            best, best_score = member, found
    if best is None:
        return None
    return best, LEAD * best_score + (1.0 - LEAD) * total / seen


def _rescored(components: Components, value: float) -> Components:
    return Components(
        components.space, components.time, components.type, components.actor,
        components.text, value, components.distance_km, components.tolerance_km,
        components.time_gap_h,
    )  # fmt: skip


# --- the in-memory engine -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attachment:
    """What the engine did with one report: opened an incident, or attached it (with why)."""

    report_id: str
    incident_id: str
    opened: bool
    match: Match | None = None


@dataclass(slots=True)
class _Open:
    members: list[Observation]
    last_bucket: int
    # When the incident entered the engine: candidates are taken in this order.
    order: int


Key = tuple[int, int, int]
Index = dict[Key, dict[str, None]]


@dataclass
class Correlator:
    """Incremental correlation over an in-memory space-time index (see module docstring)."""

    new_id: Callable[[], str]
    threshold: float = THRESHOLD
    horizon_s: float = DEFAULT_HORIZON_S
    _open: dict[str, _Open] = field(default_factory=dict)
    # Reports of few keys, under their fine keys.
    _cells: Index = field(default_factory=dict)
    # Vague reports under their coarse keys, and every report under its coarse keys.
    _wide: Index = field(default_factory=dict)
    _coarse: Index = field(default_factory=dict)
    _by_bucket: dict[int, list[Key]] = field(default_factory=dict)
    _by_coarse_bucket: dict[int, list[tuple[Index, Key]]] = field(default_factory=dict)
    _watermark: int | None = None
    _entered: int = 0
    # Analysts' cannot-links: report id -> the reports it must never share an incident with.
    _apart: dict[str, set[str]] = field(default_factory=dict)

    @property
    def open_incidents(self) -> int:
        return len(self._open)

    @property
    def index_keys(self) -> int:
        return len(self._cells) + len(self._wide) + len(self._coarse)

    def keep_apart(self, first: Iterable[str], second: Iterable[str]) -> None:
        """An analyst's split: no report of `first` may share an incident with one of
        `second`, and a later report correcting one of them inherits that."""
        first, second = set(first), set(second)
        for report_id in first:
            self._apart.setdefault(report_id, set()).update(second)
        for report_id in second:
            self._apart.setdefault(report_id, set()).update(first)

    def add(self, observation: Observation) -> Attachment:
        """Attach the report to an incident or open one for it."""
        self._advance(observation)
        candidates = self._candidates(observation)
        apart = self._apart.get(observation.supersedes or "")
        if apart:
            self._apart[observation.report_id] = set(apart)
            candidates = [
                (incident_id, members)
                for incident_id, members in candidates
                if not any(member.report_id in apart for member in members)
            ]
        match = best_match(observation, candidates, self.threshold)
        if match is None:
            incident_id = self.new_id()
            self.seed(incident_id, [observation])
            return Attachment(observation.report_id, incident_id, opened=True)
        self._enter(match.incident_id, observation)
        return Attachment(observation.report_id, match.incident_id, opened=False, match=match)

    def seed(self, incident_id: str, members: Iterable[Observation]) -> None:
        """Load an incident correlated earlier (the service seeds the engine from the store)."""
        for member in members:
            self._enter(incident_id, member)

    def _enter(self, incident_id: str, observation: Observation) -> None:
        grid = _Grid.of(observation, query=False)
        last = grid.last
        entry = self._open.get(incident_id)
        if entry is None:
            self._entered += 1
            self._open[incident_id] = _Open([observation], last, self._entered)
        else:
            entry.members.append(observation)
            entry.last_bucket = max(entry.last_bucket, last)
        if grid.wide:
            self._put(self._wide, grid.coarse_keys(), incident_id, coarse=True)
        else:
            self._put(self._cells, grid.fine_keys(), incident_id, coarse=False)
        self._put(self._coarse, grid.coarse_keys(), incident_id, coarse=True)

    def _put(self, index: Index, keys: Iterable[Key], incident_id: str, *, coarse: bool) -> None:
        for key in keys:
            holders = index.get(key)
            if holders is None:
                index[key] = {incident_id: None}
                if coarse:
                    self._by_coarse_bucket.setdefault(key[0], []).append((index, key))
                else:
                    self._by_bucket.setdefault(key[0], []).append(key)
            else:
                holders[incident_id] = None

    def _candidates(self, observation: Observation) -> list[tuple[str, list[Observation]]]:
        grid = _Grid.of(observation, query=True)
        seen: dict[str, _Open] = {}
        if grid.wide:
            _collect(self._coarse, grid.coarse_keys(), self._open, seen)
        else:
            _collect(self._cells, grid.fine_keys(), self._open, seen)
            _collect(self._wide, grid.coarse_keys(), self._open, seen)
        ordered = sorted(seen.items(), key=lambda item: item[1].order)
        return [(incident_id, entry.members) for incident_id, entry in ordered]

    def _advance(self, observation: Observation) -> None:
        """Move the watermark to the newest report and evict what closed before the horizon."""
        bucket = int(observation.start // BUCKET_S)
        if self._watermark is not None and bucket <= self._watermark:
            return
        self._watermark = bucket
        if math.isinf(self.horizon_s):
            return
        cutoff = bucket - int(self.horizon_s // BUCKET_S)
        for old in [b for b in self._by_bucket if b < cutoff]:
            for key in self._by_bucket.pop(old):
                self._cells.pop(key, None)
        # A coarse bucket goes once all of it lies before the cutoff.
        for old in [b for b in self._by_coarse_bucket if (b + 1) * COARSE_BUCKETS <= cutoff]:
            for index, key in self._by_coarse_bucket.pop(old):
                index.pop(key, None)
        for incident_id in [i for i, o in self._open.items() if o.last_bucket < cutoff]:
            del self._open[incident_id]


def _collect(
    index: Index, keys: Iterable[Key], open_: dict[str, _Open], seen: dict[str, _Open]
) -> None:
    for key in keys:
        holders = index.get(key)
        if holders is None:
            continue
        for incident_id in holders:
            if incident_id not in seen:
                entry = open_.get(incident_id)
                if entry is not None:
                    seen[incident_id] = entry


# Every report is also entered under ANY, and an unlocated one under UNLOCATED too: an
# unlocated report is compared with everything of its time, a located one with what is
# near it and with the unlocated.
_ANY = (1 << 30, 1 << 30)
_UNLOCATED = (1 << 30, (1 << 30) + 1)


# A report touching more fine keys than this is vague: it goes in the coarse index only.
WIDE_KEYS = 64
# A coarse key spans this many fine buckets (8 days) and cells (4 degrees) each way.
COARSE_BUCKETS = 16
COARSE_CELLS = 8


@dataclass(frozen=True, slots=True)
class _Grid:
    """The buckets and cells one report touches, as ranges, before any key is made."""

    first: int
    last: int
    cells: tuple[tuple[int, int], ...]
    lat_range: tuple[int, int] | None
    lon_range: tuple[int, int] | None

    @classmethod
    def of(cls, observation: Observation, *, query: bool) -> _Grid:
        slack = observation.time_slack
        first = int((observation.start - slack) // BUCKET_S)
        last = int((observation.end + slack) // BUCKET_S)
        if observation.lat is None or observation.lon is None:
            return cls(first, last, (_ANY,) if query else (_ANY, _UNLOCATED), None, None)
        reach_deg = observation.space_slack_m / 111_320.0
        lon_reach = reach_deg / max(0.1, math.cos(math.radians(observation.lat)))
        lat0 = math.floor((observation.lat - reach_deg) / CELL_DEG)
        lat1 = math.floor((observation.lat + reach_deg) / CELL_DEG)
        lon0 = math.floor((observation.lon - lon_reach) / CELL_DEG)
        lon1 = math.floor((observation.lon + lon_reach) / CELL_DEG)
        return cls(first, last, (_UNLOCATED if query else _ANY,), (lat0, lat1), (lon0, lon1))

    @property
    def wide(self) -> bool:
        cells = len(self.cells)
        if self.lat_range is not None and self.lon_range is not None:
            cells += (self.lat_range[1] - self.lat_range[0] + 1) * (
                self.lon_range[1] - self.lon_range[0] + 1
            )
        return (self.last - self.first + 1) * cells > WIDE_KEYS

    def fine_keys(self) -> list[Key]:
        cells = list(self.cells)
        if self.lat_range is not None and self.lon_range is not None:
            cells += [
                (y, x)
                for y in range(self.lat_range[0], self.lat_range[1] + 1)
                for x in range(self.lon_range[0], self.lon_range[1] + 1)
            ]
        return [(bucket, y, x) for bucket in range(self.first, self.last + 1) for y, x in cells]

    def coarse_keys(self) -> list[Key]:
        """The coarse keys of every fine key, made from the ranges directly (the image of a
        range under floor division is a range); the ANY and UNLOCATED cells stay as they are."""
        cells = list(self.cells)
        if self.lat_range is not None and self.lon_range is not None:
            cells += [
                (y, x)
                for y in range(
                    self.lat_range[0] // COARSE_CELLS, self.lat_range[1] // COARSE_CELLS + 1
                )
                for x in range(
                    self.lon_range[0] // COARSE_CELLS, self.lon_range[1] // COARSE_CELLS + 1
                )
            ]
        first, last = self.first // COARSE_BUCKETS, self.last // COARSE_BUCKETS
        return [(bucket, y, x) for bucket in range(first, last + 1) for y, x in cells]
