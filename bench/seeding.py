"""Bulk seeding for the benchmarks that need a big store fast (``scale.py``, ``export_bench.py``).

``Vault.collect`` takes milliseconds a subject, so a store of a million items would take an
hour to fill through the API. The seeder writes, by bulk SQL (``sqlite3`` executemany,
``psycopg`` COPY), the rows a real collect writes, made by the vault's own code:

1. **A template.** One subject goes through ``Vault.collect`` at the benchmark's collection
   point. The seeder learns from it what a collect writes: the rows per table, the consent rows,
   the subject events and the audit event. A collect that writes to a table the seeder does not
   write (a statutory record, say) stops the run.
2. **The subjects.** Per subject: a fresh data key wrapped by the vault's master key, a shredding
   key in ``shredding-keys.db``, every item value sealed with the subject's sealing key
   (AES-GCM, bound to the subject and the item, as ``Vault.collect`` seals it), a blind-index
   entry (HMAC) per email address or phone number, the consent rows with their evidence sealed,
   the subject events, the retention tasks the vault's planner (``plan_subject``) wants for those
   facts, and the collect's audit entry, chained (SHA-256) to the one before it, with a signed
   checkpoint (Ed25519, over the RFC 6962 root) every 1,000 entries as ``AuditLog`` signs them.
   Values are synthetic: Faker through the sandbox's own generator, contact data on reserved
   names only (``@example.com``, +1 202 555-01xx), each email address unique.
3. **The raw database beside it** gets the same rows with the plaintext where the vault holds
   ciphertext or a keyed digest (item values, normalised email and phone, consent evidence),
   every other column as the vault's (ids, times, the audit entry's body and hashes): the raw
   baseline works on the same data, at the same size, with the same tables and indexes (made by
   the vault's migrations).

Subjects are collected 1 hour to 2 years ago, in order, at 1,000 distinct instants (the
planner's answer is computed once per instant). Nothing of this is timed as vault work; the
seeding's own time is reported (generating, writing each side, finishing).

``check_seeded`` then checks, by counting and asking the vault: the row counts per table, the
rows per sampled subject against the template's, and that the planner wants exactly the stored
deadlines for the sampled subjects. Reads of the sampled subjects through the vault (done by
the benchmarks) check the sealing, and the audit log's own verify checks the chain.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from vault_throughput import filesystem

from policyvault.bootstrap import SIGNING_KEY, VaultRuntime, init_vault
from policyvault.crypto.blind_index import IndexKind, blind_index, normalise
from policyvault.crypto.envelope import seal
from policyvault.crypto.hazmat import SecretKey, generate_key
from policyvault.crypto.shredding import sealing_key
from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Actor, AuditEvent
from policyvault.domain.audit.chain import GENESIS_HASH, chain_hash
from policyvault.domain.audit.entry import AuditEntry, decode_entry, encode_entry, format_timestamp
from policyvault.domain.consent import ConsentAction, ConsentEvent, ConsentGiver
from policyvault.domain.merkle import CompactRange, leaf_hash
from policyvault.domain.policy.data import ConsentCategory, ItemType
from policyvault.domain.policy.model import Policy
from policyvault.domain.retention import ItemFact, RetentionFacts, TaskStatus, plan_subject
from policyvault.services.audit import DEFAULT_CHECKPOINT_EVERY
from policyvault.services.retention.calendars import day_countings
from policyvault.services.sandbox import _faker, synthetic_value
from policyvault.services.values import check_value
from policyvault.services.vault import ConsentChoice, Evidence
from policyvault.services.vault.deadlines import plan
from policyvault.storage import audit_sql, vault_sql
from policyvault.storage.migrate import upgrade_database

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SEED_CHUNK = 5000  # subjects per seeding transaction
INSTANTS = 1000  # distinct collection times
SPAN = timedelta(days=730)  # subjects collected 1 hour to 2 years ago
US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

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
LOOKUP_COLUMNS = ("kind", "digest", "subject_id")
CONSENT_COLUMNS = (
    "subject_id",
    "category",
    "purposes",
    "action",
    "at_us",
    "policy_version",
    "notice_hash",
    "channel",
    "given_by",
    "evidence",
    "sealed_evidence",
)
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
AUDIT_COLUMNS = (
    "seq",
    "prev_hash",
    "entry_hash",
    "body",
    "recorded_at_us",
    "actor_id",
    "action",
    "subject_id",
    "allowed",
    "request_id",
)
CHECKPOINT_COLUMNS = (
    "tree_size",
    "root_hash",
    "chain_head",
    "issued_at_us",
    "key_id",
    "signature",
    "frontier",
)
RECORD_COLUMNS = ("id", "subject_id", "record_type", "occurred_at_us", "sealed", "recorded_at_us")
# The tables the seeder writes, and the column naming the subject in each.
SEEDED_TABLES = {
    "vault_subjects": "id",
    "vault_items": "subject_id",
    "vault_lookups": "subject_id",
    "vault_consents": "subject_id",
    "vault_subject_events": "subject_id",
    "vault_retention_tasks": "subject_id",
    "audit_entries": "subject_id",
}
INDEX_KINDS = {ItemType.email: IndexKind.email, ItemType.phone: IndexKind.phone}


def to_us(when: datetime) -> int:
    return (when - EPOCH) // US


def from_us(us: int) -> datetime:
    return EPOCH + us * US


def environ() -> dict[str, str]:
    """The environment without POLICYVAULT_ settings: the benchmark's vaults are its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith("POLICYVAULT_")}


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def vm_kib(field_name: str) -> int | None:
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), or None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# --- where a benchmark's vault and raw database live ----------------------------------------------


