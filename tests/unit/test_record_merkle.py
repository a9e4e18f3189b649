"""S4 and S5: the record proves inclusion and cannot be rewritten.

Reference vectors are the RFC 6962 / RFC 9162 eight-leaf test tree that Certificate
Transparency implementations share (transparency-dev/merkle, proof/verify_test.go).
"""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.domain.record import (
    EMPTY_ROOT,
    AppendOnlyError,
    MemoryHashStore,
    MissingNodeError,
    TreeArgumentError,
    append_leaves,
    consistency_proof,
    find_divergence,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)

# --------------------------------------------------------------------------------------
# The reference tree
# --------------------------------------------------------------------------------------

LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
LEAVES = [leaf_hash(entry) for entry in LEAF_INPUTS]

ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}

# (leaf index, tree size) -> audit path, deepest first.
INCLUSION_VECTORS = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (0, 1): [],
}

# (old size, new size) -> consistency proof.
CONSISTENCY_VECTORS = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (6, 7): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}

SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def h(hex_digest: str) -> bytes:
    return bytes.fromhex(hex_digest)


def reference_store() -> MemoryHashStore:
    store = MemoryHashStore()
    store.append(LEAVES[:3])  # two batches: the second must complete subtrees the first began
    store.append(LEAVES[3:])
    return store


# --------------------------------------------------------------------------------------
# Naive RFC 9162 definitions, written straight from the text, for differential tests
# --------------------------------------------------------------------------------------


def split_point(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(naive_mth(leaves[:k]), naive_mth(leaves[k:]))


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = split_point(len(leaves))
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], *, whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_mth(leaves)]
    k = split_point(n)
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole=whole), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], whole=False), naive_mth(leaves[:k])]


# --------------------------------------------------------------------------------------
# Reference vectors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_roots_of_the_reference_tree(size):
    store = reference_store()
    assert root(size, store).hex() == ROOTS[size]
    assert root_from_leaves(LEAVES[:size]).hex() == ROOTS[size]


def test_the_empty_tree_hashes_the_empty_string():
    expected = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert EMPTY_ROOT.hex() == expected
    assert root(0, MemoryHashStore()).hex() == expected
    assert root_from_leaves([]).hex() == expected


def test_leaf_and_node_hashes_are_domain_separated():
    assert leaf_hash(b"").hex() == ROOTS[1]
    assert node_hash(LEAVES[0], LEAVES[1]).hex() == ROOTS[2]
    assert leaf_hash(LEAVES[0] + LEAVES[1]) != node_hash(LEAVES[0], LEAVES[1])


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION_VECTORS))
def test_inclusion_proofs_of_the_reference_tree(index, size):
    expected = [h(x) for x in INCLUSION_VECTORS[index, size]]
    proof = inclusion_proof(index, size, reference_store())
    assert proof == expected
    assert verify_inclusion(LEAVES[index], index, size, proof, h(ROOTS[size]))


@pytest.mark.parametrize(("old", "new"), sorted(CONSISTENCY_VECTORS))
def test_consistency_proofs_of_the_reference_tree(old, new):
    expected = [h(x) for x in CONSISTENCY_VECTORS[old, new]]
    proof = consistency_proof(old, new, reference_store())
    assert proof == expected
    assert verify_consistency(old, new, h(ROOTS[old]), h(ROOTS[new]), proof)


