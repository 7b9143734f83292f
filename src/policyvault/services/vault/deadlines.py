"""Keeping a subject's stored deadlines true to its facts.

``reschedule`` runs in the transaction of every change that can move a deadline (collection,
an event, a consent given or withdrawn, a statutory record, a hold placed or released, a move
to the separate store): it plans the subject again (``policyvault.domain.retention``) and
brings the stored tasks in line. Queued work whose deadline changed goes back to scheduled,
since its approval was given for other facts; work nothing asks for any more is cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from policyvault.domain.consent import ConsentEvent
from policyvault.domain.retention import (
    OPEN_STATUSES,
    QUEUED_STATUSES,
    Deadline,
    Hold,
    ItemFact,
    Location,
    RecordFact,
    RetentionFacts,
    RetentionTask,
    StoredRecord,
    TargetKind,
    TaskStatus,
    plan_subject,
)
from policyvault.domain.vault import SealedItem, Subject, SubjectEvent
from policyvault.services.ports import VaultSession
from policyvault.services.retention.calendars import day_countings
from policyvault.services.vault.context import VaultContext


def retention_facts(ctx: VaultContext, session: VaultSession, subject_id: str) -> RetentionFacts:
    """What the plan needs, from both stores. An item found in both (a move cut short by a
    crash) counts as live: the move is not finished."""
    subject = session.subject(subject_id)
    live_items = session.items(subject_id)
    live_records = session.records(subject_id)
    with ctx.separate.reading() as separate:
        kept_items = separate.items(subject_id)
        kept_records = separate.records(subject_id)
    return _facts(
        ctx,
        subject_id,
        subject,
        live_items,
        live_records,
        kept_items,
        kept_records,
        session.events(subject_id),
        session.consents(subject_id),
        session.holds_for(subject_id),
    )


@dataclass(frozen=True)
class StoredFacts:
    """A subject's retention facts as read (``facts``), with its row and what the separate
    store holds of it, also what ``facts`` counts as live because it is in both stores."""

    facts: RetentionFacts
    subject: Subject | None
    separate_items: frozenset[str]  # item keys
    separate_records: frozenset[str]  # record ids


def retention_facts_of(
    ctx: VaultContext, session: VaultSession, subject_ids: Sequence[str]
) -> dict[str, StoredFacts]:
    """``retention_facts`` of several subjects, read with a few statements for them all."""
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return {}
    subjects = session.subjects_by_id(ids)
    live_items = session.items_of(ids)
    live_records = session.records_of(ids)
    with ctx.separate.reading() as separate:
        kept_items = separate.items_of(ids)
        kept_records = separate.records_of(ids)
    events = session.events_of(ids)
    consents = session.consents_of(ids)
    holds = session.holds_for_subjects(ids)
    return {
        s: StoredFacts(
            facts=_facts(
                ctx,
                s,
                subjects.get(s),
                live_items[s],
                live_records[s],
                kept_items[s],
                kept_records[s],
                events[s],
                consents[s],
                holds[s],
            ),
            subject=subjects.get(s),
            separate_items=frozenset(i.item_key for i in kept_items[s]),
            separate_records=frozenset(r.id for r in kept_records[s]),
        )
        for s in ids
    }


def _facts(
    ctx: VaultContext,
    subject_id: str,
    subject: Subject | None,
    live_items: Sequence[SealedItem],
    live_records: Sequence[StoredRecord],
    separate_items: Sequence[SealedItem],
    separate_records: Sequence[StoredRecord],
    events: Sequence[SubjectEvent],
    consents: Sequence[ConsentEvent],
    holds: Sequence[Hold],
) -> RetentionFacts:
    jurisdictions = (
        subject.jurisdictions if subject and subject.jurisdictions else ctx.policy.jurisdictions
    )
    live_keys = {i.item_key for i in live_items}
    live_ids = {r.id for r in live_records}
    kept_items = [i for i in separate_items if i.item_key not in live_keys]
    kept_records = [r for r in separate_records if r.id not in live_ids]
    return RetentionFacts(
        subject_id=subject_id,
        jurisdictions=tuple(jurisdictions),
        events=tuple((e.name, e.at) for e in events),
        consents=tuple(consents),
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
        holds=tuple(holds),
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
    put, gone, kept = _reconcile(ctx, wanted, session.tasks(subject_id))
    session.put_tasks(put)
    session.delete_tasks(gone)
    return kept


def reschedule_of(
    ctx: VaultContext, session: VaultSession, facts: Mapping[str, RetentionFacts]
) -> None:
    """``reschedule`` of several subjects, each with its facts as they now stand (the keys):
    their tasks read, and the changes written, with a few statements for them all."""
    if not facts:
        return
    stored = session.tasks_of(list(facts), OPEN_STATUSES)
    put: list[RetentionTask] = []
    gone: list[str] = []
    for subject_id, subject_facts in facts.items():
        wanted = plan_facts(ctx, subject_facts)
        subject_put, subject_gone, _ = _reconcile(ctx, wanted, stored[subject_id])
        put += subject_put
        gone += subject_gone
    session.put_tasks(put)
    session.delete_tasks(gone)


def _reconcile(
    ctx: VaultContext, wanted: Sequence[Deadline], tasks: Sequence[RetentionTask]
) -> tuple[list[RetentionTask], list[str], list[RetentionTask]]:
    """What to store (new and changed tasks) and to delete (ids) so that a subject's stored
    ``tasks`` follow its ``wanted`` deadlines; and its open tasks after that."""
    existing = {
        _work_key(t.deadline): t
        for t in tasks
        if t.status in OPEN_STATUSES and t.deadline.target_kind is not TargetKind.subject_keys
    }
    put: list[RetentionTask] = []
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
        put.append(task)
        kept.append(task)
    stale = list(existing.values())
    gone = [t.id for t in stale if t.status is TaskStatus.scheduled]
    put += [
        replace(task, status=TaskStatus.cancelled, note="facts_changed")
        for task in stale
        if task.status is not TaskStatus.scheduled
    ]
    return put, gone, kept


def _work_key(deadline: Deadline) -> tuple[str, str, str]:
    return (deadline.target_kind.value, deadline.target_key, deadline.action.value)
