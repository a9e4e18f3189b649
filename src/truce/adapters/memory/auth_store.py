"""In-memory fakes of the authentication and audit ports, held in `MemoryAuthState`, which
the memory unit of work copies on enter and publishes on commit like the rest."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from truce.domain.auth import ApiToken, AuditEntry, Credential, LoginFailure, Session
from truce.domain.parties import Member
from truce.domain.passkeys import AuthChallenge, ChallengePurpose, Passkey, sign_count_regressed


@dataclass
class MemoryAuthState:
    credentials: dict[str, Credential] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    api_tokens: dict[str, ApiToken] = field(default_factory=dict)
    login_failures: list[LoginFailure] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    passkeys: dict[str, Passkey] = field(default_factory=dict)
    challenges: dict[tuple[str, ChallengePurpose], AuthChallenge] = field(default_factory=dict)

    def copy(self) -> MemoryAuthState:
        # Shallow copies of each container suffice: the stored objects are frozen.
        return MemoryAuthState(
            credentials=dict(self.credentials),
            sessions=dict(self.sessions),
            api_tokens=dict(self.api_tokens),
            login_failures=list(self.login_failures),
            audit=list(self.audit),
            passkeys=dict(self.passkeys),
            challenges=dict(self.challenges),
        )


class MemoryAccounts:
    def __init__(self, state: MemoryAuthState, members: dict[str, Member]) -> None:
        self._s = state
        self._members = members

    def credential(self, member_id: str) -> Credential | None:
        return self._s.credentials.get(member_id)

    def credentials(self) -> list[Credential]:
        return sorted(self._s.credentials.values(), key=lambda c: c.member_id)

    def save_credential(self, credential: Credential) -> None:
        self._s.credentials[credential.member_id] = credential

    def claim_totp_step(self, member_id: str, step: int) -> bool:
        credential = self._s.credentials.get(member_id)
        if credential is None:
            return False
        last = credential.totp_last_step
        if last is not None and step <= last:
            return False
        self._s.credentials[member_id] = replace(credential, totp_last_step=step)
        return True

    def set_active(self, member_id: str, *, active: bool) -> None:
        member = self._members.get(member_id)
        if member is not None:
            self._members[member_id] = replace(member, active=active)


class MemorySessions:
    def __init__(self, state: MemoryAuthState) -> None:
        self._s = state

    def add(self, session: Session) -> None:
        self._s.sessions[session.id_hash] = session

    def get(self, id_hash: str) -> Session | None:
        return self._s.sessions.get(id_hash)

    def get_many(self, id_hashes: Collection[str]) -> list[Session]:
        return [self._s.sessions[h] for h in set(id_hashes) if h in self._s.sessions]

    def touch(self, id_hash: str, at: datetime) -> None:
        session = self._s.sessions.get(id_hash)
        if session is not None:
            self._s.sessions[id_hash] = replace(session, last_seen_at=at)

    def revoke(self, id_hash: str, at: datetime) -> None:
        session = self._s.sessions.get(id_hash)
        if session is not None and session.revoked_at is None:
            self._s.sessions[id_hash] = replace(session, revoked_at=at)

    def revoke_all(self, member_id: str, at: datetime) -> int:
        ending = [
            s
            for s in self._s.sessions.values()
            if s.member_id == member_id and s.revoked_at is None and s.expires_at > at
        ]
        for session in ending:
            self._s.sessions[session.id_hash] = replace(session, revoked_at=at)
        return len(ending)

    def delete_ended(self, before: datetime) -> int:
        ended = [key for key, s in self._s.sessions.items() if s.expires_at < before]
        for key in ended:
            del self._s.sessions[key]
        return len(ended)


class MemoryApiTokens:
    def __init__(self, state: MemoryAuthState) -> None:
        self._s = state

    def add(self, token: ApiToken) -> None:
        self._s.api_tokens[token.id] = token

    def get(self, token_id: str) -> ApiToken | None:
        return self._s.api_tokens.get(token_id)

    def get_many(self, token_ids: Collection[str]) -> list[ApiToken]:
        return [self._s.api_tokens[i] for i in set(token_ids) if i in self._s.api_tokens]

    def touch(self, token_id: str, at: datetime) -> None:
        token = self._s.api_tokens.get(token_id)
        if token is not None:
            self._s.api_tokens[token_id] = replace(token, last_used_at=at)

    def revoke(self, token_id: str, at: datetime) -> None:
        token = self._s.api_tokens.get(token_id)
        if token is not None and token.revoked_at is None:
            self._s.api_tokens[token_id] = replace(token, revoked_at=at)

    def list_all(self, member_id: str | None = None) -> list[ApiToken]:
        tokens = [
            t for t in self._s.api_tokens.values() if member_id is None or t.member_id == member_id
        ]
        return sorted(tokens, key=lambda t: (t.created_at, t.id))


class MemoryLoginFailures:
    def __init__(self, state: MemoryAuthState) -> None:
        self._s = state

    def add(self, failure: LoginFailure) -> None:
        self._s.login_failures.append(failure)

    def for_account(self, account_key: str, after: datetime) -> list[datetime]:
        return [
            f.at for f in self._s.login_failures if f.account_key == account_key and f.at > after
        ]

    def for_address(self, address: str, after: datetime) -> list[datetime]:
        return [f.at for f in self._s.login_failures if f.address == address and f.at > after]

    def clear_account(self, account_key: str) -> None:
        self._s.login_failures[:] = [
            f for f in self._s.login_failures if f.account_key != account_key
        ]

    def forget_before(self, moment: datetime) -> None:
        self._s.login_failures[:] = [f for f in self._s.login_failures if f.at >= moment]


class MemoryAuditTrail:
    def __init__(self, state: MemoryAuthState) -> None:
        self._s = state

    def add(self, entry: AuditEntry) -> None:
        # Numbered in the order written, from 1, as the SQL store's autoincrement does.
        self._s.audit.append(replace(entry, seq=len(self._s.audit) + 1))

    def add_many(self, entries: Sequence[AuditEntry]) -> None:
        for entry in entries:
            self.add(entry)

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
        wanted = False if denied_only else allowed
        chosen = [
            e
            for e in reversed(self._s.audit)
            if (wanted is None or e.allowed == wanted)
            and (since is None or e.at >= since)
            and (actor_member_id is None or e.actor_member_id == actor_member_id)
            and (before_seq is None or (e.seq or 0) < before_seq)
        ]
        return chosen[:limit]


class MemoryPasskeys:
    def __init__(self, state: MemoryAuthState) -> None:
        self._s = state

    def add(self, passkey: Passkey) -> None:
        if passkey.credential_id in self._s.passkeys:
            # As the SQL primary key would: one credential id belongs to one member.
            raise ValueError("duplicate credential id")
        self._s.passkeys[passkey.credential_id] = passkey

    def get(self, credential_id: str) -> Passkey | None:
        return self._s.passkeys.get(credential_id)

    def for_member(self, member_id: str) -> list[Passkey]:
        mine = [p for p in self._s.passkeys.values() if p.member_id == member_id]
        return sorted(mine, key=lambda p: (p.created_at, p.credential_id))

    def record_use(self, credential_id: str, sign_count: int, at: datetime) -> bool:
        passkey = self._s.passkeys.get(credential_id)
        if passkey is None or sign_count_regressed(passkey.sign_count, sign_count):
            return False
        self._s.passkeys[credential_id] = replace(passkey, sign_count=sign_count, last_used_at=at)
        return True

    def remove(self, credential_id: str) -> bool:
        return self._s.passkeys.pop(credential_id, None) is not None


class MemoryAuthChallenges:
    def __init__(self, state: MemoryAuthState) -> None:
        self._s = state

    def put(self, challenge: AuthChallenge) -> None:
        self._s.challenges[challenge.handle_hash, challenge.purpose] = challenge

    def get(self, handle_hash: str, purpose: ChallengePurpose) -> AuthChallenge | None:
        return self._s.challenges.get((handle_hash, purpose))

    def take_challenge(self, handle_hash: str, purpose: ChallengePurpose) -> bytes | None:
        stored = self._s.challenges.get((handle_hash, purpose))
        if stored is None or stored.challenge is None:
            return None
        self._s.challenges[handle_hash, purpose] = replace(stored, challenge=None)
        return stored.challenge

    def delete(self, handle_hash: str, purpose: ChallengePurpose) -> None:
        self._s.challenges.pop((handle_hash, purpose), None)

    def delete_for_member(self, member_id: str, purpose: ChallengePurpose) -> int:
        ended = [
            key
            for key, c in self._s.challenges.items()
            if c.member_id == member_id and c.purpose == purpose
        ]
        for key in ended:
            del self._s.challenges[key]
        return len(ended)

    def delete_expired(self, before: datetime) -> int:
        ended = [key for key, c in self._s.challenges.items() if c.expires_at <= before]
        for key in ended:
            del self._s.challenges[key]
        return len(ended)
