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

A chunk's subjects are worked together: their rows locked in id order, their facts read, their
items, lookups and keys deleted and their tasks written with a few statements for them all,
their shredding keys destroyed in one transaction of the key store; only the audit entries are
still one per subject and action. The certificate is counted a page of tasks at a time, so no
stage holds more than a chunk (or a page) of work in memory, whatever the size of the vault.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
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
from policyvault.services.ports import VaultSession
from policyvault.services.retention.certificates import certificate_body
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.deadlines import (
    StoredFacts,
    plan_facts,
    reschedule_of,
    retention_facts_of,
)

SWEEPER = Actor(id="svc.sweeper", role="system")
DEADLINES_POLICY = "retention.deadlines_policy"  # setting: digest of the policy planned under
NO_APPROVAL = "policy:no_approval_required"
NOT_DESTROYED = "none:moved"  # a move to the separate store destroys nothing: no certificate

Progress = Callable[[str, int], None]
_ITEM = TargetKind.item
_KEYS = TargetKind.subject_keys
_RECORD = TargetKind.record


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
            report.archived += _archive(ctx, session, journal, actor, {subject_id: moves}, now)
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
            _destroy_chunk(ctx, session, journal, actor, {subject_id: approved}, now, report)
        journal.flush(ctx, session)
    with ctx.session() as session:  # the shredding key, once the database forgot the rest
        keys = [
            t
            for t in session.tasks(subject_id)
            if t.status is TaskStatus.approved and t.deadline.target_kind is TargetKind.subject_keys
        ]
        if keys:
            _destroy_chunk(ctx, session, journal, actor, {subject_id: keys}, now, report)
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
            stored = session.subjects_by_id(page)
            live = [s for s in page if s in stored and stored[s].shredded_at is None]
            loaded = retention_facts_of(ctx, session, live)
            reschedule_of(ctx, session, {s: loaded[s].facts for s in live})
            report.replanned_subjects += len(live)
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
            moves = _by_subject(t for t in claimed if t.deadline.action is Action.archive)
            if moves:
                session.lock_subjects(sorted(moves))  # as when destroying
                report.archived += _archive(ctx, session, journal, actor, moves, now)
            journal.flush(ctx, session)
        tick("queue", len(claimed))
    report.batch_id = batch_id


def _archive(
    ctx: VaultContext,
    session: VaultSession,
    journal: _Journal,
    actor: Actor,
    grouped: Mapping[str, list[RetentionTask]],
    now: datetime,
) -> int:
    """Move the items and records of some subjects (their rows locked) to the separate store:
    copy there (committed first), then delete here, in this transaction with the tasks marked
    done. Returns how many were moved."""
    subject_ids = sorted(grouped)
    wanted = {
        s: {(t.deadline.target_kind, t.deadline.target_key) for t in grouped[s]}
        for s in subject_ids
    }
    with_items = [s for s in subject_ids if any(kind is _ITEM for kind, _ in wanted[s])]
    with_records = [s for s in subject_ids if any(kind is _RECORD for kind, _ in wanted[s])]
    live_items = session.items_of(with_items)
    live_records = session.records_of(with_records)
    items = {
        s: [i for i in live_items.get(s, []) if (_ITEM, i.item_key) in wanted[s]]
        for s in subject_ids
    }
    records = {
        s: [r for r in live_records.get(s, []) if (_RECORD, r.id) in wanted[s]] for s in subject_ids
    }
    if any(items.values()) or any(records.values()):
        with ctx.separate.session() as separate:
            for subject_id in subject_ids:
                for item in items[subject_id]:
                    separate.put_item(item)
                for record in records[subject_id]:
                    separate.put_record(record)
    moved_keys = {s: [i.item_key for i in items[s]] for s in subject_ids}
    session.delete_items_of({s: keys for s, keys in moved_keys.items() if keys})
    session.delete_records_of({s: [r.id for r in records[s]] for s in subject_ids if records[s]})
    _drop_lookups(ctx, session, moved_keys)
    session.mark_tasks(
        [t.id for s in subject_ids for t in grouped[s]],
        TaskStatus.done,
        at=now,
        certificate_id=NOT_DESTROYED,
    )
    loaded = retention_facts_of(ctx, session, subject_ids)
    reschedule_of(ctx, session, {s: loaded[s].facts for s in subject_ids})
    for subject_id in subject_ids:
        journal.record(
            actor,
            "retention.archive",
            Decision.allow("statutory_retention", "moved to the separate store"),
            subject_id=subject_id,
            item_keys=tuple(sorted(moved_keys[subject_id])),
            details={
                "records": len(records[subject_id]),
                "record_types": sorted({r.record_type for r in records[subject_id]}),
            },
        )
    return sum(len(items[s]) + len(records[s]) for s in subject_ids)


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
            grouped = _by_subject(claimed)
            # Another sweeper may hold other tasks of these subjects: take turns, so that the
            # one that destroys a subject's last thing sees it is the last (all of the chunk's
            # subjects, in id order: no deadlock between two sweepers).
            session.lock_subjects(sorted(grouped))
            _destroy_chunk(ctx, session, journal, actor, grouped, now, report)
            journal.flush(ctx, session)
        tick("destroy", len(claimed))


