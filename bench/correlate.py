"""Benchmark of correlation (issue 7): B-cubed precision, recall and F1 of the engine on a
stream of reports with known truth built from the real ACLED events, beside two baselines
in the same run (a fixed window of 25 km and 6 hours; DBSCAN over space and time), and the
engine's throughput and memory.

    uv run python bench/correlate.py                 # every ACLED event (about 23,000)
    uv run python bench/correlate.py --events 3000   # a quick run

The stream: each real event (a day, a point, the two actors, a location name) happens at a
hidden moment of its day and yields several reports, each from a different kind of source:
- a monitor (80 %): coordinates within 1 km, a one-hour window, both actors, a short note;
- each side (70 % each): the location's name only (the place port resolves it to the centre
  of the events of that name, with a district's radius of 20 km), a six-hour window, blaming
  the other side (perpetrator and target swapped), in its own words, sometimes in Arabic;
- news (70 %): a headline in English (the event's notes) or Arabic (a template with the
  place's name in Arabic script), the whole day as its window, the place's name in 60 %.
Reports arrive in the order they are filed (the moment plus each source's delay). Real
events close in space and time stay distinct: the truth is the ACLED event id.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import random
import re
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

from truce.domain.commands import FileReport
from truce.domain.confidentiality import Confidentiality
from truce.domain.correlation import Correlator, Observation
from truce.domain.incidents import PlacePoint, observe
from truce.domain.reports import Report

EVENTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "events"
ACLED_FILES = (
    "acled_syria_battles_2017-01.csv",
    "acled_syria_battles_2017-02_2017-06.csv",
    "acled_syria_battles_2017-07_2023-06.csv",
)
DISTRICT_RADIUS_M = 20_000.0
HOUR = timedelta(hours=1)

# Latin letters -> Arabic, to write a place's name in Arabic script in an Arabic headline.
_TO_ARABIC = {
    "a": "ا", "b": "ب", "t": "ت", "j": "ج", "h": "ح", "k": "ك", "d": "د", "r": "ر", "z": "ز",
    "s": "س", "f": "ف", "q": "ق", "l": "ل", "m": "م", "n": "ن", "w": "و", "y": "ي", "i": "ي",
    "o": "و", "u": "و", "e": "", "g": "غ", "c": "ك", "p": "ب", "v": "ف", "x": "كس",
}  # fmt: skip
_ARABIC_VERBS = ("اشتباكات عنيفة في", "قصف واشتباكات في محيط", "معارك في", "هجوم على")
_PARTY_WORDS = (
    "{perp} attacked our positions in {place}",
    "Violation: {perp} shelled {place}",
    "خرق للهدنة: {perp} استهدف {place}",
)


_PROPER = re.compile(r"(?<![.] )(?<!^)\b([A-Z][a-z'-]{3,}(?: [A-Z][a-z'-]+)*)")
_COMMON = frozenset({"Syrian", "Islamic", "State", "Regime", "Opposition", "Forces", "Military"})


def details(notes: str, rng: random.Random, most: int) -> list[str]:
    """Names in the event's notes (villages, quarters, units), as each source mentions a
    few of the specifics it saw: what sets apart two events at one place on one day."""
    found = [n for n in dict.fromkeys(_PROPER.findall(notes)) if n.split()[0] not in _COMMON]
    return rng.sample(found, min(most, len(found)))


def arabic(name: str) -> str:
    words = []
    for word in name.replace("-", " ").split():
        folded = word.casefold().replace("'", "")
        for pair, single in (("kh", "خ"), ("sh", "ش"), ("th", "ث"), ("gh", "غ"), ("dh", "ذ")):
            folded = folded.replace(pair, single)
        words.append(
            "".join(_TO_ARABIC.get(ch, ch if "\u0600" <= ch <= "\u06ff" else "") for ch in folded)
        )
    return " ".join(w for w in words if w)


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    day: datetime
    lat: float
    lon: float
    location: str
    admin2: str
    actor1: str
    actor2: str
    notes: str


def load_events(limit: int | None) -> list[Event]:
    events: list[Event] = []
    for name in ACLED_FILES:
        with (EVENTS / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                events.append(
                    Event(
                        row["event_id_cnty"],
                        datetime.strptime(row["event_date"], "%d %B %Y").replace(tzinfo=UTC),
                        float(row["latitude"]),
                        float(row["longitude"]),
                        row["location"],
                        row["admin2"],
                        row["actor1"],
                        row["actor2"] or "Unidentified",
                        row["notes"],
                    )
                )
                if limit is not None and len(events) >= limit:
                    return events
    return events


@dataclass(frozen=True, slots=True)
class Generated:
    report: Report
    truth: str
    filed: datetime


def gazetteer(events: list[Event]) -> dict[str, PlacePoint]:
    """The place port of the benchmark: each location name -> the centre of its events."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for event in events:
        points[event.location].append((event.lat, event.lon))
    return {
        name: PlacePoint(
            sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts), DISTRICT_RADIUS_M
        )
        for name, pts in points.items()
    }


