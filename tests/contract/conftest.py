"""Fixtures for the store contract suites: a SQLite file per test, and a fresh PostgreSQL schema
per test (dropped afterwards). PostgreSQL tests skip, saying why, when the server is unreachable.

The server is POLICYVAULT_TEST_POSTGRES_URL, by default postgresql://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from policyvault.storage.audit_sql import postgres_engine, sqlite_engine

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
    name = f"pv_audit_test_{uuid.uuid4().hex[:12]}"
    admin = postgres_engine(postgres_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        yield PostgresSchema(postgres_url, name)
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
