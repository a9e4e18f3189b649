"""How far a piece of material may travel beyond the one who gave it.

Levels are ordered: each admits everyone the lower ones admit. Material only ever moves
down this ladder through a publication (SECURITY.md S11), never by an edit.
"""

from __future__ import annotations

from enum import StrEnum


class Confidentiality(StrEnum):
    # Only the submitting body may read it; operators administer, they do not read.
    SUBMITTER = "submitter"
    # The submitting body and the guarantor states.
    GUARANTORS = "guarantors"
    # Everyone working inside the mechanism: guarantors, mediators, monitors, analysts.
    MECHANISM = "mechanism"
    # Published: anyone, observers included.
    PUBLIC = "public"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def is_lower_than(self, other: Confidentiality) -> bool:
        """True when this level is *less* restrictive (reaches more people) than `other`."""
        return self.rank > other.rank


_RANK = {
    Confidentiality.SUBMITTER: 0,
    Confidentiality.GUARANTORS: 1,
    Confidentiality.MECHANISM: 2,
    Confidentiality.PUBLIC: 3,
}
