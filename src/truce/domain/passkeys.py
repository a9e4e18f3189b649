"""Second factors beyond the password: WebAuthn passkeys, the short-lived challenges that
sign-in and enrolment need, and the rule that a sensitive step follows a recent password.

Pure: standard library only. The WebAuthn protocol itself (CBOR, COSE keys, signatures) is
checked by an adapter behind the application's `PasskeyVerifier` port; this module says only
what a stored passkey is and what follows from its counters.

Errors added to the tree of `domain/errors.py`:

    TruceError
    ├── ReauthenticationRequiredError  the step needs the password entered in the last minutes
    └── PasskeyRejectedError           the browser's answer did not prove the passkey (401)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from truce.domain.errors import FieldError, InvalidInputError, TruceError

# A password-verified sign-in waits this long for its second factor, and a passkey
# challenge lives this long: enough to find a phone or touch a key, too short to be stolen
# and used later.
PENDING_SIGN_IN_LIFETIME: Final = timedelta(minutes=5)
PASSKEY_CHALLENGE_LIFETIME: Final = timedelta(minutes=5)
# Adding or removing a factor needs the password entered this recently (sign-in counts).
REAUTHENTICATION_WINDOW: Final = timedelta(minutes=5)
# WebAuthn asks for at least 16 random bytes; 32 leaves no doubt.
CHALLENGE_BYTES: Final = 32
MAX_PASSKEY_NAME_LENGTH: Final = 60
# A member keeps a few keys (a laptop, a phone, a spare in a safe), not hundreds.
MAX_PASSKEYS_PER_MEMBER: Final = 10
# The browser's answer is a few kilobytes at most; more is not an answer.
MAX_PASSKEY_RESPONSE_BYTES: Final = 64 * 1024
# Credential ids are at most 1023 bytes (WebAuthn); base64url makes 1364 characters.
MAX_CREDENTIAL_ID_LENGTH: Final = 1400


class ReauthenticationRequiredError(TruceError):
    def __init__(self) -> None:
        super().__init__("enter your password again to change how you sign in")


class PasskeyRejectedError(TruceError):
    """The answer from the browser did not prove the passkey. `reason` is for the audit
    trail only; the member is told no more than that it failed."""

    def __init__(self, reason: str) -> None:
        super().__init__("the passkey could not be verified")
        self.reason = reason


class ChallengePurpose(StrEnum):
    """What a stored challenge waits for. Each is keyed by the digest of a secret handle the
    browser holds: the session id, or the pending sign-in's id."""

    # The password was right; a second factor must follow (handle: the pending sign-in).
    SIGN_IN = "sign_in"
    # A passkey is being created for a signed-in member (handle: the session).
    REGISTER_PASSKEY = "register_passkey"
    # The member entered the password again in this session (handle: the session).
    REAUTHENTICATED = "reauthenticated"
    # An operator opened the account; its member chooses a password through a one-time link
    # (handle: the link's secret). `challenge` marks it unused until the first answer.
    ENROLMENT = "enrolment"


@dataclass(frozen=True, slots=True)
class AuthChallenge:
    """A short-lived server-side state. `challenge` holds the random bytes a WebAuthn
    ceremony must sign; it is taken (cleared) by the first answer, right or wrong."""

    handle_hash: str
    purpose: ChallengePurpose
    member_id: str
    created_at: datetime
    expires_at: datetime
    challenge: bytes | None = field(default=None, repr=False)

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class RelyingParty:
    """Who the passkeys belong to: the site's domain (`id`), the name the browser shows, and
    the origins (scheme://host[:port]) whose answers are accepted."""

    id: str
    name: str
    origins: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NewPasskey:
    """What a verified registration yields, before it is stored."""

    credential_id: str
    public_key: bytes = field(repr=False)
    sign_count: int
    transports: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Passkey:
    """A WebAuthn credential of a member. `credential_id` is base64url without padding;
    `public_key` is the COSE key; `sign_count` the highest counter seen so far."""

    credential_id: str
    member_id: str
    name: str
    public_key: bytes = field(repr=False)
    sign_count: int
    transports: tuple[str, ...]
    created_at: datetime
    last_used_at: datetime | None = None


def sign_count_regressed(stored: int, presented: int) -> bool:
    """True when the authenticator's counter did not move forward although it counts: a
    sign that the key was cloned (WebAuthn 6.1.1). Authenticators that keep no counter send
    0 every time, and that is allowed."""
    if stored == 0 and presented == 0:
        return False
    return presented <= stored


def check_passkey_name(name: str, taken: int) -> str:
    """A name the member recognises it by ("work laptop"); a default when left empty."""
    name = " ".join(name.split())
    if len(name) > MAX_PASSKEY_NAME_LENGTH:
        message = f"use at most {MAX_PASSKEY_NAME_LENGTH} characters"
        raise InvalidInputError([FieldError("name", message)])
    return name or f"Passkey {taken + 1}"


def check_passkey_room(count: int) -> None:
    if count >= MAX_PASSKEYS_PER_MEMBER:
        message = f"a member keeps at most {MAX_PASSKEYS_PER_MEMBER} passkeys; remove one first"
        raise InvalidInputError([FieldError("passkey", message)])


def check_passkey_response(response: str) -> str:
    if not response.strip():
        raise InvalidInputError([FieldError("response", "no answer from the passkey")])
    if len(response.encode()) > MAX_PASSKEY_RESPONSE_BYTES:
        message = f"the answer is larger than {MAX_PASSKEY_RESPONSE_BYTES} bytes"
        raise InvalidInputError([FieldError("response", message)])
    return response