@dataclass
class Target:
    """One size on one backend: a vault home, and the raw database beside it."""

    backend: str
    size: int
    home: Path
    raw: str  # SQLite: the raw database file; PostgreSQL: the raw schema
    vault_schema: str | None = None
    conninfo: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def pg(self) -> str:
        if self.conninfo is None:
            raise RuntimeError(f"{self.backend} has no PostgreSQL connection")
        return self.conninfo


def conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def sqlite_target(workdir: Path, policy: Path, size: int, label: str) -> Iterator[Target]:
    where = workdir / f"{label}-sqlite-{size}"
    home = where / "vault"
    try:
        init_vault(home, policy, sandbox=True, environ=environ())
        raw = where / "raw.db"
        upgrade_database(f"sqlite:///{raw}")  # the vault's own tables and indexes
        with sqlite3.connect(raw) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
        with sqlite3.connect(home / "policyvault.db") as conn:
            journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0].upper()
        settings = {
            "sqlite_version": sqlite3.sqlite_version,
            "journal_mode": journal_mode,
            # the vault's engine (audit_sql.sqlite_engine) sets this on every connection
            "synchronous": "FULL",
            "begin": "IMMEDIATE",
            "directory": str(workdir),
            "filesystem": filesystem(workdir),
        }
        yield Target("sqlite", size, home, str(raw), settings=settings)
    finally:
        shutil.rmtree(where, ignore_errors=True)


@contextmanager
def postgres_target(
    workdir: Path, policy: Path, size: int, url: str, label: str
) -> Iterator[Target]:
    import psycopg

    suffix = uuid.uuid4().hex[:10]
    vault_schema, raw_schema = f"pv_bench_{label}_vault_{suffix}", f"pv_bench_{label}_raw_{suffix}"
    info = conninfo(url)
    where = workdir / f"{label}-postgres-{size}"
    with psycopg.connect(info, autocommit=True) as admin:
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
            environ=environ(),
        )
        upgrade_database(raw_url.render_as_string(hide_password=False))
        with psycopg.connect(info) as conn:
            settings = {
                name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
                for name in ("server_version", "synchronous_commit", "shared_buffers")
            }
        settings["host"] = make_url(url).host
        yield Target("postgres", size, home, raw_schema, vault_schema, info, settings)
    finally:
        shutil.rmtree(where, ignore_errors=True)
        with psycopg.connect(info, autocommit=True) as admin:
            for schema in (vault_schema, raw_schema):
                admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def postgres_reachable(url: str) -> str | None:
    from vault_throughput import postgres_reachable as reachable

    return reachable(url)


def separate_schema_exists(url: str) -> bool:
    import psycopg

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = 'policyvault_separate'"
        ).fetchone()
    return found is not None


