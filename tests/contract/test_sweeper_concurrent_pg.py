"""Two retention sweepers at once on one PostgreSQL vault: each in its own thread with its own
engine (its own connection pool), so their transactions really run side by side, claiming work
with ``FOR UPDATE SKIP LOCKED``. Together they do all the work, and none of it twice: each due
item and record destroyed and audited once, each emptied subject shredded once, one
certificate per batch named by every task of the batch, and one audit chain that verifies.

Skipped, saying why, when the PostgreSQL server is unreachable."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from ruamel.yaml import YAML
from sqlalchemy import Engine

from policyvault.crypto.hazmat import generate_key
from policyvault.crypto.keys import LocalKeyProvider
from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Actor, AuditEntry, AuditEvent
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.policy.model import Policy
from policyvault.domain.retention import Action, RetentionTask, TargetKind, TaskStatus
from policyvault.services.audit import AuditLog
from policyvault.services.policy_files import load_policy
from policyvault.services.retention.facade import Retention
from policyvault.services.retention.sweeper import SweepReport
from policyvault.services.vault import ConsentChoice, Evidence, Vault, VaultContext
from policyvault.storage.audit_sql import PostgresAuditStore
from policyvault.storage.separate_sql import SqlSeparateStore
from policyvault.storage.shredding_keys_memory import InMemoryShreddingKeyStore
from policyvault.storage.vault_sql import PostgresVaultStore

if TYPE_CHECKING:  # the fixture's type; conftest is not importable as a package module
    from conftest import Database

pytestmark = pytest.mark.postgres

MEGAZONE = Path(__file__).resolve().parents[2] / "examples" / "policies" / "megazone-cloudplex.yaml"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
APP = Actor(id="webshop-1", role="service")
CHUNK = 5  # small: a subject's work is often split between the two sweepers
USERS = 80  # five items each (and their keys): due after three years
MEMBERS = 20  # two items, and a payment record moved apart then destroyed after five years
AUTOMATIC = {
    "ip_address": "192.0.2.1",
    "cookie_id": "id-0001",
    "service_use_records": {"event": "login"},
    "visit_records": {"event": "visit"},
    "bad_use_records": {"event": "none"},
}
AUTOMATIC_ITEMS = sorted(AUTOMATIC)
MEMBER = {"email": "member@example.com", "name": "Example Member"}
MEMBER_ITEMS = sorted(MEMBER)


@dataclass
class Shared:
    """What both sweepers share besides the database: keys, policy, clock, signer."""

    policy: Policy
    clock: SimulatedClock
    master: LocalKeyProvider
    blind_index_key: Any
    shredding_keys: InMemoryShreddingKeyStore
    signer: CheckpointSigner


def no_approval_policy(directory: Path) -> Policy:
    data = YAML(typ="safe", pure=True).load(MEGAZONE)
    data["destruction"].pop("approval_required")
    data["destruction"].pop("approver", None)
    path = directory / "megazone-no-approval.yaml"
    YAML(typ="safe", pure=True).dump(data, path)
    return load_policy(path)


def context(db: Database, engine: Engine, shared: Shared) -> VaultContext:
    return VaultContext(
        store=PostgresVaultStore(engine),
        audit=AuditLog(PostgresAuditStore(engine), shared.clock, signer=shared.signer),
        keys=shared.master,
        blind_index_key=shared.blind_index_key,
        shredding_keys=shared.shredding_keys,
        separate=SqlSeparateStore.postgres(engine, db.separate_schema),
        policy=shared.policy,
        clock=shared.clock,
    )


def collect(vault: Vault, point: str, values: dict[str, Any], purpose: str) -> str:
    choice = ConsentChoice(ConsentCategory.collection_use, (purpose,))
    return vault.collect(point, values, [choice], Evidence(channel="web"), APP).subject_id


def seed(db: Database, shared: Shared) -> tuple[list[str], dict[str, str]]:
    """Users whose three years of service are over, and members who paid and left: all of it
    due five years on. The user ids, and each member's payment record id."""
    engine = db.engine()
    try:
        ctx = context(db, engine, shared)
        vault, retention = Vault(ctx), Retention(ctx)
        users = [collect(vault, "automatic", AUTOMATIC, "service.provision") for _ in range(USERS)]
        members: dict[str, str] = {}
        for _ in range(MEMBERS):
            subject = collect(vault, "console_start", MEMBER, "membership.management")
            added = retention.add_record(
                subject, "payment_and_supply", shared.clock.now(), {"order": 1}, APP
            )
            vault.record_event(subject, "account_closed", APP)
            members[subject] = added.record.id
    finally:
        engine.dispose()
    shared.clock.advance(timedelta(days=5 * 365 + 10))
    return users, members


def sweep_at_once(db: Database, shared: Shared) -> list[SweepReport]:
    """Two sweepers started together, each on an engine of its own."""
    start = threading.Barrier(2)
    reports: list[SweepReport | None] = [None, None]
    errors: list[BaseException] = []

    def run(n: int) -> None:
        engine = db.engine()
        try:
            retention = Retention(context(db, engine, shared))
            start.wait()
            reports[n] = retention.sweep(chunk=CHUNK)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert all(not thread.is_alive() for thread in threads)
    return [report for report in reports if report is not None]


def all_tasks(ctx: VaultContext) -> list[RetentionTask]:
    found: list[RetentionTask] = []
    with ctx.store.session() as session:
        after: str | None = None
        while page := session.find_tasks(list(TaskStatus), after_id=after):
            found += page
            after = page[-1].id
    return found


