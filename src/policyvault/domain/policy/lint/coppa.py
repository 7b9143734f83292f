"""COPPA (us-coppa), 16 CFR Part 312 as amended in 2025: children under 13, and a written
retention policy for their data that never keeps it indefinitely (§312.10)."""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy.data import Sensitivity
from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint.rule import (
    US_COPPA,
    Check,
    Rule,
    child_rules,
    listing,
    section_path,
)
from policyvault.domain.policy.model import Policy

JURISDICTION = US_COPPA

WARN = Severity.warning
NO_COPPA_CHILD_RULE = Rule("L170", WARN, "no us-coppa children rule with minimum age 13")
NO_CHILD_RETENTION_POLICY = Rule("L171", WARN, "no written child-data retention policy")
CHILD_RETENTION_WITHOUT_END = Rule("L172", WARN, "a retention rule for child data with no period")

RULES = (NO_COPPA_CHILD_RULE, NO_CHILD_RETENTION_POLICY, CHILD_RETENTION_WITHOUT_END)

CHILD_AGE = 13  # 16 CFR §312.2, "child"


def no_coppa_child_rule(policy: Policy) -> Iterator[Finding]:
    rules = child_rules(policy, US_COPPA)
    if not rules:
        yield NO_COPPA_CHILD_RULE.finding(
            section_path(policy, "children", US_COPPA),
            "the policy declares us-coppa but has no children rule for it; expected "
            "children.rules with jurisdiction us-coppa, minimum_age 13 and under_age refuse or "
            "guardian_consent (verifiable parental consent) (16 CFR §312.2, §312.5(a))",
        )
    for index, rule in rules:
        if rule.minimum_age < CHILD_AGE:
            yield NO_COPPA_CHILD_RULE.finding(
                ("children", "rules", index, "minimum_age"),
                f"the us-coppa children rule sets minimum age {rule.minimum_age}: COPPA "
                f"protects every child under {CHILD_AGE}; expected minimum_age {CHILD_AGE} "
                "(16 CFR §312.2)",
            )


def no_child_retention_policy(policy: Policy) -> Iterator[Finding]:
    if policy.children is None or policy.children.retention is None:
        at = (
            ("children",)
            if policy.children is not None
            else section_path(policy, "children", US_COPPA)
        )
        yield NO_CHILD_RETENTION_POLICY.finding(
            at,
            "no written retention policy for children's data; expected children.retention "
            "stating the purposes, the business need and the deletion timeframe, published "
            "in the notice (16 CFR §312.10)",
        )


def _child_items(policy: Policy) -> set[str]:
    return {key for key in policy.items if Sensitivity.child_data in policy.sensitivity_of(key)}


def child_retention_without_end(policy: Policy) -> Iterator[Finding]:
    children = _child_items(policy)
    for index, rule in enumerate(policy.retention):
        purpose = policy.purposes.get(rule.purpose)
        if purpose is None or rule.period is not None:
            continue
        kept = set(rule.items if rule.items is not None else purpose.items) & children
        if kept:
            yield CHILD_RETENTION_WITHOUT_END.finding(
                ("retention", index),
                f"retention for {rule.purpose!r} keeps child data ({listing(kept)}) until "
                f"{rule.until!r} with no period: the event may never come, and a child's data "
                "may never be kept indefinitely; expected a period as a backstop (16 CFR "
                "§312.10)",
            )


CHECKS: tuple[Check, ...] = (
    no_coppa_child_rule,
    no_child_retention_policy,
    child_retention_without_end,
)
