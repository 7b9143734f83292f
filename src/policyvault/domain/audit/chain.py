"""The hash chain and the checkpoint format.

Chain: ``entry_hash(seq) = SHA-256(entry_hash(seq - 1) || body(seq))``, with 32 zero bytes before
seq 1. Merkle leaves are the bodies: ``leaf_hash = SHA-256(0x00 || body)``, leaf index ``seq - 1``.

A checkpoint is a signed tree head: the tree size, its RFC 6962 root, the chain head (the
``entry_hash`` of entry ``tree_size``) and when it was issued. The signed bytes are the five lines
of :func:`checkpoint_message`; the signature itself is made in ``policyvault.crypto``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from policyvault.domain.audit.canonical import JsonValue
from policyvault.domain.audit.entry import (
    AuditEntry,
    AuditEvent,
    AuditRecord,
    encode_entry,
    format_timestamp,
    index_of,
    parse_timestamp,
)
from policyvault.domain.errors import InvalidInput
from policyvault.domain.merkle import EMPTY_ROOT, HASH_SIZE, CompactRange

__all__ = [
    "CHECKPOINT_FORMAT",
    "GENESIS_HASH",
    "SignedCheckpoint",
    "StoredCheckpoint",
    "TreeHead",
    "chain_hash",
    "checkpoint_message",
    "seal",
]

GENESIS_HASH = bytes(HASH_SIZE)
CHECKPOINT_FORMAT = "policyvault.audit.checkpoint/1"


def chain_hash(prev_hash: bytes, body: bytes) -> bytes:
    return hashlib.sha256(prev_hash + body).digest()


def seal(event: AuditEvent, *, seq: int, recorded_at: datetime, prev_hash: bytes) -> AuditRecord:
    """The record for ``event`` as entry ``seq`` after a chain whose head is ``prev_hash``."""
    entry = AuditEntry(seq=seq, recorded_at=recorded_at, event=event)
    body = encode_entry(entry)
    return AuditRecord(
        seq=seq,
        prev_hash=prev_hash,
        entry_hash=chain_hash(prev_hash, body),
        body=body,
        index=index_of(entry),
    )


@dataclass(frozen=True, slots=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    chain_head: bytes
    issued_at: datetime

    def __post_init__(self) -> None:
        if self.tree_size < 0:
            raise InvalidInput("a tree size is never negative")
        if len(self.root_hash) != HASH_SIZE or len(self.chain_head) != HASH_SIZE:
            raise InvalidInput("root and chain head are 32-byte hashes")
        if self.tree_size == 0 and (
            self.root_hash != EMPTY_ROOT or self.chain_head != GENESIS_HASH
        ):
            raise InvalidInput("the empty tree has the empty root and the genesis chain head")
        format_timestamp(self.issued_at)  # refuses naive datetimes


def checkpoint_message(head: TreeHead) -> bytes:
    """The exact bytes an Ed25519 checkpoint signature covers (each line ends with LF)::

    policyvault.audit.checkpoint/1
    <tree size, decimal>
    <root hash, 64 lowercase hex digits>
    <chain head, 64 lowercase hex digits>
    <issued at, YYYY-MM-DDTHH:MM:SS.ffffffZ>
    """
    lines = [
        CHECKPOINT_FORMAT,
        str(head.tree_size),
        head.root_hash.hex(),
        head.chain_head.hex(),
        format_timestamp(head.issued_at),
    ]
    return "".join(f"{line}\n" for line in lines).encode("ascii")


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    head: TreeHead
    key_id: str
    signature: bytes

    def to_document(self) -> dict[str, JsonValue]:
        return {
            "format": CHECKPOINT_FORMAT,
            "tree_size": self.head.tree_size,
            "root_hash": self.head.root_hash.hex(),
            "chain_head": self.head.chain_head.hex(),
            "issued_at": format_timestamp(self.head.issued_at),
            "key_id": self.key_id,
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_document(cls, doc: object) -> SignedCheckpoint:
        """Read a checkpoint written by :meth:`to_document`; InvalidInput when malformed."""
        fields = {
            "format",
            "tree_size",
            "root_hash",
            "chain_head",
            "issued_at",
            "key_id",
            "signature",
        }
        if not isinstance(doc, dict) or set(doc) != fields or doc["format"] != CHECKPOINT_FORMAT:
            raise InvalidInput(f"not a {CHECKPOINT_FORMAT} document")
        size = doc["tree_size"]
        texts = [doc[k] for k in ("root_hash", "chain_head", "issued_at", "key_id", "signature")]
        if (
            not isinstance(size, int)
            or isinstance(size, bool)
            or not all(isinstance(t, str) for t in texts)
        ):
            raise InvalidInput(f"not a {CHECKPOINT_FORMAT} document")
        try:
            head = TreeHead(
                tree_size=size,
                root_hash=bytes.fromhex(doc["root_hash"]),
                chain_head=bytes.fromhex(doc["chain_head"]),
                issued_at=parse_timestamp(doc["issued_at"]),
            )
            signature = bytes.fromhex(doc["signature"])
        except ValueError as exc:  # bad hex, or a timestamp in the wrong form
            raise InvalidInput(f"not a {CHECKPOINT_FORMAT} document: {exc}") from None
        return cls(head=head, key_id=doc["key_id"], signature=signature)


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint as the store keeps it: with the compact range of its tree (one hash per set
    bit of the size), from which later roots are computed and which anchors a pruned log. The
    range is not signed; it is checked against the signed root before use."""

    checkpoint: SignedCheckpoint
    frontier: tuple[bytes, ...]

    @property
    def tree_size(self) -> int:
        return self.checkpoint.head.tree_size

    def compact_range(self) -> CompactRange | None:
        """The range, or None when it does not match the signed root."""
        try:
            frontier = CompactRange(self.tree_size, self.frontier)
        except ValueError:
            return None
        return frontier if frontier.root() == self.checkpoint.head.root_hash else None
