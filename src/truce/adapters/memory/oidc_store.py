"""In-memory fake of the OpenID Connect ports (`uow.oidc`), held in `MemoryOidcState`, which
the memory unit of work copies on enter and publishes on commit like the rest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.application.oidc_ports import OidcIdentities, OidcLogins, OidcProviders
from truce.domain.oidc import ExternalIdentity, OidcProvider, PendingLogin


class DuplicateIdentityError(ValueError):
    """What a unique constraint would raise in SQL: the service checks first."""


@dataclass
class MemoryOidcState:
    providers: dict[str, OidcProvider] = field(default_factory=dict)
    # Keyed by (issuer, member id): one identity per member at an issuer.
    identities: dict[tuple[str, str], ExternalIdentity] = field(default_factory=dict)
    logins: dict[str, PendingLogin] = field(default_factory=dict)

    def copy(self) -> MemoryOidcState:
        # The stored objects are frozen: copies of the containers suffice.
        return MemoryOidcState(dict(self.providers), dict(self.identities), dict(self.logins))


class MemoryOidcProviders:
    def __init__(self, state: MemoryOidcState) -> None:
        self._s = state

    def add(self, provider: OidcProvider) -> None:
        if provider.name in self._s.providers:
            raise DuplicateIdentityError(provider.name)
        self._s.providers[provider.name] = provider

    def get(self, name: str) -> OidcProvider | None:
        return self._s.providers.get(name)

    def list_all(self) -> list[OidcProvider]:
        return sorted(self._s.providers.values(), key=lambda provider: provider.name)

    def remove(self, name: str) -> bool:
        return self._s.providers.pop(name, None) is not None


class MemoryOidcIdentities:
    def __init__(self, state: MemoryOidcState) -> None:
        self._s = state

    def add(self, identity: ExternalIdentity) -> None:
        key = (identity.issuer, identity.member_id)
        taken = key in self._s.identities or (
            identity.subject is not None
            and self.by_subject(identity.issuer, identity.subject) is not None
        )
        if taken or (identity.email is not None and self.by_email(identity.issuer, identity.email)):
            raise DuplicateIdentityError(identity.issuer)
        self._s.identities[key] = identity

    def by_subject(self, issuer: str, subject: str) -> ExternalIdentity | None:
        return self._find(lambda i: i.issuer == issuer and i.subject == subject)

    def by_email(self, issuer: str, email: str) -> ExternalIdentity | None:
        return self._find(lambda i: i.issuer == issuer and i.email == email)

    def by_member(self, issuer: str, member_id: str) -> ExternalIdentity | None:
        return self._s.identities.get((issuer, member_id))

    def list_all(self) -> list[ExternalIdentity]:
        return [self._s.identities[key] for key in sorted(self._s.identities)]

    def claim(self, issuer: str, email: str, subject: str, at: datetime) -> bool:
        identity = self.by_email(issuer, email)
        if identity is None or identity.subject is not None:
            return False
        if self.by_subject(issuer, subject) is not None:
            raise DuplicateIdentityError(issuer)
        key = (issuer, identity.member_id)
        self._s.identities[key] = replace(identity, subject=subject, linked_at=at)
        return True

    def confirm(self, issuer: str, subject: str, at: datetime) -> None:
        identity = self.by_subject(issuer, subject)
        if identity is not None and identity.linked_at is None:
            self._s.identities[(issuer, identity.member_id)] = replace(identity, linked_at=at)

    def remove(self, issuer: str, member_id: str) -> bool:
        return self._s.identities.pop((issuer, member_id), None) is not None

    def _find(self, test: Callable[[ExternalIdentity], bool]) -> ExternalIdentity | None:
        return next((i for i in self._s.identities.values() if test(i)), None)


class MemoryOidcLogins:
    def __init__(self, state: MemoryOidcState) -> None:
        self._s = state

    def add(self, pending: PendingLogin) -> None:
        self._s.logins[pending.state_hash] = pending

    def get(self, state_hash: str) -> PendingLogin | None:
        return self._s.logins.get(state_hash)

    def remove(self, state_hash: str) -> bool:
        return self._s.logins.pop(state_hash, None) is not None

    def forget_before(self, moment: datetime) -> int:
        ended = [key for key, pending in self._s.logins.items() if pending.expires_at < moment]
        for key in ended:
            del self._s.logins[key]
        return len(ended)


class MemoryOidcStore:
    def __init__(self, state: MemoryOidcState) -> None:
        self.providers: OidcProviders = MemoryOidcProviders(state)
        self.identities: OidcIdentities = MemoryOidcIdentities(state)
        self.logins: OidcLogins = MemoryOidcLogins(state)
