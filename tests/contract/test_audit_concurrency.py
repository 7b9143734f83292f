"""Several OS processes append to one log at once: one unbroken chain, no gaps, no duplicates.

Each worker (audit_append_worker.py) appends WORKER_ENTRIES entries through the AuditLog service,
signing checkpoints every 250 entries as it goes, so checkpoints race with appends too.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.clock import SystemClock
from policyvault.services.audit import AuditLog
from policyvault.storage.audit_sql import (
    PostgresAuditStore,
    SqlAuditStore,
    SqliteAuditStore,
    sqlite_engine,
)

WORKERS = 3
WORKER_ENTRIES = 2000
WORKER = Path(__file__).with_name("audit_append_worker.py")


def _run_workers(url: str, key_file: Path, *extra: str) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, str(n), str(WORKER_ENTRIES), str(key_file), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert stdout.strip() == "done"


def _check_one_unbroken_chain(store: SqlAuditStore, signer: CheckpointSigner) -> None:
    total = WORKERS * WORKER_ENTRIES
    report = AuditLog(store, SystemClock()).verify(signer.verifier)
    assert report.ok, report.reason
    assert report.entries_checked == total and report.last_seq == total
    assert report.checkpoints_checked >= total // 250 // 2  # the workers signed as they went

    with store.reading() as reader:
        records = list(reader.records())
    assert [r.seq for r in records] == list(range(1, total + 1))  # no gaps, no duplicates
    assert len({r.prev_hash for r in records}) == total  # no fork
    written = Counter(
        (e.event.details["worker"], e.event.details["n"]) for e in (r.entry() for r in records)
    )
    assert set(written) == {(w, n) for w in range(WORKERS) for n in range(WORKER_ENTRIES)}
    assert max(written.values()) == 1  # every entry exactly once


@dataclass
class Target:
    store: SqlAuditStore
    url: str
    worker_args: tuple[str, ...]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    store: SqlAuditStore
    if request.param == "sqlite":
        path = tmp_path / "audit.db"
        store = SqliteAuditStore(sqlite_engine(path), owns_engine=True)
        found = Target(store, f"sqlite:///{path}", ())
    else:
        schema = request.getfixturevalue("postgres_schema")
        store = PostgresAuditStore(schema.engine(), owns_engine=True)
        found = Target(store, schema.url, (schema.schema,))
    try:
        store.create_schema()
        yield found
    finally:
        store.close()


def test_processes_appending_at_once_make_one_unbroken_chain(
    target: Target, tmp_path: Path
) -> None:
    signer = CheckpointSigner.generate()
    key_file = tmp_path / "audit-key.pem"
    key_file.write_bytes(signer.to_pem())
    _run_workers(target.url, key_file, *target.worker_args)
    _check_one_unbroken_chain(target.store, signer)
