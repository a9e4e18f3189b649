"""The record: a tamper-evident, append-only log (the pure core).

What is here, and why it is pure (standard library only, no I/O, no clock):

* Merkle hashing exactly as RFC 9162 section 2.1 (RFC 6962 section 2.1) defines it, so any
  Certificate Transparency tool can check our proofs: `leaf_hash`, `node_hash`,
  `root_from_leaves`.
* Proofs built from stored *complete subtrees* (`HashStore`), so a proof over a log of
  n entries reads O(log n) hashes instead of the whole log: `append_leaves`, `root`,
  `inclusion_proof`, `consistency_proof`, plus `MemoryHashStore`.
* The verifiers of RFC 9162 sections 2.1.3.2 and 2.1.4.2. They answer False for every bad
  input and never raise: a verifier that can be made to crash is a verifier that can be
  made to skip a check.
* Checkpoints (c2sp.org/tlog-checkpoint) inside signed notes (c2sp.org/signed-note), with
  key ids and verifier key strings. The signature algorithm itself lives in an adapter
  behind the `Signer` and `SignatureVerifier` protocols.
* The witness's decision (`decide_cosign`): co-sign a checkpoint only if it extends what
  the witness co-signed before; persistence of that state is an adapter's job.

Exceptions (raised only for programmer misuse or malformed text, never by verifiers):

    TruceError                       (truce.domain.errors)
    └── RecordError
        ├── TreeArgumentError        an index, size or hash that cannot describe this tree
        ├── MissingNodeError         the store has no hash for a requested subtree
        ├── AppendOnlyError          a write would change or skip a stored node
        ├── MalformedCheckpointError checkpoint text or fields break tlog-checkpoint
        ├── MalformedNoteError       note text breaks signed-note
        ├── MalformedKeyError        a key name, key id or verifier key string is invalid
        ├── NoteVerificationError    no valid signature from the expected key
        └── VerificationBusyError    a full verification is already running (throttle)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple, Protocol

from truce.domain.errors import TruceError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

HASH_SIZE = 32
"""Bytes in a SHA-256 digest: every leaf, node and root hash has this length."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) per RFC 9162 2.1.1: the root of the empty tree is the hash of the empty string."""

MAX_TREE_SIZE = 2**64 - 1
"""Largest size a checkpoint may carry: the uint64 of the reference Go implementations."""

MAX_NOTE_SIGNATURES = 100
"""Signed-note verifiers SHOULD cap signatures and MUST accept 16; 100 leaves room for witnesses."""

_FIRST_PRINTABLE = 0x20  # signed-note forbids every character below U+0020 except newline
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------


class RecordError(TruceError):
    """Base of the errors this module raises on purpose."""


class TreeArgumentError(RecordError):
    pass


class MissingNodeError(RecordError):
    pass


class AppendOnlyError(RecordError):
    pass


class MalformedCheckpointError(RecordError):
    pass


class MalformedNoteError(RecordError):
    pass


class MalformedKeyError(RecordError):
    pass


class NoteVerificationError(RecordError):
    pass


class VerificationBusyError(RecordError):
    """A full verification is already running; try again after `retry_after_seconds`."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("a verification of the whole record is already running")
        self.retry_after_seconds = retry_after_seconds


# --------------------------------------------------------------------------------------
# Hashing, as RFC 9162 2.1.1 defines it
# --------------------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry): the prefix keeps a leaf from posing as an interior node."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root_from_leaves(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH over all the leaf hashes, in one pass and O(log n) memory.

    The stack holds the roots of the complete subtrees seen so far, one per set bit of the
    count, largest first; folding it from the right gives exactly the RFC's recursive split
    at the largest power of two below n.
    """
    frontier: list[bytes] = []
    for position, leaf in enumerate(leaf_hashes):
        _require_hash(leaf, "leaf hash")
        _push_leaf(frontier, position, leaf, on_node=None)
    return _fold_right(frontier) if frontier else EMPTY_ROOT


