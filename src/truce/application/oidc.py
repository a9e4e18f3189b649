"""Signing in with an organisation's OpenID Connect provider (issue 3, item 4).

The authorization code flow with PKCE (S256), a state and a nonce. A provider serves one body
of the registry; an external identity (issuer, subject) is linked to exactly one member of
that body, and only by the operator: in advance with the subject, or with the email address
the provider will assert as verified. No member is ever created here, no identity is linked
across bodies, and a disabled member is refused.

A successful sign-in opens the same server-side session as a password sign-in
(AuthService.open_session). Every failure is refused alike to the browser, written to the
audit trail with its precise reason and counted by the per-address login throttle.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from truce.application.auth import (
    AuthService,
    SecretBox,
    SecretKeyMismatchError,
    SecretKeyMissingError,
    SignedIn,
)
from truce.application.oidc_ports import IdentityProviderClient
from truce.application.ports import Clock, JsonValue, UnitOfWork, UnitOfWorkFactory
from truce.domain.access import Action, ResourceKind
from truce.domain.auth import (
    ADDRESS_LENGTH,
    SECRET_BYTES,
    AuthAction,
    LoginFailure,
    TooManyAttemptsError,
    account_key,
    new_audit_entry,
    throttle_horizon,
    throttle_wait,
)
from truce.domain.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from truce.domain.oidc import (
    DEFAULT_SCOPES,
    PENDING_LIFETIME,
    AssertedIdentity,
    Expected,
    ExternalIdentity,
    OidcProvider,
    OidcRefusedError,
    PendingLogin,
    ProviderUnavailableError,
    check_claims,
    check_identity_claim,
    check_provider,
    code_challenge,
    code_verifier_for,
    digest,
    nonce_for,
    normalise_email,
    same_secret,
)
from truce.domain.parties import Member

# What the audit trail calls a provider (not a resource of the access policy).
OIDC_PROVIDER = "oidc_provider"
CLIENT_SECRET_PURPOSE = b"truce/oidc-client-secret/v1"
# Longest `code`, `state` or `error` read from a callback; anything longer was not sent by a
# provider for us.
MAX_CALLBACK_VALUE = 2048


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """Where to send the browser, and the secret its cookie must carry back."""

    url: str = field(repr=False)
    browser_secret: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Callback:
    """What came back to the redirect URI, with the browser's cookie."""

    state: str | None
    code: str | None
    error: str | None
    browser_secret: str | None = field(repr=False)
    redirect_uri: str
    address: str


@dataclass(frozen=True, slots=True)
class _Attempt:
    provider: OidcProvider
    address: str
    at: datetime


