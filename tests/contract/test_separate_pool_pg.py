"""Concurrent reads on PostgreSQL must not exhaust the connection pool: a read holds its vault
connection and opens the separate store inside it. From one shared pool, as many concurrent
reads as the pool has connections would each hold one and wait for a second, for ever (until
the pool's timeout turns them into errors). The separate store therefore has a pool of its
own in a running vault (``bootstrap``), used only inside vault transactions.

Skipped, saying why, when the PostgreSQL server is unreachable."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine
from tests.contract.test_sweeper_concurrent_pg import (
    Shared,
)

from policyvault.bootstrap import _separate_store
from policyvault.crypto.hazmat import generate_key
from policyvault.crypto.keys import LocalKeyProvider
from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Actor
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.policy.data import ConsentCategory
from policyvault.services.audit import AuditLog
from policyvault.services.policy_files import load_policy
from policyvault.services.vault import ConsentChoice, Evidence, Vault, VaultContext
from policyvault.storage.audit_sql import PostgresAuditStore, postgres_engine
from policyvault.storage.separate_sql import SqlSeparateStore
from policyvault.storage.shredding_keys_memory import InMemoryShreddingKeyStore
from policyvault.storage.vault_sql import PostgresVaultStore

if TYPE_CHECKING:  # the fixture's type; conftest is not importable as a package module
    from conftest import Database

pytestmark = pytest.mark.postgres

MEGAZONE = Path(__file__).resolve().parents[2] / "examples" / "policies" / "megazone-cloudplex.yaml"
APP = Actor(id="webshop-1", role="service")
ADMIN = Actor(id="admin-1", role="admin")
CLERK = Actor(id="clerk-1", role="handler")
POOL = 3  # the vault's pool: as many readers as connections, and then some
READERS = 8


def small_pool(db: Database) -> Engine:
    options = f"-csearch_path={db.schema}"
    return postgres_engine(
        db.url,
        connect_args={"options": options},
        pool_size=POOL,
        max_overflow=0,
        pool_timeout=10,
    )


def test_concurrent_reads_do_not_wait_on_each_other_for_connections(database: Database) -> None:
    shared = Shared(
        policy=load_policy(MEGAZONE),
        clock=SimulatedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        master=LocalKeyProvider(generate_key()),
        blind_index_key=generate_key(),
        shredding_keys=InMemoryShreddingKeyStore(),
        signer=CheckpointSigner.generate(),
    )
    engine = small_pool(database)
    separate = SqlSeparateStore.postgres(engine, database.separate_schema, pool_of_its_own=True)
    try:
        vault = Vault(
            VaultContext(
                store=PostgresVaultStore(engine),
                audit=AuditLog(PostgresAuditStore(engine), shared.clock, signer=shared.signer),
                keys=shared.master,
                blind_index_key=shared.blind_index_key,
                shredding_keys=shared.shredding_keys,
                separate=separate,
                policy=shared.policy,
                clock=shared.clock,
            )
        )
        choice = ConsentChoice(ConsentCategory.collection_use, ("membership.management",))
        values = {"email": "member@example.com", "name": "Example Member"}
        subject = vault.collect("console_start", values, [choice], Evidence("web"), APP)
        vault.grant(CLERK.id, "membership.management", ADMIN)
        start = threading.Barrier(READERS)
        results: list[bool] = []
        errors: list[BaseException] = []

        def read() -> None:
            try:
                start.wait()
                for _ in range(5):
                    found = vault.read(
                        subject.subject_id, ["email"], "membership.management", CLERK
                    )
                    results.append(found.allowed)
            except BaseException as error:  # reported by the test, not lost in the thread
                errors.append(error)

        threads = [threading.Thread(target=read) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors, errors
        assert results == [True] * READERS * 5
    finally:
        separate.close()
        engine.dispose()


def test_a_running_vault_gives_the_separate_store_a_pool_of_its_own(
    database: Database, tmp_path: Path
) -> None:
    engine = database.engine()
    separate = _separate_store(tmp_path, engine)
    try:
        assert separate.engine is not engine
        assert separate.engine.url == engine.url
    finally:
        separate.close()
        engine.dispose()