def _push_leaf(
    frontier: list[bytes],
    position: int,
    leaf: bytes,
    on_node: list[Node] | None,
) -> None:
    """Add the leaf at `position` to the frontier, merging every subtree it completes.

    Each trailing one-bit of `position` is a complete left sibling on top of the stack;
    merging with it completes the parent. `on_node`, when given, collects each new node.
    """
    current, index, level = leaf, position, 0
    if on_node is not None:
        on_node.append(Node(0, position, leaf))
    while index & 1:
        current = node_hash(frontier.pop(), current)
        index >>= 1
        level += 1
        if on_node is not None:
            on_node.append(Node(level, index, current))
    frontier.append(current)


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine complete-subtree roots, listed left to right, into the root over their span."""
    current = hashes[-1]
    for left in reversed(hashes[:-1]):
        current = node_hash(left, current)
    return current


# --------------------------------------------------------------------------------------
# Stored complete subtrees
# --------------------------------------------------------------------------------------


class Node(NamedTuple):
    """A stored hash: the root of the complete subtree at `level` (0 = leaves), `position`.

    It covers leaves [position * 2**level, (position + 1) * 2**level). ("index" would be the
    natural name, but a tuple already has an `index` method.)
    """

    level: int
    position: int
    digest: bytes


class HashStore(Protocol):
    """Read access to the hashes of complete, aligned subtrees (level 0 is the leaves)."""

    def subtree(self, level: int, index: int) -> bytes:
        """Return the stored hash; raise MissingNodeError if there is none."""
        ...


def append_leaves(
    existing_size: int, new_leaf_hashes: Sequence[bytes], store: HashStore
) -> list[Node]:
    """Nodes to persist when `new_leaf_hashes` are appended to a log of `existing_size` leaves.

    Reads only the O(log n) subtree roots on the right edge of the existing tree. The result
    holds every leaf and every complete subtree the batch creates, so an adapter can store
    them in the same transaction as the entries and later serve any proof from them.
    """
    _require_count(existing_size, "existing_size")
    for leaf in new_leaf_hashes:
        _require_hash(leaf, "leaf hash")
    frontier = [store.subtree(level, index) for level, index in _pieces(0, existing_size)]
    created: list[Node] = []
    for offset, leaf in enumerate(new_leaf_hashes):
        _push_leaf(frontier, existing_size + offset, leaf, on_node=created)
    return created


def root(size: int, store: HashStore) -> bytes:
    """MTH of the first `size` leaves, from at most log2(size) + 1 stored hashes."""
    _require_count(size, "size")
    return _range_hash(store, 0, size) if size else EMPTY_ROOT


def inclusion_proof(index: int, size: int, store: HashStore) -> list[bytes]:
    """PATH(index, D[size]) per RFC 9162 2.1.3.1, deepest sibling first.

    Walks down from the root: each step keeps the half holding the leaf and records the
    other half's hash. A left half is always complete (one read); only the first right half
    can be a ragged right edge, computed from its complete pieces.
    """
    _require_count(size, "size")
    if not _is_count(index) or index >= size:
        raise TreeArgumentError(f"leaf index {index!r} is outside a tree of size {size}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _largest_power_of_two_below(end - start)
        if index < middle:
            siblings.append(_range_hash(store, middle, end))
            end = middle
        else:
            siblings.append(_range_hash(store, start, middle))
            start = middle
    siblings.reverse()
    return siblings


def consistency_proof(old_size: int, new_size: int, store: HashStore) -> list[bytes]:
    """PROOF(old_size, D[new_size]) per RFC 9162 2.1.4.1, deepest node first.

    The empty tree is a prefix of every tree, so old_size 0 needs no proof; nor does an
    unchanged size.
    """
    _require_count(old_size, "old_size")
    _require_count(new_size, "new_size")
    if old_size > new_size:
        raise TreeArgumentError(f"old size {old_size} is larger than new size {new_size}")
    if old_size in {0, new_size}:
        return []
    nodes: list[bytes] = []
    start, end, old_is_whole_subtree = 0, new_size, True
    while old_size != end:
        middle = start + _largest_power_of_two_below(end - start)
        if old_size <= middle:
            nodes.append(_range_hash(store, middle, end))
            end = middle
        else:
            nodes.append(_range_hash(store, start, middle))
            start, old_is_whole_subtree = middle, False
    if not old_is_whole_subtree:
        # SUBPROOF(m, D[m], false): the old tree is not a subtree the verifier already has
        # as its root, so the proof must carry the hash of this node too.
        nodes.append(_range_hash(store, start, end))
    nodes.reverse()
    return nodes


def find_divergence(leaf_hashes: Iterable[bytes], store: HashStore) -> int | None:
    """Where the store stops matching the given leaves, as a leaf index; None if it matches.

    Replays the appends in log order, recomputing each node as it is completed and comparing
    it with the stored one. The first mismatch names its leaf (a changed entry or leaf
    hash), or the first leaf under a changed or missing interior node. Leaves the store
    holds beyond the given ones are not examined: compare sizes separately.
    """
    frontier: list[bytes] = []
    for position, leaf in enumerate(leaf_hashes):
        _require_hash(leaf, "leaf hash")
        created: list[Node] = []
        _push_leaf(frontier, position, leaf, on_node=created)
        for node in created:
            if not _stored_equals(store, node):
                return node.position << node.level
    return None


def complete_levels(packed_leaf_hashes: bytes) -> list[bytes]:
    """Every complete subtree hash over the given leaves, computed level by level.

    `packed_leaf_hashes` is the leaf hashes end to end. Element L of the result holds the
    (n >> L) hashes of level L end to end, exactly the nodes `append_leaves` stores, so a
    verifier compares a whole level at once. One tight loop of SHA-256 per level: an auditor
    recomputing a million-entry log does about a million hashes and little else.
    """
    if not isinstance(packed_leaf_hashes, bytes) or len(packed_leaf_hashes) % HASH_SIZE:
        raise TreeArgumentError(f"leaf hashes must be packed {HASH_SIZE}-byte hashes")
    levels = [packed_leaf_hashes]
    current = packed_leaf_hashes
    pair, sha256, prefix = 2 * HASH_SIZE, hashlib.sha256, _NODE_PREFIX
    while len(current) >= pair:
        end = len(current) - len(current) % pair
        current = b"".join(
            [sha256(prefix + current[i : i + pair]).digest() for i in range(0, end, pair)]
        )
        levels.append(current)
    return levels


def _stored_equals(store: HashStore, node: Node) -> bool:
    try:
        return store.subtree(node.level, node.position) == node.digest
    except MissingNodeError:
        return False


def _range_hash(store: HashStore, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range the RFC recursion produces (start aligned to its size)."""
    return _fold_right(
        [store.subtree(level, index) for level, index in _pieces(start, end - start)]
    )


