"""One contract for every audit store: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, Table, delete, insert, select, update

from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import (
    Action,
    Actor,
    AuditEvent,
    AuditQuery,
    Decision,
    access_log_floor,
    prune_cutoffs,
)
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.errors import InvalidInput, Refused
from policyvault.services.audit import AuditLog
from policyvault.storage.audit_memory import InMemoryAuditStore, MemoryTransaction
from policyvault.storage.audit_sql import (
    PostgresAuditStore,
    SqlAuditStore,
    SqliteAuditStore,
    audit_checkpoints,
    audit_entries,
    audit_state,
)

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SIGNER = CheckpointSigner.generate()

# the audited operation's own table, in the same database as the log
operations = Table("test_operations", MetaData(), Column("id", Integer, primary_key=True))


class Boom(Exception):
    pass


@dataclass
class Backend:
    """A store plus what the suite needs to act on it: a transaction, and the operation."""

    name: str
    store: InMemoryAuditStore | SqlAuditStore
    memory_operations: list[int]
    _pending: list[int] = field(default_factory=list)

    def begin(self) -> AbstractContextManager[Any]:
        if isinstance(self.store, InMemoryAuditStore):
            return self._memory_transaction(self.store)
        return self.store.engine.begin()

    @contextmanager
    def _memory_transaction(self, store: InMemoryAuditStore) -> Iterator[MemoryTransaction]:
        pending: list[int] = []
        with store.transaction() as tx:
            self._pending = pending
            yield tx
        self.memory_operations.extend(pending)  # only when the block ended without an error

    def operate(self, tx: Any, op_id: int) -> None:
        if isinstance(tx, Connection):
            tx.execute(insert(operations).values(id=op_id))
        else:
            self._pending.append(op_id)

    def operations_done(self) -> list[int]:
        if isinstance(self.store, SqlAuditStore):
            with self.store.engine.connect() as conn:
                return [row.id for row in conn.execute(select(operations.c.id))]
        return list(self.memory_operations)


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from _backend(request)


@pytest.fixture(params=["sqlite", POSTGRES])
def sql_store(request: pytest.FixtureRequest) -> Iterator[SqlAuditStore]:
    for backend in _backend(request):
        assert isinstance(backend.store, SqlAuditStore)
        yield backend.store


def _backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    store: InMemoryAuditStore | SqlAuditStore
    if request.param == "memory":
        yield Backend("memory", InMemoryAuditStore(), [])
        return
    if request.param == "sqlite":
        store = SqliteAuditStore(request.getfixturevalue("sqlite_file").engine(), owns_engine=True)
    else:
        store = PostgresAuditStore(
            request.getfixturevalue("postgres_schema").engine(), owns_engine=True
        )
    try:
        store.create_schema()
        with store.engine.begin() as conn:
            operations.create(conn)
        yield Backend(request.param, store, [])
    finally:
        store.close()


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


def event(n: int = 0, **changes: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "actor": Actor(id=f"staff_{n % 3}", role="cs_agent", source_ip="192.0.2.10"),
        "action": "view",
        "decision": Decision.allow("purpose", "customer_support allows user.contact.email"),
        "subject_id": f"subj_{n % 5:04d}",
        "purpose": "customer_support",
        "item_keys": ("user.contact.email",),
        "request_id": f"req_{n}",
        "details": {"n": n},
    }
    fields.update(changes)
    return AuditEvent(**fields)


def fill(log: AuditLog, clock: SimulatedClock, count: int) -> None:
    for n in range(count):
        clock.advance(timedelta(minutes=1))
        log.record(event(n))


# --- appending and reading ------------------------------------------------------------------------


def test_append_assigns_consecutive_seqs_and_chains(
    backend: Backend, clock: SimulatedClock
) -> None:
    log = AuditLog(backend.store, clock)
    records = [log.record(event(n)) for n in range(5)]
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == bytes(32)
    assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(records))
    with backend.store.reading() as reader:
        assert list(reader.records()) == records
        assert reader.record(3) == records[2]
        assert reader.record(6) is None
        assert reader.count() == 5
        head = reader.head()
        assert head is not None and (head.seq, head.entry_hash) == (5, records[-1].entry_hash)


def test_entries_round_trip_with_their_index(backend: Backend, clock: SimulatedClock) -> None:
    log = AuditLog(backend.store, clock)
    sent = event(7, details={"items": ["user.name", "user.contact.email"], "bulk": True})
    log.record(sent)
    [entry] = log.entries(AuditQuery())
    assert entry.event == sent
    assert entry.recorded_at == START
    assert entry.seq == 1


def test_query_filters_and_pages(backend: Backend, clock: SimulatedClock) -> None:
    log = AuditLog(backend.store, clock)
    fill(log, clock, 30)
    clock.advance(timedelta(minutes=1))
    log.record(event(99, decision=Decision.deny("consent", "consent to marketing.email withdrawn")))

    by_subject = log.entries(AuditQuery(subject_id="subj_0002", limit=100))
    assert [e.seq for e in by_subject] == [3, 8, 13, 18, 23, 28]
    by_actor = log.entries(AuditQuery(actor_id="staff_1", limit=100))
    assert all(e.event.actor.id == "staff_1" for e in by_actor) and len(by_actor) == 10
    denied = log.entries(AuditQuery(allowed=False))
    assert [e.seq for e in denied] == [31]
    assert log.entries(AuditQuery(action="download")) == []
    window = log.entries(
        AuditQuery(since=START + timedelta(minutes=5), until=START + timedelta(minutes=8))
    )
    assert [e.seq for e in window] == [5, 6, 7]

    page1 = log.entries(AuditQuery(limit=12))
    page2 = log.entries(AuditQuery(limit=12, after_seq=page1[-1].seq))
    page3 = log.entries(AuditQuery(limit=12, after_seq=page2[-1].seq))
    assert [e.seq for e in page1 + page2 + page3] == list(range(1, 32))


def test_checkpoints_are_kept_once_per_size(backend: Backend, clock: SimulatedClock) -> None:
    log = AuditLog(backend.store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 25)
    with backend.store.reading() as reader:
        sizes = [c.tree_size for c in reader.checkpoints()]
        latest = reader.latest_checkpoint()
        assert sizes == [10, 20]
        assert latest is not None
        assert backend.store.add_checkpoint(latest) is False
    assert log.verify(SIGNER.verifier).ok


def test_a_caller_transaction_commits_the_entry_with_the_operation(
    backend: Backend, clock: SimulatedClock
) -> None:
    log = AuditLog(backend.store, clock, signer=SIGNER, checkpoint_every=2)
    log.record(event(0))
    with backend.begin() as tx:
        backend.operate(tx, 1)
        log.record(event(1), connection=tx)  # also signs a checkpoint, in the same transaction
    assert backend.operations_done() == [1]
    assert [e.seq for e in log.entries(AuditQuery())] == [1, 2]
    assert log.verify(SIGNER.verifier).checkpoints_checked == 1


def test_an_operation_that_fails_after_its_entry_leaves_neither(
    backend: Backend, clock: SimulatedClock
) -> None:
    log = AuditLog(backend.store, clock, signer=SIGNER, checkpoint_every=2)
    log.record(event(0))
    with pytest.raises(Boom), backend.begin() as tx:
        backend.operate(tx, 1)
        log.record(event(1), connection=tx)  # a checkpoint is due here too
        raise Boom
    assert backend.operations_done() == []
    assert [e.seq for e in log.entries(AuditQuery())] == [1]
    with backend.store.reading() as reader:
        assert [c.tree_size for c in reader.checkpoints()] == []
    # the seq is not burnt: the next entry is 2, and the chain is whole
    assert log.record(event(2)).seq == 2
    assert log.verify(SIGNER.verifier).ok


def test_append_refuses_a_foreign_connection(backend: Backend, clock: SimulatedClock) -> None:
    with pytest.raises(InvalidInput):
        backend.store.append(event(), recorded_at=START, connection=object())


def test_prune_keeps_verification_working(backend: Backend, clock: SimulatedClock) -> None:
    log = AuditLog(backend.store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 35)
    clock.advance(timedelta(days=366))
    fill(log, clock, 5)
    floor = access_log_floor(subject_count=10, holds_unique_or_sensitive=False)
    result = log.prune(floor=floor, actor=Actor("svc.retention", "system"))
    assert (result.pruned_through, result.removed) == (30, 30)
    report = log.verify(SIGNER.verifier)
    assert report.ok, report.reason
    assert report.pruned_through == 30 and report.last_seq == 41
    [pruned] = log.entries(AuditQuery(action=Action.audit_pruned))
    assert pruned.event.details["through_seq"] == 30
    proof = log.prove_inclusion(31)
    assert proof.checkpoint.head.tree_size >= 31


def test_first_seq_kept_honours_the_access_right_floor(
    backend: Backend, clock: SimulatedClock
) -> None:
    log = AuditLog(backend.store, clock)
    log.record(event(0))
    log.record(event(1, action=Action.access_right_granted))
    log.record(event(2))
    clock.advance(timedelta(days=2 * 366))
    floor = access_log_floor(subject_count=10, holds_unique_or_sensitive=True)  # 2 years
    with backend.store.reading() as reader:
        assert reader.first_seq_kept(prune_cutoffs(floor, clock.now())) == 2
        clock.advance(timedelta(days=366))
        assert reader.first_seq_kept(prune_cutoffs(floor, clock.now())) is None


# --- tampering with the tables directly (SQL stores) ---------------------------------------------

SqlTamper = Callable[[Connection], None]


def _flip_body_byte(conn: Connection, seq: int) -> None:
    where = audit_entries.c.seq == seq
    body = bytearray(conn.execute(select(audit_entries.c.body).where(where)).scalar_one())
    body[len(body) // 2] ^= 0x01
    conn.execute(update(audit_entries).where(where).values(body=bytes(body)))


@pytest.mark.parametrize(
    ("tamper", "bad_seq"),
    [
        pytest.param(lambda c: _flip_body_byte(c, 7), 7, id="body-byte-flipped"),
        pytest.param(
            lambda c: c.execute(delete(audit_entries).where(audit_entries.c.seq == 12)),
            12,
            id="row-deleted",
        ),
        pytest.param(
            lambda c: c.execute(
                update(audit_entries).where(audit_entries.c.seq == 4).values(subject_id="subj_9999")
            ),
            4,
            id="index-column-edited",
        ),
        pytest.param(
            lambda c: c.execute(delete(audit_entries).where(audit_entries.c.seq > 15)),
            16,
            id="tail-truncated",
        ),
    ],
)
def test_sql_tampering_is_caught_at_its_seq(
    sql_store: SqlAuditStore, clock: SimulatedClock, tamper: SqlTamper, bad_seq: int
) -> None:
    store = sql_store
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 20)
    log.checkpoint()
    with store.engine.begin() as conn:
        tamper(conn)
    report = log.verify(SIGNER.verifier)
    assert not report.ok
    assert report.first_bad_seq == bad_seq, report.reason


def test_truncation_that_also_removes_checkpoints_is_caught_by_a_kept_copy(
    sql_store: SqlAuditStore, clock: SimulatedClock
) -> None:
    store = sql_store
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 20)
    kept_outside = log.checkpoint()
    with store.engine.begin() as conn:  # a careful attacker: entries, checkpoints and head row
        row = conn.execute(
            select(audit_entries.c.entry_hash).where(audit_entries.c.seq == 14)
        ).one()
        conn.execute(delete(audit_entries).where(audit_entries.c.seq > 14))
        conn.execute(delete(audit_checkpoints).where(audit_checkpoints.c.tree_size > 14))
        conn.execute(update(audit_state).values(head_seq=14, head_hash=row.entry_hash))
    assert log.verify(SIGNER.verifier).ok  # nothing inside the database says otherwise
    report = log.verify(SIGNER.verifier, external=[kept_outside])
    assert not report.ok and report.first_bad_seq == 15


def test_a_forged_checkpoint_row_is_caught(sql_store: SqlAuditStore, clock: SimulatedClock) -> None:
    store = sql_store
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 10)
    with store.engine.begin() as conn:
        conn.execute(update(audit_checkpoints).values(root_hash=bytes(32)))
    report = log.verify(SIGNER.verifier)
    assert not report.ok and "bad signature" in report.reason


def test_a_broken_log_is_neither_pruned_nor_signed(
    sql_store: SqlAuditStore, clock: SimulatedClock
) -> None:
    log = AuditLog(sql_store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 25)
    with sql_store.engine.begin() as conn:
        _flip_body_byte(conn, 22)
    clock.advance(timedelta(days=800))
    with pytest.raises(Refused, match="broken"):
        log.prune(
            floor=access_log_floor(subject_count=1, holds_unique_or_sensitive=False),
            actor=Actor("svc.retention", "system"),
        )
    with pytest.raises(Refused, match="entry 22 is broken"):
        log.checkpoint()
    with sql_store.reading() as reader:
        assert reader.count() == 25 and [c.tree_size for c in reader.checkpoints()] == [10, 20]
