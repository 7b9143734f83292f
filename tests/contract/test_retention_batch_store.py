"""The batch reads and writes the sweeper works a chunk of subjects with, on every vault store
(memory, SQLite, PostgreSQL), every separate store and every shredding-key store: each gives,
for several subjects at once, exactly what the one-subject method gives for each (in the same
order), every subject asked for is answered (an empty list when it has nothing), a subject
asked for twice counts once, and more subjects than one SQL ``IN`` list takes are answered
too."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, delete, text

from policyvault.domain.consent import ConsentAction, ConsentEvent
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.retention import (
    OPEN_STATUSES,
    Action,
    Deadline,
    Hold,
    RetentionTask,
    StoredRecord,
    TargetKind,
    TaskStatus,
)
from policyvault.domain.vault import SealedItem, Subject, SubjectEvent
from policyvault.storage.audit_sql import postgres_engine
from policyvault.storage.separate_memory import InMemorySeparateStore
from policyvault.storage.separate_sql import SqlSeparateStore
from policyvault.storage.shredding_keys_memory import InMemoryShreddingKeyStore
from policyvault.storage.shredding_keys_sqlite import SqliteShreddingKeyStore

if TYPE_CHECKING:  # the fixture's type; conftest is not importable as a package module
    from conftest import VaultBackend

T0 = datetime(2026, 3, 2, 9, 0, 0, 123457, tzinfo=UTC)
KST = timezone(timedelta(hours=9))
MANY = 450  # more than one IN list of the SQL stores takes (400)


class Boom(Exception):
    pass


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def subject(subject_id: str, **changes: Any) -> Subject:
    fields: dict[str, Any] = {
        "id": subject_id,
        "created_at": T0,
        "jurisdictions": ("KR",),
        "key_id": "master-1",
    }
    fields.update(changes)
    return Subject(**fields)


def item(item_key: str, subject_id: str, **changes: Any) -> SealedItem:
    fields: dict[str, Any] = {
        "subject_id": subject_id,
        "item_key": item_key,
        "sealed": b"\x00sealed:" + f"{subject_id}/{item_key}".encode() + b"\xff",
        "point": "signup",
        "collected_at": T0,
        "updated_at": at(1),
    }
    fields.update(changes)
    return SealedItem(**fields)


def record(record_id: str, subject_id: str, **changes: Any) -> StoredRecord:
    fields: dict[str, Any] = {
        "id": record_id,
        "subject_id": subject_id,
        "record_type": "payment_and_supply",
        "occurred_at": T0,
        "sealed": b"\x00sealed-record:" + record_id.encode() + b"\xff",
        "recorded_at": at(1),
    }
    fields.update(changes)
    return StoredRecord(**fields)


def consent(subject_id: str, **changes: Any) -> ConsentEvent:
    fields: dict[str, Any] = {
        "subject_id": subject_id,
        "category": ConsentCategory.marketing,
        "purposes": ("marketing.email",),
        "action": ConsentAction.given,
        "at": T0,
        "policy_version": "2026-03-01",
        "notice_hash": "sha256:" + "ab" * 32,
        "channel": "web",
    }
    fields.update(changes)
    return ConsentEvent(**fields)


def task(
    task_id: str,
    subject_id: str,
    *,
    status: TaskStatus = TaskStatus.scheduled,
    target_key: str | None = None,
    **changes: Any,
) -> RetentionTask:
    return RetentionTask(
        id=task_id,
        deadline=Deadline(
            subject_id=subject_id,
            target_kind=TargetKind.item,
            target_key=target_key or f"item-{task_id}",
            action=Action.destroy,
            end_at=T0,
            due_at=at(60),
            rule="purpose:product.inquiry",
        ),
        status=status,
        **changes,
    )


def hold(hold_id: str, **changes: Any) -> Hold:
    fields: dict[str, Any] = {
        "id": hold_id,
        "reason": "litigation",
        "placed_at": T0,
        "placed_by": "officer-1",
        "reference": "case 2026-17",
    }
    fields.update(changes)
    return Hold(**fields)


def ids(n: int) -> list[str]:
    return [f"subj-{k:04d}" for k in range(n)]


# --- subjects ------------------------------------------------------------------------------------


def test_subjects_by_id_gives_those_that_exist(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_subject(subject("subj-1"), b"wrapped-1")
        s.add_subject(subject("subj-2", jurisdictions=("KR", "EU"), needs_guardian=True), b"w2")
        s.add_subject(subject("subj-3"), b"wrapped-3")
    with vault_backend.store.session() as s:
        found = s.subjects_by_id(["subj-2", "nobody", "subj-1", "subj-2"])
        assert found == {"subj-1": s.subject("subj-1"), "subj-2": s.subject("subj-2")}
        assert s.subjects_by_id([]) == {}


def test_destroy_keys_forgets_the_keys_of_those_subjects_only(
    vault_backend: VaultBackend,
) -> None:
    with vault_backend.store.session() as s:
        for subject_id in ids(MANY):
            s.add_subject(subject(subject_id), b"wrapped:" + subject_id.encode())
    gone = ids(MANY)[1:]
    with vault_backend.store.session() as s:
        assert s.destroy_keys([*gone, "nobody", gone[0]], at(5)) == len(gone)
        assert s.destroy_keys([], at(5)) == 0
    with vault_backend.store.session() as s:
        kept = s.subject("subj-0000")
        assert kept is not None and kept.shredded_at is None
        assert s.wrapped_key("subj-0000") == b"wrapped:subj-0000"
        found = s.subjects_by_id(gone)
        assert len(found) == len(gone)
        assert all(x.shredded_at == at(5) for x in found.values())
        assert all(s.wrapped_key(x) is None for x in gone)


def test_lock_subjects_takes_any_order_repeats_and_unknown_ids(
    vault_backend: VaultBackend,
) -> None:
    with vault_backend.store.session() as s:
        for subject_id in ids(3):
            s.add_subject(subject(subject_id), b"wrapped")
    with vault_backend.store.session() as s:
        s.lock_subjects(["subj-0002", "nobody", "subj-0000", "subj-0002"])
        s.lock_subjects([])
        s.lock_subjects(ids(MANY))
        assert s.subject("subj-0002") is not None


@pytest.mark.parametrize(
    "vault_backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_lock_subjects_holds_the_rows_to_the_end(vault_backend: VaultBackend) -> None:
    """Another transaction that wants one of the rows waits until the locker commits."""
    with vault_backend.store.session() as s:
        for subject_id in ids(3):
            s.add_subject(subject(subject_id), b"wrapped")
    order: list[str] = []
    locked = threading.Event()

    def other() -> None:
        locked.wait(10)
        with vault_backend.store.session() as s:
            s.lock_subject("subj-0001")
            order.append("other locked")

    thread = threading.Thread(target=other)
    thread.start()
    with vault_backend.store.session() as s:
        s.lock_subjects(["subj-0002", "subj-0001"])
        locked.set()
        time.sleep(0.3)
        order.append("locker commits")
    thread.join(10)
    assert order == ["locker commits", "other locked"]


# --- items, lookups, records ---------------------------------------------------------------------


def test_items_of_gives_each_subjects_items_as_items_does(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        for n, subject_id in enumerate(ids(MANY)):
            for key in ("phone", "email", "name")[: n % 4]:
                s.put_item(item(key, subject_id, collected_at=at(n)))
    with vault_backend.store.session() as s:
        asked = [*reversed(ids(MANY)), "nobody"]
        found = s.items_of(asked)
        assert list(found) == list(dict.fromkeys(asked))
        assert found == {x: s.items(x) for x in asked}
        assert found["subj-0004"] == [] and found["nobody"] == []
        assert [i.item_key for i in found["subj-0002"]] == ["email", "phone"]  # by key
        assert s.items_of([]) == {}


def test_delete_items_of_deletes_exactly_the_pairs_asked(vault_backend: VaultBackend) -> None:
    keys = ("email", "name", "phone")
    with vault_backend.store.session() as s:
        for subject_id in ids(MANY):
            for key in keys:
                s.put_item(item(key, subject_id))
    targets: dict[str, list[str]] = {x: ["email", "phone"] for x in ids(MANY)[:420]}
    targets["subj-0001"] = ["name"]  # another set of keys
    targets["subj-0002"] = ["email", "email", "missing"]  # repeats and an unknown key
    targets["subj-0003"] = []
    targets["nobody"] = ["email"]
    asked = sum(len(set(v)) for v in targets.values())
    with vault_backend.store.session() as s:
        assert s.delete_items_of(targets) == asked - 2  # but "missing" and nobody's
        assert s.delete_items_of({}) == 0
    with vault_backend.store.session() as s:
        left = s.items_of(ids(MANY))
        for subject_id in ids(MANY):
            gone = set(targets.get(subject_id, []))
            assert [i.item_key for i in left[subject_id]] == [k for k in keys if k not in gone]


def test_delete_lookups_of_deletes_those_subjects_kinds(vault_backend: VaultBackend) -> None:
    subjects = ids(MANY)
    with vault_backend.store.session() as s:
        for subject_id in subjects:
            for kind in ("email", "phone", "other"):
                s.add_lookup(subject_id, kind, f"{kind}-digest")
    with vault_backend.store.session() as s:
        s.delete_lookups_of(subjects[:420], ["email", "phone"])
        s.delete_lookups_of(subjects[:2], [])  # no kind: nothing
        s.delete_lookups_of(subjects[420:440])  # every kind
        s.delete_lookups_of([])
    with vault_backend.store.session() as s:
        assert s.find_subjects("email", "email-digest") == subjects[440:]
        assert s.find_subjects("phone", "phone-digest") == subjects[440:]
        assert s.find_subjects("other", "other-digest") == subjects[:420] + subjects[440:]


def test_records_of_and_delete_records_of(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        for n, subject_id in enumerate(ids(MANY)):
            s.add_record(record(f"r-{n}-b", subject_id, occurred_at=at(-n)))
            s.add_record(record(f"r-{n}-a", subject_id, occurred_at=at(-n)))
            s.add_record(record(f"r-{n}-c", subject_id, occurred_at=at(-2 * n - 1)))
    with vault_backend.store.session() as s:
        asked = [*ids(MANY), "nobody"]
        found = s.records_of(asked)
        assert found == {x: s.records(x) for x in asked}
        assert [r.id for r in found["subj-0001"]] == ["r-1-c", "r-1-a", "r-1-b"]
        assert found["nobody"] == []
    targets = {x: [f"r-{n}-a", f"r-{n}-c"] for n, x in enumerate(ids(MANY))}
    targets["subj-0000"] = ["r-1-b", "r-0-a", "r-0-a"]  # another subject's: not deleted
    with vault_backend.store.session() as s:
        assert s.delete_records_of(targets) == 2 * (MANY - 1) + 1
        assert s.delete_records_of({}) == 0
    with vault_backend.store.session() as s:
        left = s.records_of(ids(MANY))
        assert [r.id for r in left["subj-0000"]] == ["r-0-c", "r-0-b"]
        assert [r.id for r in left["subj-0001"]] == ["r-1-b"]
        assert all([r.id for r in left[f"subj-{n:04d}"]] == [f"r-{n}-b"] for n in range(1, MANY))


# --- consents, events, holds ---------------------------------------------------------------------


def test_consents_of_and_events_of_keep_the_ledger_order(vault_backend: VaultBackend) -> None:
    subjects = ids(MANY)
    with vault_backend.store.session() as s:
        for n, subject_id in enumerate(subjects):
            s.add_consent(consent(subject_id, at=at(n)), None)
            s.add_event(SubjectEvent(subject_id, "collected", at(n), "app"))
        for subject_id in reversed(subjects[:5]):  # later, in another order
            s.add_consent(consent(subject_id, action=ConsentAction.withdrawn, at=at(-1)), None)
            s.add_event(SubjectEvent(subject_id, "account_closed", at(-1), "admin-1"))
    with vault_backend.store.session() as s:
        asked = [*subjects, "nobody"]
        consents = s.consents_of(asked)
        events = s.events_of(asked)
        assert consents == {x: s.consents(x) for x in asked}
        assert events == {x: s.events(x) for x in asked}
        assert [c.action for c in consents["subj-0001"]] == [
            ConsentAction.given,
            ConsentAction.withdrawn,
        ]
        assert [e.name for e in events["subj-0001"]] == ["collected", "account_closed"]
        assert consents["nobody"] == [] and events["nobody"] == []


def test_holds_for_subjects_gives_each_what_holds_for_gives(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_hold(hold("h-subj-1", subject_id="subj-0001", placed_at=at(5)))
        s.add_hold(hold("h-type", record_type="payment_and_supply", placed_at=at(1)))
        s.add_hold(hold("h-released", subject_id="subj-0002"))
        s.add_hold(hold("h-other", subject_id="someone-else"))
        s.add_hold(hold("h-subj-2", subject_id="subj-0002", placed_at=at(-5)))
        s.release_hold("h-released", at(2), "officer-1")
    with vault_backend.store.session() as s:
        asked = [*ids(MANY), "nobody"]
        found = s.holds_for_subjects(asked)
        assert found == {x: s.holds_for(x) for x in asked}
        assert [h.id for h in found["subj-0002"]] == ["h-subj-2", "h-type"]
        assert [h.id for h in found["subj-0001"]] == ["h-type", "h-subj-1"]
        assert [h.id for h in found["nobody"]] == ["h-type"]
        assert s.holds_for_subjects([]) == {}


# --- tasks ---------------------------------------------------------------------------------------


def test_put_tasks_inserts_and_replaces(vault_backend: VaultBackend) -> None:
    first = [task(f"t{n:03d}", f"subj-{n % 7}") for n in range(MANY)]
    with vault_backend.store.session() as s:
        s.put_tasks(first[:10])
        s.put_tasks([])
    changed = [
        task("t001", "subj-1", status=TaskStatus.approved, batch_id="b1", decided_at=at(3)),
        task("t002", "subj-2", status=TaskStatus.done, done_at=at(4), certificate_id="c1"),
    ]
    with vault_backend.store.session() as s:
        s.put_tasks([*changed, *first[10:]])
    expected = {t.id: t for t in [*first, *changed]}
    with vault_backend.store.session() as s:
        stored = s.tasks_of([f"subj-{n}" for n in range(7)])
        assert {t.id: t for tasks in stored.values() for t in tasks} == expected


def test_tasks_of_gives_each_subjects_tasks_by_id_in_the_statuses_asked(
    vault_backend: VaultBackend,
) -> None:
    statuses = list(TaskStatus)
    with vault_backend.store.session() as s:
        s.put_tasks(
            [
                task(f"t{n:04d}", subject_id, status=statuses[n % len(statuses)])
                for n, subject_id in enumerate(reversed(ids(MANY)))
            ]
            + [task("t-extra", "subj-0001", status=TaskStatus.done)]
        )
    with vault_backend.store.session() as s:
        asked = [*ids(MANY), "nobody"]
        everything = s.tasks_of(asked)
        assert everything == {x: s.tasks(x) for x in asked}
        assert everything["nobody"] == []
        open_only = s.tasks_of(asked, OPEN_STATUSES)
        assert open_only == {x: [t for t in s.tasks(x) if t.status in OPEN_STATUSES] for x in asked}
        assert s.tasks_of(asked, []) == {x: [] for x in asked}


def test_uncertified_batches_and_batch_subjects(vault_backend: VaultBackend) -> None:
    done = TaskStatus.done
    with vault_backend.store.session() as s:
        s.put_tasks(
            [
                task("t1", "subj-1", status=done, batch_id="b2"),
                task("t2", "subj-1", status=done, batch_id="b2"),
                task("t3", "subj-2", status=done, batch_id="b2"),
                task("t4", "subj-3", status=TaskStatus.approved, batch_id="b2"),  # not done
                task("t5", "subj-4", status=done, batch_id="b1", certificate_id="c1"),
                task("t6", "subj-5", status=done, batch_id="b3"),
                task("t7", "subj-6", status=done, batch_id="b3", certificate_id="c3"),
                task("t8", "subj-7", status=done),  # no batch
            ]
        )
    with vault_backend.store.session() as s:
        assert s.uncertified_batches() == ["b2", "b3"]
        assert s.batch_subjects("b2") == 2
        assert s.batch_subjects("b3") == 1
        assert s.batch_subjects("b1") == 0
        assert s.batch_subjects("nothing") == 0
        s.set_certificate("b2", "c2")
        assert s.uncertified_batches() == ["b3"]


def test_batch_writes_roll_back_with_their_session(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        s.add_subject(subject("subj-1"), b"wrapped")
        s.put_item(item("email", "subj-1"))
        s.add_lookup("subj-1", "email", "digest")
        s.add_record(record("r1", "subj-1"))
    with pytest.raises(Boom), vault_backend.store.session() as s:
        s.delete_items_of({"subj-1": ["email"]})
        s.delete_records_of({"subj-1": ["r1"]})
        s.delete_lookups_of(["subj-1"])
        s.destroy_keys(["subj-1"], at(1))
        s.put_tasks([task("t1", "subj-1")])
        raise Boom
    with vault_backend.store.session() as s:
        assert [i.item_key for i in s.items("subj-1")] == ["email"]
        assert [r.id for r in s.records("subj-1")] == ["r1"]
        assert s.find_subjects("email", "digest") == ["subj-1"]
        assert s.wrapped_key("subj-1") == b"wrapped"
        assert s.tasks("subj-1") == []


# --- the separate store --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def separate_postgres(postgres_url: str) -> Iterator[tuple[Engine, str]]:
    """A schema of this module's own for the separate store, dropped afterwards."""
    schema = f"pv_separate_batch_{uuid.uuid4().hex[:12]}"
    engine = postgres_engine(postgres_url)
    try:
        yield engine, schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def separate_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[InMemorySeparateStore | SqlSeparateStore]:
    if request.param == "memory":
        yield InMemorySeparateStore()
        return
    if request.param == "sqlite":
        store = SqlSeparateStore.sqlite(tmp_path / "separate-store.db")
        try:
            yield store
        finally:
            store.close()
        return
    engine, schema = request.getfixturevalue("separate_postgres")
    pg = SqlSeparateStore.postgres(engine, schema)
    with engine.begin() as conn:  # empty, whatever the module's earlier tests left
        conn.execute(delete(pg._t.items))
        conn.execute(delete(pg._t.records))
    yield pg


