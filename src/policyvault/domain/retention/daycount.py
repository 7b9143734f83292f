"""How a jurisdiction counts days to a deadline.

Korean periods follow the Civil Act: the first day is not counted unless the period starts at
00:00 (Art 157), and a period whose last day is a Saturday or a public holiday ends on the next
day that is neither (Art 161). Elsewhere the vault counts plain calendar days in the policy's
time zone. A deadline is the end of its last day: the next local midnight, as a UTC instant.

Holidays come in as a ``HolidayCalendar`` (the services build it from the ``holidays``
package), so this module stays pure and tests can pass a calendar of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HolidayCalendar = Callable[[date], bool]  # True on a public holiday

# Jurisdictions whose deadlines roll past Saturdays and public holidays (Civil Act Art 161),
# counted on the days of Seoul whatever the policy's own time zone.
KOREAN_COUNTING = frozenset({"kr-pipa"})
KOREAN_TIMEZONE = "Asia/Seoul"

_SATURDAY, _SUNDAY = 5, 6


def no_holidays(day: date) -> bool:
    return False


@dataclass(frozen=True)
class DayCounting:
    """Calendar-day counting, optionally rolling a last day off weekends and holidays."""

    jurisdiction: str
    roll_off_holidays: bool = False
    is_holiday: HolidayCalendar = no_holidays
    timezone: str | None = None  # whose calendar days count; None: the policy's time zone

    def last_day(self, start: datetime, days: int, timezone: str) -> date:
        """The last day of a period of ``days`` days that starts at ``start``."""
        local = start.astimezone(ZoneInfo(self.timezone or timezone))
        counted_from = local.date()
        if self.roll_off_holidays and local.timetz().replace(tzinfo=None) == time(0):
            # A period that starts at 00:00 counts its first day (Civil Act Art 157).
            counted_from -= timedelta(days=1)
        last = counted_from + timedelta(days=days)
        if days > 0 and self.roll_off_holidays:
            while last.weekday() in (_SATURDAY, _SUNDAY) or self.is_holiday(last):
                last += timedelta(days=1)
        return max(last, local.date())

    def deadline(self, start: datetime, days: int, timezone: str) -> datetime:
        """The end of the period's last day (the next local midnight) as a UTC instant."""
        last = self.last_day(start, days, timezone)
        zone = ZoneInfo(self.timezone or timezone)
        return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def counting_for(jurisdiction: str, is_holiday: HolidayCalendar = no_holidays) -> DayCounting:
    if jurisdiction in KOREAN_COUNTING:
        return DayCounting(
            jurisdiction, roll_off_holidays=True, is_holiday=is_holiday, timezone=KOREAN_TIMEZONE
        )
    return DayCounting(jurisdiction)


def earliest_deadline(
    start: datetime, days: int, timezone: str, countings: Iterable[DayCounting]
) -> datetime:
    """Where several jurisdictions apply, the strictest (earliest) deadline wins."""
    deadlines = [c.deadline(start, days, timezone) for c in countings]
    if not deadlines:
        return DayCounting("calendar").deadline(start, days, timezone)
    return min(deadlines)
