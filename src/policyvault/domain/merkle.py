"""Merkle tree hashing, inclusion proofs and consistency proofs, as RFC 6962 / RFC 9162 define them.

Hashing (RFC 9162 §2.1.1), with SHA-256:

    leaf hash  = SHA-256(0x00 || leaf data)
    node hash  = SHA-256(0x01 || left || right)
    empty tree = SHA-256("")

``MTH(D[n])`` splits ``n`` leaves at ``k``, the largest power of two smaller than ``n``.
Proof generation follows RFC 6962 §2.1.1 (PATH) and §2.1.2 (PROOF); verification follows the
algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step.

Leaves are addressed by a 0-based ``index``. Everything here works on leaf *hashes*; callers hash
their leaf data once with :func:`leaf_hash`. :class:`CompactRange` keeps the right edge of a
growing tree (one hash per set bit of its size), which is all that is needed to compute the root
of any later size, and what a pruned log keeps of the leaves it removed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "PrunedRange",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# A source of subtree hashes: subtree(lo, hi) is MTH(D[lo:hi]).
Subtree = Callable[[int, int], bytes]


class PrunedRange(LookupError):
    """A subtree hash was needed for leaves that a pruned log no longer holds."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    return _tree(leaves)(0, len(leaves))


def _tree(leaves: Sequence[bytes]) -> Subtree:
    def subtree(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaves[lo]
        k = _split(hi - lo)
        return node_hash(subtree(lo, lo + k), subtree(lo + k, hi))

    return subtree


# --- generation (RFC 6962 §2.1.1 and §2.1.2) -----------------------------------------------------


def inclusion_proof(index: int, size: int, subtree: Subtree | Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[size]): the audit path for one leaf, nearest sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    node = subtree if callable(subtree) else _tree(subtree)
    return _path(index, 0, size, node)


def _path(m: int, lo: int, hi: int, node: Subtree) -> list[bytes]:
    n = hi - lo
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, lo, lo + k, node), node(lo + k, hi)]
    return [*_path(m - k, lo + k, hi, node), node(lo, lo + k)]


def consistency_proof(
    old_size: int, new_size: int, subtree: Subtree | Sequence[bytes]
) -> list[bytes]:
    """PROOF(old_size, D[new_size]): shows the first ``old_size`` leaves are unchanged."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to size {new_size}")
    if old_size in (0, new_size):
        return []
    node = subtree if callable(subtree) else _tree(subtree)
    return _subproof(old_size, 0, new_size, node, complete=True)


def _subproof(m: int, lo: int, hi: int, node: Subtree, *, complete: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if complete else [node(lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, lo, lo + k, node, complete=complete), node(lo + k, hi)]
    return [*_subproof(m - k, lo + k, hi, node, complete=False), node(lo, lo + k)]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------------


def root_from_inclusion_proof(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes]
) -> bytes | None:
    """The root that ``proof`` leads to from ``leaf``, or None when the proof is malformed."""
    if not 0 <= index < size or len(leaf) != HASH_SIZE:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0 or len(p) != HASH_SIZE:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    return root_from_inclusion_proof(index, size, leaf, proof) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof or any(len(p) != HASH_SIZE for p in proof):
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --- a tree's right edge --------------------------------------------------------------------------


class CompactRange:
    """The perfect subtrees that cover leaves ``[0, size)``, largest first: one per set bit of
    ``size``. Appending a leaf merges equal-height neighbours; the root folds them right to left.

    It is also a :data:`Subtree` source for a pruned tree: :meth:`subtree_source` answers for the
    covered subtrees and asks ``later`` for the leaves that follow.
    """

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(nodes) != size.bit_count():
            raise ValueError("a compact range holds one node per set bit of its size")
        if any(len(n) != HASH_SIZE for n in nodes):
            raise ValueError("compact range nodes are 32-byte hashes")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        nodes = self.nodes
        nodes.append(leaf)
        self.size += 1
        # the low set bits that the carry cleared each merge two equal-height nodes
        merges = (self.size & -self.size).bit_length() - 1
        for _ in range(merges):
            right = nodes.pop()
            nodes[-1] = node_hash(nodes[-1], right)

    def root(self) -> bytes:
        nodes = self.nodes
        if not nodes:
            return EMPTY_ROOT
        r = nodes[-1]
        for n in reversed(nodes[:-1]):
            r = node_hash(n, r)
        return r

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.nodes)

    def spans(self) -> list[tuple[int, int]]:
        """The leaf ranges ``[lo, hi)`` that the nodes cover, in order."""
        out: list[tuple[int, int]] = []
        lo = 0
        for bit in reversed(range(self.size.bit_length())):
            if self.size >> bit & 1:
                out.append((lo, lo + (1 << bit)))
                lo += 1 << bit
        return out

    def subtree_source(self, later: Callable[[int], bytes]) -> Subtree:
        """Subtree hashes for a tree whose first ``size`` leaves are known only by this range;
        ``later(i)`` gives the leaf hash of leaf ``i >= size``."""
        known = dict(zip(self.spans(), self.nodes, strict=True))
        cut = self.size

        def subtree(lo: int, hi: int) -> bytes:
            if (lo, hi) in known:
                return known[(lo, hi)]
            if hi - lo == 1:
                if lo < cut:
                    raise PrunedRange(f"leaf {lo} was pruned")
                return later(lo)
            k = _split(hi - lo)
            return node_hash(subtree(lo, lo + k), subtree(lo + k, hi))

        return subtree
