"""``diff_policies``: every change from one version to the next, and what follows from them."""

from __future__ import annotations

from datetime import date

from policyvault.domain.policy.diff.compare_data import _collection_points, _items, _purposes
from policyvault.domain.policy.diff.compare_notice import _children, _promises, _rights, _trackers
from policyvault.domain.policy.diff.compare_parties import _identity, _recipients
from policyvault.domain.policy.diff.compare_retention import _destruction, _retention, _statutory
from policyvault.domain.policy.diff.effective_dates import _notice
from policyvault.domain.policy.diff.model import PolicyDiff
from policyvault.domain.policy.diff.reconsent import _reconsent
from policyvault.domain.policy.diff.safety_net import _unexplained
from policyvault.domain.policy.model import Policy


def diff_policies(old: Policy, new: Policy, announced_on: date) -> PolicyDiff:
    """Every change from ``old`` to ``new``, and when ``new`` may take effect if announced
    on ``announced_on``."""
    changes = [
        *_identity(old, new),
        *_items(old, new),
        *_collection_points(old, new),
        *_purposes(old, new),
        *_retention(old, new),
        *_statutory(old, new),
        *_destruction(old, new),
        *_recipients(old, new),
        *_trackers(old, new),
        *_children(old, new),
        *_rights(old, new),
        *_promises(old, new),
    ]
    changes += _unexplained(old, new, changes)
    significant = any(c.significant for c in changes)
    notice = {j: _notice(j, old, significant, announced_on) for j in new.jurisdictions}
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
        reconsent_required=_reconsent(old, new, changes),
        too_early={j: d for j, d in earliest.items() if new.effective_date < d},
    )
