"""What each jurisdiction requires when a privacy policy changes: a versioned rule table.

Every figure names its source, the date it applies from, and what kind of rule it is
(statute, regulator guidance or company practice), so that a change in the law is a new row,
never an edit of code. None of the statutes here sets an advance-notice period: the 7 and 30
days Korean policies announce are the company's own promise, read from the policy in force
(its ``changes`` block), after the KFTC e-commerce standard terms Art 3(4). A jurisdiction
missing from the table binds the controller to its promise only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from policyvault.domain.policy.duration import Duration

__all__ = [
    "NOTICE_RULES",
    "ConsentChange",
    "NoticeRule",
    "RuleKind",
    "notice_rule",
]

RuleKind = Literal["statute", "guidance", "company_practice"]


class ConsentChange(StrEnum):
    """What the law asks before consent-based processing runs under significantly changed
    terms (new purposes, items, retention or recipients)."""

    reconsent = "reconsent"  # new consent, not only notice
    inform = "inform"  # information before processing for a new purpose
    none = "none"  # notice in the updated policy is enough


@dataclass(frozen=True)
class NoticeRule:
    """The notice a changed privacy policy needs in one jurisdiction, from one date on."""

    jurisdiction: str
    effective_from: date
    source: str
    kind: RuleKind
    ordinary_notice_days: int  # statutory minimum advance notice, ordinary changes
    significant_notice_days: int  # statutory minimum advance notice, significant changes
    consent_change: ConsentChange
    consent_change_source: str
    update_within: Duration | None = None  # the policy must be re-published this often
    note: str = ""

    def notice_days(self, significant: bool) -> int:
        return self.significant_notice_days if significant else self.ordinary_notice_days


_KFTC = (
    "No statutory notice period; the 7/30-day convention (KFTC e-commerce standard terms "
    "Art 3(4)) binds only as the company's promise."
)

NOTICE_RULES: tuple[NoticeRule, ...] = (
    NoticeRule(
        jurisdiction="kr-pipa",
        effective_from=date(2011, 9, 30),
        source="PIPA Art 30(2); Decree 31(2)",
        kind="statute",
        ordinary_notice_days=0,
        significant_notice_days=0,
        consent_change=ConsentChange.reconsent,
        consent_change_source="PIPA Arts 15(2), 17(2), 18(3)",
        note=_KFTC,
    ),
    NoticeRule(
        # Act No. 19234 moved overseas transfers into Art 28-8, with its own consent.
        jurisdiction="kr-pipa",
        effective_from=date(2023, 9, 15),
        source="PIPA Art 30(2); Decree 31(2)",
        kind="statute",
        ordinary_notice_days=0,
        significant_notice_days=0,
        consent_change=ConsentChange.reconsent,
        consent_change_source="PIPA Arts 15(2), 17(2), 18(3), 28-8(3)",
        note=_KFTC,
    ),
    NoticeRule(
        jurisdiction="eu-gdpr",
        effective_from=date(2018, 5, 25),
        source="GDPR Arts 13(3), 14(4)",
        kind="statute",
        ordinary_notice_days=0,
        significant_notice_days=0,
        consent_change=ConsentChange.inform,
        consent_change_source="GDPR Arts 13(3), 14(4)",
        note="No notice period; information before any processing for a new purpose.",
    ),
    NoticeRule(
        jurisdiction="us-ccpa",
        effective_from=date(2020, 1, 1),
        source="Cal. Civ. Code §1798.130(a)(5)",
        kind="statute",
        ordinary_notice_days=0,
        significant_notice_days=0,
        consent_change=ConsentChange.none,
        consent_change_source="Cal. Civ. Code §1798.130(a)(5)",
        update_within=Duration(months=12),
        note="No notice period; the policy must be updated at least once every 12 months.",
    ),
    NoticeRule(
        jurisdiction="us-coppa",
        effective_from=date(2000, 4, 21),
        source="16 CFR §312.4",
        kind="statute",
        ordinary_notice_days=0,
        significant_notice_days=0,
        consent_change=ConsentChange.reconsent,
        consent_change_source="16 CFR §312.5(a)(1)",
        note="No notice period; a material change needs new verifiable parental consent.",
    ),
)


def notice_rule(
    jurisdiction: str, on: date, rules: tuple[NoticeRule, ...] = NOTICE_RULES
) -> NoticeRule | None:
    """The rule in force in ``jurisdiction`` on ``on``; None when the table has none."""
    in_force = [r for r in rules if r.jurisdiction == jurisdiction and r.effective_from <= on]
    return max(in_force, key=lambda r: r.effective_from, default=None)