def inclusion_probes(index, size, proof, root_hash, leaf):
    """The corruptions of transparency-dev/merkle's verifier tests, as (description, args)."""
    probes = [
        ("index - 1", (leaf, index - 1, size, proof, root_hash)),
        ("index + 1", (leaf, index + 1, size, proof, root_hash)),
        ("index ^ 2", (leaf, index ^ 2, size, proof, root_hash)),
        ("size * 2", (leaf, index, size * 2, proof, root_hash)),
        ("size // 2", (leaf, index, size // 2, proof, root_hash)),
        ("wrong leaf", (leaf_hash(b"WrongLeaf"), index, size, proof, root_hash)),
        ("empty root", (leaf, index, size, proof, EMPTY_ROOT)),
        ("random root", (leaf, index, size, proof, SOME_HASH)),
        ("trailing empty", (leaf, index, size, [*proof, b""], root_hash)),
        ("trailing root", (leaf, index, size, [*proof, root_hash], root_hash)),
        ("preceding empty", (leaf, index, size, [b"", *proof], root_hash)),
        ("preceding root", (leaf, index, size, [root_hash, *proof], root_hash)),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((f"proof[{i}] bit 3 flipped", (leaf, index, size, flipped, root_hash)))
    if proof:
        probes.append(("removed element", (leaf, index, size, proof[:-1], root_hash)))
    if len(proof) > 1:
        inserted = [proof[0], SOME_HASH, *proof[1:]]
        probes.append(("inserted element", (leaf, index, size, inserted, root_hash)))
    return probes


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION_VECTORS))
def test_corrupted_reference_inclusion_proofs_fail(index, size):
    proof = [h(x) for x in INCLUSION_VECTORS[index, size]]
    probes = inclusion_probes(index, size, proof, h(ROOTS[size]), LEAVES[index])
    accepted = [name for name, args in probes if verify_inclusion(*args)]
    assert accepted == []


def consistency_probes(old, new, proof, old_root, new_root):
    probes = [
        ("old - 1", (old - 1, new, old_root, new_root, proof)),
        ("old + 1", (old + 1, new, old_root, new_root, proof)),
        ("old ^ 2", (old ^ 2, new, old_root, new_root, proof)),
        ("new * 2", (old, new * 2, old_root, new_root, proof)),
        ("new // 2", (old, new // 2, old_root, new_root, proof)),
        ("wrong old root", (old, new, SOME_HASH, new_root, proof)),
        ("wrong new root", (old, new, old_root, SOME_HASH, proof)),
        ("swapped roots", (old, new, new_root, old_root, proof)),
        ("empty proof", (old, new, old_root, new_root, [])),
        ("trailing empty", (old, new, old_root, new_root, [*proof, b""])),
        ("trailing old root", (old, new, old_root, new_root, [*proof, old_root])),
        ("trailing new root", (old, new, old_root, new_root, [*proof, new_root])),
        ("preceding empty", (old, new, old_root, new_root, [b"", *proof])),
        ("preceding old root", (old, new, old_root, new_root, [old_root, *proof])),
        ("preceding new root", (old, new, old_root, new_root, [new_root, *proof])),
        ("preceding proof[0]", (old, new, old_root, new_root, [proof[0], *proof])),
        ("truncated", (old, new, old_root, new_root, proof[:-1])),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((f"proof[{i}] bit 4 flipped", (old, new, old_root, new_root, flipped)))
    return probes


@pytest.mark.parametrize(
    ("old", "new"), [pair for pair in sorted(CONSISTENCY_VECTORS) if pair[0] < pair[1]]
)
def test_corrupted_reference_consistency_proofs_fail(old, new):
    proof = [h(x) for x in CONSISTENCY_VECTORS[old, new]]
    probes = consistency_probes(old, new, proof, h(ROOTS[old]), h(ROOTS[new]))
    accepted = [name for name, args in probes if verify_consistency(*args)]
    assert accepted == []


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof", "expected"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 5, EMPTY_ROOT, h(ROOTS[5]), [], True),
        (1, 1, h(ROOTS[1]), h(ROOTS[1]), [], True),
        (0, 0, EMPTY_ROOT, SOME_HASH, [], False),  # same size, different roots
        (1, 1, h(ROOTS[1]), h(ROOTS[2]), [], False),
        (0, 5, SOME_HASH, h(ROOTS[5]), [], False),  # a size-0 tree has only one root
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),  # roots match, proof not empty
        (0, 1, EMPTY_ROOT, h(ROOTS[1]), [EMPTY_ROOT], False),
        (1, 1, h(ROOTS[1]), h(ROOTS[1]), [EMPTY_ROOT], False),
        (1, 0, h(ROOTS[1]), EMPTY_ROOT, [], False),  # time travel to the past
        (2, 1, h(ROOTS[2]), h(ROOTS[1]), [], False),
        (1, 2, h(ROOTS[1]), h(ROOTS[2]), [], False),  # growth needs a proof
    ],
)
def test_consistency_edge_cases(old, new, old_root, new_root, proof, expected):
    assert verify_consistency(old, new, old_root, new_root, proof) is expected


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (1, 1), (2, 1), (-1, 1)])
def test_inclusion_with_an_index_outside_the_tree_fails(index, size):
    for root_hash in (EMPTY_ROOT, LEAVES[0]):
        assert not verify_inclusion(LEAVES[0], index, size, [], root_hash)


