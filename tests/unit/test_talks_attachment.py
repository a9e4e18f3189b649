"""A counter-proposal's signed reasons commit to the attached draft without naming it."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from truce.domain.talks_text import (
    attachment_commitment,
    attachment_of,
    attachment_reasons,
    opens_attachment,
)

DRAFT = "3f0c6a1e-8d0b-4c55-9d3e-0b5b8f7b2a41"
VERSION = hashlib.sha256(b"Ceasefire first.").hexdigest()


def test_the_reasons_name_neither_the_draft_nor_its_version_hash():
    reasons = attachment_reasons(DRAFT, VERSION, "Not without the withdrawal of militias.")
    assert DRAFT not in reasons
    assert VERSION not in reasons
    assert reasons.endswith("\nNot without the withdrawal of militias.")
    assert attachment_of(reasons) == attachment_commitment(DRAFT, VERSION)


def test_whoever_holds_the_draft_opens_the_commitment_and_nothing_else_does():
    reasons = attachment_reasons(DRAFT, VERSION, "")
    assert opens_attachment(reasons, DRAFT, VERSION)
    assert not opens_attachment(reasons, DRAFT, hashlib.sha256(b"other").hexdigest())
    assert not opens_attachment(reasons, "another-draft", VERSION)
    # A guess at the text alone, without the draft's random id, tests nothing.
    assert hashlib.sha256(f"\n\n{VERSION}".encode()).hexdigest() != attachment_of(reasons)


@given(st.text())
def test_reasons_without_an_attachment_open_nothing(reasons):
    if attachment_of(reasons) is None:
        assert not opens_attachment(reasons, DRAFT, VERSION)


def test_a_forged_commitment_line_is_not_an_attachment():
    assert attachment_of("counter-proposal attached: commitment sha256 not-hex") is None
