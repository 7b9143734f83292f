"""Retention ends: periods counted on the policy's local calendar, events ending earlier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.deadlines import add_period_local, rule_end
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.retention import RetentionRule

instants = st.datetimes(
    # hypothesis wants naive bounds and adds the zone itself
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2090, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
periods = st.builds(Duration, months=st.integers(0, 120), days=st.integers(0, 400))
zones = st.sampled_from(["Asia/Seoul", "Europe/Berlin", "America/Los_Angeles", "UTC"])


@settings(max_examples=300, deadline=None)
@given(instants, periods, zones)
def test_a_period_ends_on_the_local_calendar_date_it_names(
    start: datetime, period: Duration, zone: str
) -> None:
    end = add_period_local(start, period, zone)
    local_start, local_end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    assert local_end.date() == period.after(local_start.date())
    assert end >= start
    assert end.tzinfo is UTC


@settings(max_examples=200, deadline=None)
@given(instants, periods, st.integers(0, 5000), zones)
def test_with_until_and_period_whichever_comes_first_ends_retention(
    start: datetime, period: Duration, minutes_to_event: int, zone: str
) -> None:
    rule = RetentionRule(
        purpose="p", until="consent_withdrawn", period=period, **{"from": "consent_given"}
    )
    event_at = start + timedelta(minutes=minutes_to_event)
    both = rule_end(rule, {"consent_given": start, "consent_withdrawn": event_at}, zone)
    only_period = rule_end(rule, {"consent_given": start}, zone)
    assert only_period == add_period_local(start, period, zone)
    assert both == min(event_at, add_period_local(start, period, zone))
    assert rule_end(rule, {}, zone) is None
