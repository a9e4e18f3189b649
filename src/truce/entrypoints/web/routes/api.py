"""JSON API under /api/v1. Thin: parse -> command -> service -> response."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from truce.domain.auth import Scope
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.reports import parse_file_report
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.cursors import decode_cursor, encode_cursor
from truce.entrypoints.web.deps import ServicesDep, ViewerDep
from truce.entrypoints.web.schemas import (
    ActorOut,
    AgreementOut,
    BodyOut,
    ReportIn,
    ReportList,
    ReportOut,
)

IdempotencyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        description="Client-chosen key; a retry with the same key files the report once.",
    ),
]


class ReportsApi(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]  # noqa: RUF012 - Litestar reads this class attribute

    @post("/", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def file_report(
        self,
        data: JSONBody[ReportIn],
        services: ServicesDep,
        viewer: ViewerDep,
        idempotency_key: IdempotencyHeader = None,
    ) -> Response[ReportOut]:
        """File one source's account of one event. Answers 201 when filed, 200 when a retry
        with the same idempotency key found the report already filed."""
        viewer.require(Scope.REPORTS_WRITE)
        assert viewer.member is not None  # noqa: S101 - require() refused anonymous callers
        fields = msgspec.structs.asdict(data)
        fields["idempotency_key"] = _one_key(idempotency_key, data.idempotency_key)
        now = services.clock.now()
        command = parse_file_report(fields, now=now)
        filed = services.monitoring.file_report(command, viewer.member, viewer.address)
        status = HTTP_201_CREATED if filed.created else HTTP_200_OK
        return Response(
            ReportOut.of(filed.report),
            status_code=status,
            headers={"Location": f"/api/v1/reports/{filed.report.id}"},
        )

    @get("/", sync_to_thread=True)
    def list_reports(
        self,
        services: ServicesDep,
        viewer: ViewerDep,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        after: Annotated[str | None, QueryParameter(description="cursor from `next`")] = None,
    ) -> ReportList:
        """The reports the caller may read, newest first, a page at a time."""
        read_scope(viewer)
        page = services.monitoring.list_reports(
            viewer.principal, limit, decode_cursor(after), viewer.address
        )
        return ReportList(
            items=[ReportOut.of(report) for report in page.reports],
            next=encode_cursor(page.next_cursor),
            total=services.monitoring.count_reports(viewer.principal),
        )

    @get("/{report_id:str}", sync_to_thread=True)
    def get_report(
        self, report_id: FromPath[str], services: ServicesDep, viewer: ViewerDep
    ) -> ReportOut:
        read_scope(viewer)
        return ReportOut.of(
            services.monitoring.get_report(viewer.principal, report_id, viewer.address)
        )


def read_scope(viewer: Viewer) -> None:
    """Anyone may read what is public; a token must carry reports:read to read more."""
    if viewer.member is not None:
        viewer.require(Scope.REPORTS_READ)


def _one_key(header: str | None, body: str | None) -> str | None:
    if header and body and header != body:
        raise InvalidInputError(
            [FieldError("idempotency_key", "differs from the Idempotency-Key header")]
        )
    return header or body


class RegistryApi(Controller):
    path = "/api/v1"
    tags = ["registry"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/agreements", sync_to_thread=True)
    def agreements(self, services: ServicesDep) -> list[AgreementOut]:
        """The latest version of each agreement."""
        return [AgreementOut.of(a) for a in services.registry.directory().agreements]

    @get("/bodies", sync_to_thread=True)
    def bodies(self, services: ServicesDep) -> list[BodyOut]:
        """Parties, guarantors, the mediation, observers and the mechanism."""
        return [BodyOut.of(b) for b in services.registry.directory().bodies]

    @get("/actors", sync_to_thread=True)
    def actors(
        self,
        services: ServicesDep,
        name: Annotated[str | None, QueryParameter(description="any alias, any language")] = None,
    ) -> list[ActorOut]:
        """Armed and political actors with their aliases; `name` finds by any alias."""
        found = (
            services.registry.find_actors(name) if name else services.registry.directory().actors
        )
        return [ActorOut.of(a) for a in found]
