"""Ports of sign-in through an organisation's OpenID Connect provider: the stored providers,
linked identities and sign-ins in flight (one `OidcStore` on the unit of work, as
`uow.oidc`), and the client that speaks to a provider over HTTP (an adapter, which holds the
HTTP and JOSE libraries the application must not import)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from truce.domain.oidc import ExternalIdentity, OidcProvider, PendingLogin


class OidcProviders(Protocol):
    def add(self, provider: OidcProvider) -> None: ...
    def get(self, name: str) -> OidcProvider | None: ...
    def list_all(self) -> list[OidcProvider]:
        """By name."""
        ...

    def remove(self, name: str) -> bool:
        """False when there was no such provider."""
        ...


class OidcIdentities(Protocol):
    """At most one identity per (issuer, subject), per (issuer, email) and per
    (issuer, member): the store refuses a second as the service checks first."""

    def add(self, identity: ExternalIdentity) -> None: ...
    def by_subject(self, issuer: str, subject: str) -> ExternalIdentity | None: ...
    def by_email(self, issuer: str, email: str) -> ExternalIdentity | None: ...
    def by_member(self, issuer: str, member_id: str) -> ExternalIdentity | None: ...
    def list_all(self) -> list[ExternalIdentity]:
        """By issuer, then member."""
        ...

    def claim(self, issuer: str, email: str, subject: str, at: datetime) -> bool:
        """Fill in the subject of the pending identity provisioned with `email`; False when
        there is none pending (atomic: of two racing first sign-ins one claims it)."""
        ...

    def confirm(self, issuer: str, subject: str, at: datetime) -> None:
        """Note the first sign-in of an identity provisioned with its subject."""
        ...

    def remove(self, issuer: str, member_id: str) -> bool: ...


class OidcLogins(Protocol):
    def add(self, pending: PendingLogin) -> None: ...
    def get(self, state_hash: str) -> PendingLogin | None: ...
    def remove(self, state_hash: str) -> bool:
        """True only for the one caller that removed it: a state is used once."""
        ...

    def forget_before(self, moment: datetime) -> int:
        """Drop sign-ins in flight that expired before `moment`."""
        ...


class OidcStore(Protocol):
    providers: OidcProviders
    identities: OidcIdentities
    logins: OidcLogins


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    """What discovery (`{issuer}/.well-known/openid-configuration`) said, checked."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    # Advertised signing algorithms this server also verifies.
    algorithms: tuple[str, ...]
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)


@dataclass(frozen=True, slots=True)
class TokenResponse:
    id_token: str = field(repr=False)
    access_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """An ID token whose signature verified under one of the provider's keys."""

    algorithm: str
    claims: Mapping[str, object]


class IdentityProviderClient(Protocol):
    """Speaks to providers. Raises ProviderUnavailableError when a provider cannot be
    reached or answers nonsense, OidcRefusedError when what it sent must be refused."""

    def metadata(self, issuer: str) -> ProviderMetadata:
        """Discovery, cached for a while."""
        ...

    def exchange_code(
        self,
        metadata: ProviderMetadata,
        *,
        client_id: str,
        client_secret: str | None,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenResponse: ...

    def verify_id_token(self, metadata: ProviderMetadata, id_token: str) -> VerifiedToken:
        """Check the signature with the provider's keys (fetched again once when the token
        names a key not yet seen: the provider rotated its keys)."""
        ...
