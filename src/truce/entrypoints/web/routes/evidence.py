"""Evidence over HTTP: upload to a report (multipart), download by SHA-256, the custody chain.

Downloads are streamed from the store as attachments (Content-Disposition: attachment, never
rendered by the browser, with X-Content-Type-Options: nosniff), after the choke point decided
and the custody event and audit entry were written. Forbidden and missing answer the same 404.

The upload routes are made per app (`evidence_controllers`) so that their body limit is the
operator's TRUCE_EVIDENCE_MAX_BYTES rather than the app-wide TRUCE_MAX_BODY_BYTES.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import File, Redirect, Template
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_303_SEE_OTHER,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from truce.application.evidence import Custody, Download, Uploaded
from truce.domain.auth import Scope
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.evidence import (
    CopyKind,
    CustodyEvent,
    Evidence,
    FileTooLargeError,
    RefusedFileError,
    is_sha256,
)
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import ServicesDep, ViewerDep

# Room for the multipart framing around the file itself.
MULTIPART_SLACK = 64 * 1024
HTTP_411_LENGTH_REQUIRED = 411


class CopyOut(msgspec.Struct, kw_only=True):
    kind: str
    sha256: str
    media_type: str
    size: int
    href: str


class EvidenceOut(msgspec.Struct, kw_only=True):
    id: str
    sha256: str
    report_id: str
    confidentiality: str
    file_name: str
    media_type: str
    size: int
    uploaded_by: str | None
    uploaded_at: datetime
    metadata: dict[str, str]
    copies: list[CopyOut]

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceOut:
        copies = [evidence.copy(CopyKind.ORIGINAL), *evidence.derived]
        return cls(
            id=evidence.id,
            sha256=evidence.sha256,
            report_id=evidence.report_id,
            confidentiality=evidence.confidentiality.value,
            file_name=evidence.file_name,
            media_type=evidence.media_type,
            size=evidence.size,
            uploaded_by=evidence.uploaded_by,
            uploaded_at=evidence.uploaded_at,
            metadata=dict(evidence.metadata),
            copies=[
                CopyOut(
                    kind=c.kind.value,
                    sha256=c.sha256,
                    media_type=c.media_type,
                    size=c.size,
                    href=copy_href(evidence.sha256, c.kind),
                )
                for c in copies
                if c is not None
            ],
        )


class CustodyEventOut(msgspec.Struct, kw_only=True):
    seq: int | None
    evidence_id: str
    action: str
    at: datetime
    member_id: str | None
    body_id: str | None
    # Shown to the body that attached the evidence and to the body of whoever acted.
    address: str | None
    detail: str


class CustodyOut(msgspec.Struct, kw_only=True):
    items: list[EvidenceOut]
    events: list[CustodyEventOut]


class TransferIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    to: str
    note: str = ""


def copy_href(sha256: str, kind: CopyKind) -> str:
    base = f"/api/v1/evidence/{sha256}"
    return base if kind is CopyKind.ORIGINAL else f"{base}?copy={kind.value}"


def custody_out(custody: Custody, viewer: Viewer) -> CustodyOut:
    owners = {item.id: item.owner_body_id for item in custody.items}
    return CustodyOut(
        items=[EvidenceOut.of(item) for item in custody.items],
        events=[_event_out(e, owners.get(e.evidence_id), viewer) for e in custody.events],
    )


def _event_out(event: CustodyEvent, owner: str | None, viewer: Viewer) -> CustodyEventOut:
    body = viewer.principal.body_id
    shown = body is not None and body in {owner, event.body_id}
    return CustodyEventOut(
        seq=event.seq,
        evidence_id=event.evidence_id,
        action=event.action.value,
        at=event.at,
        member_id=event.member_id,
        body_id=event.body_id,
        address=event.address if shown else None,
        detail=event.detail,
    )


def _read_scope(viewer: Viewer) -> None:
    """Anyone may read what is public; a token must carry reports:read to read more."""
    if viewer.member is not None:
        viewer.require(Scope.REPORTS_READ)


def download_response(download: Download) -> File:
    return File(
        download.path,
        filename=download.file_name,
        media_type=download.copy.media_type,
        content_disposition_type="attachment",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )


async def attach_upload(
    request: Request[Any, Any, Any],
    services: ServicesDep,
    viewer: Viewer,
    report_id: str,
    max_bytes: int,
) -> Uploaded:
    """Store the multipart field `file` as evidence of the report, after refusing a body that
    says it is too large; every part's temporary file is closed whatever happens."""
    assert viewer.member is not None  # noqa: S101 - callers refused anonymous ones
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(
            status_code=HTTP_411_LENGTH_REQUIRED, detail="Send the upload with Content-Length"
        )
    if int(length) > max_bytes + MULTIPART_SLACK:
        raise FileTooLargeError(max_bytes)
    form = await request.form()
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInputError(
                [FieldError("file", "send the file as a multipart field `file`")]
            )
        return await asyncio.to_thread(
            services.evidence.upload,
            report_id,
            upload.filename,
            upload.file,  # type: ignore[arg-type]  # a SpooledTemporaryFile reads as a file
            viewer.member,
            viewer.address,
        )
    finally:
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()


