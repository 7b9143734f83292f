"""The retention sweep against one raw SQL DELETE of the same rows, measured in the same run.

    python bench/retention_sweep.py [--sizes 100000,1000000] [--big] [--no-postgres]

For each size N (items in the live store) a fresh sandbox vault holds N items, 10% of them
past their retention end, and a raw copy of the same database holds the same rows:

- the vault side: ``Retention(context).sweep(chunk=...)``, in a process of its own (so its
  peak RSS is the sweep's), on the vault as bulk-seeded below; it queues the due items, plans
  each subject again, deletes them, crypto-shreds the emptied subjects and certifies the batch;
- the raw side: one ``DELETE FROM vault_items WHERE (subject_id, item_key) IN (the due tasks)``
  in one transaction, through the plain driver, on the same tables and indexes.

Seeding goes straight into the vault's tables (Vault.collect takes ~7 ms a subject): one
subject per 8 items, collected through the ``service_use`` point of a copy of the Virtual
Petals policy whose ``order.processing`` retention gains ``period: P5Y`` (so every item has a
stored deadline, from the real planner), 10% of the subjects with a ``purpose_achieved`` event
in the past (all 8 items due, so the sweep empties them and destroys their keys). The bench
checks that the planner agrees with what it seeded before the sweep, and counts what is gone
and what is left after both sides.

SQLite always (WAL and the vault's own engine settings); PostgreSQL too when a server answers
(``--postgres-url``, else POLICYVAULT_TEST_POSTGRES_URL, else
postgresql://postgres@127.0.0.1:5432/test), each side in a schema of its own, dropped
afterwards. Then, on SQLite, one profiled sweep (cProfile). Results:
bench/results/retention_sweep.json and bench/results/retention_sweep_profile.txt.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from profiling import ProfiledRun, write_profile
from rich.console import Console
from rich.table import Table
from sqlalchemy import event
from sqlalchemy.engine import make_url
from vault_throughput import filesystem, machine, postgres_reachable

from policyvault.bootstrap import VaultRuntime, init_vault, open_vault
from policyvault.crypto.hazmat import generate_key
from policyvault.domain.audit import Actor
from policyvault.domain.retention import ItemFact, RetentionFacts, TaskStatus, plan_subject
from policyvault.services.retention.calendars import day_countings
from policyvault.services.retention.facade import Retention
from policyvault.services.vault import Evidence
from policyvault.services.vault.deadlines import plan
from policyvault.storage.migrate import upgrade_database

ROOT = Path(__file__).resolve().parents[1]
SOURCE_POLICY = ROOT / "examples" / "policies" / "virtual-petals.yaml"
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
DEFAULT_SIZES = (100_000, 1_000_000)
BIG_SIZE = 10_000_000
# The share of subjects due; --due-share changes it (through the environment, which the
# measuring subprocesses inherit), e.g. to keep the due count fixed as the store grows.
DUE_SHARE = float(os.environ.get("POLICYVAULT_BENCH_DUE_SHARE", "0.10"))
POINT = "service_use"
EVENT = "purpose_achieved"
# The policy copy: order.processing ends when its purpose is achieved, or five years after
# collection, whichever comes first (the original has no period, so an item without the
# event would have no stored deadline at all).
RETENTION_RULE = "  - purpose: order.processing\n    until: purpose_achieved\n"
ADDED_PERIOD = "    period: P5Y\n"
SERVICE = Actor(id="bench-webshop-1", role="service")
WARM_UP_VALUES = {  # reserved names and numbers
    "name": "Alex Example",
    "company_name": "Example Trading Ltd",
    "department_name": "Purchasing",
    "email": "alex.example@example.com",
    "mobile_phone": "+1 202 555 0142",
    "phone": "+1 202 555 0143",
    "address": "1 Example Street, Springfield",
    "zip_code": "10001",
}
SEED_CHUNK = 5000  # subjects per seeding transaction
SEALED_BYTES = (48, 112)  # random ciphertext length, 80 B on average
US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
GOAL = {"ratio_at_most": 3.0, "growth_at_most": 1.5}  # issue 7

console = Console(highlight=False)


def to_us(when: datetime) -> int:
    return (when - EPOCH) // US


# --- the policy ----------------------------------------------------------------------------------


def write_policy(workdir: Path) -> Path:
    text = SOURCE_POLICY.read_text(encoding="utf-8")
    if RETENTION_RULE not in text:
        raise RuntimeError(f"{SOURCE_POLICY.name}: the order.processing retention rule changed")
    path = workdir / "virtual-petals-bench.yaml"
    path.write_text(text.replace(RETENTION_RULE, RETENTION_RULE + ADDED_PERIOD), encoding="utf-8")
    return path


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("POLICYVAULT_")}


# --- the backends --------------------------------------------------------------------------------


@dataclass
class Sized:
    """One size on one backend: a vault home and the raw database beside it."""

    backend: str
    size: int
    home: Path
    raw: str  # SQLite: the raw file; PostgreSQL: the raw schema
    vault_schema: str | None = None
    conninfo: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)


def _pg(sized: Sized) -> str:
    if sized.conninfo is None:
        raise RuntimeError(f"{sized.backend} has no PostgreSQL connection")
    return sized.conninfo


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def sqlite_sized(workdir: Path, policy: Path, size: int) -> Iterator[Sized]:
    where = workdir / f"sqlite-{size}"
    home = where / "vault"
    try:
        init_vault(home, policy, sandbox=True, environ=_environ())
        sized = Sized("sqlite", size, home, str(where / "raw.db"))
        with sqlite3.connect(home / "policyvault.db") as conn:
            sized.settings = {
                "sqlite_version": sqlite3.sqlite_version,
                "journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0].upper(),
                # the vault's engine (audit_sql.sqlite_engine) sets this on every connection
                "synchronous": "FULL",
                "begin": "IMMEDIATE",
                "directory": str(workdir),
                "filesystem": filesystem(workdir),
            }
        yield sized
    finally:
        shutil.rmtree(where, ignore_errors=True)


@contextmanager
def postgres_sized(workdir: Path, policy: Path, size: int, url: str) -> Iterator[Sized]:
    import psycopg

    suffix = uuid.uuid4().hex[:10]
    vault_schema, raw_schema = f"pv_bench_sweep_vault_{suffix}", f"pv_bench_sweep_raw_{suffix}"
    conninfo = _conninfo(url)
    where = workdir / f"postgres-{size}"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        for schema in (vault_schema, raw_schema):
            admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        vault_url = make_url(url).update_query_dict({"options": f"-csearch_path={vault_schema}"})
        raw_url = make_url(url).update_query_dict({"options": f"-csearch_path={raw_schema}"})
        home = where / "vault"
        init_vault(
            home,
            policy,
            database_url=vault_url.render_as_string(hide_password=False),
            sandbox=True,
            environ=_environ(),
        )
        upgrade_database(raw_url.render_as_string(hide_password=False))
        sized = Sized("postgres", size, home, raw_schema, vault_schema, conninfo)
        with psycopg.connect(conninfo) as conn:
            sized.settings = {
                "server_version": conn.execute("SHOW server_version").fetchone()[0],  # type: ignore[index]
                "synchronous_commit": conn.execute("SHOW synchronous_commit").fetchone()[0],  # type: ignore[index]
                "shared_buffers": conn.execute("SHOW shared_buffers").fetchone()[0],  # type: ignore[index]
                "host": make_url(url).host,
            }
        yield sized
    finally:
        shutil.rmtree(where, ignore_errors=True)
        with psycopg.connect(conninfo, autocommit=True) as admin:
            for schema in (vault_schema, raw_schema):
                admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- seeding -------------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "subject_id",
    "item_key",
    "sealed",
    "hashed",
    "archived",
    "media_type",
    "point",
    "collected_at_us",
    "updated_at_us",
)
SUBJECT_COLUMNS = (
    "id",
    "created_at_us",
    "jurisdictions",
    "key_id",
    "wrapped_key",
    "needs_guardian",
    "guardian_consent_at_us",
    "shredded_at_us",
)
LOOKUP_COLUMNS = ("kind", "digest", "subject_id")
EVENT_COLUMNS = ("subject_id", "name", "at_us", "actor_id")
TASK_COLUMNS = (
    "id",
    "subject_id",
    "target_kind",
    "target_key",
    "action",
    "end_at_us",
    "due_at_us",
    "rule",
    "record_type",
    "held",
    "hold_ids",
    "status",
    "batch_id",
    "decided_by",
    "decided_at_us",
    "note",
    "done_at_us",
    "certificate_id",
)
TABLES = {
    "vault_subjects": SUBJECT_COLUMNS,
    "vault_items": ITEM_COLUMNS,
    "vault_lookups": LOOKUP_COLUMNS,
    "vault_subject_events": EVENT_COLUMNS,
    "vault_retention_tasks": TASK_COLUMNS,
}


class SqliteSink:
    """Bulk INSERTs through ``sqlite3``: untimed, so without fsync (the file is the vault's:
    its WAL mode stays; the vault's own connections keep synchronous = FULL)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA busy_timeout = 60000")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("PRAGMA cache_size = -400000")
        self.conn.execute("BEGIN IMMEDIATE")

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        columns = TABLES[table]
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        self.conn.executemany(sql, rows)

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class PostgresSink:
    """COPY through ``psycopg`` into the vault's schema."""

    def __init__(self, conninfo: str, schema: str) -> None:
        import psycopg

        self.conn = psycopg.connect(conninfo, options=f"-csearch_path={schema}")

    def write(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        with self.conn.cursor().copy(f"COPY {table} ({', '.join(TABLES[table])}) FROM STDIN") as c:
            for row in rows:
                c.write_row(row)

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()


@dataclass
class Seeded:
    subjects: int
    due_subjects: int
    items: int
    due_items: int
    tasks: int
    lookups: int
    events: int
    seconds: float
    sample_due: list[str]
    sample_kept: list[str]


class Seeder:
    """Subjects as ``Vault.collect`` leaves them after a ``service_use`` collection (a subject
    row with its wrapped data key, 8 sealed items, 3 blind-index entries, the ``collected``
    event, one stored deadline per item), plus the ``purpose_achieved`` event for the due
    ones, and a shredding key each in the vault's key store. Deadlines come from the vault's
    own planner (``plan_subject``): per due subject, and once per distinct collection time
    for the others. Each due subject's event has a time of its own (to the microsecond, as
    recorded events have): the sweeper claims tasks in (end, id) order, so subjects sharing an
    end would have their tasks spread over several chunks, which costs more."""

    def __init__(self, runtime: VaultRuntime, items: Sequence[str], seed: int) -> None:
        self.ctx = runtime.vault.context
        self.policy = self.ctx.policy
        self.items = tuple(items)
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        self.now = self.ctx.now()
        self.now_us = to_us(self.now)
        self.countings = day_countings(self.policy.jurisdictions)
        self.jurisdictions = json.dumps(list(self.policy.jurisdictions), separators=(",", ":"))
        self.key_id = self.ctx.keys.key_id
        self._plans: dict[tuple[int, int | None], list[tuple[Any, ...]]] = {}
        # collection 1 day to 4 years ago (its 5-year end still ahead), 1000 distinct times;
        # the due ones collected 60+ days ago, their purpose achieved 1 hour to 30 days ago
        day, hour = 86_400_000_000, 3_600_000_000
        self.collected_any = [self.now_us - day - k * (4 * 365 * day // 1000) for k in range(1000)]
        self.collected_old = [c for c in self.collected_any if c < self.now_us - 60 * day]
        self.achieved = (self.now_us - 30 * day, self.now_us - hour)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _deadlines(self, collected_us: int, achieved_us: int | None) -> list[tuple[Any, ...]]:
        cache_key = (collected_us, achieved_us)
        found = self._plans.get(cache_key)
        if found is None:
            collected = EPOCH + collected_us * US
            events = [("collected", collected)]
            if achieved_us is not None:
                events.append((EVENT, EPOCH + achieved_us * US))
            facts = RetentionFacts(
                subject_id="bench-template",
                jurisdictions=tuple(self.policy.jurisdictions),
                events=tuple(events),
                items=tuple(ItemFact(k, POINT, collected) for k in self.items),
            )
            found = []
            for d in plan_subject(self.policy, facts, self.countings):
                end_us = to_us(d.end_at)
                if (end_us <= self.now_us) != (achieved_us is not None):
                    raise RuntimeError(f"the planner does not agree the item is (not) due: {d}")
                kind, key, action = d.target_kind.value, d.target_key, d.action.value
                found.append((kind, key, action, end_us, to_us(d.due_at), d.rule, d.record_type))
            if len(found) != len(self.items):
                raise RuntimeError(f"expected one deadline per item, got {found}")
            if achieved_us is None:  # a due subject's event time is its own
                self._plans[cache_key] = found
        return found

    def seed(self, size: int, sink: SqliteSink | PostgresSink, shredding_db: Path) -> Seeded:
        started = time.perf_counter()
        per_subject = len(self.items)
        subjects = size // per_subject
        due_count = round(subjects * DUE_SHARE)
        due = set(self.rng.sample(range(subjects), due_count))
        keys = sqlite3.connect(shredding_db, isolation_level=None)
        keys.execute("PRAGMA synchronous = OFF")
        keys.execute("BEGIN IMMEDIATE")
        counts = {t: 0 for t in TABLES}
        sample_due: list[str] = []
        sample_kept: list[str] = []
        rng, wrap = self.rng, self.ctx.keys.wrap_data_key
        for start in range(0, subjects, SEED_CHUNK):
            rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}
            shred_keys: list[tuple[str, bytes]] = []
            for number in range(start, min(start + SEED_CHUNK, subjects)):
                sid = self._uuid()
                is_due = number in due
                if is_due:
                    collected = rng.choice(self.collected_old)
                    achieved: int | None = rng.randint(*self.achieved)
                    if len(sample_due) < 25:
                        sample_due.append(sid)
                else:
                    collected, achieved = rng.choice(self.collected_any), None
                    if len(sample_kept) < 25:
                        sample_kept.append(sid)
                wrapped = wrap(generate_key(), sid).ciphertext
                subject = (sid, collected, self.jurisdictions, self.key_id, wrapped)
                rows["vault_subjects"].append((*subject, False, None, None))
                for key in self.items:
                    sealed = rng.randbytes(rng.randint(*SEALED_BYTES))
                    rows["vault_items"].append(
                        (sid, key, sealed, False, False, None, POINT, collected, collected)
                    )
                for kind in ("email", "phone", "phone"):  # email, mobile_phone, phone
                    rows["vault_lookups"].append((kind, rng.randbytes(32).hex(), sid))
                rows["vault_subject_events"].append((sid, "collected", collected, SERVICE.id))
                if achieved is not None:
                    rows["vault_subject_events"].append((sid, EVENT, achieved, SERVICE.id))
                for kind, key, action, end_us, due_us, rule, record_type in self._deadlines(
                    collected, achieved
                ):
                    task = (self._uuid(), sid, kind, key, action, end_us, due_us, rule, record_type)
                    rows["vault_retention_tasks"].append(
                        (*task, False, "[]", TaskStatus.scheduled.value, *(None,) * 6)
                    )
                shred_keys.append((sid, os.urandom(32)))
            for table, table_rows in rows.items():
                sink.write(table, table_rows)
                counts[table] += len(table_rows)
            keys.executemany(
                "INSERT INTO shredding_keys (subject_id, key) VALUES (?, ?)", shred_keys
            )
            sink.commit()
        keys.execute("COMMIT")
        keys.close()
        sink.close()
        return Seeded(
            subjects=subjects,
            due_subjects=due_count,
            items=counts["vault_items"],
            due_items=due_count * per_subject,
            tasks=counts["vault_retention_tasks"],
            lookups=counts["vault_lookups"],
            events=counts["vault_subject_events"],
            seconds=round(time.perf_counter() - started, 1),
            sample_due=sample_due,
            sample_kept=sample_kept,
        )


def warm_up(runtime: VaultRuntime) -> tuple[str, ...]:
    """One subject through the real API: collected, its purpose achieved, swept. So the
    vault has been swept once (the sweeper's record of the policy it planned under is set, as
    in a vault in service), and the code paths, caches and the audit chain are warm. Returns
    the items ``service_use`` collects."""
    vault = runtime.vault
    policy = vault.context.policy
    if policy.destruction.approval_required is True:
        raise RuntimeError("the bench policy must not ask for approval")
    point = policy.collection_points[POINT]
    values = {k: WARM_UP_VALUES[k] for k in point.required}
    collected = vault.collect(POINT, values, [], Evidence(channel="web"), SERVICE)
    vault.record_event(collected.subject_id, EVENT, SERVICE)
    report = Retention(vault.context).sweep()
    if report.destroyed_items != len(point.required) or report.keys_destroyed != 1:
        raise RuntimeError(f"the warm-up sweep did not destroy the warm-up subject: {report}")
    return tuple(point.required)


def check_plan_agrees(runtime: VaultRuntime, seeded: Seeded) -> int:
    """The sweeper plans each subject again before destroying: what was seeded must be what
    the planner wants now, or the sweep would cancel instead of destroy."""
    ctx = runtime.vault.context
    checked = 0
    with ctx.session() as session:
        for sid in seeded.sample_due + seeded.sample_kept:
            wanted = {(d.target_key, d.action): d for d in plan(ctx, session, sid)}
            stored = session.tasks(sid)
            if len(stored) != len(wanted):
                raise RuntimeError(f"{sid}: {len(stored)} tasks stored, {len(wanted)} planned")
            for task in stored:
                deadline = wanted.get((task.deadline.target_key, task.deadline.action))
                if deadline is None or not task.same_work(deadline):
                    raise RuntimeError(f"{sid}: stored {task.deadline}, planned {deadline}")
            checked += 1
    return checked


# --- counting ------------------------------------------------------------------------------------


class Census:
    """Counts by plain SQL on the vault or raw database (and the shredding-key store)."""

    def __init__(self, sized: Sized, raw: bool, now_us: int) -> None:
        self.sized, self.raw, self.now_us = sized, raw, now_us
        self.mark = "?" if sized.backend == "sqlite" else "%s"

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        if self.sized.backend == "sqlite":
            path = self.sized.raw if self.raw else self.sized.home / "policyvault.db"
            conn = sqlite3.connect(path)
            try:
                yield conn
            finally:
                conn.close()
        else:
            import psycopg

            schema = self.sized.raw if self.raw else self.sized.vault_schema
            with psycopg.connect(_pg(self.sized), options=f"-csearch_path={schema}") as conn:
                yield conn

    def counts(self) -> dict[str, int]:
        m = self.mark
        queries = {
            "items": "SELECT count(*) FROM vault_items",
            "due_items_left": (
                "SELECT count(*) FROM vault_items i JOIN vault_retention_tasks t "  # noqa: S608
                "ON t.subject_id = i.subject_id AND t.target_key = i.item_key "
                f"WHERE t.target_kind = 'item' AND t.end_at_us <= {m}"
            ),
            "tasks_due_scheduled": (
                "SELECT count(*) FROM vault_retention_tasks WHERE status = 'scheduled' "  # noqa: S608
                f"AND end_at_us <= {m}"
            ),
            "tasks_scheduled": (
                "SELECT count(*) FROM vault_retention_tasks WHERE status = 'scheduled'"
            ),
            "tasks_done_items": (
                "SELECT count(*) FROM vault_retention_tasks WHERE status = 'done' "
                "AND target_kind = 'item'"
            ),
            "tasks_done_keys": (
                "SELECT count(*) FROM vault_retention_tasks WHERE status = 'done' "
                "AND target_kind = 'subject_keys'"
            ),
            "tasks_open_other": (
                "SELECT count(*) FROM vault_retention_tasks "
                "WHERE status NOT IN ('scheduled', 'done')"
            ),
            "subjects_with_keys": (
                "SELECT count(*) FROM vault_subjects WHERE wrapped_key IS NOT NULL"
            ),
            "lookups": "SELECT count(*) FROM vault_lookups",
        }
        found = {}
        with self._conn() as conn:
            for name, sql in queries.items():
                params = (self.now_us,) if m in sql else ()
                found[name] = int(conn.execute(sql, params).fetchone()[0])
        if not self.raw:
            store = self.sized.home / "shredding-keys.db"
            keys = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
            try:
                found["shredding_keys"] = int(
                    keys.execute("SELECT count(*) FROM shredding_keys").fetchone()[0]
                )
            finally:
                keys.close()
        return found


def raw_delete_sql(mark: str, held: str) -> str:
    return (  # S608: fixed names; the time is a parameter
        "DELETE FROM vault_items WHERE (subject_id, item_key) IN ("  # noqa: S608
        "SELECT subject_id, target_key FROM vault_retention_tasks "
        f"WHERE status = 'scheduled' AND held = {held} AND end_at_us <= {mark} "
        "AND target_kind = 'item')"
    )


def raw_delete(sized: Sized, now_us: int) -> tuple[float, int]:
    """One DELETE of the due items in one transaction (BEGIN IMMEDIATE on SQLite, as the
    vault's), committed; the time includes the commit."""
    if sized.backend == "sqlite":
        conn = sqlite3.connect(sized.raw, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 60000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            sql = raw_delete_sql("?", "0")
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            deleted = conn.execute(sql, (now_us,)).rowcount
            conn.execute("COMMIT")
            return time.perf_counter() - started, deleted
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(_pg(sized), options=f"-csearch_path={sized.raw}") as conn:
        sql = raw_delete_sql("%s", "false")
        conn.commit()
        started = time.perf_counter()
        with conn.transaction():
            deleted = conn.execute(sql, (now_us,)).rowcount  # type: ignore[arg-type]
        return time.perf_counter() - started, deleted


def clone_to_raw(sized: Sized) -> float:
    """The raw database: the same tables, indexes and rows as the seeded vault."""
    started = time.perf_counter()
    if sized.backend == "sqlite":
        vault_db = sized.home / "policyvault.db"
        with sqlite3.connect(vault_db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(vault_db, sized.raw)
    else:
        import psycopg

        with psycopg.connect(_pg(sized), autocommit=True) as conn:
            for table in TABLES:
                conn.execute(
                    f'INSERT INTO "{sized.raw}".{table} '  # noqa: S608
                    f'SELECT * FROM "{sized.vault_schema}".{table}'
                )
            for schema in (sized.vault_schema, sized.raw):
                for table in TABLES:
                    conn.execute(f'VACUUM ANALYZE "{schema}".{table}')
    return round(time.perf_counter() - started, 1)


# --- the sweep, in a process of its own ----------------------------------------------------------


class TimeUp(Exception):
    pass


def _vm_kib(field_name: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def sweep_job(job: dict[str, Any]) -> dict[str, Any]:
    """Open the vault, sweep it (timed; profiled if asked), report time, stages and memory."""
    runtime = open_vault(Path(job["home"]), _environ())
    try:
        context = runtime.vault.context
        retention = Retention(context)
        sql = _count_sql({context.store.engine, context.separate.engine})  # type: ignore[attr-defined]
        stages: dict[str, int] = {}
        stage_seconds: dict[str, float] = {}
        limit = job["max_seconds"]
        last = [0.0]

        def tick(stage: str, count: int) -> None:
            now = time.perf_counter()
            stages[stage] = stages.get(stage, 0) + count
            stage_seconds[stage] = stage_seconds.get(stage, 0.0) + now - (last[0] or started)
            last[0] = now
            if limit is not None and now - started > limit:
                raise TimeUp  # after a committed chunk: the sweeper is safe to stop there

        holder: dict[str, Any] = {}

        def run() -> None:
            try:
                holder["report"] = retention.sweep(chunk=job["chunk"], progress=tick)
            except TimeUp:
                holder["report"] = None

        rss_before = _vm_kib("VmHWM")
        cpu_before = _cpu_seconds()
        load_before = _load_average()
        sql.update(statements=0, commits=0)
        profile = None
        started = time.perf_counter()  # tick reads it too
        if job.get("profile_out"):
            profile = write_profile(
                Path(job["profile_out"]),
                job["profile_header"],
                [ProfiledRun("Retention.sweep", run, job["due_items"], ("cumulative", "tottime"))],
            )
        else:
            run()
        seconds = time.perf_counter() - started
        if last[0] and holder["report"] is not None:
            # after the last chunk: certificates and alerts
            stage_seconds["certify_and_alerts"] = started + seconds - last[0]
        cpu = _cpu_seconds() - cpu_before
        # VmHWM, not ru_maxrss: on Linux the latter carries over the parent's high-water mark
        # through fork and exec, and the parent has seeded millions of rows
        peak = _vm_kib("VmHWM")
        report = holder["report"]
        return {
            "seconds": seconds,
            "complete": report is not None,
            "stages": stages,
            "stage_seconds": {k: round(v, 2) for k, v in stage_seconds.items()},
            "report": None if report is None else _report(report),
            "rss_before_sweep_mib": None if rss_before is None else round(rss_before / 1024, 1),
            "peak_rss_mib": None if peak is None else round(peak / 1024, 1),
            "cpu_seconds": round(cpu, 2),
            "sql": dict(sql),
            "load_average": {"start": load_before, "end": _load_average()},
            "profile": profile,
        }
    finally:
        runtime.close()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _count_sql(engines: set[Any]) -> dict[str, int]:
    """Statements sent (BEGIN and COMMIT included) and transactions committed, on the vault's
    engine and the separate store's (on SQLite a file of its own, on PostgreSQL the same
    engine); a counter each, nothing else."""
    counts = {"statements": 0, "commits": 0}

    def on_statement(*_: Any) -> None:
        counts["statements"] += 1

    def on_commit(*_: Any) -> None:
        counts["commits"] += 1

    for engine in engines:
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "commit", on_commit)
    return counts


def _report(report: Any) -> dict[str, Any]:
    return {
        "replanned_subjects": report.replanned_subjects,
        "queued": report.queued,
        "destroyed_items": report.destroyed_items,
        "keys_destroyed": report.keys_destroyed,
        "cancelled": report.cancelled,
        "certificates": len(report.certificates),
        "awaiting_approval": report.awaiting_approval,
        "overdue": report.overdue,
        "held": report.held,
    }


def source_digest() -> str:
    """A digest of ``src/policyvault`` as the sweep's process is about to import it: the
    results say which code they measured (and the run warns when it changed meanwhile)."""
    import hashlib

    digest = hashlib.sha256()
    package = ROOT / "src" / "policyvault"
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def in_child(job: dict[str, Any]) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(sweep_job, (job,))
    return result


# --- one size ------------------------------------------------------------------------------------


def measure(
    sized: Sized, chunk: int, max_seconds: float | None, profile: Path | None = None
) -> dict[str, Any]:
    runtime = open_vault(sized.home, _environ())
    try:
        items = warm_up(runtime)
        seeder = Seeder(runtime, items, seed=sized.size)
        if sized.backend == "sqlite":
            sink: SqliteSink | PostgresSink = SqliteSink(sized.home / "policyvault.db")
        else:
            sink = PostgresSink(_pg(sized), str(sized.vault_schema))
        console.print(f"  {sized.backend} {sized.size:,}: seeding")
        seeded = seeder.seed(sized.size, sink, sized.home / "shredding-keys.db")
        checked = check_plan_agrees(runtime, seeded)
        now_us = seeder.now_us
    finally:
        runtime.close()
    clone_seconds = clone_to_raw(sized)
    vault_counter, raw_counter = Census(sized, False, now_us), Census(sized, True, now_us)
    before, raw_before = vault_counter.counts(), raw_counter.counts()
    if before["tasks_due_scheduled"] != seeded.due_items or before["due_items_left"] != (
        seeded.due_items
    ):
        raise RuntimeError(f"seeded {seeded.due_items} due items, the vault holds {before}")

    console.print(
        f"  {sized.backend} {sized.size:,}: seeded in {seeded.seconds:.0f} s "
        f"(+{clone_seconds:.0f} s raw copy); raw DELETE of {seeded.due_items:,} items"
    )
    raw_seconds, raw_deleted = raw_delete(sized, now_us)
    raw_after = raw_counter.counts()

    console.print(f"  {sized.backend} {sized.size:,}: sweeping")
    job = {
        "home": str(sized.home),
        "chunk": chunk,
        "max_seconds": max_seconds,
        "due_items": seeded.due_items,
    }
    if profile is not None:
        job["profile_out"] = str(profile)
        job["profile_header"] = [
            f"cProfile of Retention.sweep(chunk={chunk}) on {sized.backend}: {sized.size:,} "
            f"items, {seeded.due_items:,} of them due ({seeded.due_subjects:,} subjects, "
            "emptied and crypto-shredded).",
            f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
            "Times include the profiler's own overhead; the timed figures are in "
            "retention_sweep.json.",
        ]
    source = source_digest()
    swept = in_child(job)
    after = vault_counter.counts()

    verified = verify(seeded, before, after, raw_before, raw_after, raw_deleted, swept)
    done = after["tasks_done_items"] - before["tasks_done_items"]
    figures: dict[str, Any] = {
        "rows": {
            "vault_items": before["items"],
            "vault_subjects": seeded.subjects,
            "vault_retention_tasks": seeded.tasks,
            "vault_lookups": seeded.lookups,
            "vault_subject_events": seeded.events,
        },
        "due_items": seeded.due_items,
        "due_subjects": seeded.due_subjects,
        "seed_seconds": seeded.seconds,
        "plan_checked_subjects": checked,
        "policyvault": {
            "seconds": round(swept["seconds"], 3),
            "complete": swept["complete"],
            "items_destroyed": done,
            "us_per_due_item": round(swept["seconds"] / max(done, 1) * 1e6, 1),
            "stages": swept["stages"],
            "stage_seconds": swept["stage_seconds"],
            "report": swept["report"],
            "rss_before_sweep_mib": swept["rss_before_sweep_mib"],
            "peak_rss_mib": swept["peak_rss_mib"],
            "cpu_seconds": swept["cpu_seconds"],
            "sql": swept["sql"],
            "sql_statements_per_due_subject": round(
                swept["sql"]["statements"] / max(done * seeded.due_subjects / seeded.due_items, 1),
                1,
            ),
            "load_average": swept["load_average"],
        },
        "raw_delete": {
            "seconds": round(raw_seconds, 4),
            "rows_deleted": raw_deleted,
            "us_per_due_item": round(raw_seconds / max(raw_deleted, 1) * 1e6, 2),
        },
        "ratio_policyvault_over_raw": round(
            (swept["seconds"] / max(done, 1)) / (raw_seconds / max(raw_deleted, 1)), 1
        ),
        "verified": verified,
        "source_sha256": source,
    }
    if not swept["complete"]:
        figures["policyvault"]["note"] = (
            f"stopped by --max-seconds {max_seconds} after a committed chunk: "
            f"{done:,} of {seeded.due_items:,} due items destroyed; the per-item figure is "
            "over those, and leaves out the crypto-shredding and the certificate (the "
            "subject_keys tasks end at the sweep's start, so they come after every due item)"
        )
    if swept.get("profile") is not None:
        figures["profile_self_time_by_area"] = swept["profile"]
    return figures


def verify(
    seeded: Seeded,
    before: dict[str, int],
    after: dict[str, int],
    raw_before: dict[str, int],
    raw_after: dict[str, int],
    raw_deleted: int,
    swept: dict[str, Any],
) -> dict[str, Any]:
    """Counts, not a full comparison: cheap at any size."""
    checks: dict[str, bool] = {}
    due, due_subjects = seeded.due_items, seeded.due_subjects
    checks["raw: the due items deleted, the others kept"] = (
        raw_deleted == due
        and raw_after["items"] == raw_before["items"] - due
        and raw_after["due_items_left"] == 0
    )
    done = after["tasks_done_items"] - before["tasks_done_items"]
    shredded = after["tasks_done_keys"] - before["tasks_done_keys"]
    if swept["complete"]:
        report = swept["report"]
        checks["vault: no due item left, every other item kept"] = (
            after["due_items_left"] == 0 and after["items"] == before["items"] - due
        )
        checks["vault: every due task done, no other task touched"] = (
            done == due
            and after["tasks_due_scheduled"] == 0
            and after["tasks_scheduled"] == before["tasks_scheduled"] - due
            and after["tasks_open_other"] == 0
        )
        checks["vault: every emptied subject crypto-shredded, no other"] = (
            shredded == due_subjects
            and after["subjects_with_keys"] == before["subjects_with_keys"] - due_subjects
            and after["shredding_keys"] == before["shredding_keys"] - due_subjects
            and after["lookups"] == before["lookups"] - 3 * due_subjects
        )
        checks["vault: the report agrees (nothing cancelled, one certificate)"] = (
            report["queued"] == due
            and report["destroyed_items"] == due
            and report["keys_destroyed"] == due_subjects
            and report["cancelled"] == 0
            and report["certificates"] == 1
            and report["replanned_subjects"] == 0
        )
    else:
        checks["vault (stopped early): items gone exactly for the tasks done"] = (
            after["items"] == before["items"] - done and after["due_items_left"] == due - done
        )
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise RuntimeError(f"verification failed: {failed}\nbefore {before}\nafter {after}")
    return {"passed": list(checks), "vault_before": before, "vault_after": after}


# --- the report ----------------------------------------------------------------------------------


def growth(sizes: dict[str, Any]) -> dict[str, Any]:
    """Cost per due item from each size to the next, both sides."""
    done = [(int(k), v) for k, v in sizes.items() if "policyvault" in v]
    found: dict[str, Any] = {}
    for (small, a), (large, b) in itertools.pairwise(done):
        pv = b["policyvault"]["us_per_due_item"] / a["policyvault"]["us_per_due_item"]
        raw = b["raw_delete"]["us_per_due_item"] / a["raw_delete"]["us_per_due_item"]
        found[f"{small}_to_{large}"] = {
            "policyvault_us_per_due_item": round(pv, 2),
            "raw_us_per_due_item": round(raw, 2),
        }
    return found


def print_table(results: dict[str, Any]) -> None:
    table = Table(title="Retention sweep against one raw DELETE of the same due rows")
    for heading, right in (
        ("backend", False),
        ("items", True),
        ("due", True),
        ("sweep s", True),
        ("raw DELETE s", True),
        ("ratio\nPV/raw", True),
        ("PV µs\n/due item", True),
        ("raw µs\n/due item", True),
        ("sweep peak\nRSS MiB", True),
    ):
        table.add_column(heading, justify="right" if right else "left")
    for backend, figures in results.items():
        if "skipped" in figures:
            table.add_row(backend, "skipped", *[""] * 7)
            continue
        for size, f in figures["sizes"].items():
            pv, raw = f["policyvault"], f["raw_delete"]
            table.add_row(
                backend,
                f"{int(size):,}",
                f"{f['due_items']:,}",
                f"{pv['seconds']:,.1f}" + ("" if pv["complete"] else " (stopped)"),
                f"{raw['seconds']:.3f}",
                f"{f['ratio_policyvault_over_raw']:,.0f}×",
                f"{pv['us_per_due_item']:,.0f}",
                f"{raw['us_per_due_item']:.1f}",
                "?" if pv["peak_rss_mib"] is None else f"{pv['peak_rss_mib']:,.0f}",
            )
        for step, g in figures.get("growth", {}).items():
            table.add_row(
                backend,
                f"growth {step.replace('_to_', '→')}",
                "",
                "",
                "",
                "",
                f"{g['policyvault_us_per_due_item']:.2f}×",
                f"{g['raw_us_per_due_item']:.2f}×",
                "",
            )
    console.print(table)


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(s.replace("_", "")) for s in text.split(",") if s.strip()})
    if not sizes or sizes[0] < 1000:
        raise argparse.ArgumentTypeError("sizes are at least 1000 items")
    return sizes


def run_backend(
    name: str,
    sized_for: Any,
    sizes: Sequence[int],
    chunk: int,
    max_seconds: float | None,
) -> dict[str, Any]:
    figures: dict[str, Any] = {"sizes": {}}
    for number, size in enumerate(sizes):
        with sized_for(size) as sized:
            figures["settings"] = sized.settings
            # the smallest size is always swept to the end: the base of the growth figure
            limit = None if number == 0 else max_seconds
            figures["sizes"][str(size)] = measure(sized, chunk, limit)
        f = figures["sizes"][str(size)]
        console.print(
            f"  {name} {size:,}: sweep {f['policyvault']['seconds']:.1f} s, raw DELETE "
            f"{f['raw_delete']['seconds']:.3f} s, ratio {f['ratio_policyvault_over_raw']:,.0f}×"
        )
    figures["growth"] = growth(figures["sizes"])
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=_parse_sizes,
        default=list(DEFAULT_SIZES),
        help="items in the live store, comma-separated (100000,1000000)",
    )
    parser.add_argument("--big", action="store_true", help=f"add {BIG_SIZE:,} items")
    parser.add_argument("--chunk", type=int, default=200, help="the sweep's chunk (200)")
    parser.add_argument(
        "--due-share",
        type=float,
        default=None,
        help="share of subjects due (0.10); a smaller one measures a big store's cost per due "
        "item without sweeping a tenth of it",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=0.0,
        help="stop a sweep (but the smallest size's) after the chunk that passes this many "
        "seconds (default 0: never; a stopped sweep has not reached the crypto-shredding)",
    )
    parser.add_argument(
        "--postgres-max-size",
        type=int,
        default=0,
        help="sizes above this run on SQLite only (default 0: every size on both)",
    )
    parser.add_argument("--profile-size", type=int, default=100_000, help="profiled sweep")
    parser.add_argument("--no-profile", action="store_true", help="no profiled sweep")
    parser.add_argument("--postgres-url", default=None, help="PostgreSQL server to use too")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where figures go")
    parser.add_argument("--workdir", type=Path, default=None, help="for the temporary vaults")
    args = parser.parse_args(argv)
    if args.due_share is not None:
        if not 0 < args.due_share <= 1:
            parser.error("--due-share is a share: above 0, at most 1")
        os.environ["POLICYVAULT_BENCH_DUE_SHARE"] = str(args.due_share)
        global DUE_SHARE
        DUE_SHARE = args.due_share
    sizes = sorted({*args.sizes, *([BIG_SIZE] if args.big else [])})
    max_seconds = args.max_seconds or None
    if args.chunk < 1:
        parser.error("--chunk is at least 1")

    started = datetime.now(UTC)
    load_at_start = _load_average()
    args.results.mkdir(parents=True, exist_ok=True)
    profile_path = args.results / "retention_sweep_profile.txt"
    results: dict[str, Any] = {}
    profiled: dict[str, Any] | None = None
    skipped_on_postgres: list[int] = []
    with tempfile.TemporaryDirectory(prefix="policyvault-sweep-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        policy = write_policy(workdir)
        console.print(f"SQLite in {workdir}")
        results["sqlite"] = run_backend(
            "sqlite",
            lambda size: sqlite_sized(workdir, policy, size),
            sizes,
            args.chunk,
            max_seconds,
        )
        url = args.postgres_url or os.environ.get("POLICYVAULT_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
        problem = "--no-postgres" if args.no_postgres else postgres_reachable(url)
        if problem is None:
            pg_sizes = [
                s for s in sizes if not args.postgres_max_size or s <= args.postgres_max_size
            ]
            skipped_on_postgres = [s for s in sizes if s not in pg_sizes]
            console.print(f"PostgreSQL at {make_url(url).host}")
            separate_existed = _separate_schema_exists(url)
            try:
                results["postgres"] = run_backend(
                    "postgres",
                    lambda size: postgres_sized(workdir, policy, size, url),
                    pg_sizes,
                    args.chunk,
                    max_seconds,
                )
            finally:
                if not separate_existed:
                    _drop_empty_separate_schema(url)
            if skipped_on_postgres:
                results["postgres"]["sizes_not_run"] = skipped_on_postgres
        else:
            console.print(f"PostgreSQL skipped: {problem}")
            results["postgres"] = {"skipped": problem}
        if not args.no_profile:
            console.print(f"Profiling one sweep at {args.profile_size:,} items (cProfile)")
            with sqlite_sized(workdir, policy, args.profile_size) as sized:
                profiled = measure(sized, args.chunk, None, profile=profile_path)

    report = {
        "benchmark": "retention_sweep",
        "timestamp": started.isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "machine": machine(),
        "load_average": {"start": load_at_start, "end": _load_average()},
        "sizes": sizes,
        "due_share": DUE_SHARE,
        "chunk": args.chunk,
        "max_seconds": max_seconds,
        "statistic": (
            "one sweep and one raw DELETE per size and backend (both destroy what they "
            "measure), wall clock (time.perf_counter); us_per_due_item = seconds / due items "
            "destroyed; ratio = PolicyVault's time per due item / the raw DELETE's"
        ),
        "goal": {**GOAL, "source": "issue 7: within 3x of the raw DELETE, growth <= 1.5x"},
        "workload": {
            "policy": str(SOURCE_POLICY.relative_to(ROOT)),
            "policy_change": "retention of order.processing: period P5Y added (until "
            "purpose_achieved, or five years after collection); approval_required unset",
            "collection_point": POINT,
            "per_subject": {
                "items": 8,
                "lookups": 3,
                "events": "collected; the due ones also purpose_achieved (1 h to 30 days ago)",
                "retention_tasks": "8, scheduled, destroy, from the vault's planner",
                "shredding_keys": 1,
            },
            "due": "10% of subjects, all 8 items each: the sweep empties them and destroys "
            "their keys (crypto-shredding), one certificate for the batch",
            "not_due": "collected 1 day to 4 years ago: deadline 5 years after collection",
            "sealed": "random bytes, 48 to 112 B (80 on average)",
            "vault_mode": "sandbox (its clock stats a file on every now())",
            "swept_before": "yes: one subject collected, its purpose achieved and swept "
            "through the API before seeding, so the sweep does not plan every subject again "
            "(the first sweep after a policy change does; not measured here)",
            "seeded_by": "bulk SQL (sqlite3 executemany / psycopg COPY) into the vault's own "
            "tables; raw = a copy of the seeded vault database (SQLite: the file; "
            "PostgreSQL: INSERT ... SELECT into a schema made by the same migrations, then "
            "VACUUM ANALYZE of both)",
            "raw_statement": raw_delete_sql("?", "0"),
        },
        "results": results,
        "profile": (
            None
            if profiled is None
            else {
                "file": profile_path.name,
                "size": args.profile_size,
                "profiled_seconds": profiled["policyvault"]["seconds"],
                "self_time_by_area": profiled.get("profile_self_time_by_area"),
            }
        ),
    }
    digests = {
        f["source_sha256"]
        for backend in results.values()
        for f in backend.get("sizes", {}).values()
    }
    if profiled is not None:
        digests.add(profiled["source_sha256"])
    report["source_sha256"] = sorted(digests)
    if len(digests) > 1:
        report["warning"] = "src/policyvault changed during the run: sizes measured other code"
        console.print(f"[bold]warning: {report['warning']}[/bold]")
    out = args.results / "retention_sweep.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    console.print(f"figures: {out}" + ("" if profiled is None else f"\nprofile: {profile_path}"))
    return 0


def _separate_schema_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = 'policyvault_separate'"
        ).fetchone()
    return found is not None


def _drop_empty_separate_schema(url: str) -> None:
    """``open_vault`` makes the separate store's schema (``policyvault_separate``, shared by
    every vault in the database). When this run made it and left it empty, it goes too."""
    import psycopg

    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '2s'")
        try:
            rows = conn.execute(
                "SELECT (SELECT count(*) FROM policyvault_separate.separate_items)"
                " + (SELECT count(*) FROM policyvault_separate.separate_records)"
            ).fetchone()
            if rows is not None and rows[0] == 0:
                conn.execute("DROP SCHEMA policyvault_separate CASCADE")
        except psycopg.Error as exc:
            console.print(f"left schema policyvault_separate in place ({type(exc).__name__})")


if __name__ == "__main__":
    sys.exit(main())
