"""How long the audit log must be kept before any of it may be pruned.

PIPC Safety Standard Art 8(1) (LEGAL.md §1.5, checklist 48): access logs are kept for at least
one year, and at least two years when the system holds 50,000 or more data subjects, any unique
identifier or sensitive item, or the controller is a facilities-based telecom carrier. The policy
may promise longer. Art 5(3) (checklist 51): the history of granting, changing and revoking
access rights is kept for at least three years.

Years are calendar years counted back from the clock's "now"; 29 February counts back to
28 February. An entry may go only when it is *strictly* older than its cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from policyvault.domain.audit.entry import ACCESS_RIGHT_ACTIONS, AuditIndex
from policyvault.domain.errors import InvalidInput

__all__ = [
    "ACCESS_RIGHT_YEARS",
    "LARGE_PROCESSOR_SUBJECTS",
    "PruneCutoffs",
    "RetentionFloor",
    "access_log_floor",
    "may_prune",
    "prune_cutoffs",
    "years_before",
]

LARGE_PROCESSOR_SUBJECTS = 50_000
ACCESS_RIGHT_YEARS = 3


@dataclass(frozen=True, slots=True)
class RetentionFloor:
    years: int
    reason: str


def access_log_floor(
    *,
    subject_count: int,
    holds_unique_or_sensitive: bool,
    telecom_carrier: bool = False,
    policy_years: int = 0,
) -> RetentionFloor:
    """The minimum age, in years, before an access-log entry may be pruned."""
    if subject_count < 0 or policy_years < 0:
        raise InvalidInput("subject counts and retention years are never negative")
    reasons = []
    if subject_count >= LARGE_PROCESSOR_SUBJECTS:
        reasons.append(f"{subject_count} subjects (50,000 or more)")
    if holds_unique_or_sensitive:
        reasons.append("unique identifiers or sensitive items are held")
    if telecom_carrier:
        reasons.append("a facilities-based telecom carrier")
    legal = 2 if reasons else 1
    legal_reason = (
        "2 years, Safety Standard Art 8(1): " + "; ".join(reasons)
        if reasons
        else "1 year, Safety Standard Art 8(1)"
    )
    if policy_years > legal:
        return RetentionFloor(policy_years, f"{policy_years} years, as the policy promises")
    return RetentionFloor(legal, legal_reason)


def years_before(when: datetime, years: int) -> datetime:
    if when.tzinfo is None:
        raise InvalidInput("times must be timezone-aware")
    try:
        return when.replace(year=when.year - years)
    except ValueError:  # 29 February in a year without one
        return when.replace(year=when.year - years, day=28)


@dataclass(frozen=True, slots=True)
class PruneCutoffs:
    """Entries recorded before ``entries_before`` may go; access-right entries only when also
    recorded before ``access_rights_before``."""

    entries_before: datetime
    access_rights_before: datetime


def prune_cutoffs(floor: RetentionFloor, now: datetime) -> PruneCutoffs:
    return PruneCutoffs(
        entries_before=years_before(now, floor.years),
        access_rights_before=years_before(now, max(floor.years, ACCESS_RIGHT_YEARS)),
    )


def may_prune(index: AuditIndex, cutoffs: PruneCutoffs) -> bool:
    cutoff = (
        cutoffs.access_rights_before
        if index.action in ACCESS_RIGHT_ACTIONS
        else cutoffs.entries_before
    )
    return index.recorded_at < cutoff
