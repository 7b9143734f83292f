"""Keeping a subject's stored deadlines true to its facts.

``reschedule`` runs in the transaction of every change that can move a deadline (collection,
an event, a consent given or withdrawn, a statutory record, a hold placed or released, a move
to the separate store): it plans the subject again (``policyvault.domain.retention``) and
brings the stored tasks in line. Queued work whose deadline changed goes back to scheduled,
since its approval was given for other facts; work nothing asks for any more is cancelled.
"""

from __future__ import annotations

from dataclasses import replace

from policyvault.domain.retention import (
    OPEN_STATUSES,
    QUEUED_STATUSES,
    Deadline,
    ItemFact,
    Location,
    RecordFact,
    RetentionFacts,
    RetentionTask,
    TargetKind,
    TaskStatus,
    plan_subject,
)
from policyvault.services.ports import VaultSession
from policyvault.services.retention.calendars import day_countings
from policyvault.services.vault.context import VaultContext


def retention_facts(ctx: VaultContext, session: VaultSession, subject_id: str) -> RetentionFacts:
    """What the plan needs, from both stores. An item found in both (a move cut short by a
    crash) counts as live: the move is not finished."""
    subject = session.subject(subject_id)
    jurisdictions = (
        subject.jurisdictions if subject and subject.jurisdictions else ctx.policy.jurisdictions
    )
    live_items = session.items(subject_id)
    live_keys = {i.item_key for i in live_items}
    live_records = session.records(subject_id)
    live_ids = {r.id for r in live_records}
    with ctx.separate.reading() as separate:
        kept_items = [i for i in separate.items(subject_id) if i.item_key not in live_keys]
        kept_records = [r for r in separate.records(subject_id) if r.id not in live_ids]
    return RetentionFacts(
        subject_id=subject_id,
        jurisdictions=tuple(jurisdictions),
        events=tuple((e.name, e.at) for e in session.events(subject_id)),
        consents=tuple(session.consents(subject_id)),
        items=tuple(
            [ItemFact(i.item_key, i.point, i.collected_at) for i in live_items]
            + [ItemFact(i.item_key, i.point, i.collected_at, Location.separate) for i in kept_items]
        ),
        records=tuple(
            [RecordFact(r.id, r.record_type, r.occurred_at) for r in live_records]
            + [
                RecordFact(r.id, r.record_type, r.occurred_at, Location.separate)
                for r in kept_records
            ]
        ),
        holds=tuple(session.holds_for(subject_id)),
    )


def plan_facts(ctx: VaultContext, facts: RetentionFacts) -> list[Deadline]:
    return plan_subject(ctx.policy, facts, day_countings(facts.jurisdictions))


def plan(ctx: VaultContext, session: VaultSession, subject_id: str) -> list[Deadline]:
    return plan_facts(ctx, retention_facts(ctx, session, subject_id))


def reschedule(
    ctx: VaultContext,
    session: VaultSession,
    subject_id: str,
    facts: RetentionFacts | None = None,
) -> list[RetentionTask]:
    """Store the subject's deadlines as they now stand; returns its open tasks. ``facts``: the
    subject's facts as the caller already knows them to stand now (saves reading them)."""
    wanted = plan_facts(ctx, facts or retention_facts(ctx, session, subject_id))
    existing = {
        _work_key(t.deadline): t
        for t in session.tasks(subject_id)
        if t.status in OPEN_STATUSES and t.deadline.target_kind is not TargetKind.subject_keys
    }
    kept: list[RetentionTask] = []
    for deadline in wanted:
        task = existing.pop(_work_key(deadline), None)
        if task is None:
            task = RetentionTask(id=ctx.new_id(), deadline=deadline)
        elif task.same_work(deadline):
            if task.deadline == deadline:
                kept.append(task)
                continue
            if deadline.held and task.status in QUEUED_STATUSES:
                # A hold voids the queueing and any approval: when it is released the work is
                # queued again, in a new batch, for a new decision.
                task = RetentionTask(id=task.id, deadline=deadline)
            else:
                task = replace(task, deadline=deadline)  # only its holds changed
        else:
            task = RetentionTask(id=task.id, deadline=deadline)  # approval was for other facts
        session.put_task(task)
        kept.append(task)
    stale = list(existing.values())
    session.delete_tasks([t.id for t in stale if t.status is TaskStatus.scheduled])
    for task in stale:
        if task.status is not TaskStatus.scheduled:
            session.put_task(replace(task, status=TaskStatus.cancelled, note="facts_changed"))
    return kept


def _work_key(deadline: Deadline) -> tuple[str, str, str]:
    return (deadline.target_kind.value, deadline.target_key, deadline.action.value)
