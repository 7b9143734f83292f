"""The vault on SQL databases: SQLite (WAL) and PostgreSQL, with SQLAlchemy 2 Core.

The vault shares its engine, and so its database, with the SQL audit store: a session is one
transaction (``engine.begin()``), and its ``audit_connection`` is that transaction's
``Connection``, so audit entries appended with it commit or roll back with the vault's writes.

Tables (created by the Alembic migrations in ``policyvault.storage.migrations``):

    vault_subjects        one row per subject; ``wrapped_key`` is NULL once the key is destroyed
    vault_items           sealed values, one per (subject_id, item_key)
    vault_lookups         the blind index: (kind, digest, subject_id), its primary key
    vault_consents        the consent ledger: append-only (this module has no update for it)
    vault_subject_events  account_closed, consent_given, ...: what retention depends on
    vault_limits          restrictions and objections, by id
    vault_freezes         items frozen while a request is pending
    vault_grants          actors' grants, by id
    vault_disclosures     who received which items (``item_keys`` as JSON text)
    vault_policy_versions the policy's versions and their YAML text, by number: inserted once,
                          then only ``activated_at_us`` is ever set (once)
    vault_records         statutory records in ordinary use, sealed like items
    vault_retention_tasks stored deadlines and their progress (scheduled, queued, done ...),
                          found by the (status, held, end_at_us) index
    vault_holds           legal holds on a subject or a record type
    vault_certificates    destruction certificates, one per batch (JSON body)
    vault_anonymised      how many values of each item were anonymised: statistics, no subject
    vault_settings        the vault's own key/value settings

Times are stored as integer microseconds since the Unix epoch, like the audit store, and come
back as timezone-aware UTC datetimes equal to what was written. Lists come back in the order
the in-memory store gives: by key where it sorts, else in insertion order (the ``seq``
column). Every query by subject (or by actor, for grants) runs on an index that starts with
that column. On PostgreSQL identifier columns use the ``C`` collation, so ordering and paging
by id agree with Python's string order whatever the database's default collation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.types import TypeEngine

from policyvault.domain.access import Grant
from policyvault.domain.consent import ConsentAction, ConsentEvent, ConsentGiver
from policyvault.domain.errors import InvalidInput, NotFound
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.policy_versions import PolicyVersion
from policyvault.domain.retention import (
    Action,
    Certificate,
    Deadline,
    Hold,
    RetentionTask,
    StoredRecord,
    TargetKind,
    TaskStatus,
)
from policyvault.domain.vault import (
    Disclosure,
    ItemFreeze,
    LimitKind,
    ProcessingLimit,
    SealedItem,
    Subject,
    SubjectEvent,
)

if TYPE_CHECKING:
    from policyvault.storage.requests_sql import SqlRequestLedger

__all__ = [
    "PostgresVaultStore",
    "SqlVaultSession",
    "SqlVaultStore",
    "SqliteVaultStore",
    "metadata",
    "sql_vault_store",
]


def _key() -> TypeEngine[str]:
    """An identifier column: compared and ordered byte-wise on every database."""
    return String(255).with_variant(String(255, collation="C"), "postgresql")


def _seq() -> Column[int]:
    """Insertion order. SQLite auto-increments only an ``INTEGER PRIMARY KEY``."""
    return Column(
        "seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )


metadata = MetaData()

subjects = Table(
    "vault_subjects",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("created_at_us", BigInteger, nullable=False),
    Column("jurisdictions", Text, nullable=False),  # JSON array
    Column("key_id", String(128), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=True),  # NULL: crypto-shredded
    Column("needs_guardian", Boolean, nullable=False),
    Column("guardian_consent_at_us", BigInteger, nullable=True),
    Column("shredded_at_us", BigInteger, nullable=True),
)

items = Table(
    "vault_items",
    metadata,
    Column("subject_id", _key(), nullable=False),
    Column("item_key", _key(), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("hashed", Boolean, nullable=False),
    Column("archived", Boolean, nullable=False),
    Column("media_type", Text, nullable=True),
    Column("point", Text, nullable=False),
    Column("collected_at_us", BigInteger, nullable=False),
    Column("updated_at_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("subject_id", "item_key", name="pk_vault_items"),
)

lookups = Table(
    "vault_lookups",
    metadata,
    Column("kind", _key(), nullable=False),
    Column("digest", _key(), nullable=False),
    Column("subject_id", _key(), nullable=False),
    # the primary key is the (kind, digest) index find_subjects runs on
    PrimaryKeyConstraint("kind", "digest", "subject_id", name="pk_vault_lookups"),
    Index("ix_vault_lookups_subject_id_kind", "subject_id", "kind"),
)

consents = Table(
    "vault_consents",
    metadata,
    _seq(),
    Column("subject_id", _key(), nullable=False),
    Column("category", String(64), nullable=False),
    Column("purposes", Text, nullable=False),  # JSON array
    Column("action", String(32), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("policy_version", Text, nullable=False),
    Column("notice_hash", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("given_by", String(32), nullable=False),
    Column("evidence", Text, nullable=False),  # JSON array of [kind, reference] pairs
    Column("sealed_evidence", LargeBinary, nullable=True),
    Index("ix_vault_consents_subject_id_seq", "subject_id", "seq"),
)

subject_events = Table(
    "vault_subject_events",
    metadata,
    _seq(),
    Column("subject_id", _key(), nullable=False),
    Column("name", Text, nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("actor_id", Text, nullable=False),
    Index("ix_vault_subject_events_subject_id_seq", "subject_id", "seq"),
)

limits = Table(
    "vault_limits",
    metadata,
    _seq(),
    Column("id", _key(), nullable=False),
    Column("subject_id", _key(), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at_us", BigInteger, nullable=False),
    Column("purpose", Text, nullable=True),
    Column("lifted_at_us", BigInteger, nullable=True),
    UniqueConstraint("id", name="uq_vault_limits_id"),
    Index("ix_vault_limits_subject_id_seq", "subject_id", "seq"),
)

freezes = Table(
    "vault_freezes",
    metadata,
    _seq(),
    Column("subject_id", _key(), nullable=False),
    Column("item_key", Text, nullable=False),
    Column("request_id", Text, nullable=False),
    Column("since_us", BigInteger, nullable=False),
    Column("released_at_us", BigInteger, nullable=True),
    Index("ix_vault_freezes_subject_id_seq", "subject_id", "seq"),
)

grants = Table(
    "vault_grants",
    metadata,
    _seq(),
    Column("id", _key(), nullable=False),
    Column("actor_id", _key(), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("granted_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=True),
    Column("revoked_at_us", BigInteger, nullable=True),
    UniqueConstraint("id", name="uq_vault_grants_id"),
    Index("ix_vault_grants_actor_id_seq", "actor_id", "seq"),
)

disclosures = Table(
    "vault_disclosures",
    metadata,
    _seq(),
    Column("id", _key(), nullable=False),
    Column("subject_id", _key(), nullable=False),
    Column("recipient_id", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("item_keys", Text, nullable=False),  # JSON array
    Column("at_us", BigInteger, nullable=False),
    Column("actor_id", Text, nullable=False),
    Column("legal_reference", Text, nullable=True),
    UniqueConstraint("id", name="uq_vault_disclosures_id"),
    Index("ix_vault_disclosures_subject_id_seq", "subject_id", "seq"),
)

policy_versions = Table(
    "vault_policy_versions",
    metadata,
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("label", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("announced_at_us", BigInteger, nullable=False),
    Column("effective_at_us", BigInteger, nullable=False),
    Column("activated_at_us", BigInteger, nullable=True),
    Column("reconsent_purposes", Text, nullable=False),  # JSON array
    Column("text", Text, nullable=False),  # the YAML, as scheduled
)

records = Table(
    "vault_records",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("subject_id", _key(), nullable=False),
    Column("record_type", String(128), nullable=False),
    Column("occurred_at_us", BigInteger, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("recorded_at_us", BigInteger, nullable=False),
    Index("ix_vault_records_subject_id", "subject_id"),
)

OPEN_STATUS_VALUES = ("scheduled", "awaiting_approval", "approved", "rejected")

tasks = Table(
    "vault_retention_tasks",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("subject_id", _key(), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target_key", _key(), nullable=False),
    Column("action", String(32), nullable=False),
    Column("end_at_us", BigInteger, nullable=False),
    Column("due_at_us", BigInteger, nullable=False),
    Column("rule", Text, nullable=False),
    Column("record_type", String(128), nullable=True),
    Column("held", Boolean, nullable=False),
    Column("hold_ids", Text, nullable=False),  # JSON array
    Column("status", String(32), nullable=False),
    Column("batch_id", _key(), nullable=True),
    Column("decided_by", Text, nullable=True),
    Column("decided_at_us", BigInteger, nullable=True),
    Column("note", Text, nullable=True),
    Column("done_at_us", BigInteger, nullable=True),
    Column("certificate_id", _key(), nullable=True),
    Index("ix_vault_retention_tasks_subject_id", "subject_id"),
    Index("ix_vault_retention_tasks_due_work", "status", "held", "end_at_us"),
    Index("ix_vault_retention_tasks_status_due_at_us", "status", "due_at_us"),
    Index("ix_vault_retention_tasks_batch_id_status_id", "batch_id", "status", "id"),
    Index("ix_vault_retention_tasks_status_certificate_id", "status", "certificate_id"),
    Index("ix_vault_retention_tasks_record_type", "record_type"),
)

holds = Table(
    "vault_holds",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("reason", String(128), nullable=False),
    Column("reference", Text, nullable=False),
    Column("placed_at_us", BigInteger, nullable=False),
    Column("placed_by", Text, nullable=False),
    Column("subject_id", _key(), nullable=True),
    Column("record_type", String(128), nullable=True),
    Column("released_at_us", BigInteger, nullable=True),
    Column("released_by", Text, nullable=True),
    Index("ix_vault_holds_subject_id", "subject_id"),
)

certificates = Table(
    "vault_certificates",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("batch_id", _key(), nullable=False),
    Column("issued_at_us", BigInteger, nullable=False),
    Column("body", Text, nullable=False),  # JSON
    UniqueConstraint("batch_id", name="uq_vault_certificates_batch_id"),
    Index("ix_vault_certificates_issued_at_us", "issued_at_us"),
)

anonymised = Table(
    "vault_anonymised",
    metadata,
    Column("item_key", _key(), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

settings = Table(
    "vault_settings",
    metadata,
    Column("key", _key(), primary_key=True),
    Column("value", Text, nullable=False),
)


# --- the stores ----------------------------------------------------------------------------------


class SqlVaultStore:
    skip_locked = False  # whether claims may skip rows another transaction has locked

    """The shared implementation; use :class:`SqliteVaultStore` or :class:`PostgresVaultStore`
    on the engine of the audit store (the two share one database)."""

    def __init__(self, engine: Engine, *, owns_engine: bool = False) -> None:
        self.engine = engine
        self._owns_engine = owns_engine

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[SqlVaultSession]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as conn:
            yield SqlVaultSession(conn, self._dialect_insert, skip_locked=self.skip_locked)

    def _dialect_insert(self, table: Table) -> Any:
        """An INSERT with ``on_conflict_do_update`` / ``on_conflict_do_nothing``."""
        raise NotImplementedError


class SqliteVaultStore(SqlVaultStore):
    """On an engine from :func:`~policyvault.storage.audit_sql.sqlite_engine`: every session
    begins with ``BEGIN IMMEDIATE``, so sessions are serialised and never meet a stale read."""

    def _dialect_insert(self, table: Table) -> Any:
        return sqlite.insert(table)


class PostgresVaultStore(SqlVaultStore):
    """On a psycopg 3 engine; sessions run at the engine's isolation level (READ COMMITTED)."""

    skip_locked = True

    def _dialect_insert(self, table: Table) -> Any:
        return postgresql.insert(table)


