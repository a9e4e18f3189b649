"""Incidents: one event in the world, correlated from one or more reports; the unit the
mechanism decides on (docs/correlation.md).

An incident holds links to its reports, each with the score components that joined it (or
the analyst who did). Reports are never altered: merging and splitting change incidents only.
Claims are read from the reports at display time and kept side by side; corroboration is
counted over independent sources.

Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from truce.domain.correlation import Observation
from truce.domain.reports import Report, SourceKind
from truce.domain.text_match import grams

# Without a window end, a report is taken to speak of the hour from its start.
DEFAULT_SPAN = timedelta(hours=1)
# Without a radius, a point is taken as a town's, a place name as a district's.
POINT_RADIUS_M = 2_000.0
NAMED_PLACE_RADIUS_M = 25_000.0


class IncidentStatus(StrEnum):
    OPEN = "open"
    # Absorbed into another incident by an analyst: `merged_into` names it.
    MERGED = "merged"
    # Divided by an analyst into new incidents, each naming this one in `split_from`.
    SPLIT = "split"


@dataclass(frozen=True, slots=True)
class Link:
    """Why a report belongs to an incident: the engine's score components against the
    member it matched best, or the analyst who put it there (merge, split)."""

    report_id: str
    linked_at: datetime
    matched_report_id: str | None = None
    components: dict[str, float | None] | None = None
    decided_by: str = "engine"


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    agreement_id: str
    opened_at: datetime
    status: IncidentStatus
    links: tuple[Link, ...]
    merged_into: str | None = None
    split_from: str | None = None

    @property
    def report_ids(self) -> tuple[str, ...]:
        return tuple(link.report_id for link in self.links)


# --- from a report to what correlation needs --------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacePoint:
    """A place name resolved to a point, with the radius the place spans."""

    latitude: float
    longitude: float
    radius_m: float


PlaceResolver = Callable[[str], PlacePoint | None]
ActorKeys = Callable[[str | None, str | None], frozenset[str]]


def source_key(report: Report) -> str:
    """Who speaks: a party's (or any body's) own filings count as one source whatever the
    member or name; datasets and the press by their name."""
    content = report.content
    if content.source_kind in {SourceKind.DATASET, SourceKind.NEWS} or not report.submitter_body_id:
        return f"{content.source_kind}:{content.source_name.casefold()}"
    return f"body:{report.submitter_body_id}"


def observe(report: Report, resolve: PlaceResolver, actor_keys: ActorKeys) -> Observation:
    """The report as correlation sees it. A place given only by name is resolved through the
    place port (a gazetteer when one is wired), with the radius the place spans."""
    content = report.content
    start = content.occurred_from
    end = content.occurred_to or start + DEFAULT_SPAN
    lat, lon, radius = content.latitude, content.longitude, content.uncertainty_m
    if lat is None or lon is None:
        place = resolve(content.place_text) if content.place_text else None
        if place is not None:
            lat, lon = place.latitude, place.longitude
            radius = max(radius or 0.0, place.radius_m)
    default_radius = POINT_RADIUS_M if content.latitude is not None else NAMED_PLACE_RADIUS_M
    actors = actor_keys(content.perpetrator, content.perpetrator_actor_id) | actor_keys(
        content.target, content.target_actor_id
    )
    if content.source_kind == SourceKind.PARTY_LIAISON and report.submitter_body_id:
        # A party reporting a violation is one side of it, whoever it blames: so the
        # government blaming the opposition and the opposition blaming the government
        # name the same two sides.
        actors |= {f"party:{report.submitter_body_id}"}
    texts = [content.narrative, *(t.text for t in content.translations)]
    place_grams = grams(content.place_text)
    return Observation(
        report_id=report.id,
        source_key=source_key(report),
        start=start.timestamp(),
        end=max(end, start).timestamp(),
        lat=lat,
        lon=lon,
        radius_m=radius if radius is not None else default_radius,
        event_type=content.event_type,
        actors=actors,
        place_grams=place_grams,
        text_grams=place_grams.union(*(grams(text) for text in texts)),
        supersedes=content.supersedes,
    )


# --- claims side by side ----------------------------------------------------------------


class ClaimField(StrEnum):
    PERPETRATOR = "perpetrator"
    TARGET = "target"
    PLACE = "place"
    EVENT_TYPE = "event_type"
    KILLED = "killed"
    INJURED = "injured"
    TIME = "time"


@dataclass(frozen=True, slots=True)
class Claim:
    """One report's assertion about one field, with who asserts it."""

    field: ClaimField
    value: str
    report_id: str
    source_name: str
    source_kind: str
    grade: str
    # For the time claim: the window as seconds since the epoch, start and end.
    span: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class ClaimRow:
    """All reports' assertions about one field; `disputed` when they say different things.
    Times are disputed only when some two windows do not overlap: a day-long window and the
    half hour a monitor saw within it tell of the same moment."""

    field: ClaimField
    claims: tuple[Claim, ...]

    @property
    def disputed(self) -> bool:
        spans = [claim.span for claim in self.claims if claim.span is not None]
        if self.field == ClaimField.TIME and spans:
            return max(start for start, _ in spans) > min(end for _, end in spans)
        return len({_normal(claim.value) for claim in self.claims}) > 1