@dataclass
class _SubjectWork:
    """What a chunk does for one subject, once its facts are planned again."""

    subject_id: str
    batch_id: str | None
    to_do: list[RetentionTask]
    remaining: RetentionFacts  # its facts once ``to_do`` is done
    shred: bool = False  # nothing the policy declares is left: its keys go


def _destroy_chunk(
    ctx: VaultContext,
    session: VaultSession,
    journal: _Journal,
    actor: Actor,
    grouped: Mapping[str, list[RetentionTask]],
    now: datetime,
    report: SweepReport,
) -> None:
    """Do the approved ``grouped`` tasks of some subjects (their rows locked), in this
    transaction, reading and writing with a few statements for the whole chunk."""
    keys_tasks = [t for tasks in grouped.values() for t in tasks if t.deadline.target_kind is _KEYS]
    if keys_tasks:
        # The database forgot the keys in an earlier transaction; now the shredding keys go,
        # which is what makes every copy of the ciphertexts unreadable (destroying twice is a
        # no-op, so a rerun after a crash here is harmless).
        emptied = sorted({t.subject_id for t in keys_tasks})
        ctx.shredding_keys.destroy_many(emptied)
        session.mark_tasks([t.id for t in keys_tasks], TaskStatus.done, at=now)
        report.keys_destroyed += len(emptied)
    work = {
        subject_id: mine
        for subject_id, tasks in sorted(grouped.items())
        if (mine := [t for t in tasks if t.deadline.target_kind is not _KEYS])
    }
    if not work:
        return
    loaded = retention_facts_of(ctx, session, list(work))
    planned = [_plan_work(ctx, loaded[s], tasks, now) for s, tasks in work.items()]
    overtaken = [t.id for _, cancelled in planned for t in cancelled]
    if overtaken:
        session.mark_tasks(overtaken, TaskStatus.cancelled, at=now, note="facts_changed")
        report.cancelled += len(overtaken)
    done = [one for one, _ in planned]
    for one in done:
        one.shred = _nothing_left(ctx, loaded[one.subject_id], one.remaining)
    _destroy(ctx, session, loaded, done, report)
    session.mark_tasks([t.id for one in done for t in one.to_do], TaskStatus.done, at=now)
    _shred(ctx, session, [one for one in done if one.shred], now)
    for one in done:
        if one.to_do:
            journal.record(
                actor,
                "retention.destroy",
                Decision.allow("retention_ended", "destroyed on its retention deadline"),
                subject_id=one.subject_id,
                item_keys=tuple(sorted(_item_keys(one.to_do))),
                details={
                    "batch_id": one.to_do[0].batch_id,
                    "records": sum(1 for t in one.to_do if t.deadline.target_kind is _RECORD),
                    "anonymised": sum(
                        1 for t in one.to_do if t.deadline.action is Action.anonymise
                    ),
                },
            )
        if one.shred:
            journal.record(
                actor,
                "vault.shred",
                Decision.allow(
                    "destruction", "nothing of the subject is left: its keys are destroyed"
                ),
                subject_id=one.subject_id,
            )
    reschedule_of(ctx, session, {one.subject_id: one.remaining for one in done})


