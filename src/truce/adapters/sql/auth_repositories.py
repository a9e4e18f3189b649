"""Repositories of authentication and of the audit trail over one SQLAlchemy connection."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    and_,
    delete,
    false,
    insert,
    or_,
    select,
    true,
    update,
)

from truce.adapters.sql import auth_tables as a
from truce.adapters.sql import tables as t
from truce.adapters.sql.mapping import from_db_time, optional_time, to_utc
from truce.domain.auth import ApiToken, AuditEntry, Credential, LoginFailure, Scope, Session
from truce.domain.passkeys import AuthChallenge, ChallengePurpose, Passkey


def _credential_row(credential: Credential) -> dict[str, Any]:
    changed = credential.password_changed_at
    return {
        "password_hash": credential.password_hash,
        "password_changed_at": None if changed is None else to_utc(changed),
        "totp_secret": credential.totp_secret,
        "totp_confirmed": credential.totp_confirmed,
        "totp_last_step": credential.totp_last_step,
    }


def _row_to_credential(row: RowMapping) -> Credential:
    return Credential(
        member_id=row["member_id"],
        password_hash=row["password_hash"],
        password_changed_at=optional_time(row["password_changed_at"]),
        totp_secret=row["totp_secret"],
        totp_confirmed=row["totp_confirmed"],
        totp_last_step=row["totp_last_step"],
    )


class SqlAccounts:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def credential(self, member_id: str) -> Credential | None:
        query = select(a.credentials).where(a.credentials.c.member_id == member_id)
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_credential(row)

    def credentials(self) -> list[Credential]:
        query = select(a.credentials).order_by(a.credentials.c.member_id)
        return [_row_to_credential(row) for row in self._c.execute(query).mappings()]

    def save_credential(self, credential: Credential) -> None:
        # Update-then-insert rather than an engine-specific upsert: one path on both engines,
        # and the unit of work's transaction keeps the pair atomic.
        values = _credential_row(credential)
        c = a.credentials.c
        changed = self._c.execute(
            update(a.credentials).where(c.member_id == credential.member_id).values(values)
        ).rowcount
        if not changed:
            self._c.execute(insert(a.credentials).values(member_id=credential.member_id, **values))

    def claim_totp_step(self, member_id: str, step: int) -> bool:
        # One conditional UPDATE: of two requests racing with one code, only one matches.
        c = a.credentials.c
        claimed = self._c.execute(
            update(a.credentials)
            .where(
                and_(
                    c.member_id == member_id,
                    or_(c.totp_last_step.is_(None), c.totp_last_step < step),
                )
            )
            .values(totp_last_step=step)
        ).rowcount
        return bool(claimed == 1)

    def set_active(self, member_id: str, *, active: bool) -> None:
        self._c.execute(update(t.members).where(t.members.c.id == member_id).values(active=active))


def _row_to_session(row: RowMapping) -> Session:
    return Session(
        id_hash=row["id_hash"],
        member_id=row["member_id"],
        created_at=from_db_time(row["created_at"]),
        last_seen_at=from_db_time(row["last_seen_at"]),
        expires_at=from_db_time(row["expires_at"]),
        address=row["address"],
        revoked_at=optional_time(row["revoked_at"]),
    )


class SqlSessions:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, session: Session) -> None:
        self._c.execute(
            insert(a.sessions).values(
                id_hash=session.id_hash,
                member_id=session.member_id,
                created_at=to_utc(session.created_at),
                last_seen_at=to_utc(session.last_seen_at),
                expires_at=to_utc(session.expires_at),
                revoked_at=None if session.revoked_at is None else to_utc(session.revoked_at),
                address=session.address,
            )
        )

    def get(self, id_hash: str) -> Session | None:
        query = select(a.sessions).where(a.sessions.c.id_hash == id_hash)
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_session(row)

    def get_many(self, id_hashes: Collection[str]) -> list[Session]:
        if not id_hashes:
            return []
        query = select(a.sessions).where(a.sessions.c.id_hash.in_(sorted(set(id_hashes))))
        return [_row_to_session(row) for row in self._c.execute(query).mappings()]

    def touch(self, id_hash: str, at: datetime) -> None:
        self._c.execute(
            update(a.sessions)
            .where(a.sessions.c.id_hash == id_hash)
            .values(last_seen_at=to_utc(at))
        )

    def revoke(self, id_hash: str, at: datetime) -> None:
        c = a.sessions.c
        self._c.execute(
            update(a.sessions)
            .where(and_(c.id_hash == id_hash, c.revoked_at.is_(None)))
            .values(revoked_at=to_utc(at))
        )

    def revoke_all(self, member_id: str, at: datetime) -> int:
        c = a.sessions.c
        moment = to_utc(at)
        ended = self._c.execute(
            update(a.sessions)
            .where(and_(c.member_id == member_id, c.revoked_at.is_(None), c.expires_at > moment))
            .values(revoked_at=moment)
        ).rowcount
        return int(ended)

    def delete_ended(self, before: datetime) -> int:
        query = delete(a.sessions).where(a.sessions.c.expires_at < to_utc(before))
        return int(self._c.execute(query).rowcount)


def _row_to_token(row: RowMapping) -> ApiToken:
    return ApiToken(
        id=row["id"],
        member_id=row["member_id"],
        label=row["label"],
        secret_hash=row["secret_hash"],
        scopes=frozenset(Scope(value) for value in row["scopes"].split()),
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
        last_used_at=optional_time(row["last_used_at"]),
        revoked_at=optional_time(row["revoked_at"]),
    )


class SqlApiTokens:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, token: ApiToken) -> None:
        self._c.execute(
            insert(a.api_tokens).values(
                id=token.id,
                member_id=token.member_id,
                label=token.label,
                secret_hash=token.secret_hash,
                scopes=" ".join(sorted(token.scopes)),
                created_at=to_utc(token.created_at),
                expires_at=to_utc(token.expires_at),
                last_used_at=None if token.last_used_at is None else to_utc(token.last_used_at),
                revoked_at=None if token.revoked_at is None else to_utc(token.revoked_at),
            )
        )

    def get(self, token_id: str) -> ApiToken | None:
        query = select(a.api_tokens).where(a.api_tokens.c.id == token_id)
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_token(row)

    def get_many(self, token_ids: Collection[str]) -> list[ApiToken]:
        if not token_ids:
            return []
        query = select(a.api_tokens).where(a.api_tokens.c.id.in_(sorted(set(token_ids))))
        return [_row_to_token(row) for row in self._c.execute(query).mappings()]

    def touch(self, token_id: str, at: datetime) -> None:
        self._c.execute(
            update(a.api_tokens)
            .where(a.api_tokens.c.id == token_id)
            .values(last_used_at=to_utc(at))
        )

    def revoke(self, token_id: str, at: datetime) -> None:
        c = a.api_tokens.c
        self._c.execute(
            update(a.api_tokens)
            .where(and_(c.id == token_id, c.revoked_at.is_(None)))
            .values(revoked_at=to_utc(at))
        )

    def list_all(self, member_id: str | None = None) -> list[ApiToken]:
        c = a.api_tokens.c
        query = select(a.api_tokens).order_by(c.created_at, c.id)
        if member_id is not None:
            query = query.where(c.member_id == member_id)
        return [_row_to_token(row) for row in self._c.execute(query).mappings()]


class SqlLoginFailures:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, failure: LoginFailure) -> None:
        self._c.execute(
            insert(a.login_failures).values(
                account_key=failure.account_key,
                address=failure.address,
                failed_at=to_utc(failure.at),
            )
        )

    def for_account(self, account_key: str, after: datetime) -> list[datetime]:
        return self._moments(a.login_failures.c.account_key == account_key, after)

    def for_address(self, address: str, after: datetime) -> list[datetime]:
        return self._moments(a.login_failures.c.address == address, after)

    def clear_account(self, account_key: str) -> None:
        self._c.execute(
            delete(a.login_failures).where(a.login_failures.c.account_key == account_key)
        )

    def forget_before(self, moment: datetime) -> None:
        self._c.execute(
            delete(a.login_failures).where(a.login_failures.c.failed_at < to_utc(moment))
        )

    def _moments(self, where: ColumnElement[bool], after: datetime) -> list[datetime]:
        c = a.login_failures.c
        query = select(c.failed_at).where(and_(where, c.failed_at > to_utc(after)))
        return [from_db_time(moment) for moment in self._c.execute(query).scalars()]


class SqlAuditTrail:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, entry: AuditEntry) -> None:
        self.add_many([entry])

    def add_many(self, entries: Sequence[AuditEntry]) -> None:
        # One statement, many rows (executemany): a delivery round of the talks writes an
        # entry per stream. A prebuilt insert with bound rows: building `.values()` per row
        # cost most of a round.
        if entries:
            self._c.execute(_INSERT_AUDIT, [_audit_row(entry) for entry in entries])

    def recent(
        self,
        limit: int,
        *,
        denied_only: bool = False,
        since: datetime | None = None,
        allowed: bool | None = None,
        actor_member_id: str | None = None,
        before_seq: int | None = None,
    ) -> list[AuditEntry]:
        c = a.audit_entries.c
        query = select(a.audit_entries).order_by(c.seq.desc()).limit(limit)
        wanted = False if denied_only else allowed
        if wanted is not None:
            query = query.where(c.allowed == (true() if wanted else false()))
        if since is not None:
            query = query.where(c.at >= to_utc(since))
        if actor_member_id is not None:
            query = query.where(c.actor_member_id == actor_member_id)
        if before_seq is not None:
            query = query.where(c.seq < before_seq)
        return [_row_to_entry(row) for row in self._c.execute(query).mappings()]


_INSERT_AUDIT = insert(a.audit_entries)


def _audit_row(entry: AuditEntry) -> dict[str, object]:
    return {
        "at": to_utc(entry.at),
        "actor_member_id": entry.actor_member_id,
        "action": entry.action,
        "resource_kind": entry.resource_kind,
        "resource_id": entry.resource_id,
        "allowed": entry.allowed,
        "reason": entry.reason,
        "address": entry.address,
    }


def _row_to_entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(
        at=from_db_time(row["at"]),
        actor_member_id=row["actor_member_id"],
        action=row["action"],
        resource_kind=row["resource_kind"],
        resource_id=row["resource_id"],
        allowed=row["allowed"],
        reason=row["reason"],
        address=row["address"],
        seq=row["seq"],
    )


__all__ = [
    "SqlAccounts",
    "SqlApiTokens",
    "SqlAuditTrail",
    "SqlLoginFailures",
    "SqlSessions",
]


def _row_to_passkey(row: RowMapping) -> Passkey:
    return Passkey(
        credential_id=row["credential_id"],
        member_id=row["member_id"],
        name=row["name"],
        public_key=row["public_key"],
        sign_count=row["sign_count"],
        transports=tuple(row["transports"].split()),
        created_at=from_db_time(row["created_at"]),
        last_used_at=optional_time(row["last_used_at"]),
    )


class SqlPasskeys:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, passkey: Passkey) -> None:
        self._c.execute(
            insert(a.passkeys).values(
                credential_id=passkey.credential_id,
                member_id=passkey.member_id,
                name=passkey.name,
                public_key=passkey.public_key,
                sign_count=passkey.sign_count,
                transports=" ".join(passkey.transports),
                created_at=to_utc(passkey.created_at),
                last_used_at=None if passkey.last_used_at is None else to_utc(passkey.last_used_at),
            )
        )

    def get(self, credential_id: str) -> Passkey | None:
        query = select(a.passkeys).where(a.passkeys.c.credential_id == credential_id)
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_passkey(row)

    def for_member(self, member_id: str) -> list[Passkey]:
        c = a.passkeys.c
        query = (
            select(a.passkeys)
            .where(c.member_id == member_id)
            .order_by(c.created_at, c.credential_id)
        )
        return [_row_to_passkey(row) for row in self._c.execute(query).mappings()]

    def record_use(self, credential_id: str, sign_count: int, at: datetime) -> bool:
        # One conditional UPDATE, as for TOTP steps: a replayed or cloned counter matches no
        # row. Counters of 0 on both sides (authenticators that keep none) are allowed.
        c = a.passkeys.c
        moved = c.sign_count == 0 if sign_count == 0 else c.sign_count < sign_count
        used = self._c.execute(
            update(a.passkeys)
            .where(and_(c.credential_id == credential_id, moved))
            .values(sign_count=sign_count, last_used_at=to_utc(at))
        ).rowcount
        return bool(used == 1)

    def remove(self, credential_id: str) -> bool:
        query = delete(a.passkeys).where(a.passkeys.c.credential_id == credential_id)
        return bool(self._c.execute(query).rowcount == 1)


def _row_to_challenge(row: RowMapping) -> AuthChallenge:
    return AuthChallenge(
        handle_hash=row["handle_hash"],
        purpose=ChallengePurpose(row["purpose"]),
        member_id=row["member_id"],
        created_at=from_db_time(row["created_at"]),
        expires_at=from_db_time(row["expires_at"]),
        challenge=row["challenge"],
    )


class SqlAuthChallenges:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def put(self, challenge: AuthChallenge) -> None:
        self.delete(challenge.handle_hash, challenge.purpose)
        self._c.execute(
            insert(a.auth_challenges).values(
                handle_hash=challenge.handle_hash,
                purpose=challenge.purpose.value,
                member_id=challenge.member_id,
                challenge=challenge.challenge,
                created_at=to_utc(challenge.created_at),
                expires_at=to_utc(challenge.expires_at),
            )
        )

    def get(self, handle_hash: str, purpose: ChallengePurpose) -> AuthChallenge | None:
        query = select(a.auth_challenges).where(self._key(handle_hash, purpose))
        row = self._c.execute(query).mappings().first()
        return None if row is None else _row_to_challenge(row)

    def take_challenge(self, handle_hash: str, purpose: ChallengePurpose) -> bytes | None:
        c = a.auth_challenges.c
        query = select(c.challenge).where(self._key(handle_hash, purpose))
        value = self._c.execute(query).scalar()
        if value is None:
            return None
        # Cleared only where it still holds what was read: one of two racing answers wins.
        taken = self._c.execute(
            update(a.auth_challenges)
            .where(and_(self._key(handle_hash, purpose), c.challenge == value))
            .values(challenge=None)
        ).rowcount
        return bytes(value) if taken == 1 else None

    def delete(self, handle_hash: str, purpose: ChallengePurpose) -> None:
        self._c.execute(delete(a.auth_challenges).where(self._key(handle_hash, purpose)))

    def delete_for_member(self, member_id: str, purpose: ChallengePurpose) -> int:
        c = a.auth_challenges.c
        query = delete(a.auth_challenges).where(
            and_(c.member_id == member_id, c.purpose == purpose.value)
        )
        return int(self._c.execute(query).rowcount)

    def delete_expired(self, before: datetime) -> int:
        query = delete(a.auth_challenges).where(a.auth_challenges.c.expires_at <= to_utc(before))
        return int(self._c.execute(query).rowcount)

    @staticmethod
    def _key(handle_hash: str, purpose: ChallengePurpose) -> ColumnElement[bool]:
        c = a.auth_challenges.c
        return and_(c.handle_hash == handle_hash, c.purpose == purpose.value)
