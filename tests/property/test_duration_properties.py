"""Calendar durations: parsing round-trips, month ends and leap years are counted the way
statutes count them, and the comparisons agree with the calendar."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.policy.duration import Duration

FAST = settings(max_examples=100, deadline=None)

dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2400, 12, 31))
durations = st.builds(Duration, months=st.integers(0, 1200), days=st.integers(0, 3000))
years = st.integers(1901, 2399)


def _days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


# -- parsing -------------------------------------------------------------------------------------


@FAST
@given(durations)
def test_iso_text_parses_back_to_the_same_duration(duration: Duration) -> None:
    assert Duration.parse(duration.iso()) == duration
    assert Duration.parse(str(duration)) == duration


@FAST
@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
def test_every_unit_is_counted(y: int, m: int, w: int, d: int) -> None:
    parts = [f"{n}{unit}" for n, unit in ((y, "Y"), (m, "M"), (w, "W"), (d, "D")) if n]
    text = "P" + "".join(parts) if parts else "P0D"
    assert Duration.parse(text) == Duration(months=12 * y + m, days=7 * w + d)


@FAST
@given(st.integers(0, 80), dates)
def test_years_are_twelve_months(n: int, start: date) -> None:
    assert Duration.parse(f"P{n}Y") == Duration.parse(f"P{12 * n}M")
    assert Duration.parse(f"P{n}Y").after(start) == Duration(months=12 * n).after(start)


# -- month ends and leap years -------------------------------------------------------------------


def test_month_end_examples() -> None:
    one_month, one_year = Duration.parse("P1M"), Duration.parse("P1Y")
    assert one_month.after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert one_month.after(date(2028, 1, 31)) == date(2028, 2, 29)
    assert one_year.after(date(2028, 2, 29)) == date(2029, 2, 28)
    assert Duration.parse("P4Y").after(date(2028, 2, 29)) == date(2032, 2, 29)
    assert Duration.parse("P4Y").after(date(2096, 2, 29)) == date(2100, 2, 28)
    assert Duration.parse("P1M1D").after(date(2026, 1, 31)) == date(2026, 3, 1)


@FAST
@given(years)
def test_the_last_of_january_plus_a_month_is_the_last_of_february(year: int) -> None:
    expected = date(year, 2, 29 if calendar.isleap(year) else 28)
    assert Duration(months=1).after(date(year, 1, 31)) == expected


@FAST
@given(years.filter(calendar.isleap))
def test_a_leap_day_plus_a_year_is_the_28th_of_february(year: int) -> None:
    assert Duration(months=12).after(date(year, 2, 29)) == date(year + 1, 2, 28)


@FAST
@given(dates, st.integers(0, 1200))
def test_adding_months_keeps_the_day_or_clamps_it_to_the_month_end(
    start: date, months: int
) -> None:
    end = Duration(months=months).after(start)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day == min(start.day, _days_in_month(end))


@FAST
@given(dates, dates, durations)
def test_a_later_start_never_ends_earlier(first: date, second: date, duration: Duration) -> None:
    first, second = min(first, second), max(first, second)
    assert duration.after(first) <= duration.after(second)


@FAST
@given(dates, st.integers(0, 1200))
def test_n_months_last_between_28n_and_31n_days(start: date, n: int) -> None:
    end = Duration(months=n).after(start)
    assert start + timedelta(days=28 * n) <= end <= start + timedelta(days=31 * n)


@FAST
@given(dates, durations)
def test_the_day_bounds_hold(start: date, duration: Duration) -> None:
    length = (duration.after(start) - start).days
    assert duration.shortest_days() <= length <= duration.longest_days()


# -- comparisons ---------------------------------------------------------------------------------

# Every start date of six ordinary years and of the six years around 2100, which is not a
# leap year: together they contain every arrangement of month lengths that runs of up to
# 48 months can meet, so for such durations the comparisons must be exact on this sample.
SAMPLE = [
    first + timedelta(days=n)
    for first, last in (
        (date(2023, 1, 1), date(2028, 12, 31)),
        (date(2096, 1, 1), date(2101, 12, 31)),
    )
    for n in range((last - first).days + 1)
]
short_durations = st.builds(Duration, months=st.integers(0, 48), days=st.integers(0, 1500))


def _excess(first: Duration, second: Duration) -> list[int]:
    """By how many days ``first`` outlasts ``second``, from each start date of the sample."""
    return [(first.after(start) - second.after(start)).days for start in SAMPLE]


@FAST
@given(durations, durations)
def test_surely_longer_implies_may_be_longer(first: Duration, second: Duration) -> None:
    if first.surely_longer_than(second):
        assert first.may_be_longer_than(second)
        assert not second.may_be_longer_than(first)
    assert not first.surely_longer_than(first)
    assert not first.may_be_longer_than(first)


@settings(max_examples=60, deadline=None)
@given(short_durations, short_durations)
def test_comparisons_agree_with_the_calendar(first: Duration, second: Duration) -> None:
    excess = _excess(first, second)
    assert first.may_be_longer_than(second) is any(days > 0 for days in excess)
    assert first.surely_longer_than(second) is all(days > 0 for days in excess)


@settings(max_examples=60, deadline=None)
@given(short_durations, short_durations.filter(lambda d: d != Duration()))
def test_adding_a_positive_duration_is_surely_longer(base: Duration, extra: Duration) -> None:
    longer = Duration(months=base.months + extra.months, days=base.days + extra.days)
    assert longer.surely_longer_than(base)
    assert longer.may_be_longer_than(base)
    assert not base.may_be_longer_than(longer)


def test_comparison_examples() -> None:
    p = Duration.parse
    assert p("P1M").may_be_longer_than(p("P30D")) and p("P30D").may_be_longer_than(p("P1M"))
    assert not p("P1M").surely_longer_than(p("P30D"))
    assert not p("P365D").may_be_longer_than(p("P1Y"))
    assert p("P366D").may_be_longer_than(p("P1Y"))
    assert p("P367D").surely_longer_than(p("P1Y"))
    assert not p("P2M").may_be_longer_than(p("P1M31D"))
    assert p("P1461D").may_be_longer_than(p("P4Y"))  # 2096-03-01 to 2100-03-01: 1460 days
