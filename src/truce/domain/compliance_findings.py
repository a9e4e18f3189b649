"""What the board found, as compliance reports count it: confirmed violations, each
guarantor's own positions, notable incidents with their determinations, and coverage gaps.

Pure. The application hands over, per incident with a verification case, the standing
reports the reader may list (`IncidentReport`, from the store's query), the determination
when the reader may read it, and the investigation's coverage gaps when the reader may read
the incident. This module places each incident on a day and in a governorate, and folds:

- an incident counts on the day of the earliest of those reports, in the governorate most of
  them name (their stored placement first, else their place text), of the type most of them
  give, once for each side that reported it;
- a confirmed violation is a determination whose finding is "violation"; the party accused is
  the party it attributes the violation to, never a report's claim;
- each guarantor's votes are counted separately (as the Russian and Turkish bulletins gave
  their own confirmations), never merged into one number for the board.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from truce.domain.compliance import (
    GOVERNORATE_BY_PCODE,
    NOT_STATED,
    Figures,
    governorate_of,
    report_day,
)
from truce.domain.procedure import Finding, GuarantorCount, counts_by_guarantor
from truce.domain.procedure_records import CoverageGap, Determination, Severity

# Notable incidents first: the gravest, then violations, then the most recent day.
_SEVERITY_RANK: Mapping[Severity | None, int] = {
    Severity.GRAVE: 0,
    Severity.SERIOUS: 1,
    Severity.MINOR: 2,
    None: 3,
}
_FINDING_RANK: Mapping[Finding, int] = {
    Finding.VIOLATION: 0,
    Finding.NOT_ESTABLISHED: 1,
    Finding.NO_VIOLATION: 2,
}


@dataclass(frozen=True, slots=True)
class IncidentReport:
    """One standing report of an incident, as far as a figure needs it."""

    occurred_from: datetime
    place_text: str | None
    adm1: str | None
    event_type: str
    side: str

    @property
    def governorate(self) -> str | None:
        if self.adm1 in GOVERNORATE_BY_PCODE:
            return self.adm1
        return governorate_of(self.place_text)


@dataclass(frozen=True, slots=True)
class DeterminedIncident:
    """An incident of the period with what the reader may know of its outcome: the
    determination (None while there is none, or the reader may not read it) and the coverage
    gaps of its investigation (empty when there are none or the reader may not read them)."""

    incident_id: str
    day: date
    governorate: str
    event_type: str
    sides: tuple[str, ...]
    determination: Determination | None
    gaps: tuple[CoverageGap, ...] = ()

    @property
    def accused(self) -> str:
        d = self.determination
        return NOT_STATED if d is None or d.attributed_party_id is None else d.attributed_party_id

    @property
    def confirmed(self) -> bool:
        return self.determination is not None and self.determination.finding is Finding.VIOLATION


def placed(
    incident_id: str,
    reports: Sequence[IncidentReport],
    determination: Determination | None,
    gaps: Iterable[CoverageGap] = (),
) -> DeterminedIncident:
    """The incident on its day and in its governorate, by the reports the reader may list
    (at least one: the store returns no incident without them)."""
    first = min(r.occurred_from for r in reports)
    places = Counter(g for r in reports if (g := r.governorate) is not None)
    types = Counter(r.event_type for r in reports)
    return DeterminedIncident(
        incident_id=incident_id,
        day=report_day(first),
        governorate=_most_common(places) or NOT_STATED,
        event_type=_most_common(types) or NOT_STATED,
        sides=tuple(sorted({r.side for r in reports})),
        determination=determination,
        gaps=tuple(gaps),
    )


def _most_common(counter: Counter[str]) -> str | None:
    """The value most reports give; a tie goes to the first in alphabetical order, so two
    runs over the same reports agree."""
    if not counter:
        return None
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


def fold_confirmed(incidents: Iterable[DeterminedIncident]) -> Figures:
    """Counts of confirmed violations, broken down as the reported ones are. An incident
    counts once in every breakdown but "by reporting side", where it counts once for each
    side that reported it."""
    governorate: Counter[str] = Counter()
    party: Counter[str] = Counter()
    kind: Counter[str] = Counter()
    side: Counter[str] = Counter()
    side_gov: dict[str, Counter[str]] = {}
    total = 0
    for incident in incidents:
        if not incident.confirmed:
            continue
        total += 1
        governorate[incident.governorate] += 1
        party[incident.accused] += 1
        kind[incident.event_type] += 1
        for who in incident.sides:
            side[who] += 1
            side_gov.setdefault(who, Counter())[incident.governorate] += 1
    return Figures(
        total=total,
        by_governorate=_ranked(governorate),
        by_party=_ranked(party),
        by_type=_ranked(kind),
        by_side=_ranked(side),
        by_side_governorate={k: _ranked(v) for k, v in sorted(side_gov.items())},
    )


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def guarantor_positions(
    guarantor_ids: Iterable[str], incidents: Iterable[DeterminedIncident]
) -> list[GuarantorCount]:
    """Each guarantor's votes over the determinations the reader may read, counted apart."""
    votes = (
        {v.body_id: v.value for v in i.determination.votes}
        for i in incidents
        if i.determination is not None
    )
    return counts_by_guarantor(guarantor_ids, votes)


def notable(incidents: Iterable[DeterminedIncident]) -> list[DeterminedIncident]:
    """The incidents with a determination the reader may read, the most notable first."""
    chosen = [i for i in incidents if i.determination is not None]
    return sorted(
        chosen,
        key=lambda i: (
            _SEVERITY_RANK[i.determination.severity if i.determination else None],
            _FINDING_RANK[i.determination.finding if i.determination else Finding.NO_VIOLATION],
            -i.day.toordinal(),
            i.incident_id,
        ),
    )


@dataclass(frozen=True, slots=True)
class Findings:
    """The report's sections on what the board found, for one edition."""

    confirmed: Figures
    # Per guarantor body, its votes over the period's determinations the reader may read.
    guarantors: Sequence[GuarantorCount]
    notable: Sequence[DeterminedIncident]
    # Incidents whose investigation could not see everything, with what it could not see.
    gaps: Sequence[DeterminedIncident]
    # False when the edition's reader may read no investigation (the public edition, a
    # party's): the report says the section is not in this edition rather than "none".
    gaps_readable: bool


NO_FINDINGS = Findings(Figures(), (), (), (), gaps_readable=False)


def findings_of(
    incidents: Sequence[DeterminedIncident],
    guarantor_ids: Iterable[str],
    *,
    gaps_readable: bool,
) -> Findings:
    return Findings(
        confirmed=fold_confirmed(incidents),
        guarantors=guarantor_positions(guarantor_ids, incidents),
        notable=notable(incidents),
        gaps=[i for i in incidents if i.gaps],
        gaps_readable=gaps_readable,
    )
