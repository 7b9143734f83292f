"""The earliest date a new version may take effect in a jurisdiction: the longer of the
statutory notice and the notice the old version promised."""

from __future__ import annotations

from datetime import date, timedelta

from policyvault.domain.jurisdictions import notice_rule
from policyvault.domain.policy.diff.model import NoticePeriod
from policyvault.domain.policy.model import Policy


def notice_period(
    jurisdiction: str, old: Policy, significant: bool, announced_on: date
) -> NoticePeriod:
    rule = notice_rule(jurisdiction, announced_on)
    statutory = rule.notice_days(significant) if rule else 0
    promised = old.changes.significant_notice_days if significant else old.changes.notice_days
    days = max(statutory, promised)
    return NoticePeriod(
        jurisdiction, announced_on + timedelta(days=days), days, statutory, promised, rule
    )
