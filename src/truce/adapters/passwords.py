"""Password hashing with argon2id (argon2-cffi), behind the application's PasswordHasher port.

The parameters default to argon2-cffi's, which follow RFC 9106's second recommended profile
(argon2id, 64 MiB, 3 passes, 4 lanes). When they change, hashes made with the old ones are
replaced at the member's next sign-in (`needs_rehash`).
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    def __init__(
        self,
        *,
        time_cost: int | None = None,
        memory_cost_kib: int | None = None,
        parallelism: int | None = None,
    ) -> None:
        defaults = PasswordHasher()
        self._hasher = PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost_kib or defaults.memory_cost,
            parallelism=parallelism or defaults.parallelism,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            # A mismatch, or a stored value that is not an argon2 hash: either way, no.
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def __repr__(self) -> str:
        h = self._hasher
        return f"Argon2Hasher(t={h.time_cost}, m={h.memory_cost} KiB, p={h.parallelism})"
