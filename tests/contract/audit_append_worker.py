"""One OS process appending to a shared audit log (run by test_audit_concurrency.py).

    python audit_append_worker.py URL WORKER COUNT KEY_FILE [SEARCH_PATH]

Appends COUNT entries as actor ``worker_<WORKER>``, each carrying its own ordinal in details,
through the AuditLog service with checkpoints every 250 entries, then prints ``done``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Actor, AuditEvent, Decision
from policyvault.domain.clock import SimulatedClock
from policyvault.services.audit import AuditLog
from policyvault.storage.audit_sql import (
    PostgresAuditStore,
    SqlAuditStore,
    SqliteAuditStore,
    postgres_engine,
    sqlite_engine,
)


def open_store(url: str, search_path: str | None) -> SqlAuditStore:
    if url.startswith("sqlite:///"):
        engine = sqlite_engine(url.removeprefix("sqlite:///"), synchronous="NORMAL")
        return SqliteAuditStore(engine, owns_engine=True)
    # asynchronous commit only shortens the wait for the disk; the locking is the same
    options = f"-csearch_path={search_path} -csynchronous_commit=off"
    engine = postgres_engine(url, connect_args={"options": options})
    return PostgresAuditStore(engine, owns_engine=True)


def main(argv: list[str]) -> None:
    url, worker, count, key_file = argv[1], int(argv[2]), int(argv[3]), Path(argv[4])
    search_path = argv[5] if len(argv) > 5 else None
    store = open_store(url, search_path)
    clock = SimulatedClock(datetime(2026, 5, 1, tzinfo=UTC))
    signer = CheckpointSigner.from_pem(key_file.read_bytes())
    log = AuditLog(store, clock, signer=signer, checkpoint_every=250)
    actor = Actor(id=f"worker_{worker}", role="test_worker")
    try:
        for n in range(count):
            log.record(
                AuditEvent(
                    actor=actor,
                    action="view",
                    decision=Decision.allow("purpose", "allowed for the concurrency test"),
                    subject_id=f"subj_{n % 97:03d}",
                    details={"worker": worker, "n": n},
                )
            )
    finally:
        store.close()
    print("done")


if __name__ == "__main__":
    main(sys.argv)
