"""The building blocks of every comparison: parts matched by key, and each difference judged
significant or ordinary for the subject."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

from pydantic import BaseModel

from policyvault.domain.policy.diff.canonical import same_up_to_order
from policyvault.domain.policy.diff.model import Change, ChangeKind, ChangePath, Significance

T = TypeVar("T")

WORDING_ONLY = "wording only; what is processed does not change"
_NARROWER = "narrows processing or adds protection"
CONTACT_ONLY = "where subjects reach the controller; nothing processed changes"

Verdict = tuple[ChangeKind, str]  # the kind, and why a subject would care


def significant_change(
    path: ChangePath, kind: ChangeKind, summary: str, reason: str, purposes: Iterable[str] = ()
) -> Change:
    return Change(path, kind, Significance.significant, summary, reason, tuple(purposes))


def ordinary_change(
    path: ChangePath, kind: ChangeKind, summary: str, reason: str = _NARROWER
) -> Change:
    return Change(path, kind, Significance.ordinary, summary, reason)


def judged_change(
    path: ChangePath,
    worse: bool,
    kinds: tuple[ChangeKind, ChangeKind],
    summary: str,
    reason: str,
    purposes: Iterable[str] = (),
) -> Change:
    """Significant (the first kind) when the change is worse for the subject, else ordinary."""
    if worse:
        return significant_change(path, kinds[0], summary, reason, purposes)
    return ordinary_change(path, kinds[1], summary)


def flag_changes(
    path: ChangePath,
    was: bool | None,
    now: bool | None,
    worse_if: bool,
    kinds: tuple[ChangeKind, ChangeKind],
    what: str,
    reason: str,
    purposes: Iterable[str] = (),
) -> Iterator[Change]:
    """None is "not stated": stating a promise newly is ordinary; stating the worse value, or
    dropping a stated promise (the better value becoming None), is significant."""
    if was != now:
        words = {True: "yes", False: "no", None: "not stated"}
        summary = f"{what}: {words[was]} -> {words[now]}"
        worse = now is worse_if or (now is None and was is (not worse_if))
        yield judged_change(path, worse, kinds, summary, reason, purposes)


def additions_and_removals(
    path: ChangePath,
    was: Iterable[str],
    now: Iterable[str],
    kinds: tuple[ChangeKind, ChangeKind],
    texts: tuple[str, str],
    reason: str,
    purposes: Callable[[list[str]], Iterable[str]] | Iterable[str] = (),
) -> Iterator[Change]:
    """A significant change for the values ``now`` adds to ``was``, an ordinary one for those
    it drops; ``texts`` introduce the two lists."""
    was, now = list(was), list(now)
    added, dropped = _new_of(was, now), _new_of(now, was)
    if added:
        touched = purposes(added) if callable(purposes) else purposes
        yield significant_change(path, kinds[0], f"{texts[0]} {listed(added)}", reason, touched)
    if dropped:
        yield ordinary_change(path, kinds[1], f"{texts[1]} {listed(dropped)}")


def matched_by_key(
    old: Iterable[T], new: Iterable[T], key: Callable[[T], str]
) -> tuple[list[tuple[str, T]], list[tuple[str, T]], list[tuple[str, T, T]]]:
    """(added, removed, kept) by key: added and kept in the new order, removed in the old."""
    before = {key(x): x for x in old}
    after = {key(x): x for x in new}
    added = [(k, x) for k, x in after.items() if k not in before]
    removed = [(k, x) for k, x in before.items() if k not in after]
    kept = [(k, before[k], x) for k, x in after.items() if k in before]
    return added, removed, kept


def text_changes(
    path: ChangePath, old: BaseModel, new: BaseModel, names: Sequence[str]
) -> Iterator[Change]:
    for name in names:
        if not same_up_to_order(getattr(old, name), getattr(new, name)):
            yield ordinary_change(
                (*path, name), ChangeKind.text_changed, f"{name} edited", WORDING_ONLY
            )


def listed(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values) or "nothing"


def _new_of(old: Iterable[str], new: Iterable[str]) -> list[str]:
    seen = set(old)
    return [v for v in new if v not in seen]
