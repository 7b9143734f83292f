"""Ports: the seams between the services and storage. Adapters live in ``policyvault.storage``
and satisfy these protocols structurally (they do not import this module)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from policyvault.domain.audit import (
    AuditEvent,
    AuditQuery,
    AuditRecord,
    ChainHead,
    PruneCutoffs,
    StoredCheckpoint,
)

__all__ = ["AuditReader", "AuditStore"]


class AuditReader(Protocol):
    """A consistent view of the audit log (one snapshot for as long as the view is open)."""

    def head(self) -> ChainHead | None:
        """The last entry's seq and hash, per the store's head row; None for a new log."""

    def anchor(self) -> StoredCheckpoint | None:
        """The checkpoint a pruned log begins after; None when nothing was pruned."""

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every kept checkpoint, smallest tree first."""

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    def count(self) -> int:
        """How many entries are stored."""

    def records(self, first_seq: int = 1, last_seq: int | None = None) -> Iterator[AuditRecord]:
        """Stored records with ``first_seq <= seq <= last_seq``, in seq order, streamed."""

    def record(self, seq: int) -> AuditRecord | None: ...

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        """One page of records that match the filter, by the index columns, in seq order."""

    def first_seq_kept(self, cutoffs: PruneCutoffs) -> int | None:
        """The smallest seq that retention does not yet allow to prune; None if all may go."""


class AuditStore(Protocol):
    """An append-only, hash-chained store of audit records.

    ``connection`` is an open transaction of the adapter's own technology (a SQLAlchemy
    ``Connection`` inside ``begin()`` for the SQL stores, the handle from ``transaction()`` for the
    memory store). Given one, the write joins that transaction: it commits or rolls back with the
    operation it records. Without one, the write commits on its own.
    """

    def append(
        self, event: AuditEvent, *, recorded_at: datetime, connection: object | None = None
    ) -> AuditRecord:
        """Seal ``event`` as the next entry, under a lock that serialises every appender."""

    def add_checkpoint(
        self, checkpoint: StoredCheckpoint, *, connection: object | None = None
    ) -> bool:
        """Keep a checkpoint; False when one of that tree size is already kept."""

    def reading(self, *, connection: object | None = None) -> AbstractContextManager[AuditReader]:
        """A read view: a snapshot of its own, or the given transaction's view."""

    def prune(self, *, through_seq: int, event: AuditEvent, recorded_at: datetime) -> AuditRecord:
        """In one transaction: drop entries ``1..through_seq`` (a kept checkpoint must have exactly
        that size), drop the checkpoints before it, make it the anchor, and append ``event``."""
