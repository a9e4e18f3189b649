"""Opaque page cursors: clients pass back what they were given and need not parse it."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from truce.application.ports import ReportCursor
from truce.domain.errors import FieldError, InvalidInputError


def encode_cursor(cursor: ReportCursor | None) -> str | None:
    if cursor is None:
        return None
    raw = f"{cursor.filed_at.isoformat()}|{cursor.report_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None) -> ReportCursor | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        moment, report_id = base64.urlsafe_b64decode(padded).decode().split("|", 1)
        return ReportCursor(datetime.fromisoformat(moment), report_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInputError([FieldError("after", "is not a cursor this server gave")]) from None
