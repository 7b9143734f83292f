"""The one clock. Everything that needs "now" receives a Clock; nothing below the shells
reads the wall clock. A SimulatedClock exists for sandbox vaults and tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to. Times are always timezone-aware UTC."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = _aware_utc(when)

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("a simulated clock never moves backwards")
        self._now += by


def _aware_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return when.astimezone(UTC)
