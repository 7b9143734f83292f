"""The sandbox clock: real time shifted by an offset kept in a file, so that
``policyvault clock set|advance`` in one process moves the time of a running server too.
Only sandbox vaults get one; production vaults run on the system clock."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from policyvault.domain.errors import InvalidInput

MAX_YEAR = 9000  # far enough for any retention period, far from datetime's end


class FileSandboxClock:
    def __init__(self, path: Path, real_now: Callable[[], datetime] | None = None) -> None:
        self._path = path
        self._real_now = real_now or (lambda: datetime.now(UTC))
        self._cache: tuple[float, timedelta] | None = None  # (file mtime, offset)

    def now(self) -> datetime:
        return self._real_now() + self._offset()

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise InvalidInput("the time must carry its UTC offset, e.g. 2027-01-01T00:00:00Z")
        if when < self.now():
            raise InvalidInput("a sandbox clock moves forward only (deadlines already passed)")
        self._write(when - self._real_now())

    def advance(self, by: timedelta) -> None:
        if by <= timedelta(0):
            raise InvalidInput("advance the clock by a positive duration")
        self._write(self._offset() + by)

    def _offset(self) -> timedelta:
        try:
            mtime = self._path.stat().st_mtime
        except FileNotFoundError:
            return timedelta(0)
        if self._cache is None or self._cache[0] != mtime:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            self._cache = (mtime, timedelta(microseconds=int(data["offset_us"])))
        return self._cache[1]

    def _write(self, offset: timedelta) -> None:
        try:
            simulated = self._real_now() + offset
        except OverflowError:
            simulated = datetime.max.replace(tzinfo=UTC)
        if simulated.year > MAX_YEAR:
            raise InvalidInput(f"a sandbox clock stops at the year {MAX_YEAR}")
        micros = offset // timedelta(microseconds=1)
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"offset_us": micros}), encoding="utf-8")
        os.replace(temporary, self._path)  # atomic: a reader never sees half a file
        self._cache = None
