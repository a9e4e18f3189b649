"""The real clock and id source; tests pass fixed ones."""

from __future__ import annotations

import os
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidFactory:
    def new_id(self) -> str:
        """A random (version 4) UUID in its usual text form: ids reveal nothing of when or
        where an object was made. Written out here rather than `str(uuid.uuid4())`, whose
        UUID object cost an import about a tenth of its writing time (bench/README.md):
        the same 122 random bits from the OS, the same version and variant bits."""
        raw = bytearray(os.urandom(16))
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # variant: RFC 9562
        hexed = raw.hex()
        return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"
