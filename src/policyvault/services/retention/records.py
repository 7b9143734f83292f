"""Statutory records: the business records a statute names (contracts, payments, complaints,
advertising, tax books, electronic transactions, visit logs, unauthorised use), sealed with
the subject's key and read for the statutory purpose alone, every read audited."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from policyvault.domain.access import STATUTORY_PURPOSE
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import AccessDenied, InvalidInput
from policyvault.domain.retention import StoredRecord
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.deadlines import reschedule

MAX_PAYLOAD_BYTES = 64 * 1024


class RecordReadDenied(AccessDenied):
    """A read of statutory records refused; ``rule`` names why, as the audit entry does."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"statutory records are read for {STATUTORY_PURPOSE} with a grant")
        self.rule = rule


@dataclass(frozen=True)
class AddedRecord:
    record: StoredRecord
    separate: bool  # stored straight in the separate store (kept for the statute alone)


@dataclass(frozen=True)
class OpenedRecord:
    id: str
    record_type: str
    occurred_at: datetime
    payload: Any  # the JSON value recorded
    separate: bool  # in the separate store (kept for the statute alone)


def record_binding(record_id: str) -> str:
    """What a record's ciphertext is bound to besides the subject (never an item key)."""
    return f"record:{record_id}"


def add_record(
    ctx: VaultContext,
    subject_id: str,
    record_type: str,
    occurred_at: datetime,
    payload: Mapping[str, Any],
    actor: Actor,
) -> AddedRecord:
    """Keep a statutory record. A type kept for the statute alone goes straight to the
    separate store; a type in ordinary use until an event (``separate_from``) stays live."""
    kept_by = next(
        (t for t in ctx.policy.statutory_retention if t.record_type == record_type), None
    )
    if kept_by is None:
        raise InvalidInput("the record type is not declared under statutory_retention")
    if occurred_at.tzinfo is None:
        raise InvalidInput("occurred_at needs a time zone")
    now = ctx.now()
    if occurred_at > now:
        raise InvalidInput("a record cannot have occurred in the future")
    if not isinstance(payload, Mapping):
        raise InvalidInput("the payload is a JSON object")
    try:
        data = json.dumps(payload, sort_keys=True, ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError, UnicodeEncodeError) as error:
        raise InvalidInput("the payload must be plain JSON text") from error
    if len(data) > MAX_PAYLOAD_BYTES:
        raise InvalidInput(f"the payload is larger than {MAX_PAYLOAD_BYTES} bytes")
    with ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        record_id = ctx.new_id()
        key = ctx.sealing_key(session, subject)
        record = StoredRecord(
            id=record_id,
            subject_id=subject_id,
            record_type=record_type,
            occurred_at=occurred_at,
            sealed=ctx.seal(key, subject_id, record_binding(record_id), data),
            recorded_at=now,
        )
        if kept_by.separate_from is None:
            with ctx.separate.session() as separate:
                separate.put_record(record)
        else:
            session.add_record(record)
        reschedule(ctx, session, subject_id)
        ctx.record(
            session,
            actor,
            "record.add",
            Decision.allow("statutory_record", f"{record_type} kept under its statute"),
            subject_id=subject_id,
            details={
                "record_id": record_id,
                "record_type": record_type,
                "store": "live" if kept_by.separate_from else "separate",
            },
        )
    return AddedRecord(record, separate=kept_by.separate_from is None)


def read_records(
    ctx: VaultContext,
    subject_id: str,
    purpose: str,
    actor: Actor,
    *,
    record_type: str | None = None,
) -> list[OpenedRecord]:
    """The subject's statutory records, for the statutory purpose and a live grant for it."""
    with ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        now = ctx.now()
        granted = purpose == STATUTORY_PURPOSE and any(
            g.purpose == STATUTORY_PURPOSE and g.live(now) for g in session.grants(actor.id)
        )
        details: dict[str, Any] = {"record_type": record_type} if record_type else {}
        if not granted:
            rule = "unknown_purpose" if purpose != STATUTORY_PURPOSE else "no_grant"
            ctx.record(
                session,
                actor,
                "record.read",
                Decision.deny(rule, f"statutory records are read for {STATUTORY_PURPOSE} only"),
                subject_id=subject_id,
                purpose=STATUTORY_PURPOSE if purpose == STATUTORY_PURPOSE else None,
                details=details,
            )
            opened = None
            denied_by = rule
        else:
            with ctx.separate.reading() as separate:
                kept = separate.records(subject_id)
            wanted = [
                r
                for r in [*session.records(subject_id), *kept]
                if record_type is None or r.record_type == record_type
            ]
            key = ctx.sealing_key(session, subject) if wanted else None
            opened = [
                OpenedRecord(
                    id=r.id,
                    record_type=r.record_type,
                    occurred_at=r.occurred_at,
                    payload=json.loads(ctx.open(key, subject_id, record_binding(r.id), r.sealed)),
                    separate=r in kept,
                )
                for r in wanted
                if key is not None
            ]
            ctx.record(
                session,
                actor,
                "record.read",
                Decision.allow("statutory_purpose", "statutory records read"),
                subject_id=subject_id,
                purpose=STATUTORY_PURPOSE,
                details={**details, "records": len(opened)},
            )
    if opened is None:  # raised after the session, so the denial's audit entry is kept
        raise RecordReadDenied(denied_by)
    return sorted(opened, key=lambda r: (r.occurred_at, r.id))
