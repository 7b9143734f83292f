"""``diff_policies``: every change from one version to the next, and what follows from them."""

from __future__ import annotations

from datetime import date

from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.diff.compare_data import (
    compare_collection_points,
    compare_items,
    compare_purposes,
)
from policyvault.domain.policy.diff.compare_notice import (
    compare_children,
    compare_promises,
    compare_rights,
    compare_trackers,
)
from policyvault.domain.policy.diff.compare_parties import compare_identity, compare_recipients
from policyvault.domain.policy.diff.compare_retention import (
    compare_destruction,
    compare_retention,
    compare_statutory_records,
)
from policyvault.domain.policy.diff.effective_dates import notice_period
from policyvault.domain.policy.diff.model import PolicyDiff
from policyvault.domain.policy.diff.reconsent import purposes_needing_reconsent
from policyvault.domain.policy.diff.safety_net import unexplained_changes
from policyvault.domain.policy.model import Policy


class DifferentPolicies(InvalidInput):
    """Two versions of different policies: there is no change between them to classify."""

    code = "different_policies"


def diff_policies(old: Policy, new: Policy, announced_on: date) -> PolicyDiff:
    """Every change from ``old`` to ``new``, and when ``new`` may take effect if announced
    on ``announced_on``. An unchanged policy gets no too-early verdict: nothing takes effect.

    Raises ``DifferentPolicies`` when ``old`` and ``new`` are not versions of one policy."""
    if old.id != new.id:
        raise DifferentPolicies(
            f"cannot compare policy {old.id!r} with policy {new.id!r}: "
            "a diff compares two versions of the same policy (same id)"
        )
    changes = [
        *compare_identity(old, new),
        *compare_items(old, new),
        *compare_collection_points(old, new),
        *compare_purposes(old, new),
        *compare_retention(old, new),
        *compare_statutory_records(old, new),
        *compare_destruction(old, new),
        *compare_recipients(old, new),
        *compare_trackers(old, new),
        *compare_children(old, new),
        *compare_rights(old, new),
        *compare_promises(old, new),
    ]
    changes += unexplained_changes(old, new, changes)
    significant = any(c.significant for c in changes)
    notice = {j: notice_period(j, old, significant, announced_on) for j in new.jurisdictions}
    earliest = {j: n.earliest for j, n in notice.items()}
    return PolicyDiff(
        old_version=old.version,
        new_version=new.version,
        announced_on=announced_on,
        effective_date=new.effective_date,
        changes=changes,
        significant=significant,
        notice=notice,
        earliest_effective=earliest,
        reconsent_required=purposes_needing_reconsent(old, new, changes),
        too_early={j: d for j, d in earliest.items() if changes and new.effective_date < d},
    )
