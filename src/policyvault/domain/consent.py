"""The consent ledger's rules: append-only events per subject, category and purpose; the
current state is derived, and the latest event at or before ``now`` wins.

One event holds exactly one PIPA Art 22(1) consent category, so a bundled consent for two
categories cannot be written (the API's schema refuses one, and collection refuses the same
category twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from policyvault.domain.policy.data import ConsentCategory


class ConsentAction(StrEnum):
    given = "given"
    withdrawn = "withdrawn"


class ConsentGiver(StrEnum):
    subject = "subject"
    guardian = "guardian"  # a legal representative of a child
    agent = "agent"  # acting with a power of attorney


@dataclass(frozen=True)
class ConsentEvent:
    """One given or withdrawn consent, as shown and as recorded (GDPR Art 7(1), ISO/IEC TS
    27560): which notice version the subject saw, through which channel, and who acted."""

    subject_id: str
    category: ConsentCategory
    purposes: tuple[str, ...]
    action: ConsentAction
    at: datetime
    policy_version: str
    notice_hash: str
    channel: str
    given_by: ConsentGiver = ConsentGiver.subject
    evidence: tuple[tuple[str, str], ...] = field(default=())  # (kind, reference) pairs

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("consent events carry timezone-aware times")
        if not self.purposes:
            raise ValueError("a consent event names at least one purpose")


@dataclass(frozen=True)
class ConsentState:
    holds: bool
    since: datetime | None
    policy_version: str | None
    given_by: ConsentGiver | None

    @classmethod
    def never(cls) -> ConsentState:
        return cls(holds=False, since=None, policy_version=None, given_by=None)


def consent_state(
    events: Iterable[ConsentEvent],
    category: ConsentCategory,
    purpose: str,
    now: datetime,
) -> ConsentState:
    """The state of one consent now: the latest event at or before ``now`` wins. Events at
    the same instant resolve to withdrawal, the safe side."""
    latest: ConsentEvent | None = None
    for event in events:
        if event.category is not category or purpose not in event.purposes or event.at > now:
            continue
        if latest is None or _later(event, latest):
            latest = event
    if latest is None:
        return ConsentState.never()
    return ConsentState(
        holds=latest.action is ConsentAction.given,
        since=latest.at,
        policy_version=latest.policy_version,
        given_by=latest.given_by,
    )


def _later(event: ConsentEvent, than: ConsentEvent) -> bool:
    if event.at != than.at:
        return event.at > than.at
    return event.action is ConsentAction.withdrawn