def drop_empty_separate_schema(url: str) -> str | None:
    """``open_vault`` makes the separate store's schema (``policyvault_separate``, shared by
    every vault in the database). When this run made it and left it empty, it goes too."""
    import psycopg

    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("SET lock_timeout = '2s'")
        try:
            rows = conn.execute(
                "SELECT (SELECT count(*) FROM policyvault_separate.separate_items)"
                " + (SELECT count(*) FROM policyvault_separate.separate_records)"
            ).fetchone()
            if rows is not None and rows[0] == 0:
                conn.execute("DROP SCHEMA policyvault_separate CASCADE")
        except psycopg.Error as exc:
            return f"left schema policyvault_separate in place ({type(exc).__name__})"
    return None


# --- writing both databases -----------------------------------------------------------------------


class Sink:
    """Each table's rows twice: as the vault stores them into the vault's database, with the
    plaintext into the raw one. Untimed as vault work: no fsync on SQLite (the vault's own
    connections keep ``synchronous = FULL``), COPY on PostgreSQL."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.seconds = {"vault": 0.0, "raw": 0.0}
        if target.backend == "sqlite":
            self.vault = self._sqlite(target.home / "policyvault.db")
            self.raw = self._sqlite(Path(target.raw))
        else:
            import psycopg

            self.vault = psycopg.connect(target.pg, options=f"-csearch_path={target.vault_schema}")
            self.raw = psycopg.connect(target.pg, options=f"-csearch_path={target.raw}")

    @staticmethod
    def _sqlite(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -200000")
        conn.execute("BEGIN IMMEDIATE")
        return conn

    def write(
        self,
        table: str,
        columns: Sequence[str],
        vault_rows: Sequence[tuple[Any, ...]],
        raw_rows: Sequence[tuple[Any, ...]] | None,
    ) -> None:
        """``raw_rows`` None: the vault's rows go to the raw side as they are."""
        for side, conn, rows in (
            ("vault", self.vault, vault_rows),
            ("raw", self.raw, vault_rows if raw_rows is None else raw_rows),
        ):
            if not rows:
                continue
            started = time.perf_counter()
            if self.target.backend == "sqlite":
                marks = ", ".join("?" * len(columns))
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
                conn.executemany(sql, rows)
            else:
                with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as c:
                    for row in rows:
                        c.write_row(row)
            self.seconds[side] += time.perf_counter() - started

    def write_vault_only(self, table: str, columns: Sequence[str], rows: Sequence[Any]) -> None:
        started = time.perf_counter()
        if self.target.backend == "sqlite":
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            self.vault.executemany(sql, rows)
        else:
            with self.vault.cursor().copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        self.seconds["vault"] += time.perf_counter() - started

    def execute_vault(self, sql: str, params: Sequence[Any]) -> None:
        if self.target.backend == "sqlite":
            self.vault.execute(sql, params)
        else:
            self.vault.execute(sql.replace("?", "%s"), params)

    def commit(self) -> None:
        for side, conn in (("vault", self.vault), ("raw", self.raw)):
            started = time.perf_counter()
            if self.target.backend == "sqlite":
                conn.execute("COMMIT")
                conn.execute("BEGIN IMMEDIATE")
            else:
                conn.commit()
            self.seconds[side] += time.perf_counter() - started

    def close(self, *, analyze: bool = True) -> float:
        """Commit, then checkpoint the WAL (SQLite) or VACUUM ANALYZE the tables (PostgreSQL,
        unless ``analyze`` is False), so that the measured work meets neither a long WAL nor
        stale planner statistics. Returns the seconds that took."""
        started = time.perf_counter()
        if self.target.backend != "sqlite" and not analyze:
            self.vault.commit()
            self.raw.commit()
            self.vault.close()
            self.raw.close()
        elif self.target.backend == "sqlite":
            for conn in (self.vault, self.raw):
                conn.execute("COMMIT")
                # no ANALYZE: a vault's SQLite file has no planner statistics in service either
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.close()
        else:
            for conn in (self.vault, self.raw):
                conn.commit()
                conn.autocommit = True
                for table in (*SEEDED_TABLES, "vault_records", "audit_checkpoints"):
                    conn.execute(f"VACUUM ANALYZE {table}")
                conn.close()
        return time.perf_counter() - started


# --- what a collect writes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """What one real ``Vault.collect`` at the point wrote, to be written again per subject."""

    point: str
    item_keys: tuple[str, ...]
    consents: tuple[ConsentChoice, ...]
    evidence: Evidence
    actor: Actor
    subject_id: str
    rows: dict[str, int]  # rows per table for one subject
    consent_rows: tuple[dict[str, Any], ...]
    event_names: tuple[str, ...]
    audit_event: AuditEvent
    jurisdictions: str  # the JSON column
    needs_guardian: bool