class OidcService:
    """Providers and linked identities (operator verbs), and the two halves of a sign-in:
    `begin` sends the browser to the provider, `complete` takes it back."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        client: IdentityProviderClient,
        auth: AuthService,
        *,
        declared: Sequence[OidcProvider] = (),
        server_secret: str = "",
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.client = client
        self.auth = auth
        self._declared = {provider.name: provider for provider in declared}
        self._box = SecretBox(server_secret, CLIENT_SECRET_PURPOSE)
        self._environ = environ if environ is not None else {}

    # --- providers (operator) ---------------------------------------------------------------

    def add_provider(
        self,
        provider: OidcProvider,
        *,
        client_secret: str | None = None,
        actor_id: str | None = None,
        address: str | None = None,
    ) -> OidcProvider:
        """Store a provider. `client_secret`, when given, is sealed with a key derived from
        the server secret (and needs one); otherwise the provider names the environment
        variable that holds it, or is a public client."""
        if client_secret is not None and provider.client_secret_env is not None:
            message = "give the secret or the variable that holds it, not both"
            raise InvalidInputError([FieldError("client_secret", message)])
        check_provider(provider)
        if provider.name in self._declared:
            raise ConflictError(f"provider {provider.name} is declared in TRUCE_OIDC_PROVIDERS")
        sealed = None
        if client_secret:
            sealed = self._box.seal(client_secret.encode(), provider.name.encode())
        stored = OidcProvider(
            name=provider.name,
            issuer=provider.issuer,
            client_id=provider.client_id.strip(),
            body_id=provider.body_id,
            label=provider.label.strip(),
            scopes=provider.scopes,
            client_secret_env=provider.client_secret_env,
            sealed_client_secret=sealed,
            created_at=self.clock.now(),
        )
        with self.uow() as uow:
            if uow.bodies.get(provider.body_id) is None:
                raise NotFoundError("body")
            if uow.oidc.providers.get(provider.name) is not None:
                raise ConflictError(f"a provider named {provider.name} exists already")
            uow.oidc.providers.add(stored)
            uow.record.append(
                "oidc.provider.added",
                subject=f"{OIDC_PROVIDER}:{stored.name}",
                at=self.clock.now(),
                public={"name": stored.name, "issuer": stored.issuer, "body_id": stored.body_id},
            )
            self._administered(uow, stored.name, "provider added", actor_id, address)
            uow.commit()
        return stored

    def remove_provider(
        self, name: str, *, actor_id: str | None = None, address: str | None = None
    ) -> None:
        """Stop offering a provider. Linked identities stay: they name the issuer, and come
        back into use if the provider is added again."""
        if name in self._declared:
            raise ConflictError(f"provider {name} is declared in TRUCE_OIDC_PROVIDERS")
        with self.uow() as uow:
            provider = uow.oidc.providers.get(name)
            if provider is None or not uow.oidc.providers.remove(name):
                raise NotFoundError("provider")
            uow.record.append(
                "oidc.provider.removed",
                subject=f"{OIDC_PROVIDER}:{name}",
                at=self.clock.now(),
                public={"name": name, "issuer": provider.issuer, "body_id": provider.body_id},
            )
            self._administered(uow, name, "provider removed", actor_id, address)
            uow.commit()

    def providers(self) -> list[OidcProvider]:
        """Declared and stored providers, by name."""
        with self.uow() as uow:
            stored = uow.oidc.providers.list_all()
        return sorted([*self._declared.values(), *stored], key=lambda provider: provider.name)

    def provider(self, name: str) -> OidcProvider:
        declared = self._declared.get(name)
        if declared is not None:
            return declared
        with self.uow() as uow:
            provider = uow.oidc.providers.get(name)
        if provider is None:
            raise NotFoundError("provider")
        return provider

    # --- linked identities (operator) -------------------------------------------------------

    def link(
        self,
        member_id: str,
        provider_name: str,
        *,
        subject: str | None = None,
        email: str | None = None,
        actor_id: str | None = None,
        address: str | None = None,
    ) -> ExternalIdentity:
        """Provision the member's identity at the provider, by subject or by the email the
        provider will assert as verified. Only members of the provider's body."""
        check_identity_claim(subject, email)
        provider = self.provider(provider_name)
        identity = ExternalIdentity(
            issuer=provider.issuer,
            member_id=member_id,
            provider=provider.name,
            created_at=self.clock.now(),
            subject=subject,
            email=None if email is None else normalise_email(email),
        )
        with self.uow() as uow:
            member = uow.members.get(member_id)
            if member is None:
                raise NotFoundError("member")
            if member.body_id != provider.body_id:
                message = f"{provider.name} serves body {provider.body_id}, not {member.body_id}"
                raise InvalidInputError([FieldError("provider", message)])
            _refuse_duplicate(uow, identity)
            uow.oidc.identities.add(identity)
            uow.record.append(
                "member.identity_linked",
                subject=f"member:{member_id}",
                at=identity.created_at,
                public=_identity_entry(member, provider),
                owner_body_id=member.body_id,
            )
            how = "subject" if subject is not None else "verified email"
            reason = f"identity at {provider.name} linked by {how}"
            self._administered_member(uow, member_id, reason, actor_id, address)
            uow.commit()
        return identity

    def unlink(
        self,
        member_id: str,
        provider_name: str,
        *,
        actor_id: str | None = None,
        address: str | None = None,
    ) -> None:
        provider = self.provider(provider_name)
        with self.uow() as uow:
            member = uow.members.get(member_id)
            if member is None or not uow.oidc.identities.remove(provider.issuer, member_id):
                raise NotFoundError("identity")
            uow.record.append(
                "member.identity_unlinked",
                subject=f"member:{member_id}",
                at=self.clock.now(),
                public=_identity_entry(member, provider),
                owner_body_id=member.body_id,
            )
            reason = f"identity at {provider.name} unlinked"
            self._administered_member(uow, member_id, reason, actor_id, address)
            uow.commit()

    def identities(self) -> list[ExternalIdentity]:
        with self.uow() as uow:
            return uow.oidc.identities.list_all()

    # --- signing in -------------------------------------------------------------------------

    def begin(self, provider_name: str, redirect_uri: str, address: str) -> AuthorizationRequest:
        """Start a sign-in: remember it (by digests only) and say where to send the browser.
        NotFoundError for an unknown provider, TooManyAttemptsError when the address is
        throttled, ProviderUnavailableError when discovery fails."""
        provider = self.provider(provider_name)
        attempt = _Attempt(provider, address[:ADDRESS_LENGTH], self.clock.now())
        self._check_throttle(attempt)
        try:
            metadata = self.client.metadata(provider.issuer)
        except ProviderUnavailableError as error:
            self._refuse(attempt, None, error.reason)
            raise
        browser_secret = secrets.token_urlsafe(SECRET_BYTES)
        state = secrets.token_urlsafe(SECRET_BYTES)
        pending = PendingLogin(
            state_hash=digest(state),
            binding_hash=digest(browser_secret),
            provider=provider.name,
            created_at=attempt.at,
            expires_at=attempt.at + PENDING_LIFETIME,
            address=attempt.address,
        )
        with self.uow() as uow:
            uow.oidc.logins.forget_before(attempt.at)
            uow.oidc.logins.add(pending)
            uow.commit()
        query = {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(provider.scopes),
            "state": state,
            "nonce": nonce_for(browser_secret),
            "code_challenge": code_challenge(code_verifier_for(browser_secret)),
            "code_challenge_method": "S256",
        }
        endpoint = metadata.authorization_endpoint
        joiner = "&" if "?" in endpoint else "?"
        url = f"{endpoint}{joiner}{urlencode(query)}"
        return AuthorizationRequest(url, browser_secret, pending.expires_at)

    def complete(self, provider_name: str, callback: Callback) -> SignedIn:
        """Finish a sign-in: a session, or AuthenticationError (OidcRefusedError, with the
        reason audited), TooManyAttemptsError, NotFoundError for an unknown provider."""
        provider = self.provider(provider_name)
        attempt = _Attempt(provider, callback.address[:ADDRESS_LENGTH], self.clock.now())
        self._check_throttle(attempt)
        member: Member | None = None
        try:
            asserted = self._asserted_identity(attempt, callback)
            member = self._linked_member(attempt, asserted)
        except OidcRefusedError as error:
            self._refuse(attempt, error.member_id, error.reason)
            raise
        except ProviderUnavailableError as error:
            self._refuse(attempt, None, error.reason)
            raise OidcRefusedError(error.reason) from None
        return self.auth.open_session(
            member.id, attempt.address, method=f"OpenID Connect provider {provider.name}"
        )

    # --- inside -----------------------------------------------------------------------------

    def _asserted_identity(self, attempt: _Attempt, callback: Callback) -> AssertedIdentity:
        browser_secret = self._take_state(attempt, callback)
        provider = attempt.provider
        metadata = self.client.metadata(provider.issuer)
        tokens = self.client.exchange_code(
            metadata,
            client_id=provider.client_id,
            client_secret=self._client_secret(provider),
            code=_bounded(callback.code),
            redirect_uri=callback.redirect_uri,
            code_verifier=code_verifier_for(browser_secret),
        )
        verified = self.client.verify_id_token(metadata, tokens.id_token)
        expected = Expected(
            issuer=provider.issuer,
            client_id=provider.client_id,
            nonce=nonce_for(browser_secret),
            now=attempt.at,
            algorithm=verified.algorithm,
            access_token=tokens.access_token,
        )
        return check_claims(verified.claims, expected)

    def _take_state(self, attempt: _Attempt, callback: Callback) -> str:
        """The browser's secret, once the state is found, live, this provider's, bound to
        this browser, and used up (by this request and no other)."""
        if callback.error is not None:
            raise OidcRefusedError(f"provider answered error {_bounded(callback.error)[:60]!r}")
        if not callback.state or not callback.code or not callback.browser_secret:
            raise OidcRefusedError("callback without state, code or the browser's cookie")
        state_hash = digest(_bounded(callback.state))
        with self.uow() as uow:
            pending = uow.oidc.logins.get(state_hash)
            if pending is None:
                raise OidcRefusedError("unknown or already used state")
            if not same_secret(_bounded(callback.browser_secret), pending.binding_hash):
                # Left in place: whoever holds a stolen state cannot spend the real one.
                raise OidcRefusedError("state bound to another browser")
            if not uow.oidc.logins.remove(state_hash):
                raise OidcRefusedError("unknown or already used state")
            uow.commit()
        if pending.provider != attempt.provider.name:
            raise OidcRefusedError(f"state issued for provider {pending.provider}")
        if not pending.is_live(attempt.at):
            raise OidcRefusedError("state expired")
        return callback.browser_secret

    def _linked_member(self, attempt: _Attempt, asserted: AssertedIdentity) -> Member:
        provider = attempt.provider
        with self.uow() as uow:
            identity = self._identity_for(uow, asserted, attempt.at)
            member = uow.members.get(identity.member_id)
            if member is None:
                raise OidcRefusedError("linked member no longer exists")
            if member.body_id != provider.body_id:
                # Never across bodies, even when the operator linked it so by mistake.
                reason = f"member of body {member.body_id}, provider serves {provider.body_id}"
                raise OidcRefusedError(reason, member.id)
            if not member.active:
                raise OidcRefusedError("account disabled", member.id)
            uow.commit()
        return member

    def _identity_for(
        self, uow: UnitOfWork, asserted: AssertedIdentity, now: datetime
    ) -> ExternalIdentity:
        identities = uow.oidc.identities
        identity = identities.by_subject(asserted.issuer, asserted.subject)
        if identity is not None:
            if identity.linked_at is None:
                identities.confirm(asserted.issuer, asserted.subject, now)
            return identity
        pending = identities.by_email(asserted.issuer, asserted.email) if asserted.email else None
        if pending is None or not pending.pending:
            raise OidcRefusedError("subject not linked to any member")
        if not asserted.email_verified:
            raise OidcRefusedError("email matches a provisioned member but is not verified")
        if asserted.email is None or not identities.claim(
            asserted.issuer, asserted.email, asserted.subject, now
        ):
            raise OidcRefusedError("provisioned identity claimed by another sign-in")
        return pending

    def _client_secret(self, provider: OidcProvider) -> str | None:
        if provider.client_secret_env:
            value = self._environ.get(provider.client_secret_env)
            if not value:
                raise ProviderUnavailableError(f"{provider.client_secret_env} is not set")
            return value
        if provider.sealed_client_secret is not None:
            try:
                opened = self._box.open(provider.sealed_client_secret, provider.name.encode())
            except (SecretKeyMissingError, SecretKeyMismatchError) as error:
                raise ProviderUnavailableError(str(error)) from None
            return opened.decode()
        return None

    def _check_throttle(self, attempt: _Attempt) -> None:
        """Per address only: per account would let anyone lock a whole provider out."""
        with self.uow() as uow:
            failures = uow.login_failures.for_address(attempt.address, throttle_horizon(attempt.at))
        wait = throttle_wait((), failures, attempt.at)
        if wait is not None:
            self._audit_sign_in(attempt, None, "throttled", count=False)
            raise TooManyAttemptsError(wait)

    def _refuse(self, attempt: _Attempt, member_id: str | None, reason: str) -> None:
        self._audit_sign_in(attempt, member_id, reason, count=True)

    def _audit_sign_in(
        self, attempt: _Attempt, member_id: str | None, reason: str, *, count: bool
    ) -> None:
        with self.uow() as uow:
            if count:
                key = account_key(f"oidc:{attempt.provider.name}")
                uow.login_failures.add(LoginFailure(key, attempt.address, attempt.at))
            entry = new_audit_entry(
                attempt.at,
                member_id,
                AuthAction.SIGN_IN,
                ResourceKind.MEMBER,
                member_id,
                allowed=False,
                reason=f"OpenID Connect provider {attempt.provider.name}: {reason}",
                address=attempt.address,
            )
            uow.audit.add(entry)
            uow.commit()

    def _administered(
        self, uow: UnitOfWork, name: str, reason: str, actor_id: str | None, address: str | None
    ) -> None:
        entry = new_audit_entry(
            self.clock.now(),
            actor_id,
            Action.ADMINISTER,
            OIDC_PROVIDER,
            name,
            allowed=True,
            reason=reason,
            address=address,
        )
        uow.audit.add(entry)

    def _administered_member(
        self,
        uow: UnitOfWork,
        member_id: str,
        reason: str,
        actor_id: str | None,
        address: str | None,
    ) -> None:
        entry = new_audit_entry(
            self.clock.now(),
            actor_id,
            Action.ADMINISTER,
            ResourceKind.MEMBER,
            member_id,
            allowed=True,
            reason=reason,
            address=address,
        )
        uow.audit.add(entry)

    def __repr__(self) -> str:
        return f"OidcService(declared={sorted(self._declared)})"