def test_single_leaf_inclusion_checks_hash_lengths():
    assert verify_inclusion(LEAVES[0], 0, 1, [], LEAVES[0])
    assert not verify_inclusion(b"", 0, 1, [], LEAVES[0])
    assert not verify_inclusion(LEAVES[0], 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], b"")


GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.lists(st.one_of(st.binary(max_size=40), st.integers(), st.none()), max_size=5),
)


@given(leaf=GARBAGE, index=GARBAGE, size=GARBAGE, proof=GARBAGE, root_hash=GARBAGE)
def test_verify_inclusion_answers_false_to_garbage_without_raising(
    leaf, index, size, proof, root_hash
):
    assert verify_inclusion(leaf, index, size, proof, root_hash) is False


@given(old=GARBAGE, new=GARBAGE, old_root=GARBAGE, new_root=GARBAGE, proof=GARBAGE)
def test_verify_consistency_answers_false_to_garbage_without_raising(
    old, new, old_root, new_root, proof
):
    result = verify_consistency(old, new, old_root, new_root, proof)
    # The one true answer garbage can reach: two equal empty-looking trees with no proof.
    assert result is False or (old == new and old_root == new_root and proof == [])


def test_booleans_are_not_sizes():
    assert not verify_inclusion(LEAVES[0], index=False, size=True, proof=[], root_hash=LEAVES[0])


# --------------------------------------------------------------------------------------
# Properties over random trees
# --------------------------------------------------------------------------------------

MAX_SIZE = 300
BIG_LEAVES = [leaf_hash(i.to_bytes(4, "big")) for i in range(MAX_SIZE)]
BIG_STORE = MemoryHashStore()
BIG_STORE.append(BIG_LEAVES)


@st.composite
def inclusion_cases(draw):
    size = draw(st.integers(min_value=1, max_value=MAX_SIZE))
    index = draw(st.integers(min_value=0, max_value=size - 1))
    return index, size


@st.composite
def consistency_cases(draw, *, strict=True):
    new = draw(st.integers(min_value=2 if strict else 0, max_value=MAX_SIZE))
    old = draw(st.integers(min_value=1 if strict else 0, max_value=new - 1 if strict else new))
    return old, new


@given(case=inclusion_cases())
def test_every_inclusion_proof_verifies(case):
    index, size = case
    proof = inclusion_proof(index, size, BIG_STORE)
    assert verify_inclusion(BIG_LEAVES[index], index, size, proof, root(size, BIG_STORE))


@given(case=consistency_cases(strict=False))
def test_every_consistency_proof_verifies(case):
    old, new = case
    proof = consistency_proof(old, new, BIG_STORE)
    assert verify_consistency(old, new, root(old, BIG_STORE), root(new, BIG_STORE), proof)


def flip_bit(proof, data):
    position = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="element")
    bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")
    element = bytearray(proof[position])
    element[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:position], bytes(element), *proof[position + 1 :]]


