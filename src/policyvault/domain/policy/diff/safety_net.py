"""The safety net: an ordinary change for any part that differs with none reported under it."""

from __future__ import annotations

from policyvault.domain.policy.diff.canonical import _CANONICAL, _canonical
from policyvault.domain.policy.diff.judging import _WORDING, _ordinary
from policyvault.domain.policy.diff.model import Change, ChangeKind
from policyvault.domain.policy.model import Policy

# Fields that describe the version itself, not what it promises.
_VERSION_FIELDS = frozenset({"schema_", "version", "effective_date", "history"})


def _unexplained(old: Policy, new: Policy, found: list[Change]) -> list[Change]:
    """An ordinary change for any top-level part that differs with no change reported under
    it (labels of categories, events, ...), so that nothing changes silently."""
    before = old.model_dump(mode="json", context=_CANONICAL)
    after = new.model_dump(mode="json", context=_CANONICAL)
    reported = {c.path[0] for c in found if c.path}
    return [
        _ordinary((name,), ChangeKind.text_changed, f"{name} edited", _WORDING)
        for name in type(old).model_fields
        if name not in _VERSION_FIELDS
        and name not in reported
        and _canonical(before.get(name)) != _canonical(after.get(name))
    ]
