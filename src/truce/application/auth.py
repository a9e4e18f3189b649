"""Use cases of authentication and of the audit trail (issue 3, items 4 and 5).

Members sign in with a password (argon2id, behind the PasswordHasher port) and, once they
have enrolled one, a TOTP code; a sign-in opens a server-side session whose id the browser
keeps. Machines use personal API tokens. Every failure looks the same to the caller
(AuthenticationError), whether the account exists or not; the audit trail, which only
operators read, says what went wrong. Repeated failures are throttled per account and per
address (domain.auth.ACCOUNT_THROTTLE, ADDRESS_THROTTLE).

Secrets never stored as given: passwords as argon2id hashes; session ids and token secrets as
SHA-256 digests; TOTP seeds encrypted with AES-256-GCM under a key derived from the server
secret (TRUCE_SECRET_KEY). Nothing here logs a secret.
"""

from __future__ import annotations

import base64
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NoReturn
from urllib.parse import urlencode

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyotp.totp import TOTP

from truce.application.demo_case import CAST
from truce.application.ports import (
    Clock,
    IdFactory,
    PasskeyVerifier,
    PasswordHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from truce.application.registry import RegistryService
from truce.domain.access import Action, Allow, Deny, ResourceKind
from truce.domain.auth import (
    ADDRESS_LENGTH,
    DEMO_PASSWORD,
    ENROLMENT_LIFETIME,
    MAX_SECRET_LENGTH,
    SECRET_BYTES,
    TOKEN_ID_LENGTH,
    ApiToken,
    AuditEntry,
    AuthAction,
    AuthenticationError,
    Credential,
    DemoModeRequiredError,
    InsufficientScopeError,
    LoginFailure,
    Scope,
    SecondFactorRequiredError,
    Session,
    TokenStatus,
    TooManyAttemptsError,
    account_key,
    check_password,
    check_token_label,
    format_api_token,
    is_demo_password,
    new_audit_entry,
    new_session,
    normalise_totp_code,
    parse_api_token,
    parse_scopes,
    secret_digest,
    throttle_horizon,
    throttle_wait,
    token_lifetime,
    totp_candidate_steps,
)
from truce.domain.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from truce.domain.languages import check_language
from truce.domain.parties import Member, Role
from truce.domain.passkeys import (
    CHALLENGE_BYTES,
    MAX_CREDENTIAL_ID_LENGTH,
    PASSKEY_CHALLENGE_LIFETIME,
    PENDING_SIGN_IN_LIFETIME,
    REAUTHENTICATION_WINDOW,
    AuthChallenge,
    ChallengePurpose,
    Passkey,
    PasskeyRejectedError,
    ReauthenticationRequiredError,
    RelyingParty,
    check_passkey_name,
    check_passkey_response,
    check_passkey_room,
    sign_count_regressed,
)

_audit_log = logging.getLogger("truce.audit")

TOTP_ISSUER = "Truce"
# RFC 4226 asks for 160-bit HMAC keys.
TOTP_SEED_BYTES = 20
MIN_SERVER_SECRET_LENGTH = 32
MAX_AUDIT_PAGE = 1000
# What the audit trail calls an API token (not a resource of the access policy).
API_TOKEN = "api_token"  # noqa: S105 - a resource name, not a secret
SESSION = "session"
# Outcomes as the audit helpers take them, named for reading.
ALLOWED = True
DENIED = False
# What the record calls each kind of second factor.
TOTP_FACTOR = "totp"
PASSKEY_FACTOR = "passkey"


class ServerConfigurationError(RuntimeError):
    """The operator's to fix, not the user's: the request is refused plainly (503) and the
    reason goes to the operator's log, never a 500 (issue 3, bad input)."""


class SecretKeyMissingError(ServerConfigurationError):
    """A configuration error, not a user's: raised only when a second factor must be stored
    or read and there is no server secret to derive its key from."""

    def __init__(self) -> None:
        super().__init__(
            "TRUCE_SECRET_KEY must be set (32 characters or more): second factors are stored "
            "encrypted with a key derived from it"
        )


class SecretKeyMismatchError(ServerConfigurationError):
    def __init__(self) -> None:
        super().__init__(
            "a value stored encrypted under TRUCE_SECRET_KEY (a second factor or a member's "
            "signing key) cannot be decrypted: TRUCE_SECRET_KEY changed since it was stored, "
            "or the stored value was altered"
        )


class SecretBox:
    """AES-256-GCM under a key derived (HKDF-SHA256) from the server secret for one purpose.
    Each value gets a fresh 96-bit nonce; `context` is bound as associated data, so a sealed
    value copied to another member's row does not open there."""

    _NONCE_BYTES = 12

    def __init__(self, server_secret: str, purpose: bytes) -> None:
        self._secret = server_secret
        self._purpose = purpose

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = secrets.token_bytes(self._NONCE_BYTES)
        return nonce + self._cipher().encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        nonce, body = sealed[: self._NONCE_BYTES], sealed[self._NONCE_BYTES :]
        try:
            return self._cipher().decrypt(nonce, body, context)
        except InvalidTag:
            raise SecretKeyMismatchError from None

    def _cipher(self) -> AESGCM:
        if len(self._secret) < MIN_SERVER_SECRET_LENGTH:
            raise SecretKeyMissingError
        kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=self._purpose)
        return AESGCM(kdf.derive(self._secret.encode()))

    def __repr__(self) -> str:
        return f"SecretBox(purpose={self._purpose!r})"


@dataclass(frozen=True, slots=True)
class FactorsReset:
    """What `reset_factors` removed: the authenticator (if one was enrolled), how many
    passkeys, and how many sessions it ended."""

    totp: bool
    passkeys: int
    sessions: int


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: `session_id` goes into the cookie and is never stored server-side."""

    session_id: str = field(repr=False)
    member: Member
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new API token: `token` is shown once and never again."""

    token: str = field(repr=False)
    token_id: str
    member_id: str
    scopes: frozenset[Scope]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Enrolment:
    """An account opened without a password, waiting for its member: `secret` goes into the
    one-time link the operator hands over. It is shown once and stored only as its digest."""

    member: Member
    secret: str = field(repr=False)
    expires_at: datetime


