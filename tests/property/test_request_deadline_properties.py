"""Rights-request deadlines, as properties: GDPR months (Reg 1182/71: the same date, else the
month's last day, then the next working day), Korean days (Civil Act Arts 157 and 161),
business days (US federal calendar), extensions (GDPR 3 months, CCPA 90 days once, PIPA
automated decisions twice 30 days), the strictest across jurisdictions and the fallback."""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.requests.deadlines import (
    ExtensionRefused,
    Period,
    RequestDeadlines,
    deadline_rule,
    extension_limit,
    period_end,
    request_deadlines,
)
from policyvault.domain.requests.model import Extension, RequestKind
from policyvault.services.retention.calendars import is_public_holiday, request_calendars

SEOUL = "Asia/Seoul"
JURISDICTIONS = ("kr-pipa", "eu-gdpr", "us-ccpa")
CALENDARS = request_calendars(JURISDICTIONS)
KR_HOLIDAY = partial(is_public_holiday, "KR")
US_HOLIDAY = partial(is_public_holiday, "US")
K = RequestKind

receipts = st.datetimes(
    min_value=datetime(2024, 4, 1),  # noqa: DTZ001  (after every rule's effective date)
    max_value=datetime(2040, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
zones = st.sampled_from([SEOUL, "UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Dubai"])
us_zones = st.sampled_from(["America/Los_Angeles", "America/New_York", "UTC"])
kinds = st.sampled_from(list(RequestKind))


def deadlines(
    kind: RequestKind, jurisdictions: Iterable[str], received: datetime, zone: str
) -> RequestDeadlines:
    return request_deadlines(
        kind, tuple(jurisdictions), received, timezone=zone, calendars=CALENDARS
    )


def last_day(deadline: datetime, zone: str) -> date:
    """The day a deadline is the end of (it is the next local midnight)."""
    end = deadline.astimezone(ZoneInfo(zone))
    assert end.time() == time(0), "a deadline is a local midnight"
    return end.date() - timedelta(days=1)


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def working(day: date, is_holiday: object = None) -> bool:
    return day.weekday() < 5 and not (callable(is_holiday) and is_holiday(day))


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


# --- GDPR: months -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(receipts, zones, st.sets(st.dates(date(2024, 4, 1), date(2041, 6, 30)), max_size=40))
def test_gdpr_month_is_the_same_date_then_the_next_working_day(
    received: datetime, zone: str, holidays: set[date]
) -> None:
    found = request_deadlines(
        K.access,
        ["eu-gdpr"],
        received,
        timezone=zone,
        calendars={"eu-gdpr": holidays.__contains__},
    )
    last = last_day(found.due_at, zone)
    same_date = add_months(local_day(received, zone), 1)
    assert found.due_at > received
    assert working(last, holidays.__contains__)
    assert last >= same_date
    # Moved only past a run of Saturdays, Sundays and holidays.
    day = same_date
    while day < last:
        assert not working(day, holidays.__contains__)
        day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(st.integers(2024, 2040), st.times(), zones)
def test_31_january_plus_a_month_is_the_end_of_february(year: int, at: time, zone: str) -> None:
    received = datetime.combine(date(year, 1, 31), at, tzinfo=ZoneInfo(zone))
    last = last_day(deadlines(K.access, ["eu-gdpr"], received, zone).due_at, zone)
    february_end = date(year, 2, monthrange(year, 2)[1])  # 28, or 29 in a leap year
    weekend_days = {5: 2, 6: 1}.get(february_end.weekday(), 0)
    assert last == february_end + timedelta(days=weekend_days)


@settings(max_examples=300, deadline=None)
@given(receipts, receipts, zones, st.sampled_from(JURISDICTIONS), kinds)
def test_a_due_date_is_monotone_in_the_receipt(
    one: datetime, other: datetime, zone: str, jurisdiction: str, kind: RequestKind
) -> None:
    early, late = sorted((one, other))
    first = deadlines(kind, [jurisdiction], early, zone).due_at
    second = deadlines(kind, [jurisdiction], late, zone).due_at
    assert early < first
    assert first <= second


# --- Korean days --------------------------------------------------------------------------------

TEN_DAY_KINDS = [K.access, K.correction, K.deletion, K.restriction, K.objection]


@settings(max_examples=300, deadline=None)
@given(receipts, zones, st.sampled_from([*TEN_DAY_KINDS, K.automated_decision]))
def test_a_korean_last_day_is_a_working_day(
    received: datetime, zone: str, kind: RequestKind
) -> None:
    found = deadlines(kind, ["kr-pipa"], received, zone)
    days = 30 if kind is K.automated_decision else 10
    last = last_day(found.due_at, SEOUL)  # Seoul's days, whatever the policy's zone
    assert working(last, KR_HOLIDAY), f"{last} is a {last:%A} or a holiday"
    local = received.astimezone(ZoneInfo(SEOUL))
    first_counted = local.date() + timedelta(days=0 if local.time() == time(0) else 1)
    calendar_last = first_counted + timedelta(days=days - 1)
    assert last >= calendar_last
    day = calendar_last
    while day < last:  # Art 161 moves the end past non-working days only
        assert not working(day, KR_HOLIDAY)
        day += timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2024, 4, 1), date(2040, 12, 31)), zones)