def _normal(value: str) -> str:
    return " ".join(value.casefold().split())


def grade(report: Report) -> str:
    """The Admiralty grade: reliability letter and credibility digit, e.g. B3."""
    return f"{report.content.reliability}{report.content.credibility}"


def _values(
    report: Report, actor_name: Callable[[str | None], str | None]
) -> dict[ClaimField, str | None]:
    content = report.content
    place = content.place_text
    if place is None and content.latitude is not None and content.longitude is not None:
        place = f"{content.latitude:.4f}, {content.longitude:.4f}"
    return {
        ClaimField.PERPETRATOR: actor_name(content.perpetrator_actor_id) or content.perpetrator,
        ClaimField.TARGET: actor_name(content.target_actor_id) or content.target,
        ClaimField.PLACE: place,
        ClaimField.EVENT_TYPE: content.event_type,
        ClaimField.KILLED: None if content.killed is None else str(content.killed),
        ClaimField.INJURED: None if content.injured is None else str(content.injured),
        ClaimField.TIME: _when(report),
    }


def _when(report: Report) -> str:
    start = report.content.occurred_from.astimezone(UTC)
    end = report.content.occurred_to
    if end is None:
        return f"{start:%Y-%m-%d %H:%M}"
    end = end.astimezone(UTC)
    shown = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{shown}"


def span_of(report: Report) -> tuple[float, float]:
    """The report's window in seconds since the epoch; an hour when it gives no end."""
    start = report.content.occurred_from
    end = report.content.occurred_to or start + DEFAULT_SPAN
    return start.timestamp(), max(end, start).timestamp()


def claims_of(
    reports: Sequence[Report], actor_name: Callable[[str | None], str | None] = lambda _: None
) -> list[ClaimRow]:
    """Each field's claims side by side, one per report that makes one. An actor resolved
    through the alias registry is shown by its registry name, so spellings do not count as
    disagreement; what the parties actually assert differently does."""
    rows: dict[ClaimField, list[Claim]] = {name: [] for name in ClaimField}
    for report in reports:
        for name, value in _values(report, actor_name).items():
            if value:
                rows[name].append(
                    Claim(
                        name,
                        value,
                        report.id,
                        report.content.source_name,
                        report.content.source_kind,
                        grade(report),
                        span_of(report) if name == ClaimField.TIME else None,
                    )
                )
    return [ClaimRow(name, tuple(claims)) for name, claims in rows.items() if claims]


# --- corroboration ----------------------------------------------------------------------


class Band(StrEnum):
    SINGLE_SOURCE = "single_source"
    CORROBORATED = "corroborated"
    OBSERVED_BY_MONITORS = "observed_by_monitors"


# Grades that do not count towards corroboration: sources known to be unreliable (E) and
# accounts judged improbable (5).
_DISCOUNTED_RELIABILITY = frozenset({"E"})
_DISCOUNTED_CREDIBILITY = frozenset({5})
_OBSERVING = frozenset({SourceKind.FIELD_MONITOR, SourceKind.SENSOR})


@dataclass(frozen=True, slots=True)
class Corroboration:
    band: Band
    independent_sources: int
    reports: int
    monitor_observed: bool
    evidence: bool
    discounted: int


def corroboration(reports: Iterable[Report]) -> Corroboration:
    """How well the reports given support the incident. Sources count once each (a party's
    own reports are one source, `source_key`); a source graded unreliable or its account
    improbable is discounted; a monitor's or sensor's report, or evidence attached, makes it
    observed."""
    counted: set[str] = set()
    discounted: set[str] = set()
    total, observed, evidence = 0, False, False
    for report in reports:
        total += 1
        content = report.content
        key = source_key(report)
        weak = (
            content.reliability in _DISCOUNTED_RELIABILITY
            or content.credibility in _DISCOUNTED_CREDIBILITY
        )
        (discounted if weak else counted).add(key)
        observed = observed or (content.source_kind in _OBSERVING and not weak)
        evidence = evidence or bool(content.evidence_links)
    discounted -= counted
    if observed or (evidence and counted):
        band = Band.OBSERVED_BY_MONITORS if observed else Band.CORROBORATED
    elif len(counted) >= 2:  # noqa: PLR2004 - two independent sources corroborate
        band = Band.CORROBORATED
    else:
        band = Band.SINGLE_SOURCE
    return Corroboration(band, len(counted), total, observed, evidence, len(discounted))
