"""The separate store in memory, for tests and demos: the twin of ``separate_sql``."""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from policyvault.domain.retention import StoredRecord
from policyvault.domain.vault import SealedItem


@dataclass
class _State:
    items: dict[tuple[str, str], SealedItem] = field(default_factory=dict)
    records: dict[str, StoredRecord] = field(default_factory=dict)


class InMemorySeparateStore:
    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()

    @contextmanager
    def session(self) -> Iterator[InMemorySeparateSession]:
        with self._lock:
            working = copy.deepcopy(self._state)
            yield InMemorySeparateSession(working)
            self._state = working

    @contextmanager
    def reading(self) -> Iterator[InMemorySeparateSession]:
        with self._lock:
            yield InMemorySeparateSession(copy.deepcopy(self._state))

    def raw_state(self) -> _State:
        return self._state


class InMemorySeparateSession:
    def __init__(self, state: _State) -> None:
        self._s = state

    def put_item(self, item: SealedItem) -> None:
        # what the separate store holds is archived, as the SQL store reads it back
        self._s.items[(item.subject_id, item.item_key)] = replace(item, archived=True)

    def items(self, subject_id: str, keys: Sequence[str] | None = None) -> list[SealedItem]:
        found = [i for (s, k), i in self._s.items.items() if s == subject_id]
        if keys is not None:
            found = [i for i in found if i.item_key in keys]
        return sorted(found, key=lambda i: i.item_key)

    def delete_items(self, subject_id: str, keys: Sequence[str]) -> int:
        return len([k for k in keys if self._s.items.pop((subject_id, k), None) is not None])

    def put_record(self, record: StoredRecord) -> None:
        self._s.records[record.id] = record

    def records(self, subject_id: str) -> list[StoredRecord]:
        found = [r for r in self._s.records.values() if r.subject_id == subject_id]
        return sorted(found, key=lambda r: (r.occurred_at, r.id))

    def delete_records(self, subject_id: str, ids: Sequence[str]) -> int:
        gone = [
            i
            for i in ids
            if (r := self._s.records.get(i)) is not None and r.subject_id == subject_id
        ]
        for i in gone:
            del self._s.records[i]
        return len(gone)

    def items_of(self, subject_ids: Sequence[str]) -> dict[str, list[SealedItem]]:
        return {s: self.items(s) for s in subject_ids}

    def records_of(self, subject_ids: Sequence[str]) -> dict[str, list[StoredRecord]]:
        return {s: self.records(s) for s in subject_ids}