def test_a_period_starting_at_seoul_midnight_counts_that_day(day: date, zone: str) -> None:
    # Civil Act Art 157 proviso: 00:00 on day D counts D, so it ends where a request
    # received during D-1 ends; one microsecond later, D is not counted.
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(SEOUL))
    day_before = midnight - timedelta(hours=12)
    just_after = midnight + timedelta(microseconds=1)
    at_midnight = deadlines(K.access, ["kr-pipa"], midnight, zone).due_at
    assert at_midnight == deadlines(K.access, ["kr-pipa"], day_before, zone).due_at
    unrolled = last_day(deadlines(K.access, ["kr-pipa"], just_after, zone).due_at, SEOUL)
    assert unrolled >= day + timedelta(days=10)


@pytest.mark.parametrize(
    ("friday", "holidays", "expected_last"),
    [
        # Chuseok 2026: Thu 24 - Sat 26 Sep. 18 + 10 = Mon 28 Sep (at 00:00: Sun 27 -> 28).
        (date(2026, 9, 18), [date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)], 28),
        # Seollal 2026: Mon 16 - Wed 18 Feb. 13 + 10 = Mon 23 Feb (at 00:00: Sun 22 -> 23).
        (date(2026, 2, 13), [date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18)], 23),
    ],
)
@settings(max_examples=100, deadline=None)
@given(at=st.times(), zone=zones)
def test_a_request_on_the_friday_before_a_korean_holiday(
    friday: date, holidays: list[date], expected_last: int, at: time, zone: str
) -> None:
    assert friday.weekday() == 4
    assert all(KR_HOLIDAY(day) for day in holidays)
    received = datetime.combine(friday, at, tzinfo=ZoneInfo(SEOUL))
    last = last_day(deadlines(K.access, ["kr-pipa"], received, zone).due_at, SEOUL)
    assert last == friday.replace(day=expected_last)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2026, 9, 14, 0, 0, 1),  # noqa: DTZ001
        max_value=datetime(2026, 9, 17, 23, 59, 59),  # noqa: DTZ001
        timezones=st.just(ZoneInfo(SEOUL)),
    ),
    zones,
)
def test_a_period_ending_in_chuseok_2026_ends_on_monday_28_september(
    received: datetime, zone: str
) -> None:
    # Calendar last days 24-27 Sep: the day before Chuseok, Chuseok, its second day (a
    # Saturday), a Sunday: all roll to Mon 28 Sep.
    last = last_day(deadlines(K.deletion, ["kr-pipa"], received, zone).due_at, SEOUL)
    assert last == date(2026, 9, 28)


# --- business days ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(receipts, us_zones)
def test_business_days_skip_weekends_and_us_federal_holidays(received: datetime, zone: str) -> None:
    know = deadlines(K.access, ["us-ccpa"], received, zone)
    opt_out = deadlines(K.opt_out_sale, ["us-ccpa"], received, zone)
    assert know.ack_due_at is not None
    for deadline, count in ((know.ack_due_at, 10), (opt_out.due_at, 15)):
        last = last_day(deadline, zone)
        assert working(last, US_HOLIDAY), f"{last} is a {last:%A} or a federal holiday"
        # Exactly ``count`` working days after the day of receipt, the last one included.
        day, skipped = local_day(received, zone), 0
        while day < last:
            day += timedelta(days=1)
            skipped += working(day, US_HOLIDAY)
        assert skipped == count


# --- extensions ---------------------------------------------------------------------------------


def extension(until: datetime, at: datetime) -> Extension:
    return Extension(until=until, reason="complexity", at=at, by="cpo-1")


@settings(max_examples=200, deadline=None)
@given(receipts, zones, kinds, st.floats(0, 1))
def test_gdpr_extends_once_to_three_months(
    received: datetime, zone: str, kind: RequestKind, share: float
) -> None:
    found = deadlines(kind, ["eu-gdpr"], received, zone)
    at = received + (found.due_at - received) * share * 0.999
    limit = extension_limit(found, received, [], at, timezone=zone, calendars=CALENDARS)
    assert found.due_at < limit == period_end(Period(3, "months"), received, zone)
    three_months = add_months(local_day(received, zone), 3)
    assert last_day(limit, zone) - three_months < timedelta(days=3)  # at most a weekend later
    with pytest.raises(ExtensionRefused):  # once the first month has ended
        extension_limit(found, received, [], found.due_at, timezone=zone, calendars=CALENDARS)
    with pytest.raises(ExtensionRefused):  # a second one
        done = [extension(limit, at)]
        extension_limit(found, received, done, at, timezone=zone, calendars=CALENDARS)