INCLUSION_MUTATIONS = {
    "index + 1": lambda c, _: {**c, "index": c["index"] + 1},
    "index - 1": lambda c, _: {**c, "index": c["index"] - 1},
    "size * 2": lambda c, _: {**c, "size": c["size"] * 2},
    "size // 2": lambda c, _: {**c, "size": c["size"] // 2},
    "bit flipped": lambda c, data: {**c, "proof": flip_bit(c["proof"], data)},
    "truncated": lambda c, _: {**c, "proof": c["proof"][:-1]},
    "extended at the end": lambda c, _: {**c, "proof": [*c["proof"], SOME_HASH]},
    "extended at the start": lambda c, _: {**c, "proof": [SOME_HASH, *c["proof"]]},
    "emptied": lambda c, _: {**c, "proof": []},
}
NEEDS_NON_EMPTY = {"bit flipped", "truncated", "emptied"}


@pytest.mark.parametrize("mutation", sorted(INCLUSION_MUTATIONS))
@given(case=inclusion_cases(), data=st.data())
def test_every_mutated_inclusion_proof_fails(mutation, case, data):
    index, size = case
    proof = inclusion_proof(index, size, BIG_STORE)
    if mutation in NEEDS_NON_EMPTY and not proof:
        proof = inclusion_proof(0, 2, BIG_STORE)  # a one-leaf tree's proof is empty already
        index, size = 0, 2
    honest = {"leaf": BIG_LEAVES[index], "index": index, "size": size, "proof": proof}
    honest["root_hash"] = root(size, BIG_STORE)
    assert verify_inclusion(**honest)
    assert not verify_inclusion(**INCLUSION_MUTATIONS[mutation](honest, data))


CONSISTENCY_MUTATIONS = {
    "old + 1": lambda c, _: {**c, "old_size": c["old_size"] + 1},
    "old - 1": lambda c, _: {**c, "old_size": c["old_size"] - 1},
    "new * 2": lambda c, _: {**c, "new_size": c["new_size"] * 2},
    "new // 2": lambda c, _: {**c, "new_size": c["new_size"] // 2},
    "bit flipped": lambda c, data: {**c, "proof": flip_bit(c["proof"], data)},
    "truncated": lambda c, _: {**c, "proof": c["proof"][:-1]},
    "extended at the end": lambda c, _: {**c, "proof": [*c["proof"], SOME_HASH]},
    "extended at the start": lambda c, _: {**c, "proof": [SOME_HASH, *c["proof"]]},
    "emptied": lambda c, _: {**c, "proof": []},
    "roots swapped": lambda c, _: {**c, "old_root": c["new_root"], "new_root": c["old_root"]},
}


@pytest.mark.parametrize("mutation", sorted(CONSISTENCY_MUTATIONS))
@given(case=consistency_cases(), data=st.data())
def test_every_mutated_consistency_proof_fails(mutation, case, data):
    old, new = case
    honest = {
        "old_size": old,
        "new_size": new,
        "old_root": root(old, BIG_STORE),
        "new_root": root(new, BIG_STORE),
        "proof": consistency_proof(old, new, BIG_STORE),
    }
    assert honest["proof"], "0 < old < new always needs a proof"
    assert verify_consistency(**honest)
    assert not verify_consistency(**CONSISTENCY_MUTATIONS[mutation](honest, data))


@st.composite
def batched_logs(draw):
    """A log of up to 200 leaves appended in random batches (some of them empty)."""
    size = draw(st.integers(min_value=0, max_value=200))
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=size), max_size=12)))
    bounds = [0, *cuts, size]
    batches = [BIG_LEAVES[a:b] for a, b in itertools.pairwise(bounds)]
    return size, batches


@settings(max_examples=60)
@given(log=batched_logs())
def test_stored_roots_equal_a_naive_recomputation(log):
    size, batches = log
    store = MemoryHashStore()
    for batch in batches:
        store.append(batch)
    assert store.size == size
    for prefix in range(size + 1):
        assert root(prefix, store) == naive_mth(BIG_LEAVES[:prefix])
    assert root_from_leaves(BIG_LEAVES[:size]) == naive_mth(BIG_LEAVES[:size])


@given(case=inclusion_cases())
def test_inclusion_proofs_equal_the_rfc_definition(case):
    index, size = case
    assert inclusion_proof(index, size, BIG_STORE) == naive_path(index, BIG_LEAVES[:size])


@given(case=consistency_cases())
def test_consistency_proofs_equal_the_rfc_definition(case):
    old, new = case
    expected = naive_subproof(old, BIG_LEAVES[:new], whole=True)
    assert consistency_proof(old, new, BIG_STORE) == expected


# --------------------------------------------------------------------------------------
# Cost: proofs read O(log n) stored hashes, not the log
# --------------------------------------------------------------------------------------


class CountingStore:
    def __init__(self, inner):
        self.inner = inner
        self.reads = 0

    def subtree(self, level, index):
        self.reads += 1
        return self.inner.subtree(level, index)


