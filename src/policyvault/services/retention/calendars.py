"""Public-holiday calendars for day counting, from the ``holidays`` package (the Korean one
follows 관공서의 공휴일에 관한 규정, substitute holidays included; the US one, asked for no
state, holds the federal holidays with their observed days)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache, partial

import holidays

from policyvault.domain.retention import DayCounting, HolidayCalendar, counting_for

# The country whose public holidays a jurisdiction's day counting skips.
HOLIDAY_COUNTRY = {"kr-pipa": "KR"}

# The country whose public holidays a rights-request deadline skips: Korean days for PIPA
# (Civil Act Art 161), US federal business days for the CCPA (LEGAL §8). The GDPR has no
# single calendar: weekends only, unless the caller adds the controller's own.
REQUEST_HOLIDAY_COUNTRY = {"kr-pipa": "KR", "us-ccpa": "US"}


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


def request_calendars(jurisdictions: Iterable[str]) -> dict[str, HolidayCalendar]:
    """Holiday calendars for ``policyvault.domain.requests.deadlines``, per jurisdiction."""
    return {
        jurisdiction: partial(is_public_holiday, REQUEST_HOLIDAY_COUNTRY[jurisdiction])
        for jurisdiction in jurisdictions
        if jurisdiction in REQUEST_HOLIDAY_COUNTRY
    }