def enrolment_link(base_url: str, enrolment: Enrolment) -> str:
    """The link the member opens, on the server's address (`https://host[/prefix]`), in the
    language chosen for the member: the same link whether the web page or the console issued
    it."""
    link = f"{base_url.rstrip('/')}/enrol/{enrolment.secret}"
    language = enrolment.member.language
    return f"{link}?{urlencode({'lang': language})}" if language else link


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Who an API token speaks for, and what it may be used for."""

    member: Member
    scopes: frozenset[Scope]
    token_id: str


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """What the authenticator app needs: the otpauth:// URI (a QR code) or the seed typed in."""

    provisioning_uri: str = field(repr=False)
    secret: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Factors:
    """How a member signs in beyond the password, as the account security page shows it."""

    member: Member
    totp: bool
    totp_pending: bool
    passkeys: tuple[Passkey, ...]

    @property
    def any(self) -> bool:
        return self.totp or bool(self.passkeys)


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """A sign-in whose password was right, waiting for its second factor."""

    member: Member
    totp: bool
    passkey: bool
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AccountStatus:
    member: Member
    has_password: bool
    has_second_factor: bool


@dataclass(frozen=True, slots=True)
class _Attempt:
    """A sign-in attempt as read from the store, before anything is checked."""

    key: str
    address: str
    at: datetime
    member: Member | None
    credential: Credential | None
    passkeys: int = 0


@dataclass(frozen=True, slots=True)
class _Verified:
    """An attempt whose password (and, when enrolled, second factor) were right."""

    attempt: _Attempt
    member: Member
    credential: Credential
    totp_step: int | None = None
    # The passkey used and its new counter, stored when the session opens.
    passkey_use: tuple[str, int] | None = None


