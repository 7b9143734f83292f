"""What a comparison finds: one ``Change`` per difference, its kind and significance, the
notice each jurisdiction needs, and the ``PolicyDiff`` that holds them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from policyvault.domain.jurisdictions import NoticeRule

ChangePath = tuple[str, ...]


class Significance(StrEnum):
    ordinary = "ordinary"
    significant = "significant"


class ChangeKind(StrEnum):
    # identity and reach
    controller_changed = "controller_changed"
    jurisdiction_added = "jurisdiction_added"
    jurisdiction_removed = "jurisdiction_removed"
    text_changed = "text_changed"
    contact_changed = "contact_changed"
    # what is collected, and why
    item_added = "item_added"
    item_removed = "item_removed"
    item_changed = "item_changed"
    item_format_changed = "item_format_changed"
    sensitivity_lowered = "sensitivity_lowered"
    sensitivity_raised = "sensitivity_raised"
    collection_point_added = "collection_point_added"
    collection_point_removed = "collection_point_removed"
    item_collected = "item_collected"
    item_no_longer_collected = "item_no_longer_collected"
    item_now_required = "item_now_required"
    item_now_optional = "item_now_optional"
    consent_now_required = "consent_now_required"
    consent_added = "consent_added"
    consent_removed = "consent_removed"
    consent_now_optional = "consent_now_optional"
    purpose_added = "purpose_added"
    purpose_removed = "purpose_removed"
    purpose_changed = "purpose_changed"
    purpose_items_added = "purpose_items_added"
    purpose_items_removed = "purpose_items_removed"
    basis_changed = "basis_changed"
    # how long
    retention_longer = "retention_longer"
    retention_shorter = "retention_shorter"
    retention_end_changed = "retention_end_changed"
    statutory_record_added = "statutory_record_added"
    statutory_record_removed = "statutory_record_removed"
    statutory_retention_longer = "statutory_retention_longer"
    statutory_retention_shorter = "statutory_retention_shorter"
    statutory_items_added = "statutory_items_added"
    statutory_items_removed = "statutory_items_removed"
    legal_hold_added = "legal_hold_added"
    legal_hold_removed = "legal_hold_removed"
    destruction_weakened = "destruction_weakened"
    destruction_strengthened = "destruction_strengthened"
    access_log_weakened = "access_log_weakened"
    access_log_strengthened = "access_log_strengthened"
    # who receives it, and where
    recipient_added = "recipient_added"
    recipient_removed = "recipient_removed"
    recipient_renamed = "recipient_renamed"
    recipient_items_added = "recipient_items_added"
    recipient_items_removed = "recipient_items_removed"
    recipient_purposes_added = "recipient_purposes_added"
    recipient_purposes_removed = "recipient_purposes_removed"
    recipient_retention_changed = "recipient_retention_changed"  # free text: maybe longer
    country_added = "country_added"
    country_removed = "country_removed"
    sale_or_sharing_on = "sale_or_sharing_on"
    sale_or_sharing_off = "sale_or_sharing_off"
    tracker_added = "tracker_added"
    tracker_removed = "tracker_removed"
    tracker_changed = "tracker_changed"
    # the subject's protections
    child_rule_weakened = "child_rule_weakened"
    child_rule_strengthened = "child_rule_strengthened"
    right_added = "right_added"
    right_removed = "right_removed"
    rights_narrowed = "rights_narrowed"
    rights_widened = "rights_widened"
    safeguard_removed = "safeguard_removed"
    safeguard_added = "safeguard_added"
    disclosure_added = "disclosure_added"
    disclosure_removed = "disclosure_removed"
    notice_shortened = "notice_shortened"
    notice_lengthened = "notice_lengthened"
    # anything no comparison recognises (the safety net)
    unexplained_change = "unexplained_change"


@dataclass(frozen=True)
class Change:
    """One difference between two versions, at ``path`` (keys and ids, never positions)."""

    path: ChangePath
    kind: ChangeKind
    significance: Significance
    summary: str
    reason: str
    purposes: tuple[str, ...] = ()  # the purposes whose processing the change touches

    @property
    def significant(self) -> bool:
        return self.significance is Significance.significant

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": list(self.path),
            "kind": self.kind.value,
            "significance": self.significance.value,
            "summary": self.summary,
            "reason": self.reason,
            "purposes": list(self.purposes),
        }


@dataclass(frozen=True)
class NoticePeriod:
    """How much notice one jurisdiction needs for this change, and why."""

    jurisdiction: str
    earliest: date
    days: int
    statutory_days: int
    promised_days: int
    rule: NoticeRule | None  # None: the table has no rule, the policy's promise alone binds

    def as_dict(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "earliest": self.earliest.isoformat(),
            "days": self.days,
            "statutory_days": self.statutory_days,
            "promised_days": self.promised_days,
            "source": rule.source if rule else None,
            "kind": rule.kind if rule else None,
            "rule_effective_from": rule.effective_from.isoformat() if rule else None,
            "consent_change": rule.consent_change.value if rule else None,
            "consent_change_source": rule.consent_change_source if rule else None,
        }


@dataclass(frozen=True)
class PolicyDiff:
    old_version: str
    new_version: str
    announced_on: date
    effective_date: date  # what the new version asks for
    changes: list[Change]
    significant: bool
    notice: dict[str, NoticePeriod]
    earliest_effective: dict[str, date]  # per jurisdiction of the new version
    reconsent_required: list[str]  # consent-based purposes whose terms changed significantly
    too_early: dict[str, date] = field(default_factory=dict)  # jurisdiction -> earliest date

    @property
    def may_take_effect(self) -> bool:
        """Whether the new version's own effective date respects every notice period."""
        return not self.too_early

    def as_dict(self) -> dict[str, Any]:
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "announced_on": self.announced_on.isoformat(),
            "effective_date": self.effective_date.isoformat(),
            "significant": self.significant,
            "changes": [c.as_dict() for c in self.changes],
            "earliest_effective": {j: d.isoformat() for j, d in self.earliest_effective.items()},
            "notice": {j: n.as_dict() for j, n in self.notice.items()},
            "reconsent_required": list(self.reconsent_required),
            "too_early": {j: d.isoformat() for j, d in self.too_early.items()},
            "may_take_effect": self.may_take_effect,
        }
