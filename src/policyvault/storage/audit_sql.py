"""The audit store on SQL databases: SQLite (WAL) and PostgreSQL, with SQLAlchemy 2 Core.

Tables (created with ``metadata.create_all`` for now; Alembic migrations arrive with the vault):

    audit_entries      seq (PK), prev_hash (UNIQUE: a fork would reuse one), entry_hash, body
                       (the hashed bytes) and index columns copied from the body for filtering
    audit_checkpoints  signed tree heads and their compact ranges, keyed by tree size
    audit_state        one row: the chain head (seq, hash) and the prune anchor

Appending serialises on the state row: ``UPDATE audit_state SET head_seq = head_seq + 1 ...
RETURNING`` takes the row lock on PostgreSQL and the write lock on SQLite, so every appender,
in any process, sees the previous head and no two can take the same seq. On SQLite every write
transaction begins with ``BEGIN IMMEDIATE`` (see :func:`sqlite_engine`), so a transaction that
will append holds the write lock from its first statement and never meets a stale snapshot.

Given a caller's ``Connection`` (inside ``begin()``), the append runs in that transaction: the
entry commits or rolls back with the audited operation, and a rolled-back entry leaves no gap
because the head row rolls back with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row, make_url
from sqlalchemy.exc import ArgumentError

from policyvault.domain.audit import (
    ACCESS_RIGHT_ACTIONS,
    AuditEvent,
    AuditIndex,
    AuditQuery,
    AuditRecord,
    ChainHead,
    PruneCutoffs,
    SignedCheckpoint,
    StoredCheckpoint,
    TreeHead,
    seal,
)
from policyvault.domain.audit.chain import GENESIS_HASH
from policyvault.domain.errors import InvalidInput, NotFound, Refused
from policyvault.domain.merkle import HASH_SIZE

__all__ = [
    "PostgresAuditStore",
    "SqlAuditStore",
    "SqliteAuditStore",
    "metadata",
    "open_audit_store",
    "postgres_engine",
    "sqlite_engine",
]

metadata = MetaData()

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("prev_hash", LargeBinary(HASH_SIZE), nullable=False, unique=True),
    Column("entry_hash", LargeBinary(HASH_SIZE), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("recorded_at_us", BigInteger, nullable=False, index=True),
    Column("actor_id", String(128), nullable=False, index=True),
    Column("action", String(128), nullable=False, index=True),
    Column("subject_id", String(128), nullable=True, index=True),
    Column("allowed", Boolean, nullable=False),
    Column("request_id", String(128), nullable=True),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("tree_size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", LargeBinary(HASH_SIZE), nullable=False),
    Column("chain_head", LargeBinary(HASH_SIZE), nullable=False),
    Column("issued_at_us", BigInteger, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("frontier", LargeBinary, nullable=False),
)

audit_state = Table(
    "audit_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("head_seq", BigInteger, nullable=False),
    Column("head_hash", LargeBinary(HASH_SIZE), nullable=False),
    Column("anchor_size", BigInteger, nullable=False),
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_BATCH = 2000


def _to_us(when: datetime) -> int:
    return (when - _EPOCH) // _MICROSECOND


def _from_us(us: int) -> datetime:
    try:
        return _EPOCH + us * _MICROSECOND
    except OverflowError:  # only a tampered row holds such a number; it fails verification
        return _EPOCH


class SqlAuditStore:
    """The shared implementation; use :class:`SqliteAuditStore` or :class:`PostgresAuditStore`."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False) -> None:
        self.engine = engine
        self._owns_engine = owns_engine

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def create_schema(self) -> None:
        """Create the tables and the state row if missing (safe to race from many processes)."""
        with self.engine.begin() as conn:
            self._lock_for_ddl(conn)
            metadata.create_all(conn)
            if conn.execute(select(audit_state.c.id)).first() is None:
                conn.execute(
                    insert(audit_state).values(
                        id=1, head_seq=0, head_hash=GENESIS_HASH, anchor_size=0
                    )
                )

    def has_schema(self) -> bool:
        with self._read_transaction() as conn:
            if not inspect(conn).has_table(audit_state.name):
                return False
            return conn.execute(select(audit_state.c.id)).first() is not None

    # dialect hooks
    def _lock_for_ddl(self, conn: Connection) -> None:
        pass

    def _read_transaction(self) -> AbstractContextManager[Connection]:
        raise NotImplementedError

    def _insert_checkpoint(self, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    # --- writes ----------------------------------------------------------------------------------

    def _transaction(self, connection: object | None) -> AbstractContextManager[Connection]:
        if connection is None:
            return self.engine.begin()
        if not isinstance(connection, Connection) or not connection.in_transaction():
            raise InvalidInput("connection must be a SQLAlchemy Connection inside a transaction")
        return nullcontext(connection)

    def append(
        self, event: AuditEvent, *, recorded_at: datetime, connection: object | None = None
    ) -> AuditRecord:
        with self._transaction(connection) as conn:
            return self._append(conn, event, recorded_at)

    def _append(self, conn: Connection, event: AuditEvent, recorded_at: datetime) -> AuditRecord:
        claimed = conn.execute(
            update(audit_state)
            .where(audit_state.c.id == 1)
            .values(head_seq=audit_state.c.head_seq + 1)
            .returning(audit_state.c.head_seq, audit_state.c.head_hash)
        ).one_or_none()
        if claimed is None:
            raise NotFound("this database holds no audit log (create its schema first)")
        record = seal(
            event, seq=claimed.head_seq, recorded_at=recorded_at, prev_hash=claimed.head_hash
        )
        index = record.index
        conn.execute(
            insert(audit_entries).values(
                seq=record.seq,
                prev_hash=record.prev_hash,
                entry_hash=record.entry_hash,
                body=record.body,
                recorded_at_us=_to_us(index.recorded_at),
                actor_id=index.actor_id,
                action=index.action,
                subject_id=index.subject_id,
                allowed=index.allowed,
                request_id=index.request_id,
            )
        )
        conn.execute(
            update(audit_state).where(audit_state.c.id == 1).values(head_hash=record.entry_hash)
        )
        return record

    def add_checkpoint(
        self, checkpoint: StoredCheckpoint, *, connection: object | None = None
    ) -> bool:
        head = checkpoint.checkpoint.head
        values = {
            "tree_size": head.tree_size,
            "root_hash": head.root_hash,
            "chain_head": head.chain_head,
            "issued_at_us": _to_us(head.issued_at),
            "key_id": checkpoint.checkpoint.key_id,
            "signature": checkpoint.checkpoint.signature,
            "frontier": b"".join(checkpoint.frontier),
        }
        with self._transaction(connection) as conn:
            inserted = conn.execute(
                self._insert_checkpoint(values).returning(audit_checkpoints.c.tree_size)
            ).first()
            return inserted is not None

    def prune(self, *, through_seq: int, event: AuditEvent, recorded_at: datetime) -> AuditRecord:
        with self.engine.begin() as conn:
            state = conn.execute(  # a no-op write: takes the same lock as appenders
                update(audit_state)
                .where(audit_state.c.id == 1)
                .values(head_seq=audit_state.c.head_seq)
                .returning(audit_state.c.head_seq, audit_state.c.anchor_size)
            ).one()
            kept = conn.execute(
                select(audit_checkpoints.c.tree_size).where(
                    audit_checkpoints.c.tree_size == through_seq
                )
            ).first()
            if kept is None:
                raise Refused(f"pruning needs a kept checkpoint of tree size {through_seq}")
            if not state.anchor_size < through_seq <= state.head_seq:
                raise Refused(f"cannot prune through seq {through_seq}")
            conn.execute(delete(audit_entries).where(audit_entries.c.seq <= through_seq))
            conn.execute(
                delete(audit_checkpoints).where(audit_checkpoints.c.tree_size < through_seq)
            )
            conn.execute(
                update(audit_state).where(audit_state.c.id == 1).values(anchor_size=through_seq)
            )
            return self._append(conn, event, recorded_at)

    # --- reads -----------------------------------------------------------------------------------

    @contextmanager
    def reading(self, *, connection: object | None = None) -> Iterator[SqlAuditReader]:
        if connection is not None:
            with self._transaction(connection) as conn:
                yield SqlAuditReader(conn)
            return
        with self._read_transaction() as conn:
            yield SqlAuditReader(conn)


class SqlAuditReader:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _state(self) -> tuple[int, bytes, int]:
        row = self._conn.execute(
            select(audit_state.c.head_seq, audit_state.c.head_hash, audit_state.c.anchor_size)
        ).one_or_none()
        if row is None:
            raise NotFound("this database holds no audit log")
        return int(row.head_seq), bytes(row.head_hash), int(row.anchor_size)

    def head(self) -> ChainHead | None:
        seq, entry_hash, _ = self._state()
        return ChainHead(seq, entry_hash) if seq else None

    def anchor(self) -> StoredCheckpoint | None:
        size = self._state()[2]
        if not size:
            return None
        rows = self._checkpoint_rows(audit_checkpoints.c.tree_size == size)
        return rows[0] if rows else None

    def checkpoints(self) -> list[StoredCheckpoint]:
        return self._checkpoint_rows(None)

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        rows = self._checkpoint_rows(None, latest=True)
        return rows[0] if rows else None

    def _checkpoint_rows(self, where: Any, *, latest: bool = False) -> list[StoredCheckpoint]:
        c = audit_checkpoints.c
        stmt = select(audit_checkpoints)
        if where is not None:
            stmt = stmt.where(where)
        stmt = stmt.order_by(c.tree_size.desc()).limit(1) if latest else stmt.order_by(c.tree_size)
        return [_checkpoint(row) for row in self._conn.execute(stmt)]

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(audit_entries)).scalar_one())

    def records(self, first_seq: int = 1, last_seq: int | None = None) -> Iterator[AuditRecord]:
        seq = audit_entries.c.seq
        after = first_seq - 1
        while True:
            stmt = select(audit_entries).where(seq > after)
            if last_seq is not None:
                stmt = stmt.where(seq <= last_seq)
            rows = self._conn.execute(stmt.order_by(seq).limit(_BATCH)).all()
            for row in rows:
                yield _record(row)
            if len(rows) < _BATCH:
                return
            after = rows[-1].seq

    def record(self, seq: int) -> AuditRecord | None:
        row = self._conn.execute(
            select(audit_entries).where(audit_entries.c.seq == seq)
        ).one_or_none()
        return _record(row) if row is not None else None

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        c = audit_entries.c
        stmt = select(audit_entries).where(c.seq > query.after_seq)
        if query.subject_id is not None:
            stmt = stmt.where(c.subject_id == query.subject_id)
        if query.actor_id is not None:
            stmt = stmt.where(c.actor_id == query.actor_id)
        if query.action is not None:
            stmt = stmt.where(c.action == query.action)
        if query.allowed is not None:
            stmt = stmt.where(c.allowed == query.allowed)
        if query.since is not None:
            stmt = stmt.where(c.recorded_at_us >= _to_us(query.since))
        if query.until is not None:
            stmt = stmt.where(c.recorded_at_us < _to_us(query.until))
        rows = self._conn.execute(stmt.order_by(c.seq).limit(query.limit))
        return [_record(row) for row in rows]

    def first_seq_kept(self, cutoffs: PruneCutoffs) -> int | None:
        c = audit_entries.c
        rights = [str(a) for a in ACCESS_RIGHT_ACTIONS]
        kept = or_(
            and_(c.action.in_(rights), c.recorded_at_us >= _to_us(cutoffs.access_rights_before)),
            and_(c.action.not_in(rights), c.recorded_at_us >= _to_us(cutoffs.entries_before)),
        )
        found = self._conn.execute(select(func.min(c.seq)).where(kept)).scalar_one_or_none()
        return int(found) if found is not None else None