def _identity_entry(member: Member, provider: OidcProvider) -> dict[str, JsonValue]:
    return {"member_id": member.id, "body_id": member.body_id, "provider": provider.name}


def _refuse_duplicate(uow: UnitOfWork, identity: ExternalIdentity) -> None:
    identities = uow.oidc.identities
    if identities.by_member(identity.issuer, identity.member_id) is not None:
        raise ConflictError("the member already has an identity at this provider; unlink it first")
    if identity.subject is not None and identities.by_subject(identity.issuer, identity.subject):
        raise ConflictError("that subject is linked to another member")
    if identity.email is not None and identities.by_email(identity.issuer, identity.email):
        raise ConflictError("that email address is provisioned for another member")


def _bounded(value: str | None) -> str:
    if value is None or len(value) > MAX_CALLBACK_VALUE:
        raise OidcRefusedError("callback value missing or too long")
    return value


# --- providers declared in settings -------------------------------------------------------------

_DECLARED_KEYS = {
    "name",
    "issuer",
    "client_id",
    "client_secret_env",
    "body",
    "label",
    "scopes",
}


def parse_declared_providers(text: str) -> list[OidcProvider]:
    """TRUCE_OIDC_PROVIDERS: a JSON list of objects with name, issuer, client_id, body and
    optionally client_secret_env, label and scopes (a list). ValueError naming the problem."""
    if not text.strip():
        return []
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"TRUCE_OIDC_PROVIDERS is not JSON: {error}") from None
    if not isinstance(items, list):
        # ValueError like every other setting's: the operator reads one kind of message.
        raise ValueError("TRUCE_OIDC_PROVIDERS must be a JSON list of provider objects")  # noqa: TRY004
    providers = [_declared(index, item) for index, item in enumerate(items)]
    names = [provider.name for provider in providers]
    if len(set(names)) != len(names):
        raise ValueError("TRUCE_OIDC_PROVIDERS names a provider twice")
    return providers


