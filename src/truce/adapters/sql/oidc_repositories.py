"""Repositories of OpenID Connect sign-in over one SQLAlchemy connection (`uow.oidc`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, and_, delete, insert, select, update

from truce.adapters.sql import oidc_tables as o
from truce.adapters.sql.mapping import from_db_time, optional_time, to_utc
from truce.application.oidc_ports import OidcIdentities, OidcLogins, OidcProviders
from truce.domain.oidc import ExternalIdentity, OidcProvider, PendingLogin


def _provider_row(provider: OidcProvider) -> dict[str, Any]:
    if provider.created_at is None:
        raise ValueError("a stored provider has a creation time")
    return {
        "name": provider.name,
        "issuer": provider.issuer,
        "client_id": provider.client_id,
        "body_id": provider.body_id,
        "label": provider.label,
        "scopes": " ".join(provider.scopes),
        "client_secret_env": provider.client_secret_env,
        "sealed_client_secret": provider.sealed_client_secret,
        "created_at": to_utc(provider.created_at),
    }


def _row_to_provider(row: RowMapping) -> OidcProvider:
    return OidcProvider(
        name=row["name"],
        issuer=row["issuer"],
        client_id=row["client_id"],
        body_id=row["body_id"],
        label=row["label"],
        scopes=tuple(row["scopes"].split()),
        client_secret_env=row["client_secret_env"],
        sealed_client_secret=row["sealed_client_secret"],
        created_at=from_db_time(row["created_at"]),
    )


class SqlOidcProviders:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, provider: OidcProvider) -> None:
        self._c.execute(insert(o.oidc_providers).values(_provider_row(provider)))

    def get(self, name: str) -> OidcProvider | None:
        query = select(o.oidc_providers).where(o.oidc_providers.c.name == name)
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_provider(row)

    def list_all(self) -> list[OidcProvider]:
        query = select(o.oidc_providers).order_by(o.oidc_providers.c.name)
        return [_row_to_provider(row) for row in self._c.execute(query).mappings()]

    def remove(self, name: str) -> bool:
        query = delete(o.oidc_providers).where(o.oidc_providers.c.name == name)
        return bool(self._c.execute(query).rowcount)


def _row_to_identity(row: RowMapping) -> ExternalIdentity:
    return ExternalIdentity(
        issuer=row["issuer"],
        member_id=row["member_id"],
        provider=row["provider"],
        created_at=from_db_time(row["created_at"]),
        subject=row["subject"],
        email=row["email"],
        linked_at=optional_time(row["linked_at"]),
    )


class SqlOidcIdentities:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, identity: ExternalIdentity) -> None:
        linked = identity.linked_at
        self._c.execute(
            insert(o.oidc_identities).values(
                issuer=identity.issuer,
                subject=identity.subject,
                email=identity.email,
                member_id=identity.member_id,
                provider=identity.provider,
                created_at=to_utc(identity.created_at),
                linked_at=None if linked is None else to_utc(linked),
            )
        )

    def by_subject(self, issuer: str, subject: str) -> ExternalIdentity | None:
        return self._one(o.oidc_identities.c.subject == subject, issuer)

    def by_email(self, issuer: str, email: str) -> ExternalIdentity | None:
        return self._one(o.oidc_identities.c.email == email, issuer)

    def by_member(self, issuer: str, member_id: str) -> ExternalIdentity | None:
        return self._one(o.oidc_identities.c.member_id == member_id, issuer)

    def list_all(self) -> list[ExternalIdentity]:
        c = o.oidc_identities.c
        query = select(o.oidc_identities).order_by(c.issuer, c.member_id)
        return [_row_to_identity(row) for row in self._c.execute(query).mappings()]

    def claim(self, issuer: str, email: str, subject: str, at: datetime) -> bool:
        # One conditional UPDATE: of two first sign-ins racing for one row, one matches.
        c = o.oidc_identities.c
        query = (
            update(o.oidc_identities)
            .where(and_(c.issuer == issuer, c.email == email, c.subject.is_(None)))
            .values(subject=subject, linked_at=to_utc(at))
        )
        return bool(self._c.execute(query).rowcount)

    def confirm(self, issuer: str, subject: str, at: datetime) -> None:
        c = o.oidc_identities.c
        self._c.execute(
            update(o.oidc_identities)
            .where(and_(c.issuer == issuer, c.subject == subject, c.linked_at.is_(None)))
            .values(linked_at=to_utc(at))
        )

    def remove(self, issuer: str, member_id: str) -> bool:
        c = o.oidc_identities.c
        query = delete(o.oidc_identities).where(and_(c.issuer == issuer, c.member_id == member_id))
        return bool(self._c.execute(query).rowcount)

    def _one(self, condition: ColumnElement[bool], issuer: str) -> ExternalIdentity | None:
        query = select(o.oidc_identities).where(
            and_(o.oidc_identities.c.issuer == issuer, condition)
        )
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_identity(row)


class SqlOidcLogins:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, pending: PendingLogin) -> None:
        self._c.execute(
            insert(o.oidc_logins).values(
                state_hash=pending.state_hash,
                binding_hash=pending.binding_hash,
                provider=pending.provider,
                created_at=to_utc(pending.created_at),
                expires_at=to_utc(pending.expires_at),
                address=pending.address,
            )
        )

    def get(self, state_hash: str) -> PendingLogin | None:
        query = select(o.oidc_logins).where(o.oidc_logins.c.state_hash == state_hash)
        row = self._c.execute(query).mappings().first()
        if row is None:
            return None
        return PendingLogin(
            state_hash=row["state_hash"],
            binding_hash=row["binding_hash"],
            provider=row["provider"],
            created_at=from_db_time(row["created_at"]),
            expires_at=from_db_time(row["expires_at"]),
            address=row["address"],
        )

    def remove(self, state_hash: str) -> bool:
        # The DELETE's row count says who used the state: a second request deletes nothing.
        query = delete(o.oidc_logins).where(o.oidc_logins.c.state_hash == state_hash)
        return bool(self._c.execute(query).rowcount)

    def forget_before(self, moment: datetime) -> int:
        query = delete(o.oidc_logins).where(o.oidc_logins.c.expires_at < to_utc(moment))
        return int(self._c.execute(query).rowcount)


class SqlOidcStore:
    def __init__(self, connection: Connection) -> None:
        self.providers: OidcProviders = SqlOidcProviders(connection)
        self.identities: OidcIdentities = SqlOidcIdentities(connection)
        self.logins: OidcLogins = SqlOidcLogins(connection)
