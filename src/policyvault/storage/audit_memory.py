"""The audit store in memory: the twin of the SQL stores for tests and demos.

One lock serialises writers. ``transaction()`` gives a handle that ``append`` and
``add_checkpoint`` accept as ``connection``: their writes stand only if the ``with`` block ends
without an exception.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from policyvault.domain.audit import (
    AuditEvent,
    AuditQuery,
    AuditRecord,
    ChainHead,
    PruneCutoffs,
    StoredCheckpoint,
    may_prune,
    seal,
)
from policyvault.domain.audit.chain import GENESIS_HASH
from policyvault.domain.errors import InvalidInput, Refused

__all__ = ["InMemoryAuditStore", "MemoryTransaction"]


@dataclass
class _State:
    records: list[AuditRecord] = field(default_factory=list)
    checkpoints: dict[int, StoredCheckpoint] = field(default_factory=dict)
    head: ChainHead | None = None
    anchor: int = 0

    def copy(self) -> _State:
        return _State(list(self.records), dict(self.checkpoints), self.head, self.anchor)


class MemoryTransaction:
    """A handle for :meth:`InMemoryAuditStore.transaction`."""

    def __init__(self, store: InMemoryAuditStore) -> None:
        self.store = store
        self.active = True


class InMemoryAuditStore:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._state = _State()

    @contextmanager
    def transaction(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            saved = self._state.copy()
            handle = MemoryTransaction(self)
            try:
                yield handle
            except BaseException:
                self._state = saved
                raise
            finally:
                handle.active = False

    def _join(self, connection: object | None) -> None:
        if connection is None:
            return
        if not (
            isinstance(connection, MemoryTransaction)
            and connection.store is self
            and connection.active
        ):
            raise InvalidInput("connection must be an open transaction of this memory store")

    # --- writes --------------------------------------------------------------------------------

    def append(
        self, event: AuditEvent, *, recorded_at: datetime, connection: object | None = None
    ) -> AuditRecord:
        self._join(connection)
        with self._lock:
            return self._append(event, recorded_at)

    def _append(self, event: AuditEvent, recorded_at: datetime) -> AuditRecord:
        state = self._state
        head = state.head
        record = seal(
            event,
            seq=head.seq + 1 if head else 1,
            recorded_at=recorded_at,
            prev_hash=head.entry_hash if head else GENESIS_HASH,
        )
        state.records.append(record)
        state.head = ChainHead(record.seq, record.entry_hash)
        return record

    def add_checkpoint(
        self, checkpoint: StoredCheckpoint, *, connection: object | None = None
    ) -> bool:
        self._join(connection)
        with self._lock:
            if checkpoint.tree_size in self._state.checkpoints:
                return False
            self._state.checkpoints[checkpoint.tree_size] = checkpoint
            return True

    def prune(self, *, through_seq: int, event: AuditEvent, recorded_at: datetime) -> AuditRecord:
        with self.transaction(), self._lock:
            state = self._state
            head_seq = state.head.seq if state.head else 0
            if through_seq not in state.checkpoints:
                raise Refused(f"pruning needs a kept checkpoint of tree size {through_seq}")
            if not state.anchor < through_seq <= head_seq:
                raise Refused(f"cannot prune through seq {through_seq}")
            state.records = [r for r in state.records if r.seq > through_seq]
            state.checkpoints = {n: c for n, c in state.checkpoints.items() if n >= through_seq}
            state.anchor = through_seq
            return self._append(event, recorded_at)

    # --- reads ---------------------------------------------------------------------------------

    @contextmanager
    def reading(self, *, connection: object | None = None) -> Iterator[_MemoryReader]:
        self._join(connection)
        with self._lock:  # writers wait while the view is open, so it stays consistent
            yield _MemoryReader(self._state)


class _MemoryReader:
    def __init__(self, state: _State) -> None:
        self._state = state

    def head(self) -> ChainHead | None:
        return self._state.head

    def anchor(self) -> StoredCheckpoint | None:
        return self._state.checkpoints.get(self._state.anchor) if self._state.anchor else None

    def checkpoints(self) -> list[StoredCheckpoint]:
        return [self._state.checkpoints[n] for n in sorted(self._state.checkpoints)]

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        found = self.checkpoints()
        return found[-1] if found else None

    def count(self) -> int:
        return len(self._state.records)

    def records(self, first_seq: int = 1, last_seq: int | None = None) -> Iterator[AuditRecord]:
        records = self._state.records
        start = max(0, first_seq - records[0].seq) if records else 0
        for record in records[start:]:
            if last_seq is not None and record.seq > last_seq:
                return
            yield record

    def record(self, seq: int) -> AuditRecord | None:
        records = self._state.records  # contiguous: seq order, no gaps
        at = seq - records[0].seq if records else -1
        return records[at] if 0 <= at < len(records) else None

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        found = []
        for record in self._state.records:
            if record.seq > query.after_seq and query.matches(record.index):
                found.append(record)
                if len(found) == query.limit:
                    break
        return found

    def first_seq_kept(self, cutoffs: PruneCutoffs) -> int | None:
        return next((r.seq for r in self._state.records if not may_prune(r.index, cutoffs)), None)
