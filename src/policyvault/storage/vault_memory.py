"""The in-memory vault: the twin of the SQL stores for tests and demos. A session works on a
copy of the state and publishes it on success, so a failed operation leaves nothing behind,
and it shares one transaction with the in-memory audit log."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime

from policyvault.domain.access import Grant
from policyvault.domain.consent import ConsentEvent
from policyvault.domain.errors import NotFound
from policyvault.domain.policy_versions import PolicyVersion
from policyvault.domain.retention import (
    Certificate,
    Hold,
    RetentionTask,
    StoredRecord,
    TaskStatus,
)
from policyvault.domain.vault import (
    Disclosure,
    ItemFreeze,
    ProcessingLimit,
    SealedItem,
    Subject,
    SubjectEvent,
)
from policyvault.storage.audit_memory import InMemoryAuditStore
from policyvault.storage.requests_memory import InMemoryRequestLedger, RequestState


@dataclass
class _State:
    subjects: dict[str, Subject] = field(default_factory=dict)
    keys: dict[str, bytes] = field(default_factory=dict)
    items: dict[tuple[str, str], SealedItem] = field(default_factory=dict)
    lookups: set[tuple[str, str, str]] = field(default_factory=set)  # (kind, digest, subject)
    consents: list[tuple[ConsentEvent, bytes | None]] = field(default_factory=list)
    events: list[SubjectEvent] = field(default_factory=list)
    limits: dict[str, ProcessingLimit] = field(default_factory=dict)
    freezes: list[ItemFreeze] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    disclosures: list[Disclosure] = field(default_factory=list)
    policy_versions: dict[int, tuple[PolicyVersion, str]] = field(default_factory=dict)
    records: dict[str, StoredRecord] = field(default_factory=dict)
    tasks: dict[str, RetentionTask] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    requests: RequestState = field(default_factory=RequestState)


class InMemoryVaultStore:
    def __init__(self, audit_store: InMemoryAuditStore) -> None:
        self.audit_store = audit_store
        self._state = _State()
        self._lock = threading.RLock()

    @contextmanager
    def session(self) -> Iterator[InMemoryVaultSession]:
        with self._lock, self.audit_store.transaction() as audit_tx:
            working = copy.deepcopy(self._state)
            yield InMemoryVaultSession(working, audit_tx)
            self._state = working  # only reached when the block did not raise

    def raw_state(self) -> _State:
        """For tests that look at what is stored."""
        return self._state


class InMemoryVaultSession:
    def __init__(self, state: _State, audit_connection: object) -> None:
        self._s = state
        self._audit = audit_connection

    @property
    def audit_connection(self) -> object:
        return self._audit

    @property
    def requests(self) -> InMemoryRequestLedger:
        return InMemoryRequestLedger(self._s.requests)

    # subjects and keys --------------------------------------------------------------------------

    def add_subject(self, subject: Subject, wrapped_key: bytes) -> None:
        if subject.id in self._s.subjects:
            raise ValueError("subject id already exists")
        self._s.subjects[subject.id] = subject
        self._s.keys[subject.id] = wrapped_key

    def subject(self, subject_id: str) -> Subject | None:
        return self._s.subjects.get(subject_id)

    def update_subject(self, subject: Subject) -> None:
        self._s.subjects[subject.id] = subject

    def wrapped_key(self, subject_id: str) -> bytes | None:
        return self._s.keys.get(subject_id)

    def replace_wrapped_key(self, subject_id: str, wrapped_key: bytes, key_id: str) -> None:
        if subject_id not in self._s.keys:  # never writes a key back over a destroyed one
            raise NotFound(f"no data key of subject {subject_id}")
        self._s.keys[subject_id] = wrapped_key
        self._s.subjects[subject_id] = replace(self._s.subjects[subject_id], key_id=key_id)

    def destroy_key(self, subject_id: str, at: datetime) -> None:
        self._s.keys.pop(subject_id, None)
        subject = self._s.subjects[subject_id]
        self._s.subjects[subject_id] = replace(subject, shredded_at=at)

    def lock_subject(self, subject_id: str) -> None:
        """Sessions are serialised already."""

    def subject_ids(self, after: str | None = None, limit: int = 1000) -> list[str]:
        ids = sorted(i for i in self._s.subjects if after is None or i > after)
        return ids[:limit]

    def subjects_by_id(self, subject_ids: Sequence[str]) -> dict[str, Subject]:
        return {s: self._s.subjects[s] for s in subject_ids if s in self._s.subjects}

    def lock_subjects(self, subject_ids: Sequence[str]) -> None:
        """Sessions are serialised already."""

    def destroy_keys(self, subject_ids: Sequence[str], at: datetime) -> int:
        found = [s for s in dict.fromkeys(subject_ids) if s in self._s.subjects]
        for subject_id in found:
            self.destroy_key(subject_id, at)
        return len(found)

    # items --------------------------------------------------------------------------------------

    def put_item(self, item: SealedItem) -> None:
        self._s.items[(item.subject_id, item.item_key)] = item

    def items(self, subject_id: str, keys: Sequence[str] | None = None) -> list[SealedItem]:
        found = [i for (s, _), i in self._s.items.items() if s == subject_id]
        if keys is not None:
            found = [i for i in found if i.item_key in keys]
        return sorted(found, key=lambda i: i.item_key)

    def delete_items(self, subject_id: str, keys: Sequence[str]) -> int:
        gone = [k for k in keys if self._s.items.pop((subject_id, k), None) is not None]
        return len(gone)

    def items_of(self, subject_ids: Sequence[str]) -> dict[str, list[SealedItem]]:
        return {s: self.items(s) for s in subject_ids}

    def delete_items_of(self, targets: Mapping[str, Sequence[str]]) -> int:
        return sum(self.delete_items(s, list(dict.fromkeys(keys))) for s, keys in targets.items())

    # blind index --------------------------------------------------------------------------------

    def add_lookup(self, subject_id: str, kind: str, digest: str) -> None:
        self._s.lookups.add((kind, digest, subject_id))

    def find_subjects(self, kind: str, digest: str) -> list[str]:
        return sorted(s for k, d, s in self._s.lookups if k == kind and d == digest)

    def delete_lookups(self, subject_id: str, kind: str | None = None) -> None:
        self._s.lookups = {
            row for row in self._s.lookups if not (row[2] == subject_id and kind in (None, row[0]))
        }

    def delete_lookups_of(
        self, subject_ids: Sequence[str], kinds: Sequence[str] | None = None
    ) -> None:
        subjects = set(subject_ids)
        self._s.lookups = {
            row
            for row in self._s.lookups
            if not (row[2] in subjects and (kinds is None or row[0] in kinds))
        }

    # consents and events ------------------------------------------------------------------------

    def add_consent(self, event: ConsentEvent, sealed_evidence: bytes | None) -> None:
        self._s.consents.append((event, sealed_evidence))

    def consents(self, subject_id: str) -> list[ConsentEvent]:
        return [e for e, _ in self._s.consents if e.subject_id == subject_id]

    def add_event(self, event: SubjectEvent) -> None:
        self._s.events.append(event)

    def events(self, subject_id: str) -> list[SubjectEvent]:
        return [e for e in self._s.events if e.subject_id == subject_id]

    def consents_of(self, subject_ids: Sequence[str]) -> dict[str, list[ConsentEvent]]:
        return {s: self.consents(s) for s in subject_ids}

    def events_of(self, subject_ids: Sequence[str]) -> dict[str, list[SubjectEvent]]:
        return {s: self.events(s) for s in subject_ids}

    # limits and freezes -------------------------------------------------------------------------

    def add_limit(self, limit: ProcessingLimit) -> None:
        self._s.limits[limit.id] = limit

    def lift_limit(self, limit_id: str, at: datetime) -> None:
        self._s.limits[limit_id] = replace(self._s.limits[limit_id], lifted_at=at)

    def limits(self, subject_id: str) -> list[ProcessingLimit]:
        return [lim for lim in self._s.limits.values() if lim.subject_id == subject_id]

    def add_freeze(self, freeze: ItemFreeze) -> None:
        self._s.freezes.append(freeze)

    def release_freezes(self, subject_id: str, request_id: str, at: datetime) -> None:
        self._s.freezes = [
            replace(f, released_at=at)
            if f.subject_id == subject_id and f.request_id == request_id and f.released_at is None
            else f
            for f in self._s.freezes
        ]

    def freezes(self, subject_id: str) -> list[ItemFreeze]:
        return [f for f in self._s.freezes if f.subject_id == subject_id]

    # grants and disclosures ---------------------------------------------------------------------

    def add_grant(self, grant: Grant) -> None:
        self._s.grants[grant.id] = grant

    def revoke_grant(self, grant_id: str, at: datetime) -> bool:
        grant = self._s.grants.get(grant_id)
        if grant is None or grant.revoked_at is not None:
            return False
        self._s.grants[grant_id] = replace(grant, revoked_at=at)
        return True

    def grants(self, actor_id: str | None = None) -> list[Grant]:
        return [g for g in self._s.grants.values() if actor_id in (None, g.actor_id)]

    def add_disclosure(self, disclosure: Disclosure) -> None:
        self._s.disclosures.append(disclosure)

    def disclosures(self, subject_id: str) -> list[Disclosure]:
        return [d for d in self._s.disclosures if d.subject_id == subject_id]

    # policy versions ----------------------------------------------------------------------------

    def add_policy_version(self, version: PolicyVersion, text: str) -> None:
        if version.number in self._s.policy_versions:
            raise ValueError(f"policy version {version.number} already exists")
        self._s.policy_versions[version.number] = (version, text)

    def policy_versions(self) -> list[PolicyVersion]:
        return [v for _, (v, _) in sorted(self._s.policy_versions.items())]

    def policy_text(self, number: int) -> str | None:
        stored = self._s.policy_versions.get(number)
        return None if stored is None else stored[1]

    def activate_policy_version(self, number: int, at: datetime) -> bool:
        stored = self._s.policy_versions.get(number)
        if stored is None or stored[0].activated_at is not None:
            return False
        self._s.policy_versions[number] = (replace(stored[0], activated_at=at), stored[1])
        return True

    # statutory records ---------------------------------------------------------------------------

    def add_record(self, record: StoredRecord) -> None:
        self._s.records[record.id] = record

    def records(self, subject_id: str) -> list[StoredRecord]:
        found = [r for r in self._s.records.values() if r.subject_id == subject_id]
        return sorted(found, key=lambda r: (r.occurred_at, r.id))

    def delete_records(self, subject_id: str, ids: Sequence[str]) -> int:
        gone = [
            i
            for i in ids
            if (r := self._s.records.get(i)) is not None and r.subject_id == subject_id
        ]
        for i in gone:
            del self._s.records[i]
        return len(gone)

    def records_of(self, subject_ids: Sequence[str]) -> dict[str, list[StoredRecord]]:
        return {s: self.records(s) for s in subject_ids}

    def delete_records_of(self, targets: Mapping[str, Sequence[str]]) -> int:
        return sum(self.delete_records(s, list(dict.fromkeys(ids))) for s, ids in targets.items())

    # retention work -----------------------------------------------------------------------------

    def tasks(self, subject_id: str) -> list[RetentionTask]:
        return sorted(
            (t for t in self._s.tasks.values() if t.subject_id == subject_id), key=lambda t: t.id
        )

    def tasks_of(
        self, subject_ids: Sequence[str], statuses: Sequence[TaskStatus] | None = None
    ) -> dict[str, list[RetentionTask]]:
        wanted = set(subject_ids)
        found: dict[str, list[RetentionTask]] = {s: [] for s in subject_ids}
        for task in sorted(self._s.tasks.values(), key=lambda t: t.id):
            if task.subject_id in wanted and (statuses is None or task.status in statuses):
                found[task.subject_id].append(task)
        return found

    def put_task(self, task: RetentionTask) -> None:
        self._s.tasks[task.id] = task

    def put_tasks(self, tasks: Sequence[RetentionTask]) -> None:
        for task in tasks:
            self.put_task(task)

    def delete_tasks(self, ids: Sequence[str]) -> None:
        for i in ids:
            self._s.tasks.pop(i, None)

    def claim_tasks(
        self, statuses: Sequence[TaskStatus], *, ended_by: datetime | None, limit: int
    ) -> list[RetentionTask]:
        found = [
            t
            for t in self._s.tasks.values()
            if t.status in statuses
            and not t.deadline.held
            and (ended_by is None or t.deadline.end_at <= ended_by)
        ]
        return sorted(found, key=lambda t: (t.deadline.end_at, t.subject_id, t.id))[:limit]

    def find_tasks(
        self,
        statuses: Sequence[TaskStatus],
        *,
        due_before: datetime | None = None,
        batch_id: str | None = None,
        record_type: str | None = None,
        ended_by: datetime | None = None,
        uncertified: bool = False,
        after_id: str | None = None,
        limit: int = 1000,
    ) -> list[RetentionTask]:
        found = [
            t
            for t in self._s.tasks.values()
            if t.status in statuses
            and (due_before is None or t.deadline.due_at < due_before)
            and (batch_id is None or t.batch_id == batch_id)
            and (record_type is None or t.deadline.record_type == record_type)
            and (not uncertified or t.certificate_id is None)
            and (ended_by is None or t.deadline.end_at <= ended_by)
            and (after_id is None or t.id > after_id)
        ]
        return sorted(found, key=lambda t: t.id)[:limit]

    def mark_tasks(
        self,
        ids: Sequence[str],
        status: TaskStatus,
        *,
        at: datetime,
        batch_id: str | None = None,
        decided_by: str | None = None,
        note: str | None = None,
        certificate_id: str | None = None,
    ) -> int:
        changed = 0
        for task_id in ids:
            task = self._s.tasks.get(task_id)
            if task is None:
                continue
            if status is TaskStatus.done:
                task = replace(task, status=status, done_at=at)
            else:
                task = replace(task, status=status, decided_at=at, decided_by=decided_by)
            if batch_id is not None:
                task = replace(task, batch_id=batch_id)
            if note is not None:
                task = replace(task, note=note)
            if certificate_id is not None:
                task = replace(task, certificate_id=certificate_id)
            self._s.tasks[task_id] = task
            changed += 1
        return changed

    def set_certificate(self, batch_id: str, certificate_id: str) -> int:
        changed = 0
        for task_id, task in list(self._s.tasks.items()):
            if (
                task.batch_id == batch_id
                and task.status is TaskStatus.done
                and task.certificate_id is None
            ):
                self._s.tasks[task_id] = replace(task, certificate_id=certificate_id)
                changed += 1
        return changed

    def uncertified_batches(self) -> list[str]:
        return sorted(
            {
                t.batch_id
                for t in self._s.tasks.values()
                if t.status is TaskStatus.done and t.certificate_id is None and t.batch_id
            }
        )

    def batch_subjects(self, batch_id: str) -> int:
        return len(
            {
                t.subject_id
                for t in self._s.tasks.values()
                if t.batch_id == batch_id
                and t.status is TaskStatus.done
                and t.certificate_id is None
            }
        )

    def count_tasks(
        self,
        statuses: Sequence[TaskStatus],
        *,
        due_before: datetime | None = None,
        held: bool | None = None,
    ) -> dict[str, int]:
        counts = {s.value: 0 for s in statuses}
        for t in self._s.tasks.values():
            if (
                t.status in statuses
                and (due_before is None or t.deadline.due_at < due_before)
                and (held is None or t.deadline.held is held)
            ):
                counts[t.status.value] += 1
        return counts

    # holds --------------------------------------------------------------------------------------

    def add_hold(self, hold: Hold) -> None:
        self._s.holds[hold.id] = hold

    def release_hold(self, hold_id: str, at: datetime, by: str) -> bool:
        hold = self._s.holds.get(hold_id)
        if hold is None or hold.released_at is not None:
            return False
        self._s.holds[hold_id] = replace(hold, released_at=at, released_by=by)
        return True

    def hold(self, hold_id: str) -> Hold | None:
        return self._s.holds.get(hold_id)

    def holds(self, *, active_only: bool = True) -> list[Hold]:
        found = [h for h in self._s.holds.values() if h.active or not active_only]
        return sorted(found, key=lambda h: (h.placed_at, h.id))

    def holds_for(self, subject_id: str) -> list[Hold]:
        return [
            h
            for h in self.holds()
            if h.subject_id == subject_id or (h.subject_id is None and h.record_type is not None)
        ]

    def holds_for_subjects(self, subject_ids: Sequence[str]) -> dict[str, list[Hold]]:
        return {s: self.holds_for(s) for s in subject_ids}

    # certificates, statistics, settings ----------------------------------------------------------

    def add_certificate(self, certificate: Certificate) -> bool:
        if any(c.batch_id == certificate.batch_id for c in self._s.certificates.values()):
            return False
        self._s.certificates[certificate.id] = certificate
        return True

    def certificate(self, certificate_id: str) -> Certificate | None:
        return self._s.certificates.get(certificate_id)

    def certificates(self, limit: int = 100) -> list[Certificate]:
        ordered = sorted(self._s.certificates.values(), key=lambda c: (c.issued_at, c.id))
        return list(reversed(ordered))[:limit]

    def count_anonymised(self, item_key: str, count: int) -> None:
        self._s.anonymised[item_key] = self._s.anonymised.get(item_key, 0) + count

    def anonymised_counts(self) -> dict[str, int]:
        return dict(sorted(self._s.anonymised.items()))

    def setting(self, key: str) -> str | None:
        return self._s.settings.get(key)

    def put_setting(self, key: str, value: str) -> None:
        self._s.settings[key] = value
