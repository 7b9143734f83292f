"""The shredding-key store on each technology (memory, a SQLite file of its own): keys kept
once, read back, destroyed for good; the file is private and keeps no trace of a destroyed
key."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyvault.domain.errors import InvalidInput, NotFound
from policyvault.storage.shredding_keys_memory import InMemoryShreddingKeyStore
from policyvault.storage.shredding_keys_sqlite import SqliteShreddingKeyStore

Store = InMemoryShreddingKeyStore | SqliteShreddingKeyStore


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = (
        InMemoryShreddingKeyStore()
        if request.param == "memory"
        else SqliteShreddingKeyStore.create(tmp_path / "shredding-keys.db")
    )
    yield made
    made.close()


def test_keys_are_kept_once_read_back_and_destroyed(store: Store) -> None:
    first, second = os.urandom(32), os.urandom(32)
    store.add("subject-a", first)
    store.add("subject-b", second)
    assert store.get("subject-a") == first and store.get("subject-b") == second
    assert store.get("subject-c") is None
    with pytest.raises(ValueError, match="already has"):
        store.add("subject-a", os.urandom(32))
    assert store.get("subject-a") == first  # never replaced: that would shred by accident
    assert store.destroy("subject-a") is True
    assert store.get("subject-a") is None
    assert store.destroy("subject-a") is False  # twice is harmless
    assert store.get("subject-b") == second


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "shredding-keys.db"


def test_the_file_is_private_from_the_start_and_loose_modes_are_refused(
    path: Path, tmp_path: Path
) -> None:
    old = os.umask(0)  # the widest umask: the mode must come from the store itself
    try:
        SqliteShreddingKeyStore.create(path).close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(OSError):
        SqliteShreddingKeyStore.create(path)  # never over an existing store
    path.chmod(0o640)
    with pytest.raises(InvalidInput, match="chmod 600"):
        SqliteShreddingKeyStore(path)
    with pytest.raises(NotFound, match="missing"):
        SqliteShreddingKeyStore(tmp_path / "absent.db")
    not_a_store = tmp_path / "other.db"
    not_a_store.touch(mode=0o600)
    with pytest.raises(InvalidInput, match="not a shredding-key store"):
        SqliteShreddingKeyStore(not_a_store)


def test_a_destroyed_key_leaves_no_trace_in_the_files(path: Path) -> None:
    store = SqliteShreddingKeyStore.create(path)
    keys = {f"subject-{n}": os.urandom(32) for n in range(50)}
    for subject, key in keys.items():
        store.add(subject, key)
    assert keys["subject-7"] in path.read_bytes()
    store.destroy("subject-7")
    store.close()
    leftovers = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    assert keys["subject-7"] not in leftovers  # overwritten, not only unlinked
    assert keys["subject-8"] in leftovers
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no journal left behind
    reopened = SqliteShreddingKeyStore(path)
    assert reopened.get("subject-7") is None and reopened.get("subject-8") == keys["subject-8"]
    reopened.close()
