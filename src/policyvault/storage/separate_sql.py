"""The separate store on SQL: what only a statute still requires, kept apart from the live
data (PIPA Art 21(3); E-Commerce Decree Art 6(2)3).

On SQLite it is a database file of its own (``separate-store.db`` in the vault home, 0600),
so it can be backed up, permissioned and destroyed apart from the live one. On PostgreSQL it is
a schema of its own (``policyvault_separate`` by default) in the vault's database, which a
deployment can grant to a different role.

Tables (created here when missing; the store has no migrations of its own yet):

    separate_items    sealed items moved out of ``vault_items``, one per (subject_id, item_key)
    separate_records  statutory records kept for a statute alone, by id
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from policyvault.domain.errors import InvalidInput
from policyvault.domain.retention import StoredRecord
from policyvault.domain.vault import SealedItem
from policyvault.storage.audit_sql import postgres_engine, sqlite_engine
from policyvault.storage.vault_sql import _from_us, _key, _slices, _to_us

DEFAULT_SCHEMA = "policyvault_separate"
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class _Tables:
    def __init__(self, schema: str | None) -> None:
        self.metadata = MetaData(schema=schema)
        self.items = Table(
            "separate_items",
            self.metadata,
            Column("subject_id", _key(), nullable=False),
            Column("item_key", _key(), nullable=False),
            Column("sealed", LargeBinary, nullable=False),
            Column("hashed", Boolean, nullable=False),
            Column("media_type", Text, nullable=True),
            Column("point", Text, nullable=False),
            Column("collected_at_us", BigInteger, nullable=False),
            Column("updated_at_us", BigInteger, nullable=False),
            PrimaryKeyConstraint("subject_id", "item_key", name="pk_separate_items"),
        )
        self.records = Table(
            "separate_records",
            self.metadata,
            Column("id", _key(), primary_key=True),
            Column("subject_id", _key(), nullable=False),
            Column("record_type", String(128), nullable=False),
            Column("occurred_at_us", BigInteger, nullable=False),
            Column("sealed", LargeBinary, nullable=False),
            Column("recorded_at_us", BigInteger, nullable=False),
            Index("ix_separate_records_subject_id", "subject_id"),
        )


class SqlSeparateStore:
    def __init__(self, engine: Engine, *, schema: str | None = None, owns_engine: bool) -> None:
        if schema is not None and not _SCHEMA_NAME.match(schema):
            raise InvalidInput("the separate store's schema is a lower-case SQL identifier")
        self.engine = engine
        self.schema = schema
        self._owns_engine = owns_engine
        self._t = _Tables(schema)
        self._insert: Any = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )
        with engine.begin() as conn:
            if schema is not None:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            self._t.metadata.create_all(conn, checkfirst=True)

    @classmethod
    def sqlite(cls, path: Path) -> SqlSeparateStore:
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        return cls(sqlite_engine(path), owns_engine=True)

    @classmethod
    def postgres(
        cls, engine: Engine, schema: str = DEFAULT_SCHEMA, *, pool_of_its_own: bool = False
    ) -> SqlSeparateStore:
        """``pool_of_its_own``: connect through an engine (a connection pool) of its own, on
        the same database. A vault transaction opens the separate store while it holds its
        own connection; from one shared pool, enough concurrent requests each holding one
        connection and waiting for a second would exhaust it and wait for ever. With a pool
        of its own, used only inside vault transactions, that cannot happen."""
        if pool_of_its_own:
            url = engine.url.render_as_string(hide_password=False)
            return cls(postgres_engine(url), schema=schema, owns_engine=True)
        return cls(engine, schema=schema, owns_engine=False)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[SqlSeparateSession]:
        with self.engine.begin() as conn:
            yield SqlSeparateSession(conn, self._t, self._insert)

    @contextmanager
    def reading(self) -> Iterator[SqlSeparateSession]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_begin="DEFERRED")
            with conn.begin():
                yield SqlSeparateSession(conn, self._t, self._insert)


class SqlSeparateSession:
    def __init__(self, conn: Connection, tables: _Tables, insert: Any) -> None:
        self._conn = conn
        self._t = tables
        self._insert = insert

    def put_item(self, item: SealedItem) -> None:
        values = {
            "subject_id": item.subject_id,
            "item_key": item.item_key,
            "sealed": item.sealed,
            "hashed": item.hashed,
            "media_type": item.media_type,
            "point": item.point,
            "collected_at_us": _to_us(item.collected_at),
            "updated_at_us": _to_us(item.updated_at),
        }
        stmt = self._insert(self._t.items).values(**values)
        changed = {k: stmt.excluded[k] for k in values if k not in ("subject_id", "item_key")}
        self._conn.execute(
            stmt.on_conflict_do_update(index_elements=["subject_id", "item_key"], set_=changed)
        )

    def items(self, subject_id: str, keys: Sequence[str] | None = None) -> list[SealedItem]:
        c = self._t.items.c
        stmt = select(self._t.items).where(c.subject_id == subject_id)
        if keys is not None:
            stmt = stmt.where(c.item_key.in_(list(keys)))
        return [_item(row) for row in self._conn.execute(stmt.order_by(c.item_key))]

    def items_of(self, subject_ids: Sequence[str]) -> dict[str, list[SealedItem]]:
        c = self._t.items.c
        found: dict[str, list[SealedItem]] = {s: [] for s in subject_ids}
        for part in _slices(subject_ids):
            stmt = select(self._t.items).where(c.subject_id.in_(part))
            for row in self._conn.execute(stmt.order_by(c.subject_id, c.item_key)):
                found[row.subject_id].append(_item(row))
        return found

    def delete_items(self, subject_id: str, keys: Sequence[str]) -> int:
        c = self._t.items.c
        stmt = delete(self._t.items).where(c.subject_id == subject_id, c.item_key.in_(list(keys)))
        return int(self._conn.execute(stmt).rowcount)

    def put_record(self, record: StoredRecord) -> None:
        stmt = self._insert(self._t.records).values(
            id=record.id,
            subject_id=record.subject_id,
            record_type=record.record_type,
            occurred_at_us=_to_us(record.occurred_at),
            sealed=record.sealed,
            recorded_at_us=_to_us(record.recorded_at),
        )
        self._conn.execute(stmt.on_conflict_do_nothing())

    def records(self, subject_id: str) -> list[StoredRecord]:
        c = self._t.records.c
        stmt = select(self._t.records).where(c.subject_id == subject_id)
        return [_record(row) for row in self._conn.execute(stmt.order_by(c.occurred_at_us, c.id))]

    def records_of(self, subject_ids: Sequence[str]) -> dict[str, list[StoredRecord]]:
        c = self._t.records.c
        found: dict[str, list[StoredRecord]] = {s: [] for s in subject_ids}
        for part in _slices(subject_ids):
            stmt = select(self._t.records).where(c.subject_id.in_(part))
            order = stmt.order_by(c.subject_id, c.occurred_at_us, c.id)
            for row in self._conn.execute(order):
                found[row.subject_id].append(_record(row))
        return found

    def delete_records(self, subject_id: str, ids: Sequence[str]) -> int:
        c = self._t.records.c
        stmt = delete(self._t.records).where(c.subject_id == subject_id, c.id.in_(list(ids)))
        return int(self._conn.execute(stmt).rowcount)


def _item(row: Any) -> SealedItem:
    return SealedItem(
        subject_id=row.subject_id,
        item_key=row.item_key,
        sealed=bytes(row.sealed),
        point=row.point,
        collected_at=_from_us(row.collected_at_us),
        updated_at=_from_us(row.updated_at_us),
        hashed=bool(row.hashed),
        archived=True,
        media_type=row.media_type,
    )


def _record(row: Any) -> StoredRecord:
    return StoredRecord(
        id=row.id,
        subject_id=row.subject_id,
        record_type=row.record_type,
        occurred_at=_from_us(row.occurred_at_us),
        sealed=bytes(row.sealed),
        recorded_at=_from_us(row.recorded_at_us),
    )
