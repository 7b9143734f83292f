"""The tamper-evident audit log, as pure rules and types (format described in
``docs/audit-log.md``).

    entry.py      AuditEvent / AuditEntry / AuditRecord and the body encoding
    canonical.py  RFC 8785 canonical JSON for the values entries may hold
    guard.py      the rule that keeps personal values out
    chain.py      the hash chain, tree heads and the signed checkpoint bytes
    proofs.py     inclusion and consistency proof documents, checked offline
    verify.py     the verification walk and its report
    retention.py  how long the log is kept before pruning
"""

from __future__ import annotations

from policyvault.domain.audit.chain import (
    GENESIS_HASH,
    SignedCheckpoint,
    StoredCheckpoint,
    TreeHead,
    chain_hash,
    checkpoint_message,
    seal,
)
from policyvault.domain.audit.entry import (
    ACCESS_RIGHT_ACTIONS,
    Action,
    Actor,
    AuditEntry,
    AuditEvent,
    AuditIndex,
    AuditQuery,
    AuditRecord,
    Decision,
    decode_entry,
    encode_entry,
    index_of,
)
from policyvault.domain.audit.proofs import (
    ConsistencyProof,
    InclusionProof,
    check_consistency,
    check_inclusion,
    read_proof,
)
from policyvault.domain.audit.retention import (
    PruneCutoffs,
    RetentionFloor,
    access_log_floor,
    may_prune,
    prune_cutoffs,
)
from policyvault.domain.audit.verify import ChainHead, PruneAnchor, VerifyReport, verify_log

__all__ = [
    "ACCESS_RIGHT_ACTIONS",
    "GENESIS_HASH",
    "Action",
    "Actor",
    "AuditEntry",
    "AuditEvent",
    "AuditIndex",
    "AuditQuery",
    "AuditRecord",
    "ChainHead",
    "ConsistencyProof",
    "Decision",
    "InclusionProof",
    "PruneAnchor",
    "PruneCutoffs",
    "RetentionFloor",
    "SignedCheckpoint",
    "StoredCheckpoint",
    "TreeHead",
    "VerifyReport",
    "access_log_floor",
    "chain_hash",
    "check_consistency",
    "check_inclusion",
    "checkpoint_message",
    "decode_entry",
    "encode_entry",
    "index_of",
    "may_prune",
    "prune_cutoffs",
    "read_proof",
    "seal",
    "verify_log",
]
