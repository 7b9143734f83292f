"""The retention sweeper killed at any instant, on a SQLite vault home with its separate store
and shredding-key store: runs of a real sweeper process are SIGKILLed at chosen points (right
after the separate store committed a move or a destruction the vault has not, right after a
shredding key went, after some vault transaction) and at random ones, two sweepers at a time,
then a run goes to the end. Nothing is lost and nothing is done twice: every due item and
record is destroyed once, audited once and certified once, every batch has one certificate,
what was not due is untouched and readable, the audit chain verifies, and exactly the subjects
with nothing left have lost their shredding keys."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from tests.e2e.runner import clean_environ, verify_audit_log

from policyvault.bootstrap import (
    SHREDDING_KEYS,
    VaultRuntime,
    init_vault,
    open_vault,
    sandbox_clock,
)
from policyvault.domain.access import STATUTORY_PURPOSE
from policyvault.domain.audit import Actor, AuditEntry, AuditEvent
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.retention import Action, RetentionTask, TargetKind, TaskStatus
from policyvault.services.retention.facade import Retention
from policyvault.services.retention.sweeper import NOT_DESTROYED
from policyvault.services.vault import ConsentChoice, Evidence
from policyvault.storage.audit_sql import open_audit_store
from policyvault.storage.separate_sql import SqlSeparateSession, SqlSeparateStore
from policyvault.storage.shredding_keys_sqlite import SqliteShreddingKeyStore

ROOT = Path(__file__).resolve().parents[2]
MEGAZONE = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
APP = Actor(id="webshop-1", role="service")
ADMIN = Actor(id="admin-1", role="admin")
OFFICER = Actor(id="officer-1", role="privacy_officer")
CLERK = Actor(id="clerk-1", role="handler")
CHUNK = 7
SEED = 20261123
# How many subjects are seeded in each situation (200 in all).
DUE_INQUIRIES, HELD_INQUIRIES, OPEN_INQUIRIES = 90, 10, 25
CLOSED_MEMBERS, ARCHIVED_MEMBERS, FUTURE_USERS = 40, 20, 15

INQUIRY_ITEMS = ("company_name", "contact_person", "email", "phone")
MEMBER_ITEMS = ("email", "name")
MEMBER = {"email": "member@example.com", "name": "Example Member"}
AUTOMATIC_ITEMS = ("bad_use_records", "cookie_id", "ip_address", "service_use_records")

# The sweeper as an operator's cron job runs it, in a process of its own. ``kill_at`` arms a
# SIGKILL of the process itself at the n-th time it reaches a point:
#   separate_put     the separate store committed a copy (a move) the vault has not recorded
#   separate_delete  the separate store committed a deletion the vault has not recorded
#   key_destroyed    shredding keys are gone (one, or a chunk's at once), their tasks not yet
#                    marked done
#   vault_commit     a vault transaction has committed
SWEEPER = r"""
import dataclasses, json, os, signal, sys
from contextlib import contextmanager
from pathlib import Path

from policyvault.bootstrap import open_vault
from policyvault.services.retention.facade import Retention
from policyvault.storage import separate_sql, shredding_keys_sqlite, vault_sql

home, chunk, kill_at = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
where, _, nth = kill_at.partition(":")
left = [int(nth or 0)]


def reached(point):
    if point == where:
        left[0] -= 1
        if left[0] == 0:
            os.kill(os.getpid(), signal.SIGKILL)


wrote = set()
separate_session = separate_sql.SqlSeparateStore.session


@contextmanager
def session(self):
    wrote.clear()
    with separate_session(self) as s:
        yield s
    for point in sorted(wrote):
        reached(point)


separate_sql.SqlSeparateStore.session = session
for name, point in (
    ("put_item", "separate_put"),
    ("put_record", "separate_put"),
    ("delete_items", "separate_delete"),
    ("delete_records", "separate_delete"),
):
    def wrap(original, point):
        def method(self, *args):
            result = original(self, *args)
            if point == "separate_put" or result:
                wrote.add(point)
            return result
        return method

    setattr(
        separate_sql.SqlSeparateSession,
        name,
        wrap(getattr(separate_sql.SqlSeparateSession, name), point),
    )