def test_separate_items_of_and_records_of(
    separate_store: InMemorySeparateStore | SqlSeparateStore,
) -> None:
    with separate_store.session() as s:
        for n, subject_id in enumerate(ids(MANY)):
            if n % 3 == 0:
                continue
            s.put_item(item("visit_records", subject_id, media_type="text/plain"))
            s.put_item(item("ip_address", subject_id, collected_at=at(n).astimezone(KST)))
            s.put_record(record(f"r-{n}-b", subject_id, occurred_at=at(-n)))
            s.put_record(record(f"r-{n}-a", subject_id, occurred_at=at(-n)))
    with separate_store.reading() as s:
        asked = [*reversed(ids(MANY)), "nobody"]
        items = s.items_of(asked)
        records = s.records_of(asked)
        assert items == {x: s.items(x) for x in asked}
        assert records == {x: s.records(x) for x in asked}
        assert [i.item_key for i in items["subj-0001"]] == ["ip_address", "visit_records"]
        assert all(i.archived for i in items["subj-0001"])
        assert [r.id for r in records["subj-0001"]] == ["r-1-a", "r-1-b"]
        assert items["subj-0000"] == records["subj-0000"] == []
        assert items["nobody"] == records["nobody"] == []
        assert s.items_of([]) == {} and s.records_of([]) == {}


