"""Retention: deadlines from the policy and a subject's events, day counting per jurisdiction,
and the records of the work that keeps them (tasks, statutory records, certificates)."""

from policyvault.domain.retention.daycount import (
    DayCounting,
    HolidayCalendar,
    counting_for,
    earliest_deadline,
)
from policyvault.domain.retention.plan import (
    Action,
    Deadline,
    Hold,
    ItemFact,
    Location,
    RecordFact,
    RetentionFacts,
    TargetKind,
    plan_subject,
)
from policyvault.domain.retention.work import (
    OPEN_STATUSES,
    QUEUED_STATUSES,
    Certificate,
    RetentionTask,
    StoredRecord,
    TaskStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "QUEUED_STATUSES",
    "Action",
    "Certificate",
    "DayCounting",
    "Deadline",
    "Hold",
    "HolidayCalendar",
    "ItemFact",
    "Location",
    "RecordFact",
    "RetentionFacts",
    "RetentionTask",
    "StoredRecord",
    "TargetKind",
    "TaskStatus",
    "counting_for",
    "earliest_deadline",
    "plan_subject",
]
