"""One contract for the retention part of every vault store (memory, SQLite, PostgreSQL):
statutory records, stored deadlines and their progress, legal holds, certificates, anonymous
counts and settings; and one for every separate store (memory, a SQLite file, a PostgreSQL
schema of its own)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, delete, text

from policyvault.domain.retention import (
    Action,
    Certificate,
    Deadline,
    Hold,
    RetentionTask,
    StoredRecord,
    TargetKind,
    TaskStatus,
)
from policyvault.domain.vault import SealedItem
from policyvault.storage.audit_sql import postgres_engine
from policyvault.storage.separate_memory import InMemorySeparateStore
from policyvault.storage.separate_sql import SqlSeparateStore

if TYPE_CHECKING:  # the fixture's type; conftest is not importable as a package module
    from conftest import VaultBackend

# Microseconds that a millisecond (or float seconds) store would lose.
T0 = datetime(2026, 3, 2, 9, 0, 0, 123457, tzinfo=UTC)
KST = timezone(timedelta(hours=9))
ALL_STATUSES = tuple(TaskStatus)


class Boom(Exception):
    pass


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def deadline(
    subject_id: str = "subj-1",
    target_key: str = "email",
    *,
    end: datetime = T0,
    due: datetime | None = None,
    **changes: Any,
) -> Deadline:
    fields: dict[str, Any] = {
        "subject_id": subject_id,
        "target_kind": TargetKind.item,
        "target_key": target_key,
        "action": Action.destroy,
        "end_at": end,
        "due_at": due or end + timedelta(days=5),
        "rule": "purpose:product.inquiry",
    }
    fields.update(changes)
    return Deadline(**fields)


def task(
    task_id: str, *, status: TaskStatus = TaskStatus.scheduled, **changes: Any
) -> RetentionTask:
    deadline_fields = {k: changes.pop(k) for k in list(changes) if k in _DEADLINE_FIELDS}
    subject_id = deadline_fields.pop("subject_id", "subj-1")
    target_key = deadline_fields.pop("target_key", f"item-{task_id}")
    return RetentionTask(
        id=task_id,
        deadline=deadline(subject_id, target_key, **deadline_fields),
        status=status,
        **changes,
    )


_DEADLINE_FIELDS = {
    "subject_id",
    "target_key",
    "target_kind",
    "action",
    "end",
    "due",
    "rule",
    "record_type",
    "held",
    "hold_ids",
}


def record(record_id: str, subject_id: str = "subj-1", **changes: Any) -> StoredRecord:
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


def put_tasks(backend: VaultBackend, *tasks: RetentionTask) -> None:
    with backend.store.session() as s:
        for one in tasks:
            s.put_task(one)


def stored_tasks(backend: VaultBackend, subject_id: str = "subj-1") -> dict[str, RetentionTask]:
    with backend.store.session() as s:
        return {t.id: t for t in s.tasks(subject_id)}


def ids(tasks: list[RetentionTask]) -> list[str]:
    return [t.id for t in tasks]


# --- statutory records ---------------------------------------------------------------------------


def test_records_round_trip_by_occurrence_then_id(vault_backend: VaultBackend) -> None:
    later = record("rec-a", occurred_at=at(10), record_type="tax_books")
    first = record("rec-c", occurred_at=at(-10))
    tie_b = record("rec-b", occurred_at=at(0))
    tie_d = record("rec-d", occurred_at=at(0), recorded_at=at(0).astimezone(KST))
    with vault_backend.store.session() as s:
        for one in (later, tie_d, first, tie_b):
            s.add_record(one)
        s.add_record(record("rec-e", "subj-2"))
    with vault_backend.store.session() as s:
        assert s.records("subj-1") == [first, tie_b, tie_d, later]
        assert s.records("subj-2") == [record("rec-e", "subj-2")]
        assert s.records("nobody") == []


def test_delete_records_deletes_only_that_subjects_and_counts(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        for one in (record("r1"), record("r2"), record("r3"), record("r4", "subj-2")):
            s.add_record(one)
    with vault_backend.store.session() as s:
        assert s.delete_records("subj-1", ["r1", "r3", "r4", "missing"]) == 2  # r4: not its own
        assert s.delete_records("subj-1", []) == 0
        assert s.delete_records("subj-1", ["r1"]) == 0
    with vault_backend.store.session() as s:
        assert s.records("subj-1") == [record("r2")]
        assert s.records("subj-2") == [record("r4", "subj-2")]


# --- tasks: storing --------------------------------------------------------------------------


def test_a_task_round_trips_every_field_to_the_microsecond(vault_backend: VaultBackend) -> None:
    full = RetentionTask(
        id="t-full",
        deadline=Deadline(
            subject_id="subj-1",
            target_kind=TargetKind.record,
            target_key="rec-1",
            action=Action.archive,
            end_at=datetime(2026, 3, 2, 18, 0, 0, 999999, tzinfo=KST),
            due_at=T0 + timedelta(days=5, microseconds=1),
            rule="statute:payment_and_supply",
            record_type="payment_and_supply",
            held=True,
            hold_ids=("hold-b", "hold-a"),
        ),
        status=TaskStatus.rejected,
        batch_id="batch-1",
        decided_by="officer-1",
        decided_at=at(3),
        note="under_review",
        done_at=at(4),
        certificate_id="cert-1",
    )
    bare = task("t-bare", subject_id="subj-1")  # every optional field empty
    keys = task("t-keys", target_kind=TargetKind.subject_keys, target_key="subj-1")
    put_tasks(vault_backend, full, bare, keys, task("t-other", subject_id="subj-2"))
    with vault_backend.store.session() as s:
        got = s.tasks("subj-1")
        assert got == [bare, full, keys]  # by id
        assert got[1].deadline.end_at.microsecond == 999999
        assert got[1].deadline.hold_ids == ("hold-b", "hold-a")  # as given, not re-sorted
        assert s.tasks("subj-2") == [task("t-other", subject_id="subj-2")]
        assert s.tasks("nobody") == []


def test_put_task_replaces_the_task_with_its_id(vault_backend: VaultBackend) -> None:
    put_tasks(vault_backend, task("t1"), task("t2"))
    moved = task("t1", end=at(30), status=TaskStatus.approved, batch_id="b1", held=True)
    put_tasks(vault_backend, moved)
    assert stored_tasks(vault_backend) == {"t1": moved, "t2": task("t2")}


def test_delete_tasks_deletes_those_ids(vault_backend: VaultBackend) -> None:
    put_tasks(vault_backend, task("t1"), task("t2"), task("t3", subject_id="subj-2"))
    with vault_backend.store.session() as s:
        s.delete_tasks(["t1", "t3", "missing"])
        s.delete_tasks([])
    assert list(stored_tasks(vault_backend)) == ["t2"]
    assert stored_tasks(vault_backend, "subj-2") == {}


# --- tasks: claiming and finding -----------------------------------------------------------------


def test_claim_tasks_takes_due_unheld_work_earliest_end_first(vault_backend: VaultBackend) -> None:
    put_tasks(
        vault_backend,
        task("t-late", end=at(-1)),
        task("t-early", end=at(-60), subject_id="subj-2"),
        task("t-tie-b", end=at(-30)),
        task("t-tie-a", end=at(-30)),
        task("t-now", end=at(0)),  # ends exactly now: due
        task("t-future", end=at(0.00001)),  # a few hundred microseconds later: not yet
        task("t-held", end=at(-90), held=True, hold_ids=("h1",)),
        task("t-approved", end=at(-120), status=TaskStatus.approved),
        task("t-done", end=at(-120), status=TaskStatus.done),
    )
    with vault_backend.store.session() as s:
        claimed = s.claim_tasks([TaskStatus.scheduled], ended_by=T0, limit=100)
        assert ids(claimed) == ["t-early", "t-tie-a", "t-tie-b", "t-late", "t-now"]
        assert claimed[0] == task("t-early", end=at(-60), subject_id="subj-2")
    with vault_backend.store.session() as s:
        assert ids(s.claim_tasks([TaskStatus.scheduled], ended_by=T0, limit=2)) == [
            "t-early",
            "t-tie-a",
        ]
        both = [TaskStatus.scheduled, TaskStatus.approved]
        assert ids(s.claim_tasks(both, ended_by=T0, limit=2)) == ["t-approved", "t-early"]
        assert ids(s.claim_tasks([TaskStatus.scheduled], ended_by=None, limit=100)) == [
            "t-early",
            "t-tie-a",
            "t-tie-b",
            "t-late",
            "t-now",
            "t-future",
        ]
        assert s.claim_tasks([TaskStatus.awaiting_approval], ended_by=None, limit=100) == []
        assert s.claim_tasks([TaskStatus.scheduled], ended_by=T0, limit=0) == []


def test_claim_tasks_compares_ends_as_instants(vault_backend: VaultBackend) -> None:
    put_tasks(vault_backend, task("t1", end=T0.astimezone(KST)), task("t2", end=at(1)))
    with vault_backend.store.session() as s:
        claimed = s.claim_tasks([TaskStatus.scheduled], ended_by=T0.astimezone(KST), limit=9)
        assert ids(claimed) == ["t1"]
        assert claimed[0].deadline.end_at == T0


@pytest.mark.parametrize(
    "vault_backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_claims_skip_rows_another_transaction_holds(
    vault_backend: VaultBackend,
) -> None:
    """Only PostgreSQL locks rows: SQLite serialises writers, the memory store has one lock."""
    put_tasks(vault_backend, *(task(f"t{n}", end=at(n - 10)) for n in range(6)))
    with vault_backend.store.session() as first:
        mine = first.claim_tasks([TaskStatus.scheduled], ended_by=T0, limit=4)
        assert ids(mine) == ["t0", "t1", "t2", "t3"]
        with vault_backend.store.session() as second:  # another connection, at the same time
            theirs = second.claim_tasks([TaskStatus.scheduled], ended_by=T0, limit=4)
            assert ids(theirs) == ["t4", "t5"]
        first.mark_tasks(ids(mine), TaskStatus.done, at=at(1))
    with vault_backend.store.session() as third:  # the first committed: its rows are done
        assert ids(third.claim_tasks([TaskStatus.scheduled], ended_by=T0, limit=9)) == [
            "t4",
            "t5",
        ]


def test_find_tasks_filters_and_pages_by_id(vault_backend: VaultBackend) -> None:
    put_tasks(
        vault_backend,
        task("t5", status=TaskStatus.done, batch_id="b1", end=at(-10), due=at(5)),
        task("t1", status=TaskStatus.done, batch_id="b1", certificate_id="c1", due=at(-5)),
        task("t3", status=TaskStatus.approved, batch_id="b2", record_type="tax_books", due=at(0)),
        task("t2", status=TaskStatus.done, batch_id="b2", end=at(10), due=at(20)),
        task("t4", status=TaskStatus.scheduled, record_type="tax_books", end=at(-1), due=at(-1)),
        task("t6", status=TaskStatus.cancelled, batch_id="b1", subject_id="subj-2"),
    )
    with vault_backend.store.session() as s:
        done = [TaskStatus.done]
        assert ids(s.find_tasks(done)) == ["t1", "t2", "t5"]
        assert ids(s.find_tasks(ALL_STATUSES)) == ["t1", "t2", "t3", "t4", "t5", "t6"]
        assert s.find_tasks([]) == []
        assert ids(s.find_tasks(ALL_STATUSES, due_before=at(0))) == ["t1", "t4"]  # strictly
        assert ids(s.find_tasks(ALL_STATUSES, batch_id="b1")) == ["t1", "t5", "t6"]
        assert ids(s.find_tasks(ALL_STATUSES, record_type="tax_books")) == ["t3", "t4"]
        assert ids(s.find_tasks(ALL_STATUSES, ended_by=at(-1))) == ["t4", "t5"]  # inclusive
        assert ids(s.find_tasks(done, uncertified=True)) == ["t2", "t5"]
        assert ids(s.find_tasks(done, uncertified=True, batch_id="b1")) == ["t5"]
        assert ids(s.find_tasks(ALL_STATUSES, after_id="t3", limit=2)) == ["t4", "t5"]
        pages: list[list[str]] = []
        after: str | None = None
        while page := s.find_tasks(ALL_STATUSES, after_id=after, limit=4):
            pages.append(ids(page))
            after = page[-1].id
        assert pages == [["t1", "t2", "t3", "t4"], ["t5", "t6"]]


# --- tasks: progress -----------------------------------------------------------------------------


def test_mark_tasks_done_sets_the_completion_time_only(vault_backend: VaultBackend) -> None:
    approved = task(
        "t1", status=TaskStatus.approved, batch_id="b1", decided_by="officer-1", decided_at=at(1)
    )
    put_tasks(vault_backend, approved, task("t2"), task("t3"))
    with vault_backend.store.session() as s:
        assert s.mark_tasks(["t1", "t2", "missing"], TaskStatus.done, at=at(9)) == 2
        assert s.mark_tasks([], TaskStatus.done, at=at(9)) == 0
    got = stored_tasks(vault_backend)
    # the decision (who approved, when) and the batch are kept; only the completion is new
    assert got["t1"] == replace(approved, status=TaskStatus.done, done_at=at(9))
    assert got["t2"] == replace(task("t2"), status=TaskStatus.done, done_at=at(9))
    assert got["t3"] == task("t3")


def test_mark_tasks_sets_the_decision_batch_and_note(vault_backend: VaultBackend) -> None:
    put_tasks(vault_backend, task("t1"), task("t2"), task("t3", batch_id="b0"))
    with vault_backend.store.session() as s:
        assert (
            s.mark_tasks(
                ["t1", "t2"],
                TaskStatus.approved,
                at=at(2),
                batch_id="b1",
                decided_by="policy:no_approval_required",
            )
            == 2
        )
        assert s.mark_tasks(["t3"], TaskStatus.awaiting_approval, at=at(3)) == 1
    with vault_backend.store.session() as s:
        s.mark_tasks(["t2"], TaskStatus.rejected, at=at(4), decided_by="officer-1", note="keep")
    got = stored_tasks(vault_backend)
    assert got["t1"] == replace(
        task("t1"),
        status=TaskStatus.approved,
        batch_id="b1",
        decided_by="policy:no_approval_required",
        decided_at=at(2),
    )
    assert got["t2"] == replace(
        task("t2"),
        status=TaskStatus.rejected,
        batch_id="b1",  # kept: not given this time
        decided_by="officer-1",
        decided_at=at(4),
        note="keep",
    )
    assert got["t3"] == replace(
        task("t3", batch_id="b0"), status=TaskStatus.awaiting_approval, decided_at=at(3)
    )
    assert got["t3"].done_at is None


def test_set_certificate_names_it_on_the_batchs_done_uncertified_tasks(
    vault_backend: VaultBackend,
) -> None:
    put_tasks(
        vault_backend,
        task("t1", status=TaskStatus.done, batch_id="b1"),
        task("t2", status=TaskStatus.done, batch_id="b1"),
        task("t3", status=TaskStatus.done, batch_id="b1", certificate_id="c-old"),
        task("t4", status=TaskStatus.cancelled, batch_id="b1"),
        task("t5", status=TaskStatus.approved, batch_id="b1"),
        task("t6", status=TaskStatus.done, batch_id="b2"),
        task("t7", status=TaskStatus.done),
        task("t8", status=TaskStatus.done, batch_id="b1", subject_id="subj-2"),
    )
    with vault_backend.store.session() as s:
        assert s.set_certificate("b1", "c1") == 3
    with vault_backend.store.session() as s:
        assert s.set_certificate("b1", "c2") == 0  # nothing uncertified is left
        assert s.set_certificate("no-batch", "c3") == 0
    got = {**stored_tasks(vault_backend), **stored_tasks(vault_backend, "subj-2")}
    certified = {i: t.certificate_id for i, t in got.items()}
    assert certified == {
        "t1": "c1",
        "t2": "c1",
        "t3": "c-old",
        "t4": None,
        "t5": None,
        "t6": None,
        "t7": None,
        "t8": "c1",
    }


def test_count_tasks_counts_each_status_asked(vault_backend: VaultBackend) -> None:
    put_tasks(
        vault_backend,
        task("t1", due=at(-10)),
        task("t2", due=at(10)),
        task("t3", due=at(-10), held=True, hold_ids=("h1",)),
        task("t4", status=TaskStatus.awaiting_approval, due=at(-1)),
        task("t5", status=TaskStatus.awaiting_approval, due=at(0)),
        task("t6", status=TaskStatus.done, due=at(-100)),
        task("t7", status=TaskStatus.rejected, due=at(-100), subject_id="subj-2"),
    )
    open_ = [
        TaskStatus.scheduled,
        TaskStatus.awaiting_approval,
        TaskStatus.approved,
        TaskStatus.rejected,
    ]
    with vault_backend.store.session() as s:
        assert s.count_tasks(open_) == {
            "scheduled": 3,
            "awaiting_approval": 2,
            "approved": 0,
            "rejected": 1,
        }
        assert s.count_tasks(open_, due_before=at(0)) == {
            "scheduled": 2,
            "awaiting_approval": 1,  # due exactly at(0) is not before it
            "approved": 0,
            "rejected": 1,
        }
        assert s.count_tasks([TaskStatus.scheduled], held=True) == {"scheduled": 1}
        assert s.count_tasks([TaskStatus.scheduled], held=False, due_before=at(0)) == {
            "scheduled": 1
        }
        assert s.count_tasks([TaskStatus.cancelled]) == {"cancelled": 0}
        assert s.count_tasks([]) == {}


# --- legal holds ---------------------------------------------------------------------------------


def test_holds_round_trip_and_are_released_once(vault_backend: VaultBackend) -> None:
    on_subject = hold("h-b", subject_id="subj-1", placed_at=at(1))
    on_type = hold(
        "h-a", record_type="tax_books", reason="investigation", reference="", placed_at=at(1)
    )
    earlier = hold("h-c", subject_id="subj-2", placed_at=at(-5).astimezone(KST))
    with vault_backend.store.session() as s:
        for one in (on_subject, on_type, earlier):
            s.add_hold(one)
    with vault_backend.store.session() as s:
        assert s.hold("h-b") == on_subject
        assert s.hold("nothing") is None
        assert s.holds() == [earlier, on_type, on_subject]  # by placement, then id
        assert s.release_hold("h-b", at(7), "officer-2") is True
    with vault_backend.store.session() as s:
        assert s.release_hold("h-b", at(8), "officer-3") is False  # released already
        assert s.release_hold("nothing", at(8), "officer-3") is False
        released = replace(on_subject, released_at=at(7), released_by="officer-2")
        assert s.hold("h-b") == released
        assert not released.active
        assert s.holds() == [earlier, on_type]
        assert s.holds(active_only=False) == [earlier, on_type, released]


def test_holds_for_gives_the_subjects_and_every_record_type_hold(
    vault_backend: VaultBackend,
) -> None:
    mine = hold("h1", subject_id="subj-1", placed_at=at(2))
    theirs = hold("h2", subject_id="subj-2", placed_at=at(1))
    on_type = hold("h3", record_type="tax_books", placed_at=at(3))
    released_mine = hold("h4", subject_id="subj-1", placed_at=at(0))
    released_type = hold("h5", record_type="visit_logs", placed_at=at(0))
    with vault_backend.store.session() as s:
        for one in (mine, theirs, on_type, released_mine, released_type):
            s.add_hold(one)
        s.release_hold("h4", at(4), "officer-1")
        s.release_hold("h5", at(4), "officer-1")
    with vault_backend.store.session() as s:
        assert s.holds_for("subj-1") == [mine, on_type]
        assert s.holds_for("subj-2") == [theirs, on_type]
        assert s.holds_for("nobody") == [on_type]


# --- certificates, statistics, settings ----------------------------------------------------------


def certificate(certificate_id: str, batch_id: str, issued: datetime = T0) -> Certificate:
    body = {
        "certificate_id": certificate_id,
        "batch_id": batch_id,
        "items": [{"item": "email", "count": 3, "rule": "purpose:product.inquiry"}],
        "method": "삭제: deletion of the ciphertext",
        "subjects": 3,
        "keys_destroyed": 1,
        "approved_by": None,
    }
    return Certificate(certificate_id, batch_id, issued, body)


def test_certificates_round_trip_newest_first(vault_backend: VaultBackend) -> None:
    first = certificate("c-1", "b-1", at(0))
    second_b = certificate("c-b", "b-2", at(5).astimezone(KST))
    second_a = certificate("c-a", "b-3", at(5))
    with vault_backend.store.session() as s:
        assert s.add_certificate(first) is True
        assert s.add_certificate(second_b) is True
        assert s.add_certificate(second_a) is True
    with vault_backend.store.session() as s:
        assert s.certificate("c-1") == first
        assert s.certificate("c-b") == second_b
        assert s.certificate("nothing") is None
        assert s.certificates() == [second_b, second_a, first]  # ties: the larger id first
        assert s.certificates(limit=2) == [second_b, second_a]


def test_a_batch_has_one_certificate(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        assert s.add_certificate(certificate("c-1", "b-1")) is True
    with vault_backend.store.session() as s:
        assert s.add_certificate(certificate("c-2", "b-1", at(1))) is False
        assert s.add_certificate(certificate("c-3", "b-2", at(1))) is True
    with vault_backend.store.session() as s:
        assert s.certificate("c-2") is None
        assert [c.id for c in s.certificates()] == ["c-3", "c-1"]


def test_a_batchs_certificate_is_refused_in_the_same_transaction_too(
    vault_backend: VaultBackend,
) -> None:
    with vault_backend.store.session() as s:
        assert s.add_certificate(certificate("c-1", "b-1")) is True
        assert s.add_certificate(certificate("c-2", "b-1")) is False
        s.set_certificate("b-1", "c-1")
    with vault_backend.store.session() as s:
        assert [c.id for c in s.certificates()] == ["c-1"]


def test_count_anonymised_accumulates_per_item(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        assert s.anonymised_counts() == {}
        s.count_anonymised("phone", 1)
        s.count_anonymised("email", 2)
        s.count_anonymised("phone", 1)
    with vault_backend.store.session() as s:
        s.count_anonymised("phone", 5)
    with vault_backend.store.session() as s:
        assert s.anonymised_counts() == {"email": 2, "phone": 7}
        assert list(s.anonymised_counts()) == ["email", "phone"]


def test_settings_are_upserted(vault_backend: VaultBackend) -> None:
    with vault_backend.store.session() as s:
        assert s.setting("retention.deadlines_policy") is None
        s.put_setting("retention.deadlines_policy", "a" * 64)
        s.put_setting("other", "x")
    with vault_backend.store.session() as s:
        assert s.setting("retention.deadlines_policy") == "a" * 64
        s.put_setting("retention.deadlines_policy", "b" * 64)
    with vault_backend.store.session() as s:
        assert s.setting("retention.deadlines_policy") == "b" * 64
        assert s.setting("other") == "x"


def test_retention_writes_roll_back_with_their_session(vault_backend: VaultBackend) -> None:
    put_tasks(vault_backend, task("t1"))
    with vault_backend.store.session() as s:
        s.add_hold(hold("h-kept", subject_id="subj-1"))
    with pytest.raises(Boom), vault_backend.store.session() as s:
        s.add_record(record("r1"))
        s.put_task(task("t2"))
        s.mark_tasks(["t1"], TaskStatus.done, at=at(1))
        s.add_hold(hold("h1", subject_id="subj-1"))
        s.release_hold("h-kept", at(1), "officer-1")
        s.add_certificate(certificate("c1", "b1"))
        s.count_anonymised("email", 1)
        s.put_setting("k", "v")
        raise Boom
    with vault_backend.store.session() as s:
        assert s.records("subj-1") == []
        assert s.tasks("subj-1") == [task("t1")]
        assert s.holds() == [hold("h-kept", subject_id="subj-1")]
        assert s.certificates() == []
        assert s.anonymised_counts() == {}
        assert s.setting("k") is None


def test_times_are_kept_to_the_microsecond(vault_backend: VaultBackend) -> None:
    odd = datetime(2031, 12, 31, 23, 59, 59, 999999, tzinfo=KST)
    before_epoch = datetime(1969, 7, 20, 20, 17, 40, 1, tzinfo=UTC)
    with vault_backend.store.session() as s:
        s.add_record(record("r1", occurred_at=before_epoch, recorded_at=odd))
        s.put_task(task("t1", end=odd, due=odd + timedelta(microseconds=1)))
        s.add_hold(hold("h1", subject_id="subj-1", placed_at=odd))
        s.add_certificate(certificate("c1", "b1", odd))
    with vault_backend.store.session() as s:
        s.mark_tasks(["t1"], TaskStatus.done, at=odd - timedelta(microseconds=1))
        s.release_hold("h1", odd + timedelta(microseconds=3), "officer-1")
    with vault_backend.store.session() as s:
        [got_record] = s.records("subj-1")
        assert (got_record.occurred_at, got_record.recorded_at) == (before_epoch, odd)
        [got] = s.tasks("subj-1")
        assert got.deadline.end_at == odd
        assert got.deadline.due_at - got.deadline.end_at == timedelta(microseconds=1)
        assert got.done_at == odd - timedelta(microseconds=1)
        got_hold = s.hold("h1")
        assert got_hold is not None
        assert got_hold.placed_at == odd
        assert got_hold.released_at == odd + timedelta(microseconds=3)
        got_certificate = s.certificate("c1")
        assert got_certificate is not None
        assert got_certificate.issued_at == odd
        for when in (got_record.recorded_at, got.deadline.end_at, got_certificate.issued_at):
            assert when.utcoffset() is not None


# --- the separate store --------------------------------------------------------------------------


def separate_item(item_key: str, subject_id: str = "subj-1", **changes: Any) -> SealedItem:
    fields: dict[str, Any] = {
        "subject_id": subject_id,
        "item_key": item_key,
        "sealed": b"\x00sealed:" + item_key.encode() + b"\xfe",
        "point": "automatic",
        "collected_at": T0,
        "updated_at": at(1),
        "archived": True,
    }
    fields.update(changes)
    return SealedItem(**fields)


@pytest.fixture(scope="module")
def separate_postgres(postgres_url: str) -> Iterator[tuple[Engine, str]]:
    """A schema of this module's own for the separate store, dropped afterwards."""
    schema = f"pv_separate_test_{uuid.uuid4().hex[:12]}"
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


