"""RFC 8785 (JSON Canonicalization Scheme): the rfc8785 package, with a fast path for the
values the record produces.

The pure-Python rfc8785 encoder was a third of the cost of an append (bench/README.md). For
JSON made only of strings, safe integers, booleans, null, lists and objects with ASCII keys,
the standard library's encoder with sorted keys, no whitespace and no ASCII escaping writes the
very same bytes:

* RFC 8785 sorts keys by UTF-16 code units and Python by code points; the two orders differ
  only for characters above U+D7FF, which ASCII keys cannot hold.
* Both escape exactly `"`, `\\` and the controls below U+0020, with the same short forms
  (\\b \\t \\n \\f \\r) and lowercase \\u00xx for the rest, and write everything else as UTF-8.
* Integers within +/-(2**53 - 1) print the same as the shortest double (ES6 Number
  serialisation); larger ones, and every float, are left to rfc8785.

Anything else (floats, big integers, non-ASCII keys, tuples, a lone surrogate) goes through
rfc8785 unchanged, so its answer, or its error, is the answer. tests/unit/test_canonical.py
checks the two paths against each other over the whole value space with Hypothesis.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_SAFE_INTEGER = 2**53 - 1
_SCALARS = frozenset({str, bool, type(None)})
_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    check_circular=False,
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
)


def canonical_json(value: Any) -> bytes:  # noqa: ANN401 - any JSON value
    if _fast_path_holds(value):
        try:
            return _ENCODER.encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: rfc8785 refuses it with its own error
    return bytes(rfc8785.dumps(value))


def _fast_path_holds(value: object) -> bool:
    """Is `value` inside the domain where the standard encoder is RFC 8785?

    Written for speed (it runs on every entry): exact types first, subclasses after, plain
    loops rather than all() over a generator, and no call for a string or other scalar item.
    """
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is int:
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER  # type: ignore[operator]
    if kind is dict:
        return _object_holds(value)  # type: ignore[arg-type]
    if kind is list:
        return _array_holds(value)  # type: ignore[arg-type]
    # A str subclass (a StrEnum) encodes as its text in both encoders; other subclasses of
    # int, dict or list may encode themselves differently, so they take the slow path.
    return isinstance(value, str)


def _object_holds(value: dict[object, object]) -> bool:
    for key, item in value.items():
        if type(key) is not str or not key.isascii():
            return False
        if type(item) not in _SCALARS and not _fast_path_holds(item):
            return False
    return True


def _array_holds(value: list[object]) -> bool:
    return all(type(item) in _SCALARS or _fast_path_holds(item) for item in value)
