"""CCPA / CPRA (us-ccpa): the notice at collection and the privacy policy.

At or before collection: the categories collected, the purposes, whether they are sold or
shared, and how long each category is kept (Cal. Civ. Code §1798.100(a)). The privacy policy:
the categories collected, their sources, the business purposes, the categories of third
parties, the categories sold or shared or a statement that there were none, and the
consumer's rights (§1798.130(a)(5)). Per-category retention is checked in ``retention``
(L101-L103, citing §1798.100(a)(3)).
"""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy.data import Sensitivity
from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint.rule import US_CCPA, Check, Rule, listing, section_path
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right

JURISDICTION = US_CCPA

WARN, INFO = Severity.warning, Severity.info
NO_CCPA_NOTICE = Rule("L160", WARN, "no ccpa section (notice at collection)")
NO_THIRD_PARTY_CATEGORIES = Rule("L161", WARN, "recipients but no categories of third parties")
SALE_NOT_DECLARED = Rule("L162", WARN, "a recipient buys or shares data, ccpa says no sale")
NO_OPT_OUT = Rule("L163", WARN, "data sold or shared, but no right to opt out")
CCPA_RIGHTS_MISSING = Rule("L164", WARN, "CCPA rights to know, delete and correct missing")
NO_LIMIT_SENSITIVE = Rule("L165", INFO, "sensitive personal information, no right to limit")
SALE_NOT_STATED = Rule("L166", WARN, "the ccpa section does not say whether data is sold")

RULES = (
    NO_CCPA_NOTICE,
    NO_THIRD_PARTY_CATEGORIES,
    SALE_NOT_DECLARED,
    NO_OPT_OUT,
    CCPA_RIGHTS_MISSING,
    NO_LIMIT_SENSITIVE,
    SALE_NOT_STATED,
)

CCPA_RIGHTS = (Right.access, Right.deletion, Right.correction)
# Sensitive personal information, §1798.140(ae), as far as the schema's flags can tell it.
SENSITIVE_PI = {
    Sensitivity.unique_identifier,
    Sensitivity.financial,
    Sensitivity.special_category,
    Sensitivity.password,
}


def _sellers(policy: Policy) -> list[tuple[int, str]]:
    recipients = policy.provision.recipients if policy.provision else []
    return [(index, party.id) for index, party in enumerate(recipients) if party.sale_or_sharing]


def _sells_or_shares(policy: Policy) -> bool:
    return bool(_sellers(policy)) or bool(policy.ccpa and policy.ccpa.sells_or_shares)


def no_ccpa_notice(policy: Policy) -> Iterator[Finding]:
    if policy.ccpa is None:
        yield NO_CCPA_NOTICE.finding(
            section_path(policy, "ccpa", US_CCPA),
            "the policy declares us-ccpa but has no ccpa section; expected ccpa with "
            "categories_collected, sources, business_purposes, third_party_categories and "
            "sells_or_shares (Cal. Civ. Code §1798.100(a), §1798.130(a)(5))",
        )


def no_third_party_categories(policy: Policy) -> Iterator[Finding]:
    if policy.ccpa is None or policy.ccpa.third_party_categories:
        return
    recipients = policy.provision.recipients if policy.provision else []
    if recipients or policy.ccpa.sells_or_shares:
        yield NO_THIRD_PARTY_CATEGORIES.finding(
            ("ccpa",),
            "data goes to third parties, but ccpa lists no categories of third parties; "
            "expected ccpa.third_party_categories (Cal. Civ. Code §1798.110(c)(4), "
            "§1798.130(a)(5)(B))",
        )


def sale_not_declared(policy: Policy) -> Iterator[Finding]:
    if policy.ccpa is None or policy.ccpa.sells_or_shares:
        return
    stated = "false" if policy.ccpa.sells_or_shares is False else "not stated"
    for index, party in _sellers(policy):
        yield SALE_NOT_DECLARED.finding(
            ("provision", "recipients", index, "sale_or_sharing"),
            f"third party {party!r} is marked sale_or_sharing, but ccpa.sells_or_shares is "
            f"{stated}: the notice would not say that data is sold or shared; expected "
            "ccpa.sells_or_shares: true (Cal. Civ. Code §1798.100(a)(1), §1798.130(a)(5)(C))",
        )


def no_opt_out(policy: Policy) -> Iterator[Finding]:
    if _sells_or_shares(policy) and Right.opt_out_sale not in policy.rights.granted:
        yield NO_OPT_OUT.finding(
            ("rights", "granted"),
            "personal information is sold or shared, but 'opt_out_sale' is not among the "
            "rights granted; expected it in rights.granted, with a 'Do Not Sell or Share' "
            "link or opt-out preference signal (Cal. Civ. Code §1798.120, §1798.135)",
        )


def ccpa_rights_missing(policy: Policy) -> Iterator[Finding]:
    missing = [r.value for r in CCPA_RIGHTS if r not in policy.rights.granted]
    if missing:
        yield CCPA_RIGHTS_MISSING.finding(
            ("rights", "granted"),
            f"rights granted lack {listing(missing)}; California consumers may know (access), "
            "delete and correct; expected them in rights.granted (Cal. Civ. Code §1798.105, "
            "§1798.106, §1798.110, §1798.130(a)(5)(A))",
        )


def no_limit_sensitive(policy: Policy) -> Iterator[Finding]:
    if Right.limit_sensitive in policy.rights.granted:
        return
    flagged = sorted(key for key in policy.items if policy.sensitivity_of(key) & SENSITIVE_PI)
    if flagged:
        yield NO_LIMIT_SENSITIVE.finding(
            ("rights", "granted"),
            f"the policy collects sensitive personal information ({listing(flagged)}); if it "
            "is used beyond what the service needs, consumers may limit that use; expected "
            "'limit_sensitive' in rights.granted, unless it is used only as permitted (Cal. Civ. "
            "Code §1798.121; 11 CCR §7027)",
        )


def sale_not_stated(policy: Policy) -> Iterator[Finding]:
    if policy.ccpa is None or policy.ccpa.sells_or_shares is not None:
        return
    yield SALE_NOT_STATED.finding(
        ("ccpa",),
        "the ccpa section does not say whether personal information is sold or shared, so "
        "the notice says nothing about it; the privacy policy must list what was sold or "
        "shared, or state that nothing was; expected ccpa.sells_or_shares: true or false "
        "(Cal. Civ. Code §1798.100(a)(1), §1798.130(a)(5)(C))",
    )


CHECKS: tuple[Check, ...] = (
    no_ccpa_notice,
    no_third_party_categories,
    sale_not_declared,
    no_opt_out,
    ccpa_rights_missing,
    no_limit_sensitive,
    sale_not_stated,
)
