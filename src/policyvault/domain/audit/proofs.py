"""Proof documents that an outside party checks with nothing but the log's public key.

An inclusion proof carries the entry's exact bytes, its RFC 6962 audit path and the signed
checkpoint it leads to; a consistency proof carries two signed checkpoints and the RFC 6962 path
that shows the older tree is a prefix of the newer one. The ``check_*`` functions here do the
Merkle part; the caller checks the checkpoint signatures (``policyvault.crypto.signing``).
"""

from __future__ import annotations

from dataclasses import dataclass

from policyvault.domain.audit.canonical import CanonicalJsonError, JsonValue
from policyvault.domain.audit.chain import SignedCheckpoint
from policyvault.domain.audit.entry import decode_entry
from policyvault.domain.errors import InvalidInput
from policyvault.domain.merkle import (
    HASH_SIZE,
    leaf_hash,
    root_from_inclusion_proof,
    verify_consistency,
)

__all__ = [
    "CONSISTENCY_FORMAT",
    "INCLUSION_FORMAT",
    "ConsistencyProof",
    "InclusionProof",
    "check_consistency",
    "check_inclusion",
    "read_proof",
]

INCLUSION_FORMAT = "policyvault.audit.inclusion-proof/1"
CONSISTENCY_FORMAT = "policyvault.audit.consistency-proof/1"


@dataclass(frozen=True, slots=True)
class InclusionProof:
    seq: int
    body: bytes  # the entry's canonical bytes: the Merkle leaf data
    audit_path: tuple[bytes, ...]
    checkpoint: SignedCheckpoint

    def to_document(self) -> dict[str, JsonValue]:
        return {
            "format": INCLUSION_FORMAT,
            "seq": self.seq,
            "leaf_index": self.seq - 1,
            "tree_size": self.checkpoint.head.tree_size,
            "entry": self.body.decode("utf-8"),
            "audit_path": [p.hex() for p in self.audit_path],
            "checkpoint": self.checkpoint.to_document(),
        }


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old: SignedCheckpoint
    new: SignedCheckpoint
    path: tuple[bytes, ...]

    def to_document(self) -> dict[str, JsonValue]:
        return {
            "format": CONSISTENCY_FORMAT,
            "old": self.old.to_document(),
            "new": self.new.to_document(),
            "proof": [p.hex() for p in self.path],
        }


def check_inclusion(proof: InclusionProof) -> str | None:
    """Why the proof fails, or None when the entry is in the checkpoint's tree."""
    try:
        entry = decode_entry(proof.body)
    except (CanonicalJsonError, InvalidInput):
        return "the entry is not a well-formed audit entry"
    if entry.seq != proof.seq:
        return f"the entry is seq {entry.seq}, not {proof.seq}"
    head = proof.checkpoint.head
    root = root_from_inclusion_proof(
        proof.seq - 1, head.tree_size, leaf_hash(proof.body), proof.audit_path
    )
    if root != head.root_hash:
        return f"the audit path does not lead to the root of the tree of size {head.tree_size}"
    return None


def check_consistency(proof: ConsistencyProof) -> str | None:
    old, new = proof.old.head, proof.new.head
    if old.tree_size > new.tree_size:
        return "the old checkpoint is larger than the new one"
    if not verify_consistency(
        old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof.path
    ):
        return f"tree {old.tree_size} is not a prefix of tree {new.tree_size}"
    return None


def read_proof(doc: object) -> InclusionProof | ConsistencyProof:
    """Parse a proof document; InvalidInput when it is not one."""
    if not isinstance(doc, dict):
        raise InvalidInput("a proof is a JSON object")
    kind = doc.get("format")
    if kind == INCLUSION_FORMAT:
        return _read_inclusion(doc)
    if kind == CONSISTENCY_FORMAT:
        fields = {"format", "old", "new", "proof"}
        if set(doc) != fields:
            raise InvalidInput(f"a {CONSISTENCY_FORMAT} document has exactly {sorted(fields)}")
        return ConsistencyProof(
            old=SignedCheckpoint.from_document(doc["old"]),
            new=SignedCheckpoint.from_document(doc["new"]),
            path=_hashes(doc["proof"]),
        )
    raise InvalidInput(f"not a proof: format is not {INCLUSION_FORMAT} or {CONSISTENCY_FORMAT}")


def _read_inclusion(doc: dict[str, object]) -> InclusionProof:
    fields = {"format", "seq", "leaf_index", "tree_size", "entry", "audit_path", "checkpoint"}
    if set(doc) != fields:
        raise InvalidInput(f"a {INCLUSION_FORMAT} document has exactly {sorted(fields)}")
    seq, index, size = _int(doc["seq"]), _int(doc["leaf_index"]), _int(doc["tree_size"])
    entry = doc["entry"]
    if not isinstance(entry, str):
        raise InvalidInput("entry is the entry's canonical JSON, as a string")
    checkpoint = SignedCheckpoint.from_document(doc["checkpoint"])
    if index != seq - 1 or size != checkpoint.head.tree_size:
        raise InvalidInput("leaf_index must be seq - 1 and tree_size the checkpoint's size")
    try:
        body = entry.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("entry is not valid Unicode") from None
    return InclusionProof(
        seq=seq, body=body, audit_path=_hashes(doc["audit_path"]), checkpoint=checkpoint
    )


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput("seq, leaf_index and tree_size are integers")
    return value


def _hashes(value: object) -> tuple[bytes, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("a proof path is a list of hex strings")
    try:
        out = tuple(bytes.fromhex(v) for v in value)
    except ValueError:
        raise InvalidInput("a proof path is a list of hex strings") from None
    if any(len(h) != HASH_SIZE for h in out):
        raise InvalidInput("every hash in a proof path is 32 bytes")
    return out
