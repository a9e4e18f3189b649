"""Turns exceptions into responses. Bodies are short, fixed sentences: never a traceback, never
SQL, and the same body for 'forbidden' and 'missing' so neither can be told apart."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.response import Template
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from truce.application.auth import ServerConfigurationError
from truce.domain.auth import AuthenticationError, InsufficientScopeError, TooManyAttemptsError
from truce.domain.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ProcedureError,
)
from truce.domain.evidence import FileTooLargeError, RefusedFileError
from truce.entrypoints.web.i18n import N_
from truce.entrypoints.web.schemas import ErrorOut, FieldErrorOut

log = logging.getLogger("truce.web")
AnyRequest = Request[Any, Any, Any]
E = TypeVar("E", bound=Exception)

NOT_FOUND = ErrorOut(detail="Not found")
_JSON_PATH = re.compile(r"`\$\.([A-Za-z_][A-Za-z0-9_]*)")


def _json(body: ErrorOut, status: int) -> Response[ErrorOut]:
    return Response(body, status_code=status, media_type=MediaType.JSON)


# What an error page says, per status: (title, explanation), msgids the page translates.
_PAGES: dict[int, tuple[str, str]] = {
    400: (N_("Bad request"), N_("The request could not be understood.")),
    401: (N_("Sign in first"), N_("This page is for signed-in members. Sign in, then try again.")),
    403: (
        N_("Not allowed"),
        N_("You may not do this. If the form was open a long time, reload it and try again."),
    ),
    404: (N_("Not found"), N_("There is nothing here, or nothing you may see.")),
    405: (N_("Not allowed"), N_("This address does not accept that kind of request.")),
    409: (N_("Conflict"), N_("This conflicts with something done already.")),
    413: (N_("Too large"), N_("What was sent is too large.")),
    422: (N_("The input has errors"), N_("Go back, correct the form and send it again.")),
    429: (N_("Too many attempts"), N_("Too many attempts. Try again later.")),
    500: (
        N_("Something went wrong"),
        N_("An internal error occurred. It has been logged; try again later."),
    ),
}


def _wants_page(request: AnyRequest) -> bool:
    """A browser asking for a page (not the JSON API) gets an error page in its language;
    scripts and API clients keep the JSON body."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _or_page(request: AnyRequest, response: Response[ErrorOut]) -> Response[Any]:
    if not _wants_page(request):
        return response
    status = response.status_code or HTTP_500_INTERNAL_SERVER_ERROR
    title, explanation = _PAGES.get(status, _PAGES[400])
    page = Template(
        "error.html", context={"title": title, "explanation": explanation}, status_code=status
    )
    for name, value in response.headers.items():
        if name.lower() in {"retry-after", "www-authenticate"}:
            page.headers[name] = value
    return page


def invalid_input(_: AnyRequest, exc: InvalidInputError) -> Response[ErrorOut]:
    errors = [FieldErrorOut(field=e.field, message=e.message) for e in exc.errors]
    return _json(
        ErrorOut(detail="The input has errors", errors=errors), HTTP_422_UNPROCESSABLE_ENTITY
    )


def refused_file(_: AnyRequest, exc: InvalidInputError) -> Response[ErrorOut]:
    """An evidence file refused for what it is (415) or for its size (413), with the reason."""
    errors = [FieldErrorOut(field=e.field, message=e.message) for e in exc.errors]
    status = 413 if isinstance(exc, FileTooLargeError) else 415
    return _json(ErrorOut(detail="The file was refused", errors=errors), status)


def validation_failed(_: AnyRequest, exc: ValidationException) -> Response[ErrorOut]:
    """Litestar's own body and parameter checks (wrong JSON types, unknown fields)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(item) for item in extra if isinstance(item, dict)]
    if not errors:
        errors = [FieldErrorOut(field="body", message=_clean(str(exc.detail)))]
    return _json(
        ErrorOut(detail="The input has errors", errors=errors), HTTP_422_UNPROCESSABLE_ENTITY
    )


def _field_error(item: dict[str, object]) -> FieldErrorOut:
    message = _clean(str(item.get("message", "is invalid")))
    key = item.get("key")
    if not key:
        match = _JSON_PATH.search(message)
        key = match.group(1) if match else "body"
    return FieldErrorOut(field=str(key), message=message)


def _clean(message: str) -> str:
    """Keep a decoder's message readable and free of internals."""
    return message.replace("\n", " ")[:300]


