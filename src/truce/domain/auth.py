"""Who is speaking: credentials, sessions, API tokens, the login throttle and the audit trail.

Pure: standard library only, no I/O, no clock, no randomness. Secrets, ids and the current
time are handed in; this module only says what they must look like and what follows from them.

Errors added to the tree of `domain/errors.py`:

    TruceError
    ├── AuthenticationError       who you are could not be established (401, never a detail)
    │   └── TooManyAttemptsError  too many recent failures for the account or the address (429)
    ├── SecondFactorRequiredError the password was right; a one-time code must follow
    ├── InsufficientScopeError    a valid token that does not cover the request (403)
    └── DemoModeRequiredError     demo credentials asked for outside demo mode
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from truce.domain.errors import FieldError, InvalidInputError, TruceError

# --- errors -------------------------------------------------------------------------------------


class AuthenticationError(TruceError):
    """Raised alike for an unknown account, a wrong password or code, a disabled account, an
    expired or revoked session or token: the caller learns nothing about which it was."""

    def __init__(self) -> None:
        super().__init__("authentication failed")


class TooManyAttemptsError(AuthenticationError):
    """Too many recent failures: refused without checking anything. `retry_after` says when
    the oldest failure that counts leaves the window."""

    def __init__(self, retry_after: timedelta) -> None:
        TruceError.__init__(self, "too many attempts; try again later")
        self.retry_after = retry_after

    @property
    def retry_after_seconds(self) -> int:
        # Rounded up, so a client that waits exactly this long is let in.
        return max(1, math.ceil(self.retry_after.total_seconds()))


class SecondFactorRequiredError(TruceError):
    """The password was right and a second factor must follow. `pending` is the secret id of
    the waiting sign-in (kept by the browser in a short-lived cookie, stored only as its
    digest), `totp` and `passkey` say which factors the member has."""

    def __init__(self, pending: str = "", *, totp: bool = True, passkey: bool = False) -> None:
        super().__init__("a second factor is required")
        self.pending = pending
        self.totp = totp
        self.passkey = passkey


class InsufficientScopeError(TruceError):
    def __init__(self) -> None:
        super().__init__("the token does not cover this request")


class DemoModeRequiredError(TruceError):
    def __init__(self) -> None:
        super().__init__("demo credentials exist only in demo mode (TRUCE_DEMO)")


# --- passwords ----------------------------------------------------------------------------------

MIN_PASSWORD_LENGTH: Final = 12
# Long passphrases are welcome; the cap only bounds the work one request can cause.
MAX_PASSWORD_LENGTH: Final = 1024

# The demo cast's password (docs): public by design, so it is accepted only in demo mode and
# refused as anyone's real password.
DEMO_PASSWORD: Final = "astana-demo-2017"  # noqa: S105 - public on purpose, see above
# How long an enrolment link (an account opened on the web, waiting for its member to choose a
# password) stays usable: long enough to reach someone in the field, short enough that a link
# left in a chat log goes stale. A lapsed link is replaced by the operator, never extended.
ENROLMENT_LIFETIME: Final = timedelta(days=3)


def check_password(password: str, username: str, *, demo: bool = False) -> None:
    """Refuse a password that is too short, too long, the username, or the public demo one."""
    errors: list[FieldError] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"use at least {MIN_PASSWORD_LENGTH} characters"))
    if len(password) > MAX_PASSWORD_LENGTH:
        errors.append(FieldError("password", f"use at most {MAX_PASSWORD_LENGTH} characters"))
    if password.casefold() == username.casefold():
        errors.append(FieldError("password", "must differ from the username"))
    if not demo and is_demo_password(password):
        errors.append(FieldError("password", "the demo password is public; choose another"))
    if errors:
        raise InvalidInputError(errors)


def is_demo_password(password: str) -> bool:
    return password == DEMO_PASSWORD


@dataclass(frozen=True, slots=True)
class Credential:
    """What proves a member is who they say: the password hash and the second factor.

    `totp_secret` is the TOTP seed encrypted at rest (never the seed itself);
    `totp_last_step` is the last time step whose code was accepted, so no code is used twice.
    """

    member_id: str
    password_hash: str | None = field(default=None, repr=False)
    password_changed_at: datetime | None = None
    totp_secret: bytes | None = field(default=None, repr=False)
    totp_confirmed: bool = False
    totp_last_step: int | None = None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None and self.totp_confirmed


# --- secrets that travel: session ids and API tokens -------------------------------------------

# Bytes of randomness in a session id and an API token's secret (256 bits).
SECRET_BYTES: Final = 32
# The longest secret worth hashing: anything longer was not issued here.
MAX_SECRET_LENGTH: Final = 100


def secret_digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret, hex. What is stored in place of the secret: no salt
    or slow hash is needed, since 256 random bits cannot be guessed from their digest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def account_key(username: str) -> str:
    """The throttle's key for a username as typed, whether or not such an account exists (so
    a throttled reply reveals nothing). Hashed so a password typed into the username field
    is never stored readably."""
    normal = unicodedata.normalize("NFKC", username).strip().casefold()
    return hashlib.sha256(normal.encode()).hexdigest()


class Scope(StrEnum):
    """What an API token may be used for. Exact: no scope implies another, and a token acts
    at most with its member's own rights, which the access policy still checks."""

    REPORTS_READ = "reports:read"
    REPORTS_WRITE = "reports:write"
    RECORD_READ = "record:read"
    # Read signed decisions on what the member may read; submit the member's own.
    DECISIONS_READ = "decisions:read"
    DECISIONS_WRITE = "decisions:write"
    # Read the talks the member takes part in; post messages, positions, texts (issue 9).
    TALKS_READ = "talks:read"
    TALKS_WRITE = "talks:write"
    ADMIN = "admin"


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    wanted = {value.strip() for value in values if value.strip()}
    known = {scope.value for scope in Scope}
    unknown = sorted(wanted - known)
    if unknown:
        message = f"unknown scope {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        raise InvalidInputError([FieldError("scopes", message)])
    if not wanted:
        raise InvalidInputError([FieldError("scopes", "name at least one scope")])
    return frozenset(Scope(value) for value in wanted)


