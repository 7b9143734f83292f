"""When a data-subject rights request must be answered: a versioned rule table of the legal
deadlines, and the functions that compute a request's due date, its receipt confirmation and
how far it may still be extended.

Each rule names its source, the kind of rule (statute, guidance or company practice) and the
date it applies from, so that a change in the law is a new row, never an edit of code. A
period is counted in one of four units:

- ``kr_days``: Korean days under Civil Act Arts 157 and 161 (``DayCounting`` on Seoul's
  calendar): the first day is not counted unless the period starts at 00:00, and a last day
  on a Saturday, Sunday or public holiday moves to the next day that is none of them;
- ``calendar_days``: plain days in the policy's time zone, never moved (CCPA §1798.130);
- ``business_days``: days other than Saturdays, Sundays and the jurisdiction's holidays (the
  US federal calendar for the CCPA, LEGAL §8), the day of receipt not counted;
- ``months``: Regulation 1182/71 Art 3 as applied to GDPR Art 12(3): the same date N months
  after receipt, the last day of that month if the date does not exist, then the next working
  day if it falls on a Saturday, Sunday or holiday.

A deadline is the end of its last day: the next local midnight, as a UTC instant (the
convention of ``DayCounting.deadline``). Where a subject is tagged with several jurisdictions
the strictest wins: the earliest due date, and an extension only as far as every law allows.
Holidays come in as ``HolidayCalendar`` callables per jurisdiction (the services build them
from the ``holidays`` package), so this module stays pure.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from policyvault.domain.errors import InvalidInput, Refused
from policyvault.domain.jurisdictions import RuleKind
from policyvault.domain.requests.model import Extension, RequestKind
from policyvault.domain.retention.daycount import (
    KOREAN_TIMEZONE,
    DayCounting,
    HolidayCalendar,
    no_holidays,
)

__all__ = [
    "FALLBACK_RULE",
    "REQUEST_DEADLINE_RULES",
    "ExtensionRefused",
    "ExtensionRule",
    "Period",
    "RequestDeadlineRule",
    "RequestDeadlines",
    "Unit",
    "deadline_rule",
    "extension_limit",
    "period_end",
    "request_deadlines",
]

Unit = Literal["kr_days", "calendar_days", "business_days", "months"]


class ExtensionRefused(Refused):
    """The law does not allow (another) extension of this request, or allows it no more."""

    code = "extension_refused"


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit


@dataclass(frozen=True)
class ExtensionRule:
    """How a rule lets the controller extend its period."""

    times: int  # how many extensions, at most
    each: Period  # each lengthens the period by at most this (in the period's own unit)
    total: Period  # counted from receipt: the latest any extension may reach
    # The notice (with its reasons) must be given before the first due date, or before the
    # due date in force when the extension is made (the period being extended).
    notice_before: Literal["first_due", "current_due"]


@dataclass(frozen=True)
class RequestDeadlineRule:
    """The deadline for some kinds of request in one jurisdiction, from one date on."""

    jurisdiction: str
    kinds: frozenset[RequestKind]
    period: Period
    source: str
    kind: RuleKind
    effective_from: date
    ack: Period | None = None  # a receipt confirmation is due within this period
    extension: ExtensionRule | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.extension is not None and self.extension.each.unit != self.period.unit:
            # An extension lengthens the period itself, so both must count the same days.
            raise InvalidInput(
                f"{self.jurisdiction}: an extension must count in {self.period.unit}"
            )


@dataclass(frozen=True)
class RequestDeadlines:
    due_at: datetime  # the strictest (earliest) due date across the applicable rules
    rule: RequestDeadlineRule  # the rule that set ``due_at``
    ack_due_at: datetime | None  # the earliest receipt-confirmation deadline, if any rule has one
    applicable: tuple[RequestDeadlineRule, ...]


_K = RequestKind
_PIPA_DAYS = Period(10, "kr_days")
_CCPA_KNOW_DELETE_CORRECT = frozenset({_K.access, _K.portability, _K.deletion, _K.correction})

REQUEST_DEADLINE_RULES: tuple[RequestDeadlineRule, ...] = (
    RequestDeadlineRule(
        jurisdiction="kr-pipa",
        kinds=frozenset({_K.access, _K.correction, _K.deletion, _K.restriction, _K.objection}),
        period=_PIPA_DAYS,
        # An objection is handled as a suspension of processing (처리정지), PIPA Art 37(1).
        source="PIPA Arts 35(3), 36(2), 37(2); Decree Arts 41(4)-(5), 42(2), 43(3), 44(2)",
        kind="statute",
        effective_from=date(2011, 9, 30),
    ),
    RequestDeadlineRule(
        jurisdiction="kr-pipa",
        kinds=frozenset({_K.withdraw_consent, _K.portability}),
        period=_PIPA_DAYS,
        source="PIPA Art 37(3), Decree Art 42-6(1) ('without delay'); 10 days after Decree 44(2)",
        kind="company_practice",
        effective_from=date(2023, 9, 15),  # Act No. 19234: withdrawal named in Art 37(1)
        note="The statute sets no number of days; 10 KR days is the outer bound the vault "
        "keeps, borrowed from the result notices of Decree Arts 41(4) and 44(2).",
    ),
    RequestDeadlineRule(
        jurisdiction="kr-pipa",
        kinds=frozenset({_K.automated_decision}),
        period=Period(30, "kr_days"),
        source="PIPA Art 37-2; Decree Art 44-3(5)",
        kind="statute",
        effective_from=date(2024, 3, 15),
        # "twice at most, by up to 30 days each, telling the subject the reason".
        extension=ExtensionRule(
            times=2,
            each=Period(30, "kr_days"),
            total=Period(90, "kr_days"),
            notice_before="current_due",
        ),
    ),
    RequestDeadlineRule(
        jurisdiction="eu-gdpr",
        kinds=frozenset(RequestKind),
        period=Period(1, "months"),
        source="GDPR Art 12(3); Reg 1182/71 Art 3 (EDPB Guidelines 01/2022)",
        kind="statute",
        effective_from=date(2018, 5, 25),
        # "extended by two further months ... within one month of receipt of the request".
        extension=ExtensionRule(
            times=1, each=Period(2, "months"), total=Period(3, "months"), notice_before="first_due"
        ),
    ),
    RequestDeadlineRule(
        jurisdiction="us-ccpa",
        kinds=_CCPA_KNOW_DELETE_CORRECT,
        period=Period(45, "calendar_days"),
        source="Cal. Civ. Code §1798.130(a)(2); 11 CCR §7021",
        kind="statute",
        effective_from=date(2023, 1, 1),  # CPRA operative: the right to correct
        ack=Period(10, "business_days"),  # 11 CCR §7021(a)
        # "once by an additional 45 calendar days ... notice within the first 45 days".
        extension=ExtensionRule(
            times=1,
            each=Period(45, "calendar_days"),
            total=Period(90, "calendar_days"),
            notice_before="first_due",
        ),
    ),
    RequestDeadlineRule(
        jurisdiction="us-ccpa",
        kinds=frozenset({_K.opt_out_sale, _K.limit_sensitive}),
        period=Period(15, "business_days"),
        source="11 CCR §§7026(f), 7027",
        kind="statute",
        effective_from=date(2023, 1, 1),
    ),
)

# Used only where none of the subject's jurisdictions has a rule for the kind of request
# (e.g. an objection from a subject tagged us-ccpa only). Its 30 days are configuration:
# ``request_deadlines(fallback_days=...)`` replaces them.
FALLBACK_RULE = RequestDeadlineRule(
    jurisdiction="default",
    kinds=frozenset(RequestKind),
    period=Period(30, "calendar_days"),
    source="PolicyVault default (configurable): no statute of the subject's jurisdictions",
    kind="company_practice",
    effective_from=date.min,
)


def deadline_rule(
    jurisdiction: str,
    kind: RequestKind,
    on: date,
    rules: Sequence[RequestDeadlineRule] = REQUEST_DEADLINE_RULES,
) -> RequestDeadlineRule | None:
    """The rule in force in ``jurisdiction`` for ``kind`` on ``on``; None when none is."""
    in_force = [
        r
        for r in rules
        if r.jurisdiction == jurisdiction and kind in r.kinds and r.effective_from <= on
    ]
    return max(in_force, key=lambda r: r.effective_from, default=None)


def request_deadlines(
    kind: RequestKind,
    jurisdictions: Sequence[str],
    received_at: datetime,
    *,
    timezone: str,
    calendars: Mapping[str, HolidayCalendar] | None = None,
    fallback_days: int = 30,
    rules: Sequence[RequestDeadlineRule] = REQUEST_DEADLINE_RULES,
) -> RequestDeadlines:
    """The due date of a request received at ``received_at`` from a subject tagged with
    ``jurisdictions``: the earliest of each jurisdiction's rule (LEGAL §7 item 7), or the
    company's ``fallback_days`` calendar days when none of them has a rule for ``kind``.
    ``calendars`` maps a jurisdiction to its holidays; one missing skips weekends only."""
    _require_aware(received_at, "received_at")
    if fallback_days < 1:
        raise InvalidInput(f"fallback_days must be at least 1, not {fallback_days}")
    calendars = calendars or {}
    on = received_at.astimezone(ZoneInfo(timezone)).date()
    applicable = tuple(
        rule
        for jurisdiction in dict.fromkeys(jurisdictions)  # each once, in the caller's order
        if (rule := deadline_rule(jurisdiction, kind, on, rules)) is not None
    )
    if not applicable:
        applicable = (replace(FALLBACK_RULE, period=Period(fallback_days, "calendar_days")),)
    dues = [
        (_due(rule, rule.period, received_at, timezone, calendars), rule) for rule in applicable
    ]
    due_at, rule = min(dues, key=lambda pair: pair[0])  # a tie keeps the first jurisdiction
    acks = [
        _due(r, r.ack, received_at, timezone, calendars) for r in applicable if r.ack is not None
    ]
    return RequestDeadlines(due_at, rule, min(acks, default=None), applicable)


def extension_limit(
    deadlines: RequestDeadlines,
    received_at: datetime,
    extensions: Sequence[Extension],
    at: datetime,
    *,
    timezone: str,
    calendars: Mapping[str, HolidayCalendar] | None = None,
) -> datetime:
    """The latest due date the next extension, noticed at ``at``, may set; ExtensionRefused
    when the law allows no (more) extension or its notice comes too late.

    An extension lengthens the period counted from receipt (GDPR Art 12(3) "two further
    months", Decree 44-3(5) "그 기간을 연장", 11 CCR §7021(b) "a maximum total of 90 days from
    the day the request is received"): the k-th may reach receipt + period + k x ``each``,
    never beyond receipt + ``total``, with Art 161 or Reg 1182/71 moving only that final last
    day, so a move past a holiday never compounds. After a shorter extension, the next
    reaches at most one ``each`` past it.

    The strictest law wins: an extension is allowed only if every applicable rule allows one
    more, its notice must precede the earliest of their notice deadlines, and it reaches no
    further than the nearest of their limits."""
    _require_aware(at, "at")
    calendars = calendars or {}
    current_due = max([deadlines.due_at, *(e.until for e in extensions)])
    limits: list[datetime] = []
    notice_by: list[datetime] = []
    for rule in deadlines.applicable:
        allowed = rule.extension
        if allowed is None:
            raise ExtensionRefused(f"{rule.jurisdiction} ({rule.source}) allows no extension")
        if len(extensions) >= allowed.times:
            raise ExtensionRefused(
                f"{rule.jurisdiction} ({rule.source}) allows {allowed.times} extension(s); "
                f"{len(extensions)} already made"
            )
        first = allowed.notice_before == "first_due"
        notice_by.append(deadlines.due_at if first else current_due)
        lengthened = rule.period.amount + (len(extensions) + 1) * allowed.each.amount
        reach = [
            _due(rule, Period(lengthened, rule.period.unit), received_at, timezone, calendars),
            _due(rule, allowed.total, received_at, timezone, calendars),
        ]
        if extensions:
            # Counted from the last day of the period in force (its end minus an instant):
            # that day is not counted (Civil Act Art 157, Reg 1182/71 Art 3(1)).
            end_of_current = current_due - timedelta(microseconds=1)
            reach.append(_due(rule, allowed.each, end_of_current, timezone, calendars))
        limits.append(min(reach))
    # Notice must reach the subject before the period being extended ends.
    if at >= (deadline := min(notice_by)):
        raise ExtensionRefused(
            f"an extension must be noticed before {deadline.isoformat()}; it is {at.isoformat()}"
        )
    if (limit := min(limits)) <= current_due:
        raise ExtensionRefused(f"the due date {current_due.isoformat()} is already the limit")
    return limit


def period_end(
    period: Period, start: datetime, timezone: str, is_holiday: HolidayCalendar = no_holidays
) -> datetime:
    """The end of a period that starts at ``start``: the next local midnight after its last
    day, as a UTC instant. Korean days are Seoul's, whatever ``timezone`` says."""
    _require_aware(start, "start")
    if period.unit == "kr_days":
        korean = DayCounting(
            "kr_days", roll_off_holidays=True, is_holiday=is_holiday, timezone=KOREAN_TIMEZONE
        )
        return korean.deadline(start, period.amount, timezone)
    if period.unit == "calendar_days":
        return DayCounting("calendar_days").deadline(start, period.amount, timezone)
    zone = ZoneInfo(timezone)
    received_on = start.astimezone(zone).date()  # the day of the event is not counted
    if period.unit == "business_days":
        last = received_on
        for _ in range(period.amount):
            last = _next_working_day(last + timedelta(days=1), is_holiday)
    else:
        last = _next_working_day(_add_months(received_on, period.amount), is_holiday)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def _due(
    rule: RequestDeadlineRule,
    period: Period,
    start: datetime,
    timezone: str,
    calendars: Mapping[str, HolidayCalendar],
) -> datetime:
    return period_end(period, start, timezone, calendars.get(rule.jurisdiction, no_holidays))


def _add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or the last day of that month if it has no such date
    (Reg 1182/71 Art 3(2)(c))."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _next_working_day(day: date, is_holiday: HolidayCalendar) -> date:
    """``day``, or the first day after it that is no Saturday, Sunday or holiday (Reg
    1182/71 Art 3(4))."""
    while day.weekday() >= 5 or is_holiday(day):
        day += timedelta(days=1)
    return day


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"{name} must be timezone-aware")
