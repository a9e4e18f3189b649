"""RFC 8785 (JSON Canonicalization Scheme) through the rfc8785 package: never home-made."""

from __future__ import annotations

from typing import Any

import rfc8785


def canonical_json(value: Any) -> bytes:  # noqa: ANN401 - any JSON value
    return bytes(rfc8785.dumps(value))