class AuthService:
    """Sign-in, sessions, API tokens, second factors, account administration, audit trail.

    Administrative methods take `actor_id` (the operator's member id, None at the console)
    and `address` for the audit trail; who may call them is decided by the entrypoint through
    the access policy (Action.ADMINISTER on the member).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        hasher: PasswordHasher,
        *,
        server_secret: str = "",
        demo: bool = False,
        passkeys: PasskeyVerifier | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.ids = ids
        self.hasher = hasher
        self.demo = demo
        self._totp_box = SecretBox(server_secret, b"truce/totp-seed/v1")
        self._passkeys = passkeys
        self._dummy: str | None = None

    # --- accounts ---------------------------------------------------------------------------

    def open_account(
        self,
        username: str,
        title: str,
        body_id: str,
        roles: Iterable[Role],
        password: str,
        *,
        actor_id: str | None = None,
        address: str | None = None,
    ) -> Member:
        """Add a member (as the registry does) and set its password. The password is checked
        first, so a refused one leaves no account behind."""
        username = username.strip()
        check_password(password, username, demo=self.demo)
        member = self._add_member(username, title, body_id, roles)
        self.set_password(member.id, password, actor_id=actor_id, address=address)
        return member

    def invite(
        self,
        username: str,
        title: str,
        body_id: str,
        roles: Iterable[Role],
        *,
        language: str | None = None,
        actor_id: str | None = None,
        address: str | None = None,
    ) -> Enrolment:
        """Add a member (as `open_account` does) without a password, and issue the one-time
        enrolment link through which the member chooses one. Whoever opens the account never
        learns the member's password; until the link is used, nobody can sign in as them."""
        chosen = check_language(language) if language else None
        member = self._add_member(username.strip(), title, body_id, roles)
        if chosen is not None:
            member = replace(
                member,
                language=RegistryService(self.uow, self.clock).choose_language(member, chosen),
            )
        return self._issue_enrolment(member, "account opened", actor_id, address)

    def renew_enrolment(
        self, member_id: str, *, actor_id: str | None = None, address: str | None = None
    ) -> Enrolment:
        """A fresh link for an account whose member has not chosen a password yet (the first
        link lapsed or was lost). Earlier links stop working."""
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id)
        if credential is not None and credential.password_hash:
            raise ConflictError("the member has chosen a password already")
        return self._issue_enrolment(member, "enrolment link renewed", actor_id, address)

    def enrolment(self, secret: str) -> Member:
        """The account a live enrolment link opens, or AuthenticationError (unknown, used or
        lapsed alike)."""
        now = self.clock.now()
        with self.uow() as uow:
            state = _live_enrolment(uow, secret, now)
            return _member_in(uow, state.member_id)

    def enrol(self, secret: str, password: str, address: str) -> Member:
        """The member chooses a password through the link: the link is used up, the password
        set, and the member signs in as anyone does. A wrong password choice (too short...)
        leaves the link usable; a second use, or a lapsed link, is AuthenticationError."""
        now = self.clock.now()
        with self.uow() as uow:
            state = _live_enrolment(uow, secret, now)
            member = _member_in(uow, state.member_id)
        check_password(password, member.username, demo=self.demo)
        hashed = self.hasher.hash(password)
        with self.uow() as uow:
            digest = secret_digest(secret)
            # Taken once: of two answers racing with one link, only one sets the password.
            if uow.auth_challenges.take_challenge(digest, ChallengePurpose.ENROLMENT) is None:
                raise AuthenticationError
            uow.auth_challenges.delete(digest, ChallengePurpose.ENROLMENT)
            credential = uow.accounts.credential(member.id) or Credential(member.id)
            uow.accounts.save_credential(
                replace(credential, password_hash=hashed, password_changed_at=now)
            )
            target = (ResourceKind.MEMBER, member.id)
            reason = "enrolled: password chosen through the enrolment link"
            self._audit(uow, member.id, Action.ADMINISTER, target, ALLOWED, reason, address)
            # From now on the account can sign in: the record keeps since when, as it keeps
            # every change of how an account signs in (`_factor_changed`).
            self._sign_in_recorded(uow, member, "member.enrolled", now)
            uow.commit()
        return member

    def _add_member(self, username: str, title: str, body_id: str, roles: Iterable[Role]) -> Member:
        member = Member(self.ids.new_id(), username, title.strip(), body_id, frozenset(roles))
        RegistryService(self.uow, self.clock).add_member(member)
        return member

    def _issue_enrolment(
        self, member: Member, done: str, actor_id: str | None, address: str | None
    ) -> Enrolment:
        secret = secrets.token_urlsafe(SECRET_BYTES)
        now = self.clock.now()
        expires_at = now + ENROLMENT_LIFETIME
        state = AuthChallenge(
            secret_digest(secret),
            ChallengePurpose.ENROLMENT,
            member.id,
            now,
            expires_at,
            challenge=secrets.token_bytes(CHALLENGE_BYTES),
        )
        with self.uow() as uow:
            uow.auth_challenges.delete_expired(now)
            uow.auth_challenges.delete_for_member(member.id, ChallengePurpose.ENROLMENT)
            uow.auth_challenges.put(state)
            reason = f"{done}; enrolment link issued, usable until {expires_at.isoformat()}"
            self._administered(uow, member.id, reason, actor_id, address)
            # Whoever holds a live link can choose the account's password: when links were
            # issued, and until when they held, matters in a dispute over who acted.
            self._sign_in_recorded(
                uow, member, "member.enrolment_issued", now, expires_at=expires_at.isoformat()
            )
            uow.commit()
        return Enrolment(member, secret, expires_at)

    def find_member(self, username: str) -> Member:
        with self.uow() as uow:
            member = uow.members.get_by_username(username)
        if member is None:
            raise NotFoundError("member")
        return member

    def accounts(self) -> list[AccountStatus]:
        with self.uow() as uow:
            members = uow.members.list_all()
            credentials = {c.member_id: c for c in uow.accounts.credentials()}
            with_passkeys = {m.id for m in members if uow.passkeys.for_member(m.id)}
        return [
            _status(member, credentials.get(member.id), passkey=member.id in with_passkeys)
            for member in members
        ]

    def set_password(
        self,
        member_id: str,
        password: str,
        *,
        actor_id: str | None = None,
        address: str | None = None,
    ) -> None:
        """Set or reset a password. Every session of the member ends: whoever knew the old
        password is signed out. Failures counted against the account are forgotten."""
        member = self._member(member_id)
        check_password(password, member.username, demo=self.demo)
        hashed = self.hasher.hash(password)
        now = self.clock.now()
        with self.uow() as uow:
            credential = uow.accounts.credential(member_id) or Credential(member_id)
            uow.accounts.save_credential(
                replace(credential, password_hash=hashed, password_changed_at=now)
            )
            ended = uow.sessions.revoke_all(member_id, now)
            uow.login_failures.clear_account(account_key(member.username))
            self._administered(
                uow, member_id, f"password set; {ended} sessions ended", actor_id, address
            )
            uow.commit()

    def disable_member(
        self, member_id: str, *, actor_id: str | None = None, address: str | None = None
    ) -> None:
        """Stop the account at once: sessions end, tokens and sign-in stop working."""
        self._set_active(member_id, active=False, actor_id=actor_id, address=address)

    def enable_member(
        self, member_id: str, *, actor_id: str | None = None, address: str | None = None
    ) -> None:
        self._set_active(member_id, active=True, actor_id=actor_id, address=address)

    def set_demo_credentials(self, usernames: Iterable[str] | None = None, *, demo: bool) -> int:
        """Give the demo cast (or the named members) the documented demo password. Refused
        unless `demo` is true and this service runs in demo mode; a service outside demo mode
        also refuses that password at sign-in, should a demo store ever be served for real."""
        if not demo or not self.demo:
            raise DemoModeRequiredError
        names = [account.username for account in CAST] if usernames is None else list(usernames)
        for username in names:
            self.set_password(self.find_member(username).id, DEMO_PASSWORD)
        return len(names)

    # --- signing in -------------------------------------------------------------------------

    def login(
        self, username: str, password: str, address: str, totp_code: str | None = None
    ) -> SignedIn:
        """Open a session, or raise AuthenticationError (any failure, no detail),
        TooManyAttemptsError (throttled), SecondFactorRequiredError (the password was right:
        finish with `finish_sign_in` or `finish_sign_in_with_passkey` on its `pending` id,
        or send the code too)."""
        verified = self._authenticate(username, password, address, totp_code)
        session_id = secrets.token_urlsafe(SECRET_BYTES)
        session = new_session(
            secret_digest(session_id), verified.member.id, verified.attempt.at, address
        )
        self._accept(verified, password, AuthAction.SIGN_IN, session)
        return SignedIn(session_id, verified.member, session.expires_at)

    def open_session(self, member_id: str, address: str, *, method: str) -> SignedIn:
        """A session for a member whose identity another service established (an
        organisation's OpenID Connect provider): the same session as a password sign-in,
        audited alike. AuthenticationError when the account is disabled."""
        now = self.clock.now()
        address = address[:ADDRESS_LENGTH]
        session_id = secrets.token_urlsafe(SECRET_BYTES)
        session = new_session(secret_digest(session_id), member_id, now, address)
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            target = (ResourceKind.MEMBER, member_id)
            if not member.active:
                reason = f"account disabled ({method})"
                self._audit(uow, member_id, AuthAction.SIGN_IN, target, DENIED, reason, address)
                uow.commit()
                raise AuthenticationError
            uow.sessions.delete_ended(now)
            uow.sessions.add(session)
            reason = f"signed in with {method}"
            self._audit(uow, member_id, AuthAction.SIGN_IN, target, ALLOWED, reason, address)
            uow.commit()
        return SignedIn(session_id, member, session.expires_at)

    def reauthenticate(
        self,
        member_id: str,
        password: str,
        address: str,
        totp_code: str | None = None,
        *,
        session_id: str | None = None,
    ) -> None:
        """Check a signed-in member's password again before a sensitive step; throttled and
        audited like a sign-in, and raising the same errors. The second factor is not asked
        again: the session was opened with it. Given the session, the session counts as
        recently authenticated for REAUTHENTICATION_WINDOW."""
        member = self._member(member_id)
        verified = self._authenticate(
            member.username, password, address, totp_code, second_factor=False
        )
        self._accept(verified, password, AuthAction.REAUTHENTICATE, None)
        if session_id:
            now = self.clock.now()
            marker = AuthChallenge(
                secret_digest(session_id),
                ChallengePurpose.REAUTHENTICATED,
                member_id,
                now,
                now + REAUTHENTICATION_WINDOW,
            )
            self._write(lambda uow: uow.auth_challenges.put(marker))

    def recently_authenticated(self, session_id: str) -> bool:
        """Whether the session's password was entered (at sign-in or again) within
        REAUTHENTICATION_WINDOW: what adding or removing a second factor needs."""
        now = self.clock.now()
        id_hash = secret_digest(session_id)
        with self.uow() as uow:
            session = uow.sessions.get(id_hash)
            marker = uow.auth_challenges.get(id_hash, ChallengePurpose.REAUTHENTICATED)
        if session is None or not session.is_live(now):
            return False
        if now - session.created_at <= REAUTHENTICATION_WINDOW:
            return True
        return marker is not None and marker.is_live(now)

    # --- the second step of signing in ------------------------------------------------------

    def pending_sign_in(self, pending: str) -> PendingSignIn:
        """What the waiting sign-in may be finished with; AuthenticationError when it is
        unknown or expired (the member starts again with the password)."""
        now = self.clock.now()
        with self.uow() as uow:
            state = self._live_pending(uow, pending, now)
            member = _member_in(uow, state.member_id)
            credential = uow.accounts.credential(member.id)
            passkeys = uow.passkeys.for_member(member.id)
        totp = bool(credential and credential.has_second_factor)
        return PendingSignIn(member, totp, bool(passkeys), state.expires_at)

    def finish_sign_in(self, pending: str, totp_code: str, address: str) -> SignedIn:
        """Finish a waiting sign-in with a one-time code; throttled and counted like the
        password itself."""
        attempt = self._pending_attempt(pending, address)
        verified = self._verified_pending(attempt)
        step = self._matching_step(verified.credential, totp_code, attempt.at)
        if step is None:
            self._fail(attempt, "wrong or reused one-time code")
        return self._open_session(replace(verified, totp_step=step), pending)

    def passkey_sign_in_options(self, pending: str, rp: RelyingParty) -> str:
        """A fresh, single-use challenge for the waiting sign-in, as the options the
        browser's script hands to navigator.credentials.get."""
        verifier = self._verifier()
        now = self.clock.now()
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        with self.uow() as uow:
            state = self._live_pending(uow, pending, now)
            allow = uow.passkeys.for_member(state.member_id)
            if not allow:
                raise ConflictError("no passkey is registered for this account")
            uow.auth_challenges.put(replace(state, challenge=challenge))
            uow.commit()
        return verifier.authentication_options(rp, challenge=challenge, allow=allow)

    def finish_sign_in_with_passkey(
        self, pending: str, response: str, rp: RelyingParty, address: str
    ) -> SignedIn:
        """Finish a waiting sign-in with a passkey's signature over the challenge."""
        verifier = self._verifier()
        response = check_passkey_response(response)
        attempt = self._pending_attempt(pending, address)
        verified = self._verified_pending(attempt)
        with self.uow() as uow:
            challenge = uow.auth_challenges.take_challenge(
                secret_digest(pending), ChallengePurpose.SIGN_IN
            )
            uow.commit()
        if challenge is None:
            self._fail(attempt, "no passkey challenge was issued, or it was used")
        checked = self._check_assertion(verifier, rp, response, challenge, verified.member.id)
        if isinstance(checked, str):
            self._fail(attempt, checked)
        return self._open_session(replace(verified, passkey_use=checked), pending)

    def session_member(self, session_id: str, *, address: str | None = None) -> Member:
        """The member a live session belongs to, or AuthenticationError. A refused session
        is a denied attempt in the audit trail (issue 3: every refusal leaves an entry)."""
        if not session_id:
            raise AuthenticationError
        if len(session_id) > MAX_SECRET_LENGTH:
            self._write(lambda uow: self._refuse_session(uow, None, "malformed session", address))
            raise AuthenticationError
        # Looked up by digest: timing can reveal at most a prefix of a SHA-256 digest,
        # which says nothing about the 256-bit id behind it.
        id_hash = secret_digest(session_id)
        now = self.clock.now()
        with self.uow() as uow:
            session = uow.sessions.get(id_hash)
            member = uow.members.get(session.member_id) if session else None
            refused = _session_refusal(session, member, now)
            if refused is not None or member is None:
                self._refuse_session(uow, member, refused or "unknown session", address)
                uow.commit()
                raise AuthenticationError
            if session is not None and session.needs_touch(now):
                uow.sessions.touch(id_hash, now)
                uow.commit()
        return member

    def logout(self, session_id: str) -> None:
        if not session_id or len(session_id) > MAX_SECRET_LENGTH:
            return
        with self.uow() as uow:
            uow.sessions.revoke(secret_digest(session_id), self.clock.now())
            uow.auth_challenges.delete(secret_digest(session_id), ChallengePurpose.REAUTHENTICATED)
            uow.commit()

    # --- API tokens -------------------------------------------------------------------------

    def issue_token(
        self,
        member_id: str,
        scopes: Iterable[str],
        days: int,
        label: str = "",
        *,
        actor_id: str | None = None,
        address: str | None = None,
    ) -> IssuedToken:
        granted = parse_scopes(scopes)
        lifetime = token_lifetime(days)
        label = check_token_label(label)
        secret = secrets.token_urlsafe(SECRET_BYTES)
        now = self.clock.now()
        token = ApiToken(
            id=secrets.token_hex(TOKEN_ID_LENGTH // 2),
            member_id=member_id,
            label=label,
            secret_hash=secret_digest(secret),
            scopes=granted,
            created_at=now,
            expires_at=now + lifetime,
        )
        with self.uow() as uow:
            if not _member_in(uow, member_id).active:
                raise ConflictError("the account is disabled")
            uow.api_tokens.add(token)
            reason = f"token {token.id} issued: {' '.join(sorted(granted))}"
            self._audit(
                uow, actor_id, Action.ADMINISTER, (API_TOKEN, token.id), ALLOWED, reason, address
            )
            uow.commit()
        return IssuedToken(
            format_api_token(token.id, secret), token.id, member_id, granted, token.expires_at
        )

    def revoke_token(
        self, token_id: str, *, actor_id: str | None = None, address: str | None = None
    ) -> None:
        with self.uow() as uow:
            if uow.api_tokens.get(token_id) is None:
                raise NotFoundError("token")
            uow.api_tokens.revoke(token_id, self.clock.now())
            self._audit(
                uow,
                actor_id,
                Action.ADMINISTER,
                (API_TOKEN, token_id),
                ALLOWED,
                "token revoked",
                address,
            )
            uow.commit()

    def list_tokens(self, member_id: str | None = None) -> list[ApiToken]:
        with self.uow() as uow:
            return uow.api_tokens.list_all(member_id)

    def authenticate_token(
        self, token: str, *, scope: Scope | None = None, address: str | None = None
    ) -> TokenHolder:
        """Who the token speaks for. AuthenticationError for anything not a live token of an
        active member (401); InsufficientScopeError when `scope` is not granted (403)."""
        now = self.clock.now()
        parsed = parse_api_token(token)
        with self.uow() as uow:
            stored = uow.api_tokens.get(parsed[0]) if parsed else None
            member = uow.members.get(stored.member_id) if stored else None
            checked = _check_token(parsed, stored, member, now)
            if isinstance(checked, str):
                self._refuse_token(uow, stored, checked, address)
                raise AuthenticationError
            if scope is not None and scope not in checked.scopes:
                self._refuse_token(uow, stored, f"scope {scope} not granted", address)
                raise InsufficientScopeError
            if stored is not None and stored.needs_touch(now):
                uow.api_tokens.touch(stored.id, now)
            uow.commit()
        return checked

    # --- second factors ---------------------------------------------------------------------

    def factors(self, member_id: str) -> Factors:
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id)
            passkeys = tuple(uow.passkeys.for_member(member_id))
        totp = bool(credential and credential.has_second_factor)
        pending = bool(credential and credential.totp_secret and not credential.totp_confirmed)
        return Factors(member, totp, pending, passkeys)

    def enrol_totp(self, member_id: str, address: str | None = None) -> TotpEnrolment:
        """Start enrolling an authenticator. It counts at sign-in only once confirmed with a
        first code, so a failed scan cannot lock anyone out."""
        seed = base64.b32encode(secrets.token_bytes(TOTP_SEED_BYTES)).decode()
        sealed = self._totp_box.seal(seed.encode(), member_id.encode())
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id) or Credential(member_id)
            if credential.has_second_factor:
                raise ConflictError("an authenticator is enrolled already; remove it first")
            uow.accounts.save_credential(
                replace(credential, totp_secret=sealed, totp_confirmed=False, totp_last_step=None)
            )
            self._administered(
                uow, member_id, "authenticator enrolment started", member_id, address
            )
            uow.commit()
        return self._totp_enrolment(member, seed)

    def pending_totp_enrolment(self, member_id: str) -> TotpEnrolment | None:
        """The enrolment started and not yet confirmed, to show its QR code again."""
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id)
        if credential is None or credential.totp_secret is None or credential.totp_confirmed:
            return None
        seed = self._totp_box.open(credential.totp_secret, member_id.encode()).decode()
        return self._totp_enrolment(member, seed)

    def confirm_totp(self, member_id: str, code: str, address: str | None = None) -> None:
        """Finish enrolling with a first code from the authenticator. Throttled like a
        sign-in (per account and address): six digits must not be guessable here either."""
        now = self.clock.now()
        address = (address or "unknown")[:ADDRESS_LENGTH]
        action = AuthAction.CONFIRM_SECOND_FACTOR
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id)
            if credential is None or credential.totp_secret is None or credential.totp_confirmed:
                raise ConflictError("no authenticator enrolment awaits confirmation")
            passkeys = len(uow.passkeys.for_member(member_id))
        attempt = _Attempt(account_key(member.username), address, now, member, credential, passkeys)
        self._check_throttle(attempt, action)
        step = self._matching_step(credential, code, now)
        with self.uow() as uow:
            if step is None or not uow.accounts.claim_totp_step(member_id, step):
                self._count_failure(uow, attempt, "wrong one-time code", action)
                uow.commit()
                raise AuthenticationError
            confirmed = replace(credential, totp_confirmed=True, totp_last_step=step)
            uow.accounts.save_credential(confirmed)
            self._audit_attempt(uow, attempt, "authenticator enrolled", action, allowed=True)
            self._factor_changed(uow, member, TOTP_FACTOR, added=True)
            uow.commit()

    def remove_totp(
        self, member_id: str, *, actor_id: str | None = None, address: str | None = None
    ) -> None:
        """Remove the authenticator (a lost phone); the member enrols a new one."""
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id) or Credential(member_id)
            uow.accounts.save_credential(
                replace(credential, totp_secret=None, totp_confirmed=False, totp_last_step=None)
            )
            self._administered(uow, member_id, "authenticator removed", actor_id, address)
            if credential.has_second_factor:
                self._factor_changed(uow, member, TOTP_FACTOR, added=False)
            uow.commit()

    def reset_factors(
        self, member_id: str, *, actor_id: str | None = None, address: str | None = None
    ) -> FactorsReset:
        """The operator's recovery for a lost or stolen phone: remove the authenticator and
        every passkey, and end the account's sessions (a stolen phone may hold one). Each
        removed factor is audited and on the record; the member signs in with the password
        alone and enrols new factors."""
        now = self.clock.now()
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id) or Credential(member_id)
            had_totp = credential.has_second_factor
            if credential.totp_secret is not None:
                uow.accounts.save_credential(
                    replace(credential, totp_secret=None, totp_confirmed=False, totp_last_step=None)
                )
            if had_totp:
                self._administered(uow, member_id, "authenticator removed", actor_id, address)
                self._factor_changed(uow, member, TOTP_FACTOR, added=False)
            passkeys = uow.passkeys.for_member(member_id)
            for passkey in passkeys:
                uow.passkeys.remove(passkey.credential_id)
                reason = f"passkey removed: {passkey.name}"
                self._administered(uow, member_id, reason, actor_id, address)
                self._factor_changed(uow, member, PASSKEY_FACTOR, added=False)
            ended = uow.sessions.revoke_all(member_id, now)
            self._administered(
                uow, member_id, f"second factors reset; {ended} sessions ended", actor_id, address
            )
            uow.commit()
        return FactorsReset(totp=had_totp, passkeys=len(passkeys), sessions=ended)

    # Self-service, from the account security page: each takes the browser's session, and
    # adding or removing a factor needs the password entered within REAUTHENTICATION_WINDOW,
    # so a browser left signed in cannot have its factors swapped.

    def start_totp_enrolment(self, session_id: str, address: str) -> TotpEnrolment:
        member = self._recently_authenticated_member(session_id)
        return self.enrol_totp(member.id, address)

    def remove_own_totp(self, session_id: str, address: str) -> None:
        member = self._recently_authenticated_member(session_id)
        self.remove_totp(member.id, actor_id=member.id, address=address)

    def passkey_registration_options(self, session_id: str, rp: RelyingParty) -> str:
        """A fresh, single-use challenge for creating a passkey in this session, as the
        options the browser's script hands to navigator.credentials.create."""
        verifier = self._verifier()
        member = self._recently_authenticated_member(session_id)
        now = self.clock.now()
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        with self.uow() as uow:
            existing = uow.passkeys.for_member(member.id)
            check_passkey_room(len(existing))
            uow.auth_challenges.put(
                AuthChallenge(
                    secret_digest(session_id),
                    ChallengePurpose.REGISTER_PASSKEY,
                    member.id,
                    now,
                    now + PASSKEY_CHALLENGE_LIFETIME,
                    challenge,
                )
            )
            uow.commit()
        return verifier.registration_options(
            rp,
            user_id=member.id.encode(),
            user_name=member.username,
            display_name=member.title or member.username,
            challenge=challenge,
            exclude=[p.credential_id for p in existing],
        )

    def register_passkey(
        self, session_id: str, response: str, name: str, rp: RelyingParty, address: str
    ) -> Passkey:
        """Store the passkey the browser created over this session's challenge."""
        verifier = self._verifier()
        response = check_passkey_response(response)
        member = self._recently_authenticated_member(session_id)
        now = self.clock.now()
        with self.uow() as uow:
            state = uow.auth_challenges.get(
                secret_digest(session_id), ChallengePurpose.REGISTER_PASSKEY
            )
            challenge = uow.auth_challenges.take_challenge(
                secret_digest(session_id), ChallengePurpose.REGISTER_PASSKEY
            )
            uow.commit()
        if state is None or challenge is None or not state.is_live(now):
            raise ConflictError("no passkey registration is under way; start again")
        target = (ResourceKind.MEMBER, member.id)
        action = AuthAction.CONFIRM_SECOND_FACTOR
        try:
            created = verifier.verify_registration(rp, response, challenge=challenge)
        except PasskeyRejectedError as error:
            reason = f"passkey refused: {error.reason}"
            self._write(
                lambda uow: self._audit(uow, member.id, action, target, DENIED, reason, address)
            )
            raise
        with self.uow() as uow:
            existing = uow.passkeys.for_member(member.id)
            check_passkey_room(len(existing))
            if uow.passkeys.get(created.credential_id) is not None:
                raise ConflictError("this passkey is registered already")
            passkey = Passkey(
                credential_id=created.credential_id,
                member_id=member.id,
                name=check_passkey_name(name, len(existing)),
                public_key=created.public_key,
                sign_count=created.sign_count,
                transports=created.transports,
                created_at=now,
            )
            uow.passkeys.add(passkey)
            self._audit(uow, member.id, action, target, ALLOWED, "passkey registered", address)
            self._factor_changed(uow, member, PASSKEY_FACTOR, added=True)
            uow.commit()
        return passkey

    def remove_passkey(self, session_id: str, credential_id: str, address: str) -> None:
        """Remove one of the member's own passkeys; another member's answers as missing."""
        member = self._recently_authenticated_member(session_id)
        with self.uow() as uow:
            passkey = uow.passkeys.get(credential_id[:MAX_CREDENTIAL_ID_LENGTH])
            if passkey is None or passkey.member_id != member.id:
                raise NotFoundError("passkey")
            uow.passkeys.remove(passkey.credential_id)
            reason = f"passkey removed: {passkey.name}"
            self._administered(uow, member.id, reason, member.id, address)
            self._factor_changed(uow, member, PASSKEY_FACTOR, added=False)
            uow.commit()

    # --- the audit trail --------------------------------------------------------------------

    def record_decision(
        self,
        actor_member_id: str | None,
        action: str,
        resource_kind: str,
        resource_id: str | None,
        decision: Allow | Deny,
        address: str | None,
    ) -> AuditEntry:
        """Write one access decision (who, what, allowed or denied and why, when, from where)."""
        reason = decision.reason if isinstance(decision, Deny) else "allowed by the policy"
        with self.uow() as uow:
            entry = self._audit(
                uow,
                actor_member_id,
                action,
                (resource_kind, resource_id),
                bool(decision),
                reason,
                address,
            )
            uow.commit()
        return entry

    def denied_attempts(self, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        """Denied decisions, newest first: what the operator reviews."""
        with self.uow() as uow:
            return uow.audit.recent(_page(limit), denied_only=True, since=since)

    def audit_entries(self, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        with self.uow() as uow:
            return uow.audit.recent(_page(limit), since=since)

    # --- inside -----------------------------------------------------------------------------

    def _authenticate(
        self,
        username: str,
        password: str,
        address: str,
        totp_code: str | None,
        *,
        second_factor: bool = True,
    ) -> _Verified:
        now = self.clock.now()
        # The client gives its address: cut to what the store holds, here and everywhere after.
        address = address[:ADDRESS_LENGTH]
        with self.uow() as uow:
            member = uow.members.get_by_username(username)
            credential = uow.accounts.credential(member.id) if member else None
            passkeys = len(uow.passkeys.for_member(member.id)) if member else 0
        attempt = _Attempt(account_key(username), address, now, member, credential, passkeys)
        self._check_throttle(attempt)
        checked = self._check_password(attempt, password)
        if isinstance(checked, _Verified) and second_factor:
            checked = self._check_second_factor(checked, totp_code)
        if isinstance(checked, str):
            self._fail(attempt, checked)
        return checked

    def _check_throttle(self, attempt: _Attempt, action: AuthAction = AuthAction.SIGN_IN) -> None:
        horizon = throttle_horizon(attempt.at)
        with self.uow() as uow:
            wait = throttle_wait(
                uow.login_failures.for_account(attempt.key, horizon),
                uow.login_failures.for_address(attempt.address, horizon),
                attempt.at,
            )
        if wait is not None:
            # Refused before any check, and not counted: the throttle must not keep itself shut.
            self._write(lambda uow: self._audit_attempt(uow, attempt, "throttled", action))
            raise TooManyAttemptsError(wait)

    def _fail(self, attempt: _Attempt, reason: str) -> NoReturn:
        self._write(lambda uow: self._count_failure(uow, attempt, reason))
        raise AuthenticationError

    def _check_password(self, attempt: _Attempt, password: str) -> _Verified | str:
        member, credential = attempt.member, attempt.credential
        stored = credential.password_hash if credential else None
        # Always one hash computation, so an unknown username answers as slowly as a known one.
        matches = self.hasher.verify(stored or self._dummy_hash(), password)
        if member is None:
            return "unknown username"
        if credential is None or stored is None:
            return "no password set"
        if not matches:
            return "wrong password"
        if not member.active:
            return "account disabled"
        if is_demo_password(password) and not self.demo:
            return "demo password outside demo mode"
        return _Verified(attempt, member, credential)

    def _check_second_factor(self, verified: _Verified, code: str | None) -> _Verified | str:
        totp = verified.credential.has_second_factor
        passkey = verified.attempt.passkeys > 0
        if not totp and not passkey:
            return verified
        if code is None or not totp:
            # Not a failure: the password was right. The sign-in waits for its second factor.
            # Audited all the same, since someone holding the password but not the phone or
            # the key is worth an operator's look.
            pending = self._open_pending(verified)
            raise SecondFactorRequiredError(pending, totp=totp, passkey=passkey)
        step = self._matching_step(verified.credential, code, verified.attempt.at)
        if step is None:
            return "wrong or reused one-time code"
        return replace(verified, totp_step=step)

    def _open_pending(self, verified: _Verified) -> str:
        pending = secrets.token_urlsafe(SECRET_BYTES)
        at = verified.attempt.at
        state = AuthChallenge(
            secret_digest(pending),
            ChallengePurpose.SIGN_IN,
            verified.member.id,
            at,
            at + PENDING_SIGN_IN_LIFETIME,
        )

        def work(uow: UnitOfWork) -> None:
            uow.auth_challenges.delete_expired(at)
            uow.auth_challenges.put(state)
            self._audit_attempt(uow, verified.attempt, "second factor required")

        self._write(work)
        return pending

    def _live_pending(self, uow: UnitOfWork, pending: str, now: datetime) -> AuthChallenge:
        if not pending or len(pending) > MAX_SECRET_LENGTH:
            raise AuthenticationError
        state = uow.auth_challenges.get(secret_digest(pending), ChallengePurpose.SIGN_IN)
        if state is None or not state.is_live(now):
            raise AuthenticationError
        return state

    def _pending_attempt(self, pending: str, address: str) -> _Attempt:
        """The waiting sign-in as an attempt of its member, throttled like the password."""
        now = self.clock.now()
        with self.uow() as uow:
            state = self._live_pending(uow, pending, now)
            member = _member_in(uow, state.member_id)
            credential = uow.accounts.credential(member.id)
            passkeys = len(uow.passkeys.for_member(member.id))
        key = account_key(member.username)
        attempt = _Attempt(key, address[:ADDRESS_LENGTH], now, member, credential, passkeys)
        self._check_throttle(attempt)
        return attempt

    def _verified_pending(self, attempt: _Attempt) -> _Verified:
        member, credential = attempt.member, attempt.credential
        if member is None or credential is None or not member.active:
            self._fail(attempt, "account disabled")
        return _Verified(attempt, member, credential)

    def _check_assertion(
        self,
        verifier: PasskeyVerifier,
        rp: RelyingParty,
        response: str,
        challenge: bytes,
        member_id: str,
    ) -> tuple[str, int] | str:
        """(credential id, new sign count) of a good assertion, or why it is not one."""
        try:
            credential_id = verifier.credential_id(response)
            with self.uow() as uow:
                passkey = uow.passkeys.get(credential_id)
            if passkey is None or passkey.member_id != member_id:
                return "a passkey not registered for this account"
            count = verifier.verify_authentication(
                rp, response, challenge=challenge, passkey=passkey
            )
        except PasskeyRejectedError as error:
            return f"passkey refused: {error.reason}"
        if sign_count_regressed(passkey.sign_count, count):
            return "passkey sign count did not move forward: the key may have been cloned"
        return credential_id, count

    def _open_session(self, verified: _Verified, pending: str) -> SignedIn:
        session_id = secrets.token_urlsafe(SECRET_BYTES)
        attempt = verified.attempt
        session = new_session(
            secret_digest(session_id), verified.member.id, attempt.at, attempt.address
        )
        self._accept(verified, None, AuthAction.SIGN_IN, session, pending=pending)
        return SignedIn(session_id, verified.member, session.expires_at)

    def _matching_step(self, credential: Credential, code: str, now: datetime) -> int | None:
        digits = normalise_totp_code(code)
        if digits is None or credential.totp_secret is None:
            return None
        seed = self._totp_box.open(credential.totp_secret, credential.member_id.encode())
        totp = TOTP(seed.decode())
        for step in totp_candidate_steps(now, credential.totp_last_step):
            if hmac.compare_digest(totp.generate_otp(step).encode(), digits.encode()):
                return step
        return None

    def _accept(
        self,
        verified: _Verified,
        password: str | None,
        action: AuthAction,
        session: Session | None,
        *,
        pending: str | None = None,
    ) -> None:
        attempt, credential = verified.attempt, verified.credential
        rehashed = None
        if (
            password is not None
            and credential.password_hash
            and self.hasher.needs_rehash(credential.password_hash)
        ):
            rehashed = self.hasher.hash(password)
        with self.uow() as uow:
            refused = self._claim_factor(uow, verified)
            if refused is not None:
                # Another request used this code or counter between our check and now (S10).
                self._count_failure(uow, attempt, refused, action)
                uow.commit()
                raise AuthenticationError
            if rehashed is not None:
                fresh = uow.accounts.credential(credential.member_id) or credential
                uow.accounts.save_credential(replace(fresh, password_hash=rehashed))
            uow.login_failures.clear_account(attempt.key)
            uow.login_failures.forget_before(throttle_horizon(attempt.at))
            if pending is not None:
                uow.auth_challenges.delete(secret_digest(pending), ChallengePurpose.SIGN_IN)
            if session is not None:
                uow.sessions.delete_ended(attempt.at)
                uow.sessions.add(session)
            done = "signed in" if session is not None else "identity confirmed"
            if verified.passkey_use is not None:
                done += " with a passkey"
            self._audit_attempt(uow, attempt, done, action, allowed=True)
            uow.commit()

    def _claim_factor(self, uow: UnitOfWork, verified: _Verified) -> str | None:
        """Mark the one-time code or the passkey counter used; why not, if it cannot be."""
        step = verified.totp_step
        if step is not None and not uow.accounts.claim_totp_step(verified.member.id, step):
            return "one-time code already used"
        use = verified.passkey_use
        if use is not None and not uow.passkeys.record_use(use[0], use[1], verified.attempt.at):
            return "passkey sign count already used"
        return None

    def _recently_authenticated_member(self, session_id: str) -> Member:
        member = self.session_member(session_id)
        if not self.recently_authenticated(session_id):
            raise ReauthenticationRequiredError
        return member

    def _totp_enrolment(self, member: Member, seed: str) -> TotpEnrolment:
        uri = TOTP(seed).provisioning_uri(name=member.username, issuer_name=TOTP_ISSUER)
        return TotpEnrolment(uri, seed)

    def _verifier(self) -> PasskeyVerifier:
        if self._passkeys is None:
            raise ConflictError("passkeys are not available on this server")
        return self._passkeys

    def _factor_changed(self, uow: UnitOfWork, member: Member, factor: str, *, added: bool) -> None:
        # How an account could sign in, and since when, matters in a dispute over who acted
        # (a swapped authenticator before a contested vote): the record keeps it. Which
        # passkey or seed is never said.
        kind = "member.factor_added" if added else "member.factor_removed"
        self._sign_in_recorded(uow, member, kind, self.clock.now(), factor=factor)

    @staticmethod
    def _sign_in_recorded(
        uow: UnitOfWork, member: Member, kind: str, now: datetime, **more: str
    ) -> None:
        """A change of how the member's account can sign in (a factor, an enrolment link
        issued or used), on the record with the member and body it concerns. No secret,
        seed, link or digest ever enters it."""
        uow.record.append(
            kind,
            subject=f"member:{member.id}",
            at=now,
            public={"member_id": member.id, "body_id": member.body_id, **more},
            owner_body_id=member.body_id,
        )

    def _count_failure(
        self,
        uow: UnitOfWork,
        attempt: _Attempt,
        reason: str,
        action: AuthAction = AuthAction.SIGN_IN,
    ) -> None:
        uow.login_failures.add(LoginFailure(attempt.key, attempt.address, attempt.at))
        self._audit_attempt(uow, attempt, reason, action)

    def _audit_attempt(
        self,
        uow: UnitOfWork,
        attempt: _Attempt,
        reason: str,
        action: AuthAction = AuthAction.SIGN_IN,
        *,
        allowed: bool = False,
    ) -> None:
        member_id = attempt.member.id if attempt.member else None
        target = (ResourceKind.MEMBER, member_id)
        self._audit(uow, member_id, action, target, allowed, reason, attempt.address)

    def _refuse_token(
        self, uow: UnitOfWork, stored: ApiToken | None, reason: str, address: str | None
    ) -> None:
        actor = stored.member_id if stored else None
        target = (API_TOKEN, stored.id if stored else None)
        self._audit(uow, actor, AuthAction.USE_TOKEN, target, DENIED, reason, address)
        uow.commit()

    def refuse_session(self, member_id: str, reason: str, address: str | None = None) -> None:
        """A live session used where sessions may not act: a denied attempt."""
        self._write(lambda uow: self._refuse_session(uow, member_id, reason, address))

    def _refuse_session(
        self, uow: UnitOfWork, member: Member | str | None, reason: str, address: str | None
    ) -> None:
        actor = member.id if isinstance(member, Member) else member
        target = (SESSION, None)  # never the session id: it is the bearer's secret
        self._audit(uow, actor, AuthAction.USE_SESSION, target, DENIED, reason, address)

    def refuse_scope(
        self, member_id: str, token_id: str, scope: Scope, address: str | None = None
    ) -> None:
        """A live token used for what it was not given (403): a denied attempt."""
        reason = f"scope {scope} not granted"
        target = (API_TOKEN, token_id)
        self._write(
            lambda uow: self._audit(
                uow, member_id, AuthAction.USE_TOKEN, target, DENIED, reason, address
            )
        )

    def _set_active(
        self, member_id: str, *, active: bool, actor_id: str | None, address: str | None
    ) -> None:
        now = self.clock.now()
        with self.uow() as uow:
            member = _member_in(uow, member_id)
            uow.accounts.set_active(member_id, active=active)
            ended = 0 if active else uow.sessions.revoke_all(member_id, now)
            kind = "member.enabled" if active else "member.disabled"
            # Whether an account could act, and since when, matters in a dispute: the record
            # keeps it beside `member.added`.
            uow.record.append(
                kind,
                subject=f"member:{member_id}",
                at=now,
                public={"member_id": member_id, "body_id": member.body_id},
                owner_body_id=member.body_id,
            )
            done = "enabled" if active else f"disabled; {ended} sessions ended"
            self._administered(uow, member_id, f"account {done}", actor_id, address)
            uow.commit()

    def _administered(
        self,
        uow: UnitOfWork,
        member_id: str,
        reason: str,
        actor_id: str | None,
        address: str | None,
    ) -> None:
        target = (ResourceKind.MEMBER, member_id)
        self._audit(uow, actor_id, Action.ADMINISTER, target, ALLOWED, reason, address)

    def _audit(
        self,
        uow: UnitOfWork,
        actor_id: str | None,
        action: str,
        resource: tuple[str, str | None],
        allowed: bool,
        reason: str,
        address: str | None,
    ) -> AuditEntry:
        kind, resource_id = resource
        entry = new_audit_entry(
            self.clock.now(),
            actor_id,
            action,
            kind,
            resource_id,
            allowed=allowed,
            reason=reason,
            address=address,
        )
        uow.audit.add(entry)
        # Escaped: clients control addresses and guessed ids (S12). Never a secret here.
        _audit_log.log(logging.INFO if allowed else logging.WARNING, entry.log_line())
        return entry

    def _write(self, work: Callable[[UnitOfWork], object]) -> None:
        with self.uow() as uow:
            work(uow)
            uow.commit()

    def _member(self, member_id: str) -> Member:
        with self.uow() as uow:
            return _member_in(uow, member_id)

    def _dummy_hash(self) -> str:
        # Made once, on first need: a hash of a random password nobody knows.
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(SECRET_BYTES))
        return self._dummy

    def __repr__(self) -> str:
        return f"AuthService(demo={self.demo})"


def _member_in(uow: UnitOfWork, member_id: str) -> Member:
    member = uow.members.get(member_id)
    if member is None:
        raise NotFoundError("member")
    return member


def _live_enrolment(uow: UnitOfWork, secret: str, now: datetime) -> AuthChallenge:
    if not secret or len(secret) > MAX_SECRET_LENGTH:
        raise AuthenticationError
    state = uow.auth_challenges.get(secret_digest(secret), ChallengePurpose.ENROLMENT)
    if state is None or not state.is_live(now) or state.challenge is None:
        raise AuthenticationError
    return state


def _status(member: Member, credential: Credential | None, *, passkey: bool) -> AccountStatus:
    return AccountStatus(
        member=member,
        has_password=bool(credential and credential.password_hash),
        has_second_factor=passkey or bool(credential and credential.has_second_factor),
    )


def _check_token(
    parsed: tuple[str, str] | None,
    stored: ApiToken | None,
    member: Member | None,
    now: datetime,
) -> TokenHolder | str:
    """The token's holder, or why the token does not authenticate (for the audit trail)."""
    if parsed is None:
        return "not a token issued here"
    if stored is None:
        return "unknown token"
    if not hmac.compare_digest(secret_digest(parsed[1]).encode(), stored.secret_hash.encode()):
        return "wrong secret"
    status = stored.status(now)
    if status is not TokenStatus.ACTIVE:
        return f"token {status}"
    if member is None or not member.active:
        return "account disabled"
    return TokenHolder(member, stored.scopes, stored.id)


def _page(limit: int) -> int:
    if limit < 1:
        raise InvalidInputError([FieldError("limit", "must be at least 1")])
    return min(limit, MAX_AUDIT_PAGE)


def _session_refusal(session: Session | None, member: Member | None, now: datetime) -> str | None:
    """Why a presented session does not authenticate, for the audit trail; None if it does."""
    if session is None or member is None:
        return "unknown session"
    if not member.active:
        return "account disabled"
    if not session.is_live(now):
        return "session expired or ended"
    return None
