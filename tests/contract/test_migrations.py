"""The packaged Alembic migrations build exactly the tables the stores declare, on SQLite and on
PostgreSQL, and upgrading a database already at head changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Dialect, Engine, MetaData, func, inspect, select, text

from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Actor, AuditEvent, Decision
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.errors import InvalidInput
from policyvault.domain.vault import Subject
from policyvault.services.audit import AuditLog
from policyvault.storage import audit_sql, requests_sql, vault_sql
from policyvault.storage.audit_sql import SqliteAuditStore, sqlite_engine
from policyvault.storage.migrate import (
    MIGRATIONS,
    current_revision,
    head_revision,
    upgrade_database,
)

POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)
DECLARED = (audit_sql.metadata, vault_sql.metadata, requests_sql.metadata)


@pytest.fixture(params=["sqlite", POSTGRES])
def fresh_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        engine = request.getfixturevalue("sqlite_file").engine()
    else:
        engine = request.getfixturevalue("postgres_schema").engine()
    try:
        yield engine
    finally:
        engine.dispose()


def declared_metadata() -> MetaData:
    combined = MetaData()
    for metadata in DECLARED:
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


def collations_declared(dialect: Dialect) -> Iterator[tuple[str, str, str]]:
    for metadata in DECLARED:
        for table in metadata.tables.values():
            for column in table.columns:
                collation = getattr(column.type.dialect_impl(dialect), "collation", None)
                if collation:
                    yield table.name, column.name, collation


def collations_found(conn: Connection) -> Iterator[tuple[str, str, str]]:
    rows = conn.execute(
        text(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND collation_name IS NOT NULL"
        )
    )
    for table, column, collation in rows:
        yield str(table), str(column), str(collation)


def snapshot(engine: Engine) -> dict[str, Any]:
    """Everything the schema inspector sees, per table."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        return {
            table: {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
                ),
            }
            for table in inspector.get_table_names()
        }


def test_upgrade_builds_every_declared_table(fresh_engine: Engine) -> None:
    assert current_revision(fresh_engine) is None
    upgrade_database(fresh_engine)
    declared = {name for metadata in DECLARED for name in metadata.tables}
    with fresh_engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == declared | {"alembic_version"}
        for metadata in DECLARED:
            for table in metadata.tables.values():
                columns = {c["name"] for c in inspect(conn).get_columns(table.name)}
                assert columns == set(table.columns.keys()), table.name
        # and nothing else differs either: types, nullability, keys, indexes
        diffs = compare_metadata(MigrationContext.configure(conn), declared_metadata())
        collations = set(collations_found(conn)) if conn.dialect.name == "postgresql" else set()
    assert diffs == []
    if fresh_engine.dialect.name == "postgresql":  # the one thing Alembic does not compare
        assert ("vault_subjects", "id", "C") in collations
        assert collations == set(collations_declared(fresh_engine.dialect))
    assert current_revision(fresh_engine) == head_revision() == "0004"


def test_upgrading_twice_is_a_no_op(fresh_engine: Engine) -> None:
    upgrade_database(fresh_engine)
    with vault_sql.sql_vault_store(fresh_engine).session() as s:
        s.add_subject(Subject("subj-1", datetime(2026, 3, 2, tzinfo=UTC), ("KR",), "m-1"), b"k")
    before = snapshot(fresh_engine)

    upgrade_database(fresh_engine)

    assert snapshot(fresh_engine) == before
    assert current_revision(fresh_engine) == "0004"
    with fresh_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_sql.audit_state)).scalar() == 1
    with vault_sql.sql_vault_store(fresh_engine).session() as s:
        assert s.subject_ids() == ["subj-1"]


def test_upgrading_a_0001_database_keeps_its_records(fresh_engine: Engine) -> None:
    upgrade_database(fresh_engine, "0001")
    with fresh_engine.connect() as conn:
        assert "vault_policy_versions" not in inspect(conn).get_table_names()
    with vault_sql.sql_vault_store(fresh_engine).session() as s:
        s.add_subject(Subject("subj-1", datetime(2026, 3, 2, tzinfo=UTC), ("KR",), "m-1"), b"k")

    upgrade_database(fresh_engine)

    assert current_revision(fresh_engine) == "0004"
    with vault_sql.sql_vault_store(fresh_engine).session() as s:
        assert s.subject_ids() == ["subj-1"]
        assert s.policy_versions() == []


def test_a_migrated_database_is_a_ready_audit_log(fresh_engine: Engine) -> None:
    upgrade_database(fresh_engine)
    store = (
        SqliteAuditStore(fresh_engine)
        if fresh_engine.dialect.name == "sqlite"
        else audit_sql.PostgresAuditStore(fresh_engine)
    )
    assert store.has_schema()
    store.create_schema()  # what the audit store does on its own: nothing left to do
    signer = CheckpointSigner.generate()
    log = AuditLog(store, SimulatedClock(datetime(2026, 3, 2, tzinfo=UTC)), signer=signer)
    record = log.record(
        AuditEvent(
            actor=Actor(id="admin-1", role="admin"),
            action="migrate",
            decision=Decision.allow("admin", "schema upgraded"),
        )
    )
    assert record.seq == 1 and record.prev_hash == bytes(32)
    log.checkpoint()
    assert log.verify(signer.verifier).ok


def test_upgrade_by_url_disposes_its_own_engine(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "vault.db"
    upgrade_database(f"sqlite:///{path}")
    upgrade_database(f"sqlite:///{path}")
    engine = sqlite_engine(path)
    try:
        assert current_revision(engine) == "0004"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url", ["not a url", "sqlite://", "sqlite:///:memory:", "mysql://example.invalid/db"]
)
def test_upgrade_refuses_urls_it_cannot_migrate(url: str) -> None:
    with pytest.raises(InvalidInput):
        upgrade_database(url)


def test_the_scripts_ship_inside_the_package() -> None:
    assert MIGRATIONS.parent == Path(vault_sql.__file__).parent
    assert (MIGRATIONS / "env.py").is_file()
    assert (MIGRATIONS / "script.py.mako").is_file()
    assert (MIGRATIONS / "versions" / "0001_initial.py").is_file()
    assert (MIGRATIONS / "versions" / "0002_policy_versions.py").is_file()
