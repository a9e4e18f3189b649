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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyotp.totp import TOTP

from truce.application.demo_case import CAST
from truce.application.ports import Clock, IdFactory, PasswordHasher, UnitOfWork, UnitOfWorkFactory
from truce.application.registry import RegistryService
from truce.domain.access import Action, Allow, Deny, ResourceKind
from truce.domain.auth import (
    ADDRESS_LENGTH,
    DEMO_PASSWORD,
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
from truce.domain.parties import Member, Role

_audit_log = logging.getLogger("truce.audit")

TOTP_ISSUER = "Truce"
# RFC 4226 asks for 160-bit HMAC keys.
TOTP_SEED_BYTES = 20
MIN_SERVER_SECRET_LENGTH = 32
MAX_AUDIT_PAGE = 1000
# What the audit trail calls an API token (not a resource of the access policy).
API_TOKEN = "api_token"  # noqa: S105 - a resource name, not a secret
# Outcomes as the audit helpers take them, named for reading.
ALLOWED = True
DENIED = False


class SecretKeyMissingError(RuntimeError):
    """A configuration error, not a user's: raised only when a second factor must be stored
    or read and there is no server secret to derive its key from."""

    def __init__(self) -> None:
        super().__init__(
            "TRUCE_SECRET_KEY must be set (32 characters or more): second factors are stored "
            "encrypted with a key derived from it"
        )


class SecretKeyMismatchError(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "a stored second factor cannot be decrypted: TRUCE_SECRET_KEY changed since it "
            "was enrolled, or the stored value was altered"
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


@dataclass(frozen=True, slots=True)
class _Verified:
    """An attempt whose password (and, when enrolled, one-time code) were right."""

    attempt: _Attempt
    member: Member
    credential: Credential
    totp_step: int | None = None


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
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.ids = ids
        self.hasher = hasher
        self.demo = demo
        self._totp_box = SecretBox(server_secret, b"truce/totp-seed/v1")
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
        member = Member(self.ids.new_id(), username, title.strip(), body_id, frozenset(roles))
        RegistryService(self.uow, self.clock).add_member(member)
        self.set_password(member.id, password, actor_id=actor_id, address=address)
        return member

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
        return [_status(member, credentials.get(member.id)) for member in members]

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
        TooManyAttemptsError (throttled), SecondFactorRequiredError (send the code too)."""
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
        self, member_id: str, password: str, address: str, totp_code: str | None = None
    ) -> None:
        """Check a signed-in member's password (and code) again before a sensitive step;
        throttled and audited like a sign-in, and raising the same errors."""
        member = self._member(member_id)
        verified = self._authenticate(member.username, password, address, totp_code)
        self._accept(verified, password, AuthAction.REAUTHENTICATE, None)

    def session_member(self, session_id: str) -> Member:
        """The member a live session belongs to, or AuthenticationError."""
        if not session_id or len(session_id) > MAX_SECRET_LENGTH:
            raise AuthenticationError
        # Looked up by digest: timing can reveal at most a prefix of a SHA-256 digest,
        # which says nothing about the 256-bit id behind it.
        id_hash = secret_digest(session_id)
        now = self.clock.now()
        with self.uow() as uow:
            session = uow.sessions.get(id_hash)
            member = uow.members.get(session.member_id) if session else None
            if session is None or member is None or not member.active or not session.is_live(now):
                raise AuthenticationError
            if session.needs_touch(now):
                uow.sessions.touch(id_hash, now)
                uow.commit()
        return member

    def logout(self, session_id: str) -> None:
        if not session_id or len(session_id) > MAX_SECRET_LENGTH:
            return
        with self.uow() as uow:
            uow.sessions.revoke(secret_digest(session_id), self.clock.now())
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

    # --- second factor ----------------------------------------------------------------------

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
        uri = TOTP(seed).provisioning_uri(name=member.username, issuer_name=TOTP_ISSUER)
        return TotpEnrolment(uri, seed)

    def confirm_totp(self, member_id: str, code: str, address: str | None = None) -> None:
        """Finish enrolling with a first code from the authenticator."""
        now = self.clock.now()
        with self.uow() as uow:
            credential = uow.accounts.credential(member_id)
            if credential is None or credential.totp_secret is None or credential.totp_confirmed:
                raise ConflictError("no authenticator enrolment awaits confirmation")
            step = self._matching_step(credential, code, now)
            claimed = step is not None and uow.accounts.claim_totp_step(member_id, step)
            action = AuthAction.CONFIRM_SECOND_FACTOR
            target = (ResourceKind.MEMBER, member_id)
            if not claimed:
                self._audit(uow, member_id, action, target, DENIED, "wrong one-time code", address)
                uow.commit()
                raise AuthenticationError
            confirmed = replace(credential, totp_confirmed=True, totp_last_step=step)
            uow.accounts.save_credential(confirmed)
            self._audit(uow, member_id, action, target, ALLOWED, "authenticator enrolled", address)
            uow.commit()

    def remove_totp(
        self, member_id: str, *, actor_id: str | None = None, address: str | None = None
    ) -> None:
        """Remove the authenticator (a lost phone); the member enrols a new one."""
        with self.uow() as uow:
            _member_in(uow, member_id)
            credential = uow.accounts.credential(member_id) or Credential(member_id)
            uow.accounts.save_credential(
                replace(credential, totp_secret=None, totp_confirmed=False, totp_last_step=None)
            )
            self._administered(uow, member_id, "authenticator removed", actor_id, address)
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
        self, username: str, password: str, address: str, totp_code: str | None
    ) -> _Verified:
        now = self.clock.now()
        key = account_key(username)
        horizon = throttle_horizon(now)
        # The client gives its address: cut to what the store holds, here and everywhere after.
        address = address[:ADDRESS_LENGTH]
        with self.uow() as uow:
            member = uow.members.get_by_username(username)
            credential = uow.accounts.credential(member.id) if member else None
            wait = throttle_wait(
                uow.login_failures.for_account(key, horizon),
                uow.login_failures.for_address(address, horizon),
                now,
            )
        attempt = _Attempt(key, address, now, member, credential)
        if wait is not None:
            # Refused before any check, and not counted: the throttle must not keep itself shut.
            self._write(lambda uow: self._audit_attempt(uow, attempt, "throttled"))
            raise TooManyAttemptsError(wait)
        checked = self._check_password(attempt, password)
        if isinstance(checked, _Verified):
            checked = self._check_second_factor(checked, totp_code)
        if isinstance(checked, str):
            reason = checked
            self._write(lambda uow: self._count_failure(uow, attempt, reason))
            raise AuthenticationError
        return checked

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
        if not verified.credential.has_second_factor:
            return verified
        if code is None:
            # Not a failure: the password was right. Audited all the same, since someone
            # holding the password but not the phone is worth an operator's look.
            self._write(lambda uow: self._audit_attempt(uow, verified.attempt, "code required"))
            raise SecondFactorRequiredError
        step = self._matching_step(verified.credential, code, verified.attempt.at)
        if step is None:
            return "wrong or reused one-time code"
        return replace(verified, totp_step=step)

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
        self, verified: _Verified, password: str, action: AuthAction, session: Session | None
    ) -> None:
        attempt, credential = verified.attempt, verified.credential
        rehashed = None
        if credential.password_hash and self.hasher.needs_rehash(credential.password_hash):
            rehashed = self.hasher.hash(password)
        with self.uow() as uow:
            step = verified.totp_step
            if step is not None and not uow.accounts.claim_totp_step(credential.member_id, step):
                # Another request used this code between our check and now (S10).
                self._count_failure(uow, attempt, "one-time code already used", action)
                uow.commit()
                raise AuthenticationError
            if rehashed is not None:
                fresh = uow.accounts.credential(credential.member_id) or credential
                uow.accounts.save_credential(replace(fresh, password_hash=rehashed))
            uow.login_failures.clear_account(attempt.key)
            uow.login_failures.forget_before(throttle_horizon(attempt.at))
            if session is not None:
                uow.sessions.delete_ended(attempt.at)
                uow.sessions.add(session)
            done = "signed in" if session is not None else "identity confirmed"
            self._audit_attempt(uow, attempt, done, action, allowed=True)
            uow.commit()

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

    def _write(self, work: Callable[[UnitOfWork], None]) -> None:
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


def _status(member: Member, credential: Credential | None) -> AccountStatus:
    return AccountStatus(
        member=member,
        has_password=bool(credential and credential.password_hash),
        has_second_factor=bool(credential and credential.has_second_factor),
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