TOKEN_PREFIX: Final = "truce"  # noqa: S105 - a prefix, not a secret
TOKEN_ID_LENGTH: Final = 16
MAX_TOKEN_DAYS: Final = 366
_HEX = frozenset("0123456789abcdef")
_URLSAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def format_api_token(token_id: str, secret: str) -> str:
    """`truce_<id>_<secret>`: the prefix lets secret scanners recognise a leaked token."""
    return f"{TOKEN_PREFIX}_{token_id}_{secret}"


def parse_api_token(text: str) -> tuple[str, str] | None:
    """(token id, secret), or None for anything that is not a token issued here."""
    parts = text.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:  # noqa: PLR2004 - prefix, id, secret
        return None
    _, token_id, secret = parts
    if len(token_id) != TOKEN_ID_LENGTH or not set(token_id) <= _HEX:
        return None
    if not secret or len(secret) > MAX_SECRET_LENGTH or not set(secret) <= _URLSAFE:
        return None
    return token_id, secret


class AuthAction(StrEnum):
    """What the audit trail calls the steps of signing in (resource actions use access.Action)."""

    SIGN_IN = "sign_in"
    REAUTHENTICATE = "reauthenticate"
    USE_TOKEN = "use_token"  # noqa: S105 - an action name, not a secret
    USE_SESSION = "use_session"
    CONFIRM_SECOND_FACTOR = "confirm_second_factor"


class TokenStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A personal API token for a machine acting for a member. Only the secret's digest is
    kept; the token itself is shown once, when issued."""

    id: str
    member_id: str
    label: str
    secret_hash: str = field(repr=False)
    scopes: frozenset[Scope]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> TokenStatus:
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if now >= self.expires_at:
            return TokenStatus.EXPIRED
        return TokenStatus.ACTIVE

    def needs_touch(self, now: datetime) -> bool:
        return self.last_used_at is None or now - self.last_used_at >= TOUCH_INTERVAL


MAX_LABEL_LENGTH: Final = 100


def check_token_label(label: str) -> str:
    label = label.strip()
    if len(label) > MAX_LABEL_LENGTH:
        message = f"use at most {MAX_LABEL_LENGTH} characters"
        raise InvalidInputError([FieldError("label", message)])
    return label


def token_lifetime(days: int) -> timedelta:
    if not 1 <= days <= MAX_TOKEN_DAYS:
        message = f"a token lives from 1 to {MAX_TOKEN_DAYS} days"
        raise InvalidInputError([FieldError("days", message)])
    return timedelta(days=days)


# --- sessions -----------------------------------------------------------------------------------

# A session ends 12 hours after sign-in whatever happens (a working day in the field), and
# after an hour without a request (a laptop left open in a shared room).
SESSION_LIFETIME: Final = timedelta(hours=12)
SESSION_IDLE_TIMEOUT: Final = timedelta(hours=1)
# Record a session's or token's use at most once a minute, so reading does not write each time.
TOUCH_INTERVAL: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in browser, known to the server by the digest of its id (the cookie)."""

    id_hash: str
    member_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    address: str | None = None
    revoked_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return (
            self.revoked_at is None
            and now < self.expires_at
            and now < self.last_seen_at + SESSION_IDLE_TIMEOUT
        )

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= TOUCH_INTERVAL


