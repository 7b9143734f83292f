"""The retention work the vault keeps: stored deadlines and their progress, statutory
records, and destruction certificates. Plain records, no personal values: a deadline names an
item key or a record id, never what it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from policyvault.domain.retention.plan import Action, Deadline, TargetKind


class TaskStatus(StrEnum):
    scheduled = "scheduled"  # its end has not come, or the sweeper has not reached it yet
    awaiting_approval = "awaiting_approval"  # queued: the privacy officer must approve it
    approved = "approved"  # queued and approved (or no approval is required): to be done
    rejected = "rejected"  # the approver refused; reported while it is overdue
    done = "done"
    cancelled = "cancelled"  # the facts changed before it was done (a new event, a hold)


OPEN_STATUSES = (
    TaskStatus.scheduled,
    TaskStatus.awaiting_approval,
    TaskStatus.approved,
    TaskStatus.rejected,
)
QUEUED_STATUSES = (TaskStatus.awaiting_approval, TaskStatus.approved)


@dataclass(frozen=True)
class RetentionTask:
    """A stored deadline and what has become of it."""

    id: str
    deadline: Deadline
    status: TaskStatus = TaskStatus.scheduled
    batch_id: str | None = None
    decided_by: str | None = None  # who approved or rejected
    decided_at: datetime | None = None
    note: str | None = None  # a rejection's reason (a code, not free text about a person)
    done_at: datetime | None = None
    certificate_id: str | None = None

    @property
    def subject_id(self) -> str:
        return self.deadline.subject_id

    def same_work(self, other: Deadline) -> bool:
        """Whether ``other`` asks for exactly what this task was scheduled (and approved) for."""
        mine = self.deadline
        return (
            mine.target == other.target
            and mine.action is other.action
            and mine.end_at == other.end_at
            and mine.due_at == other.due_at
            and mine.rule == other.rule
        )


@dataclass(frozen=True)
class StoredRecord:
    """A business record a statute names (payment, contract, visit log, ...), sealed with the
    subject's key like any item."""

    id: str
    subject_id: str
    record_type: str
    occurred_at: datetime
    sealed: bytes
    recorded_at: datetime


@dataclass(frozen=True)
class Certificate:
    """A destruction certificate: what a batch destroyed, by which rule, approved by whom,
    how and when. Counts and keys only: no personal value, no subject id."""

    id: str
    batch_id: str
    issued_at: datetime
    body: dict[str, Any] = field(default_factory=dict)


ACTION_METHOD = {
    Action.destroy: "deletion of the ciphertext",
    Action.anonymise: "anonymisation: the value deleted, the subject counted in statistics",
    Action.archive: "moved to the separate store",
}
TARGET_LABEL = {TargetKind.item: "item", TargetKind.record: "record"}
