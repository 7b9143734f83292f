"""The sweeper: moves what only a statute still requires to the separate store, queues what
is due for destruction, destroys what is approved, writes a certificate per batch, and reports
what is close to its due date or past it.

Safe to run twice at once and to kill at any instant. Work is claimed a chunk at a time in the
transaction that does it (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises
writers), and a task changes state in the same transaction as the data it concerns, so a
killed run leaves each task either done or still to do. The separate store commits on its
own, before the transaction that records the move or the destruction: a crash between the two
leaves a copy the next run moves again (an upsert) or a row it deletes again (nothing left),
never a loss and never a second certificate (one per batch, by a unique key).

Before it destroys anything, the sweeper plans the subject again from its current facts: work
a new event, consent or hold has overtaken is cancelled, not done. That is what makes "never
before every rule has ended" and "a hold always wins" hold even against stale tasks.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from policyvault.crypto.blind_index import IndexKind
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.policy.data import ItemType
from policyvault.domain.retention import (
    OPEN_STATUSES,
    QUEUED_STATUSES,
    Action,
    Certificate,
    Deadline,
    RetentionFacts,
    RetentionTask,
    TargetKind,
    TaskStatus,
)
from policyvault.services.ports import SeparateSession, VaultSession
from policyvault.services.retention.certificates import certificate_body
from policyvault.services.retention.paging import all_tasks
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.deadlines import plan_facts, reschedule, retention_facts

SWEEPER = Actor(id="svc.sweeper", role="system")
DEADLINES_POLICY = "retention.deadlines_policy"  # setting: digest of the policy planned under
NO_APPROVAL = "policy:no_approval_required"
NOT_DESTROYED = "none:moved"  # a move to the separate store destroys nothing: no certificate

Progress = Callable[[str, int], None]


@dataclass
class SweepReport:
    at: datetime
    dry_run: bool
    replanned_subjects: int = 0
    archived: int = 0  # items and records moved to the separate store
    queued: int = 0  # newly queued for destruction
    destroyed_items: int = 0
    anonymised_items: int = 0
    destroyed_records: int = 0
    keys_destroyed: int = 0  # subjects crypto-shredded: nothing of them was left
    cancelled: int = 0  # overtaken by new facts before they were done
    batch_id: str | None = None
    certificates: list[str] = field(default_factory=list)
    awaiting_approval: int = 0
    near_due: int = 0  # awaiting approval and due within the alert window
    overdue: dict[str, int] = field(default_factory=dict)  # past due, not done, by status
    held: int = 0  # open work a legal hold stops

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue.values())


def sweep(
    ctx: VaultContext,
    actor: Actor = SWEEPER,
    *,
    dry_run: bool = False,
    chunk: int = 200,
    alert_window: timedelta = timedelta(days=2),
    progress: Progress | None = None,
) -> SweepReport:
    now = ctx.now()
    report = SweepReport(at=now, dry_run=dry_run)
    tick = progress or (lambda stage, n: None)
    if dry_run:
        _preview(ctx, report, now)
    else:
        _replan_if_policy_changed(ctx, report, tick)
        _queue_and_archive(ctx, actor, report, now, chunk, tick)
        _execute(ctx, actor, report, now, chunk, tick)
        _certify(ctx, actor, report, now)
    _alerts(ctx, actor, report, now, alert_window, record=not dry_run)
    return report


class _Journal:
    """The audit entries of a chunk, written at its end. The audit log serialises appenders
    with a lock held to the end of the transaction; taken last, it cannot close a cycle with
    the subject and row locks a chunk takes before (two sweepers, or a sweeper and a collect,
    would otherwise deadlock)."""

    def __init__(self) -> None:
        self._entries: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def record(self, *args: Any, **kwargs: Any) -> None:
        self._entries.append((args, kwargs))

    def flush(self, ctx: VaultContext, session: VaultSession) -> None:
        for args, kwargs in self._entries:
            ctx.record(session, *args, **kwargs)
        self._entries.clear()


def sweep_subject(
    ctx: VaultContext,
    subject_id: str,
    actor: Actor,
    *,
    note: str,
    targets: Collection[tuple[TargetKind, str]] | None = None,
) -> SweepReport:
    """Do now, for one subject, what its deadlines already ask: move what a statute keeps,
    destroy the rest, shred its keys if nothing is left, certify. For a deletion request,
    whose handler's decision is the approval (``note`` names the request): the work is
    approved by ``actor`` and audited as such, not queued for a batch of the sweeper.
    ``targets``: only these items or records (a deletion naming some); never what the
    approver rejected (that decision stands: the sweeper reports it)."""

    def mine(task: RetentionTask) -> bool:
        return (
            task.status in OPEN_STATUSES
            and task.status is not TaskStatus.rejected
            and not task.deadline.held
            and task.deadline.end_at <= now
            and (targets is None or task.deadline.target in targets)
        )

    now = ctx.now()
    report = SweepReport(at=now, dry_run=False)
    batch_id = ctx.new_id()
    journal = _Journal()
    with ctx.session() as session:
        session.lock_subject(subject_id)
        moves = [
            t for t in session.tasks(subject_id) if mine(t) and t.deadline.action is Action.archive
        ]
        if moves:
            report.archived += _archive(ctx, session, journal, actor, subject_id, moves, now)
        journal.flush(ctx, session)
    with ctx.session() as session:
        session.lock_subject(subject_id)
        due = [
            t
            for t in session.tasks(subject_id)
            if mine(t) and t.deadline.action is not Action.archive
        ]
        if due:
            session.mark_tasks(
                [t.id for t in due],
                TaskStatus.approved,
                at=now,
                batch_id=batch_id,
                decided_by=actor.id,
                note=note,
            )
            approved = [replace(t, status=TaskStatus.approved, batch_id=batch_id) for t in due]
            _destroy_for_subject(ctx, session, journal, actor, subject_id, approved, now, report)
        journal.flush(ctx, session)
    with ctx.session() as session:  # the shredding key, once the database forgot the rest
        keys = [
            t
            for t in session.tasks(subject_id)
            if t.status is TaskStatus.approved and t.deadline.target_kind is TargetKind.subject_keys
        ]
        if keys:
            _destroy_for_subject(ctx, session, journal, actor, subject_id, keys, now, report)
        journal.flush(ctx, session)
    report.batch_id = batch_id
    _certify_batch(ctx, actor, report, batch_id, now)
    return report


# planning ---------------------------------------------------------------------------------------


def policy_digest(ctx: VaultContext) -> str:
    return hashlib.sha256(ctx.policy.model_dump_json(by_alias=True).encode()).hexdigest()


def _replan_if_policy_changed(ctx: VaultContext, report: SweepReport, tick: Progress) -> None:
    """Stored deadlines follow the policy they were planned under; when another is in
    force, every subject is planned again before any work is done."""
    digest = policy_digest(ctx)
    with ctx.session() as session:
        if session.setting(DEADLINES_POLICY) == digest:
            return
        first = session.setting(DEADLINES_POLICY) is None and not session.subject_ids(limit=1)
    after: str | None = None
    while not first:
        with ctx.session() as session:
            page = session.subject_ids(after=after, limit=200)
            for subject_id in page:
                subject = session.subject(subject_id)
                if subject is not None and subject.shredded_at is None:
                    reschedule(ctx, session, subject_id)
                    report.replanned_subjects += 1
        if not page:
            break
        after = page[-1]
        tick("replan", len(page))
    with ctx.session() as session:
        session.put_setting(DEADLINES_POLICY, digest)


# queueing and moving ----------------------------------------------------------------------------


def _queue_and_archive(
    ctx: VaultContext,
    actor: Actor,
    report: SweepReport,
    now: datetime,
    chunk: int,
    tick: Progress,
) -> None:
    approval = ctx.policy.destruction.approval_required is True
    batch_id: str | None = None
    journal = _Journal()
    while True:
        with ctx.session() as session:
            claimed = session.claim_tasks([TaskStatus.scheduled], ended_by=now, limit=chunk)
            if not claimed:
                break
            to_queue = [t for t in claimed if t.deadline.action is not Action.archive]
            if to_queue:
                batch_id = batch_id or ctx.new_id()
                status = TaskStatus.awaiting_approval if approval else TaskStatus.approved
                session.mark_tasks(
                    [t.id for t in to_queue],
                    status,
                    at=now,
                    batch_id=batch_id,
                    decided_by=None if approval else NO_APPROVAL,
                )
                report.queued += len(to_queue)
                journal.record(
                    actor,
                    "retention.queue",
                    Decision.allow("retention_ended", f"{len(to_queue)} due for destruction"),
                    details={
                        "batch_id": batch_id,
                        "count": len(to_queue),
                        "approval_required": approval,
                    },
                )
            moves = [t for t in claimed if t.deadline.action is Action.archive]
            for subject_id, tasks in sorted(_by_subject(moves).items()):
                session.lock_subject(subject_id)
                report.archived += _archive(ctx, session, journal, actor, subject_id, tasks, now)
            journal.flush(ctx, session)
        tick("queue", len(claimed))
    report.batch_id = batch_id


def _archive(
    ctx: VaultContext,
    session: VaultSession,
    journal: _Journal,
    actor: Actor,
    subject_id: str,
    tasks: list[RetentionTask],
    now: datetime,
) -> int:
    """Move items and records to the separate store: copy there (committed first), then
    delete here, in this transaction with the tasks marked done."""
    item_keys = [t.deadline.target_key for t in tasks if t.deadline.target_kind is TargetKind.item]
    record_ids = {
        t.deadline.target_key for t in tasks if t.deadline.target_kind is TargetKind.record
    }
    items = session.items(subject_id, item_keys) if item_keys else []
    records = [r for r in session.records(subject_id) if r.id in record_ids]
    with ctx.separate.session() as separate:
        for item in items:
            separate.put_item(item)
        for record in records:
            separate.put_record(record)
    session.delete_items(subject_id, [i.item_key for i in items])
    session.delete_records(subject_id, [r.id for r in records])
    _drop_lookups(ctx, session, subject_id, [i.item_key for i in items])
    session.mark_tasks([t.id for t in tasks], TaskStatus.done, at=now, certificate_id=NOT_DESTROYED)
    reschedule(ctx, session, subject_id)
    journal.record(
        actor,
        "retention.archive",
        Decision.allow("statutory_retention", "moved to the separate store"),
        subject_id=subject_id,
        item_keys=tuple(sorted(i.item_key for i in items)),
        details={
            "records": len(records),
            "record_types": sorted({r.record_type for r in records}),
        },
    )
    return len(items) + len(records)


# destroying -------------------------------------------------------------------------------------


def _execute(
    ctx: VaultContext,
    actor: Actor,
    report: SweepReport,
    now: datetime,
    chunk: int,
    tick: Progress,
) -> None:
    journal = _Journal()
    while True:
        with ctx.session() as session:
            claimed = session.claim_tasks([TaskStatus.approved], ended_by=now, limit=chunk)
            if not claimed:
                break
            for subject_id, tasks in sorted(_by_subject(claimed).items()):
                # Another sweeper may hold other tasks of this subject: take turns, so that
                # the one that destroys its last thing sees it is the last (id order: no
                # deadlock between two sweepers).
                session.lock_subject(subject_id)
                _destroy_for_subject(ctx, session, journal, actor, subject_id, tasks, now, report)
            journal.flush(ctx, session)
        tick("destroy", len(claimed))


def _destroy_for_subject(
    ctx: VaultContext,
    session: VaultSession,
    journal: _Journal,
    actor: Actor,
    subject_id: str,
    tasks: list[RetentionTask],
    now: datetime,
    report: SweepReport,
) -> None:
    keys_tasks = [t for t in tasks if t.deadline.target_kind is TargetKind.subject_keys]
    if keys_tasks:
        # The database forgot the keys in an earlier transaction; now the shredding key goes,
        # which is what makes every copy of the ciphertext unreadable (destroying twice is a
        # no-op, so a rerun after a crash here is harmless).
        ctx.shredding_keys.destroy(subject_id)
        session.mark_tasks([t.id for t in keys_tasks], TaskStatus.done, at=now)
        report.keys_destroyed += 1
    work = [t for t in tasks if t.deadline.target_kind is not TargetKind.subject_keys]
    if not work:
        return
    facts = retention_facts(ctx, session, subject_id)
    current = {_work_key(d): d for d in plan_facts(ctx, facts)}
    present = {(TargetKind.item, i.key) for i in facts.items} | {
        (TargetKind.record, r.id) for r in facts.records
    }
    to_do: list[RetentionTask] = []
    overtaken: list[RetentionTask] = []
    for task in work:
        deadline = current.get(_work_key(task.deadline))
        if deadline is not None and deadline.held:
            continue  # a hold placed since: left as it is, reschedule marks it held
        if task.deadline.target not in present:
            # Destroyed by a run cut short after the separate store committed and before this
            # store did: the destruction happened, the bookkeeping did not. Finish it.
            to_do.append(task)
        elif deadline is None or deadline.end_at > now or not task.same_work(deadline):
            overtaken.append(task)
        else:
            to_do.append(task)
    if overtaken:
        session.mark_tasks(
            [t.id for t in overtaken], TaskStatus.cancelled, at=now, note="facts_changed"
        )
        report.cancelled += len(overtaken)
    if to_do:
        with ctx.separate.session() as separate:
            destroyed_keys = _destroy(ctx, session, separate, subject_id, to_do, report)
        session.mark_tasks([t.id for t in to_do], TaskStatus.done, at=now)
        journal.record(
            actor,
            "retention.destroy",
            Decision.allow("retention_ended", "destroyed on its retention deadline"),
            subject_id=subject_id,
            item_keys=tuple(sorted(destroyed_keys)),
            details={
                "batch_id": to_do[0].batch_id,
                "records": sum(1 for t in to_do if t.deadline.target_kind is TargetKind.record),
                "anonymised": sum(1 for t in to_do if t.deadline.action is Action.anonymise),
            },
        )
    gone = {t.deadline.target for t in to_do}
    remaining = replace(
        facts,
        items=tuple(i for i in facts.items if (TargetKind.item, i.key) not in gone),
        records=tuple(r for r in facts.records if (TargetKind.record, r.id) not in gone),
    )
    _shred_if_empty(ctx, session, journal, actor, remaining, work[0].batch_id, now)
    reschedule(ctx, session, subject_id, remaining)


def _destroy(
    ctx: VaultContext,
    session: VaultSession,
    separate: SeparateSession,
    subject_id: str,
    tasks: list[RetentionTask],
    report: SweepReport,
) -> list[str]:
    item_tasks = [t for t in tasks if t.deadline.target_kind is TargetKind.item]
    keys = [t.deadline.target_key for t in item_tasks]
    # From both stores: an item found in both is a move cut short, and both copies go.
    separate.delete_items(subject_id, keys)
    session.delete_items(subject_id, keys)
    _drop_lookups(ctx, session, subject_id, keys)
    for task in item_tasks:
        if task.deadline.action is Action.anonymise:
            # The value is gone; the subject still counts in the statistics (also when a run
            # cut short deleted it and lost the count with its transaction).
            report.anonymised_items += 1
            session.count_anonymised(task.deadline.target_key, 1)
        else:
            report.destroyed_items += 1
    record_ids = [
        t.deadline.target_key for t in tasks if t.deadline.target_kind is TargetKind.record
    ]
    if record_ids:
        separate.delete_records(subject_id, record_ids)
        session.delete_records(subject_id, record_ids)
        report.destroyed_records += len(record_ids)
    return keys


def _shred_if_empty(
    ctx: VaultContext,
    session: VaultSession,
    journal: _Journal,
    actor: Actor,
    remaining: RetentionFacts,
    batch_id: str | None,
    now: datetime,
) -> None:
    """Nothing the policy declares is left of the subject (``remaining``: its facts after this
    run's destructions): forget its keys (crypto-shredding). The database part happens here;
    the shredding key goes in a later transaction, through a ``subject_keys`` task of the same
    batch, so a crash in between is finished by the next run."""
    subject_id = remaining.subject_id
    subject = session.subject(subject_id)
    if subject is None or subject.shredded_at is not None:
        return
    declared = ctx.policy.items
    if any(i.key in declared for i in remaining.items) or remaining.records:
        return
    if any(h.subject_id == subject_id for h in remaining.holds):
        return
    session.delete_items(subject_id, [i.key for i in remaining.items])  # a guardian's record
    session.delete_lookups(subject_id)
    session.destroy_key(subject_id, now)
    deadline = Deadline(
        subject_id=subject_id,
        target_kind=TargetKind.subject_keys,
        target_key=subject_id,
        action=Action.destroy,
        end_at=now,
        due_at=now,
        rule="keys:nothing_left",
    )
    session.put_task(
        RetentionTask(
            id=ctx.new_id(),
            deadline=deadline,
            status=TaskStatus.approved,
            batch_id=batch_id,
            decided_by=NO_APPROVAL,
            decided_at=now,
        )
    )
    journal.record(
        actor,
        "vault.shred",
        Decision.allow("destruction", "nothing of the subject is left: its keys are destroyed"),
        subject_id=subject_id,
    )


def _drop_lookups(
    ctx: VaultContext, session: VaultSession, subject_id: str, item_keys: Iterable[str]
) -> None:
    """An email or phone number that left the live store no longer finds the subject."""
    for key in item_keys:
        item = ctx.policy.items.get(key)
        if item is not None and item.type is ItemType.email:
            session.delete_lookups(subject_id, IndexKind.email.value)
        elif item is not None and item.type is ItemType.phone:
            session.delete_lookups(subject_id, IndexKind.phone.value)


# certificates and alerts ------------------------------------------------------------------------


def _certify(ctx: VaultContext, actor: Actor, report: SweepReport, now: datetime) -> None:
    """A certificate for every batch whose work is all done (or cancelled) and has none yet."""
    with ctx.session() as session:
        batches: set[str] = set()
        after: str | None = None
        while True:
            page = session.find_tasks([TaskStatus.done], uncertified=True, after_id=after)
            if not page:
                break
            batches.update(t.batch_id for t in page if t.batch_id is not None)
            after = page[-1].id
    for batch_id in sorted(batches):
        _certify_batch(ctx, actor, report, batch_id, now)


def _certify_batch(
    ctx: VaultContext, actor: Actor, report: SweepReport, batch_id: str, now: datetime
) -> None:
    with ctx.session() as session:
        if session.find_tasks(QUEUED_STATUSES, batch_id=batch_id, limit=1):
            return  # still waiting for approval or for its turn
        done = all_tasks(session, [TaskStatus.done], batch_id=batch_id)
        done = [t for t in done if t.certificate_id is None]
        if not done:
            return
        certificate_id = ctx.new_id()
        body = certificate_body(ctx.policy, certificate_id, batch_id, done, now)
        if not session.add_certificate(Certificate(certificate_id, batch_id, now, body)):
            return
        session.set_certificate(batch_id, certificate_id)
        ctx.record(
            session,
            actor,
            "retention.certificate",
            Decision.allow("destruction_certificate", "destruction certificate issued"),
            details={
                "certificate_id": certificate_id,
                "batch_id": batch_id,
                "subjects": body["subjects"],
                "keys_destroyed": body["keys_destroyed"],
            },
        )
        report.certificates.append(certificate_id)


def _alerts(
    ctx: VaultContext,
    actor: Actor,
    report: SweepReport,
    now: datetime,
    window: timedelta,
    *,
    record: bool,
) -> None:
    """Unapproved work close to its due date, and anything past due, is reported (and, on a
    real run, audited): never silently dropped."""
    with ctx.session() as session:
        waiting = session.count_tasks([TaskStatus.awaiting_approval], held=False)
        report.awaiting_approval = waiting[TaskStatus.awaiting_approval.value]
        waiting_status = TaskStatus.awaiting_approval.value
        due_soon = session.count_tasks(
            [TaskStatus.awaiting_approval], due_before=now + window, held=False
        )[waiting_status]
        already_due = session.count_tasks(
            [TaskStatus.awaiting_approval], due_before=now, held=False
        )[waiting_status]
        report.near_due = due_soon - already_due  # overdue work is reported as overdue
        overdue = session.count_tasks(OPEN_STATUSES, due_before=now, held=False)
        report.overdue = {status: n for status, n in overdue.items() if n}
        report.held = sum(session.count_tasks(OPEN_STATUSES, held=True).values())
        if not record:
            return
        if report.near_due:
            ctx.record(
                session,
                actor,
                "retention.alert",
                Decision.deny(
                    "approval_needed", "destruction awaits approval close to its due date"
                ),
                details={"near_due": report.near_due, "window_hours": window // timedelta(hours=1)},
            )
        if report.overdue:
            ctx.record(
                session,
                actor,
                "retention.overdue",
                Decision.deny("overdue", "retention work is past its due date"),
                details={"overdue": report.overdue},
            )


def _preview(ctx: VaultContext, report: SweepReport, now: datetime) -> None:
    with ctx.session() as session:
        due = all_tasks(session, [TaskStatus.scheduled], ended_by=now)
        due = [t for t in due if not t.deadline.held]
        report.archived = sum(1 for t in due if t.deadline.action is Action.archive)
        report.queued = len(due) - report.archived
        ready = [
            t
            for t in all_tasks(session, [TaskStatus.approved], ended_by=now)
            if not t.deadline.held
        ]
        for task in ready:
            kind, action = task.deadline.target_kind, task.deadline.action
            if kind is TargetKind.record:
                report.destroyed_records += 1
            elif kind is TargetKind.subject_keys:
                report.keys_destroyed += 1
            elif action is Action.anonymise:
                report.anonymised_items += 1
            else:
                report.destroyed_items += 1


# helpers ----------------------------------------------------------------------------------------


def _by_subject(tasks: Iterable[RetentionTask]) -> dict[str, list[RetentionTask]]:
    grouped: dict[str, list[RetentionTask]] = defaultdict(list)
    for task in tasks:
        grouped[task.subject_id].append(task)
    return dict(grouped)


def _work_key(deadline: Deadline) -> tuple[str, str, str]:
    return (deadline.target_kind.value, deadline.target_key, deadline.action.value)