def sql_vault_store(engine: Engine) -> SqlVaultStore:
    """The vault store for an engine's dialect (the engine stays the caller's to dispose)."""
    name = engine.dialect.name
    if name == "sqlite":
        return SqliteVaultStore(engine)
    if name == "postgresql":
        return PostgresVaultStore(engine)
    raise InvalidInput("the vault runs on SQLite or PostgreSQL")


# --- the session ---------------------------------------------------------------------------------


class SqlVaultSession:
    def __init__(
        self,
        conn: Connection,
        dialect_insert: Callable[[Table], Any],
        *,
        skip_locked: bool = False,
    ) -> None:
        self._conn = conn
        self._insert = dialect_insert
        self._skip_locked = skip_locked

    @property
    def audit_connection(self) -> object:
        return self._conn

    @property
    def requests(self) -> SqlRequestLedger:
        # imported here: the ledger's module builds on this one's column and time helpers
        from policyvault.storage.requests_sql import SqlRequestLedger

        return SqlRequestLedger(self._conn, self._insert, skip_locked=self._skip_locked)

    def _upsert(self, table: Table, values: Mapping[str, Any], conflict: Sequence[str]) -> None:
        stmt = self._insert(table).values(**values)
        changed = {name: stmt.excluded[name] for name in values if name not in conflict}
        self._conn.execute(stmt.on_conflict_do_update(index_elements=conflict, set_=changed))

    def _update_one(self, stmt: Any, what: str) -> None:
        if self._conn.execute(stmt).rowcount == 0:
            raise NotFound(f"no {what}")

    # subjects and keys --------------------------------------------------------------------------

    def add_subject(self, subject: Subject, wrapped_key: bytes) -> None:
        exists = self._conn.execute(select(subjects.c.id).where(subjects.c.id == subject.id))
        if exists.first() is not None:
            raise InvalidInput("subject id already exists")
        self._conn.execute(
            insert(subjects).values(id=subject.id, wrapped_key=wrapped_key, **_subject_row(subject))
        )

    def subject(self, subject_id: str) -> Subject | None:
        row = self._conn.execute(select(subjects).where(subjects.c.id == subject_id)).one_or_none()
        return None if row is None else _subject(row)

    def update_subject(self, subject: Subject) -> None:
        self._update_one(
            update(subjects).where(subjects.c.id == subject.id).values(**_subject_row(subject)),
            f"subject {subject.id}",
        )

    def wrapped_key(self, subject_id: str) -> bytes | None:
        found = self._conn.execute(
            select(subjects.c.wrapped_key).where(subjects.c.id == subject_id)
        ).scalar_one_or_none()
        return None if found is None else bytes(found)

    def replace_wrapped_key(self, subject_id: str, wrapped_key: bytes, key_id: str) -> None:
        self._update_one(
            update(subjects)
            # never writes a key back over a destroyed one (a shredding that came first)
            .where(subjects.c.id == subject_id, subjects.c.wrapped_key.is_not(None))
            .values(wrapped_key=wrapped_key, key_id=key_id),
            f"data key of subject {subject_id}",
        )

    def destroy_key(self, subject_id: str, at: datetime) -> None:
        self._update_one(
            update(subjects)
            .where(subjects.c.id == subject_id)
            .values(wrapped_key=None, shredded_at_us=_to_us(at)),
            f"subject {subject_id}",
        )

    def lock_subject(self, subject_id: str) -> None:
        if self._skip_locked:  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
            stmt = select(subjects.c.id).where(subjects.c.id == subject_id).with_for_update()
            self._conn.execute(stmt)

    def subject_ids(self, after: str | None = None, limit: int = 1000) -> list[str]:
        stmt = select(subjects.c.id)
        if after is not None:
            stmt = stmt.where(subjects.c.id > after)
        return list(self._conn.execute(stmt.order_by(subjects.c.id).limit(limit)).scalars())

    def subjects_by_id(self, subject_ids: Sequence[str]) -> dict[str, Subject]:
        found: dict[str, Subject] = {}
        for part in _slices(subject_ids):
            for row in self._conn.execute(select(subjects).where(subjects.c.id.in_(part))):
                found[row.id] = _subject(row)
        return found

    def lock_subjects(self, subject_ids: Sequence[str]) -> None:
        if not self._skip_locked:  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
            return
        # Rows are locked as the sorted result is read: in id order (the C collation, as
        # Python sorts), slice after slice, so never out of order with another locker.
        for part in _slices(sorted(set(subject_ids))):
            stmt = (
                select(subjects.c.id)
                .where(subjects.c.id.in_(part))
                .order_by(subjects.c.id)
                .with_for_update()
            )
            self._conn.execute(stmt).all()

    def destroy_keys(self, subject_ids: Sequence[str], at: datetime) -> int:
        destroyed = 0
        for part in _slices(subject_ids):
            stmt = (
                update(subjects)
                .where(subjects.c.id.in_(part))
                .values(wrapped_key=None, shredded_at_us=_to_us(at))
            )
            destroyed += int(self._conn.execute(stmt).rowcount)
        return destroyed

    # items --------------------------------------------------------------------------------------

    def put_item(self, item: SealedItem) -> None:
        self._upsert(
            items,
            {
                "subject_id": item.subject_id,
                "item_key": item.item_key,
                "sealed": item.sealed,
                "hashed": item.hashed,
                "archived": item.archived,
                "media_type": item.media_type,
                "point": item.point,
                "collected_at_us": _to_us(item.collected_at),
                "updated_at_us": _to_us(item.updated_at),
            },
            conflict=("subject_id", "item_key"),
        )

    def items(self, subject_id: str, keys: Sequence[str] | None = None) -> list[SealedItem]:
        stmt = select(items).where(items.c.subject_id == subject_id)
        if keys is not None:
            stmt = stmt.where(items.c.item_key.in_(list(keys)))
        return [_item(row) for row in self._conn.execute(stmt.order_by(items.c.item_key))]

    def delete_items(self, subject_id: str, keys: Sequence[str]) -> int:
        stmt = delete(items).where(
            items.c.subject_id == subject_id, items.c.item_key.in_(list(keys))
        )
        return int(self._conn.execute(stmt).rowcount)

    def items_of(self, subject_ids: Sequence[str]) -> dict[str, list[SealedItem]]:
        c = items.c
        return _grouped(
            subject_ids,
            (
                _item(row)
                for part in _slices(subject_ids)
                for row in self._conn.execute(
                    select(items).where(c.subject_id.in_(part)).order_by(c.subject_id, c.item_key)
                )
            ),
        )

    def delete_items_of(self, targets: Mapping[str, Sequence[str]]) -> int:
        c = items.c
        deleted = 0
        for subject_ids, keys in _by_same_keys(targets):
            for part in _slices(subject_ids):
                stmt = delete(items).where(c.subject_id.in_(part), c.item_key.in_(keys))
                deleted += int(self._conn.execute(stmt).rowcount)
        return deleted

    # blind index --------------------------------------------------------------------------------

    def add_lookup(self, subject_id: str, kind: str, digest: str) -> None:
        stmt = self._insert(lookups).values(kind=kind, digest=digest, subject_id=subject_id)
        self._conn.execute(stmt.on_conflict_do_nothing())

    def find_subjects(self, kind: str, digest: str) -> list[str]:
        c = lookups.c
        stmt = select(c.subject_id).where(c.kind == kind, c.digest == digest)
        return list(self._conn.execute(stmt.order_by(c.subject_id)).scalars())

    def delete_lookups(self, subject_id: str, kind: str | None = None) -> None:
        stmt = delete(lookups).where(lookups.c.subject_id == subject_id)
        if kind is not None:
            stmt = stmt.where(lookups.c.kind == kind)
        self._conn.execute(stmt)

    def delete_lookups_of(
        self, subject_ids: Sequence[str], kinds: Sequence[str] | None = None
    ) -> None:
        if kinds is not None and not kinds:
            return
        for part in _slices(subject_ids):
            stmt = delete(lookups).where(lookups.c.subject_id.in_(part))
            if kinds is not None:
                stmt = stmt.where(lookups.c.kind.in_(list(kinds)))
            self._conn.execute(stmt)

    # the consent ledger (append-only) and subject events ---------------------------------------

    def add_consent(self, event: ConsentEvent, sealed_evidence: bytes | None) -> None:
        self._conn.execute(
            insert(consents).values(
                subject_id=event.subject_id,
                category=event.category.value,
                purposes=_json(event.purposes),
                action=event.action.value,
                at_us=_to_us(event.at),
                policy_version=event.policy_version,
                notice_hash=event.notice_hash,
                channel=event.channel,
                given_by=event.given_by.value,
                evidence=_json([list(pair) for pair in event.evidence]),
                sealed_evidence=sealed_evidence,
            )
        )

    def consents(self, subject_id: str) -> list[ConsentEvent]:
        stmt = select(consents).where(consents.c.subject_id == subject_id)
        return [_consent(row) for row in self._conn.execute(stmt.order_by(consents.c.seq))]

    def consents_of(self, subject_ids: Sequence[str]) -> dict[str, list[ConsentEvent]]:
        c = consents.c
        return _grouped(
            subject_ids,
            (
                _consent(row)
                for part in _slices(subject_ids)
                for row in self._conn.execute(
                    select(consents).where(c.subject_id.in_(part)).order_by(c.subject_id, c.seq)
                )
            ),
        )

    def add_event(self, event: SubjectEvent) -> None:
        self._conn.execute(
            insert(subject_events).values(
                subject_id=event.subject_id,
                name=event.name,
                at_us=_to_us(event.at),
                actor_id=event.actor_id,
            )
        )

    def events(self, subject_id: str) -> list[SubjectEvent]:
        c = subject_events.c
        stmt = select(subject_events).where(c.subject_id == subject_id).order_by(c.seq)
        return [
            SubjectEvent(row.subject_id, row.name, _from_us(row.at_us), row.actor_id)
            for row in self._conn.execute(stmt)
        ]

    def events_of(self, subject_ids: Sequence[str]) -> dict[str, list[SubjectEvent]]:
        c = subject_events.c
        return _grouped(
            subject_ids,
            (
                SubjectEvent(row.subject_id, row.name, _from_us(row.at_us), row.actor_id)
                for part in _slices(subject_ids)
                for row in self._conn.execute(
                    select(subject_events)
                    .where(c.subject_id.in_(part))
                    .order_by(c.subject_id, c.seq)
                )
            ),
        )

    # restrictions, objections, freezes ----------------------------------------------------------

    def add_limit(self, limit: ProcessingLimit) -> None:
        self._upsert(
            limits,
            {
                "id": limit.id,
                "subject_id": limit.subject_id,
                "kind": limit.kind.value,
                "at_us": _to_us(limit.at),
                "purpose": limit.purpose,
                "lifted_at_us": _to_us_or_none(limit.lifted_at),
            },
            conflict=("id",),
        )

    def lift_limit(self, limit_id: str, at: datetime) -> None:
        self._update_one(
            update(limits).where(limits.c.id == limit_id).values(lifted_at_us=_to_us(at)),
            f"processing limit {limit_id}",
        )

    def limits(self, subject_id: str) -> list[ProcessingLimit]:
        stmt = select(limits).where(limits.c.subject_id == subject_id).order_by(limits.c.seq)
        return [
            ProcessingLimit(
                id=row.id,
                subject_id=row.subject_id,
                kind=LimitKind(row.kind),
                at=_from_us(row.at_us),
                purpose=row.purpose,
                lifted_at=_from_us_or_none(row.lifted_at_us),
            )
            for row in self._conn.execute(stmt)
        ]

    def add_freeze(self, freeze: ItemFreeze) -> None:
        self._conn.execute(
            insert(freezes).values(
                subject_id=freeze.subject_id,
                item_key=freeze.item_key,
                request_id=freeze.request_id,
                since_us=_to_us(freeze.since),
                released_at_us=_to_us_or_none(freeze.released_at),
            )
        )

    def release_freezes(self, subject_id: str, request_id: str, at: datetime) -> None:
        c = freezes.c
        self._conn.execute(
            update(freezes)
            .where(c.subject_id == subject_id, c.request_id == request_id)
            .where(c.released_at_us.is_(None))
            .values(released_at_us=_to_us(at))
        )

    def freezes(self, subject_id: str) -> list[ItemFreeze]:
        stmt = select(freezes).where(freezes.c.subject_id == subject_id).order_by(freezes.c.seq)
        return [
            ItemFreeze(
                subject_id=row.subject_id,
                item_key=row.item_key,
                request_id=row.request_id,
                since=_from_us(row.since_us),
                released_at=_from_us_or_none(row.released_at_us),
            )
            for row in self._conn.execute(stmt)
        ]

    # grants and disclosures ---------------------------------------------------------------------

    def add_grant(self, grant: Grant) -> None:
        self._upsert(
            grants,
            {
                "id": grant.id,
                "actor_id": grant.actor_id,
                "purpose": grant.purpose,
                "granted_at_us": _to_us(grant.granted_at),
                "expires_at_us": _to_us_or_none(grant.expires_at),
                "revoked_at_us": _to_us_or_none(grant.revoked_at),
            },
            conflict=("id",),
        )

    def revoke_grant(self, grant_id: str, at: datetime) -> bool:
        stmt = (
            update(grants)
            .where(grants.c.id == grant_id, grants.c.revoked_at_us.is_(None))
            .values(revoked_at_us=_to_us(at))
        )
        return bool(self._conn.execute(stmt).rowcount)

    def grants(self, actor_id: str | None = None) -> list[Grant]:
        stmt = select(grants)
        if actor_id is not None:
            stmt = stmt.where(grants.c.actor_id == actor_id)
        return [
            Grant(
                actor_id=row.actor_id,
                purpose=row.purpose,
                granted_at=_from_us(row.granted_at_us),
                expires_at=_from_us_or_none(row.expires_at_us),
                revoked_at=_from_us_or_none(row.revoked_at_us),
                id=row.id,
            )
            for row in self._conn.execute(stmt.order_by(grants.c.seq))
        ]

    def add_disclosure(self, disclosure: Disclosure) -> None:
        self._conn.execute(
            insert(disclosures).values(
                id=disclosure.id,
                subject_id=disclosure.subject_id,
                recipient_id=disclosure.recipient_id,
                purpose=disclosure.purpose,
                item_keys=_json(disclosure.item_keys),
                at_us=_to_us(disclosure.at),
                actor_id=disclosure.actor_id,
                legal_reference=disclosure.legal_reference,
            )
        )

    def disclosures(self, subject_id: str) -> list[Disclosure]:
        c = disclosures.c
        stmt = select(disclosures).where(c.subject_id == subject_id).order_by(c.seq)
        return [
            Disclosure(
                id=row.id,
                subject_id=row.subject_id,
                recipient_id=row.recipient_id,
                purpose=row.purpose,
                item_keys=tuple(json.loads(row.item_keys)),
                at=_from_us(row.at_us),
                actor_id=row.actor_id,
                legal_reference=row.legal_reference,
            )
            for row in self._conn.execute(stmt)
        ]

    # policy versions (immutable but for the activation) ----------------------------------------

    def add_policy_version(self, version: PolicyVersion, text: str) -> None:
        c = policy_versions.c
        if self._conn.execute(select(c.number).where(c.number == version.number)).first():
            raise InvalidInput(f"policy version {version.number} already exists")
        self._conn.execute(
            insert(policy_versions).values(
                number=version.number,
                label=version.label,
                sha256=version.sha256,
                announced_at_us=_to_us(version.announced_at),
                effective_at_us=_to_us(version.effective_at),
                activated_at_us=_to_us_or_none(version.activated_at),
                reconsent_purposes=_json(version.reconsent_purposes),
                text=text,
            )
        )

    def policy_versions(self) -> list[PolicyVersion]:
        c = policy_versions.c
        columns = [col for col in policy_versions.columns if col.name != "text"]
        stmt = select(*columns).order_by(c.number)
        return [
            PolicyVersion(
                number=int(row.number),
                label=row.label,
                sha256=row.sha256,
                announced_at=_from_us(row.announced_at_us),
                effective_at=_from_us(row.effective_at_us),
                activated_at=_from_us_or_none(row.activated_at_us),
                reconsent_purposes=tuple(json.loads(row.reconsent_purposes)),
            )
            for row in self._conn.execute(stmt)
        ]

    def policy_text(self, number: int) -> str | None:
        c = policy_versions.c
        found = self._conn.execute(select(c.text).where(c.number == number)).scalar_one_or_none()
        return None if found is None else str(found)

    def activate_policy_version(self, number: int, at: datetime) -> bool:
        c = policy_versions.c
        stmt = (
            update(policy_versions)
            .where(c.number == number, c.activated_at_us.is_(None))
            .values(activated_at_us=_to_us(at))
        )
        return bool(self._conn.execute(stmt).rowcount)

    # statutory records --------------------------------------------------------------------------

    def add_record(self, record: StoredRecord) -> None:
        self._conn.execute(insert(records).values(**_record_row(record)))

    def records(self, subject_id: str) -> list[StoredRecord]:
        c = records.c
        stmt = select(records).where(c.subject_id == subject_id).order_by(c.occurred_at_us, c.id)
        return [_record(row) for row in self._conn.execute(stmt)]

    def delete_records(self, subject_id: str, ids: Sequence[str]) -> int:
        c = records.c
        stmt = delete(records).where(c.subject_id == subject_id, c.id.in_(list(ids)))
        return int(self._conn.execute(stmt).rowcount)

    def records_of(self, subject_ids: Sequence[str]) -> dict[str, list[StoredRecord]]:
        c = records.c
        return _grouped(
            subject_ids,
            (
                _record(row)
                for part in _slices(subject_ids)
                for row in self._conn.execute(
                    select(records)
                    .where(c.subject_id.in_(part))
                    .order_by(c.subject_id, c.occurred_at_us, c.id)
                )
            ),
        )

    def delete_records_of(self, targets: Mapping[str, Sequence[str]]) -> int:
        c = records.c
        asked = {(s, i) for s, ids in targets.items() for i in ids}
        deleted = 0
        for part in _slices(i for _, i in sorted(asked)):
            # a record goes only when asked of its own subject (ids are unique, but a caller
            # may name another subject's)
            rows = self._conn.execute(select(c.id, c.subject_id).where(c.id.in_(part))).all()
            mine = [row.id for row in rows if (row.subject_id, row.id) in asked]
            if mine:
                deleted += int(self._conn.execute(delete(records).where(c.id.in_(mine))).rowcount)
        return deleted

    # retention work -----------------------------------------------------------------------------

    def tasks(self, subject_id: str) -> list[RetentionTask]:
        stmt = select(tasks).where(tasks.c.subject_id == subject_id).order_by(tasks.c.id)
        return [_task(row) for row in self._conn.execute(stmt)]

    def tasks_of(
        self, subject_ids: Sequence[str], statuses: Sequence[TaskStatus] | None = None
    ) -> dict[str, list[RetentionTask]]:
        c = tasks.c
        wanted = None if statuses is None else {s.value for s in statuses}
        # The statuses are filtered here, not in SQL: a status condition could lead the
        # planner to the status index, a scan of (nearly) every task of the vault, instead of
        # the subject's index.
        return _grouped(
            subject_ids,
            (
                _task(row)
                for part in _slices(subject_ids)
                for row in self._conn.execute(
                    select(tasks).where(c.subject_id.in_(part)).order_by(c.subject_id, c.id)
                )
                if wanted is None or row.status in wanted
            ),
        )

    def put_task(self, task: RetentionTask) -> None:
        self._upsert(tasks, _task_row(task), conflict=("id",))

    def put_tasks(self, tasks_: Sequence[RetentionTask]) -> None:
        if not tasks_:
            return
        stmt = self._insert(tasks)
        columns = [col.name for col in tasks.columns]
        changed = {name: stmt.excluded[name] for name in columns if name != "id"}
        self._conn.execute(
            stmt.on_conflict_do_update(index_elements=["id"], set_=changed),
            [_task_row(t) for t in tasks_],
        )

    def delete_tasks(self, ids: Sequence[str]) -> None:
        if ids:
            self._conn.execute(delete(tasks).where(tasks.c.id.in_(list(ids))))

    def claim_tasks(
        self, statuses: Sequence[TaskStatus], *, ended_by: datetime | None, limit: int
    ) -> list[RetentionTask]:
        c = tasks.c
        stmt = select(tasks).where(c.status.in_([s.value for s in statuses]), c.held.is_(False))
        if ended_by is not None:
            stmt = stmt.where(c.end_at_us <= _to_us(ended_by))
        # a subject's tasks together: many subjects often share an end (a bulk event)
        stmt = stmt.order_by(c.end_at_us, c.subject_id, c.id).limit(limit)
        if self._skip_locked:
            stmt = stmt.with_for_update(skip_locked=True)
        return [_task(row) for row in self._conn.execute(stmt)]

    def find_tasks(
        self,
        statuses: Sequence[TaskStatus],
        *,
        due_before: datetime | None = None,
        batch_id: str | None = None,
        record_type: str | None = None,
        ended_by: datetime | None = None,
        uncertified: bool = False,
        after_id: str | None = None,
        limit: int = 1000,
    ) -> list[RetentionTask]:
        c = tasks.c
        stmt = select(tasks).where(c.status.in_([s.value for s in statuses]))
        if due_before is not None:
            stmt = stmt.where(c.due_at_us < _to_us(due_before))
        if batch_id is not None:
            stmt = stmt.where(c.batch_id == batch_id)
        if record_type is not None:
            stmt = stmt.where(c.record_type == record_type)
        if ended_by is not None:
            stmt = stmt.where(c.end_at_us <= _to_us(ended_by))
        if uncertified:
            stmt = stmt.where(c.certificate_id.is_(None))
        if after_id is not None:
            stmt = stmt.where(c.id > after_id)
        return [_task(row) for row in self._conn.execute(stmt.order_by(c.id).limit(limit))]

    def mark_tasks(
        self,
        ids: Sequence[str],
        status: TaskStatus,
        *,
        at: datetime,
        batch_id: str | None = None,
        decided_by: str | None = None,
        note: str | None = None,
        certificate_id: str | None = None,
    ) -> int:
        if not ids:
            return 0
        values: dict[str, Any] = {"status": status.value}
        if status is TaskStatus.done:
            values["done_at_us"] = _to_us(at)
        else:
            values["decided_at_us"] = _to_us(at)
            values["decided_by"] = decided_by
        if batch_id is not None:
            values["batch_id"] = batch_id
        if note is not None:
            values["note"] = note
        if certificate_id is not None:
            values["certificate_id"] = certificate_id
        stmt = update(tasks).where(tasks.c.id.in_(list(ids))).values(**values)
        return int(self._conn.execute(stmt).rowcount)

    def set_certificate(self, batch_id: str, certificate_id: str) -> int:
        c = tasks.c
        stmt = (
            update(tasks)
            .where(
                c.batch_id == batch_id,
                c.status == TaskStatus.done.value,
                c.certificate_id.is_(None),
            )
            .values(certificate_id=certificate_id)
        )
        return int(self._conn.execute(stmt).rowcount)

    def uncertified_batches(self) -> list[str]:
        c = tasks.c
        stmt = (
            select(c.batch_id)
            .where(
                c.status == TaskStatus.done.value,
                c.certificate_id.is_(None),
                c.batch_id.is_not(None),
            )
            .distinct()
            .order_by(c.batch_id)
        )
        return list(self._conn.execute(stmt).scalars())

    def batch_subjects(self, batch_id: str) -> int:
        c = tasks.c
        stmt = select(func.count(c.subject_id.distinct())).where(
            c.batch_id == batch_id,
            c.status == TaskStatus.done.value,
            c.certificate_id.is_(None),
        )
        return int(self._conn.execute(stmt).scalar_one())

    def count_tasks(
        self,
        statuses: Sequence[TaskStatus],
        *,
        due_before: datetime | None = None,
        held: bool | None = None,
    ) -> dict[str, int]:
        c = tasks.c
        stmt = select(c.status, func.count()).where(c.status.in_([s.value for s in statuses]))
        if due_before is not None:
            stmt = stmt.where(c.due_at_us < _to_us(due_before))
        if held is not None:
            stmt = stmt.where(c.held.is_(held))
        stmt = stmt.group_by(c.status)
        counts = {s.value: 0 for s in statuses}
        for status, count in self._conn.execute(stmt):
            counts[status] = int(count)
        return counts

    # holds --------------------------------------------------------------------------------------

    def add_hold(self, hold: Hold) -> None:
        self._conn.execute(
            insert(holds).values(
                id=hold.id,
                reason=hold.reason,
                reference=hold.reference,
                placed_at_us=_to_us(hold.placed_at),
                placed_by=hold.placed_by,
                subject_id=hold.subject_id,
                record_type=hold.record_type,
                released_at_us=_to_us_or_none(hold.released_at),
                released_by=hold.released_by,
            )
        )

    def release_hold(self, hold_id: str, at: datetime, by: str) -> bool:
        c = holds.c
        stmt = (
            update(holds)
            .where(c.id == hold_id, c.released_at_us.is_(None))
            .values(released_at_us=_to_us(at), released_by=by)
        )
        return bool(self._conn.execute(stmt).rowcount)

    def hold(self, hold_id: str) -> Hold | None:
        row = self._conn.execute(select(holds).where(holds.c.id == hold_id)).one_or_none()
        return None if row is None else _hold(row)

    def holds(self, *, active_only: bool = True) -> list[Hold]:
        c = holds.c
        stmt = select(holds)
        if active_only:
            stmt = stmt.where(c.released_at_us.is_(None))
        return [_hold(row) for row in self._conn.execute(stmt.order_by(c.placed_at_us, c.id))]

    def holds_for(self, subject_id: str) -> list[Hold]:
        c = holds.c
        stmt = select(holds).where(
            c.released_at_us.is_(None),
            (c.subject_id == subject_id) | (c.subject_id.is_(None) & c.record_type.is_not(None)),
        )
        return [_hold(row) for row in self._conn.execute(stmt.order_by(c.placed_at_us, c.id))]

    def holds_for_subjects(self, subject_ids: Sequence[str]) -> dict[str, list[Hold]]:
        c = holds.c
        found: dict[str, Hold] = {}
        on_types = c.subject_id.is_(None) & c.record_type.is_not(None)
        for part in _slices(subject_ids):
            stmt = select(holds).where(
                c.released_at_us.is_(None), c.subject_id.in_(part) | on_types
            )
            for row in self._conn.execute(stmt):
                found[row.id] = _hold(row)
        ordered = sorted(found.values(), key=lambda h: (h.placed_at, h.id))
        return {
            s: [h for h in ordered if h.subject_id in (s, None)] for s in dict.fromkeys(subject_ids)
        }

    # certificates, statistics, settings ----------------------------------------------------------

    def add_certificate(self, certificate: Certificate) -> bool:
        stmt = self._insert(certificates).values(
            id=certificate.id,
            batch_id=certificate.batch_id,
            issued_at_us=_to_us(certificate.issued_at),
            body=json.dumps(certificate.body, sort_keys=True, ensure_ascii=False),
        )
        # RETURNING, not rowcount: for an INSERT the driver may report -1 (psycopg 3 under
        # SQLAlchemy 2.1 does), which would read as "stored" when the batch already had one.
        stored = stmt.on_conflict_do_nothing().returning(certificates.c.id)
        return self._conn.execute(stored).first() is not None

    def certificate(self, certificate_id: str) -> Certificate | None:
        stmt = select(certificates).where(certificates.c.id == certificate_id)
        row = self._conn.execute(stmt).one_or_none()
        return None if row is None else _certificate(row)

    def certificates(self, limit: int = 100) -> list[Certificate]:
        c = certificates.c
        stmt = select(certificates).order_by(c.issued_at_us.desc(), c.id.desc()).limit(limit)
        return [_certificate(row) for row in self._conn.execute(stmt)]

    def count_anonymised(self, item_key: str, count: int) -> None:
        stmt = self._insert(anonymised).values(item_key=item_key, count=count)
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["item_key"], set_={"count": anonymised.c.count + count}
            )
        )

    def anonymised_counts(self) -> dict[str, int]:
        stmt = select(anonymised).order_by(anonymised.c.item_key)
        return {row.item_key: int(row._mapping["count"]) for row in self._conn.execute(stmt)}

    def setting(self, key: str) -> str | None:
        stmt = select(settings.c.value).where(settings.c.key == key)
        found = self._conn.execute(stmt).scalar_one_or_none()
        return None if found is None else str(found)

    def put_setting(self, key: str, value: str) -> None:
        self._upsert(settings, {"key": key, "value": value}, conflict=("key",))


