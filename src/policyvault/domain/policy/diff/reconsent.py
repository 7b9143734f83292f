"""Which consent-based purposes need consent again after a significant change."""

from __future__ import annotations

from policyvault.domain.policy.diff.model import Change, ChangeKind, ChangePath
from policyvault.domain.policy.model import Policy

# Significant changes to these put subjects who consented under the old terms into
# "re-consent required" for the purposes the change touches (PIPA Arts 15(2), 17(2), 18(3),
# 28-8(3); LEGAL §8 item 8): new items, longer retention, new recipients or countries, a
# changed basis or purpose. Retention that may be longer counts as longer: a recipient's
# free-text retention that changed, and a new legal hold, which keeps the data of every
# purpose past the period its subjects consented to.
_RECONSENT_KINDS = frozenset(
    {
        ChangeKind.item_collected,
        ChangeKind.purpose_items_added,
        ChangeKind.purpose_changed,
        ChangeKind.basis_changed,
        ChangeKind.retention_longer,
        ChangeKind.retention_end_changed,
        ChangeKind.recipient_retention_changed,
        ChangeKind.legal_hold_added,
        ChangeKind.recipient_added,
        ChangeKind.recipient_renamed,
        ChangeKind.recipient_items_added,
        ChangeKind.recipient_purposes_added,
        ChangeKind.country_added,
        ChangeKind.sale_or_sharing_on,
    }
)


def purposes_needing_reconsent(old: Policy, new: Policy, changes: list[Change]) -> list[str]:
    touched = {
        p
        for c in changes
        if c.significant and c.kind in _RECONSENT_KINDS and not _entrusted_at_home(new, c.path)
        for p in c.purposes
    }
    return [
        key
        for key, purpose in new.purposes.items()
        if key in touched and key in old.purposes and purpose.consent_based
    ]


def _entrusted_at_home(policy: Policy, path: ChangePath) -> bool:
    """A processor in the controller's own country needs disclosure, not consent (PIPA Art 26;
    GDPR Art 28); abroad, it is an overseas transfer (PIPA Art 28-8(3))."""
    if len(path) < 2 or path[0] != "processors":
        return False
    processor = next((p for p in policy.processors if p.id == path[1]), None)
    home = policy.controller.country
    # Only stated countries that are all the controller's stated one are "at home".
    return (
        processor is not None
        and home is not None
        and bool(processor.countries)
        and set(processor.countries) <= {home}
    )
