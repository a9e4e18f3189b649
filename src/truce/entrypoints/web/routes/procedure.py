"""Pages of the verification procedure: an incident's decision panel
(`/incidents/{id}/procedure`), each guarantor's deliberation queue (`/deliberation`), the
parties' reply inbox (`/replies`) and the published determinations (`/determinations`).
Thin: parse the form -> ProcedureService -> page. Every form carries the CSRF token; a vote is
signed with the member's server-held key after the member gives their password again (a client
that holds its key posts to /api/v1/decisions).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from litestar import Controller, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_401_UNAUTHORIZED,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from truce.application.procedure import DeterminationDraft, ProcedureView
from truce.bootstrap import Services
from truce.domain.auth import AuthenticationError
from truce.domain.errors import (
    AccessDeniedError,
    FieldError,
    InvalidInputError,
    NotFoundError,
    ProcedureError,
)
from truce.domain.parties import Member
from truce.domain.procedure import Step, VoteValue
from truce.domain.procedure_records import (
    Coverage,
    CoverageGap,
    GapKind,
    Observed,
    Severity,
)
from truce.entrypoints.web.auth import Viewer
from truce.entrypoints.web.deps import ServicesDep, ViewerDep
from truce.entrypoints.web.i18n import AnyRequest, language_of
from truce.entrypoints.web.procedure_labels import GATE_MESSAGES, LABELS, observation

FormData = URLEncodedBody[dict[str, str]]
E = TypeVar("E", bound=StrEnum)
MAX_FIELD = 8000
PUBLISHED_LIMIT = 100


def _signed_in(viewer: Viewer) -> Member:
    if viewer.member is None:
        # Signed-out visitors read published determinations only; forms need a member.
        raise NotFoundError("incident")
    return viewer.member


def _names(services: Services, request: AnyRequest) -> dict[str, str]:
    """Bodies and actors by id, named in the reader's language where the registry has it:
    a body's own name in that language, an actor's alias in it."""
    language = language_of(request, services)
    directory = services.registry.directory()
    names = {body.id: body.name_in(language) for body in directory.bodies}
    for actor in directory.actors:
        aliases = [alias.text for alias in actor.aliases if alias.lang == language]
        names[actor.id] = aliases[0] if aliases and language != "en" else actor.name
    return names


def _panel_context(
    services: Services,
    request: AnyRequest,
    viewer: Viewer,
    view: ProcedureView,
    error: Exception | None = None,
) -> dict[str, Any]:
    subject = f"incident:{view.incident.id}"
    return {
        "viewer": viewer,
        "view": view,
        "names": _names(services, request),
        "entries": services.record.history(subject),
        "subject": subject,
        "error": error,
        "steps_plain": [s for s in view.next_steps if s in _PLAIN_FORMS],
        "vote_values": list(VoteValue),
        "observed_values": list(Observed),
        "coverage_values": list(Coverage),
        "gap_kinds": list(GapKind),
        "severities": list(Severity),
        "observation": observation,
        "gate_messages": GATE_MESSAGES,
        "Step": Step,
        "labels": LABELS,
    }


_PLAIN_FORMS = frozenset(
    {
        Step.TRIAGE,
        Step.DISMISS,
        Step.INVESTIGATE,
        Step.REFER_TO_COMMITTEE,
        Step.COMMITTEE_CLEARS,
        Step.OPEN_DELIBERATION,
        Step.RETURN_TO_INVESTIGATION,
        Step.PUBLISH,
    }
)


def _field(data: dict[str, str], name: str) -> str:
    value = data.get(name, "")
    if len(value) > MAX_FIELD:
        raise InvalidInputError([FieldError(name, f"must be at most {MAX_FIELD} characters")])
    return value.strip()


def _choice(enum: type[E], data: dict[str, str], name: str) -> E:
    try:
        return enum(_field(data, name))
    except ValueError:
        raise InvalidInputError([FieldError(name, "is not one of the choices")]) from None


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part for part in (p.strip() for p in text.replace(",", " ").split()) if part)


class ProcedurePages(Controller):
    path = "/"
    include_in_schema = False

    @get("/incidents/{incident_id:str}/procedure", sync_to_thread=True)
    def panel(
        self,
        incident_id: FromPath[str],
        services: ServicesDep,
        viewer: ViewerDep,
        request: AnyRequest,
    ) -> Template:
        """The decision panel, or a published determination for anyone else."""
        view = services.procedure.view(viewer.principal, incident_id, viewer.address)
        context = _panel_context(services, request, viewer, view)
        return Template("procedure.html", context=context)

    @post("/incidents/{incident_id:str}/procedure/{action:str}", sync_to_thread=True)
    def act(
        self,
        incident_id: FromPath[str],
        action: FromPath[str],
        data: FormData,
        services: ServicesDep,
        viewer: ViewerDep,
        request: AnyRequest,
    ) -> Template | Redirect:
        """One form of the panel: a step, an investigation report, a reply request, a vote,
        a determination. A refusal comes back on the panel with what is missing."""
        member = _signed_in(viewer)
        handler = _ACTIONS.get(action)
        if handler is None:
            raise NotFoundError("form")
        try:
            handler(services, member, incident_id, data, viewer.address)
        except (ProcedureError, AccessDeniedError) as error:
            return self._again(services, request, viewer, incident_id, error, HTTP_409_CONFLICT)
        except InvalidInputError as error:
            status = HTTP_422_UNPROCESSABLE_ENTITY
            return self._again(services, request, viewer, incident_id, error, status)
        except AuthenticationError as error:
            return self._again(services, request, viewer, incident_id, error, HTTP_401_UNAUTHORIZED)
        return Redirect(f"/incidents/{incident_id}/procedure", status_code=HTTP_303_SEE_OTHER)

    def _again(
        self,
        services: Services,
        request: AnyRequest,
        viewer: Viewer,
        incident_id: str,
        error: Exception,
        status: int,
    ) -> Template:
        """The panel again with the refusal, which the page says in the reader's language
        (`phrases.problem_text`)."""
        view = services.procedure.view(viewer.principal, incident_id, viewer.address)
        context = _panel_context(services, request, viewer, view, error)
        return Template("procedure.html", context=context, status_code=status)

    @get("/deliberation", sync_to_thread=True)
    def deliberation(
        self, services: ServicesDep, viewer: ViewerDep, request: AnyRequest
    ) -> Template:
        """Each guarantor's queue: cases under deliberation and its own vote on each."""
        queue = None
        if viewer.member is not None:
            queue = services.procedure.queue(viewer.member, viewer.address)
        names = _names(services, request)
        context = {"viewer": viewer, "queue": queue, "names": names, "labels": LABELS}
        return Template("deliberation.html", context=context)

    @get("/determinations", sync_to_thread=True)
    def determinations(
        self, services: ServicesDep, viewer: ViewerDep, request: AnyRequest
    ) -> Template:
        """Published determinations, newest first: public by design (S11), each linking
        its incident's panel with the votes, the dissent, the reply and the record."""
        context = {
            "viewer": viewer,
            "determinations": services.procedure.published(PUBLISHED_LIMIT),
            "names": _names(services, request),
            "labels": LABELS,
        }
        return Template("determinations.html", context=context)

    @get("/replies", sync_to_thread=True)
    def replies(self, services: ServicesDep, viewer: ViewerDep) -> Template:
        """The reply requests addressed to the viewer's party, with their deadlines."""
        requests = []
        if viewer.member is not None:
            requests = services.procedure.inbox(viewer.member, viewer.address)
        context = {
            "viewer": viewer, "requests": requests, "now": services.clock.now(), "labels": LABELS,
        }  # fmt: skip
        return Template("replies.html", context=context)

    @post("/replies/{request_id:str}", sync_to_thread=True)
    def reply(
        self, request_id: FromPath[str], data: FormData, services: ServicesDep, viewer: ViewerDep
    ) -> Template | Redirect:
        member = _signed_in(viewer)
        try:
            services.procedure.reply(member, request_id, _field(data, "text"), viewer.address)
        except (ProcedureError, InvalidInputError) as error:
            requests = services.procedure.inbox(member, viewer.address)
            context = {
                "viewer": viewer, "requests": requests, "now": services.clock.now(),
                "error": error, "labels": LABELS,
            }  # fmt: skip
            return Template("replies.html", context=context, status_code=HTTP_409_CONFLICT)
        return Redirect("/replies", status_code=HTTP_303_SEE_OTHER)


