"""The single negotiating text: documents, versions, clauses with stable ids, brackets,
a clause-aware word-level diff, translations, and the status endorsements give a version.

- A document is edited by the mediators only (a delegation's own counter-proposal is its own
  document, in its own channel). Each edit makes a new version; a version never changes.
- A clause keeps its id whatever its number: numbers are positions, ids are identities, so a
  clause inserted above renumbers the rest without changing what each endorsement refers to.
- Alternatives a clause has not settled are written in brackets: `[[shall || may]]`. A text
  is clean when no bracket is open in any clause.
- A version's hash covers its clauses (ids and texts in order), its number and its
  authoritative language: an endorsement names that hash and binds that text only (S8).

Pure: standard library only.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from truce.domain.errors import FieldError, InvalidInputError

MAX_CLAUSES: Final = 500
MAX_CLAUSE_CHARS: Final = 10_000
OPEN: Final = "[["
CLOSE: Final = "]]"
ALTERNATIVE: Final = "||"
_BRACKET = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class DocumentKind(StrEnum):
    # The mediators' text, circulated to every delegation of the round.
    SINGLE_TEXT = "single_text"
    # A delegation's own proposal, kept in its channel until relayed or published.
    COUNTER_PROPOSAL = "counter_proposal"


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    round_id: str
    kind: DocumentKind
    title: str
    # The mediation for a single text; the delegation for a counter-proposal.
    owner_body_id: str
    # The channel it sits in: None for a single text (circulated to all delegations).
    channel_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Clause:
    id: str
    text: str

    @property
    def brackets(self) -> list[list[str]]:
        """The open brackets of the clause, each as its alternatives."""
        return [
            [option.strip() for option in found.split(ALTERNATIVE)]
            for found in _BRACKET.findall(self.text)
        ]

    @property
    def clean(self) -> bool:
        return OPEN not in self.text and CLOSE not in self.text


@dataclass(frozen=True, slots=True)
class Version:
    document_id: str
    number: int
    clauses: tuple[Clause, ...]
    # The authoritative language of this version (a BCP 47 tag).
    language: str
    made_by: str
    made_at: datetime
    hash: str

    @property
    def clean(self) -> bool:
        return all(clause.clean for clause in self.clauses)

    def numbered(self) -> list[tuple[int, Clause]]:
        return list(enumerate(self.clauses, start=1))

    def clause(self, clause_id: str) -> Clause | None:
        return next((c for c in self.clauses if c.id == clause_id), None)


def version_content(
    document_id: str, number: int, language: str, clauses: Sequence[Clause]
) -> dict[str, object]:
    return {
        "document_id": document_id,
        "number": number,
        "language": language,
        "clauses": [[clause.id, clause.text] for clause in clauses],
    }


def version_hash(document_id: str, number: int, language: str, clauses: Sequence[Clause]) -> str:
    """Hex SHA-256 of the version's canonical JSON (sorted keys, no spaces, UTF-8: for
    strings and small integers the same bytes as RFC 8785)."""
    content = version_content(document_id, number, language, clauses)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_clause_text(text: str, field: str) -> str:
    errors: list[FieldError] = []
    stripped = text.strip()
    if not stripped:
        errors.append(FieldError(field, "a clause must not be empty"))
    elif len(stripped) > MAX_CLAUSE_CHARS:
        errors.append(FieldError(field, f"must be at most {MAX_CLAUSE_CHARS} characters"))
    elif stripped.count(OPEN) != stripped.count(CLOSE) or _unbalanced(stripped):
        errors.append(FieldError(field, f"every {OPEN} needs its {CLOSE}, without nesting"))
    elif any(len(options) < 2 for options in Clause("", stripped).brackets):  # noqa: PLR2004
        errors.append(FieldError(field, f"a bracket offers alternatives: [[a {ALTERNATIVE} b]]"))
    if errors:
        raise InvalidInputError(errors)
    return stripped


def _unbalanced(text: str) -> bool:
    depth = 0
    for token in re.findall(r"\[\[|\]\]", text):
        depth += 1 if token == OPEN else -1
        if depth not in {0, 1}:
            return True
    return depth != 0


def check_language(language: str) -> str:
    if not _LANG.fullmatch(language):
        raise InvalidInputError([FieldError("language", "must be a language tag such as en")])
    return language


def next_version(
    document: Document,
    previous: Version | None,
    edits: Sequence[tuple[str | None, str]],
    *,
    language: str,
    new_ids: Iterable[str],
    made_by: str,
    made_at: datetime,
) -> Version:
    """The next version from the clauses in their new order: (clause id, text) keeps a
    clause's identity, (None, text) inserts a new clause. Ids not named are deleted."""
    if not edits:
        raise InvalidInputError([FieldError("clauses", "a text has at least one clause")])
    if len(edits) > MAX_CLAUSES:
        raise InvalidInputError([FieldError("clauses", f"at most {MAX_CLAUSES} clauses")])
    known = {clause.id for clause in previous.clauses} if previous else set()
    ids = iter(new_ids)
    clauses: list[Clause] = []
    for index, (clause_id, text) in enumerate(edits, start=1):
        checked = check_clause_text(text, f"clauses[{index}]")
        if clause_id is not None and clause_id not in known:
            raise InvalidInputError(
                [FieldError(f"clauses[{index}]", "names no clause of the current version")]
            )
        clauses.append(Clause(clause_id or next(ids), checked))
    if len({c.id for c in clauses}) != len(clauses):
        raise InvalidInputError([FieldError("clauses", "a clause appears once")])
    number = 1 if previous is None else previous.number + 1
    language = check_language(language)
    return Version(
        document_id=document.id,
        number=number,
        clauses=tuple(clauses),
        language=language,
        made_by=made_by,
        made_at=made_at,
        hash=version_hash(document.id, number, language, clauses),
    )


