"""Shredding keys in memory: the twin of :mod:`policyvault.storage.shredding_keys_sqlite` for
tests and demos."""

from __future__ import annotations

import threading
from collections.abc import Sequence

__all__ = ["InMemoryShreddingKeyStore"]


class InMemoryShreddingKeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def add(self, subject_id: str, key: bytes) -> None:
        with self._lock:
            if subject_id in self._keys:
                raise ValueError("the subject already has a shredding key")
            self._keys[subject_id] = bytes(key)

    def get(self, subject_id: str) -> bytes | None:
        with self._lock:
            return self._keys.get(subject_id)

    def destroy(self, subject_id: str) -> bool:
        with self._lock:
            return self._keys.pop(subject_id, None) is not None

    def destroy_many(self, subject_ids: Sequence[str]) -> int:
        with self._lock:
            return sum(self._keys.pop(s, None) is not None for s in dict.fromkeys(subject_ids))

    def close(self) -> None:
        pass