# --- several subjects at once ----------------------------------------------------------------

# Ids per IN list: far below every SQLite build's limit on bound parameters (999 before 3.32).
_SLICE = 400


def _slices(values: Iterable[str]) -> list[list[str]]:
    """``values`` without repeats, in lists short enough for one IN each."""
    unique = list(dict.fromkeys(values))
    return [unique[i : i + _SLICE] for i in range(0, len(unique), _SLICE)]


def _grouped(subject_ids: Sequence[str], rows: Iterable[Any]) -> dict[str, list[Any]]:
    """Rows by their ``subject_id``, a (possibly empty) list for every subject asked for."""
    found: dict[str, list[Any]] = {s: [] for s in subject_ids}
    for row in rows:
        found[row.subject_id].append(row)
    return found


def _by_same_keys(targets: Mapping[str, Sequence[str]]) -> list[tuple[list[str], list[str]]]:
    """Subjects grouped by the keys asked of them: one ``subject_id IN (...) AND key IN
    (...)`` per group matches exactly the pairs asked (often one group: a chunk of subjects
    that ended together has the same items)."""
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for subject_id, keys in targets.items():
        if keys:
            groups[tuple(sorted(set(keys)))].append(subject_id)
    return [(subject_ids, list(keys)) for keys, subject_ids in groups.items()]