# --- the diff ----------------------------------------------------------------------------------


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    # The same words at another number (clauses inserted or removed above it).
    RENUMBERED = "renumbered"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class WordRun:
    """A run of words: kept ("equal"), removed ("delete") or added ("insert")."""

    op: str
    words: str


@dataclass(frozen=True, slots=True)
class ClauseDiff:
    clause_id: str
    change: Change
    number_before: int | None
    number_after: int | None
    runs: tuple[WordRun, ...]


def word_runs(before: str, after: str) -> tuple[WordRun, ...]:
    """A word-level diff: runs of kept, removed and added words."""
    old, new = before.split(), after.split()
    runs: list[WordRun] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in {"equal", "delete"}:
            runs.append(WordRun(op, " ".join(old[i1:i2])))
        elif op == "insert":
            runs.append(WordRun(op, " ".join(new[j1:j2])))
        else:
            runs.append(WordRun("delete", " ".join(old[i1:i2])))
            runs.append(WordRun("insert", " ".join(new[j1:j2])))
    return tuple(runs)


def diff_versions(before: Version, after: Version) -> list[ClauseDiff]:
    """Clause by clause, matched by stable id: the clauses of `after` in order, then those
    removed from `before`."""
    old = {clause.id: (number, clause) for number, clause in before.numbered()}
    diffs: list[ClauseDiff] = []
    for number, clause in after.numbered():
        if clause.id not in old:
            added = (WordRun("insert", clause.text),)
            diffs.append(ClauseDiff(clause.id, Change.ADDED, None, number, added))
            continue
        old_number, old_clause = old[clause.id]
        runs = word_runs(old_clause.text, clause.text)
        if old_clause.text != clause.text:
            change = Change.CHANGED
        else:
            change = Change.UNCHANGED if old_number == number else Change.RENUMBERED
        diffs.append(ClauseDiff(clause.id, change, old_number, number, runs))
    kept = {clause.id for clause in after.clauses}
    diffs.extend(
        ClauseDiff(c.id, Change.REMOVED, n, None, (WordRun("delete", c.text),))
        for n, c in before.numbered()
        if c.id not in kept
    )
    return diffs


# --- comments and translations -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClauseComment:
    """A mediator's comment on a clause: private to the mediators."""

    id: str
    document_id: str
    clause_id: str
    member_id: str
    text: str
    made_at: datetime


@dataclass(frozen=True, slots=True)
class Translation:
    """A version in another language: never authoritative; says whence it came."""

    id: str
    document_id: str
    version_number: int
    # The hash of the authoritative version it translates.
    source_hash: str
    language: str
    clauses: tuple[Clause, ...]
    # Who translated, and how: "UN language services", "machine translation, unreviewed".
    provenance: str
    made_by: str
    made_at: datetime


def check_translation(version: Version, texts: Mapping[str, str], language: str) -> None:
    """A translation covers every clause of its version, and is in another language."""
    errors: list[FieldError] = []
    if check_language(language) == version.language:
        errors.append(FieldError("language", "is the version's authoritative language"))
    missing = [c.id for c in version.clauses if not texts.get(c.id, "").strip()]
    if missing:
        errors.append(FieldError("clauses", f"translate every clause; missing {len(missing)}"))
    if set(texts) - {c.id for c in version.clauses}:
        errors.append(FieldError("clauses", "names clauses the version does not have"))
    if errors:
        raise InvalidInputError(errors)


# --- endorsements ------------------------------------------------------------------------------

# How each endorsement value reads in a status line.
_VERBS: Final = {
    "endorse": "endorsed by",
    "reject": "rejected by",
    "counter_proposal": "rejected by",
    "abstain": "abstention of",
}
_ORDER: Final = ("endorse", "reject", "abstain")
ATTACHMENT_PREFIX: Final = "counter-proposal attached: commitment sha256 "
# Separates these commitments from any other SHA-256 of the same strings.
ATTACHMENT_DOMAIN: Final = "truce counter-proposal attachment v1"


@dataclass(frozen=True, slots=True)
class BodyDecision:
    """One body's latest valid endorsement decision, as the status reads it."""

    body_id: str
    value: str
    # True when it was made on an earlier version than the one shown.
    on_superseded_version: bool = False


