"""The audit log as a workflow: record, checkpoint, verify, prove, list, prune.

``AuditLog.record`` is the one way in. It stamps the event with the injected clock's time,
appends it through the store (in the caller's transaction when given one) and, every
``checkpoint_every`` entries or ``checkpoint_interval`` of clock time, signs a checkpoint in the
same transaction. Everything else reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from policyvault.crypto.signing import CheckpointSigner, CheckpointVerifier
from policyvault.domain.audit import (
    Action,
    Actor,
    AuditEntry,
    AuditEvent,
    AuditQuery,
    AuditRecord,
    ConsistencyProof,
    Decision,
    InclusionProof,
    PruneAnchor,
    RetentionFloor,
    SignedCheckpoint,
    StoredCheckpoint,
    VerifyReport,
    chain_hash,
    check_consistency,
    check_inclusion,
    prune_cutoffs,
    verify_log,
)
from policyvault.domain.audit.chain import GENESIS_HASH
from policyvault.domain.clock import Clock
from policyvault.domain.errors import InvalidInput, NotFound, Refused
from policyvault.domain.merkle import (
    CompactRange,
    Subtree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from policyvault.services.ports import AuditReader, AuditStore

__all__ = ["AuditLog", "ProofCheck", "PruneResult", "check_proof"]

DEFAULT_CHECKPOINT_EVERY = 1000
DEFAULT_CHECKPOINT_INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class PruneResult:
    pruned_through: int
    removed: int
    floor: RetentionFloor
    reason: str
    record: AuditRecord | None = None


@dataclass(frozen=True, slots=True)
class ProofCheck:
    ok: bool
    reason: str


class AuditLog:
    def __init__(
        self,
        store: AuditStore,
        clock: Clock,
        *,
        signer: CheckpointSigner | None = None,
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
        checkpoint_interval: timedelta = DEFAULT_CHECKPOINT_INTERVAL,
    ) -> None:
        if checkpoint_every < 1 or checkpoint_interval <= timedelta(0):
            raise InvalidInput("checkpoints are written every 1 or more entries, after some time")
        self._store = store
        self._clock = clock
        self._signer = signer
        self._every = checkpoint_every
        self._interval = checkpoint_interval
        # the latest checkpoint this process has seen (size, issued at): spares a read per append
        self._seen: tuple[int, datetime] | None = None

    # --- writing -------------------------------------------------------------------------------

    def record(self, event: AuditEvent, *, connection: object | None = None) -> AuditRecord:
        """Append ``event``; with ``connection``, inside the caller's transaction."""
        record = self._store.append(event, recorded_at=self._clock.now(), connection=connection)
        if self._signer is not None and self._maybe_due(record.seq):
            self._checkpoint_if_due(connection)
        return record

    def _maybe_due(self, seq: int) -> bool:
        if self._seen is None:
            return True
        size, issued_at = self._seen
        return seq - size >= self._every or self._clock.now() - issued_at >= self._interval

    def checkpoint_if_due(self, *, connection: object | None = None) -> SignedCheckpoint | None:
        """For schedulers: sign a checkpoint if ``checkpoint_interval`` has passed with entries
        that no checkpoint covers yet (or ``checkpoint_every`` of them)."""
        return self._checkpoint_if_due(connection)

    def _checkpoint_if_due(self, connection: object | None) -> SignedCheckpoint | None:
        with self._store.reading(connection=connection) as reader:
            head = reader.head()
            latest = reader.latest_checkpoint()
            signed = latest.tree_size if latest else 0
            if latest is not None:
                self._seen = (signed, latest.checkpoint.head.issued_at)
            if head is None or signed >= head.seq:
                return None
            if latest is not None:
                since = latest.checkpoint.head.issued_at
            else:  # never signed: count the time from the first entry
                first = reader.record(1)
                since = first.index.recorded_at if first else self._clock.now()
                if first is not None:
                    # as if a checkpoint of size 0 had been signed then: the next appends
                    # need not read again until that one would be due
                    self._seen = (0, since)
            if head.seq - signed < self._every and self._clock.now() - since < self._interval:
                return None
            stored = self._make_checkpoint(reader)
        self._store.add_checkpoint(stored, connection=connection)
        self._seen = (stored.tree_size, stored.checkpoint.head.issued_at)
        return stored.checkpoint

    def checkpoint(self, *, connection: object | None = None) -> SignedCheckpoint:
        """Sign a checkpoint of the whole log now (on demand). Returns the latest checkpoint
        unchanged when it already covers every entry."""
        with self._store.reading(connection=connection) as reader:
            head = reader.head()
            latest = reader.latest_checkpoint()
            if latest is not None and latest.tree_size == (head.seq if head else 0):
                return latest.checkpoint
            stored = self._make_checkpoint(reader)
        self._store.add_checkpoint(stored, connection=connection)
        return stored.checkpoint

    def _make_checkpoint(self, reader: AuditReader) -> StoredCheckpoint:
        signer = self._require_signer()
        head = reader.head()
        base = reader.latest_checkpoint() or reader.anchor()
        if base is not None and not signer.verifier.verify(base.checkpoint):
            raise Refused("the latest checkpoint is not signed by this log's key; run verify")
        frontier = base.compact_range() if base else CompactRange()
        if frontier is None:
            raise Refused("the latest checkpoint's tree does not match its root; run verify")
        prev = base.checkpoint.head.chain_head if base else GENESIS_HASH
        size = head.seq if head else 0
        for record in reader.records(frontier.size + 1, size):
            # sign nothing that is already broken
            if (
                record.seq != frontier.size + 1
                or record.prev_hash != prev
                or chain_hash(prev, record.body) != record.entry_hash
            ):
                raise Refused(f"entry {frontier.size + 1} is broken; run verify")
            frontier.append(leaf_hash(record.body))
            prev = record.entry_hash
        if frontier.size != size or (head is not None and head.entry_hash != prev):
            raise Refused(f"entries up to {size} are missing; run verify")
        checkpoint = signer.sign(
            tree_size=size, root_hash=frontier.root(), chain_head=prev, issued_at=self._clock.now()
        )
        return StoredCheckpoint(checkpoint=checkpoint, frontier=tuple(frontier.nodes))

    def _require_signer(self) -> CheckpointSigner:
        if self._signer is None:
            raise InvalidInput("signing a checkpoint needs the log's signing key")
        return self._signer

    # --- verifying -----------------------------------------------------------------------------

    def verify(
        self,
        verifier: CheckpointVerifier,
        *,
        external: Sequence[SignedCheckpoint] = (),
        on_start: Callable[[int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> VerifyReport:
        """Walk the whole log. ``external`` are checkpoints held outside the database (they catch
        a truncation that also removed the stored checkpoints). ``on_start`` gets the number of
        entries to check, ``on_progress`` the number checked so far."""
        with self._store.reading() as reader:
            try:
                stored = reader.checkpoints()
                anchor = reader.anchor()
            except Refused as exc:  # a checkpoint row that cannot even be read
                return _broken(None, str(exc))
            heads = []
            for checkpoint in [*(s.checkpoint for s in stored), *external]:
                if not verifier.verify(checkpoint):
                    return _bad_checkpoint(checkpoint, verifier)
                heads.append(checkpoint.head)
            prune_anchor = None
            if anchor is not None:
                if not verifier.verify(anchor.checkpoint):
                    return _bad_checkpoint(anchor.checkpoint, verifier)
                frontier = anchor.compact_range()
                if frontier is None:
                    return _broken(
                        anchor.tree_size + 1,
                        f"the prune anchor at {anchor.tree_size} does not match its signed root",
                    )
                prune_anchor = PruneAnchor(anchor.checkpoint.head, frontier)
            if on_start:
                on_start(reader.count())
            start = anchor.tree_size + 1 if anchor else 1
            return verify_log(
                reader.records(start),
                heads=heads,
                anchor=prune_anchor,
                stored_head=reader.head(),
                on_progress=on_progress,
            )

    # --- proving -------------------------------------------------------------------------------

    def prove_inclusion(self, seq: int, *, tree_size: int | None = None) -> InclusionProof:
        """An inclusion proof of entry ``seq`` in the tree of a signed checkpoint: the one of
        ``tree_size``, else the latest. Signs a fresh checkpoint when none covers ``seq`` yet and
        this log holds its signing key."""
        with self._store.reading() as reader:
            record = reader.record(seq)
            if record is None:
                raise NotFound(f"no audit entry with seq {seq}")
            checkpoint = self._checkpoint_for(reader, seq, tree_size)
            stored = self._make_checkpoint(reader) if checkpoint is None else checkpoint
            source = _subtree_source(reader, stored.tree_size)
            path = inclusion_proof(seq - 1, stored.tree_size, source)
        if checkpoint is None:
            self._store.add_checkpoint(stored)
        return InclusionProof(
            seq=seq, body=record.body, audit_path=tuple(path), checkpoint=stored.checkpoint
        )

    def _checkpoint_for(
        self, reader: AuditReader, seq: int, tree_size: int | None
    ) -> StoredCheckpoint | None:
        checkpoints = reader.checkpoints()
        if tree_size is not None:
            found = [c for c in checkpoints if c.tree_size == tree_size]
            if not found:
                raise NotFound(f"no kept checkpoint of tree size {tree_size}")
            if tree_size < seq:
                raise InvalidInput(f"the tree of size {tree_size} does not hold entry {seq}")
            return found[0]
        if checkpoints and checkpoints[-1].tree_size >= seq:
            return checkpoints[-1]
        if self._signer is None:
            raise NotFound(f"no signed checkpoint covers entry {seq} yet: sign one first")
        return None

    def prove_consistency(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        """A consistency proof between two kept checkpoints (``new_size``: the latest)."""
        with self._store.reading() as reader:
            by_size = {c.tree_size: c for c in reader.checkpoints()}
            anchor = reader.anchor()
            if anchor is not None:
                by_size[anchor.tree_size] = anchor
            if new_size is None:
                new_size = max(by_size, default=0)
            old, new = by_size.get(old_size), by_size.get(new_size)
            if old is None or new is None:
                raise NotFound(
                    f"no kept checkpoint of tree size {old_size if old is None else new_size}"
                )
            if old_size > new_size:
                raise InvalidInput("the old tree size must not exceed the new one")
            path = consistency_proof(old_size, new_size, _subtree_source(reader, new_size))
        return ConsistencyProof(old=old.checkpoint, new=new.checkpoint, path=tuple(path))

    # --- listing -------------------------------------------------------------------------------

    def entries(self, query: AuditQuery) -> list[AuditEntry]:
        with self._store.reading() as reader:
            return [record.entry() for record in reader.query(query)]

    # --- pruning -------------------------------------------------------------------------------

    def prune(self, *, floor: RetentionFloor, actor: Actor) -> PruneResult:
        """Remove the oldest entries that retention lets go, behind the largest kept checkpoint
        that allows it. Refused while the log does not verify."""
        signer = self._require_signer()
        report = self.verify(signer.verifier)
        if not report.ok:
            raise Refused(f"the audit log is broken ({report.reason}); nothing was pruned")
        now = self._clock.now()
        cutoffs = prune_cutoffs(floor, now)
        with self._store.reading() as reader:
            head = reader.head()
            anchor = reader.anchor()
            done = anchor.tree_size if anchor else 0
            first_kept = reader.first_seq_kept(cutoffs)
            limit = (first_kept - 1) if first_kept is not None else (head.seq if head else 0)
            sizes = [c.tree_size for c in reader.checkpoints() if done < c.tree_size <= limit]
        if not sizes:
            return PruneResult(
                done,
                0,
                floor,
                f"nothing to prune: no signed checkpoint between seq {done} and seq {limit}",
            )
        through = max(sizes)
        # the numbers go in details: the reason is free text, scanned for long digit runs
        reason = f"entries past the retention floor are pruned ({floor.reason})"
        event = AuditEvent(
            actor=actor,
            action=Action.audit_pruned,
            decision=Decision.allow("audit.retention", reason),
            details={"through_seq": through, "floor_years": floor.years},
        )
        record = self._store.prune(through_seq=through, event=event, recorded_at=now)
        return PruneResult(through, through - done, floor, reason, record)


def _subtree_source(reader: AuditReader, size: int) -> Subtree:
    """Subtree hashes for the tree of ``size``: the anchor's compact range for pruned leaves,
    the stored bodies for the rest."""
    anchor = reader.anchor()
    frontier = anchor.compact_range() if anchor else CompactRange()
    if frontier is None:
        raise Refused("the prune anchor does not match its signed root; run verify")
    leaves = [leaf_hash(r.body) for r in reader.records(frontier.size + 1, size)]
    if len(leaves) != size - frontier.size:
        raise Refused(f"entries up to {size} are missing; run verify")
    return frontier.subtree_source(lambda i: leaves[i - frontier.size])


def _broken(seq: int | None, reason: str) -> VerifyReport:
    return VerifyReport.broken(seq, reason, checked=0, last=0, heads=0, pruned=0)


def _bad_checkpoint(checkpoint: SignedCheckpoint, verifier: CheckpointVerifier) -> VerifyReport:
    size = checkpoint.head.tree_size
    if checkpoint.key_id != verifier.key_id:
        why = f"is signed by key {checkpoint.key_id}, not by {verifier.key_id}"
    else:
        why = "has a bad signature"
    return _broken(None, f"the checkpoint of tree size {size} {why}")


def check_proof(
    proof: InclusionProof | ConsistencyProof, verifier: CheckpointVerifier
) -> ProofCheck:
    """Check a proof offline, with nothing but the public key."""
    checkpoints: Iterable[SignedCheckpoint] = (
        [proof.checkpoint] if isinstance(proof, InclusionProof) else [proof.old, proof.new]
    )
    for checkpoint in checkpoints:
        if not verifier.verify(checkpoint):
            return ProofCheck(
                False,
                f"the checkpoint of tree size {checkpoint.head.tree_size} "
                "is not signed by this key",
            )
    if isinstance(proof, InclusionProof):
        why = check_inclusion(proof)
        size = proof.checkpoint.head.tree_size
        ok = f"entry {proof.seq} is in the signed tree of size {size}"
    else:
        why = check_consistency(proof)
        ok = (
            f"the signed tree of size {proof.old.head.tree_size} is a prefix of the signed tree "
            f"of size {proof.new.head.tree_size}"
        )
    return ProofCheck(why is None, why or ok)