def test_separate_items_round_trip_as_archived(
    separate_store: InMemorySeparateStore | SqlSeparateStore,
) -> None:
    moved = SealedItem(  # as it left the live store: not yet marked archived
        subject_id="subj-1",
        item_key="ip_address",
        sealed=b"\x00ip\xff",
        point="automatic",
        collected_at=datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=KST),
        updated_at=at(2),
        media_type="text/plain",
    )
    hashed = separate_item("password", hashed=True)
    with separate_store.session() as s:
        s.put_item(moved)
        s.put_item(hashed)
        s.put_item(separate_item("visit_records"))
        s.put_item(separate_item("ip_address", "subj-2"))
    with separate_store.reading() as s:
        assert s.items("subj-1") == [
            replace(moved, archived=True),
            hashed,
            separate_item("visit_records"),
        ]
        assert s.items("subj-1", ["visit_records", "missing"]) == [separate_item("visit_records")]
        assert s.items("subj-1", []) == []
        assert s.items("nobody") == []
        assert s.items("subj-2") == [separate_item("ip_address", "subj-2")]


def test_separate_put_item_replaces_that_item(
    separate_store: InMemorySeparateStore | SqlSeparateStore,
) -> None:
    with separate_store.session() as s:
        s.put_item(separate_item("ip_address"))
    again = separate_item("ip_address", sealed=b"re-sealed", updated_at=at(9), point="other")
    with separate_store.session() as s:
        s.put_item(again)  # a move cut short and done again
    with separate_store.session() as s:
        assert s.items("subj-1") == [again]


