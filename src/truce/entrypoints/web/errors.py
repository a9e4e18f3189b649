"""Turns exceptions into responses. Bodies are short, fixed sentences: never a traceback, never
SQL, and the same body for 'forbidden' and 'missing' so neither can be told apart."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from truce.domain.auth import AuthenticationError, InsufficientScopeError, TooManyAttemptsError
from truce.domain.errors import AccessDeniedError, ConflictError, InvalidInputError, NotFoundError
from truce.domain.evidence import FileTooLargeError, RefusedFileError
from truce.entrypoints.web.schemas import ErrorOut, FieldErrorOut

log = logging.getLogger("truce.web")
AnyRequest = Request[Any, Any, Any]

NOT_FOUND = ErrorOut(detail="Not found")
_JSON_PATH = re.compile(r"`\$\.([A-Za-z_][A-Za-z0-9_]*)")


def _json(body: ErrorOut, status: int) -> Response[ErrorOut]:
    return Response(body, status_code=status, media_type=MediaType.JSON)


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


def forbidden(_: AnyRequest, __: Exception) -> Response[ErrorOut]:
    # No reason is given: it would tell a hostile party what the policy looks for.
    return _json(ErrorOut(detail="Not allowed"), HTTP_403_FORBIDDEN)


EXCEPTION_HANDLERS = {
    AuthenticationError: not_authenticated,
    InsufficientScopeError: forbidden,
    AccessDeniedError: forbidden,
    InvalidInputError: invalid_input,
    RefusedFileError: refused_file,
    FileTooLargeError: refused_file,
    ValidationException: validation_failed,
    NotFoundError: not_found,
    NotFoundException: not_found,
    ConflictError: conflict,
    HTTPException: http_error,
    Exception: internal_error,
}
