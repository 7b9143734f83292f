"""When retention ends: the end of an item's use for a purpose, from the policy's rules and
the subject's events. Pure: events and the policy's time zone go in, instants come out.

Periods are counted on the calendar of the policy's time zone (a month after 31 January
at 10:00 in Seoul is the last day of February at 10:00 in Seoul), then stored in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from policyvault.domain.consent import ConsentEvent, consent_state
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import RetentionRule

Events = Mapping[str, datetime]  # event name -> when it (first) happened

# Consent events belong to one consent: a rule "until consent_withdrawn" of the newsletter
# ends when the newsletter's consent is withdrawn, not when any other is.
CONSENT_EVENTS = ("consent_given", "consent_withdrawn")
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


def purpose_events(
    policy: Policy, purpose_key: str, events: Events, consents: Sequence[ConsentEvent]
) -> dict[str, datetime]:
    """``events`` as one purpose's rules see them. For a purpose resting on consent,
    ``consent_given`` is when the consent that holds now was given, and ``consent_withdrawn``
    when it was withdrawn, if it no longer holds (given again after a withdrawal, it holds:
    no withdrawal). Other purposes see the subject's events as they are."""
    purpose = policy.purposes.get(purpose_key)
    categories = purpose.consent_categories if purpose is not None else set()
    if not categories:
        return dict(events)
    scoped = {name: at for name, at in events.items() if name not in CONSENT_EVENTS}
    given: list[datetime] = []
    withdrawn: list[datetime] = []
    for category in categories:
        state = consent_state(consents, category, purpose_key, _FAR_FUTURE)
        if state.since is not None:
            (given if state.holds else withdrawn).append(state.since)
    if given:
        scoped["consent_given"] = max(given)
    elif withdrawn:
        scoped["consent_withdrawn"] = max(withdrawn)
    return scoped


def rules_for(policy: Policy, purpose: str, item: str) -> list[RetentionRule]:
    """The rules that govern ``item`` for ``purpose``: those naming the item, else the
    purpose-wide ones."""
    rules = [r for r in policy.retention if r.purpose == purpose]
    specific = [r for r in rules if r.items is not None and item in r.items]
    return specific or [r for r in rules if r.items is None]


def rule_end(rule: RetentionRule, events: Events, timezone: str) -> datetime | None:
    """When the rule ends its retention, or None while nothing fixes the end yet."""
    ends: list[datetime] = []
    if rule.until is not None and rule.until in events:
        ends.append(events[rule.until])
    if rule.period is not None and (start := rule.from_ or "collected") in events:
        ends.append(add_period_local(events[start], rule.period, timezone))
    return min(ends) if ends else None


def retention_end(policy: Policy, purpose: str, item: str, events: Events) -> datetime | None:
    """The earliest end among the rules for ``item`` and ``purpose``."""
    ends = [
        end
        for rule in rules_for(policy, purpose, item)
        if (end := rule_end(rule, events, policy.timezone)) is not None
    ]
    return min(ends) if ends else None


def add_period_local(start: datetime, period: Duration, timezone: str) -> datetime:
    """``start`` plus ``period`` on the policy's local calendar, as a UTC instant."""
    if start.tzinfo is None:
        raise ValueError("deadlines are computed from timezone-aware times")
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    shifted = datetime.combine(period.after(local.date()), local.timetz().replace(tzinfo=None))
    return shifted.replace(tzinfo=zone).astimezone(UTC)
