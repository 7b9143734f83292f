"""Rights-request deadlines on dates written out, each worked by hand in its comment:
PIPA's 10 and 30 Korean days (Civil Act Arts 157 and 161, Chuseok and Seollal 2026), GDPR's
month (Reg 1182/71), CCPA's 45 calendar days and 10 business days (Thanksgiving 2026), their
extensions, the strictest across jurisdictions and the company fallback."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from policyvault.domain.errors import InvalidInput, Refused
from policyvault.domain.requests.deadlines import (
    REQUEST_DEADLINE_RULES,
    ExtensionRefused,
    Period,
    RequestDeadlineRule,
    RequestDeadlines,
    deadline_rule,
    extension_limit,
    request_deadlines,
)
from policyvault.domain.requests.model import Extension, RequestKind
from policyvault.services.retention.calendars import request_calendars

SEOUL = ZoneInfo("Asia/Seoul")
BERLIN = "Europe/Berlin"
LOS_ANGELES = "America/Los_Angeles"
CALENDARS = request_calendars(["kr-pipa", "eu-gdpr", "us-ccpa"])
K = RequestKind


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def deadlines(
    kind: RequestKind, jurisdictions: list[str], received_at: datetime, timezone: str = "UTC"
) -> RequestDeadlines:
    return request_deadlines(
        kind, jurisdictions, received_at, timezone=timezone, calendars=CALENDARS
    )


def extend(
    found: RequestDeadlines,
    received_at: datetime,
    at: datetime,
    extensions: tuple[Extension, ...] = (),
    timezone: str = "UTC",
) -> datetime:
    return extension_limit(
        found, received_at, extensions, at, timezone=timezone, calendars=CALENDARS
    )


def extension(until: datetime, at: datetime) -> Extension:
    return Extension(until=until, reason="complexity", at=at, by="cpo-1")


# --- GDPR: one month (Art 12(3)), counted under Reg 1182/71 ---------------------------------


def test_gdpr_month_from_31_january_ends_on_the_monday_after_28_february() -> None:
    # Received Sat 2026-01-31 10:00 UTC. One month later is "31 February", which does not
    # exist: the last day of February, Sat 28 Feb. A Saturday, then Sun 1 Mar: the next
    # working day is Mon 2 Mar, so the deadline is the end of 2026-03-02.
    found = deadlines(K.access, ["eu-gdpr"], utc(2026, 1, 31, 10))
    assert found.due_at == utc(2026, 3, 3)
    assert found.rule.jurisdiction == "eu-gdpr"
    assert found.ack_due_at is None
    # In Berlin the end of 2 March is 2026-03-03 00:00 CET = 2026-03-02 23:00 UTC.
    berlin = deadlines(K.access, ["eu-gdpr"], utc(2026, 1, 31, 10), BERLIN)
    assert berlin.due_at == utc(2026, 3, 2, 23)


def test_gdpr_month_in_a_leap_year_ends_on_29_february() -> None:
    # Received Mon 2028-01-31: "31 February 2028" does not exist, the last day of February
    # 2028 is Tue 29 Feb, a working day. Deadline: end of 2028-02-29.
    assert deadlines(K.deletion, ["eu-gdpr"], utc(2028, 1, 31, 9)).due_at == utc(2028, 3, 1)


def test_gdpr_month_keeps_the_calendar_date() -> None:
    # Received Thu 2026-10-15 16:00 UTC: the same date a month later is Sun 15 Nov, so Mon
    # 16 Nov; its end is 2026-11-17 00:00 UTC.
    assert deadlines(K.objection, ["eu-gdpr"], utc(2026, 10, 15, 16)).due_at == utc(2026, 11, 17)


def test_gdpr_month_skips_the_controllers_holidays_when_given() -> None:
    # Received Fri 2026-11-27: a month later is Sun 27 Dec, then Mon 28 Dec. With a calendar
    # that makes 28 Dec a holiday the month ends Tue 29 Dec.
    received = utc(2026, 11, 27, 12)
    plain = deadlines(K.access, ["eu-gdpr"], received)
    assert plain.due_at == utc(2026, 12, 29)
    holiday = request_deadlines(
        K.access,
        ["eu-gdpr"],
        received,
        timezone="UTC",
        calendars={"eu-gdpr": lambda day: day == date(2026, 12, 28)},
    )
    assert holiday.due_at == utc(2026, 12, 30)


def test_gdpr_extension_reaches_three_months_after_receipt() -> None:
    # Received Sat 2026-01-31 10:00 UTC, due at the end of Mon 2 Mar (Berlin). The extension
    # lengthens the month by two further months, counted from receipt: 31 January + 3 months
    # = "31 April", so Thu 30 Apr, whose end is 2026-05-01 00:00 CEST = 2026-04-30 22:00 UTC.
    # (Not 2 Mar + 2 months = Sat 2 May -> Mon 4 May: the weekend move does not compound.)
    received = utc(2026, 1, 31, 10)
    found = deadlines(K.access, ["eu-gdpr"], received, BERLIN)
    limit = extend(found, received, at=utc(2026, 3, 2, 22, 59), timezone=BERLIN)
    assert limit == utc(2026, 4, 30, 22)


def test_gdpr_extension_is_refused_after_the_first_month() -> None:
    # The notice must come "within one month of receipt": at 2026-03-02 23:00 UTC (the end
    # of 2 March in Berlin) the first month is over.
    received = utc(2026, 1, 31, 10)
    found = deadlines(K.access, ["eu-gdpr"], received, BERLIN)
    with pytest.raises(ExtensionRefused, match="must be noticed before"):
        extend(found, received, at=utc(2026, 3, 2, 23), timezone=BERLIN)


def test_gdpr_allows_one_extension_only() -> None:
    received = utc(2026, 1, 31, 10)
    found = deadlines(K.access, ["eu-gdpr"], received, BERLIN)
    first = extension(utc(2026, 4, 30, 22), at=utc(2026, 2, 20))
    with pytest.raises(ExtensionRefused, match="allows 1 extension"):
        extend(found, received, at=utc(2026, 2, 21), extensions=(first,), timezone=BERLIN)


# --- PIPA: 10 Korean days (Decree 41(4), 43(3), 44(2)); Civil Act Arts 157, 161 ---------------


def test_kr_access_on_the_friday_before_chuseok_2026() -> None:
    # Received Fri 2026-09-18 10:00 KST. Art 157: the first day is not counted, so the 10
    # days run 19..28 Sep. Chuseok (Thu 24 - Sat 26 Sep) falls inside the period and does
    # not lengthen it: Art 161 only moves a last day, and Mon 28 Sep is a working day.
    # Deadline: end of 28 Sep KST = 2026-09-28 15:00 UTC, whatever the policy's time zone.
    received = datetime(2026, 9, 18, 10, tzinfo=SEOUL)
    for zone in ("UTC", BERLIN, LOS_ANGELES):
        found = deadlines(K.access, ["kr-pipa"], received, zone)
        assert found.due_at == utc(2026, 9, 28, 15)
        assert found.rule.source.startswith("PIPA Arts 35(3)")


def test_kr_last_day_in_chuseok_moves_to_the_next_working_day() -> None:
    # Received Mon 2026-09-14 10:00 KST: 14 + 10 = Thu 24 Sep, the day before Chuseok (a
    # public holiday), then Chuseok Fri 25, Sat 26 (its second day), Sun 27: Art 161 moves
    # the end to Mon 28 Sep. Deadline 2026-09-28 15:00 UTC.
    received = datetime(2026, 9, 14, 10, tzinfo=SEOUL)
    assert deadlines(K.deletion, ["kr-pipa"], received).due_at == utc(2026, 9, 28, 15)


def test_kr_last_day_in_seollal_moves_past_it() -> None:
    # Received Fri 2026-02-06 10:00 KST: 6 + 10 = Mon 16 Feb, the day before Seollal; Seollal
    # Tue 17 and its second day Wed 18 are holidays too, so the end is Thu 19 Feb KST =
    # 2026-02-19 15:00 UTC.
    received = datetime(2026, 2, 6, 10, tzinfo=SEOUL)
    assert deadlines(K.correction, ["kr-pipa"], received).due_at == utc(2026, 2, 19, 15)


def test_kr_friday_before_seollal_2026() -> None:
    # Received Fri 2026-02-13 18:00 KST, the last working day before Seollal (16-18 Feb): the
    # 10 days run 14..23 Feb and end on Mon 23 Feb, a working day: 2026-02-23 15:00 UTC.
    received = datetime(2026, 2, 13, 18, tzinfo=SEOUL)
    assert deadlines(K.restriction, ["kr-pipa"], received).due_at == utc(2026, 2, 23, 15)


def test_kr_period_starting_at_midnight_counts_its_first_day() -> None:
    # Received Sun 2026-09-13 00:00 KST: Art 157 proviso, the period starts at 00:00 so 13 Sep
    # counts as day 1 and day 10 is Tue 22 Sep (2026-09-22 15:00 UTC). One second later the
    # first day is not counted: 14..23 Sep, ending Wed 23 Sep (2026-09-23 15:00 UTC).
    midnight = datetime(2026, 9, 13, 0, 0, 0, tzinfo=SEOUL)
    later = datetime(2026, 9, 13, 0, 0, 1, tzinfo=SEOUL)
    assert deadlines(K.access, ["kr-pipa"], midnight).due_at == utc(2026, 9, 22, 15)
    assert deadlines(K.access, ["kr-pipa"], later).due_at == utc(2026, 9, 23, 15)


def test_kr_access_allows_no_extension() -> None:
    received = datetime(2026, 9, 18, 10, tzinfo=SEOUL)
    found = deadlines(K.access, ["kr-pipa"], received)
    with pytest.raises(ExtensionRefused, match="allows no extension") as refused:
        extend(found, received, at=received)
    assert isinstance(refused.value, Refused)
    assert refused.value.code == "extension_refused"


def test_kr_withdrawal_and_portability_are_company_practice() -> None:
    # The statute says "without delay" (PIPA 37(3), Decree 42-6(1)); 10 KR days is the
    # vault's outer bound, and the rule says so.
    for kind in (K.withdraw_consent, K.portability):
        rule = deadline_rule("kr-pipa", kind, date(2026, 9, 18))
        assert rule is not None
        assert rule.kind == "company_practice"
        assert rule.period == Period(10, "kr_days")


# --- PIPA automated decisions: 30 KR days, twice 30 more (Decree 44-3(5)) -------------------


def test_kr_automated_decision_two_extensions_of_30_days() -> None:
    # Received Tue 2026-09-01 10:00 KST: 1 Sep + 30 = Thu 1 Oct, a working day in 2026:
    # due 2026-10-01 15:00 UTC.
    received = datetime(2026, 9, 1, 10, tzinfo=SEOUL)
    found = deadlines(K.automated_decision, ["kr-pipa"], received)
    assert found.due_at == utc(2026, 10, 1, 15)
    # First extension: the period becomes 60 days, 1 Sep + 60 = Sat 31 Oct -> Mon 2 Nov
    # (Art 161): end of 2 Nov KST = 2026-11-02 15:00 UTC.
    first = extend(found, received, at=utc(2026, 9, 30))
    assert first == utc(2026, 11, 2, 15)
    # Second extension, noticed before the end of 2 Nov: the period becomes 90 days, 1 Sep +
    # 90 = Mon 30 Nov (not 2 Nov + 30 = Wed 2 Dec: the move past the weekend does not
    # compound). End of 30 Nov KST = 2026-11-30 15:00 UTC.
    done = (extension(first, at=utc(2026, 9, 30)),)
    second = extend(found, received, at=utc(2026, 11, 2, 14, 59), extensions=done)
    assert second == utc(2026, 11, 30, 15)
    # Notice must precede the end of the period being extended (2026-11-02 15:00 UTC).
    with pytest.raises(ExtensionRefused, match="must be noticed before"):
        extend(found, received, at=utc(2026, 11, 2, 15), extensions=done)
    # A third is refused.
    both = (*done, extension(second, at=utc(2026, 11, 1)))
    with pytest.raises(ExtensionRefused, match="allows 2 extension"):
        extend(found, received, at=utc(2026, 11, 2), extensions=both)


# --- CCPA: 45 calendar days, ack in 10 business days (§1798.130(a)(2), 11 CCR §7021) ---------


def test_ccpa_ack_over_thanksgiving_2026() -> None:
    # Received Fri 2026-11-20 10:00 PST. Business days after it: Mon 23 (1), Tue 24 (2),
    # Wed 25 (3), [Thu 26 Thanksgiving, a federal holiday], Fri 27 (4, not a federal
    # holiday), Mon 30 (5), Tue 1 Dec (6), Wed 2 (7), Thu 3 (8), Fri 4 (9), Mon 7 Dec (10).
    # Ack due at the end of 7 Dec PST = 2026-12-08 08:00 UTC.
    # Response: 20 Nov + 45 calendar days = 4 Jan 2027 (10 to 30 Nov, 31 in Dec, 4 in Jan),
    # never moved: end of 4 Jan PST = 2027-01-05 08:00 UTC.
    received = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo(LOS_ANGELES))
    found = deadlines(K.access, ["us-ccpa"], received, LOS_ANGELES)
    assert found.ack_due_at == utc(2026, 12, 8, 8)
    assert found.due_at == utc(2027, 1, 5, 8)
    # Without the federal calendar, Thanksgiving would count: the ack would fall on Fri 4 Dec.
    weekends_only = request_deadlines(K.access, ["us-ccpa"], received, timezone=LOS_ANGELES)
    assert weekends_only.ack_due_at == utc(2026, 12, 5, 8)


def test_ccpa_one_extension_to_90_days() -> None:
    # 20 Nov 2026 + 90 calendar days = 18 Feb 2027 (41 to 31 Dec, 31 in Jan, 18 in Feb):
    # end of 18 Feb PST = 2027-02-19 08:00 UTC.
    received = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo(LOS_ANGELES))
    found = deadlines(K.deletion, ["us-ccpa"], received, LOS_ANGELES)
    limit = extend(found, received, at=utc(2027, 1, 5, 7, 59), timezone=LOS_ANGELES)
    assert limit == utc(2027, 2, 19, 8)
    with pytest.raises(ExtensionRefused, match="must be noticed before"):
        extend(found, received, at=utc(2027, 1, 5, 8), timezone=LOS_ANGELES)
    done = (extension(limit, at=utc(2026, 12, 1)),)
    with pytest.raises(ExtensionRefused, match="allows 1 extension"):
        extend(found, received, at=utc(2026, 12, 2), extensions=done, timezone=LOS_ANGELES)


def test_ccpa_opt_out_within_15_business_days_no_extension() -> None:
    # From Fri 2026-11-20: the 10th business day is Mon 7 Dec (above), then Tue 8 (11),
    # Wed 9 (12), Thu 10 (13), Fri 11 (14), Mon 14 Dec (15): end of 14 Dec PST =
    # 2026-12-15 08:00 UTC. No receipt confirmation, no extension (11 CCR §§7026(f), 7027).
    received = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo(LOS_ANGELES))
    for kind in (K.opt_out_sale, K.limit_sensitive):
        found = deadlines(kind, ["us-ccpa"], received, LOS_ANGELES)
        assert found.due_at == utc(2026, 12, 15, 8)
        assert found.ack_due_at is None
        with pytest.raises(ExtensionRefused):
            extend(found, received, at=received, timezone=LOS_ANGELES)


# --- several jurisdictions: the strictest wins ----------------------------------------------


def test_the_earliest_due_date_wins_and_the_ack_comes_along() -> None:
    # Received Fri 2026-11-20 10:00 PST = Sat 21 Nov 03:00 KST. KR: 21 + 10 = Tue 1 Dec,
    # end 2026-12-01 15:00 UTC. GDPR: 20 Nov + 1 month = Sun 20 Dec -> Mon 21 Dec. CCPA: 4
    # Jan 2027. PIPA sets the due date; CCPA alone asks for a receipt confirmation.
    received = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo(LOS_ANGELES))
    found = deadlines(K.access, ["us-ccpa", "eu-gdpr", "kr-pipa"], received, LOS_ANGELES)
    assert found.due_at == utc(2026, 12, 1, 15)
    assert found.rule.jurisdiction == "kr-pipa"
    assert found.ack_due_at == utc(2026, 12, 8, 8)
    assert [r.jurisdiction for r in found.applicable] == ["us-ccpa", "eu-gdpr", "kr-pipa"]


def test_an_extension_needs_every_law_to_allow_it() -> None:
    # Access for a subject under PIPA and the GDPR: the GDPR would allow two more months,
    # PIPA none, so no extension.
    received = utc(2026, 9, 1, 1)
    found = deadlines(K.access, ["eu-gdpr", "kr-pipa"], received)
    with pytest.raises(ExtensionRefused, match="kr-pipa"):
        extend(found, received, at=received)


def test_kr_and_gdpr_automated_decision_extend_once_to_the_nearer_limit() -> None:
    # Received Tue 2026-09-01 10:00 KST (01:00 UTC). KR: due 1 Oct KST (15:00 UTC); GDPR in
    # Berlin: 1 Oct, end 22:00 UTC. KR is stricter. One extension: KR to Mon 2 Nov (15:00
    # UTC), GDPR to Tue 1 Dec: the nearer, 2 Nov. A second one: the GDPR allows no second.
    received = datetime(2026, 9, 1, 10, tzinfo=SEOUL)
    found = deadlines(K.automated_decision, ["kr-pipa", "eu-gdpr"], received, BERLIN)
    assert found.due_at == utc(2026, 10, 1, 15)
    first = extend(found, received, at=utc(2026, 9, 20), timezone=BERLIN)
    assert first == utc(2026, 11, 2, 15)
    done = (extension(first, at=utc(2026, 9, 20)),)
    with pytest.raises(ExtensionRefused, match="eu-gdpr"):
        extend(found, received, at=utc(2026, 10, 20), extensions=done, timezone=BERLIN)


# --- the fallback -----------------------------------------------------------------------------


def test_fallback_only_when_no_jurisdiction_has_a_rule() -> None:
    # An objection under the CCPA alone: no CCPA rule, so the company's 30 calendar days:
    # 20 Nov + 30 = Sun 20 Dec (never moved), end 2026-12-21 08:00 UTC.
    received = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo(LOS_ANGELES))
    found = deadlines(K.objection, ["us-ccpa"], received, LOS_ANGELES)
    assert found.due_at == utc(2026, 12, 21, 8)
    assert found.rule.jurisdiction == "default"
    assert found.rule.kind == "company_practice"
    # Configured to 14 days: 20 Nov + 14 = 4 Dec, end 2026-12-05 08:00 UTC.
    short = request_deadlines(
        K.objection, ["us-ccpa"], received, timezone=LOS_ANGELES, fallback_days=14
    )
    assert short.due_at == utc(2026, 12, 5, 8)
    assert short.rule.period == Period(14, "calendar_days")
    # With PIPA too, PIPA's rule applies and the fallback does not.
    both = deadlines(K.objection, ["us-ccpa", "kr-pipa"], received, LOS_ANGELES)
    assert [r.jurisdiction for r in both.applicable] == ["kr-pipa"]
    # No jurisdiction at all, or one the table does not know: the fallback.
    assert deadlines(K.access, [], received).rule.jurisdiction == "default"
    assert deadlines(K.access, ["br-lgpd"], received).rule.jurisdiction == "default"
    with pytest.raises(ExtensionRefused):
        extend(found, received, at=received)


def test_a_rule_applies_from_its_effective_date() -> None:
    # Decree 44-3 (automated decisions) applies from 2024-03-15: a request of 14 March 2024
    # (Seoul) falls back, one of 15 March gets the 30 KR days.
    before = datetime(2024, 3, 14, 12, tzinfo=SEOUL)
    after = datetime(2024, 3, 15, 12, tzinfo=SEOUL)
    kind = K.automated_decision
    assert deadlines(kind, ["kr-pipa"], before, "Asia/Seoul").rule.jurisdiction == "default"
    assert deadlines(kind, ["kr-pipa"], after, "Asia/Seoul").rule.period == Period(30, "kr_days")


def test_the_newest_version_of_a_rule_wins() -> None:
    old = RequestDeadlineRule(
        "xx",
        frozenset({K.access}),
        Period(30, "calendar_days"),
        "Act 1",
        "statute",
        date(2020, 1, 1),
    )
    new = RequestDeadlineRule(
        "xx",
        frozenset({K.access}),
        Period(20, "calendar_days"),
        "Act 2",
        "statute",
        date(2025, 1, 1),
    )
    assert deadline_rule("xx", K.access, date(2024, 12, 31), (old, new)) is old
    assert deadline_rule("xx", K.access, date(2025, 1, 1), (new, old)) is new
    assert deadline_rule("xx", K.deletion, date(2025, 1, 1), (old, new)) is None


def test_every_rule_names_its_source_and_kind() -> None:
    for rule in REQUEST_DEADLINE_RULES:
        assert rule.source and rule.kinds
        assert rule.kind in ("statute", "guidance", "company_practice")
        assert rule.period.amount > 0


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInput):
        request_deadlines(K.access, ["eu-gdpr"], datetime(2026, 1, 1), timezone="UTC")  # noqa: DTZ001
    with pytest.raises(InvalidInput):
        request_deadlines(K.access, [], utc(2026, 1, 1), timezone="UTC", fallback_days=0)