def test_separate_delete_items_counts_only_that_subjects(
    separate_store: InMemorySeparateStore | SqlSeparateStore,
) -> None:
    with separate_store.session() as s:
        for key in ("a", "b", "c"):
            s.put_item(separate_item(key))
        s.put_item(separate_item("a", "subj-2"))
    with separate_store.session() as s:
        assert s.delete_items("subj-1", ["a", "c", "missing"]) == 2
        assert s.delete_items("subj-1", ["a"]) == 0  # deleting again: nothing left
        assert s.delete_items("subj-1", []) == 0
    with separate_store.session() as s:
        assert [i.item_key for i in s.items("subj-1")] == ["b"]
        assert [i.item_key for i in s.items("subj-2")] == ["a"]


def test_separate_records_round_trip_once_by_occurrence(
    separate_store: InMemorySeparateStore | SqlSeparateStore,
) -> None:
    late = record("r-a", occurred_at=at(5), record_type="visit_logs")
    early = record("r-b", occurred_at=at(-5).astimezone(KST))
    with separate_store.session() as s:
        s.put_record(late)
        s.put_record(early)
        s.put_record(record("r-c", "subj-2"))
    with separate_store.session() as s:
        s.put_record(late)  # a move done again after a crash: still one record
    with separate_store.reading() as s:
        assert s.records("subj-1") == [early, late]
        assert s.records("subj-2") == [record("r-c", "subj-2")]
        assert s.records("nobody") == []


