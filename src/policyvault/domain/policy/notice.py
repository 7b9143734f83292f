"""What the notice promises besides data and retention: rights, cookies, children, safety,
changes and their history."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from policyvault.domain.policy.base import DottedKey, Period, PolicyModel
from policyvault.domain.policy.parties import RequestChannel
from policyvault.domain.policy.text import LocalizedText


class Right(StrEnum):
    access = "access"
    correction = "correction"
    deletion = "deletion"
    restriction = "restriction"
    objection = "objection"
    portability = "portability"
    withdraw_consent = "withdraw_consent"
    opt_out_sale = "opt_out_sale"
    limit_sensitive = "limit_sensitive"
    automated_decision = "automated_decision"


class Rights(PolicyModel):
    granted: list[Right] = Field(min_length=1)
    channels: list[RequestChannel] = Field(min_length=1)
    # The two promises below are None when the policy does not say: the notice then says
    # nothing either way.
    agents_allowed: bool | None = None
    agent_document: LocalizedText | None = None  # e.g. the power-of-attorney form
    freeze_while_pending: bool | None = None  # no use while a correction or deletion is pending
    limitations: list[LocalizedText] = Field(default_factory=list)


class TrackerCategory(StrEnum):
    essential = "essential"
    functional = "functional"
    analytics = "analytics"
    marketing = "marketing"


class Tracker(PolicyModel):
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="cookie", pattern=r"^(cookie|pixel|local_storage|sdk)$")
    provider: str | None = Field(default=None, max_length=200)  # None: first party
    purpose: LocalizedText
    category: TrackerCategory
    session: bool = False  # lives only until the browser closes
    duration: Period | None = None  # None and not a session cookie: the policy does not say

    @model_validator(mode="after")
    def _one_lifetime(self) -> Tracker:
        if self.session and self.duration is not None:
            raise ValueError("a tracker is either a session tracker or has a 'duration', not both")
        return self

    @property
    def essential(self) -> bool:
        return self.category is TrackerCategory.essential


class Cookies(PolicyModel):
    trackers: list[Tracker] = Field(min_length=1)
    how_to_refuse: LocalizedText
    if_refused: LocalizedText | None = None


class UnderAge(StrEnum):
    refuse = "refuse"  # the service does not collect from them
    guardian_consent = "guardian_consent"


class ChildRule(PolicyModel):
    jurisdiction: str
    minimum_age: int = Field(ge=1, le=21)
    under_age: UnderAge


class Children(PolicyModel):
    rules: list[ChildRule] = Field(min_length=1)
    statement: LocalizedText | None = None
    retention: LocalizedText | None = None  # COPPA §312.10 written retention policy


class SafetyKind(StrEnum):
    managerial = "managerial"
    technical = "technical"
    physical = "physical"


class SafetyMeasure(PolicyModel):
    kind: SafetyKind
    text: LocalizedText


class Changes(PolicyModel):
    """How far ahead a changed policy is announced: ordinary and significant changes."""

    notice_days: int = Field(ge=0, le=365)
    significant_notice_days: int = Field(ge=0, le=365)
    channel: LocalizedText | None = None

    @model_validator(mode="after")
    def _significant_not_shorter(self) -> Changes:
        if self.significant_notice_days < self.notice_days:
            raise ValueError("significant changes cannot be announced later than ordinary ones")
        return self


class Amendment(PolicyModel):
    version: str = Field(min_length=1, max_length=40)
    effective_date: date
    summary: LocalizedText | None = None


class Breach(PolicyModel):
    notify_subjects: bool = True
    notify_regulators: bool = True
    channels: LocalizedText | None = None


class CcpaDisclosure(PolicyModel):
    """CCPA notice at collection: the categories of the last 12 months."""

    categories_collected: list[LocalizedText] = Field(min_length=1)
    sources: list[LocalizedText] = Field(min_length=1)
    business_purposes: LocalizedText
    third_party_categories: list[LocalizedText] = Field(default_factory=list)
    sells_or_shares: bool | None = None  # None: the policy does not say (lint L166)


class Section(PolicyModel):
    """A paragraph of the notice the schema has no structure for (linked sites, ...)."""

    key: DottedKey
    title: LocalizedText
    text: LocalizedText