def learn_template(
    runtime: VaultRuntime,
    point: str,
    values: Mapping[str, Any],
    consents: Sequence[ConsentChoice],
    evidence: Evidence,
    actor: Actor,
) -> Template:
    vault = runtime.vault
    collected = vault.collect(point, values, list(consents), evidence, actor)
    sid = collected.subject_id
    engine = vault.context.store.engine  # type: ignore[attr-defined]
    rows: dict[str, int] = {}
    tables = [*vault_sql.metadata.sorted_tables, audit_sql.audit_entries]
    with engine.connect() as conn:
        for table in tables:
            column = "id" if table.name == "vault_subjects" else "subject_id"
            if column not in table.c:
                continue
            count = conn.execute(
                select(func.count()).select_from(table).where(table.c[column] == sid)
            ).scalar_one()
            if count:
                rows[table.name] = int(count)
        unknown = sorted(set(rows) - set(SEEDED_TABLES))
        if unknown:
            raise RuntimeError(
                f"a collect at {point!r} writes tables the seeder does not: {unknown}"
            )
        c = vault_sql.consents.c
        consent_rows = tuple(
            dict(r)
            for r in conn.execute(
                select(vault_sql.consents).where(c.subject_id == sid).order_by(c.seq)
            ).mappings()
        )
        e = vault_sql.subject_events.c
        event_names = tuple(
            conn.execute(select(e.name).where(e.subject_id == sid).order_by(e.seq)).scalars()
        )
        a = audit_sql.audit_entries.c
        bodies = list(
            conn.execute(select(a.body).where(a.subject_id == sid).order_by(a.seq)).scalars()
        )
        subject = conn.execute(
            select(vault_sql.subjects).where(vault_sql.subjects.c.id == sid)
        ).one()
        conn.rollback()
    if len(bodies) != 1:
        raise RuntimeError(f"a collect wrote {len(bodies)} audit entries, the seeder writes 1")
    return Template(
        point=point,
        item_keys=tuple(values),
        consents=tuple(consents),
        evidence=evidence,
        actor=actor,
        subject_id=sid,
        rows=rows,
        consent_rows=consent_rows,
        event_names=event_names,
        audit_event=decode_entry(bytes(bodies[0])).event,
        jurisdictions=subject.jurisdictions,
        needs_guardian=bool(subject.needs_guardian),
    )


class Values:
    """Synthetic values for a collection point, from the sandbox's own generator (Faker; contact
    data on reserved names only): a pool of value sets for every item but the email address,
    which is unique per subject number. ``raw(n)`` is what a form sends, ``canonical(n)`` what
    the vault stores (``check_value``), checked to agree."""

    def __init__(self, policy: Policy, item_keys: Sequence[str], seed: int, pool: int = 1024):
        self.policy = policy
        self.item_keys = tuple(item_keys)
        rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        fake = _faker(policy, rng)
        self.emails = tuple(k for k in self.item_keys if policy.items[k].type is ItemType.email)
        self.pool: list[tuple[dict[str, Any], dict[str, bytes], dict[str, str | None]]] = []
        for number in range(pool):
            raw = {
                k: synthetic_value(policy, k, number, rng, fake)
                for k in self.item_keys
                if k not in self.emails
            }
            checked = {k: check_value(k, policy.items[k], v) for k, v in raw.items()}
            self.pool.append(
                (
                    raw,
                    {k: c.data for k, c in checked.items()},
                    {k: c.media_type for k, c in checked.items()},
                )
            )
        self._normalised: dict[bytes, str] = {}
        self.index_kinds = {
            key: INDEX_KINDS[policy.items[key].type]
            for key in self.item_keys
            if policy.items[key].type in INDEX_KINDS
        }
        for number in range(0, 10_000_000, 1_000_003):  # the email's canonical form is itself
            for key in self.emails:
                email = self._email(number, key)
                if check_value(key, policy.items[key], email).data != email.encode():
                    raise RuntimeError(f"{email!r} is not in its canonical form")

    @staticmethod
    def _email(number: int, key: str) -> str:
        tag = "" if key == "email" else f".{key}"
        return f"user{number}{tag}.{number * 7919 % 1_000_000:06d}@example.com"

    def raw(self, number: int) -> dict[str, Any]:
        values = dict(self.pool[number % len(self.pool)][0])
        for key in self.emails:
            values[key] = self._email(number, key)
        return {k: values[k] for k in self.item_keys}

    def canonical(self, number: int) -> dict[str, bytes]:
        values = dict(self.pool[number % len(self.pool)][1])
        for key in self.emails:
            values[key] = self._email(number, key).encode()
        return values

    def media_type(self, number: int, key: str) -> str | None:
        return None if key in self.emails else self.pool[number % len(self.pool)][2][key]

    def lookups(self, canonical: Mapping[str, bytes]) -> list[tuple[str, str]]:
        """(index kind, normalised value) per email address and phone number (those of the
        pool normalised once: phonenumbers takes ~100 µs a number)."""
        found = []
        for key, kind in self.index_kinds.items():
            value = canonical[key]
            normalised = self._normalised.get(value) if key not in self.emails else None
            if normalised is None:
                normalised = normalise(kind, value.decode())
                if key not in self.emails:
                    self._normalised[value] = normalised
            found.append((kind.value, normalised))
        return found