def not_found(_: AnyRequest, __: Exception) -> Response[ErrorOut]:
    return _json(NOT_FOUND, HTTP_404_NOT_FOUND)


def conflict(_: AnyRequest, exc: ConflictError) -> Response[ErrorOut]:
    return _json(ErrorOut(detail=str(exc)), HTTP_409_CONFLICT)


def procedure_refused(request: AnyRequest, exc: ProcedureError) -> Response[Any]:
    """A step the procedure does not allow now that no route caught (each page route says its
    refusals in its own panel; this is the net under them): 409, with the refusal said in the
    reader's language on a page (`phrases.problem_text`, from its code and parameters) and in
    English in the API's body, as the audit trail says it. Expected, so no traceback is logged."""
    log.info("procedure refused on %s %s: %s", request.method, request.url.path, exc.code)
    if not _wants_page(request):
        return _json(ErrorOut(detail=str(exc)), HTTP_409_CONFLICT)
    title, explanation = _PAGES[HTTP_409_CONFLICT]
    context = {"title": title, "explanation": explanation, "refusal": exc}
    return Template("error.html", context=context, status_code=HTTP_409_CONFLICT)


def http_error(_: AnyRequest, exc: HTTPException) -> Response[ErrorOut]:
    return _json(ErrorOut(detail=str(exc.detail)), exc.status_code)


def internal_error(request: AnyRequest, exc: Exception) -> Response[ErrorOut]:
    # The details go to the operator's log, never to the caller.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(ErrorOut(detail="Internal error"), HTTP_500_INTERNAL_SERVER_ERROR)


def not_authenticated(_: AnyRequest, exc: AuthenticationError) -> Response[ErrorOut]:
    if isinstance(exc, TooManyAttemptsError):
        response = _json(ErrorOut(detail="Too many attempts; try again later"), 429)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    response = _json(ErrorOut(detail="Not authenticated"), HTTP_401_UNAUTHORIZED)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


# Said to the user when the server's own configuration stops a request; the details are
# the operator's and go to the log.
MISCONFIGURED = (
    "The server cannot do this until its operator fixes its configuration (its secret key). "
    "Nothing was changed."
)


def misconfigured(request: AnyRequest, exc: ServerConfigurationError) -> Response[ErrorOut]:
    log_misconfiguration(request, exc)
    return _json(ErrorOut(detail=MISCONFIGURED), HTTP_503_SERVICE_UNAVAILABLE)


def log_misconfiguration(request: AnyRequest, exc: ServerConfigurationError) -> None:
    log.error("configuration problem on %s %s: %s", request.method, request.url.path, exc)


def forbidden(_: AnyRequest, __: Exception) -> Response[ErrorOut]:
    # No reason is given: it would tell a hostile party what the policy looks for.
    return _json(ErrorOut(detail="Not allowed"), HTTP_403_FORBIDDEN)


def _paged(
    handler: Callable[[AnyRequest, E], Response[ErrorOut]],
) -> Callable[[AnyRequest, E], Response[Any]]:
    def handle(request: AnyRequest, exc: E) -> Response[Any]:
        return _or_page(request, handler(request, exc))

    return handle


EXCEPTION_HANDLERS = {
    AuthenticationError: _paged(not_authenticated),
    InsufficientScopeError: _paged(forbidden),
    ServerConfigurationError: _paged(misconfigured),
    AccessDeniedError: _paged(forbidden),
    InvalidInputError: _paged(invalid_input),
    RefusedFileError: _paged(refused_file),
    FileTooLargeError: _paged(refused_file),
    ValidationException: _paged(validation_failed),
    NotFoundError: _paged(not_found),
    NotFoundException: _paged(not_found),
    ConflictError: _paged(conflict),
    ProcedureError: procedure_refused,
    HTTPException: _paged(http_error),
    Exception: _paged(internal_error),
}