def _pieces(start: int, count: int) -> Iterator[tuple[int, int]]:
    """(level, index) of the complete subtrees covering [start, start + count), left to right.

    One piece per set bit of `count`, largest first; each begins where the previous ended,
    which is aligned to its own size whenever `start` is (true for every range a proof uses).
    """
    offset = start
    for level in reversed(range(count.bit_length())):
        if count >> level & 1:
            yield level, offset >> level
            offset += 1 << level


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _require_count(value: object, what: str) -> None:
    if not _is_count(value):
        raise TreeArgumentError(f"{what} must be a non-negative integer, got {value!r}")


def _require_hash(value: object, what: str) -> None:
    if not _is_hash(value):
        raise TreeArgumentError(f"{what} must be {HASH_SIZE} bytes, got {value!r}")


def _is_count(value: object) -> bool:
    # bool is an int subclass; True as a tree size is a bug, not a size of 1.
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


class MemoryHashStore:
    """An in-memory HashStore: per level, the node hashes packed end to end in a bytearray.

    Packing (32 bytes a node, about 64 bytes a leaf in all) rather than a dict of objects
    keeps a million-entry log near 64 MB. Writes must arrive in order, one past the last
    node of their level, which is how `append_leaves` produces them; anything else would
    rewrite or skip history and is refused.
    """

    def __init__(self) -> None:
        self._levels: dict[int, bytearray] = {}

    @classmethod
    def from_levels(cls, levels: Sequence[bytes]) -> MemoryHashStore:
        """A store holding the packed levels `complete_levels` computed."""
        store = cls()
        store._levels = {level: bytearray(packed) for level, packed in enumerate(levels)}
        return store

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        return self._count(0)

    def subtree(self, level: int, index: int) -> bytes:
        packed = self._levels.get(level)
        if packed is None or not 0 <= index < len(packed) // HASH_SIZE:
            raise MissingNodeError(f"no stored subtree at level {level}, index {index}")
        start = index * HASH_SIZE
        return bytes(packed[start : start + HASH_SIZE])

    def store_nodes(self, nodes: Iterable[Node | tuple[int, int, bytes]]) -> None:
        """Store a batch of nodes, all or none (as the SQL adapter's transaction would)."""
        lengths = {level: len(packed) for level, packed in self._levels.items()}
        try:
            for level, index, digest in nodes:
                self._append_node(level, index, digest)
        except BaseException:
            self._truncate(lengths)
            raise

    def _append_node(self, level: int, index: int, digest: bytes) -> None:
        _require_hash(digest, "node hash")
        packed = self._levels.get(level)
        if packed is None:
            packed = self._levels[level] = bytearray()
        if index * HASH_SIZE != len(packed):
            raise AppendOnlyError(
                f"node at level {level}, index {index} would not be appended "
                f"(the next index at that level is {len(packed) // HASH_SIZE})"
            )
        packed += digest

    def _truncate(self, lengths: dict[int, int]) -> None:
        for level in list(self._levels):
            if level in lengths:
                del self._levels[level][lengths[level] :]
            else:
                del self._levels[level]

    def append(self, leaf_hashes: Sequence[bytes]) -> list[Node]:
        """Append a batch of leaves; returns the nodes written, as an adapter would store them."""
        nodes = append_leaves(self.size, leaf_hashes, self)
        self.store_nodes(nodes)
        return nodes

    def _count(self, level: int) -> int:
        return len(self._levels.get(level, b"")) // HASH_SIZE