# --- seeding --------------------------------------------------------------------------------------


@dataclass
class Seeded:
    subjects: int
    items: int
    rows: dict[str, int]  # rows written per table (vault side)
    checkpoints: int
    seconds: dict[str, float]
    sample: list[tuple[str, int]]  # (subject id, its number in Values) chosen uniformly

    def figures(self) -> dict[str, Any]:
        total = self.seconds["total"]
        return {
            "subjects": self.subjects,
            "items": self.items,
            "rows": self.rows,
            "audit_checkpoints": self.checkpoints,
            "seconds": {k: round(v, 1) for k, v in self.seconds.items()},
            "items_per_second": round(self.items / total) if total else None,
        }


class EntryBodies:
    """The canonical bytes of the collect's audit entry for any subject, seq and time, by
    substitution into the bytes ``encode_entry`` makes for placeholder values (RFC 8785 JSON:
    the keys sort the same whatever the values, and these values need no escaping). Checked
    against ``encode_entry`` for the first entry of every seeding, and by the log's own verify,
    which decodes and re-encodes every entry."""

    SEQ = 987_654_321_987_654
    SUBJECT = "00000000-0000-4000-8000-00000000beef"
    AT = datetime(2001, 2, 3, 4, 5, 6, 70809, tzinfo=UTC)

    def __init__(self, event: AuditEvent) -> None:
        self.event = event
        body = encode_entry(
            AuditEntry(
                seq=self.SEQ, recorded_at=self.AT, event=replace(event, subject_id=self.SUBJECT)
            )
        )
        marks = {
            str(self.SEQ).encode(): "seq",
            self.SUBJECT.encode(): "subject",
            format_timestamp(self.AT).encode(): "at",
        }
        self.parts: list[bytes | str] = [body]
        for mark, name in marks.items():
            if body.count(mark) != 1:
                raise RuntimeError(f"the audit entry holds its {name} other than once")
            split: list[bytes | str] = []
            for part in self.parts:
                if isinstance(part, bytes) and mark in part:
                    before, after = part.split(mark)
                    split += [before, name, after]
                else:
                    split.append(part)
            self.parts = split
        self.checked = False

    def body(self, seq: int, subject_id: str, at: datetime) -> bytes:
        values = {"seq": str(seq).encode(), "subject": subject_id.encode()}
        values["at"] = format_timestamp(at).encode()
        body = b"".join(values[p] if isinstance(p, str) else p for p in self.parts)
        if not self.checked:
            entry = AuditEntry(
                seq=seq, recorded_at=at, event=replace(self.event, subject_id=subject_id)
            )
            if encode_entry(entry) != body:
                raise RuntimeError("the substituted audit entry is not what encode_entry makes")
            self.checked = True
        return body


