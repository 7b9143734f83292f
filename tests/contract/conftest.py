"""Fixtures for the store contract suites: a SQLite file per test, and a fresh PostgreSQL schema
per test (dropped afterwards). PostgreSQL tests skip, saying why, when the server is unreachable.

``vault_backend`` is the vault store on each technology with the audit store beside it: the
memory pair, or both SQL stores on one engine of a database migrated to head (a new SQLite
file per test; for PostgreSQL one migrated schema per module, emptied before each test).

The server is POLICYVAULT_TEST_POSTGRES_URL, by default postgresql://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.engine import make_url

from policyvault.domain.audit.chain import GENESIS_HASH
from policyvault.storage import audit_sql, requests_sql, vault_sql
from policyvault.storage.audit_memory import InMemoryAuditStore
from policyvault.storage.audit_sql import (
    PostgresAuditStore,
    SqlAuditStore,
    SqliteAuditStore,
    postgres_engine,
    sqlite_engine,
)
from policyvault.storage.migrate import upgrade_database
from policyvault.storage.separate_sql import SqlSeparateStore
from policyvault.storage.vault_memory import InMemoryVaultStore
from policyvault.storage.vault_sql import PostgresVaultStore, SqliteVaultStore, SqlVaultStore

POSTGRES_URL = os.environ.get(
    "POLICYVAULT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@dataclass(frozen=True)
class PostgresSchema:
    url: str
    schema: str

    def engine(self, **options: str) -> Engine:
        settings = {"search_path": self.schema, **options}
        options_line = " ".join(f"-c{key}={value}" for key, value in settings.items())
        return postgres_engine(self.url, connect_args={"options": options_line})


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = make_url(POSTGRES_URL)
    host, port = url.host or "127.0.0.1", url.port or 5432
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"PostgreSQL is not reachable at {host}:{port} ({exc.strerror or exc})")
    return POSTGRES_URL


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[PostgresSchema]:
    with _fresh_schema(postgres_url, "pv_audit_test") as schema:
        yield schema


@contextmanager
def _fresh_schema(url: str, prefix: str) -> Iterator[PostgresSchema]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = postgres_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        yield PostgresSchema(url, name)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_file(tmp_path: Path) -> SqliteFile:
    return SqliteFile(tmp_path / "audit.db")


@dataclass(frozen=True)
class SqliteFile:
    path: Path

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def engine(self) -> Engine:
        # NORMAL is WAL's usual setting and keeps the suite quick; the locking is as with FULL
        return sqlite_engine(self.path, synchronous="NORMAL")


# --- the vault -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VaultBackend:
    """A vault store and the audit store that shares its transactions; ``engine`` for SQL."""

    name: str
    store: InMemoryVaultStore | SqlVaultStore
    audit_store: InMemoryAuditStore | SqlAuditStore
    engine: Engine | None = None


@pytest.fixture(scope="module")
def migrated_postgres(postgres_url: str) -> Iterator[Engine]:
    """One PostgreSQL schema migrated to head for a whole test module (dropped afterwards);
    ``vault_backend`` empties its tables before each test."""
    with _fresh_schema(postgres_url, "pv_vault_test") as schema:
        engine = schema.engine()
        try:
            upgrade_database(engine)
            yield engine
        finally:
            engine.dispose()


def _empty_tables(engine: Engine) -> None:
    """Back to a just-migrated database: no rows, and a new audit log."""
    tables = [
        *vault_sql.metadata.sorted_tables,
        *requests_sql.metadata.sorted_tables,
        audit_sql.audit_entries,
        audit_sql.audit_checkpoints,
    ]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(delete(table))
        conn.execute(
            update(audit_sql.audit_state).values(head_seq=0, head_hash=GENESIS_HASH, anchor_size=0)
        )


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def vault_backend(request: pytest.FixtureRequest) -> Iterator[VaultBackend]:
    if request.param == "memory":
        audit = InMemoryAuditStore()
        yield VaultBackend("memory", InMemoryVaultStore(audit), audit)
        return
    if request.param == "postgres":
        engine = request.getfixturevalue("migrated_postgres")
        _empty_tables(engine)
        yield VaultBackend(
            "postgres", PostgresVaultStore(engine), PostgresAuditStore(engine), engine
        )
        return
    engine = request.getfixturevalue("sqlite_file").engine()
    try:
        upgrade_database(engine)
        yield VaultBackend("sqlite", SqliteVaultStore(engine), SqliteAuditStore(engine), engine)
    finally:
        engine.dispose()


@dataclass
class Database:
    url: str
    schema: str  # the vault's tables and its audit log
    separate_schema: str  # the separate store

    def engine(self) -> Engine:
        options = f"-csearch_path={self.schema} -csynchronous_commit=off"
        return postgres_engine(self.url, connect_args={"options": options})


@pytest.fixture
def database(postgres_url: str) -> Iterator[Database]:
    """A PostgreSQL vault of the test's own: its schema migrated to head, and the separate
    store's schema beside it; both dropped after."""
    suffix = uuid.uuid4().hex[:12]
    db = Database(postgres_url, f"pv_vault_{suffix}", f"pv_separate_{suffix}")
    admin = postgres_engine(postgres_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{db.schema}"'))
        engine = db.engine()
        try:
            upgrade_database(engine)
            SqlSeparateStore.postgres(engine, db.separate_schema)
        finally:
            engine.dispose()
        yield db
    finally:
        with admin.begin() as conn:
            for schema in (db.schema, db.separate_schema):
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
