"""The destruction queue as the privacy officer sees it: batches waiting for approval, and
the decisions on them. Where the policy requires approval, nothing is destroyed before the
approver named by the policy (its role) approves the batch, and the approval is recorded
with who and when before any destruction happens."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import AccessDenied, InvalidInput, NotFound
from policyvault.domain.retention import Certificate, RetentionTask, TaskStatus
from policyvault.services.retention.paging import all_tasks
from policyvault.services.vault.context import VaultContext

_REASON = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class BatchNotFound(NotFound):
    code = "batch_not_found"


class CertificateNotFound(NotFound):
    code = "certificate_not_found"


@dataclass(frozen=True)
class Batch:
    id: str
    status: str
    count: int
    earliest_due: datetime
    latest_due: datetime
    rules: dict[str, int]  # rule -> count
    items: dict[str, int]  # item key or record type -> count


def queue(ctx: VaultContext, status: TaskStatus = TaskStatus.awaiting_approval) -> list[Batch]:
    """The batches with work in ``status``, earliest due first."""
    with ctx.session() as session:
        tasks = all_tasks(session, [status])
    grouped: dict[str, list[RetentionTask]] = {}
    for task in tasks:
        grouped.setdefault(task.batch_id or "-", []).append(task)
    return sorted(
        (_batch(batch_id, status.value, group) for batch_id, group in grouped.items()),
        key=lambda b: (b.earliest_due, b.id),
    )


def approve(ctx: VaultContext, batch_ids: Sequence[str], actor: Actor) -> int:
    """Approve every task of these batches that awaits approval; returns how many."""
    _check_approver(ctx, actor, "retention.approve")
    return _decide(ctx, batch_ids, actor, TaskStatus.approved, None)


def reject(ctx: VaultContext, batch_ids: Sequence[str], reason: str, actor: Actor) -> int:
    """Refuse these batches: their work stays, is reported while past due, and goes back to
    the queue with ``requeue`` once the reason is gone."""
    _check_approver(ctx, actor, "retention.reject")
    if not isinstance(reason, str) or not _REASON.match(reason):
        raise InvalidInput("the reason is a lower-case code (hold_expected, dispute_open, ...)")
    return _decide(ctx, batch_ids, actor, TaskStatus.rejected, reason)


def requeue(ctx: VaultContext, batch_ids: Sequence[str], actor: Actor) -> int:
    """Rejected work back to scheduled: the next sweep queues it in a new batch."""
    _check_approver(ctx, actor, "retention.requeue")
    if not batch_ids:
        raise InvalidInput("name at least one batch")
    total = 0
    with ctx.session() as session:
        for batch_id in _unique(batch_ids):
            tasks = all_tasks(session, [TaskStatus.rejected], batch_id=batch_id)
            if not tasks:
                raise BatchNotFound("no rejected work in that batch")
            session.mark_tasks(
                [t.id for t in tasks], TaskStatus.scheduled, at=ctx.now(), decided_by=actor.id
            )
            total += len(tasks)
            ctx.record(
                session,
                actor,
                "retention.requeue",
                Decision.allow("destruction_approval", f"{len(tasks)} rejected tasks requeued"),
                details={"batch_id": batch_id, "count": len(tasks)},
            )
    return total


def certificates(ctx: VaultContext, limit: int = 100) -> list[Certificate]:
    with ctx.session() as session:
        return session.certificates(limit)


def certificate(ctx: VaultContext, certificate_id: str) -> Certificate:
    with ctx.session() as session:
        found = session.certificate(certificate_id)
    if found is None:
        raise CertificateNotFound("no certificate with that id")
    return found


def _decide(
    ctx: VaultContext,
    batch_ids: Sequence[str],
    actor: Actor,
    status: TaskStatus,
    reason: str | None,
) -> int:
    if not batch_ids:
        raise InvalidInput("name at least one batch")
    total = 0
    with ctx.session() as session:  # all the batches or none
        now = ctx.now()
        for batch_id in _unique(batch_ids):
            tasks = all_tasks(session, [TaskStatus.awaiting_approval], batch_id=batch_id)
            if not tasks:
                raise BatchNotFound("no work awaiting approval in that batch")
            session.mark_tasks(
                [t.id for t in tasks], status, at=now, decided_by=actor.id, note=reason
            )
            total += len(tasks)
            verb = "approved" if status is TaskStatus.approved else "rejected"
            ctx.record(
                session,
                actor,
                f"retention.{'approve' if status is TaskStatus.approved else 'reject'}",
                Decision.allow("destruction_approval", f"{len(tasks)} tasks {verb}"),
                details={"batch_id": batch_id, "count": len(tasks), "reason": reason},
            )
    return total


def _check_approver(ctx: VaultContext, actor: Actor, action: str) -> None:
    """Only the role the policy names decides; a refusal is audited like any decision."""
    approver = ctx.policy.destruction.approver
    if actor.role != approver:
        message = f"destruction is approved by the {approver.replace('_', ' ')}"
        ctx.record(None, actor, action, Decision.deny("approver", message))
        raise AccessDenied(message)


def _batch(batch_id: str, status: str, tasks: list[RetentionTask]) -> Batch:
    rules: dict[str, int] = {}
    items: dict[str, int] = {}
    for task in tasks:
        d = task.deadline
        rules[d.rule] = rules.get(d.rule, 0) + 1
        label = d.target_key if d.target_kind.value == "item" else (d.record_type or "record")
        items[label] = items.get(label, 0) + 1
    dues = [t.deadline.due_at for t in tasks]
    return Batch(
        id=batch_id,
        status=status,
        count=len(tasks),
        earliest_due=min(dues),
        latest_due=max(dues),
        rules=dict(sorted(rules.items())),
        items=dict(sorted(items.items())),
    )


def _unique(ids: Sequence[str]) -> list[str]:
    if isinstance(ids, str):
        raise InvalidInput("batch ids come as a list")
    return list(dict.fromkeys(ids))