class Seeder:
    def __init__(
        self, runtime: VaultRuntime, target: Target, template: Template, values: Values, seed: int
    ) -> None:
        self.runtime = runtime
        self.target = target
        self.ctx = runtime.vault.context
        self.template = template
        self.values = values
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        self.policy = self.ctx.policy
        self.signer = CheckpointSigner.from_pem((target.home / SIGNING_KEY).read_bytes())
        self.now_us = to_us(self.ctx.now())
        self.countings = day_countings(json.loads(template.jurisdictions))
        self._plans: dict[int, list[tuple[Any, ...]]] = {}

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _deadlines(self, at_us: int) -> list[tuple[Any, ...]]:
        """The planner's deadlines for a subject collected at ``at_us`` (once per instant)."""
        found = self._plans.get(at_us)
        if found is None:
            at = from_us(at_us)
            t = self.template
            consents = tuple(
                ConsentEvent(
                    subject_id="bench-template",
                    category=ConsentCategory(row["category"]),
                    purposes=tuple(json.loads(row["purposes"])),
                    action=ConsentAction(row["action"]),
                    at=at,
                    policy_version=row["policy_version"],
                    notice_hash=row["notice_hash"],
                    channel=row["channel"],
                    given_by=ConsentGiver(row["given_by"]),
                    evidence=tuple(tuple(p) for p in json.loads(row["evidence"])),
                )
                for row in t.consent_rows
            )
            facts = RetentionFacts(
                subject_id="bench-template",
                jurisdictions=tuple(json.loads(t.jurisdictions)),
                events=tuple((name, at) for name in t.event_names),
                consents=consents,
                items=tuple(ItemFact(k, t.point, at) for k in t.item_keys),
            )
            found = [
                (
                    d.target_kind.value,
                    d.target_key,
                    d.action.value,
                    to_us(d.end_at),
                    to_us(d.due_at),
                    d.rule,
                    d.record_type,
                )
                for d in plan_subject(self.policy, facts, self.countings)
            ]
            self._plans[at_us] = found
        return found

    def seed(self, items: int, *, first_number: int = 0, sample: int = 0) -> Seeded:
        """``items`` items in subjects of the template's size; subject ``k`` gets the values of
        number ``first_number + k``."""
        started = time.perf_counter()
        t, v, ctx = self.template, self.values, self.ctx
        per_subject = len(t.item_keys)
        subjects = max(1, items // per_subject)
        chosen = set(self.rng.sample(range(subjects), min(sample, subjects)))
        sink = Sink(self.target)
        keys_db = sqlite3.connect(self.target.home / "shredding-keys.db", isolation_level=None)
        keys_db.execute("PRAGMA synchronous = OFF")
        keys_db.execute("BEGIN IMMEDIATE")
        keys_seconds = 0.0
        # the audit chain, from the vault's head
        head_seq, prev, frontier, signed = self._audit_state()
        checkpoints = 0
        span_us = SPAN // US
        start_us = self.now_us - span_us
        step_us = (span_us - 3_600_000_000) // INSTANTS
        index_key, keys = ctx.blind_index_key, ctx.keys
        key_id, point, actor_id = keys.key_id, t.point, t.actor.id
        evidence_payload = t.evidence.sealed_payload()
        bodies = EntryBodies(t.audit_event)
        event = t.audit_event

        def index_columns(sid: str) -> tuple[Any, ...]:
            # actor_id, action, subject_id, allowed, request_id (index_of an entry)
            return (event.actor.id, event.action, sid, event.decision.allowed, event.request_id)

        counts = dict.fromkeys(SEEDED_TABLES, 0)
        picked: list[tuple[str, int]] = []
        for chunk_start in range(0, subjects, SEED_CHUNK):
            rows: dict[str, tuple[list[Any], list[Any]]] = {n: ([], []) for n in SEEDED_TABLES}
            checkpoint_rows: list[tuple[Any, ...]] = []
            shredding: list[tuple[str, bytes]] = []
            for k in range(chunk_start, min(chunk_start + SEED_CHUNK, subjects)):
                number = first_number + k
                sid = self._uuid()
                if k in chosen:
                    picked.append((sid, number))
                at_us = start_us + (k * INSTANTS // subjects) * step_us
                at = from_us(at_us)
                data_key = generate_key()
                shredding_key = os.urandom(32)
                sealing = sealing_key(data_key, SecretKey(shredding_key))
                wrapped = keys.wrap_data_key(data_key, sid).ciphertext
                shredding.append((sid, shredding_key))
                subject = (sid, at_us, t.jurisdictions, key_id, wrapped, t.needs_guardian)
                row = (*subject, None, None)
                rows["vault_subjects"][0].append(row)
                rows["vault_subjects"][1].append(row)
                canonical = v.canonical(number)
                for key in t.item_keys:
                    data = canonical[key]
                    media = v.media_type(number, key)
                    sealed = seal(sealing, sid, key, data)
                    rows["vault_items"][0].append(
                        (sid, key, sealed, False, False, media, point, at_us, at_us)
                    )
                    rows["vault_items"][1].append(
                        (sid, key, data, False, False, media, point, at_us, at_us)
                    )
                for kind, normalised in v.lookups(canonical):
                    digest = blind_index(index_key, IndexKind(kind), normalised)
                    rows["vault_lookups"][0].append((kind, digest, sid))
                    rows["vault_lookups"][1].append((kind, normalised, sid))
                for n, c in enumerate(t.consent_rows):
                    binding = f"consent_evidence.{at.timestamp()}.{n}"
                    common = (
                        sid,
                        c["category"],
                        c["purposes"],
                        c["action"],
                        at_us,
                        c["policy_version"],
                        c["notice_hash"],
                        c["channel"],
                        c["given_by"],
                        c["evidence"],
                    )
                    sealed_evidence = seal(sealing, sid, binding, evidence_payload)
                    rows["vault_consents"][0].append((*common, sealed_evidence))
                    rows["vault_consents"][1].append((*common, evidence_payload))
                for name in t.event_names:
                    row = (sid, name, at_us, actor_id)
                    rows["vault_subject_events"][0].append(row)
                    rows["vault_subject_events"][1].append(row)
                for kind, key, action, end_us, due_us, rule, record_type in self._deadlines(at_us):
                    task = (self._uuid(), sid, kind, key, action, end_us, due_us, rule, record_type)
                    row = (*task, False, "[]", TaskStatus.scheduled.value, *(None,) * 6)
                    rows["vault_retention_tasks"][0].append(row)
                    rows["vault_retention_tasks"][1].append(row)
                head_seq += 1
                body = bodies.body(head_seq, sid, at)
                entry_hash = chain_hash(prev, body)
                row = (head_seq, prev, entry_hash, body, at_us, *index_columns(sid))
                rows["audit_entries"][0].append(row)
                rows["audit_entries"][1].append(row)
                prev = entry_hash
                frontier.append(leaf_hash(body))
                if head_seq - signed >= DEFAULT_CHECKPOINT_EVERY:
                    checkpoint = self.signer.sign(
                        tree_size=head_seq, root_hash=frontier.root(), chain_head=prev, issued_at=at
                    )
                    checkpoint_rows.append(
                        (
                            head_seq,
                            checkpoint.head.root_hash,
                            prev,
                            at_us,
                            checkpoint.key_id,
                            checkpoint.signature,
                            b"".join(frontier.nodes),
                        )
                    )
                    signed = head_seq
                    checkpoints += 1
            columns = {
                "vault_subjects": SUBJECT_COLUMNS,
                "vault_items": ITEM_COLUMNS,
                "vault_lookups": LOOKUP_COLUMNS,
                "vault_consents": CONSENT_COLUMNS,
                "vault_subject_events": EVENT_COLUMNS,
                "vault_retention_tasks": TASK_COLUMNS,
                "audit_entries": AUDIT_COLUMNS,
            }
            for table, (vault_rows, raw_rows) in rows.items():
                sink.write(table, columns[table], vault_rows, raw_rows)
                counts[table] += len(vault_rows)
            sink.write_vault_only("audit_checkpoints", CHECKPOINT_COLUMNS, checkpoint_rows)
            if chunk_start + SEED_CHUNK >= subjects:
                sink.execute_vault(
                    "UPDATE audit_state SET head_seq = ?, head_hash = ? WHERE id = 1",
                    (head_seq, prev),
                )
            sink.commit()
            began = time.perf_counter()
            keys_db.executemany(
                "INSERT INTO shredding_keys (subject_id, key) VALUES (?, ?)", shredding
            )
            keys_db.execute("COMMIT")
            keys_db.execute("BEGIN IMMEDIATE")
            keys_seconds += time.perf_counter() - began
        keys_db.execute("COMMIT")
        keys_db.close()
        finish = sink.close()
        total = time.perf_counter() - started
        written = sink.seconds["vault"] + sink.seconds["raw"] + keys_seconds + finish
        return Seeded(
            subjects=subjects,
            items=counts["vault_items"],
            rows=counts,
            checkpoints=checkpoints,
            seconds={
                "total": total,
                "generate": total - written,
                "write_vault": sink.seconds["vault"],
                "write_raw": sink.seconds["raw"],
                "write_shredding_keys": keys_seconds,
                "checkpoint_or_analyze": finish,
            },
            sample=sorted(picked, key=lambda p: p[1]),
        )

    def _audit_state(self) -> tuple[int, bytes, CompactRange, int]:
        """The head of the vault's audit log, the compact range of its tree, and the size of
        its latest checkpoint."""
        store = self.runtime.audit._store  # the bench reads what it extends
        with store.reading() as reader:
            head = reader.head()
            latest = reader.latest_checkpoint()
            frontier = CompactRange()
            prev = GENESIS_HASH
            for record in reader.records(1):
                frontier.append(leaf_hash(record.body))
                prev = record.entry_hash
        seq = head.seq if head else 0
        if frontier.size != seq or (head is not None and head.entry_hash != prev):
            raise RuntimeError("the vault's audit log is not what the seeder expected")
        return seq, prev, frontier, latest.tree_size if latest else 0


def check_seeded(
    runtime: VaultRuntime, target: Target, template: Template, seeded: Seeded, before: Any
) -> dict[str, Any]:
    """Counts per table on both sides, rows per sampled subject, the planner's agreement."""
    after = table_counts(target)
    problems = []
    for table, written in seeded.rows.items():
        if after["vault"][table] - before["vault"][table] != written:
            problems.append(f"vault {table}: {after['vault'][table]} rows")
        if after["raw"][table] - before["raw"][table] != written:
            problems.append(f"raw {table}: {after['raw'][table]} rows")
        if written != template.rows.get(table, 0) * seeded.subjects:
            problems.append(f"{table}: {written} rows for {seeded.subjects} subjects")
    ctx = runtime.vault.context
    engine = ctx.store.engine  # type: ignore[attr-defined]
    tables = {t.name: t for t in [*vault_sql.metadata.sorted_tables, audit_sql.audit_entries]}
    sample = seeded.sample[:25]
    with engine.connect() as conn:
        for sid, _ in sample:
            for name, column in SEEDED_TABLES.items():
                table = tables[name]
                count = conn.execute(
                    select(func.count()).select_from(table).where(table.c[column] == sid)
                ).scalar_one()
                if count != template.rows.get(name, 0):
                    problems.append(
                        f"{sid} {name}: {count} rows, a collect writes {template.rows.get(name, 0)}"
                    )
        conn.rollback()
    with ctx.session() as session:
        for sid, _ in sample:
            wanted = {(d.target_key, d.action): d for d in plan(ctx, session, sid)}
            stored = session.tasks(sid)
            if len(stored) != len(wanted) or any(
                (w := wanted.get((task.deadline.target_key, task.deadline.action))) is None
                or not task.same_work(w)
                for task in stored
            ):
                problems.append(f"{sid}: the planner does not want the stored deadlines")
    if problems:
        raise RuntimeError("the seeded store is not what a collect makes: " + "; ".join(problems))
    return {
        "passed": [
            "rows per table, vault and raw, as written",
            "rows per table as a real collect writes them, for every seeded subject",
            f"rows per table for {len(sample)} sampled subjects, in the vault's database",
            f"the planner wants exactly the stored deadlines of {len(sample)} sampled subjects",
        ],
        "rows_after": after,
    }


def table_counts(target: Target) -> dict[str, dict[str, int]]:
    tables = [*SEEDED_TABLES, "audit_checkpoints", "vault_records"]
    found: dict[str, dict[str, int]] = {}
    for side in ("vault", "raw"):
        with raw_connection(target, side) as conn:
            found[side] = {
                t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
                for t in tables
            }
    return found


@contextmanager
def raw_connection(target: Target, side: str) -> Iterator[Any]:
    """A plain driver connection to the vault's database (``side`` "vault") or the raw one."""
    if target.backend == "sqlite":
        path = target.home / "policyvault.db" if side == "vault" else Path(target.raw)
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA busy_timeout = 60000")
        try:
            yield conn
        finally:
            conn.close()
    else:
        import psycopg

        schema = target.vault_schema if side == "vault" else target.raw
        with psycopg.connect(target.pg, options=f"-csearch_path={schema}") as conn:
            yield conn
