"""RFC 6962 / RFC 9162 Merkle trees, checked against the published reference test data.

The vectors are those every Certificate Transparency implementation tests against: the 8-leaf
tree of the reference implementation (google/certificate-transparency, now
transparency-dev/merkle ``proof/verify_test.go`` and ``rfc6962/rfc6962_test.go``), with the root
of every prefix, audit paths and consistency proofs. The corruption probes follow the same file:
each valid proof must stop verifying under every one of them.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyvault.domain.merkle import (
    EMPTY_ROOT,
    CompactRange,
    PrunedRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_hash,
    verify_consistency,
    verify_inclusion,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


LEAVES = [
    h(x)
    for x in [
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
LEAF_HASHES = [leaf_hash(x) for x in LEAVES]

ROOTS = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (leaf number, 1-based as in the reference file; tree size; audit path)
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (3, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        2,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# (old size, new size, proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def test_hashing_vectors() -> None:
    empty = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert empty == EMPTY_ROOT
    assert leaf_hash(b"") == h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456") == h(
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456") == h(
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_heads(size: int) -> None:
    assert root_hash(LEAF_HASHES[:size]) == ROOTS[size - 1]
    frontier = CompactRange()
    for leaf in LEAF_HASHES[:size]:
        frontier.append(leaf)
    assert frontier.size == size and len(frontier.nodes) == size.bit_count()
    assert frontier.root() == ROOTS[size - 1]


def test_empty_tree() -> None:
    assert root_hash([]) == EMPTY_ROOT == CompactRange().root()


@pytest.mark.parametrize(("leaf", "size", "path"), INCLUSION)
def test_inclusion_vectors(leaf: int, size: int, path: list[bytes]) -> None:
    index, root, hashed = leaf - 1, ROOTS[size - 1], LEAF_HASHES[leaf - 1]
    assert inclusion_proof(index, size, LEAF_HASHES[:size]) == path
    assert root_from_inclusion_proof(index, size, hashed, path) == root
    assert verify_inclusion(index, size, hashed, path, root)

    probes: list[tuple[int, int, bytes, list[bytes], bytes]] = [
        (index - 1, size, hashed, path, root),
        (index + 1, size, hashed, path, root),
        (index ^ 2, size, hashed, path, root),
        (index, size * 2, hashed, path, root),
        (index, size // 2, hashed, path, root),
        (index, size, b"WrongLeaf", path, root),
        (index, size, hashed, path, EMPTY_ROOT),
        (index, size, hashed, path, SOME_HASH),
        (index, size, hashed, [*path, b""], root),
        (index, size, hashed, [*path, root], root),
        (index, size, hashed, [b"", *path], root),
        (index, size, hashed, [root, *path], root),
    ]
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, hashed, flipped, root))
    if path:
        probes.append((index, size, hashed, path[:-1], root))
    if len(path) > 1:
        probes.append((index, size, hashed, [path[0], SOME_HASH, *path[1:]], root))
    for probe in probes:
        assert not verify_inclusion(*probe), probe


def test_inclusion_edge_cases() -> None:
    data = leaf_hash(b"data")
    assert verify_inclusion(0, 1, data, [], data)
    assert not verify_inclusion(0, 1, data, [], b"")
    assert not verify_inclusion(0, 1, b"", [], data)
    for index, size in [(0, 0), (1, 0), (2, 1)]:
        assert not verify_inclusion(index, size, SOME_HASH, [], EMPTY_ROOT)
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(8, 8, LEAF_HASHES)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_vectors(old: int, new: int, proof: list[bytes]) -> None:
    root1, root2 = ROOTS[old - 1], ROOTS[new - 1]
    assert consistency_proof(old, new, LEAF_HASHES[:new]) == proof
    assert verify_consistency(old, new, root1, root2, proof)
    if not proof:
        return
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (old - 1, new, root1, root2, proof),
        (old + 1, new, root1, root2, proof),
        (old ^ 2, new, root1, root2, proof),
        (old, new * 2, root1, root2, proof),
        (old, new // 2, root1, root2, proof),
        (old, new, b"WrongRoot", root2, proof),
        (old, new, root1, b"WrongRoot", proof),
        (old, new, root2, root1, proof),
        (old, new, root1, root2, []),
        (old, new, root1, root2, [*proof, b""]),
        (old, new, root1, root2, [*proof, root1]),
        (old, new, root1, root2, [*proof, root2]),
        (old, new, root1, root2, [b"", *proof]),
        (old, new, root1, root2, [root1, *proof]),
        (old, new, root1, root2, [root2, *proof]),
        (old, new, root1, root2, [proof[0], *proof]),
        (old, new, root1, root2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, root1, root2, flipped))
    for probe in probes:
        assert not verify_consistency(*probe), probe[:2]


def test_consistency_edge_cases() -> None:
    root1, root2 = b"don't care 1", b"don't care 2"
    assert not verify_consistency(0, 0, root1, root2, [])
    assert not verify_consistency(1, 1, root1, root2, [])
    assert verify_consistency(0, 0, root1, root1, [])
    assert verify_consistency(0, 1, root1, root2, [])
    assert verify_consistency(1, 1, root2, root2, [])
    assert not verify_consistency(1, 0, root1, root2, [])
    assert not verify_consistency(2, 1, root1, root2, [])
    assert not verify_consistency(1, 2, root1, root2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, root2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


@given(st.integers(1, 70), st.data())
def test_every_proof_of_a_random_tree_verifies(size: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(n.to_bytes(4, "big")) for n in range(size)]
    root = root_hash(leaves)
    index = data.draw(st.integers(0, size - 1))
    assert verify_inclusion(index, size, leaves[index], inclusion_proof(index, size, leaves), root)
    old = data.draw(st.integers(0, size))
    proof = consistency_proof(old, size, leaves)
    assert verify_consistency(old, size, root_hash(leaves[:old]), root, proof)


@given(st.integers(1, 70), st.data())
def test_a_pruned_prefix_still_gives_every_later_proof(size: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(n.to_bytes(4, "big")) for n in range(size)]
    cut = data.draw(st.integers(0, size))
    frontier = CompactRange()
    for leaf in leaves[:cut]:
        frontier.append(leaf)
    source = frontier.subtree_source(lambda i: leaves[i])
    assert source(0, size) == root_hash(leaves)
    if cut < size:
        index = data.draw(st.integers(cut, size - 1))
        assert inclusion_proof(index, size, source) == inclusion_proof(index, size, leaves)
    old = data.draw(st.integers(cut, size))
    assert consistency_proof(old, size, source) == consistency_proof(old, size, leaves)
    if cut >= 2:
        with pytest.raises(PrunedRange):
            inclusion_proof(0, size, source)