def _record(row: Row[Any]) -> AuditRecord:
    # Tolerant on purpose: a tampered row (SQLite keeps any type in any column) must come out
    # as a record that fails verification at its seq, not as a crash.
    return AuditRecord(
        seq=_int(row.seq),
        prev_hash=_blob(row.prev_hash),
        entry_hash=_blob(row.entry_hash),
        body=_blob(row.body),
        index=AuditIndex(
            recorded_at=_from_us(_int(row.recorded_at_us)),
            actor_id=str(row.actor_id),
            action=str(row.action),
            subject_id=None if row.subject_id is None else str(row.subject_id),
            allowed=bool(row.allowed),
            request_id=None if row.request_id is None else str(row.request_id),
        ),
    )


def _blob(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8", "surrogateescape")


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return -1


def _checkpoint(row: Row[Any]) -> StoredCheckpoint:
    try:
        frontier = _blob(row.frontier)
        head = TreeHead(
            tree_size=int(row.tree_size),
            root_hash=_blob(row.root_hash),
            chain_head=_blob(row.chain_head),
            issued_at=_from_us(int(row.issued_at_us)),
        )
        signature = _blob(row.signature)
    except (TypeError, ValueError, OverflowError, InvalidInput):
        raise Refused(f"the checkpoint row of tree size {row.tree_size!r} is malformed") from None
    return StoredCheckpoint(
        checkpoint=SignedCheckpoint(head=head, key_id=str(row.key_id), signature=signature),
        frontier=tuple(frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)),
    )


