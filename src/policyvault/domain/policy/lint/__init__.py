"""The policy linter: does the policy contain what each declared law requires a privacy
notice to contain, and are its promises precise enough to keep?

``lint_policy`` runs the rules every policy gets (``retention``, ``general``), then the rules
of each declared jurisdiction (``pipa``, ``gdpr``, ``ccpa``, ``coppa``). A jurisdiction the
linter has no rules for gets one info finding. Findings are warnings (a promise missing or vague) or
info; each carries a stable code ``L1xx`` listed in ``RULES`` and explained in
``docs/lint-rules.md``, and the path of the place in the file it is about.
"""

from __future__ import annotations

from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint import ccpa, coppa, gdpr, general, pipa, retention
from policyvault.domain.policy.lint.rule import Check, Rule
from policyvault.domain.policy.model import Policy

__all__ = ["RULES", "Rule", "lint_policy", "rule_codes"]

UNKNOWN_JURISDICTION = Rule("L190", Severity.info, "a jurisdiction with no lint rules")

BY_JURISDICTION: dict[str, tuple[Check, ...]] = {
    pipa.JURISDICTION: pipa.CHECKS,
    gdpr.JURISDICTION: gdpr.CHECKS,
    ccpa.JURISDICTION: ccpa.CHECKS,
    coppa.JURISDICTION: coppa.CHECKS,
}

EVERY_POLICY: tuple[Check, ...] = (*retention.CHECKS, *general.CHECKS)

RULES: tuple[Rule, ...] = (
    *retention.RULES,
    *general.RULES,
    *pipa.RULES,
    *gdpr.RULES,
    *ccpa.RULES,
    *coppa.RULES,
    UNKNOWN_JURISDICTION,
)


def rule_codes() -> frozenset[str]:
    return frozenset(rule.code for rule in RULES)


def lint_policy(policy: Policy) -> list[Finding]:
    """Every lint finding for the policy: general rules first, then each jurisdiction's in
    the order the policy declares them."""
    findings = [finding for check in EVERY_POLICY for finding in check(policy)]
    for index, jurisdiction in enumerate(policy.jurisdictions):
        checks = BY_JURISDICTION.get(jurisdiction)
        if checks is None:
            known = ", ".join(BY_JURISDICTION)
            findings.append(
                UNKNOWN_JURISDICTION.finding(
                    ("jurisdictions", index),
                    f"no notice rules are known for {jurisdiction!r} (known: {known}); the "
                    "general rules ran, but nothing checks what that law requires the notice "
                    "to contain",
                )
            )
            continue
        findings.extend(finding for check in checks for finding in check(policy))
    return findings
