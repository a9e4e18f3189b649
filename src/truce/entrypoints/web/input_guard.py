"""Refuses requests that carry a NUL character anywhere a text field could come from.

No field of Truce accepts U+0000, and PostgreSQL cannot store it in text columns: left to reach
the store it would surface as a 500 on PostgreSQL only (SECURITY S13). One check at the edge,
before any handler runs, answers it the same way on both stores with a 400 naming the problem.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from litestar import Request
from litestar.exceptions import ClientException

NUL_REFUSED = "the request contains a NUL character (U+0000), which no field accepts"
# Bodies that carry text fields; uploads (multipart) are files and may hold any byte.
_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")


async def refuse_nul(request: Request[Any, Any, Any]) -> None:
    if _has_nul(request):
        raise ClientException(detail=NUL_REFUSED)
    content_type, _ = request.content_type
    if content_type in _TEXT_BODIES and _body_has_nul(await request.body(), content_type):
        raise ClientException(detail=NUL_REFUSED)


def _has_nul(request: Request[Any, Any, Any]) -> bool:
    raw_path = request.scope.get("raw_path") or b""
    query = request.scope.get("query_string") or b""
    return b"\x00" in unquote_to_bytes(raw_path) or b"\x00" in unquote_to_bytes(query)


def _body_has_nul(body: bytes, content_type: str) -> bool:
    if b"\x00" in body:
        return True
    if content_type == "application/json":
        # JSON can only spell NUL as an escape; a doubled backslash before it is a literal
        # backslash followed by the text "u0000", which is harmless and left alone.
        return b"\\u0000" in body.replace(b"\\\\", b"")
    return b"\x00" in unquote_to_bytes(body.replace(b"+", b" "))
