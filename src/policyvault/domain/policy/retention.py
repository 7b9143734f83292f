"""How long things are kept: retention per purpose, statutory records, destruction, holds."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from pydantic import Field, model_validator

from policyvault.domain.policy.base import DottedKey, Identifier, Period, PolicyModel
from policyvault.domain.policy.text import LocalizedText

# Events the vault records for every subject; a policy may declare more of its own.
BUILTIN_EVENTS = frozenset(
    {
        "collected",
        "consent_given",
        "consent_withdrawn",
        "account_closed",
        "inquiry_completed",
        "purpose_achieved",
        "contract_ended",
        "contract_concluded",
        "payment_made",
        "complaint_resolved",
        "advertisement_published",
        "tax_filing_deadline",
        "transaction_made",
        "visit",
        "unauthorized_use_detected",
        "last_activity",
    }
)

# What the notice calls each built-in event: a noun phrase that reads after "until" and
# "N years after" (English) and before "시까지" and "후 N년" (Korean). A policy's own events
# carry their labels under ``events``.
BUILTIN_EVENT_LABELS: Mapping[str, LocalizedText] = MappingProxyType(
    {
        name: LocalizedText({"en": en, "ko": ko})
        for name, en, ko in (
            ("collected", "collection", "수집"),
            ("consent_given", "consent", "동의"),
            ("consent_withdrawn", "withdrawal of consent", "동의 철회"),
            ("account_closed", "account closure", "회원 탈퇴"),
            ("inquiry_completed", "completion of the inquiry", "문의 처리 완료"),
            ("purpose_achieved", "achievement of the purpose", "처리 목적 달성"),
            ("contract_ended", "the end of the contract", "계약 종료"),
            ("contract_concluded", "conclusion of the contract", "계약 체결"),
            ("payment_made", "payment", "대금 결제"),
            (
                "complaint_resolved",
                "resolution of the complaint or dispute",
                "불만 또는 분쟁 처리 완료",
            ),
            ("advertisement_published", "publication of the advertisement", "표시·광고 게재"),
            ("tax_filing_deadline", "the statutory tax filing deadline", "법정 신고기한"),
            ("transaction_made", "the transaction", "거래"),
            ("visit", "the visit", "방문"),
            ("unauthorized_use_detected", "detection of the unauthorized use", "부정 이용 적발"),
            ("last_activity", "the last use of the service", "마지막 서비스 이용"),
        )
    }
)


class EndAction(StrEnum):
    delete = "delete"
    anonymise = "anonymise"


class RetentionRule(PolicyModel):
    """How long a purpose may keep its items.

    ``until`` ends retention at an event; ``period`` ends it that long after ``from`` (an event).
    With both, retention ends at whichever comes first. A period counted from an event and no
    ``until`` reads "P1Y after the account is closed". With no ``from`` the policy does not say
    when the period starts: the notice gives the period alone, and the vault counts it from
    collection, the earliest moment it could start.
    """

    purpose: DottedKey
    items: list[Identifier] | None = None  # default: every item of the purpose
    until: Identifier | None = None
    period: Period | None = None
    from_: Identifier | None = Field(default=None, alias="from")  # None: not stated
    then: EndAction = EndAction.delete
    description: LocalizedText | None = None

    model_config = PolicyModel.model_config | {"populate_by_name": True}

    @model_validator(mode="after")
    def _has_an_end(self) -> RetentionRule:
        if self.until is None and self.period is None:
            raise ValueError("a retention rule needs 'until' (an event), 'period', or both")
        return self


class RetentionKind(StrEnum):
    statute = "statute"
    company_policy = "company_policy"  # a period the company chose (e.g. fraud records, 1 year)


class StatutoryRecord(PolicyModel):
    """A record type kept after its purpose ended, in the separate store, used for nothing else."""

    record_type: Identifier
    label: LocalizedText
    kind: RetentionKind = RetentionKind.statute
    statute: LocalizedText | None = None
    article: LocalizedText | None = None
    reason: LocalizedText | None = None
    period: Period
    from_: Identifier = Field(alias="from")
    items: list[Identifier] = Field(default_factory=list)
    # The event after which the record serves only the statute (``account_closed``): it is in
    # ordinary use until then, and moves to the separate store at that event. Without it the
    # record is kept for the statute alone and goes to the separate store as soon as recorded.
    separate_from: Identifier | None = None

    model_config = PolicyModel.model_config | {"populate_by_name": True}

    @model_validator(mode="after")
    def _statute_named(self) -> StatutoryRecord:
        if self.kind is RetentionKind.statute and self.statute is None:
            raise ValueError("a statutory record must name its 'statute'")
        if self.kind is RetentionKind.company_policy and self.reason is None:
            raise ValueError("a record kept by company policy must state its 'reason'")
        return self


class Destruction(PolicyModel):
    grace_period_days: int = Field(ge=0, le=365)  # 0: "without delay"
    approval_required: bool | None = None  # None: the policy names no approval step, or none
    approver: str = "privacy_officer"
    separate_store: bool = True  # statutory records move to a separate store first
    procedure: LocalizedText | None = None
    method: LocalizedText | None = None


class LegalHoldRule(PolicyModel):
    """A reason the policy names for keeping data past its period (investigation, litigation)."""

    reason: Identifier
    description: LocalizedText


class AccessLog(PolicyModel):
    retention: Period
    tamper_evident: bool | None = None  # None: the policy does not say
    description: LocalizedText | None = None


class RecordCategory(PolicyModel):
    """A named group of items for the notice (Virtual Petals' "Identity Data", ...)."""

    key: DottedKey
    label: LocalizedText
    description: LocalizedText | None = None
    items: list[Identifier] = Field(default_factory=list)