# --------------------------------------------------------------------------------------
# Verifiers of RFC 9162 2.1.3.2 and 2.1.4.2: False on any bad input, never an exception
# --------------------------------------------------------------------------------------


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> bool:
    """True only if `proof` puts `leaf` at `index` in the tree of `size` leaves and `root_hash`."""
    if not (_is_count(index) and _is_count(size) and _is_hash(leaf) and _is_hash(root_hash)):
        return False
    if index >= size or not _all_hashes(proof):
        return False
    computed = _root_from_path(index, size - 1, leaf, proof)
    return computed is not None and computed == root_hash


def _root_from_path(index: int, last: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """Steps 2-5 of RFC 9162 2.1.3.2: the root the proof implies, or None if its length is wrong.

    `fn` is the node's index at the current level and `sn` the index of the last node at
    that level; the proof must run out exactly when `sn` reaches 0 (the root's level).
    """
    fn, sn, computed = index, last, leaf
    for sibling in proof:
        if sn == 0:
            return None  # more elements than levels: trailing garbage
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            fn, sn = _skip_missing_right_siblings(fn, sn)
        else:
            computed = node_hash(computed, sibling)
        fn, sn = fn >> 1, sn >> 1
    return computed if sn == 0 else None


def _skip_missing_right_siblings(fn: int, sn: int) -> tuple[int, int]:
    """Climb past levels where the node is a left child with no right sibling (ragged edge)."""
    while fn and not fn & 1:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """True only if `proof` shows (old_size, old_root) is a prefix of (new_size, new_root)."""
    if not (
        _is_count(old_size) and _is_count(new_size) and _is_hash(old_root) and _is_hash(new_root)
    ):
        return False
    if old_size > new_size or not _all_hashes(proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        # Every tree extends the empty one; there is nothing to prove, so nothing is accepted.
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    return _check_consistency_path(old_size, new_size, old_root, new_root, proof)


def _check_consistency_path(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """Steps 2-7 of RFC 9162 2.1.4.2: rebuild both roots from the same path."""
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # A power-of-two old tree is a complete subtree: the verifier already knows its hash.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old_computed = new_computed = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_computed = node_hash(node, old_computed)
            new_computed = node_hash(node, new_computed)
            fn, sn = _skip_missing_right_siblings(fn, sn)
        else:
            new_computed = node_hash(new_computed, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and old_computed == old_root and new_computed == new_root


def _all_hashes(proof: object) -> bool:
    # A str or bytes is a Sequence too, of characters or ints: never a list of hashes.
    if isinstance(proof, (str, bytes)) or not isinstance(proof, Sequence):
        return False
    return all(_is_hash(element) for element in proof)


# --------------------------------------------------------------------------------------
# Checkpoints, as c2sp.org/tlog-checkpoint defines them
# --------------------------------------------------------------------------------------

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_B64_HASH_LENGTH = 44  # base64 of 32 bytes, padded


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's signed tree head: who (origin), how many entries (size), and the root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _require_line(self.origin, "origin", MalformedCheckpointError)
        if not _is_count(self.size) or self.size > MAX_TREE_SIZE:
            raise MalformedCheckpointError(
                f"size must be an integer in [0, 2**64), got {self.size!r}"
            )
        if not _is_hash(self.root):
            raise MalformedCheckpointError(f"root must be {HASH_SIZE} bytes, got {self.root!r}")
        if not isinstance(self.extensions, tuple):
            raise MalformedCheckpointError("extensions must be a tuple of lines")
        for line in self.extensions:
            _require_line(line, "extension line", MalformedCheckpointError)

    def body(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each ending in "\\n"."""
        lines = [self.origin, str(self.size), _b64(self.root), *self.extensions]
        return "".join(f"{line}\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint text strictly; raise MalformedCheckpointError naming the fault."""
    if not isinstance(text, str):
        raise MalformedCheckpointError("checkpoint text must be a str")
    if not text.endswith("\n"):
        raise MalformedCheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:  # noqa: PLR2004 - origin, size and root are the three mandatory lines
        raise MalformedCheckpointError("checkpoint needs origin, size and root lines")
    for number, line in enumerate(lines, start=1):
        if not line:
            raise MalformedCheckpointError(f"checkpoint line {number} is empty")
    origin, size_line, root_line, *extensions = lines
    return Checkpoint(origin, _parse_size(size_line), _parse_root(root_line), tuple(extensions))


def _parse_size(line: str) -> int:
    if len(line) > len(str(MAX_TREE_SIZE)) or not _DECIMAL.fullmatch(line):
        raise MalformedCheckpointError(f"size {line!r} is not a decimal without leading zeros")
    return int(line)


def _parse_root(line: str) -> bytes:
    if len(line) != _B64_HASH_LENGTH:
        raise MalformedCheckpointError(f"root {line!r} is not the base64 of {HASH_SIZE} bytes")
    try:
        return _strict_b64decode(line)
    except ValueError as error:
        raise MalformedCheckpointError(f"root {line!r} is not valid base64") from error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _strict_b64decode(text: str) -> bytes:
    """Standard base64 with padding, and only its one canonical spelling.

    `validate=True` refuses characters outside the alphabet; the round trip refuses
    non-zero padding bits, so one value never has two accepted encodings.
    """
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error) as error:
        raise ValueError(str(error)) from error
    if _b64(data) != text:
        raise ValueError("non-canonical base64")
    return data


def _require_line(value: object, what: str, error: type[RecordError]) -> None:
    """A non-empty str with no newline nor any other character a signed note forbids."""
    if not isinstance(value, str) or not value:
        raise error(f"{what} must be a non-empty str, got {value!r}")
    if _has_control_character(value, allow_newline=False):
        raise error(f"{what} {value!r} contains a newline or control character")


def _has_control_character(text: str, *, allow_newline: bool) -> bool:
    # signed-note: no ASCII control characters other than newline anywhere in a note.
    allowed = "\n" if allow_newline else ""
    return any(ord(c) < _FIRST_PRINTABLE and c not in allowed for c in text)


# --------------------------------------------------------------------------------------
# Signed notes, as c2sp.org/signed-note defines them
# --------------------------------------------------------------------------------------

_SIGNATURE_PREFIX = "\N{EM DASH} "
_KEY_ID_SIZE = 4
ED25519_ALGORITHM = 0x01
"""The signed-note signature type byte for Ed25519."""
ED25519_PUBLIC_KEY_SIZE = 32


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: the key's name, its 4-byte id and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        _require_key_name(self.name)
        if not isinstance(self.key_id, bytes) or len(self.key_id) != _KEY_ID_SIZE:
            raise MalformedKeyError(f"key id must be {_KEY_ID_SIZE} bytes, got {self.key_id!r}")
        if not isinstance(self.signature, bytes) or not self.signature:
            raise MalformedNoteError("signature must be non-empty bytes")

    def line(self) -> str:
        return f"{_SIGNATURE_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A parsed note: the signed text (with its final newline) and its signature lines."""

    body: str
    signatures: tuple[NoteSignature, ...]


class Signer(Protocol):
    """Signs note text with one key; the adapter holds the private key."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class SignatureVerifier(Protocol):
    """Checks one signature; must answer False, not raise, for anything invalid."""

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool: ...


def format_signed_note(body: str, signatures: Sequence[NoteSignature]) -> str:
    """The note text, a blank line, then one "— name base64(key id || signature)" line each."""
    _require_note_body(body)
    if not signatures:
        raise MalformedNoteError("a signed note needs at least one signature")
    if len(signatures) > MAX_NOTE_SIGNATURES:
        raise MalformedNoteError(
            f"a signed note may carry at most {MAX_NOTE_SIGNATURES} signatures"
        )
    return body + "\n" + "".join(signature.line() for signature in signatures)


def parse_signed_note(text: str) -> SignedNote:
    """Split a note at its last blank line and parse every signature line strictly."""
    if not isinstance(text, str):
        raise MalformedNoteError("note must be a str")
    if _has_control_character(text, allow_newline=True):
        raise MalformedNoteError("note contains a control character other than newline")
    separator = text.rfind("\n\n")
    if separator < 0:
        raise MalformedNoteError("note has no blank line before its signatures")
    body, block = text[: separator + 1], text[separator + 2 :]
    if not block:
        raise MalformedNoteError("note has no signature lines")
    if not block.endswith("\n"):
        raise MalformedNoteError("the last signature line must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise MalformedNoteError(f"note carries more than {MAX_NOTE_SIGNATURES} signatures")
    return SignedNote(body, tuple(_parse_signature_line(line) for line in lines))


def _parse_signature_line(line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise MalformedNoteError(
            f"signature line {line!r} does not start with an em dash and space"
        )
    name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise MalformedNoteError(f"signature line {line!r} has no space before the signature")
    try:
        raw = _strict_b64decode(encoded)
    except ValueError as error:
        raise MalformedNoteError(f"signature in line {line!r} is not valid base64") from error
    if len(raw) <= _KEY_ID_SIZE:
        raise MalformedNoteError(
            f"signature in line {line!r} is too short for key id and signature"
        )
    return NoteSignature(name, raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:])


def _require_note_body(body: object) -> None:
    if not isinstance(body, str) or not body.endswith("\n"):
        raise MalformedNoteError("note text must be a str ending with a newline")
    if _has_control_character(body, allow_newline=True):
        raise MalformedNoteError("note text contains a control character other than newline")


def sign_note(body: str, signers: Sequence[Signer]) -> str:
    """Sign the note text (its UTF-8 bytes, final newline included) with each signer."""
    _require_note_body(body)
    message = body.encode("utf-8")
    signatures = [
        NoteSignature(signer.name, signer.key_id, signer.sign(message)) for signer in signers
    ]
    return format_signed_note(body, signatures)


def add_signatures(note: str, signers: Sequence[Signer]) -> str:
    """Append signatures over an existing note's text (how a witness co-signs)."""
    parsed = parse_signed_note(note)
    message = parsed.body.encode("utf-8")
    added = [NoteSignature(signer.name, signer.key_id, signer.sign(message)) for signer in signers]
    return format_signed_note(parsed.body, [*parsed.signatures, *added])


# --------------------------------------------------------------------------------------
# Keys: names, ids, verifier key strings
# --------------------------------------------------------------------------------------

_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A trusted Ed25519 key as a note verifier knows it: "name+hex(key id)+base64(0x01||key)"."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        _require_key_name(self.name)
        _require_public_key(self.public_key)
        if self.key_id != ed25519_key_id(self.name, self.public_key):
            raise MalformedKeyError(f"key id {self.key_id!r} does not match key {self.name!r}")

    def encode(self) -> str:
        key_data = _b64(bytes([ED25519_ALGORITHM]) + self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{key_data}"


def ed25519_key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || public key)[:4], as signed-note recommends."""
    _require_key_name(name)
    _require_public_key(public_key)
    material = name.encode("utf-8") + b"\n" + bytes([ED25519_ALGORITHM]) + public_key
    return hashlib.sha256(material).digest()[:_KEY_ID_SIZE]


def encode_verifier_key(name: str, public_key: bytes) -> str:
    return VerifierKey(name, ed25519_key_id(name, public_key), public_key).encode()


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse "name+hex(key id)+base64(0x01 || key)"; the id must match the name and key."""
    if not isinstance(text, str):
        raise MalformedKeyError("verifier key must be a str")
    # Split at the first two "+" only: names cannot hold one, but base64 key data can.
    parts = text.split("+", 2)
    if len(parts) != 3:  # noqa: PLR2004 - name, key id and key data
        raise MalformedKeyError("verifier key must be name+keyid+keydata")
    name, key_id_hex, key_data = parts
    if not _KEY_ID_HEX.fullmatch(key_id_hex):
        raise MalformedKeyError(f"key id {key_id_hex!r} is not 8 lowercase hex digits")
    try:
        raw = _strict_b64decode(key_data)
    except ValueError as error:
        raise MalformedKeyError("verifier key data is not valid base64") from error
    if len(raw) != 1 + ED25519_PUBLIC_KEY_SIZE or raw[0] != ED25519_ALGORITHM:
        raise MalformedKeyError("verifier key data is not 0x01 followed by a 32-byte Ed25519 key")
    return VerifierKey(name, bytes.fromhex(key_id_hex), raw[1:])


def verify_note(text: str, key: VerifierKey, verifier: SignatureVerifier) -> str:
    """Return the note text if `key` signed it; raise otherwise.

    Per signed-note: signatures from other keys (another name or another id) are ignored;
    every signature from this key must verify, and at least one must be present.
    """
    note = parse_signed_note(text)
    ours = [s for s in note.signatures if s.name == key.name and s.key_id == key.key_id]
    if not ours:
        raise NoteVerificationError(f"note carries no signature from key {key.name!r}")
    message = note.body.encode("utf-8")
    for signature in ours:
        if not verifier.verify(key.public_key, message, signature.signature):
            raise NoteVerificationError(f"signature from key {key.name!r} does not verify")
    return note.body


def _require_key_name(name: object) -> None:
    """signed-note: non-empty, no Unicode space, no "+" (and, like all note text, no controls)."""
    if not isinstance(name, str) or not name:
        raise MalformedKeyError(f"key name must be a non-empty str, got {name!r}")
    if any(c.isspace() or c == "+" for c in name) or _has_control_character(
        name, allow_newline=False
    ):
        raise MalformedKeyError(
            f"key name {name!r} contains a space, a plus or a control character"
        )


def _require_public_key(public_key: object) -> None:
    if not isinstance(public_key, bytes) or len(public_key) != ED25519_PUBLIC_KEY_SIZE:
        raise MalformedKeyError(f"Ed25519 public key must be {ED25519_PUBLIC_KEY_SIZE} bytes")


# --------------------------------------------------------------------------------------
# Witness decision
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WitnessState:
    """The latest checkpoint a witness co-signed for one log."""

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        # Same rules as a checkpoint: a state is only ever made from one.
        Checkpoint(self.origin, self.size, self.root)

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> WitnessState:
        return cls(checkpoint.origin, checkpoint.size, checkpoint.root)


class RefusalReason(StrEnum):
    ORIGIN_MISMATCH = "origin mismatch"
    ROLLBACK = "rollback"
    FORK = "fork"
    INCONSISTENT = "inconsistent"


@dataclass(frozen=True, slots=True)
class Cosign:
    """Co-sign, after persisting `state` (so a crash cannot forget what was signed)."""

    state: WitnessState


@dataclass(frozen=True, slots=True)
class Refuse:
    reason: RefusalReason
    detail: str


def decide_cosign(
    state: WitnessState | None,
    checkpoint: Checkpoint,
    consistency_proof: Sequence[bytes],
) -> Cosign | Refuse:
    """Whether a witness may co-sign `checkpoint`, given what it co-signed before.

    The witness promises never to co-sign two views of one log: each checkpoint must extend
    the last one it signed, proven by a consistency proof. The first checkpoint of a log is
    taken on trust (there is nothing to compare it with). Co-signing the same checkpoint
    again is allowed and leaves the state unchanged, so a retried request is harmless.
    """
    if state is None:
        return Cosign(WitnessState.of(checkpoint))
    if checkpoint.origin != state.origin:
        return Refuse(
            RefusalReason.ORIGIN_MISMATCH,
            f"checkpoint is for {checkpoint.origin!r}, state is for {state.origin!r}",
        )
    if checkpoint.size < state.size:
        return Refuse(
            RefusalReason.ROLLBACK,
            f"size {checkpoint.size} is smaller than the co-signed size {state.size}",
        )
    if checkpoint.size == state.size:
        return _decide_same_size(state, checkpoint)
    if not verify_consistency(
        state.size, checkpoint.size, state.root, checkpoint.root, consistency_proof
    ):
        return Refuse(
            RefusalReason.INCONSISTENT,
            f"no valid consistency proof from size {state.size} to size {checkpoint.size}",
        )
    return Cosign(WitnessState.of(checkpoint))


def _decide_same_size(state: WitnessState, checkpoint: Checkpoint) -> Cosign | Refuse:
    if checkpoint.root != state.root:
        return Refuse(RefusalReason.FORK, f"a different root at the co-signed size {state.size}")
    return Cosign(state)
