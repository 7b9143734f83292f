"""ISO 8601 calendar durations (``P36M``, ``P3Y``, ``P1Y6M``, ``P90D``, ``P2W``) and the date
arithmetic the retention rules need.

Only calendar units are allowed: a retention period is counted in days, months and years,
never in hours. Months are added the way statutes count them: the same day number in the
target month, or that month's last day when it is shorter (31 January + P1M = 28 or 29
February). Years are twelve months, weeks are seven days.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_DURATION = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")
_MAX_UNITS = 1000 * 12  # a thousand years is a typo, not a retention period


class BadDuration(ValueError):
    """The text is not an ISO 8601 calendar duration."""


@dataclass(frozen=True, order=False)
class Duration:
    """A calendar period: whole months plus whole days."""

    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        match = _DURATION.match(text.strip()) if isinstance(text, str) else None
        if not match or text.strip() == "P":
            raise BadDuration(
                f"{text!r} is not an ISO 8601 calendar duration "
                "(expected e.g. P3Y, P36M, P6M, P90D, P2W or P1Y6M)"
            )
        years, months, weeks, days = (int(match.group(g) or 0) for g in "ymwd")
        total_months = years * 12 + months
        total_days = weeks * 7 + days
        if total_months > _MAX_UNITS or total_days > _MAX_UNITS * 31:
            raise BadDuration(f"{text!r} is longer than any retention period can be")
        return cls(months=total_months, days=total_days)

    def iso(self) -> str:
        if self.months == 0 and self.days == 0:
            return "P0D"
        years, months = divmod(self.months, 12)
        parts = "P"
        if years:
            parts += f"{years}Y"
        if months:
            parts += f"{months}M"
        if self.days:
            parts += f"{self.days}D"
        return parts

    def after(self, start: date) -> date:
        """The date this period after ``start``: months first (clamped), then days."""
        return add_months(start, self.months) + timedelta(days=self.days)

    # Bounds in days, used to compare periods that mix months and days honestly:
    # P1M and P30D are neither longer nor shorter than each other in general.
    def shortest_days(self) -> int:
        return self.months * 28 + self.days

    def longest_days(self) -> int:
        return self.months * 31 + self.days

    def surely_longer_than(self, other: Duration) -> bool:
        if self.months >= other.months and self.days >= other.days:
            return self != other
        return self.shortest_days() > other.longest_days()

    def may_be_longer_than(self, other: Duration) -> bool:
        """False only when this period is never longer than ``other`` on any calendar."""
        if self.months <= other.months and self.days <= other.days:
            return False
        return self.longest_days() > other.shortest_days()

    def __str__(self) -> str:
        return self.iso()


def add_months(start: date, months: int) -> date:
    month_index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last_day))