def test_separate_delete_records_counts_only_that_subjects(
    separate_store: InMemorySeparateStore | SqlSeparateStore,
) -> None:
    with separate_store.session() as s:
        for one in (record("r1"), record("r2"), record("r3", "subj-2")):
            s.put_record(one)
    with separate_store.session() as s:
        assert s.delete_records("subj-1", ["r1", "r3", "missing"]) == 1
        assert s.delete_records("subj-1", ["r1"]) == 0
        assert s.delete_records("subj-1", []) == 0
    with separate_store.session() as s:
        assert s.records("subj-1") == [record("r2")]
        assert s.records("subj-2") == [record("r3", "subj-2")]


def test_separate_writes_roll_back_with_their_session(
    separate_store: InMemorySeparateStore | SqlSeparateStore,
) -> None:
    with separate_store.session() as s:
        s.put_item(separate_item("kept"))
        s.put_record(record("r-kept"))
    with pytest.raises(Boom), separate_store.session() as s:
        s.put_item(separate_item("new"))
        s.put_record(record("r-new"))
        s.delete_items("subj-1", ["kept"])
        s.delete_records("subj-1", ["r-kept"])
        raise Boom
    with separate_store.reading() as s:
        assert s.items("subj-1") == [separate_item("kept")]
        assert s.records("subj-1") == [record("r-kept")]


def test_separate_store_is_reopened_with_what_it_kept(tmp_path: Path) -> None:
    """The SQLite file keeps its rows across openings (made once, never re-created)."""
    path = tmp_path / "separate-store.db"
    store = SqlSeparateStore.sqlite(path)
    try:
        with store.session() as s:
            s.put_item(separate_item("ip_address"))
            s.put_record(record("r1"))
    finally:
        store.close()
    assert path.stat().st_mode & 0o777 == 0o600
    again = SqlSeparateStore.sqlite(path)
    try:
        with again.reading() as s:
            assert s.items("subj-1") == [separate_item("ip_address")]
            assert s.records("subj-1") == [record("r1")]
    finally:
        again.close()
