"""Helpers for the compliance report and export tests (issue 10)."""

from __future__ import annotations

from pathlib import Path

from support import FixedClock, SequentialIds, seed_cast
from truce.application.compliance import ComplianceService
from truce.application.exports import ExportService
from truce.application.intake import IntakeService
from truce.application.monitoring import MonitoringService
from truce.application.ports import UnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.parties import Member

BULLETINS = Path(__file__).resolve().parents[2] / "shared" / "data" / "bulletins"
BOUNDARIES = Path(__file__).resolve().parents[2] / "shared" / "data" / "boundaries"


class Desk:
    """The services a compliance test needs, over one store, with the cast seeded."""

    def __init__(self, uow: UnitOfWorkFactory, clock: FixedClock) -> None:
        self.cast: dict[str, Member] = seed_cast(RegistryService(uow, clock))
        self.monitoring = MonitoringService(uow, clock, SequentialIds("report"))
        self.intake = IntakeService(uow, clock, SequentialIds("import"), self.monitoring)
        self.compliance = ComplianceService(uow, clock)
        self.exports = ExportService(uow, clock)
        self.uow = uow
