"""Signing in with an organisation's OpenID Connect provider: what a provider, a linked
identity and a pending sign-in are, and every check on an ID token's claims.

Pure: standard library only. The signature of an ID token is checked by an adapter (it needs
a JOSE library and the provider's keys); what the signed claims must say is decided here.

A sign-in in flight is bound to one browser by a random secret kept in an HttpOnly cookie:
the PKCE code verifier and the nonce are derived from it, and the server keeps only digests
(of the state and of the secret). Whoever reads the database learns nothing that completes a
sign-in; whoever steals a callback URL lacks the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from truce.domain.auth import AuthenticationError
from truce.domain.errors import FieldError, InvalidInputError, TruceError

# --- errors -------------------------------------------------------------------------------------


class OidcRefusedError(AuthenticationError):
    """A sign-in through a provider failed. The caller sees the generic message of
    AuthenticationError; `reason` goes to the audit trail only."""

    def __init__(self, reason: str, member_id: str | None = None) -> None:
        super().__init__()
        self.reason = reason
        self.member_id = member_id


class ProviderUnavailableError(TruceError):
    """The provider could not be reached or answered nonsense (discovery, keys, token
    endpoint). Still the user's sign-in fails like any other; `reason` is for the audit."""

    def __init__(self, reason: str) -> None:
        super().__init__("the sign-in provider could not be reached")
        self.reason = reason


# --- providers ----------------------------------------------------------------------------------

PROVIDER_NAME: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
MAX_URL_LENGTH: Final = 500
MAX_CLIENT_ID_LENGTH: Final = 255
MAX_LABEL_LENGTH: Final = 80
ENV_VAR_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
DEFAULT_SCOPES: Final = ("openid", "email")
# Plain HTTP is refused except on the loopback: a developer's or a test's own provider.
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True)
class OidcProvider:
    """An organisation's identity provider, serving the members of one body (a guarantor
    state's ministry, the UN). The client secret is named by the environment variable that
    holds it, or kept sealed (encrypted) in the store; never as given.

    `declared` providers come from TRUCE_OIDC_PROVIDERS and are not stored."""

    name: str
    issuer: str
    client_id: str
    body_id: str
    label: str = ""
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    client_secret_env: str | None = None
    sealed_client_secret: bytes | None = field(default=None, repr=False)
    created_at: datetime | None = None
    declared: bool = False

    @property
    def display_name(self) -> str:
        return self.label or self.name

    @property
    def secret_source(self) -> str:
        if self.client_secret_env:
            return f"env {self.client_secret_env}"
        if self.sealed_client_secret is not None:
            return "sealed"
        return "none (public client)"


def check_provider(provider: OidcProvider) -> None:
    """Refuse a provider that could not work or would be unsafe to use."""
    errors = [
        FieldError(name, message)
        for name, message in (
            ("name", _name_problem(provider.name)),
            ("issuer", _issuer_problem_of(provider.issuer)),
            ("client_id", _client_id_problem(provider.client_id)),
            ("client_secret_env", _env_problem(provider.client_secret_env)),
            ("label", _label_problem(provider.label)),
            ("scopes", None if "openid" in provider.scopes else "must include openid"),
        )
        if message is not None
    ]
    if errors:
        raise InvalidInputError(errors)


def _name_problem(name: str) -> str | None:
    if PROVIDER_NAME.fullmatch(name):
        return None
    return "use 1 to 40 lowercase letters, digits and hyphens, not starting with a hyphen"


def _issuer_problem_of(issuer: str) -> str | None:
    problem = url_problem(issuer)
    if problem is None and (urlsplit(issuer).query or urlsplit(issuer).fragment):
        return "must have no query or fragment (OpenID Connect Discovery)"
    return problem


def _client_id_problem(client_id: str) -> str | None:
    if client_id.strip() and len(client_id) <= MAX_CLIENT_ID_LENGTH:
        return None
    return f"give 1 to {MAX_CLIENT_ID_LENGTH} characters"