def _step(services: Services, member: Member, incident_id: str, data: dict[str, str],
          address: str) -> None:  # fmt: skip
    step = _choice(Step, data, "step")
    accused = _field(data, "accused") or None
    services.procedure.take_step(
        member, incident_id, step, note=_field(data, "note"), accused_body_id=accused,
        address=address,
    )  # fmt: skip


def _investigation(services: Services, member: Member, incident_id: str, data: dict[str, str],
                   address: str) -> None:  # fmt: skip
    gaps = []
    if _field(data, "gap_area"):
        gaps.append(
            CoverageGap(_choice(GapKind, data, "gap_kind"), _field(data, "gap_area"),
                        _field(data, "gap_note"))
        )  # fmt: skip
    services.procedure.file_investigation_report(
        member, incident_id, observed=_field(data, "observed"),
        coverage=_field(data, "coverage"), findings=_field(data, "findings"), gaps=gaps,
        address=address,
    )  # fmt: skip


def _assign(services: Services, member: Member, incident_id: str, data: dict[str, str],
            address: str) -> None:  # fmt: skip
    monitor = services.auth.find_member(_field(data, "monitor"))
    services.procedure.assign_monitor(member, incident_id, monitor.id, address)


def _reply_request(services: Services, member: Member, incident_id: str,
                   data: dict[str, str], address: str) -> None:  # fmt: skip
    services.procedure.request_reply(member, incident_id, _field(data, "allegation"), address)


def _vote(services: Services, member: Member, incident_id: str, data: dict[str, str],
          address: str) -> None:  # fmt: skip
    services.procedure.cast_vote(
        member, data.get("password", ""), incident_id, _choice(VoteValue, data, "value"),
        _field(data, "reasons"), address=address, totp_code=data.get("totp_code") or None,
    )  # fmt: skip


def _determine(services: Services, member: Member, incident_id: str, data: dict[str, str],
               address: str) -> None:  # fmt: skip
    severity = _field(data, "severity")
    draft = DeterminationDraft(
        attributed_party_id=_field(data, "party") or None,
        attributed_actor_id=_field(data, "actor") or None,
        clause_ids=_ids(_field(data, "clauses")),
        severity=_choice(Severity, data, "severity") if severity else None,
        evidence_report_ids=_ids(_field(data, "evidence")),
        summary=_field(data, "summary"),
    )
    services.procedure.determine(member, incident_id, draft, address)


_ACTIONS = {
    "step": _step,
    "assign": _assign,
    "investigation": _investigation,
    "reply-request": _reply_request,
    "vote": _vote,
    "determination": _determine,
}
