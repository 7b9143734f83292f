"""The versions of a vault's policy: which one is in force, which are due, and which terms
changed for subjects who consented before.

A version is stored once and never edited; only the moment the vault activates it is recorded
later. Versions are numbered 1, 2, 3 ... in the order they were scheduled, and a version never
takes effect before the one it follows, so the version in force at any instant is the highest
number whose effective time has come. A version's effective time is its ``effective_date`` at
00:00 in the policy's time zone, or the moment the vault stored it if that is later: nothing
takes effect before the vault knows it (version 1 is in force from the moment it is stored).

Activation records that a version went into force (and audits it); the vault activates a due
version at the start of its next session, so the policy in force never depends on when that
happens. When a version with re-consent purposes takes effect, consent given to those purposes
before its effective time no longer covers processing under the new terms (PIPA Arts 15(2),
17(2), 18(3), 28-8(3); LEGAL §8 item 8) until the subject consents again. The effective time,
not the activation, is the boundary: a consent given after it was given under the new terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "PolicyVersion",
    "VersionStatus",
    "changed_terms",
    "start_of_day",
    "version_in_force",
    "version_status",
    "versions_due",
]


@dataclass(frozen=True)
class PolicyVersion:
    """One stored version of the policy (its YAML text is stored beside it)."""

    number: int  # 1, 2, 3 ... in the order scheduled
    label: str  # the policy file's own ``version``
    sha256: str  # hex digest of the UTF-8 text as stored
    announced_at: datetime  # the announcement date 00:00 in the policy's time zone
    effective_at: datetime  # effective_date 00:00 there, or when stored if that is later
    activated_at: datetime | None = None  # when the vault put it in force
    reconsent_purposes: tuple[str, ...] = ()  # consent-based purposes whose terms changed

    def due(self, now: datetime) -> bool:
        return self.effective_at <= now


class VersionStatus(StrEnum):
    scheduled = "scheduled"  # announced, its effective time not yet come
    in_force = "in_force"
    superseded = "superseded"  # a later version is in force


def start_of_day(day: date, timezone: str) -> datetime:
    """``day`` at 00:00 in ``timezone``, as an aware UTC instant."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def version_in_force(versions: Sequence[PolicyVersion], now: datetime) -> PolicyVersion | None:
    """The highest-numbered version that is activated or whose effective time has come."""
    live = [v for v in versions if v.activated_at is not None or v.due(now)]
    return max(live, key=lambda v: v.number, default=None)


def versions_due(versions: Sequence[PolicyVersion], now: datetime) -> list[PolicyVersion]:
    """Versions whose effective time has come but that are not activated yet, by number."""
    return sorted(
        (v for v in versions if v.activated_at is None and v.due(now)), key=lambda v: v.number
    )


def version_status(
    version: PolicyVersion, versions: Sequence[PolicyVersion], now: datetime
) -> VersionStatus:
    in_force = version_in_force(versions, now)
    if in_force is not None and in_force.number == version.number:
        return VersionStatus.in_force
    if in_force is not None and version.number < in_force.number:
        return VersionStatus.superseded
    return VersionStatus.scheduled


def changed_terms(versions: Sequence[PolicyVersion], now: datetime) -> dict[str, datetime]:
    """Purpose -> the latest effective time, among versions in force or superseded, of a
    version that changed its terms: consent given before then must be given again
    (``SubjectFacts.changed_terms``)."""
    changed: dict[str, datetime] = {}
    for version in versions:
        if version.activated_at is None and not version.due(now):
            continue  # still scheduled: the old terms hold
        for purpose in version.reconsent_purposes:
            if purpose not in changed or changed[purpose] < version.effective_at:
                changed[purpose] = version.effective_at
    return changed
