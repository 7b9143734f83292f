"""The AuditLog service on the memory store, with a simulated clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import (
    Action,
    Actor,
    AuditEvent,
    AuditQuery,
    ConsistencyProof,
    Decision,
    InclusionProof,
    access_log_floor,
    read_proof,
)
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.errors import InvalidInput, NotFound
from policyvault.services.audit import AuditLog, check_proof
from policyvault.storage.audit_memory import InMemoryAuditStore

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SIGNER = CheckpointSigner.generate()
SYSTEM = Actor("svc.retention", "system")


def event(n: int = 0, **changes: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "actor": Actor(id="staff_1", role="cs_agent"),
        "action": "view",
        "decision": Decision.allow("purpose", "customer_support allows user.contact.email"),
        "subject_id": f"subj_{n % 4}",
        "details": {"n": n},
    }
    fields.update(changes)
    return AuditEvent(**fields)


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def store() -> InMemoryAuditStore:
    return InMemoryAuditStore()


def fill(log: AuditLog, clock: SimulatedClock, count: int, **changes: Any) -> None:
    for n in range(count):
        clock.advance(timedelta(seconds=10))
        log.record(event(n, **changes))


def checkpoint_sizes(store: InMemoryAuditStore) -> list[int]:
    with store.reading() as reader:
        return [c.tree_size for c in reader.checkpoints()]


# --- checkpoints ---------------------------------------------------------------------------------


def test_a_checkpoint_every_n_entries(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 35)
    assert checkpoint_sizes(store) == [10, 20, 30]


def test_a_checkpoint_after_t_minutes(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(
        store, clock, signer=SIGNER, checkpoint_every=1000, checkpoint_interval=timedelta(minutes=5)
    )
    log.record(event(0))
    clock.advance(timedelta(minutes=4))
    log.record(event(1))
    assert checkpoint_sizes(store) == []
    clock.advance(timedelta(minutes=1))
    log.record(event(2))
    assert checkpoint_sizes(store) == [3]
    clock.advance(timedelta(minutes=3))
    log.record(event(3))
    clock.advance(timedelta(minutes=2))
    assert checkpoint_sizes(store) == [3]
    signed = log.checkpoint_if_due()  # what a scheduler calls when nothing is appended
    assert signed is not None and signed.head.tree_size == 4
    assert log.checkpoint_if_due() is None


def test_checkpoints_on_demand(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=1000)
    fill(log, clock, 3)
    first = log.checkpoint()
    assert first.head.tree_size == 3 and SIGNER.verifier.verify(first)
    assert log.checkpoint() == first  # already up to date
    log.record(event(9))
    assert log.checkpoint().head.tree_size == 4


def test_checkpoints_need_the_signing_key(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock)
    log.record(event())
    with pytest.raises(InvalidInput, match="signing key"):
        log.checkpoint()


# --- verifying -----------------------------------------------------------------------------------


def test_verify_reports_progress(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(
        store, clock, signer=SIGNER, checkpoint_every=500, checkpoint_interval=timedelta(days=30)
    )
    fill(log, clock, 2500)
    totals: list[int] = []
    seen: list[int] = []
    report = log.verify(SIGNER.verifier, on_start=totals.append, on_progress=seen.append)
    assert report.ok and report.entries_checked == 2500 and report.checkpoints_checked == 5
    assert totals == [2500]
    assert seen == [1000, 2000, 2500]


def test_verify_with_another_key_is_broken(
    store: InMemoryAuditStore, clock: SimulatedClock
) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=5)
    fill(log, clock, 5)
    other = CheckpointSigner.generate()
    report = log.verify(other.verifier)
    assert not report.ok and report.first_bad_seq is None
    assert f"signed by key {SIGNER.key_id}" in report.reason


# --- proofs --------------------------------------------------------------------------------------


def test_inclusion_proofs_check_offline(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 37)
    public = SIGNER.verifier
    for seq in (1, 10, 11, 30):
        proof = log.prove_inclusion(seq)
        assert proof.checkpoint.head.tree_size == 30  # the latest checkpoint covering seq
        document = json.loads(json.dumps(proof.to_document()))
        parsed = read_proof(document)
        assert isinstance(parsed, InclusionProof)
        assert check_proof(parsed, public).ok
    proof = log.prove_inclusion(35)  # no checkpoint covers 35 yet: one is signed
    assert proof.checkpoint.head.tree_size == 37 and check_proof(proof, public).ok
    assert log.prove_inclusion(3, tree_size=10).checkpoint.head.tree_size == 10


def test_tampered_inclusion_proofs_fail(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 20)
    document = log.prove_inclusion(7).to_document()
    assert isinstance(document["entry"], str) and isinstance(document["audit_path"], list)

    edited_entry = {**document, "entry": document["entry"].replace("subj_2", "subj_3")}
    path = list(document["audit_path"])
    path[1] = "00" * 32
    edited_path = {**document, "audit_path": path}
    other_seq = {
        **log.prove_inclusion(8).to_document(),
        "entry": document["entry"],
    }
    for bad in (edited_entry, edited_path, other_seq):
        result = check_proof(read_proof(bad), SIGNER.verifier)
        assert not result.ok, result.reason
    other_key = CheckpointSigner.generate().verifier
    assert not check_proof(read_proof(document), other_key).ok


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"format": "policyvault.audit.inclusion-proof/1"},
        {"format": "something/else"},
        [],
    ],
)
def test_malformed_proofs_are_bad_input(document: object) -> None:
    with pytest.raises(InvalidInput):
        read_proof(document)


def test_proving_needs_a_checkpoint_or_the_key(
    store: InMemoryAuditStore, clock: SimulatedClock
) -> None:
    log = AuditLog(store, clock)
    fill(log, clock, 3)
    with pytest.raises(NotFound, match="no signed checkpoint"):
        log.prove_inclusion(2)
    with pytest.raises(NotFound, match="seq 9"):
        log.prove_inclusion(9)


def test_consistency_proofs(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=7)
    fill(log, clock, 30)
    proof = log.prove_consistency(7)
    assert (proof.old.head.tree_size, proof.new.head.tree_size) == (7, 28)
    parsed = read_proof(json.loads(json.dumps(proof.to_document())))
    assert isinstance(parsed, ConsistencyProof)
    assert check_proof(parsed, SIGNER.verifier).ok
    swapped = ConsistencyProof(old=proof.old, new=log.prove_consistency(14).old, path=proof.path)
    assert not check_proof(swapped, SIGNER.verifier).ok
    with pytest.raises(NotFound):
        log.prove_consistency(8)


# --- pruning -------------------------------------------------------------------------------------


def floor(**kw: Any) -> Any:
    return access_log_floor(**{"subject_count": 100, "holds_unique_or_sensitive": False, **kw})


def test_nothing_is_pruned_before_the_floor(
    store: InMemoryAuditStore, clock: SimulatedClock
) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 30)
    clock.advance(timedelta(days=364))
    result = log.prune(floor=floor(), actor=SYSTEM)
    assert result.removed == 0 and "nothing to prune" in result.reason
    assert log.verify(SIGNER.verifier).last_seq == 30


def test_the_two_year_floor(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 30)
    clock.advance(timedelta(days=400))
    assert log.prune(floor=floor(subject_count=50_000), actor=SYSTEM).removed == 0
    assert log.prune(floor=floor(holds_unique_or_sensitive=True), actor=SYSTEM).removed == 0
    clock.advance(timedelta(days=400))
    assert log.prune(floor=floor(subject_count=50_000), actor=SYSTEM).removed == 30


def test_pruning_stops_behind_the_last_checkpoint_before_a_young_entry(
    store: InMemoryAuditStore, clock: SimulatedClock
) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 25)
    clock.advance(timedelta(days=200))
    fill(log, clock, 25)  # seq 26..50; checkpoints at 26 (the interval passed), 36, 46
    assert checkpoint_sizes(store) == [10, 20, 26, 36, 46]
    clock.advance(timedelta(days=200))  # 1..25 are past one year, 26..50 are not
    result = log.prune(floor=floor(), actor=SYSTEM)
    assert (result.pruned_through, result.removed) == (20, 20)  # no checkpoint at 25
    report = log.verify(SIGNER.verifier)
    assert report.ok and report.pruned_through == 20 and report.last_seq == 51
    [entry] = log.entries(AuditQuery(action=Action.audit_pruned))
    assert entry.seq == 51 and entry.event.details == {"through_seq": 20, "floor_years": 1}
    with pytest.raises(NotFound):
        log.prove_inclusion(20)
    assert check_proof(log.prove_inclusion(21), SIGNER.verifier).ok
    assert check_proof(log.prove_consistency(20), SIGNER.verifier).ok

    clock.advance(timedelta(days=200))  # now 21..50 are past one year too, 51 is not
    again = log.prune(floor=floor(), actor=SYSTEM)
    assert (again.pruned_through, again.removed) == (46, 26)
    assert log.verify(SIGNER.verifier).ok


def test_access_right_entries_hold_pruning_back_for_three_years(
    store: InMemoryAuditStore, clock: SimulatedClock
) -> None:
    log = AuditLog(store, clock, signer=SIGNER, checkpoint_every=10)
    fill(log, clock, 10)
    fill(log, clock, 1, action=Action.access_right_granted)  # seq 11
    fill(log, clock, 9)
    clock.advance(timedelta(days=2 * 366))
    assert log.prune(floor=floor(), actor=SYSTEM).pruned_through == 10
    clock.advance(timedelta(days=366))
    assert log.prune(floor=floor(), actor=SYSTEM).pruned_through == 20


def test_pruning_needs_the_signing_key(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    with pytest.raises(InvalidInput):
        AuditLog(store, clock).prune(floor=floor(), actor=SYSTEM)


def test_a_memory_transaction_rolls_back(store: InMemoryAuditStore, clock: SimulatedClock) -> None:
    log = AuditLog(store, clock)
    log.record(event(0))
    with pytest.raises(RuntimeError), store.transaction() as tx:
        log.record(event(1), connection=tx)
        raise RuntimeError
    assert [e.seq for e in log.entries(AuditQuery())] == [1]
    with store.transaction() as tx:
        log.record(event(1), connection=tx)
    assert [e.seq for e in log.entries(AuditQuery())] == [1, 2]
    with pytest.raises(InvalidInput):
        log.record(event(2), connection=tx)  # a finished transaction
