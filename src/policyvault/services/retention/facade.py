"""``Retention``: the one object the shells use for statutory records, holds, the sweeper,
approvals and certificates (the vault's own workflows are on ``Vault``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from policyvault.domain.audit import Actor
from policyvault.domain.retention import Certificate, Hold, RetentionTask, TaskStatus
from policyvault.services.retention import approvals, holds, records, sweeper
from policyvault.services.retention.approvals import Batch
from policyvault.services.retention.records import AddedRecord, OpenedRecord
from policyvault.services.retention.sweeper import SWEEPER, Progress, SweepReport
from policyvault.services.vault.context import VaultContext


class Retention:
    def __init__(self, context: VaultContext) -> None:
        self.context = context

    def add_record(
        self,
        subject_id: str,
        record_type: str,
        occurred_at: datetime,
        payload: Mapping[str, Any],
        actor: Actor,
    ) -> AddedRecord:
        return records.add_record(
            self.context, subject_id, record_type, occurred_at, payload, actor
        )

    def read_records(
        self, subject_id: str, purpose: str, actor: Actor, *, record_type: str | None = None
    ) -> list[OpenedRecord]:
        return records.read_records(
            self.context, subject_id, purpose, actor, record_type=record_type
        )

    def deadlines(self, subject_id: str) -> list[RetentionTask]:
        """The subject's stored deadlines and their progress."""
        with self.context.session() as session:
            self.context.subject(session, subject_id)
            return session.tasks(subject_id)

    def place_hold(
        self,
        actor: Actor,
        *,
        reason: str,
        reference: str,
        subject_id: str | None = None,
        record_type: str | None = None,
    ) -> Hold:
        return holds.place_hold(
            self.context,
            actor,
            reason=reason,
            reference=reference,
            subject_id=subject_id,
            record_type=record_type,
        )

    def release_hold(self, hold_id: str, actor: Actor) -> Hold:
        return holds.release_hold(self.context, hold_id, actor)

    def holds(self, *, active_only: bool = True) -> list[Hold]:
        return holds.list_holds(self.context, active_only=active_only)

    def sweep(
        self,
        actor: Actor = SWEEPER,
        *,
        dry_run: bool = False,
        chunk: int = 200,
        alert_window: timedelta = timedelta(days=2),
        progress: Progress | None = None,
    ) -> SweepReport:
        return sweeper.sweep(
            self.context,
            actor,
            dry_run=dry_run,
            chunk=chunk,
            alert_window=alert_window,
            progress=progress,
        )

    def queue(self, status: TaskStatus = TaskStatus.awaiting_approval) -> list[Batch]:
        return approvals.queue(self.context, status)

    def approve(self, batch_ids: Sequence[str], actor: Actor) -> int:
        return approvals.approve(self.context, batch_ids, actor)

    def reject(self, batch_ids: Sequence[str], reason: str, actor: Actor) -> int:
        return approvals.reject(self.context, batch_ids, reason, actor)

    def requeue(self, batch_ids: Sequence[str], actor: Actor) -> int:
        return approvals.requeue(self.context, batch_ids, actor)

    def certificates(self, limit: int = 100) -> list[Certificate]:
        return approvals.certificates(self.context, limit)

    def certificate(self, certificate_id: str) -> Certificate:
        return approvals.certificate(self.context, certificate_id)

    def anonymised_counts(self) -> dict[str, int]:
        with self.context.session() as session:
            return session.anonymised_counts()
