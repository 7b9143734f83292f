"""Vault throughput against the raw storage engine, measured in the same run.

    python bench/vault_throughput.py [--subjects N] [--repeats R] [--no-postgres]

On a fresh sandbox vault (a temporary home, the Megazone CloudPlex policy) it measures

- collect: N product inquiries (4 items and the collection/use consent) through
  ``Vault.collect``, against the same rows written by the raw driver, one transaction per
  subject on both sides (see ``raw_engine.py`` for what "the same rows" means);
- read: a purpose-checked read of 3 items of each of N subjects through ``Vault.read``,
  against one indexed SELECT of the same rows by primary key.

SQLite always (WAL and the synchronous setting the vault's engine uses, read back from it);
PostgreSQL too when a server answers (``--postgres-url``, else POLICYVAULT_TEST_POSTGRES_URL,
else postgresql://postgres@127.0.0.1:5432/test), each side in a fresh schema dropped afterwards.

Each figure is the median of R timed repeats (time.perf_counter) after a warm-up; within a
repeat the two sides take turns, 20 chunks each, so that other load on the machine falls on
both alike. The ratio is PolicyVault's time per operation over the raw engine's. Then, on
SQLite, one profiled run of collects and reads (cProfile, see profiling.py). Results:
bench/results/vault_throughput.json and bench/results/vault_profile.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from profiling import ProfiledRun, write_profile
from raw_engine import (
    Plaintext,
    RawPostgres,
    RawSqlite,
    mirror_rows,
    plaintext_lookups,
    rows_per_subject,
    select_items,
)
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from policyvault.bootstrap import VaultRuntime, init_vault, open_vault
from policyvault.domain.audit import Actor
from policyvault.domain.policy.data import ItemType
from policyvault.domain.policy.model import Policy
from policyvault.services.sandbox import _faker, synthetic_value
from policyvault.services.values import check_value
from policyvault.services.vault import ConsentChoice, Evidence
from policyvault.storage.migrate import upgrade_database

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
RESULTS = Path(__file__).resolve().parent / "results"
POINT = "product_inquiry"
PURPOSE = "product.inquiry"
READ_ITEMS = ("contact_person", "email", "phone")
SERVICE = Actor(id="bench-webshop-1", role="service")
READER = Actor(id="bench-clerk-1", role="handler")
ADMIN = Actor(id="bench-admin-1", role="admin")
EVIDENCE = Evidence(channel="web", notice_hash="sha256:bench")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
CHUNKS = 20  # turns each side takes per repeat
T = TypeVar("T")
R = TypeVar("R")

console = Console(highlight=False)


# --- the workload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inquiry:
    values: dict[str, Any]  # as the web form sends them
    plain: Plaintext  # what the raw side stores


class Workload:
    """Synthetic product inquiries (reserved names: example.com, 555 numbers), numbered so
    that every email address is distinct across the whole run."""

    def __init__(self, policy: Policy, seed: int = 4) -> None:
        self.policy = policy
        point = policy.collection_points[POINT]
        self.items = [*point.required, *point.optional]
        self.consents = [ConsentChoice(c.category, tuple(c.purposes)) for c in point.consents]
        self.index_kinds = {
            kind: key
            for key in self.items
            for kind, item_type in (("email", ItemType.email), ("phone", ItemType.phone))
            if policy.items[key].type is item_type
        }
        self._rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
        self._fake = _faker(policy, self._rng)
        self._next = 0

    def inquiries(self, count: int) -> list[Inquiry]:
        made = []
        for number in range(self._next, self._next + count):
            values = {
                k: synthetic_value(self.policy, k, number, self._rng, self._fake)
                for k in self.items
            }
            items = {k: check_value(k, self.policy.items[k], v).data for k, v in values.items()}
            plain = Plaintext(
                items=items,
                lookups=plaintext_lookups(items, self.index_kinds),
                evidence=EVIDENCE.sealed_payload(),
            )
            made.append(Inquiry(values, plain))
        self._next += count
        return made


# --- timing --------------------------------------------------------------------------------------


@dataclass
class Timing:
    operations: int
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def figures(self) -> dict[str, Any]:
        return {
            "operations_per_repeat": self.operations,
            "repeat_seconds": [round(s, 6) for s in self.seconds],
            "median_seconds": round(self.median, 6),
            "ops_per_second": round(self.operations / self.median, 1),
            "us_per_op": round(self.median / self.operations * 1e6, 1),
        }


def timed(operation: Callable[[T], R], argument: T) -> tuple[float, R]:
    started = time.perf_counter()
    result = operation(argument)
    return time.perf_counter() - started, result


def chunks(items: Sequence[T], count: int) -> list[Sequence[T]]:
    size = max(1, -(-len(items) // count))
    return [items[start : start + size] for start in range(0, len(items), size)]


def compare(vault: Timing, raw: Timing) -> dict[str, Any]:
    return {
        "policyvault": vault.figures(),
        "raw": raw.figures(),
        "ratio_policyvault_over_raw": round(vault.median / raw.median, 2),
    }


# --- one backend ---------------------------------------------------------------------------------


@dataclass
class Backend:
    """A vault and the raw driver on the same kind of database, side by side."""

    name: str
    runtime: VaultRuntime
    engine: Engine
    raw: RawSqlite | RawPostgres
    settings: dict[str, Any]


class Bench:
    def __init__(self, backend: Backend, workload: Workload, subjects: int, repeats: int) -> None:
        self.backend = backend
        self.vault = backend.runtime.vault
        self.workload = workload
        self.subjects = subjects
        self.repeats = repeats
        self.read_sql = select_items("?" if backend.name == "sqlite" else "%s", len(READ_ITEMS))
        self.rows_per_subject: dict[str, int] = {}
        self._shuffle = random.Random(7)  # noqa: S311 (read order, not secrets)

    def collect(self, inquiries: Sequence[Inquiry]) -> list[str]:
        collect, consents = self.vault.collect, self.workload.consents
        return [collect(POINT, i.values, consents, EVIDENCE, SERVICE).subject_id for i in inquiries]

    def mirror(self, ids: Sequence[str], inquiries: Sequence[Inquiry]) -> list[list[Any]]:
        plain = {s: i.plain for s, i in zip(ids, inquiries, strict=True)}
        rows = mirror_rows(self.backend.engine, ids, plain)
        counts = {tuple(sorted(rows_per_subject(r).items())) for r in rows}
        if len(counts) != 1:
            raise RuntimeError(f"subjects differ in the rows the vault wrote: {counts}")
        self.rows_per_subject = dict(counts.pop())
        return rows

    def raw_write(self, rows: Sequence[list[Any]]) -> None:
        write = self.backend.raw.write
        for subject_rows in rows:
            write(subject_rows)

    def vault_read(self, ids: Sequence[str]) -> None:
        read = self.vault.read
        for subject in ids:
            if not read(subject, READ_ITEMS, PURPOSE, READER).allowed:
                raise RuntimeError("a benchmark read was denied")

    def raw_read(self, ids: Sequence[str]) -> None:
        read, sql = self.backend.raw.read, self.read_sql
        for subject in ids:
            read(sql, (subject, *READ_ITEMS))

    def run(self, warmup: int) -> dict[str, Any]:
        self.vault.grant(READER.id, PURPOSE, ADMIN)
        # warm-up: caches, prepared statements, the first audit checkpoint, page cache
        warm = self.workload.inquiries(warmup)
        warm_ids = self.collect(warm)
        self.raw_write(self.mirror(warm_ids, warm))
        self.vault_read(warm_ids)
        self.raw_read(warm_ids)
        self._check_reads_agree(warm_ids[:20])

        # The two sides take turns in chunks of a repeat, so that other load on the machine
        # falls on both alike; a repeat's time is the sum of its chunks.
        collect_vault, collect_raw = Timing(self.subjects), Timing(self.subjects)
        read_vault, read_raw = Timing(self.subjects), Timing(self.subjects)
        batches = []
        for repeat in range(self.repeats):
            vault_seconds = raw_seconds = 0.0
            ids: list[str] = []
            for chunk in chunks(self.workload.inquiries(self.subjects), CHUNKS):
                seconds, chunk_ids = timed(self.collect, chunk)
                vault_seconds += seconds
                raw_seconds += timed(self.raw_write, self.mirror(chunk_ids, chunk))[0]
                ids += chunk_ids
            collect_vault.seconds.append(vault_seconds)
            collect_raw.seconds.append(raw_seconds)
            batches.append(ids)
            console.print(f"  {self.backend.name} collect, repeat {repeat + 1}/{self.repeats}")
        for repeat, ids in enumerate(batches):
            order = list(ids)
            self._shuffle.shuffle(order)
            vault_seconds = raw_seconds = 0.0
            for number, chunk in enumerate(chunks(order, CHUNKS)):
                if (repeat + number) % 2:  # alternate which side goes first
                    raw_seconds += timed(self.raw_read, chunk)[0]
                    vault_seconds += timed(self.vault_read, chunk)[0]
                else:
                    vault_seconds += timed(self.vault_read, chunk)[0]
                    raw_seconds += timed(self.raw_read, chunk)[0]
            read_vault.seconds.append(vault_seconds)
            read_raw.seconds.append(raw_seconds)
            console.print(f"  {self.backend.name} read, repeat {repeat + 1}/{self.repeats}")
        return {
            "settings": self.backend.settings,
            "rows_per_subject": self.rows_per_subject,
            "collect": compare(collect_vault, collect_raw),
            "read": compare(read_vault, read_raw),
        }

    def _check_reads_agree(self, ids: Sequence[str]) -> None:
        """Both sides return the same plaintext, or the comparison means nothing."""
        for subject in ids:
            from_vault = self.vault.read(subject, READ_ITEMS, PURPOSE, READER).values
            from_raw = dict(self.backend.raw.read(self.read_sql, (subject, *READ_ITEMS)))
            if from_vault != {k: bytes(v) for k, v in from_raw.items()}:
                raise RuntimeError(f"the raw rows of {subject} differ from what the vault reads")


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("POLICYVAULT_")}


def _vault_engine(runtime: VaultRuntime) -> Engine:
    engine: Engine = runtime.vault.context.store.engine  # type: ignore[attr-defined]
    return engine


@contextmanager
def sqlite_backend(workdir: Path) -> Iterator[Backend]:
    home = workdir / "sqlite-vault"
    init_vault(home, POLICY, sandbox=True, environ=_environ())
    runtime = open_vault(home, _environ())
    engine = _vault_engine(runtime)
    with engine.connect() as conn:
        journal_mode = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).upper()
        synchronous = SYNCHRONOUS[int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0)]
        conn.rollback()
    raw_path = workdir / "raw.db"
    upgrade_database(f"sqlite:///{raw_path}")  # the vault's own tables and indexes
    raw = RawSqlite(str(raw_path), journal_mode=journal_mode, synchronous=synchronous)
    settings = {
        "sqlite_version": sqlite3.sqlite_version,
        "journal_mode": journal_mode,
        "synchronous": synchronous,
        "begin": "IMMEDIATE",
        "directory": str(workdir),
        "filesystem": filesystem(workdir),
    }
    try:
        yield Backend("sqlite", runtime, engine, raw, settings)
    finally:
        raw.close()
        runtime.close()


def postgres_reachable(url: str) -> str | None:
    """None when a server answers, else why not."""
    parsed = make_url(url)
    host, port = parsed.host or "127.0.0.1", parsed.port or 5432
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        return f"PostgreSQL is not reachable at {host}:{port} ({exc.strerror or exc})"
    try:
        import psycopg

        psycopg.connect(_conninfo(url), connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL at {host}:{port} refused the connection ({type(exc).__name__})"
    return None


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_backend(workdir: Path, url: str) -> Iterator[Backend]:
    import psycopg

    suffix = uuid.uuid4().hex[:10]
    vault_schema, raw_schema = f"pv_bench_vault_{suffix}", f"pv_bench_raw_{suffix}"
    conninfo = _conninfo(url)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        for schema in (vault_schema, raw_schema):
            admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        vault_url = make_url(url).update_query_dict({"options": f"-csearch_path={vault_schema}"})
        raw_url = make_url(url).update_query_dict({"options": f"-csearch_path={raw_schema}"})
        home = workdir / "postgres-vault"
        init_vault(
            home,
            POLICY,
            database_url=vault_url.render_as_string(hide_password=False),
            sandbox=True,
            environ=_environ(),
        )
        upgrade_database(raw_url.render_as_string(hide_password=False))
        runtime = open_vault(home, _environ())
        raw = RawPostgres(conninfo, raw_schema)
        engine = _vault_engine(runtime)
        with engine.connect() as conn:
            server = conn.execute(text("SHOW server_version")).scalar()
            sync_commit = conn.execute(text("SHOW synchronous_commit")).scalar()
            isolation = conn.execute(text("SHOW transaction_isolation")).scalar()
        settings = {
            "server_version": server,
            "synchronous_commit": sync_commit,
            "isolation": isolation,
            "host": make_url(url).host,
            "psycopg": metadata.version("psycopg"),
        }
        try:
            yield Backend("postgres", runtime, engine, raw, settings)
        finally:
            raw.close()
            runtime.close()
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            for schema in (vault_schema, raw_schema):
                admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def filesystem(path: Path) -> str:
    """The file system type under ``path`` (fsync costs differ: tmpfs has none)."""
    mounts = Path("/proc/mounts")
    if not mounts.exists():
        return "unknown"
    best, kind = "", "unknown"
    for line in mounts.read_text().splitlines():
        fields = line.split()
        if (
            len(fields) > 2
            and str(path.resolve()).startswith(fields[1])
            and len(fields[1]) > len(best)
        ):
            best, kind = fields[1], fields[2]
    return kind


# --- the profile ---------------------------------------------------------------------------------


def profile_vault(bench: Bench, subjects: int, out: Path) -> dict[str, dict[str, float]]:
    """Profile ``subjects`` collects, then a read of each, once."""
    inquiries = bench.workload.inquiries(subjects)
    ids: list[str] = []
    header = [
        f"cProfile of PolicyVault on {bench.backend.name}: {subjects} product inquiries "
        f"collected, then {len(READ_ITEMS)} items of each read for {PURPOSE!r}.",
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Times "
        "include the profiler's own overhead; the timed figures are in vault_throughput.json.",
    ]
    runs = [
        ProfiledRun(
            "Vault.collect",
            lambda: ids.extend(bench.collect(inquiries)),
            subjects,
            ("cumulative", "tottime"),
        ),
        ProfiledRun("Vault.read", lambda: bench.vault_read(ids), subjects),
    ]
    return write_profile(out, header, runs)


# --- the report ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "packages": {
            name: metadata.version(name)
            for name in ("policyvault", "sqlalchemy", "cryptography", "psycopg", "argon2-cffi")
        },
    }
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        if models:
            info["cpu_model"] = models[0]
    return info


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def print_table(results: dict[str, Any]) -> None:
    table = Table(title="PolicyVault against the raw storage engine (median of repeats)")
    table.add_column("backend")
    table.add_column("operation")
    for heading in ("PolicyVault\nops/s", "PolicyVault\nµs/op", "raw\nops/s", "raw\nµs/op"):
        table.add_column(heading, justify="right")
    table.add_column("ratio\nPV/raw", justify="right")
    for backend, figures in results.items():
        if "skipped" in figures:
            table.add_row(backend, "skipped", "", "", "", "", "")  # the reason was printed
            continue
        for operation in ("collect", "read"):
            pair = figures[operation]
            vault, raw = pair["policyvault"], pair["raw"]
            table.add_row(
                backend,
                operation,
                f"{vault['ops_per_second']:,.0f}",
                f"{vault['us_per_op']:,.0f}",
                f"{raw['ops_per_second']:,.0f}",
                f"{raw['us_per_op']:,.0f}",
                f"{pair['ratio_policyvault_over_raw']:.1f}×",
            )
    console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=2000, help="subjects per repeat (2000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats; the median (3)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed operations first (100)")
    parser.add_argument("--profile-subjects", type=int, default=300, help="collects profiled")
    parser.add_argument("--postgres-url", default=None, help="PostgreSQL server to use too")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where figures go")
    parser.add_argument("--workdir", type=Path, default=None, help="for the temporary vault")
    args = parser.parse_args(argv)
    if args.subjects < 1 or args.repeats < 1 or args.warmup < 1:
        parser.error("--subjects, --repeats and --warmup are at least 1")

    started = datetime.now(UTC)
    load_at_start = _load_average()
    results: dict[str, Any] = {}
    args.results.mkdir(parents=True, exist_ok=True)
    profile_path = args.results / "vault_profile.txt"
    with tempfile.TemporaryDirectory(prefix="policyvault-bench-", dir=args.workdir) as tmp:
        workdir = Path(tmp)
        with sqlite_backend(workdir) as backend:
            console.print(
                f"SQLite ({backend.settings['journal_mode']}, "
                f"synchronous={backend.settings['synchronous']}) in {workdir}"
            )
            bench = Bench(backend, Workload(backend.runtime.policy), args.subjects, args.repeats)
            results["sqlite"] = bench.run(args.warmup)
            console.print(f"  profiling {args.profile_subjects} collects and reads (cProfile)")
            profiled = profile_vault(bench, args.profile_subjects, profile_path)
        url = args.postgres_url or os.environ.get("POLICYVAULT_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
        problem = "--no-postgres" if args.no_postgres else postgres_reachable(url)
        if problem is None:
            with postgres_backend(workdir, url) as backend:
                console.print(
                    f"PostgreSQL {backend.settings['server_version']} at {backend.settings['host']}"
                )
                bench = Bench(
                    backend, Workload(backend.runtime.policy), args.subjects, args.repeats
                )
                results["postgres"] = bench.run(args.warmup)
        else:
            console.print(f"PostgreSQL skipped: {problem}")
            results["postgres"] = {"skipped": problem}

    report = {
        "benchmark": "vault_throughput",
        "timestamp": started.isoformat(timespec="seconds"),
        "duration_seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "machine": machine(),
        # other work on the machine skews figures: the 1-minute load average, start and end
        "load_average": {"start": load_at_start, "end": _load_average()},
        "subjects": args.subjects,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "statistic": "median of repeats; ratio = PolicyVault time per op / raw time per op",
        "workload": {
            "policy": str(POLICY.relative_to(ROOT)),
            "collection_point": POINT,
            "read_items": list(READ_ITEMS),
            "read_purpose": PURPOSE,
            "vault_mode": "sandbox",
        },
        "results": results,
        "profile": {"file": profile_path.name, "self_time_by_area": profiled},
    }
    out = args.results / "vault_throughput.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    console.print(f"figures: {out}\nprofile: {profile_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
