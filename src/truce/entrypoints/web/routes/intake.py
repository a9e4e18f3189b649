"""Intake over HTTP: a device's batch sync (POST /api/v1/reports/batch)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from truce.bootstrap import Services
from truce.domain.auth import Scope
from truce.domain.errors import FieldError, InvalidInputError
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import ServicesDep, ViewerDep

MAX_ITEMS = 500


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    # Each item is a report as POST /api/v1/reports takes it, with its own idempotency_key.
    items: list[dict[str, Any]]


class ItemError(msgspec.Struct):
    field: str
    message: str


class ItemOut(msgspec.Struct):
    index: int
    status: str  # filed | duplicate | rejected
    report_id: str | None = None
    errors: list[ItemError] = msgspec.field(default_factory=list)
    quarantine_id: str | None = None


class BatchOut(msgspec.Struct):
    results: list[ItemOut]


class IntakeApi(Controller):
    path = "/api/v1/reports/batch"
    tags = ["reports"]  # noqa: RUF012 - Litestar reads this class attribute

    @post("/", sync_to_thread=True, status_code=HTTP_200_OK)
    def file_batch(
        self, data: JSONBody[BatchIn], services: ServicesDep, viewer: ViewerDep
    ) -> BatchOut:
        """Sync an offline device's reports: each item is filed on its own, with its own
        idempotency key, and answered filed, duplicate (a retry) or rejected with its field
        errors. A rejected item is quarantined, never dropped."""
        viewer.require(Scope.REPORTS_WRITE)
        assert viewer.member is not None  # noqa: S101 - require() refused anonymous callers
        channel = f"api batch by {viewer.member.username}"
        return BatchOut(sync_batch(data.items, services, viewer, channel))


def sync_batch(
    items: list[dict[str, Any]], services: Services, viewer: Viewer, channel: str
) -> list[ItemOut]:
    """One batch through intake, for a device's token (above) or a signed-in browser
    (routes/field.py): the same choke point (MonitoringService.file_report) and audit."""
    viewer.require(Scope.REPORTS_WRITE)
    assert viewer.member is not None  # noqa: S101 - require() refused anonymous callers
    if not items or len(items) > MAX_ITEMS:
        raise InvalidInputError([FieldError("items", f"send 1 to {MAX_ITEMS} items")])
    results = services.intake.file_batch(list(items), viewer.member, channel, viewer.address)
    return [
        ItemOut(
            index=r.index,
            status=r.status,
            report_id=r.report_id,
            errors=[ItemError(e.field, e.message) for e in r.errors],
            quarantine_id=r.quarantine_id,
        )
        for r in results
    ]
