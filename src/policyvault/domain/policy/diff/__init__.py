"""Comparing two versions of a policy: what changed, whether a data subject would care, and
the earliest date the new version may take effect in each jurisdiction.

A change is **significant** when a subject would care about it: more data, more purposes,
more recipients or countries, longer retention, a different lawful basis, fewer rights or
weaker safeguards. Everything else (wording, contacts, removals that only narrow processing,
new rights) is **ordinary**. When a comparison cannot prove that a change only narrows
processing (a retention rule that now counts from another event, ``P1M`` against ``P30D``),
it counts as significant: free-text retention of a recipient, a part no comparison
recognises. Only presentation text (labels, descriptions, titles, summaries) is wording.

Only two versions of one policy (the same ``id``) are compared; anything else raises
``DifferentPolicies``. Parts are matched by their keys and ids, never by their position in a
list, so reordering a policy changes nothing. The version, the effective date and the
amendment history describe the version itself and are not compared.

The new version may take effect ``announced_on`` plus the longer of the statutory minimum
(``policyvault.domain.jurisdictions``) and the notice the *old* policy promised for a change
of that significance: a version cannot shorten the notice of its own announcement. A version
with no changes gets no too-early verdict: nothing new takes effect.
"""

from __future__ import annotations

from policyvault.domain.policy.diff.comparison import DifferentPolicies, diff_policies
from policyvault.domain.policy.diff.model import (
    Change,
    ChangeKind,
    NoticePeriod,
    PolicyDiff,
    Significance,
)

__all__ = [
    "Change",
    "ChangeKind",
    "DifferentPolicies",
    "NoticePeriod",
    "PolicyDiff",
    "Significance",
    "diff_policies",
]