def _plan_work(
    ctx: VaultContext, stored: StoredFacts, work: list[RetentionTask], now: datetime
) -> tuple[_SubjectWork, list[RetentionTask]]:
    """Plan the subject again from its current facts: the tasks still to do, and those that
    new facts have overtaken (to cancel, not do)."""
    facts = stored.facts
    current = {_work_key(d): d for d in plan_facts(ctx, facts)}
    present = {(TargetKind.item, i.key) for i in facts.items} | {
        (_RECORD, r.id) for r in facts.records
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
    gone = {t.deadline.target for t in to_do}
    remaining = replace(
        facts,
        items=tuple(i for i in facts.items if (TargetKind.item, i.key) not in gone),
        records=tuple(r for r in facts.records if (_RECORD, r.id) not in gone),
    )
    return _SubjectWork(facts.subject_id, work[0].batch_id, to_do, remaining), overtaken


def _destroy(
    ctx: VaultContext,
    session: VaultSession,
    loaded: Mapping[str, StoredFacts],
    done: list[_SubjectWork],
    report: SweepReport,
) -> None:
    """Delete the items and records of the work to do, from both stores: an item found in both
    is a move cut short, and both copies go. The separate store commits first, on its own."""
    items = {one.subject_id: _item_keys(one.to_do) for one in done}
    records = {
        one.subject_id: [
            t.deadline.target_key for t in one.to_do if t.deadline.target_kind is _RECORD
        ]
        for one in done
    }
    # what the separate store holds of them (read under this chunk's subject locks, so no
    # move can have added a copy since)
    apart = [
        (
            s,
            [k for k in items[s] if k in loaded[s].separate_items],
            [r for r in records[s] if r in loaded[s].separate_records],
        )
        for s in items
    ]
    apart = [(s, keys, ids) for s, keys, ids in apart if keys or ids]
    if apart:
        with ctx.separate.session() as separate:
            for subject_id, keys, ids in apart:
                if keys:
                    separate.delete_items(subject_id, keys)
                if ids:
                    separate.delete_records(subject_id, ids)
    session.delete_items_of({s: keys for s, keys in items.items() if keys})
    session.delete_records_of({s: ids for s, ids in records.items() if ids})
    # (every lookup of a subject of which nothing is left goes in ``_shred``)
    _drop_lookups(
        ctx, session, {one.subject_id: items[one.subject_id] for one in done if not one.shred}
    )
    anonymised: Counter[str] = Counter()
    for one in done:
        for task in one.to_do:
            kind = task.deadline.target_kind
            if kind is _RECORD:
                report.destroyed_records += 1
            elif task.deadline.action is Action.anonymise:
                # The value is gone; the subject still counts in the statistics (also when a
                # run cut short deleted it and lost the count with its transaction).
                anonymised[task.deadline.target_key] += 1
                report.anonymised_items += 1
            else:
                report.destroyed_items += 1
    for item_key, count in sorted(anonymised.items()):
        session.count_anonymised(item_key, count)


def _nothing_left(ctx: VaultContext, stored: StoredFacts, remaining: RetentionFacts) -> bool:
    """Whether nothing the policy declares is left of the subject (``remaining``: its facts
    after this run's destructions), so that its keys go (crypto-shredding)."""
    subject = stored.subject
    if subject is None or subject.shredded_at is not None:
        return False
    declared = ctx.policy.items
    if any(i.key in declared for i in remaining.items) or remaining.records:
        return False
    return not any(h.subject_id == remaining.subject_id for h in remaining.holds)


def _shred(
    ctx: VaultContext, session: VaultSession, shredded: list[_SubjectWork], now: datetime
) -> None:
    """Forget the keys of subjects of which nothing is left. The database part happens here;
    each shredding key goes in a later transaction, through a ``subject_keys`` task of the same
    batch, so a crash in between is finished by the next run."""
    if not shredded:
        return
    ids = [one.subject_id for one in shredded]
    # what is left is not declared (a guardian's record): it goes too
    session.delete_items_of(
        {one.subject_id: [i.key for i in one.remaining.items] for one in shredded}
    )
    session.delete_lookups_of(ids)
    session.destroy_keys(ids, now)
    session.put_tasks(
        [
            RetentionTask(
                id=ctx.new_id(),
                deadline=Deadline(
                    subject_id=one.subject_id,
                    target_kind=_KEYS,
                    target_key=one.subject_id,
                    action=Action.destroy,
                    end_at=now,
                    due_at=now,
                    rule="keys:nothing_left",
                ),
                status=TaskStatus.approved,
                batch_id=one.batch_id,
                decided_by=NO_APPROVAL,
                decided_at=now,
            )
            for one in shredded
        ]
    )


def _item_keys(tasks: Iterable[RetentionTask]) -> list[str]:
    return [t.deadline.target_key for t in tasks if t.deadline.target_kind is TargetKind.item]


def _lookup_kinds(ctx: VaultContext, item_keys: Iterable[str]) -> tuple[str, ...]:
    """The blind-index kinds that these items feed (an email, a phone number)."""
    kinds: set[str] = set()
    for key in item_keys:
        item = ctx.policy.items.get(key)
        if item is not None and item.type is ItemType.email:
            kinds.add(IndexKind.email.value)
        elif item is not None and item.type is ItemType.phone:
            kinds.add(IndexKind.phone.value)
    return tuple(sorted(kinds))


def _drop_lookups(
    ctx: VaultContext, session: VaultSession, item_keys: Mapping[str, Iterable[str]]
) -> None:
    """An email or phone number that left the live store (``item_keys``: by subject) no longer
    finds the subject."""
    by_kinds: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for subject_id, keys in item_keys.items():
        if kinds := _lookup_kinds(ctx, keys):
            by_kinds[kinds].append(subject_id)
    for kinds, subject_ids in by_kinds.items():
        session.delete_lookups_of(subject_ids, kinds)


# certificates and alerts ------------------------------------------------------------------------


def _certify(ctx: VaultContext, actor: Actor, report: SweepReport, now: datetime) -> None:
    """A certificate for every batch whose work is all done (or cancelled) and has none yet."""
    with ctx.session() as session:
        batches = session.uncertified_batches()
    for batch_id in batches:
        _certify_batch(ctx, actor, report, batch_id, now)


def _certify_batch(
    ctx: VaultContext, actor: Actor, report: SweepReport, batch_id: str, now: datetime
) -> None:
    with ctx.session() as session:
        if session.find_tasks(QUEUED_STATUSES, batch_id=batch_id, limit=1):
            return  # still waiting for approval or for its turn
        if not session.find_tasks([TaskStatus.done], batch_id=batch_id, uncertified=True, limit=1):
            return
        certificate_id = ctx.new_id()
        body = certificate_body(
            ctx.policy,
            certificate_id,
            batch_id,
            _each(session, [TaskStatus.done], batch_id=batch_id, uncertified=True),
            now,
            subjects=session.batch_subjects(batch_id),
        )
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


def _each(
    session: VaultSession,
    statuses: list[TaskStatus],
    *,
    batch_id: str | None = None,
    ended_by: datetime | None = None,
    uncertified: bool = False,
) -> Iterator[RetentionTask]:
    """The tasks ``find_tasks`` finds, a page at a time (never all of them in memory)."""
    after: str | None = None
    while page := session.find_tasks(
        statuses, batch_id=batch_id, ended_by=ended_by, uncertified=uncertified, after_id=after
    ):
        yield from page
        after = page[-1].id


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
    """What a run would do now, counted a page at a time."""
    with ctx.session() as session:
        for task in _each(session, [TaskStatus.scheduled], ended_by=now):
            if task.deadline.held:
                continue
            if task.deadline.action is Action.archive:
                report.archived += 1
            else:
                report.queued += 1
        for task in _each(session, [TaskStatus.approved], ended_by=now):
            kind, action = task.deadline.target_kind, task.deadline.action
            if task.deadline.held:
                continue
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
