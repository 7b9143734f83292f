"""Request and response bodies of the retention API: statutory records, deadlines, legal
holds, the sweeper, the destruction queue and its certificates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from policyvault.api.schemas import Strict

Store = Literal["live", "separate"]


class RecordIn(Strict):
    record_type: str = Field(max_length=100)
    occurred_at: datetime
    payload: dict[str, Any] = Field(max_length=500)  # the vault also bounds its size in bytes


class RecordOut(BaseModel):
    id: str
    record_type: str
    occurred_at: datetime
    store: Store


class OpenedRecordOut(RecordOut):
    payload: Any


class DeadlineOut(BaseModel):
    """A stored deadline and its progress: keys and ids, never a value."""

    id: str
    target_kind: Literal["item", "record", "subject_keys"]
    target_key: str  # the item key, the record id, or the subject id for its keys
    action: Literal["archive", "destroy", "anonymise"]
    end_at: datetime
    due_at: datetime
    rule: str
    record_type: str | None
    held: bool
    status: Literal["scheduled", "awaiting_approval", "approved", "rejected", "done", "cancelled"]
    batch_id: str | None
    done_at: datetime | None


class HoldIn(Strict):
    """A hold covers one subject or one record type: give exactly one."""

    subject_id: str | None = Field(default=None, max_length=100)
    record_type: str | None = Field(default=None, max_length=100)
    reason: str = Field(max_length=64)
    reference: str = Field(max_length=200)


class HoldOut(BaseModel):
    id: str
    reason: str
    reference: str
    subject_id: str | None
    record_type: str | None
    placed_at: datetime
    placed_by: str
    released_at: datetime | None
    released_by: str | None


class SweepIn(Strict):
    dry_run: bool = False


class SweepOut(BaseModel):
    """What a sweep did (or, in a dry run, would do) and what it found waiting or late."""

    at: datetime
    dry_run: bool
    replanned_subjects: int
    archived: int
    queued: int
    destroyed_items: int
    anonymised_items: int
    destroyed_records: int
    keys_destroyed: int
    cancelled: int
    batch_id: str | None
    certificates: list[str]
    awaiting_approval: int
    near_due: int
    overdue: dict[str, int]
    held: int


class BatchOut(BaseModel):
    id: str
    status: str
    count: int
    earliest_due: datetime
    latest_due: datetime
    rules: dict[str, int]
    items: dict[str, int]  # item key or record type: count


class RejectIn(Strict):
    reason: str = Field(max_length=64)


class BatchDecisionOut(BaseModel):
    batch_id: str
    status: Literal["approved", "rejected", "scheduled"]
    tasks: int


class CertificateSummaryOut(BaseModel):
    id: str
    batch_id: str
    issued_at: datetime
    subjects: int
    keys_destroyed: int


# The certificate document, as ``certificates.certificate_body`` writes it.


class Span(BaseModel):
    first: str | None
    last: str | None


class PolicyRef(BaseModel):
    id: str
    version: str


class ApprovalOut(BaseModel):
    by: str
    at: str | None


class StatuteOut(BaseModel):
    record_type: str
    label: str | None
    statute: str | None
    article: str | None
    kind: str
    period: str


class CertificateGroupOut(BaseModel):
    rule: str
    basis: str
    statute: StatuteOut | None
    action: str
    method: str
    items: dict[str, int]
    records: dict[str, int]
    retention_ended: Span
    due: Span
    done_late: int


class CertificateOut(BaseModel):
    """A destruction certificate: counts, rules, statutes, approvals and method; it names no
    subject and holds no value."""

    certificate_id: str
    batch_id: str
    issued_at: str
    policy: PolicyRef
    approval_required: bool
    approvals: list[ApprovalOut]
    executed: Span
    subjects: int
    keys_destroyed: int
    groups: list[CertificateGroupOut]
    method: str | None


class StatisticsOut(BaseModel):
    anonymised: dict[str, int]  # item key: subjects counted after their value was deleted
