"""How values read in the notice: periods, month names, country names, links."""

from __future__ import annotations

import re
from functools import cache

from policyvault.domain.policy.base import REGIONS
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.text import Language
from policyvault.services.notice.model import Link

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def describe_period(duration: Duration, lang: Language) -> str:
    """``P6M`` -> "6 months" / "6개월", ``P1Y6M`` -> "1 year and 6 months" / "1년 6개월".

    The units are the author's: ``P36M`` reads "36 months", ``P3Y`` "3 years".
    """
    years, months, weeks, days = duration.written_units()
    parts = [(n, u) for n, u in ((years, 0), (months, 1), (weeks, 2), (days, 3)) if n]
    if not parts:
        parts = [(0, 3)]
    if lang == "ko":
        return " ".join(f"{n}{('년', '개월', '주', '일')[unit]}" for n, unit in parts)
    names = ("year", "month", "week", "day")
    words = [f"{n} {names[unit]}{'' if n == 1 else 's'}" for n, unit in parts]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


_REGIONS_KO = {"EU": "유럽연합", "EEA": "유럽경제지역"}


@cache
def _country_name(code: str, lang: Language) -> str:
    """The country's name from the phone-number metadata (CLDR names); the code if unknown."""
    if code in REGIONS:
        return _REGIONS_KO[code] if lang == "ko" else REGIONS[code]
    import phonenumbers
    from phonenumbers import geocoder

    example = phonenumbers.example_number(code)
    name = geocoder.country_name_for_number(example, lang) if example is not None else ""
    return name or code


def _web_href(url: str) -> str:
    return url if re.match(r"^https?://", url) else f"https://{url}"


def _contact_link(email: str) -> Link:
    return Link(email, "mailto:" + email)