@given(case=inclusion_cases())
def test_inclusion_proofs_read_logarithmically_many_hashes(case):
    index, size = case
    counting = CountingStore(BIG_STORE)
    inclusion_proof(index, size, counting)
    assert counting.reads <= 2 * size.bit_length()


@given(case=consistency_cases())
def test_consistency_proofs_and_roots_read_logarithmically_many_hashes(case):
    old, new = case
    counting = CountingStore(BIG_STORE)
    consistency_proof(old, new, counting)
    assert counting.reads <= 3 * new.bit_length()
    counting.reads = 0
    root(new, counting)
    assert counting.reads == new.bit_count()


def test_an_append_reads_only_the_right_edge():
    counting = CountingStore(BIG_STORE)
    nodes = append_leaves(255, [SOME_HASH], counting)
    assert counting.reads == 8  # 255 = 0b11111111: one complete subtree per set bit
    assert [(n.level, n.position) for n in nodes] == [(level, 255 >> level) for level in range(9)]
    assert nodes[-1].digest == naive_mth([*BIG_LEAVES[:255], SOME_HASH])


# --------------------------------------------------------------------------------------
# Misuse and tampering
# --------------------------------------------------------------------------------------


def test_proof_builders_refuse_impossible_arguments():
    store = reference_store()
    with pytest.raises(TreeArgumentError, match="outside a tree of size 8"):
        inclusion_proof(8, 8, store)
    with pytest.raises(TreeArgumentError, match="outside"):
        inclusion_proof(-1, 8, store)
    with pytest.raises(TreeArgumentError, match="larger than new size"):
        consistency_proof(5, 4, store)
    with pytest.raises(TreeArgumentError, match="size must be a non-negative integer"):
        root(-1, store)
    with pytest.raises(TreeArgumentError, match="leaf hash must be 32 bytes"):
        append_leaves(8, [b"short"], store)


def test_a_proof_beyond_the_stored_log_is_refused():
    # Leaf 0's path in a tree of 9 needs leaf 8, which was never appended.
    with pytest.raises(MissingNodeError, match="level 0, index 8"):
        inclusion_proof(0, 9, reference_store())


def test_the_memory_store_only_appends():
    store = reference_store()
    with pytest.raises(AppendOnlyError, match="next index at that level is 8"):
        store.store_nodes([(0, 3, SOME_HASH)])  # rewriting history
    with pytest.raises(AppendOnlyError):
        store.store_nodes([(0, 9, SOME_HASH)])  # leaving a hole
    assert root(8, store).hex() == ROOTS[8]


class DictStore:
    """A store whose rows can be edited, as a database's can."""

    def __init__(self, nodes):
        self.nodes = {(n.level, n.position): n.digest for n in nodes}

    def subtree(self, level, index):
        try:
            return self.nodes[level, index]
        except KeyError:
            raise MissingNodeError(f"level {level}, index {index}") from None


def test_find_divergence_names_a_changed_entry():
    store = DictStore(append_leaves(0, BIG_LEAVES[:100], MemoryHashStore()))
    assert find_divergence(BIG_LEAVES[:100], store) is None
    edited = [*BIG_LEAVES[:100]]
    edited[42] = leaf_hash(b"a rewritten entry")
    assert find_divergence(edited, store) == 42


def test_find_divergence_names_the_first_leaf_under_a_changed_node():
    store = DictStore(append_leaves(0, BIG_LEAVES[:100], MemoryHashStore()))
    original = store.nodes[3, 5]
    store.nodes[3, 5] = SOME_HASH  # covers leaves 40..47
    assert find_divergence(BIG_LEAVES[:100], store) == 40
    del store.nodes[0, 60]
    assert find_divergence(BIG_LEAVES[:100], store) == 40
    store.nodes[3, 5] = original
    assert find_divergence(BIG_LEAVES[:100], store) == 60


def test_a_failed_batch_leaves_the_memory_store_unchanged():
    store = reference_store()
    good = append_leaves(8, [SOME_HASH], store)
    with pytest.raises(AppendOnlyError):
        store.store_nodes([*good, (0, 20, SOME_HASH)])
    assert store.size == 8
    assert root(8, store).hex() == ROOTS[8]
    store.store_nodes(good)
    assert root(9, store) == naive_mth([*LEAVES, SOME_HASH])
