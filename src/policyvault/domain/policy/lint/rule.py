"""What a lint rule is: a stable code, a severity, and the law it speaks for.

A rule's check is a pure function ``(Policy) -> Iterable[Finding]``; the ``Rule`` value it
closes over gives every finding the same code and severity, and lets the registry (and
``docs/lint-rules.md``) list every code the linter can emit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from policyvault.domain.policy.base import REGIONS
from policyvault.domain.policy.findings import Finding, Path, Severity
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import ChildRule

KR_PIPA = "kr-pipa"
EU_GDPR = "eu-gdpr"
US_CCPA = "us-ccpa"
US_COPPA = "us-coppa"

Check = Callable[[Policy], Iterable[Finding]]

# EU member states and the EEA members outside the EU (ISO 3166-1 alpha-2), plus the regions
# a policy may name instead of a country.
_EU = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"]
_EU += ["IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
EU_EEA = frozenset([*_EU, "IS", "LI", "NO", *REGIONS])


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    summary: str  # one line: what the rule looks for

    def finding(self, path: Path, message: str) -> Finding:
        return Finding(self.code, message, path, self.severity)


def cite(policy: Policy, sources: Mapping[str, str]) -> str:
    """The legal sources of a rule for the laws the policy declares (all of them if it
    declares none of the rule's laws), as ``(A; B)`` to end a message."""
    declared = [text for law, text in sources.items() if law in policy.jurisdictions]
    return "(" + "; ".join(declared or list(sources.values())) + ")"


def declares(policy: Policy, *laws: str) -> bool:
    return any(law in policy.jurisdictions for law in laws)


def abroad(country: str, home: str | None) -> bool:
    """Whether data sent to ``country`` leaves a controller established in ``home``. Unknown
    when the policy does not state ``home``: then nothing is taken to be abroad."""
    if home is None:
        return False
    if home in EU_EEA and country in EU_EEA:
        return False
    return country != home


def section_path(policy: Policy, field: str, *laws: str) -> Path:
    """Where to point at a missing or empty top-level section: the section when the file has
    it, otherwise the declared jurisdiction that asks for it."""
    if field in policy.model_fields_set:
        alias = Policy.model_fields[field].alias
        return (alias or field,)
    for index, law in enumerate(policy.jurisdictions):
        if law in laws:
            return ("jurisdictions", index)
    return ("jurisdictions",)


def listing(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def alternatives(values: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``: in the order given."""
    return " or ".join([", ".join(values[:-1]), values[-1]] if len(values) > 1 else values)


def child_rules(policy: Policy, jurisdiction: str) -> list[tuple[int, ChildRule]]:
    """The policy's children rules for one jurisdiction, with their index in the file."""
    rules = policy.children.rules if policy.children else []
    return [(index, rule) for index, rule in enumerate(rules) if rule.jurisdiction == jurisdiction]