def test_two_sweepers_at_once_do_all_the_work_once(database: Database, tmp_path: Path) -> None:
    shared = Shared(
        policy=no_approval_policy(tmp_path),
        clock=SimulatedClock(START),
        master=LocalKeyProvider(generate_key()),
        blind_index_key=generate_key(),
        shredding_keys=InMemoryShreddingKeyStore(),
        signer=CheckpointSigner.generate(),
    )
    users, members = seed(database, shared)
    emptied = {*users, *members}

    reports = sweep_at_once(database, shared)
    assert len(reports) == 2
    assert all(r.destroyed_items > 0 for r in reports), reports  # both took part
    assert sum(r.destroyed_items for r in reports) == USERS * 5 + MEMBERS * 2
    assert sum(r.destroyed_records for r in reports) == MEMBERS
    assert sum(r.archived for r in reports) == MEMBERS
    assert sum(r.keys_destroyed for r in reports) == len(emptied)
    assert sum(r.cancelled for r in reports) == 0

    engine = database.engine()
    try:
        ctx = context(database, engine, shared)
        tasks = all_tasks(ctx)
        with ctx.store.session() as session:
            certificates = {c.id: c for c in session.certificates(limit=10_000)}
            for subject in emptied:  # all of it done: nothing of any subject is left
                stored = session.subject(subject)
                assert stored is not None
                assert stored.shredded_at is not None
                assert session.items(subject) == []
                assert session.records(subject) == []
                assert shared.shredding_keys.get(subject) is None
        with ctx.separate.reading() as separate:
            assert all(separate.records(s) == [] for s in members)
        with ctx.audit._store.reading() as reader:
            entries = [record.entry() for record in reader.records()]
        verified = ctx.audit.verify(shared.signer.verifier)
        assert verified.ok, verified.reason  # one unbroken chain, whoever wrote it
    finally:
        engine.dispose()

    _each_task_done_once(tasks, users, members)
    _each_thing_audited_once(entries, users, members)
    _one_certificate_per_batch(tasks, certificates, entries)


def counted(event: AuditEvent, key: str) -> int:
    """A count an audit entry's details give."""
    value = event.details[key]
    assert isinstance(value, int)
    return value


def _work(task: RetentionTask) -> tuple[str, str, str, str]:
    d = task.deadline
    return (d.subject_id, d.target_kind.value, d.target_key, d.action.value)


def _each_task_done_once(
    tasks: list[RetentionTask], users: list[str], members: dict[str, str]
) -> None:
    assert Counter(t.status for t in tasks) == {TaskStatus.done: len(tasks)}, Counter(
        (t.status, t.note) for t in tasks
    )
    assert max(Counter(_work(t) for t in tasks).values()) == 1  # no work done by two tasks
    expected = {(s, "item", k, "destroy") for s in users for k in AUTOMATIC_ITEMS}
    expected |= {(s, "item", k, "destroy") for s in members for k in MEMBER_ITEMS}
    expected |= {(s, "record", r, a) for s, r in members.items() for a in ("archive", "destroy")}
    expected |= {(s, "subject_keys", s, "destroy") for s in [*users, *members]}
    assert {_work(t) for t in tasks} == expected


def _each_thing_audited_once(
    entries: list[AuditEntry], users: list[str], members: dict[str, str]
) -> None:
    destroyed: Counter[tuple[str | None, str]] = Counter()
    records: Counter[tuple[str, str | None]] = Counter()
    shredded: Counter[str | None] = Counter()
    for entry in entries:
        event = entry.event
        if event.action == "retention.destroy":
            destroyed.update((event.subject_id, key) for key in event.item_keys)
            records["destroy", event.subject_id] += counted(event, "records")
        elif event.action == "retention.archive":
            records["archive", event.subject_id] += counted(event, "records")
        elif event.action == "vault.shred":
            shredded[event.subject_id] += 1
    expected = Counter([(s, k) for s in users for k in AUTOMATIC_ITEMS])
    expected.update((s, k) for s in members for k in MEMBER_ITEMS)
    assert destroyed == expected  # each item destroyed by one sweeper, audited once
    assert +records == Counter([(a, s) for s in members for a in ("archive", "destroy")])
    assert shredded == Counter([*users, *members])


def _one_certificate_per_batch(
    tasks: list[RetentionTask], certificates: dict[str, Any], entries: list[AuditEntry]
) -> None:
    destructions = [t for t in tasks if t.deadline.action is not Action.archive]
    batches: dict[str, set[str | None]] = {}
    for t in destructions:
        assert t.batch_id is not None
        batches.setdefault(t.batch_id, set()).add(t.certificate_id)
    assert all(len(named) == 1 and None not in named for named in batches.values()), batches
    issued = Counter(
        e.event.details["batch_id"] for e in entries if e.event.action == "retention.certificate"
    )
    assert issued == Counter(set(batches))  # one each, and no certificate announced twice
    assert {c.batch_id for c in certificates.values()} == set(batches)
    assert len(certificates) == len(batches)
    for batch_id, named in batches.items():
        [certificate_id] = named
        assert certificate_id is not None
        assert certificates[certificate_id].batch_id == batch_id
    totals: Counter[str] = Counter()
    for certificate in certificates.values():
        totals["keys"] += certificate.body["keys_destroyed"]
        for group in certificate.body["groups"]:
            totals.update(group["items"])
            totals.update({f"record:{k}": n for k, n in group["records"].items()})
    worked = Counter(
        "keys"
        if t.deadline.target_kind is TargetKind.subject_keys
        else t.deadline.target_key
        if t.deadline.target_kind is TargetKind.item
        else f"record:{t.deadline.record_type}"
        for t in destructions
    )
    assert totals == worked  # the certificates count exactly the work done