destroy_key = shredding_keys_sqlite.SqliteShreddingKeyStore.destroy


def destroy(self, subject_id):
    result = destroy_key(self, subject_id)
    reached("key_destroyed")
    return result


shredding_keys_sqlite.SqliteShreddingKeyStore.destroy = destroy
destroy_keys = shredding_keys_sqlite.SqliteShreddingKeyStore.destroy_many


def destroy_many(self, subject_ids):
    result = destroy_keys(self, subject_ids)
    reached("key_destroyed")
    return result


shredding_keys_sqlite.SqliteShreddingKeyStore.destroy_many = destroy_many
vault_session = vault_sql.SqliteVaultStore.session


@contextmanager
def vault(self):
    with vault_session(self) as s:
        yield s
    reached("vault_commit")


vault_sql.SqliteVaultStore.session = vault

runtime = open_vault(home)
try:
    report = Retention(runtime.vault.context).sweep(
        chunk=chunk, progress=lambda stage, n: print("progress", stage, n, flush=True)
    )
finally:
    runtime.close()
print("report", json.dumps(dataclasses.asdict(report), default=str), flush=True)
"""


@dataclass
class Seeded:
    """Who was seeded in which situation, and what they were given."""

    due_inquiries: dict[str, int] = field(default_factory=dict)  # all due: emptied
    closed_members: dict[str, str] = field(default_factory=dict)  # subject: record id; emptied
    archived_members: dict[str, str] = field(default_factory=dict)  # record kept apart
    open_inquiries: dict[str, int] = field(default_factory=dict)  # nothing due
    held_inquiries: dict[str, int] = field(default_factory=dict)  # due, but held
    future_users: list[str] = field(default_factory=list)  # due in three years

    @property
    def emptied(self) -> set[str]:
        return {*self.due_inquiries, *self.closed_members}

    @property
    def kept(self) -> set[str]:
        return {
            *self.archived_members,
            *self.open_inquiries,
            *self.held_inquiries,
            *self.future_users,
        }


def inquiry(n: int) -> dict[str, str]:
    """Reserved fake data (example.com, 555-01xx)."""
    return {
        "company_name": f"Quillfeather Example Trading {n:04d}",
        "contact_person": f"Ottoline Example-Wrenfield {n:04d}",
        "email": f"ottoline.{n:04d}@example.com",
        "phone": f"+82 2 555 01{n % 100:02d}",
    }


def ask(runtime: VaultRuntime, point: str, values: dict[str, Any], purpose: str) -> str:
    choice = ConsentChoice(ConsentCategory.collection_use, (purpose,))
    collected = runtime.vault.collect(point, values, [choice], Evidence(channel="web"), APP)
    return collected.subject_id


def no_approval_policy(directory: Path) -> Path:
    """Megazone's policy with its approval step taken out: due work is destroyed at once."""
    data = YAML(typ="safe", pure=True).load(MEGAZONE)
    data["destruction"].pop("approval_required")
    data["destruction"].pop("approver", None)
    policy = directory / "megazone-no-approval.yaml"
    YAML(typ="safe", pure=True).dump(data, policy)
    return policy