# --- rows ----------------------------------------------------------------------------------------


def _subject_row(subject: Subject) -> dict[str, Any]:
    """Every column but ``id`` and ``wrapped_key``."""
    return {
        "created_at_us": _to_us(subject.created_at),
        "jurisdictions": _json(subject.jurisdictions),
        "key_id": subject.key_id,
        "needs_guardian": subject.needs_guardian,
        "guardian_consent_at_us": _to_us_or_none(subject.guardian_consent_at),
        "shredded_at_us": _to_us_or_none(subject.shredded_at),
    }


def _subject(row: Row[Any]) -> Subject:
    return Subject(
        id=row.id,
        created_at=_from_us(row.created_at_us),
        jurisdictions=tuple(json.loads(row.jurisdictions)),
        key_id=row.key_id,
        needs_guardian=bool(row.needs_guardian),
        guardian_consent_at=_from_us_or_none(row.guardian_consent_at_us),
        shredded_at=_from_us_or_none(row.shredded_at_us),
    )


def _item(row: Row[Any]) -> SealedItem:
    return SealedItem(
        subject_id=row.subject_id,
        item_key=row.item_key,
        sealed=bytes(row.sealed),
        point=row.point,
        collected_at=_from_us(row.collected_at_us),
        updated_at=_from_us(row.updated_at_us),
        hashed=bool(row.hashed),
        archived=bool(row.archived),
        media_type=row.media_type,
    )