# --- the shredding-key store ---------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite"])
def key_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[InMemoryShreddingKeyStore | SqliteShreddingKeyStore]:
    made = (
        InMemoryShreddingKeyStore()
        if request.param == "memory"
        else SqliteShreddingKeyStore.create(tmp_path / "shredding-keys.db")
    )
    yield made
    made.close()


def test_destroy_many_destroys_those_keys_and_counts_them(
    key_store: InMemoryShreddingKeyStore | SqliteShreddingKeyStore,
) -> None:
    keys = {subject_id: os.urandom(32) for subject_id in ids(MANY)}
    for subject_id, key in keys.items():
        key_store.add(subject_id, key)
    gone = ids(MANY)[:430]
    assert key_store.destroy_many([*gone, "nobody", gone[0]]) == len(gone)
    assert key_store.destroy_many(gone) == 0  # twice is harmless
    assert key_store.destroy_many([]) == 0
    assert all(key_store.get(x) is None for x in gone)
    assert all(key_store.get(x) == keys[x] for x in ids(MANY)[430:])


def test_destroy_many_leaves_no_trace_in_the_files(tmp_path: Path) -> None:
    path = tmp_path / "shredding-keys.db"
    store = SqliteShreddingKeyStore.create(path)
    keys = {f"subject-{n}": os.urandom(32) for n in range(50)}
    for subject_id, key in keys.items():
        store.add(subject_id, key)
    store.destroy_many([f"subject-{n}" for n in range(10)])
    store.close()
    leftovers = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    assert all(keys[f"subject-{n}"] not in leftovers for n in range(10))
    assert keys["subject-10"] in leftovers
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no journal left behind
