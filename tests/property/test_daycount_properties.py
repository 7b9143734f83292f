"""Day counting (Civil Act Arts 157 and 161 for Korea, plain calendar days elsewhere): a
deadline never comes before its start; a Korean last day is never a Saturday, a Sunday or a
public holiday; it is the calendar last day moved past the run of non-business days only;
a period starting at local 00:00 counts its first day; where several jurisdictions apply the
earliest deadline wins."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.retention import DayCounting, counting_for, earliest_deadline
from policyvault.services.retention.calendars import day_countings, is_public_holiday

SEOUL = "Asia/Seoul"
KR_HOLIDAY = partial(is_public_holiday, "KR")
KOREAN = counting_for("kr-pipa", KR_HOLIDAY)
CALENDAR = counting_for("eu-gdpr")
FIRST_YEAR, LAST_YEAR = 2000, 2060


def non_business(day: date) -> bool:
    return day.weekday() >= 5 or KR_HOLIDAY(day)


def _longest_non_business_run() -> int:
    day, run, longest = date(FIRST_YEAR, 1, 1), 0, 0
    while day.year <= LAST_YEAR + 1:
        run = run + 1 if non_business(day) else 0
        longest = max(longest, run)
        day += timedelta(days=1)
    return longest


LONGEST_RUN = _longest_non_business_run()  # 10 days: 2017-09-30 to 2017-10-09

instants = st.datetimes(
    min_value=datetime(FIRST_YEAR, 1, 1),  # noqa: DTZ001
    max_value=datetime(LAST_YEAR, 12, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
days = st.integers(0, 400)
zones = st.sampled_from([SEOUL, "UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Dubai"])
local_days = st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 12, 1))


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def end_of(day: date, zone: str) -> datetime:
    return local_midnight(day + timedelta(days=1), zone)


@settings(max_examples=400, deadline=None)
@given(instants, days, zones, st.booleans())
def test_a_deadline_is_never_before_its_start(
    start: datetime, n: int, zone: str, korean: bool
) -> None:
    counting = KOREAN if korean else CALENDAR
    days_of = counting.timezone or zone  # Korean days are Seoul's, whatever the policy's zone
    deadline = counting.deadline(start, n, zone)
    assert deadline > start
    assert deadline.tzinfo is UTC
    assert counting.last_day(start, n, zone) >= start.astimezone(ZoneInfo(days_of)).date()
    # The deadline is the end of the last day: the next local midnight.
    assert deadline == end_of(counting.last_day(start, n, zone), days_of)


@settings(max_examples=400, deadline=None)
@given(instants, st.integers(1, 400), zones)
def test_a_korean_last_day_is_a_business_day(start: datetime, n: int, zone: str) -> None:
    last = KOREAN.last_day(start, n, zone)
    assert last.weekday() not in (5, 6), f"{last} is a {last:%A}"
    assert not KR_HOLIDAY(last), f"{last} is a Korean public holiday"


@settings(max_examples=400, deadline=None)
@given(instants, st.integers(1, 400), zones)
def test_a_korean_last_day_rolls_only_past_non_business_days(
    start: datetime, n: int, zone: str
) -> None:
    local = start.astimezone(ZoneInfo(SEOUL))  # Korean periods count Seoul's days
    first_counted = local.date() if local.time() != time(0) else local.date() - timedelta(days=1)
    plain = first_counted + timedelta(days=n)  # the calendar last day, nothing rolled
    last = KOREAN.last_day(start, n, zone)
    assert last == KOREAN.last_day(start, n, SEOUL)  # the policy's own zone does not matter
    assert plain <= last <= plain + timedelta(days=LONGEST_RUN)
    # Every day it skipped was a Saturday, a Sunday or a public holiday.
    skipped = [plain + timedelta(days=i) for i in range((last - plain).days)]
    assert all(non_business(day) for day in skipped)


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(1, 400), zones)
def test_calendar_counting_never_rolls_and_never_counts_the_first_day(
    start: datetime, n: int, zone: str
) -> None:
    local = start.astimezone(ZoneInfo(zone))
    assert CALENDAR.last_day(start, n, zone) == local.date() + timedelta(days=n)


@settings(max_examples=300, deadline=None)
@given(local_days, st.integers(1, 400), zones, st.integers(1, 24 * 60 - 1))
def test_a_period_starting_at_local_midnight_counts_its_first_day(
    day: date, n: int, policy_zone: str, minute: int
) -> None:
    zone = SEOUL  # Korean periods start at midnight in Seoul, whatever the policy's zone
    at_midnight = local_midnight(day, zone)
    during_day_before = (
        datetime.combine(day - timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))
        + timedelta(minutes=minute)
    ).astimezone(UTC)
    # Starting at 00:00 on D counts D, exactly like a period begun at any time on D-1.
    assert KOREAN.last_day(at_midnight, n, policy_zone) == KOREAN.last_day(
        during_day_before, n, zone
    )
    later_that_day = at_midnight + timedelta(minutes=minute)
    assert KOREAN.last_day(later_that_day, n, zone) >= KOREAN.last_day(at_midnight, n, zone)
    plain = day + timedelta(days=n - 1)
    if not non_business(plain):
        assert KOREAN.last_day(at_midnight, n, zone) == plain


@settings(max_examples=300, deadline=None)
@given(instants, days, zones, st.lists(st.sampled_from(["kr-pipa", "eu-gdpr", "us-ccpa"])))
def test_the_earliest_deadline_wins_across_jurisdictions(
    start: datetime, n: int, zone: str, jurisdictions: list[str]
) -> None:
    countings = day_countings(jurisdictions)
    deadline = earliest_deadline(start, n, zone, countings)
    calendar = CALENDAR.deadline(start, n, zone)
    if countings:
        assert deadline == min(c.deadline(start, n, zone) for c in countings)
    else:
        assert deadline == calendar
    if not countings or any(j != "kr-pipa" for j in jurisdictions):
        assert deadline <= calendar
    assert deadline > start


@settings(max_examples=200, deadline=None)
@given(instants, days, zones)
def test_korean_counting_alone_ends_no_earlier_than_the_day_before_the_calendar_deadline(
    start: datetime, n: int, zone: str
) -> None:
    korean = KOREAN.deadline(start, n, zone)
    calendar = CALENDAR.deadline(start, n, zone)
    assert korean >= calendar - timedelta(days=1, hours=1)  # 00:00 counts the first day
    assert earliest_deadline(start, n, zone, [KOREAN, CALENDAR]) == min(korean, calendar)


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(0, 60), zones)
def test_longer_periods_never_end_earlier(start: datetime, n: int, zone: str) -> None:
    assert KOREAN.deadline(start, n + 1, zone) >= KOREAN.deadline(start, n, zone)
    assert CALENDAR.deadline(start, n + 1, zone) > CALENDAR.deadline(start, n, zone)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(SEOUL))  # type: ignore[misc]


# Chuseok 2026: 24-26 September; 3 October (National Foundation Day) is a Saturday, so Monday
# 5 October is its substitute; 9 October is Hangul Day (a Friday).
@pytest.mark.parametrize(
    ("start", "n", "last"),
    [
        # The Friday before Chuseok, 10:00: counted from Saturday, day 10 is Monday 28 Sep.
        (kst(2026, 9, 18, 10, 0), 10, date(2026, 9, 28)),
        # The same Friday at 00:00 counts itself: day 10 is Sunday 27 Sep, rolled to the 28th.
        (kst(2026, 9, 18, 0, 0), 10, date(2026, 9, 28)),
        # Day 10 is Thursday 24 Sep (Chuseok): rolled past 25, 26 (Sat), 27 (Sun).
        (kst(2026, 9, 14, 15, 30), 10, date(2026, 9, 28)),
        # Day 10 is Saturday 3 Oct: rolled past Sunday 4 and the substitute Monday 5.
        (kst(2026, 9, 23, 14, 0), 10, date(2026, 10, 6)),
        # Day 10 is Friday 9 Oct (Hangul Day): rolled past the weekend to Monday 12.
        (kst(2026, 9, 29, 9, 0), 10, date(2026, 10, 12)),
        # An ordinary week: day 10 is a Monday, nothing rolls.
        (kst(2026, 3, 6, 12, 0), 10, date(2026, 3, 16)),
        # Day 5 is Saturday 7 March: rolled to Monday 9 March.
        (kst(2026, 3, 2, 9, 0), 5, date(2026, 3, 9)),
        # The five-day destruction grace from 30 September: day 5 is 5 Oct (substitute day).
        (kst(2026, 9, 30, 18, 0), 5, date(2026, 10, 6)),
        # No grace at all: the end of the same day, even a holiday.
        (kst(2026, 9, 25, 13, 0), 0, date(2026, 9, 25)),
    ],
)
def test_known_korean_deadlines(start: datetime, n: int, last: date) -> None:
    assert KOREAN.last_day(start.astimezone(UTC), n, SEOUL) == last
    assert KOREAN.deadline(start.astimezone(UTC), n, SEOUL) == end_of(last, SEOUL)


def test_a_utc_instant_is_counted_on_the_seoul_calendar() -> None:
    # 2026-09-22 15:00 UTC is 2026-09-23 00:00 in Seoul: the 23rd counts, day 10 is 2 Oct.
    start = datetime(2026, 9, 22, 15, 0, tzinfo=UTC)
    assert KOREAN.last_day(start, 10, SEOUL) == date(2026, 10, 2)
    assert KOREAN.deadline(start, 10, SEOUL) == datetime(2026, 10, 2, 15, 0, tzinfo=UTC)
    # One second later it does not: day 10 is Saturday 3 Oct, rolled to Tuesday 6 Oct.
    assert KOREAN.last_day(start + timedelta(seconds=1), 10, SEOUL) == date(2026, 10, 6)


def test_the_strictest_jurisdiction_wins_for_a_kr_and_eu_subject() -> None:
    start = kst(2026, 9, 23, 14, 0).astimezone(UTC)
    both = earliest_deadline(start, 10, SEOUL, day_countings(["kr-pipa", "eu-gdpr"]))
    assert both == end_of(date(2026, 10, 3), SEOUL)  # the calendar's Saturday, not Tuesday
    alone = earliest_deadline(start, 10, SEOUL, day_countings(["kr-pipa"]))
    assert alone == end_of(date(2026, 10, 6), SEOUL)


def test_a_custom_holiday_calendar_is_honoured() -> None:
    every_monday = DayCounting(
        "kr-pipa", roll_off_holidays=True, is_holiday=lambda d: d.weekday() == 0
    )
    start = kst(2026, 3, 6, 12, 0).astimezone(UTC)  # day 10 is Monday 16 March
    assert every_monday.last_day(start, 10, SEOUL) == date(2026, 3, 17)