def _env_problem(name: str | None) -> str | None:
    if name is None or ENV_VAR_NAME.fullmatch(name):
        return None
    return "not an environment variable's name"


def _label_problem(label: str) -> str | None:
    return None if len(label) <= MAX_LABEL_LENGTH else f"use at most {MAX_LABEL_LENGTH} characters"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a provider's address or endpoint; None when it can."""
    if len(url) > MAX_URL_LENGTH:
        return f"use at most {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "not a URL"
    if not host or parts.username or parts.password:
        return "must be an absolute URL with a host and no user information"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return None
    return "must use https (plain http only on the loopback, for development)"


# --- linked identities --------------------------------------------------------------------------

MAX_SUBJECT_LENGTH: Final = 255
MAX_EMAIL_LENGTH: Final = 254


@dataclass(frozen=True, slots=True)
class ExternalIdentity:
    """A person at a provider, (issuer, subject), linked to exactly one member.

    The operator provisions it with the subject when they know it, or with the email address
    the provider will assert as verified; in the second case the subject is filled in at the
    first sign-in, and from then on only the subject counts."""

    issuer: str
    member_id: str
    provider: str
    created_at: datetime
    subject: str | None = None
    email: str | None = None
    linked_at: datetime | None = None

    @property
    def pending(self) -> bool:
        return self.subject is None


def normalise_email(email: str) -> str:
    """Email addresses compare case-insensitively here: providers differ in the case they
    assert, and two members told apart only by case would be a mistake anyway."""
    return email.strip().casefold()


def check_identity_claim(subject: str | None, email: str | None) -> None:
    errors: list[FieldError] = []
    if (subject is None) == (email is None):
        errors.append(FieldError("subject", "give the subject or the email address, not both"))
    if subject is not None and not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        errors.append(FieldError("subject", f"give 1 to {MAX_SUBJECT_LENGTH} characters"))
    if email is not None and not _looks_like_email(email):
        errors.append(FieldError("email", "not an email address"))
    if errors:
        raise InvalidInputError(errors)


def _looks_like_email(email: str) -> bool:
    local, at, domain = email.strip().rpartition("@")
    return bool(at and local and "." in domain) and len(email) <= MAX_EMAIL_LENGTH


# --- a sign-in in flight ------------------------------------------------------------------------

# Long enough to type a password and a code at the provider; short enough that a state left
# behind is soon useless.
PENDING_LIFETIME: Final = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """A sign-in sent to a provider and not yet back. Known by the digest of its `state`;
    bound to the browser by the digest of the secret in that browser's cookie."""

    state_hash: str
    binding_hash: str = field(repr=False)
    provider: str
    created_at: datetime
    expires_at: datetime
    address: str | None = None

    def is_live(self, now: datetime) -> bool:
        return now < self.expires_at


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _derive(browser_secret: str, purpose: bytes) -> str:
    return b64url(hmac.new(browser_secret.encode(), purpose, hashlib.sha256).digest())


def nonce_for(browser_secret: str) -> str:
    return _derive(browser_secret, b"truce/oidc/nonce")


def code_verifier_for(browser_secret: str) -> str:
    """43 characters of base64url: a valid PKCE verifier (RFC 7636 section 4.1)."""
    return _derive(browser_secret, b"truce/oidc/pkce")


def code_challenge(verifier: str) -> str:
    """PKCE's S256 method."""
    return b64url(hashlib.sha256(verifier.encode()).digest())


def same_secret(given: str, stored_hash: str) -> bool:
    return hmac.compare_digest(digest(given).encode(), stored_hash.encode())


# --- the ID token's claims ----------------------------------------------------------------------