def _declared(index: int, item: object) -> OidcProvider:
    where = f"TRUCE_OIDC_PROVIDERS[{index}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be an object")  # noqa: TRY004 - as above
    unknown = sorted(set(item) - _DECLARED_KEYS)
    missing = sorted({"name", "issuer", "client_id", "body"} - set(item))
    if unknown or missing:
        raise ValueError(f"{where}: unknown keys {unknown}, missing keys {missing}")
    scopes = item.get("scopes", list(DEFAULT_SCOPES))
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise ValueError(f"{where}: scopes must be a list of strings")
    provider = OidcProvider(
        name=str(item["name"]),
        issuer=str(item["issuer"]),
        client_id=str(item["client_id"]),
        body_id=str(item["body"]),
        label=str(item.get("label", "")),
        scopes=tuple(scopes),
        client_secret_env=_optional_text(item.get("client_secret_env")),
        declared=True,
    )
    try:
        check_provider(provider)
    except InvalidInputError as error:
        problems = "; ".join(f"{e.field}: {e.message}" for e in error.errors)
        raise ValueError(f"{where}: {problems}") from None
    return provider


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


def scopes_from(values: Iterable[str]) -> tuple[str, ...]:
    """Scopes as the operator typed them, `openid` first and each once."""
    seen = dict.fromkeys(["openid", *(value.strip() for value in values if value.strip())])
    return tuple(seen)