@settings(max_examples=200, deadline=None)
@given(receipts, us_zones, st.sampled_from(sorted(K.__members__.values())))
def test_ccpa_extends_once_to_90_days(received: datetime, zone: str, kind: RequestKind) -> None:
    found = deadlines(kind, ["us-ccpa"], received, zone)
    extendable = kind in (K.access, K.portability, K.deletion, K.correction)
    if not extendable:
        with pytest.raises(ExtensionRefused):
            extension_limit(found, received, [], received, timezone=zone, calendars=CALENDARS)
        return
    limit = extension_limit(found, received, [], received, timezone=zone, calendars=CALENDARS)
    assert last_day(limit, zone) == local_day(received, zone) + timedelta(days=90)
    assert last_day(found.due_at, zone) == local_day(received, zone) + timedelta(days=45)
    with pytest.raises(ExtensionRefused):
        done = [extension(limit, received)]
        extension_limit(found, received, done, received, timezone=zone, calendars=CALENDARS)


@settings(max_examples=200, deadline=None)
@given(receipts, zones)
def test_kr_automated_decision_extends_twice_by_30_days(received: datetime, zone: str) -> None:
    found = deadlines(K.automated_decision, ["kr-pipa"], received, zone)
    thirty = Period(30, "kr_days")
    done: list[Extension] = []
    current = found.due_at
    for _ in range(2):
        at = current - timedelta(hours=1)
        limit = extension_limit(found, received, done, at, timezone=zone, calendars=CALENDARS)
        # No further than 30 KR days after the current due date, nor 90 after receipt.
        assert current < limit <= period_end(thirty, current, zone, KR_HOLIDAY)
        assert limit <= period_end(Period(90, "kr_days"), received, zone, KR_HOLIDAY)
        assert working(last_day(limit, SEOUL), KR_HOLIDAY)
        with pytest.raises(ExtensionRefused):  # notice after the current period ended
            extension_limit(found, received, done, current, timezone=zone, calendars=CALENDARS)
        done.append(extension(limit, at))
        current = limit
    with pytest.raises(ExtensionRefused):
        extension_limit(found, received, done, received, timezone=zone, calendars=CALENDARS)


# --- several jurisdictions, and the fallback ------------------------------------------------------

SUBSETS = [set(c) for n in range(1, 4) for c in combinations(JURISDICTIONS, n)]


@settings(max_examples=300, deadline=None)
@given(receipts, zones, kinds, st.sampled_from(SUBSETS), st.integers(1, 60))
def test_the_strictest_rule_wins_and_the_fallback_only_without_one(
    received: datetime, zone: str, kind: RequestKind, subset: set[str], fallback: int
) -> None:
    tagged = sorted(subset)
    found = request_deadlines(
        kind, tagged, received, timezone=zone, calendars=CALENDARS, fallback_days=fallback
    )
    on = local_day(received, zone)
    with_rule = [j for j in tagged if deadline_rule(j, kind, on) is not None]
    if not with_rule:
        assert found.rule.jurisdiction == "default"
        assert last_day(found.due_at, zone) == on + timedelta(days=fallback)
        return
    alone = {j: deadlines(kind, [j], received, zone) for j in with_rule}
    assert found.rule.jurisdiction != "default"
    assert {r.jurisdiction for r in found.applicable} == set(with_rule)
    assert found.due_at == min(a.due_at for a in alone.values())
    assert found.due_at == alone[found.rule.jurisdiction].due_at
    acks = [a.ack_due_at for a in alone.values() if a.ack_due_at is not None]
    assert found.ack_due_at == min(acks, default=None)
    # An extension only if every law allows one, no further than the nearest single limit.
    at = received
    single: list[datetime | None] = []
    for a in alone.values():
        try:
            single.append(extension_limit(a, received, [], at, timezone=zone, calendars=CALENDARS))
        except ExtensionRefused:
            single.append(None)
    if None in single:
        with pytest.raises(ExtensionRefused):
            extension_limit(found, received, [], at, timezone=zone, calendars=CALENDARS)
    else:
        limit = extension_limit(found, received, [], at, timezone=zone, calendars=CALENDARS)
        assert limit <= min(s for s in single if s is not None)
        assert limit > found.due_at
