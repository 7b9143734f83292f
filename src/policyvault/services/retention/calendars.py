"""Public-holiday calendars for day counting, from the ``holidays`` package (the Korean one
follows 관공서의 공휴일에 관한 규정, substitute holidays included)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache, partial

import holidays

from policyvault.domain.retention import DayCounting, counting_for

# The country whose public holidays a jurisdiction's day counting skips.
HOLIDAY_COUNTRY = {"kr-pipa": "KR"}


@lru_cache(maxsize=8)
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)  # fills in each year when first asked


def is_public_holiday(country: str, day: date) -> bool:
    return day in _calendar(country)


def day_countings(jurisdictions: Sequence[str]) -> list[DayCounting]:
    countings = []
    for jurisdiction in jurisdictions:
        country = HOLIDAY_COUNTRY.get(jurisdiction)
        if country is None:
            countings.append(counting_for(jurisdiction))
        else:
            countings.append(counting_for(jurisdiction, partial(is_public_holiday, country)))
    return countings