# --- SQLite --------------------------------------------------------------------------------------


class SqliteAuditStore(SqlAuditStore):
    """On an engine from :func:`sqlite_engine` (WAL, busy timeout, ``BEGIN IMMEDIATE``)."""

    def _read_transaction(self) -> AbstractContextManager[Connection]:
        return _begin(self.engine, sqlite_begin="DEFERRED")

    def _insert_checkpoint(self, values: dict[str, Any]) -> Any:
        return sqlite.insert(audit_checkpoints).values(**values).on_conflict_do_nothing()


def sqlite_engine(
    path: str | Path, *, busy_timeout_ms: int = 60_000, synchronous: str = "FULL"
) -> Engine:
    """A SQLite engine for the audit log: WAL journal, a busy timeout, and every transaction
    begun with ``BEGIN IMMEDIATE`` unless the connection's execution option ``sqlite_begin``
    says otherwise (``DEFERRED`` for reads)."""
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise InvalidInput("synchronous is OFF, NORMAL, FULL or EXTRA")
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_transaction(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode not in {"DEFERRED", "IMMEDIATE", "EXCLUSIVE"}:
            raise InvalidInput("sqlite_begin is DEFERRED, IMMEDIATE or EXCLUSIVE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


# --- PostgreSQL ----------------------------------------------------------------------------------


class PostgresAuditStore(SqlAuditStore):
    """On a psycopg 3 engine. Callers' transactions run at READ COMMITTED (the default): the
    state-row update waits for the previous appender and then sees its head."""

    def _lock_for_ddl(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('policyvault.audit.schema'))"))

    def _read_transaction(self) -> AbstractContextManager[Connection]:
        return _begin(self.engine, isolation_level="REPEATABLE READ", postgresql_readonly=True)

    def _insert_checkpoint(self, values: dict[str, Any]) -> Any:
        return postgresql.insert(audit_checkpoints).values(**values).on_conflict_do_nothing()


def postgres_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, **kwargs)


@contextmanager
def _begin(engine: Engine, **options: Any) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn = conn.execution_options(**options)
        with conn.begin():
            yield conn


# --- from a URL ----------------------------------------------------------------------------------


def open_audit_store(url: str, *, create: bool = True) -> SqlAuditStore:
    """The store for a database URL (``sqlite:///path`` or ``postgresql://...``). With
    ``create=False`` a missing database or schema is NotFound, and nothing is created."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput("not a database URL (sqlite:///path or postgresql://...)") from None
    store: SqlAuditStore
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise InvalidInput("the audit log needs a SQLite file: sqlite:///path/to/file.db")
        path = Path(parsed.database)
        if not create and not path.exists():
            raise NotFound(f"no database at {path}")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        store = SqliteAuditStore(sqlite_engine(path), owns_engine=True)
    elif parsed.get_backend_name() == "postgresql":
        store = PostgresAuditStore(postgres_engine(url), owns_engine=True)
    else:
        raise InvalidInput("the audit log runs on sqlite:/// or postgresql:// URLs")
    try:
        if create:
            store.create_schema()
        elif not store.has_schema():
            raise NotFound("this database holds no audit log")
    except BaseException:
        store.close()
        raise
    return store