# Clocks of the provider and of this server may disagree a little.
CLOCK_LEEWAY: Final = timedelta(seconds=60)
# An ID token comes straight from the token endpoint: one much older was not made for us now.
MAX_TOKEN_AGE: Final = PENDING_LIFETIME
# Algorithms this server verifies; a provider's advertised list is intersected with these.
# Never `none`, never HMAC (the key would be the client secret, shared with the provider).
SUPPORTED_ALGORITHMS: Final = ("RS256", "PS256", "ES256", "EdDSA", "Ed25519")
_AT_HASH_DIGEST: Final = {
    "RS256": "sha256",
    "PS256": "sha256",
    "ES256": "sha256",
    # OpenID Connect Core, errata: EdDSA over Ed25519 hashes with SHA-512.
    "EdDSA": "sha512",
    "Ed25519": "sha512",
}


@dataclass(frozen=True, slots=True)
class Expected:
    """What the claims must say for this sign-in."""

    issuer: str
    client_id: str
    nonce: str = field(repr=False)
    now: datetime
    algorithm: str
    access_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AssertedIdentity:
    """Who the provider says signed in, once every check passed."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool


def check_claims(claims: Mapping[str, object], expected: Expected) -> AssertedIdentity:
    """The identity asserted by a verified ID token, or OidcRefusedError naming the first
    check that failed (OpenID Connect Core 1.0, section 3.1.3.7)."""
    reason = (
        _issuer_problem(claims, expected)
        or _audience_problem(claims, expected)
        or _time_problem(claims, expected.now)
        or _nonce_problem(claims, expected)
        or _at_hash_problem(claims, expected)
    )
    if reason:
        raise OidcRefusedError(reason)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
        raise OidcRefusedError("ID token without a usable subject")
    email = claims.get("email")
    verified = claims.get("email_verified")
    return AssertedIdentity(
        issuer=expected.issuer,
        subject=subject,
        email=normalise_email(email) if isinstance(email, str) else None,
        # Only a JSON true counts; some providers send the string "true", which is not
        # what the specification says, and a sign-in must not hinge on a guess.
        email_verified=verified is True,
    )


def _issuer_problem(claims: Mapping[str, object], expected: Expected) -> str | None:
    return None if claims.get("iss") == expected.issuer else "wrong issuer"


def _audience_problem(claims: Mapping[str, object], expected: Expected) -> str | None:
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, list) or expected.client_id not in audiences:
        return "wrong audience"
    azp = claims.get("azp")
    if azp is not None and azp != expected.client_id:
        return "wrong authorized party (azp)"
    if len(audiences) > 1 and azp is None:
        return "several audiences and no authorized party (azp)"
    return None


def _time_problem(claims: Mapping[str, object], now: datetime) -> str | None:
    exp, iat, nbf = (
        _number(claims.get("exp")),
        _number(claims.get("iat")),
        _number(claims.get("nbf", 0)),
    )
    if exp is None or iat is None or nbf is None:
        return "ID token without numeric exp and iat"
    moment = now.timestamp()
    leeway = CLOCK_LEEWAY.total_seconds()
    if moment >= exp + leeway:
        return "ID token expired"
    if iat > moment + leeway or nbf > moment + leeway:
        return "ID token issued in the future"
    if iat < moment - MAX_TOKEN_AGE.total_seconds() - leeway:
        return "ID token issued too long ago"
    return None


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _nonce_problem(claims: Mapping[str, object], expected: Expected) -> str | None:
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(
        nonce.encode(), expected.nonce.encode()
    ):
        return "wrong nonce"
    return None


def _at_hash_problem(claims: Mapping[str, object], expected: Expected) -> str | None:
    at_hash = claims.get("at_hash")
    if at_hash is None or expected.access_token is None:
        return None
    wanted = access_token_hash(expected.access_token, expected.algorithm)
    if not isinstance(at_hash, str) or wanted is None:
        return "unusable at_hash"
    if not hmac.compare_digest(at_hash.encode(), wanted.encode()):
        return "at_hash does not match the access token"
    return None


def access_token_hash(access_token: str, algorithm: str) -> str | None:
    """The left half of the access token's hash, base64url: what `at_hash` must be."""
    name = _AT_HASH_DIGEST.get(algorithm)
    if name is None:
        return None
    full = hashlib.new(name, access_token.encode()).digest()
    return b64url(full[: len(full) // 2])