def attachment_commitment(document_id: str, version_hash_: str) -> str:
    """What a counter-proposal's signed reasons say of its attached draft: a commitment to
    the draft's id and exact version, salted by the id itself. The id is random (uuid4) and
    only the delegation and the mediators may read the draft, so another delegation that
    reads the endorsement learns neither the draft's id nor can it test a guess at the
    draft's text against the version hash. Whoever holds the draft opens it
    (`opens_attachment`); the signature, over the reasons as written, stays verifiable."""
    opening = f"{ATTACHMENT_DOMAIN}\n{document_id}\n{version_hash_}".encode()
    return hashlib.sha256(opening).hexdigest()


def attachment_reasons(document_id: str, version_hash_: str, reasons: str) -> str:
    """The reasons of a counter-proposal, committing to the attached document's exact
    version without naming it."""
    commitment = attachment_commitment(document_id, version_hash_)
    return f"{ATTACHMENT_PREFIX}{commitment}\n{reasons}".rstrip()


def attachment_of(reasons: str) -> str | None:
    """The commitment a counter-proposal's reasons make to its attached draft, if any."""
    first = reasons.split("\n", 1)[0]
    if not first.startswith(ATTACHMENT_PREFIX):
        return None
    commitment = first.removeprefix(ATTACHMENT_PREFIX)
    return commitment if _is_sha256(commitment) else None


def opens_attachment(reasons: str, document_id: str, version_hash_: str) -> bool:
    """Do these reasons attach this version of this draft?"""
    commitment = attachment_of(reasons)
    return commitment is not None and hmac.compare_digest(
        commitment, attachment_commitment(document_id, version_hash_)
    )


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)  # noqa: PLR2004 - hex


def _names(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} and {labels[-1]}"


class StatusKind(StrEnum):
    """The kinds of clause an endorsement status is made of (`endorsement_parts`)."""

    ENDORSED = "endorse"
    REJECTED = "reject"
    ABSTAINED = "abstain"
    COUNTER_PROPOSAL_ATTACHED = "counter_proposal_attached"
    NO_CURRENT_ENDORSEMENT = "no_current_endorsement"
    NO_ENDORSEMENT_YET = "no_endorsement_yet"


@dataclass(frozen=True, slots=True)
class StatusPart:
    """One clause of a document's status: a decision and the bodies (by label) that made it,
    or a note. `superseded` clauses are decisions on an earlier version: they do not count.
    The entrypoints put the clauses into words in the reader's language."""

    kind: StatusKind
    bodies: tuple[str, ...] = ()
    superseded: bool = False


def endorsement_parts(
    decisions: Iterable[BodyDecision], label: Mapping[str, str], order: Sequence[str] = ()
) -> tuple[StatusPart, ...]:
    """The document's status derived from the set of decisions on its current version, clause
    by clause: bodies in `order` (the round's), decisions on a superseded version last."""
    rank = {body: index for index, body in enumerate(order)}
    ranked = sorted(decisions, key=lambda d: (rank.get(d.body_id, len(rank)), d.body_id))
    current = [d for d in ranked if not d.on_superseded_version]
    stale = [d for d in ranked if d.on_superseded_version]
    parts = _grouped(current, label, superseded=False)
    if any(d.value == "counter_proposal" for d in current):
        parts.append(StatusPart(StatusKind.COUNTER_PROPOSAL_ATTACHED))
    if stale and not parts:
        parts.append(StatusPart(StatusKind.NO_CURRENT_ENDORSEMENT))
    parts.extend(_grouped(stale, label, superseded=True))
    return tuple(parts) or (StatusPart(StatusKind.NO_ENDORSEMENT_YET),)


def endorsement_status(
    decisions: Iterable[BodyDecision], label: Mapping[str, str], order: Sequence[str] = ()
) -> str:
    """The status in English (the API, the CLI), e.g. "endorsed by Russia, Turkey and Iran;
    rejected by the opposition; counter-proposal attached"."""
    return status_in_english(endorsement_parts(decisions, label, order))


_NOTES: Final = {
    StatusKind.COUNTER_PROPOSAL_ATTACHED: "counter-proposal attached",
    StatusKind.NO_CURRENT_ENDORSEMENT: "no endorsement of the current version",
    StatusKind.NO_ENDORSEMENT_YET: "no endorsement yet",
}


def status_in_english(parts: Sequence[StatusPart]) -> str:
    current = [_english(p) for p in parts if not p.superseded]
    stale = [_english(p) for p in parts if p.superseded]
    if stale:
        current.append("on a superseded version: " + "; ".join(stale))
    return "; ".join(current)


def _english(part: StatusPart) -> str:
    if part.kind in _NOTES:
        return _NOTES[part.kind]
    return f"{_VERBS[part.kind]} {_names(list(part.bodies))}"


def _grouped(
    decisions: list[BodyDecision], label: Mapping[str, str], *, superseded: bool
) -> list[StatusPart]:
    groups: dict[str, list[str]] = {}
    for decision in decisions:
        verb = "reject" if decision.value == "counter_proposal" else decision.value
        groups.setdefault(verb, []).append(label.get(decision.body_id, decision.body_id))
    return [
        StatusPart(StatusKind(verb), tuple(groups[verb]), superseded)
        for verb in _ORDER
        if verb in groups
    ]