def _consent(row: Row[Any]) -> ConsentEvent:
    return ConsentEvent(
        subject_id=row.subject_id,
        category=ConsentCategory(row.category),
        purposes=tuple(json.loads(row.purposes)),
        action=ConsentAction(row.action),
        at=_from_us(row.at_us),
        policy_version=row.policy_version,
        notice_hash=row.notice_hash,
        channel=row.channel,
        given_by=ConsentGiver(row.given_by),
        evidence=tuple((str(kind), str(ref)) for kind, ref in json.loads(row.evidence)),
    )


def _record_row(record: StoredRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "subject_id": record.subject_id,
        "record_type": record.record_type,
        "occurred_at_us": _to_us(record.occurred_at),
        "sealed": record.sealed,
        "recorded_at_us": _to_us(record.recorded_at),
    }


def _record(row: Row[Any]) -> StoredRecord:
    return StoredRecord(
        id=row.id,
        subject_id=row.subject_id,
        record_type=row.record_type,
        occurred_at=_from_us(row.occurred_at_us),
        sealed=bytes(row.sealed),
        recorded_at=_from_us(row.recorded_at_us),
    )


def _task_row(task: RetentionTask) -> dict[str, Any]:
    d = task.deadline
    return {
        "id": task.id,
        "subject_id": d.subject_id,
        "target_kind": d.target_kind.value,
        "target_key": d.target_key,
        "action": d.action.value,
        "end_at_us": _to_us(d.end_at),
        "due_at_us": _to_us(d.due_at),
        "rule": d.rule,
        "record_type": d.record_type,
        "held": d.held,
        "hold_ids": _json(d.hold_ids),
        "status": task.status.value,
        "batch_id": task.batch_id,
        "decided_by": task.decided_by,
        "decided_at_us": _to_us_or_none(task.decided_at),
        "note": task.note,
        "done_at_us": _to_us_or_none(task.done_at),
        "certificate_id": task.certificate_id,
    }


