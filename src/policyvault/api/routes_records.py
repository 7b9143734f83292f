"""/v1/subjects/{subject_id}/records and /deadlines: a subject's statutory records, read for
the statutory purpose alone, and the retention deadlines stored for everything it has."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from policyvault.api.auth import Caller, allowed
from policyvault.api.schemas import ERROR_RESPONSES
from policyvault.api.schemas_retention import (
    DeadlineOut,
    OpenedRecordOut,
    RecordIn,
    RecordOut,
    Store,
)
from policyvault.domain.retention import RetentionTask
from policyvault.services.retention.facade import Retention

router = APIRouter(prefix="/v1/subjects", tags=["retention"], responses=ERROR_RESPONSES)


def _retention(request: Request) -> Retention:
    return Retention(request.app.state.runtime.vault.context)


@router.post("/{subject_id}/records", status_code=201, response_model=RecordOut)
def add_record(
    subject_id: str,
    body: RecordIn,
    request: Request,
    caller: Caller = Depends(allowed("record.add")),
) -> RecordOut:
    """Keep a business record a statute names, sealed with the subject's key. A type kept for
    the statute alone goes straight to the separate store."""
    retention = _retention(request)
    added = retention.add_record(
        subject_id, body.record_type, body.occurred_at, body.payload, caller.actor
    )
    record = added.record
    store: Store = "separate" if added.separate else "live"
    return RecordOut(
        id=record.id, record_type=record.record_type, occurred_at=record.occurred_at, store=store
    )


@router.get("/{subject_id}/records", response_model=list[OpenedRecordOut])
def read_records(
    subject_id: str,
    request: Request,
    purpose: str = Query(max_length=200),
    record_type: str | None = Query(default=None, max_length=100),
    caller: Caller = Depends(allowed("record.read")),
) -> list[OpenedRecordOut]:
    """The subject's statutory records, opened for legal.statutory_retention with a live
    grant for it; any other purpose or no grant is refused (403) and audited."""
    opened = _retention(request).read_records(
        subject_id, purpose, caller.actor, record_type=record_type
    )
    return [
        OpenedRecordOut(
            id=r.id,
            record_type=r.record_type,
            occurred_at=r.occurred_at,
            store="separate" if r.separate else "live",
            payload=r.payload,
        )
        for r in opened
    ]


@router.get("/{subject_id}/deadlines", response_model=list[DeadlineOut])
def deadlines(
    subject_id: str, request: Request, caller: Caller = Depends(allowed("retention.read"))
) -> list[DeadlineOut]:
    """Every deadline stored for the subject's items and records, and what became of it."""
    return [_deadline(t) for t in _retention(request).deadlines(subject_id)]


def _deadline(task: RetentionTask) -> DeadlineOut:
    d = task.deadline
    return DeadlineOut(
        id=task.id,
        target_kind=d.target_kind.value,
        target_key=d.target_key,
        action=d.action.value,
        end_at=d.end_at,
        due_at=d.due_at,
        rule=d.rule,
        record_type=d.record_type,
        held=d.held,
        status=task.status.value,
        batch_id=task.batch_id,
        done_at=task.done_at,
    )
