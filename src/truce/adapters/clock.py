"""The real clock and id source; tests pass fixed ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidFactory:
    def new_id(self) -> str:
        # Random (v4): ids reveal nothing of when or where an object was made.
        return str(uuid.uuid4())