def new_session(id_hash: str, member_id: str, now: datetime, address: str | None) -> Session:
    return Session(
        id_hash=id_hash,
        member_id=member_id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
        address=clip(address, ADDRESS_LENGTH),
    )


# --- one-time codes (TOTP, RFC 6238) ------------------------------------------------------------

TOTP_PERIOD_SECONDS: Final = 30
TOTP_DIGITS: Final = 6
# Codes one step early or late are accepted: phone clocks drift and people type slowly.
TOTP_WINDOW: Final = 1


def totp_step(now: datetime) -> int:
    return math.floor(now.timestamp()) // TOTP_PERIOD_SECONDS


def totp_candidate_steps(now: datetime, last_used_step: int | None) -> tuple[int, ...]:
    """The steps whose code may be accepted now: within the window and after the last step
    accepted, so a code is never accepted twice (and neither is an older one)."""
    current = totp_step(now)
    steps = range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1)
    return tuple(step for step in steps if last_used_step is None or step > last_used_step)


def normalise_totp_code(code: str) -> str | None:
    """The code's ASCII digits, spaces removed; None if it cannot be a code."""
    digits = code.replace(" ", "").strip()
    if len(digits) != TOTP_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


# --- the login throttle -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """At most `limit` failures within `window`; one more attempt is refused until the oldest
    counted failure leaves the window."""

    limit: int
    window: timedelta


# Five tries per account in fifteen minutes stops guessing while a person who mistypes can
# still get in; an address gets more, since a delegation's office shares one address.
ACCOUNT_THROTTLE: Final = ThrottleRule(limit=5, window=timedelta(minutes=15))
ADDRESS_THROTTLE: Final = ThrottleRule(limit=20, window=timedelta(minutes=15))


@dataclass(frozen=True, slots=True)
class LoginFailure:
    account_key: str
    address: str
    at: datetime


def retry_after(
    failures: Iterable[datetime], now: datetime, rule: ThrottleRule
) -> timedelta | None:
    """How long until another attempt is allowed; None if it is allowed now."""
    recent = sorted(moment for moment in failures if now - rule.window < moment <= now)
    if len(recent) < rule.limit:
        return None
    # When the oldest `len - limit + 1` failures have left, fewer than `limit` remain.
    return recent[-rule.limit] + rule.window - now


def throttle_wait(
    account_failures: Iterable[datetime], address_failures: Iterable[datetime], now: datetime
) -> timedelta | None:
    """The longer wait of the two throttles, per account and per address."""
    waits = [
        wait
        for wait in (
            retry_after(account_failures, now, ACCOUNT_THROTTLE),
            retry_after(address_failures, now, ADDRESS_THROTTLE),
        )
        if wait is not None
    ]
    return max(waits, default=None)


def throttle_horizon(now: datetime) -> datetime:
    """Failures before this moment count for no throttle and may be forgotten."""
    return now - max(ACCOUNT_THROTTLE.window, ADDRESS_THROTTLE.window)


# --- the audit trail ----------------------------------------------------------------------------

ADDRESS_LENGTH: Final = 100
ACTION_LENGTH: Final = 32
RESOURCE_KIND_LENGTH: Final = 32
RESOURCE_ID_LENGTH: Final = 140
ID_LENGTH: Final = 64
REASON_LENGTH: Final = 2000


def clip(text: str | None, limit: int) -> str | None:
    """Cut what the client controls (addresses, guessed ids) to what the store holds."""
    return None if text is None else text[:limit]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One decision: who (a member, or None when unknown), what (action on a resource kind and
    id), whether it was allowed and why, when, and from where (the client's address).
    `seq` is given by the store, in the order entries were written."""

    at: datetime
    actor_member_id: str | None
    action: str
    resource_kind: str
    resource_id: str | None
    allowed: bool
    reason: str
    address: str | None
    seq: int | None = None

    @property
    def outcome(self) -> str:
        return "allowed" if self.allowed else "denied"

    def log_line(self) -> str:
        """One line for a log: every field escaped, so nothing a client typed can start a new
        line, colour a terminal or reorder the text (SECURITY.md S12)."""
        fields = {
            "actor": self.actor_member_id,
            "action": self.action,
            "resource": f"{self.resource_kind}:{self.resource_id or ''}",
            "address": self.address,
            "reason": self.reason,
        }
        quoted = " ".join(f'{key}="{escape_for_log(value or "")}"' for key, value in fields.items())
        return f"audit {self.at.isoformat()} {self.outcome} {quoted}"


