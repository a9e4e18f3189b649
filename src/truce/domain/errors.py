"""The exception tree of the domain.

    TruceError
    ├── InvalidInputError      input that breaks a rule; carries every FieldError found
    ├── NotFoundError          the thing does not exist, or the caller may not know it does
    ├── ConflictError          the request contradicts the stored state
    │   ├── IdempotencyConflictError   an idempotency key reused with another payload
    │   └── IdempotencyKeyTakenError   a store found the key taken (a concurrent retry)
    ├── ProcedureError         a step the agreement's procedure does not allow now
    ├── AccessDeniedError      a write the policy refuses (reads answer NotFoundError): 403
    ├── AuthenticationError    (domain/auth.py) sign-in or token refused, without detail: 401
    │   └── TooManyAttemptsError   throttled: 429 with Retry-After
    ├── SecondFactorRequiredError  the password was right; a TOTP code is needed
    ├── InsufficientScopeError     a token without the scope the call needs: 403
    ├── DemoModeRequiredError      demo credentials outside demo mode
    └── RecordError            (domain/record.py) malformed proofs, notes, keys

Entrypoints translate these into responses (422, 404, 409); nothing below them knows HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class TruceError(Exception):
    """Base of every error the domain and application raise on purpose."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One rule broken by one field: `field` is the input's name, `message` says why."""

    field: str
    message: str


class InvalidInputError(TruceError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = tuple(errors)
        summary = "; ".join(f"{error.field}: {error.message}" for error in errors)
        super().__init__(summary or "invalid input")


class NotFoundError(TruceError):
    """Raised alike for 'missing' and 'not yours to see', so neither can be told apart."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"{kind} not found")


class ConflictError(TruceError):
    pass


class IdempotencyConflictError(ConflictError):
    def __init__(self) -> None:
        super().__init__("this idempotency key was already used with a different payload")


class Refusal(StrEnum):
    """Why the procedure refuses a step: a stable code the entrypoints translate, with the
    error's `params` (docs/i18n.md). The English message says the same for logs and the API."""

    # With the step and the stage (params `step`, `stage`).
    STEP_NOT_FROM_STAGE = "step_not_from_stage"
    # These three with the step alone.
    STEP_BY_A_MEMBER = "step_by_a_member"
    STEP_NOT_FOR_ROLES = "step_not_for_roles"
    NOT_AN_INCIDENT_STEP = "not_an_incident_step"
    # With `gates`: what each shut gate says is missing, in English.
    GATES_SHUT = "gates_shut"
    VOTE_OUTSIDE_DELIBERATION = "vote_outside_deliberation"
    INVESTIGATION_CLOSED = "investigation_closed"
    # With `due_at`, a datetime.
    REPLY_WINDOW_CLOSED = "reply_window_closed"
    # With the reply request's `status`.
    REQUEST_NOT_OPEN = "request_not_open"
    # With the case's `stage`.
    PROCEDURE_CLOSED = "procedure_closed"


class ProcedureError(TruceError):
    """A step the procedure does not allow now. `str()` is English (the audit trail, the API,
    the CLI); pages say `code` with `params` in the reader's language."""

    def __init__(self, code: Refusal, message: str, **params: object) -> None:
        self.code = code
        self.params: Mapping[str, object] = params
        super().__init__(message)


class IdempotencyKeyTakenError(ConflictError):
    """Raised by a store when a concurrent request already used the key; the caller re-reads."""

    def __init__(self) -> None:
        super().__init__("idempotency key already used in this scope")


class AccessDeniedError(TruceError):
    """A write the need-to-know policy refuses. Reads never raise this: they answer
    NotFoundError, so that a refusal says nothing about what exists."""

    def __init__(self, reason: str) -> None:
        # The reason is for the audit trail; callers show a fixed sentence.
        self.reason = reason
        super().__init__("not allowed")
