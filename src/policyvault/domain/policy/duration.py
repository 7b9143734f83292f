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
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from policyvault.domain.errors import InvalidInput

_DURATION = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")
_MAX_UNITS = 1000 * 12  # a thousand years is a typo, not a retention period


class BadDuration(InvalidInput):
    """The text is not an ISO 8601 calendar duration."""

    code = "bad_duration"


@dataclass(frozen=True, order=False)
class Duration:
    """A calendar period: whole months plus whole days."""

    months: int = 0
    days: int = 0
    # The units the author wrote (P36M stays "36 months" in the notice, P3Y "3 years").
    # Not part of equality: P36M and P3Y are the same period.
    units: tuple[int, int, int, int] | None = field(default=None, compare=False, repr=False)

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
        return cls(months=total_months, days=total_days, units=(years, months, weeks, days))

    def written_units(self) -> tuple[int, int, int, int]:
        """(years, months, weeks, days) as written, or normalised when built in code."""
        if self.units is not None:
            return self.units
        years, months = divmod(self.months, 12)
        return (years, months, 0, self.days)

    def iso(self) -> str:
        """The period as the author wrote it (``P36M`` stays ``P36M``)."""
        if self.months == 0 and self.days == 0:
            return "P0D"
        if self.units is not None:
            return "P" + "".join(f"{n}{u}" for n, u in zip(self.units, "YMWD", strict=True) if n)
        return self.canonical()

    def canonical(self) -> str:
        """One spelling per period: P36M and P3Y are both ``P3Y``."""
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
    # P1M and P30D are neither longer nor shorter than each other in general. The bounds are
    # exact over the Gregorian calendar: P1Y is 365 or 366 days, never 336 or 372.
    def shortest_days(self) -> int:
        return _month_span(self.months)[0] + self.days

    def longest_days(self) -> int:
        return _month_span(self.months)[1] + self.days

    def _excess_days(self, other: Duration) -> tuple[int, int]:
        """The least and the most ``self.after(d) - other.after(d)`` can be, over all dates."""
        days = self.days - other.days
        if self.months >= other.months:
            low, high = _month_span(self.months - other.months)
            return low + days, high + days
        low, high = _month_span(other.months - self.months)
        return days - high, days - low

    def surely_longer_than(self, other: Duration) -> bool:
        """True when this period ends after ``other`` whatever the start date."""
        return self._excess_days(other)[0] > 0

    def may_be_longer_than(self, other: Duration) -> bool:
        """False only when this period is never longer than ``other`` on any calendar."""
        return self._excess_days(other)[1] > 0

    def __str__(self) -> str:
        return self.iso()


def add_months(start: date, months: int) -> date:
    month_index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(month_index, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last_day))


# The Gregorian calendar repeats every 400 years: 4800 months, 146097 days.
_CYCLE_MONTHS = 4800
_CYCLE_DAYS = 146_097


@lru_cache(maxsize=1)
def _month_starts() -> tuple[int, ...]:
    """Day numbers of the first of each month over two 400-year cycles."""
    return tuple(add_months(date(2000, 1, 1), n).toordinal() for n in range(2 * _CYCLE_MONTHS + 1))


@lru_cache(maxsize=512)
def _month_span(months: int) -> tuple[int, int]:
    """The fewest and the most days ``months`` calendar months can span.

    ``add_months(start, k) - start`` always lies between the spans of two runs of ``k``
    whole months (the clamping of the day only moves it between them), and the run starting
    on the 1st of a month reaches each value, so the extremes over whole runs are exact.
    """
    cycles, rest = divmod(months, _CYCLE_MONTHS)
    starts = _month_starts()
    spans = [starts[i + rest] - starts[i] for i in range(_CYCLE_MONTHS)]
    return cycles * _CYCLE_DAYS + min(spans), cycles * _CYCLE_DAYS + max(spans)
