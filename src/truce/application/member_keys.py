"""Members' signing keys: generate (held by the server, sealed at rest), register (held by the
member's client), rotate, revoke, list.

Every change appends a record entry carrying the public key and its id, so any party can check
a decision's signature against the record alone, and can see from the order of entries whether
a key was still current when a decision was received.

The operator calls these from the console (`truce member-key ...`); the console is trusted,
as for accounts (entrypoints/cli/users.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from truce.application.ports import Clock, JsonValue, UnitOfWork, UnitOfWorkFactory
from truce.domain.decisions import KeyCustody, KeyEnd, MemberKey, key_fingerprint
from truce.domain.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from truce.domain.parties import Member

log = logging.getLogger("truce.keys")

# The purpose a server-held key's sealing key is derived for (HKDF info).
SEAL_PURPOSE = b"truce/member-signing-key/v1"


class KeyPairs(Protocol):
    """Ed25519 (RFC 8032) as raw bytes: 32-byte private seeds and public keys."""

    def generate(self) -> tuple[bytes, bytes]:
        """A new (private seed, public key)."""
        ...

    def sign(self, private_key: bytes, message: bytes) -> bytes: ...
    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Strict: exact lengths, canonical S; False for anything invalid, never raising."""
        ...

    def is_public_key(self, data: bytes) -> bool: ...


class Sealer(Protocol):
    """Authenticated encryption at rest, bound to a context (the member id)."""

    def seal(self, plaintext: bytes, context: bytes) -> bytes: ...
    def open(self, sealed: bytes, context: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class MemberKeyService:
    uow: UnitOfWorkFactory
    clock: Clock
    keys: KeyPairs
    sealer: Sealer

    def generate(self, member_id: str) -> MemberKey:
        """A server-held key for a member who has none current (use rotate to replace one)."""
        with self.uow() as uow:
            member = _member(uow, member_id)
            _require_no_current_key(uow, member)
            key = self._server_key(member)
            uow.member_keys.add(key)
            _record(uow, "member_key.added", member, key, {})
            uow.commit()
        return key

    def register(self, member_id: str, public_key: bytes) -> MemberKey:
        """A key whose private half the member's client holds; the server learns the public
        key only."""
        with self.uow() as uow:
            member = _member(uow, member_id)
            _require_no_current_key(uow, member)
            key = self._client_key(uow, member, public_key)
            uow.member_keys.add(key)
            _record(uow, "member_key.added", member, key, {})
            uow.commit()
        return key

    def rotate(self, member_id: str, public_key: bytes | None = None) -> MemberKey:
        """End the member's current key and start a new one: server-held, or the client's
        `public_key`. From now on only the new key signs."""
        with self.uow() as uow:
            member = _member(uow, member_id)
            old = _current_key(uow, member)
            now = self.clock.now()
            uow.member_keys.end(old.key_id, now, KeyEnd.ROTATED)
            if public_key is None:
                key = self._server_key(member)
            else:
                key = self._client_key(uow, member, public_key)
            uow.member_keys.add(key)
            _record(uow, "member_key.rotated", member, key, {"previous_key_id": old.key_id})
            uow.commit()
        return key

    def revoke(self, member_id: str) -> MemberKey:
        """End the member's current key at once (lost, stolen, member gone); it signs
        nothing received from now on. Decisions received before stay valid."""
        with self.uow() as uow:
            member = _member(uow, member_id)
            key = _current_key(uow, member)
            now = self.clock.now()
            uow.member_keys.end(key.key_id, now, KeyEnd.REVOKED)
            uow.record.append(
                "member_key.revoked",
                subject=f"member:{member.id}",
                at=now,
                public={"member_id": member.id, "body_id": member.body_id, "key_id": key.key_id},
            )
            uow.commit()
            ended = uow.member_keys.get(key.key_id)
        return ended or key

    def keys_of(self, member_id: str) -> list[MemberKey]:
        with self.uow() as uow:
            member = _member(uow, member_id)
            return uow.member_keys.for_member(member.id)

    def current(self, member_id: str) -> MemberKey | None:
        with self.uow() as uow:
            return uow.member_keys.current(member_id)

    def private_key(self, key: MemberKey) -> bytes:
        """Open a server-held key for one signature; never stored or logged opened."""
        if key.custody != KeyCustody.SERVER or key.sealed_private_key is None:
            raise InvalidInputError(
                [FieldError("key", "this member's key is held by their client: sign there")]
            )
        return self.sealer.open(key.sealed_private_key, key.member_id.encode())

    def _server_key(self, member: Member) -> MemberKey:
        private, public = self.keys.generate()
        return MemberKey(
            key_id=key_fingerprint(public),
            member_id=member.id,
            public_key=public,
            custody=KeyCustody.SERVER,
            added_at=self.clock.now(),
            sealed_private_key=self.sealer.seal(private, member.id.encode()),
        )

    def _client_key(self, uow: UnitOfWork, member: Member, public_key: bytes) -> MemberKey:
        if not self.keys.is_public_key(public_key):
            raise InvalidInputError([FieldError("public_key", "is not an Ed25519 public key")])
        key_id = key_fingerprint(public_key)
        if uow.member_keys.get(key_id) is not None:
            raise ConflictError("this public key is registered already")
        return MemberKey(key_id, member.id, public_key, KeyCustody.CLIENT, self.clock.now())


def _member(uow: UnitOfWork, member_id: str) -> Member:
    member = uow.members.get(member_id)
    if member is None:
        raise NotFoundError("member")
    return member


def _require_no_current_key(uow: UnitOfWork, member: Member) -> None:
    if uow.member_keys.current(member.id) is not None:
        raise ConflictError("the member has a current key: rotate or revoke it first")


def _current_key(uow: UnitOfWork, member: Member) -> MemberKey:
    key = uow.member_keys.current(member.id)
    if key is None:
        raise ConflictError("the member has no current key")
    return key


def _record(
    uow: UnitOfWork, kind: str, member: Member, key: MemberKey, extra: dict[str, JsonValue]
) -> None:
    """A key entry carries everything a verifier needs: the public key and its id."""
    uow.record.append(
        kind,
        subject=f"member:{member.id}",
        at=key.added_at,
        public={
            "member_id": member.id,
            "body_id": member.body_id,
            "key_id": key.key_id,
            "algorithm": "ed25519",
            "public_key": key.public_key.hex(),
            "custody": key.custody.value,
            **extra,
        },
    )
