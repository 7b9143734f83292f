"""The safety net: a change for any part that differs with none reported under it. Only a
difference in presentation text is ordinary; anything else no comparison recognises cannot
be proved to only narrow processing, so it is significant."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, RootModel

from policyvault.domain.policy.diff.canonical import CANONICAL, canonical
from policyvault.domain.policy.diff.judging import (
    WORDING_ONLY,
    ordinary_change,
    significant_change,
)
from policyvault.domain.policy.diff.model import Change, ChangeKind
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.text import LocalizedText

# Fields that describe the version itself, not what it promises.
_VERSION_FIELDS = frozenset({"schema_", "version", "effective_date", "history"})

# Fields that only present a part to the reader, when they hold text (``LocalizedText``).
_PRESENTATION = frozenset({"label", "description", "title", "summary"})


def unexplained_changes(old: Policy, new: Policy, found: list[Change]) -> list[Change]:
    """A change for any top-level part that differs with no change reported under it, so
    that nothing changes silently: ordinary when only presentation text differs (labels of
    data categories, ...), significant otherwise (a category's sensitivity, an event, ...)."""
    before = old.model_dump(mode="json", context=CANONICAL)
    after = new.model_dump(mode="json", context=CANONICAL)
    reported = {c.path[0] for c in found if c.path}
    changes = []
    for name in type(old).model_fields:
        if name in _VERSION_FIELDS or name in reported:
            continue
        if canonical(before.get(name)) == canonical(after.get(name)):
            continue
        was = canonical(_substance(getattr(old, name), before.get(name)))
        now = canonical(_substance(getattr(new, name), after.get(name)))
        if was == now:
            changes.append(
                ordinary_change((name,), ChangeKind.text_changed, f"{name} edited", WORDING_ONLY)
            )
        else:
            changes.append(
                significant_change(
                    (name,),
                    ChangeKind.unexplained_change,
                    f"{name} changed",
                    "no comparison recognises this change; cannot prove it only narrows processing",
                )
            )
    return changes


def _substance(value: Any, dumped: Any) -> Any:
    """``dumped``, the JSON form of ``value``, with its presentation text left out."""
    if isinstance(value, BaseModel) and not isinstance(value, RootModel):
        return {
            name: None
            if name in _PRESENTATION and _text_or_none(getattr(value, name))
            else _substance(getattr(value, name), dumped[name])
            for name in type(value).model_fields
        }
    if isinstance(value, dict):
        return {key: _substance(v, dumped[key]) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substance(v, d) for v, d in zip(value, dumped, strict=True)]
    return dumped


def _text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, LocalizedText)
