"""docs/access-control.md holds the matrix the policy decides by (issue 3: "the matrix the
tests check"). The section between the matrix markers must equal the rendering of the rule
table, so the page cannot drift from the code."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from truce.domain.access import (
    MATRIX_END,
    MATRIX_START,
    ResourceKind,
    render_access_matrix_markdown,
    replace_matrix_section,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-control.md"
REGENERATE = (
    "uv run python -m truce.domain.access < docs/access-control.md > /tmp/access-control.md"
    " && mv /tmp/access-control.md docs/access-control.md"
)


def test_the_documented_matrix_is_the_one_the_code_decides_by():
    written = DOC.read_text(encoding="utf-8")
    expected = replace_matrix_section(written)
    diff = "\n".join(
        difflib.unified_diff(
            written.splitlines(), expected.splitlines(), "docs", "code", lineterm="", n=1
        )
    )
    assert written == expected, f"docs/access-control.md is out of date; run\n{REGENERATE}\n{diff}"


def test_the_doc_has_a_section_for_every_resource_kind():
    written = DOC.read_text(encoding="utf-8")
    for kind in ResourceKind:
        assert f"\n### {kind}\n" in written, kind


def test_the_doc_states_the_principles_the_code_cannot_show():
    written = DOC.read_text(encoding="utf-8")
    for principle in (
        "same 404",
        "Lists are filtered by the same policy",
        "audited",
        "Operators are not readers",
    ):
        assert principle in written, principle


def test_a_changed_cell_is_caught():
    written = DOC.read_text(encoding="utf-8")
    row = "| audit | no | no | no | no | no | no | yes | no |"
    assert row in written
    tampered = written.replace(row, row.replace("| yes |", "| no |"), 1)
    assert replace_matrix_section(tampered) != tampered


def test_text_outside_the_markers_is_kept():
    document = f"intro\n{MATRIX_START}\nstale\n{MATRIX_END}\nafter\n"
    rewritten = replace_matrix_section(document)
    assert rewritten.startswith(f"intro\n{MATRIX_START}\n")
    assert rewritten.endswith(f"{MATRIX_END}\nafter\n")
    assert "stale" not in rewritten
    assert render_access_matrix_markdown() in rewritten
    assert replace_matrix_section(rewritten) == rewritten


@pytest.mark.parametrize(
    "document", ["no markers", f"{MATRIX_END}\n{MATRIX_START}", f"{MATRIX_START} only"]
)
def test_a_document_without_both_markers_in_order_is_refused(document):
    with pytest.raises(ValueError, match="matrix"):
        replace_matrix_section(document)
