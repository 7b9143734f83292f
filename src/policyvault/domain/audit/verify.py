"""Verification: walk the stored records once and say whether the log is intact, and if not,
the first sequence number where it is not.

Checks, per record, in seq order (the first failure ends the walk):

1. its seq is the next one expected: catches deletions, insertions and reorderings;
2. its ``prev_hash`` is the previous record's ``entry_hash``;
3. ``SHA-256(prev_hash || body)`` equals its ``entry_hash``: catches any change to the body;
4. the body is a well-formed canonical entry whose own ``seq`` is the record's;
5. the store's index columns (time, actor, action, subject, decision, request id) match the body.

Then against the signed tree heads (checkpoints whose signatures the caller has checked):

6. at each head's size, the RFC 6962 root of the bodies so far and the chain head equal the
   signed ones. A mismatch here with an intact chain means someone rewrote the chain and
   recomputed the hashes; the report names the first seq after the last head that still matched
   (the earliest entry that can have been forged);
7. no head is larger than the log: a truncated tail is caught against the latest checkpoint;
8. the store's head row, when given, names the last record.

A pruned log starts at its anchor: a signed head at the prune point plus the compact range of the
pruned leaves, whose root must equal the signed root. The walk then starts at ``anchor + 1`` from
the signed chain head, and the latest ``audit.pruned`` entry must name the anchor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from policyvault.domain.audit.canonical import CanonicalJsonError
from policyvault.domain.audit.chain import GENESIS_HASH, TreeHead, chain_hash
from policyvault.domain.audit.entry import Action, AuditRecord, decode_entry, index_of
from policyvault.domain.errors import InvalidInput
from policyvault.domain.merkle import CompactRange, leaf_hash

__all__ = ["ChainHead", "PruneAnchor", "VerifyReport", "verify_log"]

PROGRESS_EVERY = 1000


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The store's own note of its last entry."""

    seq: int
    entry_hash: bytes


@dataclass(frozen=True, slots=True)
class PruneAnchor:
    """Where a pruned log begins: the signed head at the prune point and the pruned leaves'
    compact range."""

    head: TreeHead
    frontier: CompactRange


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    first_bad_seq: int | None
    reason: str
    entries_checked: int
    last_seq: int
    checkpoints_checked: int
    pruned_through: int = 0

    @classmethod
    def broken(
        cls, seq: int | None, reason: str, *, checked: int, last: int, heads: int, pruned: int
    ) -> VerifyReport:
        return cls(False, seq, reason, checked, last, heads, pruned)


def verify_log(
    records: Iterable[AuditRecord],
    *,
    heads: Sequence[TreeHead] = (),
    anchor: PruneAnchor | None = None,
    stored_head: ChainHead | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> VerifyReport:
    start = anchor.head.tree_size if anchor else 0
    frontier = anchor.frontier.copy() if anchor else CompactRange()
    prev = anchor.head.chain_head if anchor else GENESIS_HASH
    pending = sorted((h for h in heads if h.tree_size > start), key=lambda h: h.tree_size)
    checked_heads = 0
    checked = 0
    last = start
    window_start = start + 1
    last_pruned_through: int | None = None
    stored_head_hash: bytes | None = None

    def broken(seq: int | None, reason: str) -> VerifyReport:
        return VerifyReport.broken(
            seq, reason, checked=checked, last=last, heads=checked_heads, pruned=start
        )

    if anchor:
        if anchor.frontier.size != start or anchor.frontier.root() != anchor.head.root_hash:
            return broken(start + 1, f"the prune anchor at {start} does not match its signed root")
        checked_heads += 1

    for record in records:
        expected = last + 1
        if record.seq != expected:
            what = "missing" if record.seq > expected else "out of order or duplicated"
            return broken(expected, f"entry {expected} is {what} (found seq {record.seq} there)")
        if record.prev_hash != prev:
            return broken(expected, f"entry {expected} does not link to entry {expected - 1}")
        if chain_hash(prev, record.body) != record.entry_hash:
            return broken(expected, f"entry {expected} was modified (its hash does not match)")
        try:
            entry = decode_entry(record.body)
        except (CanonicalJsonError, InvalidInput):
            return broken(expected, f"entry {expected} is not a well-formed entry")
        if entry.seq != expected:
            return broken(expected, f"entry {expected} holds the body of entry {entry.seq}")
        if index_of(entry) != record.index:
            return broken(expected, f"entry {expected}'s index columns disagree with its body")
        if entry.event.action == Action.audit_pruned:
            through = entry.event.details.get("through_seq")
            last_pruned_through = through if isinstance(through, int) else -1

        frontier.append(leaf_hash(record.body))
        prev = record.entry_hash
        last = expected
        checked += 1
        if stored_head and stored_head.seq == last:
            stored_head_hash = prev
        while pending and pending[0].tree_size == last:
            head = pending.pop(0)
            if frontier.root() != head.root_hash or prev != head.chain_head:
                return broken(
                    window_start,
                    f"entries {window_start}..{last} do not match the signed checkpoint of "
                    f"size {last} (the chain was rewritten from seq {window_start} or later)",
                )
            checked_heads += 1
            window_start = last + 1
        if on_progress and checked % PROGRESS_EVERY == 0:
            on_progress(checked)

    if on_progress:
        on_progress(checked)
    if pending:
        size = pending[-1].tree_size
        return broken(
            last + 1,
            f"the log ends at seq {last} but a signed checkpoint covers {size} entries: "
            f"entries {last + 1}..{size} are missing",
        )
    if stored_head and stored_head.seq > last:
        return broken(
            last + 1, f"the log ends at seq {last} but its head row says {stored_head.seq}"
        )
    if stored_head and stored_head.seq > start and stored_head_hash != stored_head.entry_hash:
        return broken(stored_head.seq, f"entry {stored_head.seq} disagrees with the head row")
    if start and last_pruned_through != start:
        return broken(
            start + 1,
            f"entries 1..{start} are gone but no audit.pruned entry records pruning them",
        )
    return VerifyReport(
        ok=True,
        first_bad_seq=None,
        reason=f"intact: {checked} entries from seq {start + 1}, {checked_heads} checkpoint(s)",
        entries_checked=checked,
        last_seq=last,
        checkpoints_checked=checked_heads,
        pruned_through=start,
    )