# Enum members by value: the sweeper reads tasks by the thousand (an unknown value still
# raises, through the constructor).
_TARGET_KINDS = {k.value: k for k in TargetKind}
_ACTIONS = {a.value: a for a in Action}
_STATUSES = {s.value: s for s in TaskStatus}


def _task(row: Row[Any]) -> RetentionTask:
    return RetentionTask(
        id=row.id,
        deadline=Deadline(
            subject_id=row.subject_id,
            target_kind=_TARGET_KINDS.get(row.target_kind) or TargetKind(row.target_kind),
            target_key=row.target_key,
            action=_ACTIONS.get(row.action) or Action(row.action),
            end_at=_from_us(row.end_at_us),
            due_at=_from_us(row.due_at_us),
            rule=row.rule,
            record_type=row.record_type,
            held=bool(row.held),
            hold_ids=() if row.hold_ids == "[]" else tuple(json.loads(row.hold_ids)),
        ),
        status=_STATUSES.get(row.status) or TaskStatus(row.status),
        batch_id=row.batch_id,
        decided_by=row.decided_by,
        decided_at=_from_us_or_none(row.decided_at_us),
        note=row.note,
        done_at=_from_us_or_none(row.done_at_us),
        certificate_id=row.certificate_id,
    )


def _hold(row: Row[Any]) -> Hold:
    return Hold(
        id=row.id,
        reason=row.reason,
        reference=row.reference,
        placed_at=_from_us(row.placed_at_us),
        placed_by=row.placed_by,
        subject_id=row.subject_id,
        record_type=row.record_type,
        released_at=_from_us_or_none(row.released_at_us),
        released_by=row.released_by,
    )


def _certificate(row: Row[Any]) -> Certificate:
    return Certificate(
        id=row.id,
        batch_id=row.batch_id,
        issued_at=_from_us(row.issued_at_us),
        body=json.loads(row.body),
    )


def _json(values: Sequence[Any]) -> str:
    return json.dumps(list(values), separators=(",", ":"))


# --- time ----------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _to_us(when: datetime) -> int:
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput("the vault stores timezone-aware times only")
    return (when - _EPOCH) // _MICROSECOND


def _to_us_or_none(when: datetime | None) -> int | None:
    return None if when is None else _to_us(when)


def _from_us(us: int) -> datetime:
    return _EPOCH + int(us) * _MICROSECOND


def _from_us_or_none(us: int | None) -> datetime | None:
    return None if us is None else _from_us(us)