class EvidenceApi(Controller):
    path = "/api/v1/evidence"
    tags = ["evidence"]  # noqa: RUF012 - Litestar reads this class attribute

    @get("/{sha256:str}", sync_to_thread=True)
    def download(
        self,
        sha256: FromPath[str],
        services: ServicesDep,
        viewer: ViewerDep,
        copy: Annotated[
            str, QueryParameter(description="original, stripped or thumbnail")
        ] = CopyKind.ORIGINAL.value,
    ) -> File:
        """The file, streamed as an attachment: the original, or a working copy (`stripped`:
        an image without its metadata; `thumbnail`). Every download is a custody event."""
        _read_scope(viewer)
        try:
            kind = CopyKind(copy)
        except ValueError:
            raise InvalidInputError(
                [FieldError("copy", "must be original, stripped or thumbnail")]
            ) from None
        return download_response(
            services.evidence.download(viewer.principal, sha256, kind, viewer.address)
        )

    @get("/{sha256:str}/custody", sync_to_thread=True)
    def custody(
        self, sha256: FromPath[str], services: ServicesDep, viewer: ViewerDep
    ) -> CustodyOut:
        """Where the file is attached (that the caller may see) and every custody event."""
        _read_scope(viewer)
        return custody_out(
            services.evidence.custody(viewer.principal, sha256, viewer.address), viewer
        )

    @post("/{sha256:str}/custody", sync_to_thread=True, status_code=HTTP_201_CREATED)
    def transfer(
        self,
        sha256: FromPath[str],
        data: JSONBody[TransferIn],
        services: ServicesDep,
        viewer: ViewerDep,
    ) -> CustodyEventOut:
        """Record that the original, or the medium it came on, was handed to someone: a
        `transferred` custody event. Only the body that attached it may."""
        viewer.require(Scope.REPORTS_WRITE)
        assert viewer.member is not None  # noqa: S101 - require() refused anonymous callers
        event = services.evidence.transfer(
            sha256, data.to, data.note, viewer.member, viewer.address
        )
        return _event_out(event, viewer.principal.body_id, viewer)


def upload_status(error: InvalidInputError) -> int:
    if isinstance(error, FileTooLargeError):
        return HTTP_413_REQUEST_ENTITY_TOO_LARGE
    if isinstance(error, RefusedFileError):
        return HTTP_415_UNSUPPORTED_MEDIA_TYPE
    return HTTP_422_UNPROCESSABLE_ENTITY


def report_page(
    services: ServicesDep,
    viewer: Viewer,
    report_id: str,
    max_bytes: int,
    *,
    attached: str | None = None,
    error: str = "",
    status: int = HTTP_200_OK,
) -> Template:
    """The report through its choke point (one audit entry; 404 alike for forbidden or
    missing), then its evidence, which inherits the report's audience."""
    report = services.monitoring.get_report(viewer.principal, report_id, viewer.address)
    evidence = services.evidence.for_report(viewer.principal, report)
    context = {
        "report": report,
        "evidence": evidence,
        "viewer": viewer,
        "may_attach": viewer.principal.body_id == report.submitter_body_id,
        "attached": attached if attached and is_sha256(attached) else None,
        "error": error,
        "max_mb": max_bytes // 1_048_576,
        "htmx": False,
    }
    return Template("report.html", context=context, status_code=status)


def evidence_controllers(max_bytes: int) -> list[type[Controller]]:
    """The upload routes, with the body limit of this deployment."""
    limit = max_bytes + MULTIPART_SLACK

    class EvidenceUploadApi(Controller):
        path = "/api/v1/reports"
        tags = ["evidence"]  # noqa: RUF012 - Litestar reads this class attribute

        @post(
            "/{report_id:str}/evidence", request_max_body_size=limit, status_code=HTTP_201_CREATED
        )
        async def upload(
            self,
            report_id: FromPath[str],
            request: Request[Any, Any, Any],
            services: ServicesDep,
            viewer: ViewerDep,
        ) -> Response[EvidenceOut]:
            """Attach a file (multipart/form-data, field `file`) to a report of the caller's
            body. Answers 201 when stored, 200 when the report had this very file already.
            Refused: 413 over the size limit, 415 for a type not accepted or a dangerous
            file, with the reason."""
            viewer.require(Scope.REPORTS_WRITE)
            uploaded = await attach_upload(request, services, viewer, report_id, max_bytes)
            return Response(
                EvidenceOut.of(uploaded.evidence),
                status_code=HTTP_201_CREATED if uploaded.created else HTTP_200_OK,
                headers={"Location": f"/api/v1/evidence/{uploaded.evidence.sha256}"},
            )

    class EvidencePages(Controller):
        path = "/reports"
        include_in_schema = False

        @get("/{report_id:str}", sync_to_thread=True)
        def report_page(
            self,
            report_id: FromPath[str],
            services: ServicesDep,
            viewer: ViewerDep,
            attached: FromQuery[str | None] = None,
        ) -> Template:
            """One report with its evidence and their custody chains, and the upload form."""
            return report_page(services, viewer, report_id, max_bytes, attached=attached)

        @post("/{report_id:str}/evidence", request_max_body_size=limit)
        async def upload_form(
            self,
            report_id: FromPath[str],
            request: Request[Any, Any, Any],
            services: ServicesDep,
            viewer: ViewerDep,
        ) -> Redirect | Template:
            """The report page's upload form (CSRF-checked like every form). A refused file
            comes back on the page, its reason beside the field."""
            if viewer.member is None:
                return Redirect("/login", status_code=HTTP_303_SEE_OTHER)
            try:
                uploaded = await attach_upload(request, services, viewer, report_id, max_bytes)
            except InvalidInputError as error:
                message = "; ".join(e.message for e in error.errors)
                return await asyncio.to_thread(
                    report_page,
                    services,
                    viewer,
                    report_id,
                    max_bytes,
                    error=message,
                    status=upload_status(error),
                )
            return Redirect(
                f"/reports/{report_id}?attached={uploaded.evidence.sha256}#evidence",
                status_code=HTTP_303_SEE_OTHER,
            )

    return [EvidenceUploadApi, EvidencePages]