def _quoted(key: str, value: str | None) -> str:
    return f'{key}="{escape_for_log(value or "")}"'


def batch_log_lines(entries: Iterable[AuditEntry]) -> list[str]:
    """The log of many entries written together (a delivery round of the talks): one line per
    moment, outcome, action and resource, naming every viewer, with how many of that round's
    entries are theirs. The store keeps one entry per viewer all the same (SECURITY.md S12);
    the log says the same in a line a round instead of a line a stream. Every field is quoted
    and escaped as in `AuditEntry.log_line`, so no viewer's field can pass for another's."""
    groups: dict[tuple[datetime, bool, str, str, str], dict[tuple[str, str, str], int]] = {}
    for entry in entries:
        key = (
            entry.at,
            entry.allowed,
            entry.action,
            entry.resource_kind,
            entry.resource_id or "",
        )
        viewer = (entry.actor_member_id or "", entry.address or "", entry.reason)
        counts = groups.setdefault(key, {})
        counts[viewer] = counts.get(viewer, 0) + 1
    lines = []
    for (at, allowed, action, kind, resource_id), counts in groups.items():
        viewers = " ".join(
            f"[{_quoted('actor', actor)} {_quoted('address', address)} "
            f"{_quoted('reason', reason)} count={count}]"
            for (actor, address, reason), count in counts.items()
        )
        outcome = "allowed" if allowed else "denied"
        head = f"{_quoted('action', action)} {_quoted('resource', f'{kind}:{resource_id}')}"
        total = sum(counts.values())
        lines.append(f"audit {at.isoformat()} {outcome} {head} entries={total} {viewers}")
    return lines


def new_audit_entry(
    at: datetime,
    actor_member_id: str | None,
    action: str,
    resource_kind: str,
    resource_id: str | None,
    *,
    allowed: bool,
    reason: str,
    address: str | None,
) -> AuditEntry:
    """An entry whose fields fit the store: guessed ids and addresses come from clients."""
    return AuditEntry(
        at=at,
        actor_member_id=clip(actor_member_id, ID_LENGTH),
        action=str(action)[:ACTION_LENGTH],
        resource_kind=str(resource_kind)[:RESOURCE_KIND_LENGTH],
        resource_id=clip(resource_id, RESOURCE_ID_LENGTH),
        allowed=allowed,
        reason=reason[:REASON_LENGTH],
        address=clip(address, ADDRESS_LENGTH),
    )


# Unicode's explicit direction controls: they can make a log line read other than it is stored
# (CVE-2021-42574, "Trojan Source"). Joiners (U+200C, U+200D) are not here: Persian needs them.
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Line and paragraph separators end a line in some viewers just as LF does.
_LINE_BREAKERS: Final = frozenset("\u2028\u2029")


def escape_for_log(text: str) -> str:
    """Control characters (CR, LF, ESC and the rest of C0 and C1), line separators and
    direction controls as visible escapes; a backslash and a double quote escaped too, so an
    escape in the input cannot pass for one made here, nor end a quoted field."""
    return "".join(_escaped(char) for char in text)


def _escaped(char: str) -> str:
    if char in {"\\", '"'}:
        return "\\" + char
    if unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS or char in _LINE_BREAKERS:
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"  # noqa: PLR2004 - one byte
    return char
