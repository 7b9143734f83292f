"""The baseline: the raw storage engine doing only the storage part of PolicyVault's work.

For every subject the vault collects, the baseline writes *the same rows* (same tables, same
columns, same indexes: the tables come from the vault's own migrations) in one transaction of
its own, through the plain DB-API driver (``sqlite3`` / ``psycopg``), one INSERT per row. The
rows are copied from what the vault wrote, with plaintext where the vault wrote ciphertext or a
keyed digest: the item values, the blind-index entries (the normalised email and phone number)
and the consent evidence. Everything else stays as the vault wrote it (ids, times, the audit
entry's body and hashes, the wrapped data key), so rows have the same width. Only the vault
database is mirrored: a write a collect makes elsewhere (a key store in a file of its own)
counts as overhead.

What the baseline leaves out is the vault's overhead: checking values against the policy,
encryption, blind-index HMACs, the audit chain's hashing and its head-row updates, the
duplicate-id check, SQLAlchemy statement building. A read is one indexed SELECT of the
items by primary key, without the purpose check, its facts queries, or the read's audit entry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, select

from policyvault.crypto.blind_index import IndexKind, normalise
from policyvault.storage import audit_sql, vault_sql

# The tables a collection writes to, in the order the vault writes them, and the column that
# names the subject. (A signed audit checkpoint, one per 1,000 entries, is not mirrored.)
MIRRORED: tuple[tuple[Table, str], ...] = (
    (vault_sql.subjects, "id"),
    (vault_sql.items, "subject_id"),
    (vault_sql.lookups, "subject_id"),
    (vault_sql.consents, "subject_id"),
    (vault_sql.subject_events, "subject_id"),
    (audit_sql.audit_entries, "subject_id"),
)

Row = tuple[str, tuple[Any, ...]]  # (table, values in the table's column order)


@dataclass(frozen=True)
class Plaintext:
    """What the raw side stores for one subject instead of the vault's sealed bytes."""

    items: Mapping[str, bytes]  # item key -> canonical value, as a vault read returns it
    lookups: Mapping[str, str]  # index kind -> normalised email / phone number
    evidence: bytes  # the consent evidence, as the vault seals it


def plaintext_lookups(items: Mapping[str, bytes], kinds: Mapping[str, str]) -> dict[str, str]:
    """``kinds``: index kind -> item key holding that kind of value."""
    return {kind: normalise(IndexKind(kind), items[key].decode()) for kind, key in kinds.items()}


def columns(table: Table) -> list[str]:
    """The columns the raw INSERT names: all but an auto-increment ``seq``, which the
    database assigns on both sides."""
    return [c.name for c in table.columns if not (c.name == "seq" and c.autoincrement is True)]


def mirror_rows(
    engine: Engine, subject_ids: Sequence[str], plaintext: Mapping[str, Plaintext]
) -> list[list[Row]]:
    """For each subject, the rows the vault wrote for it, with plaintext substituted."""
    found: dict[str, list[Row]] = {s: [] for s in subject_ids}
    with engine.connect() as conn:
        for table, subject_column in MIRRORED:
            names = columns(table)
            for start in range(0, len(subject_ids), 500):
                chunk = list(subject_ids[start : start + 500])
                stmt = select(*(table.c[n] for n in names)).where(
                    table.c[subject_column].in_(chunk)
                )
                for row in conn.execute(stmt).mappings():
                    subject = row[subject_column]
                    values = _plain(table.name, dict(row), plaintext[subject])
                    found[subject].append((table.name, tuple(values[n] for n in names)))
        conn.rollback()
    return [found[s] for s in subject_ids]


def _plain(table: str, row: dict[str, Any], plain: Plaintext) -> dict[str, Any]:
    if table == vault_sql.items.name:
        row["sealed"] = plain.items[row["item_key"]]
    elif table == vault_sql.lookups.name:
        row["digest"] = plain.lookups[row["kind"]]
    elif table == vault_sql.consents.name:
        row["sealed_evidence"] = plain.evidence
    return row


def rows_per_subject(rows: Iterable[Row]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table, _ in rows:
        counts[table] = counts.get(table, 0) + 1
    return counts


def insert_statements(placeholder: str) -> dict[str, str]:
    """One INSERT per mirrored table, with the driver's placeholder (``?`` or ``%s``)."""
    statements = {}
    for table, _ in MIRRORED:
        names = columns(table)
        marks = ", ".join([placeholder] * len(names))
        # S608: the table and column names are the vault's own, the values are parameters
        sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
        statements[table.name] = sql
    return statements


def select_items(placeholder: str, count: int) -> str:
    marks = ", ".join([placeholder] * count)
    return (  # S608: a fixed table name, the values are parameters
        f"SELECT item_key, sealed FROM {vault_sql.items.name} "  # noqa: S608
        f"WHERE subject_id = {placeholder} AND item_key IN ({marks})"
    )


class RawSqlite:
    """``sqlite3`` with the vault's pragmas; a write transaction begins as the vault's do
    (``BEGIN IMMEDIATE``)."""

    name = "sqlite"

    def __init__(self, path: str, *, journal_mode: str, synchronous: str) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout = 60000")
        self._conn.execute(f"PRAGMA journal_mode = {journal_mode}")
        self._conn.execute(f"PRAGMA synchronous = {synchronous}")
        self._insert = insert_statements("?")
        self._cursor = self._conn.cursor()

    def write(self, rows: Sequence[Row]) -> None:
        cursor = self._cursor
        cursor.execute("BEGIN IMMEDIATE")
        for table, values in rows:
            cursor.execute(self._insert[table], values)
        cursor.execute("COMMIT")

    def read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._cursor.execute(sql, params).fetchall()

    def close(self) -> None:
        self._conn.close()


class RawPostgres:
    """``psycopg`` on its own connection to the same server; one transaction per write."""

    name = "postgres"

    def __init__(self, conninfo: str, schema: str) -> None:
        import psycopg

        self._conn = psycopg.connect(conninfo, autocommit=True, options=f"-csearch_path={schema}")
        self._insert = insert_statements("%s")
        self._cursor = self._conn.cursor()

    def write(self, rows: Sequence[Row]) -> None:
        cursor = self._cursor
        with self._conn.transaction():
            for table, values in rows:
                cursor.execute(self._insert[table], values)

    def read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._cursor.execute(sql, params).fetchall()

    def close(self) -> None:
        self._conn.close()
