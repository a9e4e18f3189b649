"""The fast canonical encoder writes exactly what rfc8785 writes (RFC 8785), over the value
space of record entries and beyond it, where it must hand over to rfc8785."""

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.adapters.canonical import canonical_json

# Characters that stress escaping and ordering: controls, quotes, backslash, DEL, line and
# paragraph separators, the last BMP characters and ones beyond the BMP (surrogate pairs).
TRICKY = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x1f",
        '"',
        "\\",
        "/",
        "\x7f",
        "\u2028",
        "\u2029",
        "\ue000",
        "\uffff",
        "\U0001f600",
        "\U00010000",
        "é",
        "ب",
        "ж",
        "\b",
        "\f",
        "\n",
        "\r",
        "\t",
    ]
)
TEXT = st.text(st.characters(codec="utf-8") | TRICKY, max_size=12)
SAFE = 2**53 - 1
INTEGERS = st.integers(-SAFE, SAFE) | st.integers() | st.sampled_from([SAFE, -SAFE, SAFE + 1])
SCALARS = st.none() | st.booleans() | INTEGERS | TEXT
ASCII_KEYS = st.text(st.characters(max_codepoint=127), max_size=8)
ANY_KEYS = TEXT

ENTRY_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-SAFE, SAFE) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ASCII_KEYS, inner, max_size=5),
    max_leaves=25,
)
BEYOND = st.recursive(
    SCALARS | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_KEYS, inner, max_size=5),
    max_leaves=25,
)


def reference(value):
    try:
        return bytes(rfc8785.dumps(value))
    except Exception as error:  # noqa: BLE001 - the reference's own refusals are compared
        return type(error)


def ours(value):
    try:
        return canonical_json(value)
    except Exception as error:  # noqa: BLE001
        return type(error)


@settings(max_examples=1000)
@given(ENTRY_VALUES)
def test_entry_values_encode_as_rfc8785_does(value):
    assert ours(value) == reference(value)


@settings(max_examples=1000)
@given(BEYOND)
def test_values_beyond_the_fast_path_encode_as_rfc8785_does(value):
    assert ours(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {"\ue000": 1, "\U0001f600": 2},  # UTF-16 order differs from code-point order
        {"a": 2**53},
        {"a": 1.5},
        {"a": 1e21},
        {"lone": "\ud800"},
        ("a", "tuple"),
        {1: "an int key"},
        {"a": -0.0},
    ],
)
def test_the_hard_cases_agree(value):
    assert ours(value) == reference(value)


def test_an_entry_is_fast_and_canonical():
    entry = {
        "v": 1,
        "kind": "report.filed",
        "at": "2017-01-02T06:10:00+00:00",
        "subject": None,
        "place": "بسيمة",
        "ok": True,
        "list": [3, "x", {"b": 1, "a": 2}],
    }
    assert canonical_json(entry) == bytes(rfc8785.dumps(entry))