def _jitter(rng: random.Random, lat: float, lon: float, metres: float) -> tuple[float, float]:
    distance, bearing = metres * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111_320.0
    dlon = distance * math.sin(bearing) / (111_320.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def _report(n: int, filed: datetime, body: str | None, **fields: object) -> Report:
    base: dict[str, object] = {
        "reliability": "C",
        "credibility": 3,
        "occurred_to": None,
        "place_text": None,
        "latitude": None,
        "longitude": None,
        "event_type": "battle",
        "perpetrator": None,
        "target": None,
        "killed": None,
        "injured": None,
        "narrative_lang": "en",
        "confidentiality": Confidentiality.MECHANISM,
    }
    base.update(fields)
    command = FileReport(**base)  # type: ignore[arg-type]
    return Report(f"r{n}", "cf", filed, None, body, command, "")


def generate(events: list[Event], seed: int = 7) -> list[Generated]:
    """The stream, in filing order."""
    rng = random.Random(seed)
    ids = count()
    out: list[Generated] = []
    for event in events:
        moment = event.day + timedelta(seconds=rng.uniform(0, 86_400))
        out.extend(_reports_of(event, moment, rng, ids))
    out.sort(key=lambda g: (g.filed, g.report.id))
    return out


def _reports_of(
    event: Event, moment: datetime, rng: random.Random, ids: Iterator[int]
) -> Iterator[Generated]:
    if rng.random() < 0.8:
        lat, lon = _jitter(rng, event.lat, event.lon, 1_000.0)
        start = moment - HOUR * rng.random()
        filed = moment + HOUR * rng.uniform(0, 2)
        report = _report(
            next(ids), filed, "monitors",
            source_kind="field_monitor", source_name=f"monitor team {int(event.lon)}",
            occurred_from=start, occurred_to=start + HOUR, latitude=lat, longitude=lon,
            uncertainty_m=1_000.0, perpetrator=event.actor1, target=event.actor2,
            place_text=event.location,
            narrative=event.notes or f"Fire exchanged at {event.location}",
        )  # fmt: skip
        yield Generated(report, event.id, filed)
    for side, other in ((event.actor1, event.actor2), (event.actor2, event.actor1)):
        if rng.random() < 0.7:
            yield _party_report(event, moment, rng, ids, side, other)
    if rng.random() < 0.7:
        yield _news_report(event, moment, rng, ids)


def _party_report(
    event: Event,
    moment: datetime,
    rng: random.Random,
    ids: Iterator[int],
    side: str,
    other: str,
) -> Generated:
    start = moment - 3 * HOUR * rng.random()
    filed = moment + HOUR * rng.uniform(0, 6)
    place = event.location
    words = rng.choice(_PARTY_WORDS)
    named = [place, *details(event.notes, rng, 2)]
    shown = " ".join(arabic(n) if "خرق" in words else n for n in named)
    report = _report(
        next(ids), filed, f"side:{side}",
        source_kind="party_liaison", source_name=side, occurred_from=start,
        occurred_to=start + 3 * HOUR, place_text=place, perpetrator=other, target=side,
        event_type=rng.choice(("shelling", "battle", "incursion")), reliability="F",
        credibility=6, narrative=words.format(perp=other, place=shown),
    )  # fmt: skip
    return Generated(report, event.id, filed)


def _news_report(
    event: Event, moment: datetime, rng: random.Random, ids: Iterator[int]
) -> Generated:
    filed = moment + HOUR * rng.uniform(2, 30)
    if rng.random() < 0.5:
        named = [event.location, *details(event.notes, rng, 2)]
        text = f"{rng.choice(_ARABIC_VERBS)} {' '.join(arabic(n) for n in named)}"
        lang = "ar"
    else:
        text, lang = event.notes.split(". ")[0][:300] or f"Clashes in {event.location}", "en"
    report = _report(
        next(ids), filed, None,
        source_kind="news", source_name=rng.choice(("SANA", "Enab Baladi", "Reuters", "SOHR")),
        occurred_from=event.day, occurred_to=event.day + 24 * HOUR,
        place_text=event.location,
        narrative=text, narrative_lang=lang,
    )  # fmt: skip
    return Generated(report, event.id, filed)


# --- scoring ------------------------------------------------------------------------------


def bcubed(truth: dict[str, str], found: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering (report -> cluster) against the truth."""
    by_truth: dict[str, set[str]] = defaultdict(set)
    by_found: dict[str, set[str]] = defaultdict(set)
    for item, label in truth.items():
        by_truth[label].add(item)
    for item, label in found.items():
        by_found[label].add(item)
    precision = recall = 0.0
    for item in truth:
        cluster, real = by_found[found[item]], by_truth[truth[item]]
        both = len(cluster & real)
        precision += both / len(cluster)
        recall += both / len(real)
    precision /= len(truth)
    recall /= len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall)


def actor_keys(name: str | None, actor_id: str | None) -> frozenset[str]:
    key = actor_id or name
    return frozenset({key.casefold()}) if key else frozenset()


def observations(stream: list[Generated], places: dict[str, PlacePoint]) -> list[Observation]:
    return [observe(g.report, places.get, actor_keys) for g in stream]


def run_engine(obs: list[Observation]) -> tuple[dict[str, str], Correlator]:
    ids = count()
    engine = Correlator(new_id=lambda: f"i{next(ids)}")
    found = {}
    for observation in obs:
        found[observation.report_id] = engine.add(observation).incident_id
    return found, engine


# --- baselines ----------------------------------------------------------------------------

WINDOW_KM = 25.0
WINDOW_H = 6.0


def _xy(o: Observation) -> tuple[float, float, float] | None:
    if o.lat is None or o.lon is None:
        return None
    return o.lat * 111.32, o.lon * 111.32 * math.cos(math.radians(35.0)), (o.start + o.end) / 7200


def fixed_window(obs: list[Observation]) -> dict[str, str]:
    """Join a report to the first earlier report within 25 km and 6 hours (by the midpoints
    of their windows); unlocated reports stand alone."""
    grid: dict[tuple[int, int, int], list[tuple[float, float, float, str]]] = defaultdict(list)
    found: dict[str, str] = {}
    for o in obs:
        point = _xy(o)
        if point is None:
            found[o.report_id] = o.report_id
            continue
        x, y, t = point
        cx, cy, ct = int(x // WINDOW_KM), int(y // WINDOW_KM), int(t // WINDOW_H)
        label = o.report_id
        for key in _around(cx, cy, ct):
            hit = next((c for (a, b, s, c) in grid.get(key, ()) if _near(x, y, t, a, b, s)), None)
            if hit is not None:
                label = hit
                break
        found[o.report_id] = label
        grid[(cx, cy, ct)].append((x, y, t, label))
    return found


def _around(cx: int, cy: int, ct: int) -> Iterator[tuple[int, int, int]]:
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dt in (-1, 0, 1):
                yield (cx + dx, cy + dy, ct + dt)


def _near(x: float, y: float, t: float, a: float, b: float, s: float) -> bool:
    return math.hypot(x - a, y - b) <= WINDOW_KM and abs(t - s) <= WINDOW_H


def dbscan(obs: list[Observation], min_points: int = 2) -> dict[str, str]:  # noqa: C901 - the textbook algorithm in one piece, for the baseline
    """DBSCAN over (x, y, t) scaled so that eps = 1 is 25 km or 6 hours (grid-indexed)."""
    points = {o.report_id: p for o in obs if (p := _xy(o)) is not None}
    scaled = {k: (x / WINDOW_KM, y / WINDOW_KM, t / WINDOW_H) for k, (x, y, t) in points.items()}
    grid: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    for k, (x, y, t) in scaled.items():
        grid[(int(x // 1), int(y // 1), int(t // 1))].append(k)

    def neighbours(k: str) -> list[str]:
        x, y, t = scaled[k]
        out = []
        for key in _around(int(x // 1), int(y // 1), int(t // 1)):
            for other in grid.get(key, ()):
                a, b, s = scaled[other]
                if (x - a) ** 2 + (y - b) ** 2 + (t - s) ** 2 <= 1.0:
                    out.append(other)
        return out

    labels: dict[str, str] = {}
    for k in scaled:
        if k in labels:
            continue
        near = neighbours(k)
        if len(near) < min_points:
            continue
        labels[k] = k
        queue = list(near)
        while queue:
            other = queue.pop()
            if other in labels:
                continue
            labels[other] = k
            more = neighbours(other)
            if len(more) >= min_points:
                queue.extend(m for m in more if m not in labels)
    return {o.report_id: labels.get(o.report_id, o.report_id) for o in obs}


# --- the run ------------------------------------------------------------------------------


def _timed(run: Callable[[], object]) -> tuple[object, float, float]:
    """The result, the wall-clock seconds and the CPU seconds of this process. On a machine
    shared with other jobs the wall clock counts their turns too; the CPU time does not."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - started, time.process_time() - cpu


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=None, help="at most this many events")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not (EVENTS / ACLED_FILES[0]).is_file():
        sys.exit(f"the ACLED files are not in {EVENTS} (../shared/data/events)")
    events = load_events(args.events)
    stream = generate(events, args.seed)
    places = gazetteer(events)
    truth = {g.report.id: g.truth for g in stream}
    obs, observe_s, observe_cpu = _timed(lambda: observations(stream, places))
    assert isinstance(obs, list)  # noqa: S101
    (found, engine), engine_s, engine_cpu = _timed(lambda: run_engine(obs))  # type: ignore[misc]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fixed, fixed_s, fixed_cpu = _timed(lambda: fixed_window(obs))
    clusters, dbscan_s, dbscan_cpu = _timed(lambda: dbscan(obs))
    print(f"{platform.node()} {platform.machine()} Python {platform.python_version()}")
    print(f"load averages {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{len(events)} real ACLED events -> {len(stream)} reports")
    header = f"{'method':<28}{'precision':>10}{'recall':>8}{'F1':>8}"
    print(f"{header}{'reports/s wall':>16}{'reports/s CPU':>15}")
    rows = (
        ("engine (truce correlate)", found, engine_s, engine_cpu),
        ("fixed window 25 km / 6 h", fixed, fixed_s, fixed_cpu),
        ("DBSCAN 25 km / 6 h, min 2", clusters, dbscan_s, dbscan_cpu),
    )
    n = len(stream)
    for name, labels, seconds, cpu in rows:
        p, r, f = bcubed(truth, labels)  # type: ignore[arg-type]
        print(f"{name:<28}{p:>10.4f}{r:>8.4f}{f:>8.4f}{n / seconds:>16,.0f}{n / cpu:>15,.0f}")
    print(
        f"observing the reports (trigrams, place port): {n / observe_s:,.0f} reports/s wall, "
        f"{n / observe_cpu:,.0f} CPU"
    )
    print(
        f"engine at the end: {engine.open_incidents} open incidents, {engine.index_keys} index keys"
    )
    print(f"peak RSS after the engine: {rss:,.0f} MiB")


if __name__ == "__main__":
    main()
