"""Shredding keys in a SQLite file of their own (``shredding-keys.db`` in the vault home),
apart from the vault database, whatever engine that one runs on.

Being a separate file is the point: a backup, dump or replica of the vault database carries no
shredding key, so once a key is destroyed here the subject's ciphertext in every such copy is
noise (``policyvault.crypto.shredding``). The file is made so that a destroyed key leaves no
trace in it:

- ``PRAGMA secure_delete = ON``: a deleted row is overwritten with zeros in the page that held
  it, not merely marked free;
- rollback journal (``journal_mode = DELETE``), not WAL: the journal holds a page's *old*
  content only while the transaction runs and is deleted when it commits, whereas a WAL file
  keeps old frames until a checkpoint overwrites them;
- ``synchronous = FULL``: a key acknowledged as stored survives a power cut.

Table ``shredding_keys(subject_id TEXT PRIMARY KEY, key BLOB)``, 32-byte keys,
``PRAGMA user_version = 1``. The file is created with mode 0600 (SQLite gives its journal the
same mode) and is refused when group or others may read it. What the file system or the disk
keeps of overwritten blocks (copy-on-write file systems, SSD wear levelling, snapshots) is
beyond the reach of any file format: see ``docs/keys.md``.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from policyvault.domain.errors import InvalidInput, NotFound

__all__ = ["SqliteShreddingKeyStore"]

FORMAT_VERSION: Final = 1
KEY_SIZE: Final = 32
_SLICE: Final = 400  # subject ids per DELETE: below every build's limit on bound parameters
_SCHEMA: Final = (
    "CREATE TABLE shredding_keys ("
    " subject_id TEXT PRIMARY KEY NOT NULL,"
    f" key BLOB NOT NULL CHECK (length(key) = {KEY_SIZE})"
    ")"
)


class SqliteShreddingKeyStore:
    """One connection, shared by the threads of this process under a lock; other processes
    (the CLI beside a running server) wait on SQLite's file lock (busy timeout)."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 60_000) -> None:
        if not path.exists():
            raise NotFound(
                f"the shredding-key store {path} is missing; without it no subject's values "
                "can be read: restore it from its own backup"
            )
        _check_private(path)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            f"file:{path}?mode=rw", uri=True, check_same_thread=False, isolation_level=None
        )
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            self._conn.execute("PRAGMA journal_mode = DELETE")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA secure_delete = ON")
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version != FORMAT_VERSION:
                raise InvalidInput(
                    f"{path} is not a shredding-key store (format {version}, expected "
                    f"{FORMAT_VERSION})"
                )
        except BaseException:
            self._conn.close()
            raise

    @classmethod
    def create(cls, path: Path) -> SqliteShreddingKeyStore:
        """A new, empty store at ``path`` (mode 0600 from the start); refuses an existing file."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        try:
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = DELETE")
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
                conn.execute("COMMIT")
            finally:
                conn.close()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return cls(path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(self, subject_id: str, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError(f"a shredding key is {KEY_SIZE} bytes")
        with self._lock:
            try:
                self._conn.execute(
                    "INSERT INTO shredding_keys (subject_id, key) VALUES (?, ?)",
                    (subject_id, bytes(key)),
                )
            except sqlite3.IntegrityError:
                raise ValueError("the subject already has a shredding key") from None

    def get(self, subject_id: str) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT key FROM shredding_keys WHERE subject_id = ?", (subject_id,)
            ).fetchone()
        return None if row is None else bytes(row[0])

    def destroy(self, subject_id: str) -> bool:
        with self._lock:
            cursor = self._conn.execute(
                "DELETE FROM shredding_keys WHERE subject_id = ?", (subject_id,)
            )
        return cursor.rowcount > 0

    def destroy_many(self, subject_ids: Sequence[str]) -> int:
        """One transaction, so one journal and one round of fsyncs for all of them."""
        unique = list(dict.fromkeys(subject_ids))
        if not unique:
            return 0
        destroyed = 0
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(unique), _SLICE):
                    part = unique[start : start + _SLICE]
                    marks = ", ".join("?" * len(part))
                    cursor = self._conn.execute(
                        f"DELETE FROM shredding_keys WHERE subject_id IN ({marks})",  # noqa: S608
                        part,
                    )
                    destroyed += cursor.rowcount
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return destroyed


def _check_private(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(
            f"the shredding-key store {path} is accessible to group or others (mode "
            f"{mode:04o}); it must be 0600 or narrower: chmod 600 {path}"
        )