def seed(home: Path, tmp_path: Path) -> Seeded:
    """A sandbox vault on the Megazone policy with no approval step, a few hundred subjects in
    every situation, and its clock moved five years on."""
    environ = clean_environ()
    config = init_vault(home, no_approval_policy(tmp_path), sandbox=True, environ=environ)
    clock = sandbox_clock(config)
    seeded = Seeded()
    runtime = open_vault(home, environ)
    try:
        vault, retention = runtime.vault, Retention(runtime.vault.context)
        vault.grant(CLERK.id, "product.inquiry", ADMIN)
        vault.grant(CLERK.id, STATUTORY_PURPOSE, ADMIN)
        numbers = iter(range(10_000))
        for n in islice(numbers, DUE_INQUIRIES):
            subject = ask(runtime, "product_inquiry", inquiry(n), "product.inquiry")
            vault.record_event(subject, "inquiry_completed", APP)
            seeded.due_inquiries[subject] = n
        for n in islice(numbers, HELD_INQUIRIES):
            subject = ask(runtime, "product_inquiry", inquiry(n), "product.inquiry")
            vault.record_event(subject, "inquiry_completed", APP)
            retention.place_hold(
                OFFICER, reason="litigation", reference="case-7", subject_id=subject
            )
            seeded.held_inquiries[subject] = n
        for n in islice(numbers, OPEN_INQUIRIES):
            seeded.open_inquiries[
                ask(runtime, "product_inquiry", inquiry(n), "product.inquiry")
            ] = n
        for _ in range(CLOSED_MEMBERS):
            subject = ask(runtime, "console_start", MEMBER, "membership.management")
            paid = retention.add_record(
                subject, "payment_and_supply", runtime.clock.now(), {"order": 1}, APP
            )
            vault.record_event(subject, "account_closed", APP)
            seeded.closed_members[subject] = paid.record.id
        later = [
            ask(runtime, "console_start", MEMBER, "membership.management")
            for _ in range(ARCHIVED_MEMBERS)
        ]
        clock.advance(timedelta(days=2 * 365))
        for subject in later:  # paid two years on: the statute keeps the record longer
            paid = retention.add_record(
                subject, "payment_and_supply", runtime.clock.now(), {"order": 2}, APP
            )
            vault.record_event(subject, "account_closed", APP)
            seeded.archived_members[subject] = paid.record.id
        clock.advance(timedelta(days=3 * 365 + 10))  # the first records' five years are over
        automatic = {
            "ip_address": "192.0.2.1",
            "cookie_id": "id-0001",
            "service_use_records": {"event": "login"},
            "visit_records": {"event": "visit"},
            "bad_use_records": {"event": "none"},
        }
        for _ in range(FUTURE_USERS):
            seeded.future_users.append(ask(runtime, "automatic", automatic, "service.provision"))
    finally:
        runtime.close()
    return seeded


@dataclass
class Run:
    returncode: int
    lines: list[str]

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    def summary(self) -> str:
        """How far it went: the chunks of each stage it finished, and how it ended."""
        stages = Counter(x.split()[1] for x in self.lines if x.startswith("progress "))
        return f"{'killed' if self.killed else 'finished'} after {dict(stages)}"

    def report(self) -> dict[str, Any]:
        [line] = [x for x in self.lines if x.startswith("report ")]
        loaded: dict[str, Any] = json.loads(line.removeprefix("report "))
        return loaded


