"""Helpers for tests: a controllable clock, predictable ids, a valid report to vary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from truce.application.demo_case import ACTORS, AGREEMENT, BODIES, members_of_cast
from truce.application.registry import RegistryService
from truce.domain.parties import Member

START = datetime(2017, 1, 10, 9, 0, tzinfo=UTC)
# Screenshots and other files a person may want to look at after a run.
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
# The browser tests' Chromium (Debian's; never `playwright install`) and axe-core (npm).
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
# The flags keep Chromium from calling home on a machine whose only network is loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class FixedClock:
    """A clock that moves only when told to, so time-dependent rules are tested exactly."""

    def __init__(self, start: datetime = START) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


class SequentialIds:
    def __init__(self, prefix: str = "id") -> None:
        self.prefix = prefix
        self.count = 0

    def new_id(self) -> str:
        self.count += 1
        return f"{self.prefix}-{self.count:06d}"


def report_fields(**overrides: object) -> dict[str, object]:
    """A valid report as a client sends it; tests override what they are about."""
    fields: dict[str, object] = {
        "source_kind": "field_monitor",
        "source_name": "Mechanism field team, Rif Dimashq",
        "reliability": "B",
        "credibility": 2,
        "occurred_from": "2017-01-02T06:10:00+02:00",
        "occurred_to": "2017-01-02T06:40:00+02:00",
        "place_text": "Wadi Barada",
        "latitude": 33.6539,
        "longitude": 36.1022,
        "event_type": "shelling",
        "narrative": "Impacts of artillery rounds west of Basimah over thirty minutes.",
        "narrative_lang": "en",
        "confidentiality": "mechanism",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def seed_cast(registry: RegistryService) -> dict[str, Member]:
    """The Astana bodies, actors and agreement, and the named cast as members."""
    for body in BODIES:
        registry.add_body(body)
    for actor in ACTORS:
        registry.add_actor(actor)
    members = members_of_cast()
    for member in members:
        registry.add_member(member)
    registry.conclude_agreement(AGREEMENT)
    return {member.username: member for member in members}


class StopImportError(Exception):
    """Raised by `stopping_after` to interrupt an import between two batches."""


def stopping_after(batches: int) -> Callable[[int], None]:
    """An import's progress callback that stops it once `batches` batches are committed:
    an interrupted run, to be resumed."""
    done = 0

    def progress(_rows: int) -> None:
        nonlocal done
        done += 1
        if done == batches:
            raise StopImportError

    return progress