def sweep(
    home: Path, *, kill_at: str = "", after_lines: int | None = None, delay: float = 0.0
) -> Run:
    """One sweeper process; with ``after_lines``, SIGKILLed ``delay`` seconds after it printed
    that many progress lines (the delay is where it dies, not a wait for a deadline)."""
    process = subprocess.Popen(
        [sys.executable, "-c", SWEEPER, str(home), str(CHUNK), kill_at],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_environ(),
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        if after_lines is not None:
            while len(lines) < after_lines and (line := process.stdout.readline()):
                lines.append(line.strip())
            time.sleep(delay)
            process.kill()
        out, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    lines += out.splitlines()
    if process.returncode not in (0, -signal.SIGKILL):
        pytest.fail(f"the sweeper failed ({process.returncode}):\n{err}")
    return Run(process.returncode, lines)


def all_tasks(runtime: VaultRuntime) -> list[RetentionTask]:
    found: list[RetentionTask] = []
    with runtime.vault.context.store.session() as session:
        after: str | None = None
        while page := session.find_tasks(list(TaskStatus), after_id=after):
            found += page
            after = page[-1].id
    return found


def audit_entries(home: Path) -> list[AuditEntry]:
    store = open_audit_store(f"sqlite:///{home / 'policyvault.db'}", create=False)
    try:
        with store.reading() as reader:
            return [record.entry() for record in reader.records()]
    finally:
        store.close()


def by_subject(tasks: list[RetentionTask]) -> dict[str, list[RetentionTask]]:
    grouped: dict[str, list[RetentionTask]] = defaultdict(list)
    for one in tasks:
        grouped[one.subject_id].append(one)
    return grouped


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """Where the vault home goes: in memory where the machine has a tmpfs (a SIGKILL loses no
    page the process wrote, only a power cut would, so the disk adds nothing but fsync time)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm, prefix="pv-sweeper-crash-") as directory:
        yield Path(directory)


def test_a_sweeper_killed_anywhere_finishes_the_work_once(scratch: Path) -> None:
    home = scratch / "vault"
    seeded = seed(home, scratch)

    # At the worst points, each while there is work to cut short there (moves come first,
    # then destructions of items, of records, and the shredding keys last), and between them
    # anywhere, two sweepers at a time.
    rng = random.Random(SEED)
    schedule = [
        "separate_put:2",
        "vault_commit:9",
        "random",
        "random",
        "random",
        "separate_delete:1",
        "separate_delete:3",
        "random",
        "key_destroyed:2",
        "random",
    ]
    random_runs: list[Run] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for point in schedule:
            if point != "random":
                run = sweep(home, kill_at=point)
                print(point, run.summary())  # shown when the test fails
                assert run.killed, f"the sweeper never reached {point}: {run.lines[-3:]}"
                continue
            plans = [(rng.randint(0, 8), rng.uniform(0, 0.02)) for _ in range(2)]
            pair = list(
                pool.map(lambda plan: sweep(home, after_lines=plan[0], delay=plan[1]), plans)
            )
            print("two at random", [run.summary() for run in pair])
            random_runs += pair
    assert sum(run.killed for run in random_runs) >= len(random_runs) // 2, [
        run.summary() for run in random_runs
    ]
    assert sweep(home).returncode == 0
    again = sweep(home).report()  # a run after the last has nothing left to do
    assert (again["queued"], again["archived"], again["destroyed_items"]) == (0, 0, 0)
    assert (again["destroyed_records"], again["keys_destroyed"], again["cancelled"]) == (0, 0, 0)
    assert again["overdue"] == {}
    assert again["certificates"] == []

    entries = audit_entries(home)
    verify_audit_log(home)  # `policyvault audit verify`: the chain is intact

    runtime = open_vault(home, clean_environ())
    shredding_keys = SqliteShreddingKeyStore(home / SHREDDING_KEYS)
    try:
        tasks = all_tasks(runtime)
        checks: dict[str, Callable[[], None]] = {
            "every due task done once": lambda: _every_due_task_done_once(seeded, tasks),
            "audited once": lambda: _audited_once(seeded, entries),
            "one certificate per batch": lambda: _one_certificate_per_batch(
                runtime, tasks, entries
            ),
            "nothing else touched": lambda: _nothing_else_touched(runtime, seeded, tasks),
            "keys gone exactly when nothing is left": lambda: (
                _keys_gone_exactly_when_nothing_is_left(runtime, shredding_keys, seeded, entries)
            ),
        }
        failed: list[str] = []
        for name, check in checks.items():
            try:
                check()
            except AssertionError as error:  # every broken promise, not only the first
                failed.append(f"{name}: {error}")
        assert not failed, "\n\n".join(failed)
    finally:
        shredding_keys.close()
        runtime.close()


def counted(event: AuditEvent, key: str) -> int:
    """A count an audit entry's details give."""
    value = event.details[key]
    assert isinstance(value, int)
    return value


def _work(task: RetentionTask) -> tuple[str, str, str, str]:
    d = task.deadline
    return (d.subject_id, d.target_kind.value, d.target_key, d.action.value)


def _every_due_task_done_once(seeded: Seeded, tasks: list[RetentionTask]) -> None:
    statuses = Counter(t.status for t in tasks)
    assert statuses[TaskStatus.cancelled] == 0, [  # no due work was given up after a crash
        (_work(t), t.note) for t in tasks if t.status is TaskStatus.cancelled
    ]
    assert statuses[TaskStatus.approved] == statuses[TaskStatus.awaiting_approval] == 0
    done = [t for t in tasks if t.status is TaskStatus.done]
    twice = [w for w, n in Counter(_work(t) for t in done).items() if n > 1]
    assert twice == []  # no work was done by two tasks
    expected: set[tuple[str, str, str, str]] = set()
    for subject in seeded.due_inquiries:
        expected |= {(subject, "item", k, "destroy") for k in INQUIRY_ITEMS}
        expected.add((subject, "subject_keys", subject, "destroy"))
    for subject, record_id in seeded.closed_members.items():
        expected |= {(subject, "item", k, "destroy") for k in MEMBER_ITEMS}
        expected |= {(subject, "record", record_id, a) for a in ("archive", "destroy")}
        expected.add((subject, "subject_keys", subject, "destroy"))
    for subject, record_id in seeded.archived_members.items():
        expected |= {(subject, "item", k, "destroy") for k in MEMBER_ITEMS}
        expected.add((subject, "record", record_id, "archive"))
    assert {_work(t) for t in done} == expected


def _audited_once(seeded: Seeded, entries: list[AuditEntry]) -> None:
    destroyed: Counter[tuple[str | None, str]] = Counter()
    records_destroyed: Counter[str | None] = Counter()
    records_archived: Counter[str | None] = Counter()
    shredded: Counter[str | None] = Counter()
    for entry in entries:
        event = entry.event
        if event.action == "retention.destroy":
            destroyed.update((event.subject_id, key) for key in event.item_keys)
            records_destroyed[event.subject_id] += counted(event, "records")
        elif event.action == "retention.archive":
            records_archived[event.subject_id] += counted(event, "records")
        elif event.action == "vault.shred":
            shredded[event.subject_id] += 1
    expected = Counter(
        [(s, k) for s in seeded.due_inquiries for k in INQUIRY_ITEMS]
        + [(s, k) for s in {*seeded.closed_members, *seeded.archived_members} for k in MEMBER_ITEMS]
    )
    assert destroyed == expected  # each due item destroyed, and audited, exactly once
    assert +records_destroyed == Counter(list(seeded.closed_members))
    assert +records_archived == Counter({*seeded.closed_members, *seeded.archived_members})
    assert shredded == Counter(seeded.emptied)


def _one_certificate_per_batch(
    runtime: VaultRuntime, tasks: list[RetentionTask], entries: list[AuditEntry]
) -> None:
    destructions = [
        t for t in tasks if t.status is TaskStatus.done and t.deadline.action is not Action.archive
    ]
    moves = [
        t for t in tasks if t.status is TaskStatus.done and t.deadline.action is Action.archive
    ]
    # a move destroys nothing: no batch, and marked as needing no certificate
    assert all(t.batch_id is None and t.certificate_id == NOT_DESTROYED for t in moves)
    batches: dict[str, set[str | None]] = defaultdict(set)
    for t in destructions:
        assert t.batch_id is not None
        batches[t.batch_id].add(t.certificate_id)
    issued = [e.event.details for e in entries if e.event.action == "retention.certificate"]
    assert Counter(d["batch_id"] for d in issued) == Counter(set(batches))  # one each, no ghost
    with runtime.vault.context.store.session() as session:
        certificates = {c.id: c for c in session.certificates(limit=10_000)}
    assert len(certificates) == len(batches)
    totals: Counter[str] = Counter()
    for batch_id, named in batches.items():
        [certificate_id] = named  # every done task of the batch names the one certificate
        assert certificate_id is not None
        certificate = certificates[certificate_id]
        assert certificate.batch_id == batch_id
        body = certificate.body
        totals["keys"] += body["keys_destroyed"]
        for group in body["groups"]:
            totals.update({f"item:{k}": n for k, n in group["items"].items()})
            totals.update({f"record:{k}": n for k, n in group["records"].items()})
    worked = Counter(
        "keys"
        if t.deadline.target_kind is TargetKind.subject_keys
        else f"item:{t.deadline.target_key}"
        if t.deadline.target_kind is TargetKind.item
        else f"record:{t.deadline.record_type}"
        for t in destructions
    )
    assert totals == worked  # the certificates count exactly the work done


def _nothing_else_touched(
    runtime: VaultRuntime, seeded: Seeded, tasks: list[RetentionTask]
) -> None:
    grouped = by_subject(tasks)
    vault = runtime.vault
    for subject, n in seeded.open_inquiries.items():
        read = vault.read(subject, list(INQUIRY_ITEMS), "product.inquiry", CLERK)
        assert read.allowed, read.decision
        assert read.values["company_name"] == inquiry(n)["company_name"].encode()
        assert read.values["email"] == inquiry(n)["email"].encode()
        assert grouped.get(subject, []) == []
    with vault.context.store.session() as session:
        for subject in seeded.held_inquiries:
            assert [i.item_key for i in session.items(subject)] == sorted(INQUIRY_ITEMS)
            held = grouped[subject]
            assert {t.status for t in held} == {TaskStatus.scheduled}
            assert all(t.deadline.held for t in held)
        for subject in seeded.future_users:
            kept = {i.item_key for i in session.items(subject)}
            assert set(AUTOMATIC_ITEMS) <= kept
            assert {t.status for t in grouped[subject]} == {TaskStatus.scheduled}
        for subject, record_id in seeded.archived_members.items():
            assert session.items(subject) == []
            work = sorted(
                (t.deadline.action.value, t.status.value)
                for t in grouped[subject]
                if t.deadline.target_key == record_id
            )  # moved; destroyed when the statute's period ends
            assert work == [("archive", "done"), ("destroy", "scheduled")]
    retention = Retention(vault.context)
    for subject, record_id in seeded.archived_members.items():
        [kept_record] = retention.read_records(subject, STATUTORY_PURPOSE, CLERK)
        assert (kept_record.id, kept_record.payload, kept_record.separate) == (
            record_id,
            {"order": 2},
            True,
        )


def _keys_gone_exactly_when_nothing_is_left(
    runtime: VaultRuntime,
    shredding_keys: SqliteShreddingKeyStore,
    seeded: Seeded,
    entries: list[AuditEntry],
) -> None:
    with runtime.vault.context.store.session() as session:
        stored = {s: session.subject(s) for s in seeded.emptied | seeded.kept}
        keys_kept = {s for s in stored if shredding_keys.get(s) is not None}
        wrapped = {s for s in stored if session.wrapped_key(s) is not None}
        left = {s for s in seeded.emptied if session.items(s) or session.records(s)}
    assert all(x is not None for x in stored.values())
    not_shredded = sorted(s for s in seeded.emptied if (x := stored[s]) and x.shredded_at is None)
    assert not_shredded == [], f"{len(not_shredded)} emptied subjects were never shredded"
    assert sorted(seeded.emptied & keys_kept) == [], "emptied subjects keep their shredding key"
    assert sorted(seeded.emptied & wrapped) == [], "emptied subjects keep their data key"
    assert sorted(left) == []
    shredded_kept = sorted(s for s in seeded.kept if (x := stored[s]) and x.shredded_at)
    assert shredded_kept == [], "a subject with something left was shredded"
    assert keys_kept >= seeded.kept
    assert wrapped >= seeded.kept
    touched = {
        e.event.subject_id
        for e in entries
        if e.event.action in ("retention.destroy", "vault.shred", "retention.archive")
    }
    assert touched.isdisjoint(
        {*seeded.open_inquiries, *seeded.held_inquiries, *seeded.future_users}
    )


# --- one interruption at a time, in this process -------------------------------------------------


class Crash(Exception):
    """Stands for a SIGKILL: the vault's open transaction is lost, what committed stays."""


def crash_once_after_the_separate_store_commits(monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    """The first time the separate store commits a ``put`` (a move's copy) or a ``delete`` that
    removed something, the sweeper dies before the vault's transaction commits."""
    names = ("put_item", "put_record") if what == "put" else ("delete_items", "delete_records")
    wrote: list[str] = []

    def watching(original: Any) -> Any:
        def method(self: SqlSeparateSession, *args: Any) -> Any:
            result = original(self, *args)
            if what == "put" or result:
                wrote.append(what)
            return result

        return method

    for name in names:
        monkeypatch.setattr(SqlSeparateSession, name, watching(getattr(SqlSeparateSession, name)))
    session = SqlSeparateStore.session

    @contextmanager
    def crashing(self: SqlSeparateStore) -> Iterator[SqlSeparateSession]:
        wrote.clear()
        with session(self) as opened:
            yield opened
        if wrote:
            monkeypatch.undo()  # once
            raise Crash

    monkeypatch.setattr(SqlSeparateStore, "session", crashing)


def one_closed_member(home: Path, directory: Path, *, years_on: int) -> tuple[str, str]:
    """A member who paid and closed the account, the clock moved ``years_on`` years on; the
    subject id and the payment record's id."""
    environ = clean_environ()
    config = init_vault(home, no_approval_policy(directory), sandbox=True, environ=environ)
    runtime = open_vault(home, environ)
    try:
        subject = ask(runtime, "console_start", MEMBER, "membership.management")
        added = Retention(runtime.vault.context).add_record(
            subject, "payment_and_supply", runtime.clock.now(), {"order": 1}, APP
        )
        runtime.vault.record_event(subject, "account_closed", APP)
    finally:
        runtime.close()
    sandbox_clock(config).advance(timedelta(days=years_on * 365 + 10))
    return subject, added.record.id


def record_work(runtime: VaultRuntime, record_id: str) -> list[tuple[str, str]]:
    return sorted(
        (t.deadline.action.value, t.status.value)
        for t in all_tasks(runtime)
        if t.deadline.target_key == record_id
    )


def test_a_destruction_cut_short_after_the_separate_store_committed_is_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record kept apart is deleted there (committed), then the sweeper dies before the
    vault records it. The next run must finish that work: the task done, the destruction
    audited and certified, and the subject, now empty, shredded. Not cancelled as if the facts
    had changed, with no audit entry and the subject's keys kept for ever."""
    home = tmp_path / "vault"
    subject, record_id = one_closed_member(home, tmp_path, years_on=5)
    runtime = open_vault(home, clean_environ())
    try:
        retention = Retention(runtime.vault.context)
        crash_once_after_the_separate_store_commits(monkeypatch, "delete")
        with pytest.raises(Crash):
            retention.sweep(chunk=CHUNK)
        with runtime.vault.context.separate.reading() as separate:
            assert separate.records(subject) == []  # the deletion had committed
        retention.sweep(chunk=CHUNK)
        assert record_work(runtime, record_id) == [("archive", "done"), ("destroy", "done")]
        with runtime.vault.context.store.session() as session:
            stored = session.subject(subject)
            assert stored is not None
            assert stored.shredded_at is not None  # nothing is left of the subject
        assert runtime.vault.context.shredding_keys.get(subject) is None
    finally:
        runtime.close()
    destroyed = [e.event for e in audit_entries(home) if e.event.action == "retention.destroy"]
    assert sum(counted(e, "records") for e in destroyed if e.subject_id == subject) == 1


def test_a_move_cut_short_after_the_separate_store_committed_is_made_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy reached the separate store, the vault's deletion did not: the next run moves
    the record again (one copy there, none here), once audited."""
    home = tmp_path / "vault"
    subject, record_id = one_closed_member(home, tmp_path, years_on=1)
    runtime = open_vault(home, clean_environ())
    try:
        retention = Retention(runtime.vault.context)
        crash_once_after_the_separate_store_commits(monkeypatch, "put")
        with pytest.raises(Crash):
            retention.sweep(chunk=CHUNK)
        with runtime.vault.context.store.session() as session:
            assert [r.id for r in session.records(subject)] == [record_id]  # still here too
        retention.sweep(chunk=CHUNK)
        assert record_work(runtime, record_id) == [("archive", "done"), ("destroy", "scheduled")]
        with runtime.vault.context.store.session() as session:
            assert session.records(subject) == []
        with runtime.vault.context.separate.reading() as separate:
            assert [r.id for r in separate.records(subject)] == [record_id]
        assert runtime.vault.context.shredding_keys.get(subject) is not None
    finally:
        runtime.close()
    moved = [e.event for e in audit_entries(home) if e.event.action == "retention.archive"]
    assert [(e.subject_id, e.details["records"]) for e in moved] == [(subject, 1)]
