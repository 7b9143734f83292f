"""Comparing two versions of a policy: what changed, whether a data subject would care, and
the earliest date the new version may take effect in each jurisdiction.

A change is **significant** when a subject would care about it: more data, more purposes,
more recipients or countries, longer retention, a different lawful basis, fewer rights or
weaker safeguards. Everything else (wording, contacts, removals that only narrow processing,
new rights) is **ordinary**. When a comparison cannot prove that a change only narrows
processing (a retention rule that now counts from another event, ``P1M`` against ``P30D``),
it counts as significant.

Parts are matched by their keys and ids, never by their position in a list, so reordering a
policy changes nothing. The version, the effective date and the amendment history describe
the version itself and are not compared.

The new version may take effect ``announced_on`` plus the longer of the statutory minimum
(``policyvault.domain.jurisdictions``) and the notice the *old* policy promised for a change
of that significance: a version cannot shorten the notice of its own announcement.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel

from policyvault.domain.jurisdictions import NoticeRule, notice_rule
from policyvault.domain.policy.data import ConsentRequest, Purpose
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import SafetyKind, UnderAge
from policyvault.domain.policy.parties import Processor, ThirdParty
from policyvault.domain.policy.retention import EndAction

__all__ = ["Change", "ChangeKind", "NoticePeriod", "PolicyDiff", "Significance", "diff_policies"]

ChangePath = tuple[str, ...]
T = TypeVar("T")


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


# Significant changes to these put subjects who consented under the old terms into
# "re-consent required" for the purposes the change touches (PIPA Arts 15(2), 17(2), 18(3),
# 28-8(3); LEGAL §8 item 8): new items, longer retention, new recipients or countries, a
# changed basis or purpose.
_RECONSENT_KINDS = frozenset(
    {
        ChangeKind.item_collected,
        ChangeKind.purpose_items_added,
        ChangeKind.purpose_changed,
        ChangeKind.basis_changed,
        ChangeKind.retention_longer,
        ChangeKind.retention_end_changed,
        ChangeKind.recipient_added,
        ChangeKind.recipient_renamed,
        ChangeKind.recipient_items_added,
        ChangeKind.recipient_purposes_added,
        ChangeKind.country_added,
        ChangeKind.sale_or_sharing_on,
    }
)

# Fields that describe the version itself, not what it promises.
_VERSION_FIELDS = frozenset({"schema_", "version", "effective_date", "history"})

_WORDING = "wording only; what is processed does not change"
_NARROWER = "narrows processing or adds protection"
_CONTACT = "where subjects reach the controller; nothing processed changes"


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


def _notice(jurisdiction: str, old: Policy, significant: bool, announced_on: date) -> NoticePeriod:
    rule = notice_rule(jurisdiction, announced_on)
    statutory = rule.notice_days(significant) if rule else 0
    promised = old.changes.significant_notice_days if significant else old.changes.notice_days
    days = max(statutory, promised)
    return NoticePeriod(
        jurisdiction, announced_on + timedelta(days=days), days, statutory, promised, rule
    )


def _reconsent(old: Policy, new: Policy, changes: list[Change]) -> list[str]:
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
    return processor is not None and set(processor.countries) <= {policy.controller.country}


# -- building blocks -------------------------------------------------------------------------

Verdict = tuple[ChangeKind, str]  # the kind, and why a subject would care


def _significant(
    path: ChangePath, kind: ChangeKind, summary: str, reason: str, purposes: Iterable[str] = ()
) -> Change:
    return Change(path, kind, Significance.significant, summary, reason, tuple(purposes))


def _ordinary(path: ChangePath, kind: ChangeKind, summary: str, reason: str = _NARROWER) -> Change:
    return Change(path, kind, Significance.ordinary, summary, reason)


def _judged(
    path: ChangePath,
    worse: bool,
    kinds: tuple[ChangeKind, ChangeKind],
    summary: str,
    reason: str,
    purposes: Iterable[str] = (),
) -> Change:
    """Significant (the first kind) when the change is worse for the subject, else ordinary."""
    if worse:
        return _significant(path, kinds[0], summary, reason, purposes)
    return _ordinary(path, kinds[1], summary)


def _flag(
    path: ChangePath,
    was: bool,
    now: bool,
    worse_if: bool,
    kinds: tuple[ChangeKind, ChangeKind],
    what: str,
    reason: str,
    purposes: Iterable[str] = (),
) -> Iterator[Change]:
    if was != now:
        summary = f"{what}: {'yes' if was else 'no'} -> {'yes' if now else 'no'}"
        yield _judged(path, now is worse_if, kinds, summary, reason, purposes)


def _grown(
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
        yield _significant(path, kinds[0], f"{texts[0]} {_listed(added)}", reason, touched)
    if dropped:
        yield _ordinary(path, kinds[1], f"{texts[1]} {_listed(dropped)}")


def _matched(
    old: Iterable[T], new: Iterable[T], key: Callable[[T], str]
) -> tuple[list[tuple[str, T]], list[tuple[str, T]], list[tuple[str, T, T]]]:
    """(added, removed, kept) by key: added and kept in the new order, removed in the old."""
    before = {key(x): x for x in old}
    after = {key(x): x for x in new}
    added = [(k, x) for k, x in after.items() if k not in before]
    removed = [(k, x) for k, x in before.items() if k not in after]
    kept = [(k, before[k], x) for k, x in after.items() if k in before]
    return added, removed, kept


def _texts(
    path: ChangePath, old: BaseModel, new: BaseModel, names: Sequence[str]
) -> Iterator[Change]:
    for name in names:
        if not _same(getattr(old, name), getattr(new, name)):
            yield _ordinary((*path, name), ChangeKind.text_changed, f"{name} edited", _WORDING)


def _listed(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values) or "nothing"


def _new_of(old: Iterable[str], new: Iterable[str]) -> list[str]:
    seen = set(old)
    return [v for v in new if v not in seen]


# -- identity, contacts ----------------------------------------------------------------------


def _identity(old: Policy, new: Policy) -> Iterator[Change]:
    if old.id != new.id:
        yield _ordinary(
            ("id",), ChangeKind.text_changed, f"policy id {old.id} -> {new.id}", _WORDING
        )
    for name in ("legal_name", "country"):
        before, after = getattr(old.controller, name), getattr(new.controller, name)
        if before != after:
            yield _significant(
                ("controller", name),
                ChangeKind.controller_changed,
                f"controller {name}: {before} -> {after}",
                "a different controller would be responsible for the data",
            )
    yield from _texts(
        ("controller",), old.controller, new.controller, ("services", "address", "website")
    )
    yield from _grown(
        ("jurisdictions",),
        new.jurisdictions,  # reversed: a jurisdiction dropped is the significant side
        old.jurisdictions,
        (ChangeKind.jurisdiction_removed, ChangeKind.jurisdiction_added),
        ("no longer applies", "now also applies"),
        "subjects lose the protections promised under that law",
    )
    for name in ("timezone", "languages"):
        if not _same(getattr(old, name), getattr(new, name)):
            yield _ordinary(
                (name,),
                ChangeKind.text_changed,
                f"{name}: {getattr(old, name)} -> {getattr(new, name)}",
                "how dates and the notice are presented",
            )
    for name in ("privacy_officer", "departments", "representatives"):
        if not _same(getattr(old.contacts, name), getattr(new.contacts, name)):
            yield _ordinary(
                ("contacts", name), ChangeKind.contact_changed, f"{name} changed", _CONTACT
            )
    if not _same(old.remedy_bodies, new.remedy_bodies):
        yield _ordinary(
            ("remedy_bodies",), ChangeKind.contact_changed, "remedy bodies changed", _CONTACT
        )


# -- items, collection points, purposes ------------------------------------------------------


def _items(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = _matched(old.items, new.items, lambda key: key)
    for key, _ in added:
        item = new.items[key]
        yield _significant(
            ("items", key),
            ChangeKind.item_added,
            f"new item {key} ({item.label}, {item.category})",
            "more personal data is processed",
            new.purposes_of_item(key),
        )
    for key, _ in removed:
        yield _ordinary(("items", key), ChangeKind.item_removed, f"item {key} no longer held")
    for key, _, _ in kept:
        before, after, at = old.items[key], new.items[key], ("items", key)
        if before.category != after.category:
            yield _significant(
                (*at, "category"),
                ChangeKind.item_changed,
                f"item {key} now holds {after.category} instead of {before.category}",
                "the field holds different data",
                new.purposes_of_item(key),
            )
        yield from _grown(
            (*at, "sensitivity"),
            sorted(new.sensitivity_of(key)),  # reversed: a flag lost is the significant side
            sorted(old.sensitivity_of(key)),
            (ChangeKind.sensitivity_lowered, ChangeKind.sensitivity_raised),
            (f"item {key} no longer treated as", f"item {key} now also treated as"),
            "less protection (encryption, separate consent) for the item",
        )
        for name in ("type", "max_length", "values", "max_bytes", "media_types"):
            if not _same(getattr(before, name), getattr(after, name)):
                yield _ordinary(
                    (*at, name),
                    ChangeKind.item_format_changed,
                    f"item {key}: {name} {getattr(before, name)} -> {getattr(after, name)}",
                    "validation of the field only",
                )
        yield from _texts(at, before, after, ("label", "description"))


def _collection_points(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = _matched(old.collection_points, new.collection_points, lambda k: k)
    for key, _ in added:
        point = new.collection_points[key]
        yield _significant(
            ("collection_points", key),
            ChangeKind.collection_point_added,
            f"new collection point {key} ({point.label}) collects {_listed(point.items)}",
            "personal data is collected at a new point",
            point.purposes,
        )
    for key, _ in removed:
        yield _ordinary(
            ("collection_points", key),
            ChangeKind.collection_point_removed,
            f"collection point {key} removed",
        )
    for key, _, _ in kept:
        before, after = old.collection_points[key], new.collection_points[key]
        at = ("collection_points", key)

        yield from _grown(
            (*at, "items"),
            before.items,
            after.items,
            (ChangeKind.item_collected, ChangeKind.item_no_longer_collected),
            (f"{key} now also collects", f"{key} no longer collects"),
            "more personal data is collected at this point",
            partial(_sharing, new, after.purposes),
        )
        now_required = [i for i in after.required if i in before.optional]
        if now_required:
            yield _significant(
                (*at, "required"),
                ChangeKind.item_now_required,
                f"{key} now requires {_listed(now_required)}",
                "subjects can no longer decline to give it",
                _sharing(new, after.purposes, now_required),
            )
        now_optional = [i for i in after.optional if i in before.required]
        if now_optional:
            yield _ordinary(
                (*at, "optional"),
                ChangeKind.item_now_optional,
                f"{key}: {_listed(now_optional)} now optional",
            )
        yield from _grown(
            (*at, "purposes"),
            before.purposes,
            after.purposes,
            (ChangeKind.purpose_changed, ChangeKind.purpose_removed),
            (f"{key} now also serves", f"{key} no longer serves"),
            "data collected here is used for another purpose",
            list,
        )
        yield from _consents(new, at, before.consents, after.consents, after.purposes)
        yield from _texts(at, before, after, ("kind", "label", "timing", "method"))


def _consents(
    policy: Policy,
    at: ChangePath,
    old: Sequence[ConsentRequest],
    new: Sequence[ConsentRequest],
    served: list[str],
) -> Iterator[Change]:
    """Consents asked, as (category, purpose) -> required, however they are grouped."""

    def asked(consents: Sequence[ConsentRequest]) -> dict[tuple[str, str], bool]:
        table: dict[tuple[str, str], bool] = {}
        for consent in consents:
            for purpose in consent.purposes:
                pair = (consent.category.value, purpose)
                table[pair] = table.get(pair, False) or consent.required
        return table

    before, after = asked(old), asked(new)
    for (category, purpose), required in after.items():
        was = before.get((category, purpose))
        if was is None or required != was:
            yield _judged(
                (*at, "consents", category, purpose),
                required,
                (ChangeKind.consent_now_required, ChangeKind.consent_added),
                f"{category} consent for {purpose}: "
                f"{'not asked' if was is None else 'required' if was else 'optional'} -> "
                f"{'required' if required else 'optional'}",
                "the service can no longer be used without this consent",
                [purpose],
            )
    for category, purpose in sorted(before.keys() - after.keys()):
        yield _judged(
            (*at, "consents", category, purpose),
            purpose in served and _needs_consent(policy, category, purpose),
            (ChangeKind.consent_removed, ChangeKind.consent_removed),
            f"{category} consent for {purpose} no longer asked",
            "the processing it allowed goes on without it",
            [purpose],
        )


def _needs_consent(policy: Policy, category: str, purpose: str) -> bool:
    """Whether the purpose, or a recipient serving it, still rests on that consent."""
    recipients: list[Processor | ThirdParty] = [*policy.processors]
    recipients += policy.provision.recipients if policy.provision else []
    declared = policy.purposes.get(purpose)
    return (
        declared is not None and category in {c.value for c in declared.consent_categories}
    ) or any(purpose in r.purposes and r.consent_category == category for r in recipients)


def _bases(purpose: Purpose) -> list[str]:
    return sorted(
        f"{b.basis}({b.consent_category})" if b.consent_category else str(b.basis)
        for b in purpose.bases
    )


def _purposes(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = _matched(old.purposes, new.purposes, lambda k: k)
    for key, _ in added:
        purpose = new.purposes[key]
        yield _significant(
            ("purposes", key),
            ChangeKind.purpose_added,
            f"new purpose {key} ({purpose.label}) uses {_listed(purpose.items)} "
            f"on the basis of {_listed(_bases(purpose))}",
            "personal data is used for a new purpose",
            [key],
        )
    for key, _ in removed:
        yield _ordinary(("purposes", key), ChangeKind.purpose_removed, f"purpose {key} removed")
    for key, _, _ in kept:
        before, after, at = old.purposes[key], new.purposes[key], ("purposes", key)
        if _bases(before) != _bases(after):
            yield _significant(
                (*at, "bases"),
                ChangeKind.basis_changed,
                f"{key}: lawful basis {_listed(_bases(before))} -> {_listed(_bases(after))}",
                "the data is processed on a different legal ground",
                [key],
            )
        else:
            yield from _texts(at, before, after, ("bases",))
        for name in ("data_use", "direct_marketing"):
            if getattr(before, name) != getattr(after, name):
                yield _significant(
                    (*at, name),
                    ChangeKind.purpose_changed,
                    f"{key}: {name} {getattr(before, name)} -> {getattr(after, name)}",
                    "the purpose itself changes",
                    [key],
                )
        yield from _grown(
            (*at, "items"),
            before.items,
            after.items,
            (ChangeKind.purpose_items_added, ChangeKind.purpose_items_removed),
            (f"{key} now also uses", f"{key} no longer uses"),
            "more personal data is used for this purpose",
            [key],
        )
        yield from _texts(at, before, after, ("label", "description"))


# -- retention -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timing:
    until: str | None
    period: Duration | None
    from_: str
    then: EndAction

    def __str__(self) -> str:
        ends = [f"until {self.until}"] if self.until else []
        if self.period is not None:
            ends.append(f"{self.period} after {self.from_}")
        text = " or ".join(ends)
        return text if self.then is EndAction.delete else f"{text}, then {self.then}"


def _timings(policy: Policy, purpose: str, item: str) -> frozenset[_Timing]:
    """The rules that end ``item`` kept for ``purpose``: item-specific ones override."""
    rules = [r for r in policy.retention if r.purpose == purpose]
    chosen = [r for r in rules if r.items and item in r.items] or [r for r in rules if not r.items]
    return frozenset(_Timing(r.until, r.period, r.from_, r.then) for r in chosen)


def _outlasts(new: _Timing, old: _Timing) -> str | None:
    """Why ``new`` may end later than ``old`` for some subject; None if it provably cannot."""
    if old.until is not None and new.until != old.until:
        if new.until is None:
            return f"no longer ends at {old.until}"
        return f"ends at {new.until} instead of {old.until}"
    if old.period is not None:
        if new.period is None:
            return f"no longer ends {old.period} after {old.from_}"
        if new.from_ != old.from_:
            return f"counted from {new.from_} instead of {old.from_}"
        if new.period.may_be_longer_than(old.period):
            return f"{new.period} instead of {old.period}"
    return None


def _retention_verdicts(old: frozenset[_Timing], new: frozenset[_Timing]) -> Iterator[Verdict]:
    if old == new:
        return
    before, after = _listed(sorted(map(str, old))), _listed(sorted(map(str, new)))
    if not new:
        yield ChangeKind.retention_longer, "no retention rule any more"
        return
    why = sorted({w for n in new - old for o in old if (w := _outlasts(n, o)) is not None})
    if why:
        yield ChangeKind.retention_longer, "; ".join(why)
    else:
        yield ChangeKind.retention_shorter, f"{before or 'no end'} -> {after}"
    if EndAction.anonymise in {t.then for t in new} - {t.then for t in old}:
        yield ChangeKind.retention_end_changed, "anonymised instead of deleted at the end"


def _retention(old: Policy, new: Policy) -> Iterator[Change]:
    for key, after in new.purposes.items():
        before = old.purposes.get(key)
        if before is None:
            continue  # a new purpose is significant in itself
        groups: dict[Verdict, list[str]] = defaultdict(list)
        for item in after.items:
            if item in before.items:
                old_end, new_end = _timings(old, key, item), _timings(new, key, item)
                for verdict in _retention_verdicts(old_end, new_end):
                    groups[verdict].append(item)
        for (kind, why), items in groups.items():
            yield _judged(
                ("retention", key),
                kind is not ChangeKind.retention_shorter,
                (kind, kind),
                f"{key}: retention of {_listed(items)}: {why}",
                "data may be kept longer"
                if kind is ChangeKind.retention_longer
                else "data is no longer deleted at the end",
                [key],
            )
    wording = {(r.purpose, tuple(sorted(r.items or []))): r for r in old.retention}
    for rule in new.retention:
        was = wording.get((rule.purpose, tuple(sorted(rule.items or []))))
        if was is not None:
            yield from _texts(("retention", rule.purpose), was, rule, ("description",))


def _statutory(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = _matched(
        old.statutory_retention, new.statutory_retention, lambda r: r.record_type
    )
    for key, record in added:
        yield _significant(
            ("statutory_retention", key),
            ChangeKind.statutory_record_added,
            f"new record type {key} kept {record.period} after {record.from_}",
            "more data is kept after its purpose ends",
        )
    for key, _ in removed:
        yield _ordinary(
            ("statutory_retention", key),
            ChangeKind.statutory_record_removed,
            f"record type {key} no longer kept",
        )
    longer_or_shorter = (
        ChangeKind.statutory_retention_longer,
        ChangeKind.statutory_retention_shorter,
    )
    for key, before, after in kept:
        at = ("statutory_retention", key)
        if before.from_ != after.from_ or before.period != after.period:
            yield _judged(
                at,
                before.from_ != after.from_ or after.period.may_be_longer_than(before.period),
                longer_or_shorter,
                f"{key}: kept {after.period} after {after.from_} "
                f"instead of {before.period} after {before.from_}",
                "records may be kept longer",
            )
        yield from _grown(
            (*at, "items"),
            before.items,
            after.items,
            (ChangeKind.statutory_items_added, ChangeKind.statutory_items_removed),
            (f"{key} now also keeps", f"{key} no longer keeps"),
            "more data is kept after its purpose ends",
        )
        yield from _texts(at, before, after, ("label", "kind", "statute", "article", "reason"))
    yield from _grown(
        ("legal_holds",),
        [h.reason for h in old.legal_holds],
        [h.reason for h in new.legal_holds],
        (ChangeKind.legal_hold_added, ChangeKind.legal_hold_removed),
        ("new reason to hold data past its period:", "no longer a reason to hold data:"),
        "data may be kept longer",
    )
    holds = {h.reason: h for h in old.legal_holds}
    for hold in new.legal_holds:
        if hold.reason in holds:
            yield from _texts(
                ("legal_holds", hold.reason), holds[hold.reason], hold, ("description",)
            )


def _destruction(old: Policy, new: Policy) -> Iterator[Change]:
    before, after, at = old.destruction, new.destruction, ("destruction",)
    weaker = (ChangeKind.destruction_weakened, ChangeKind.destruction_strengthened)
    if after.grace_period_days != before.grace_period_days:
        yield _judged(
            (*at, "grace_period_days"),
            after.grace_period_days > before.grace_period_days,
            weaker,
            f"destroyed {after.grace_period_days} days after the end "
            f"instead of {before.grace_period_days}",
            "data is destroyed later after its period ends",
        )
    yield from _flag(
        (*at, "approval_required"),
        before.approval_required,
        after.approval_required,
        False,
        weaker,
        "destruction needs approval",
        "a safeguard on destruction is dropped",
    )
    yield from _flag(
        (*at, "separate_store"),
        before.separate_store,
        after.separate_store,
        False,
        weaker,
        "statutory records kept apart",
        "records kept by statute are no longer separated",
    )
    yield from _texts(at, before, after, ("approver", "procedure", "method"))

    log_before, log_after, at = old.access_log, new.access_log, ("access_log",)
    weaker = (ChangeKind.access_log_weakened, ChangeKind.access_log_strengthened)
    if log_before.retention != log_after.retention:
        yield _judged(
            (*at, "retention"),
            log_before.retention.may_be_longer_than(log_after.retention),
            weaker,
            f"access log kept {log_after.retention} instead of {log_before.retention}",
            "the record of who accessed the data may be kept for less time",
        )
    yield from _flag(
        (*at, "tamper_evident"),
        log_before.tamper_evident,
        log_after.tamper_evident,
        False,
        weaker,
        "access log tamper-evident",
        "the record of who accessed the data could be altered",
    )
    yield from _texts(at, log_before, log_after, ("description",))


# -- recipients, trackers --------------------------------------------------------------------


@dataclass(frozen=True)
class _Recipient:
    path: ChangePath
    role: str
    model: Processor | ThirdParty
    basis: tuple[str | None, str | None]
    sale_or_sharing: bool
    texts: tuple[str, ...]


def _recipients_of(policy: Policy) -> list[_Recipient]:
    found = [
        _Recipient(
            ("processors", p.id),
            "processor",
            p,
            (p.transfer_basis, p.consent_category),
            False,
            ("task", "timing", "method", "retention", "contact", "refusal"),
        )
        for p in policy.processors
    ]
    for t in policy.provision.recipients if policy.provision else []:
        found.append(
            _Recipient(
                ("provision", "recipients", t.id),
                "third party",
                t,
                (t.basis, t.consent_category),
                t.sale_or_sharing,
                ("purpose", "retention"),
            )
        )
    return found


def _sharing(policy: Policy, purposes: Iterable[str], items: Iterable[str]) -> list[str]:
    """The purposes among ``purposes`` whose items include any of ``items``."""
    wanted = set(items)
    return [p for p in purposes if p in policy.purposes and wanted & set(policy.purposes[p].items)]


def _recipients(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = _matched(
        _recipients_of(old), _recipients_of(new), lambda r: ".".join(r.path)
    )
    for _, r in added:
        m = r.model
        yield _significant(
            r.path,
            ChangeKind.recipient_added,
            f"new {r.role} {m.name} receives {_listed(m.items)} in {_listed(m.countries)} "
            f"for {_listed(m.purposes)}",
            "personal data goes to a new recipient",
            _sharing(new, m.purposes, m.items),
        )
    for _, r in removed:
        yield _ordinary(r.path, ChangeKind.recipient_removed, f"{r.role} {r.model.name} removed")
    for _, was, now in kept:
        path, before, after = now.path, was.model, now.model
        touched = _sharing(new, after.purposes, after.items)
        if before.name != after.name:
            yield _significant(
                (*path, "name"),
                ChangeKind.recipient_renamed,
                f"{now.role} {before.name} is now {after.name}",
                "the data may go to a different company",
                touched,
            )
        yield from _grown(
            (*path, "countries"),
            before.countries,
            after.countries,
            (ChangeKind.country_added, ChangeKind.country_removed),
            (f"{after.name} now also receives data in", f"{after.name} no longer receives data in"),
            "personal data goes to a new country",
            touched,
        )
        yield from _grown(
            (*path, "items"),
            before.items,
            after.items,
            (ChangeKind.recipient_items_added, ChangeKind.recipient_items_removed),
            (f"{after.name} now also receives", f"{after.name} no longer receives"),
            "a recipient receives more personal data",
            partial(_sharing, new, after.purposes),
        )
        yield from _grown(
            (*path, "purposes"),
            before.purposes,
            after.purposes,
            (ChangeKind.recipient_purposes_added, ChangeKind.recipient_purposes_removed),
            (f"{after.name} now also serves", f"{after.name} no longer serves"),
            "a recipient uses the data for more purposes",
            partial(_sharing, new, items=after.items),
        )
        if was.basis != now.basis:
            yield _significant(
                (*path, "basis"),
                ChangeKind.basis_changed,
                f"{after.name}: basis {_listed(filter(None, was.basis))} -> "
                f"{_listed(filter(None, now.basis))}",
                "the transfer rests on a different legal ground",
                touched,
            )
        yield from _flag(
            (*path, "sale_or_sharing"),
            was.sale_or_sharing,
            now.sale_or_sharing,
            True,
            (ChangeKind.sale_or_sharing_on, ChangeKind.sale_or_sharing_off),
            f"data given to {after.name} sold or shared",
            "a CCPA sale or sharing starts",
            touched,
        )
        yield from _texts(path, before, after, now.texts)
    if old.provision is not None and new.provision is not None:
        yield from _texts(("provision",), old.provision, new.provision, ("statement", "exceptions"))


def _trackers(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = _matched(
        old.cookies.trackers if old.cookies else [],
        new.cookies.trackers if new.cookies else [],
        lambda t: t.name,
    )
    for name, tracker in added:
        yield _judged(
            ("cookies", name),
            not tracker.essential,
            (ChangeKind.tracker_added, ChangeKind.tracker_added),
            f"new {tracker.category} {tracker.kind} {name}"
            + (f" set by {tracker.provider}" if tracker.provider else ""),
            "a new non-essential tracker follows the subject",
        )
    for name, _ in removed:
        yield _ordinary(("cookies", name), ChangeKind.tracker_removed, f"tracker {name} removed")
    changed = (ChangeKind.tracker_changed, ChangeKind.tracker_changed)
    for name, before, after in kept:
        at = ("cookies", name)
        if before.category != after.category:  # into or out of "no consent needed" alike
            yield _significant(
                (*at, "category"),
                ChangeKind.tracker_changed,
                f"{name}: {before.category} -> {after.category}",
                "the tracker is used, and consented to, differently",
            )
        if before.provider != after.provider:
            yield _judged(
                (*at, "provider"),
                after.provider is not None,
                changed,
                f"{name}: set by {after.provider or 'the controller'}",
                "another company receives what the tracker records",
            )
        if before.duration != after.duration:
            yield _judged(
                (*at, "duration"),
                after.duration is not None
                and (before.duration is None or after.duration.may_be_longer_than(before.duration)),
                changed,
                f"{name}: lasts {after.duration or 'the session'} "
                f"instead of {before.duration or 'the session'}",
                "the tracker may last longer",
            )
        yield from _texts(at, before, after, ("kind", "purpose"))
    if old.cookies is not None and new.cookies is not None:
        yield from _texts(("cookies",), old.cookies, new.cookies, ("how_to_refuse", "if_refused"))


# -- the subject's protections ---------------------------------------------------------------


def _children(old: Policy, new: Policy) -> Iterator[Change]:
    weaker = (ChangeKind.child_rule_weakened, ChangeKind.child_rule_strengthened)
    added, removed, kept = _matched(
        old.children.rules if old.children else [],
        new.children.rules if new.children else [],
        lambda r: r.jurisdiction,
    )
    for key, rule in added:
        yield _ordinary(
            ("children", key),
            ChangeKind.child_rule_strengthened,
            f"{key}: under {rule.minimum_age}: {rule.under_age}",
        )
    for key, _ in removed:
        yield _significant(
            ("children", key),
            ChangeKind.child_rule_weakened,
            f"{key}: no child rule any more",
            "children lose the protection the policy promised",
        )
    for key, before, after in kept:
        if after.minimum_age != before.minimum_age:
            yield _judged(
                ("children", key, "minimum_age"),
                after.minimum_age < before.minimum_age,
                weaker,
                f"{key}: minimum age {before.minimum_age} -> {after.minimum_age}",
                "younger children are treated as able to consent",
            )
        if after.under_age != before.under_age:
            yield _judged(
                ("children", key, "under_age"),
                before.under_age is UnderAge.refuse,
                weaker,
                f"{key}: under age {before.under_age} -> {after.under_age}",
                "data of children below the age is now collected",
            )
    if old.children is not None and new.children is not None:
        yield from _texts(("children",), old.children, new.children, ("statement", "retention"))


def _rights(old: Policy, new: Policy) -> Iterator[Change]:
    before, after, at = old.rights, new.rights, ("rights",)
    narrower = (ChangeKind.rights_narrowed, ChangeKind.rights_widened)
    yield from _grown(
        (*at, "granted"),
        after.granted,  # reversed: a right dropped is the significant side
        before.granted,
        (ChangeKind.right_removed, ChangeKind.right_added),
        ("no longer granted: right", "newly granted: right"),
        "subjects lose a right",
    )
    kinds_before = {c.kind.value for c in before.channels}
    kinds_after = {c.kind.value for c in after.channels}
    yield from _grown(
        (*at, "channels"),
        sorted(kinds_after),  # reversed: a channel dropped is the significant side
        sorted(kinds_before),
        narrower,
        ("requests no longer accepted by", "requests now also accepted by"),
        "a way to exercise rights is removed",
    )
    for kind in sorted(kinds_before & kinds_after):
        if not _same(
            [c for c in before.channels if c.kind == kind],
            [c for c in after.channels if c.kind == kind],
        ):
            yield _ordinary(
                (*at, "channels", kind),
                ChangeKind.contact_changed,
                f"{kind} request channel details changed",
                _CONTACT,
            )
    for name, what in (
        ("agents_allowed", "requests by agents accepted"),
        ("freeze_while_pending", "data frozen while a correction or deletion is pending"),
    ):
        was, now = getattr(before, name), getattr(after, name)
        yield from _flag((*at, name), was, now, False, narrower, what, "subjects lose a protection")
    if len(after.limitations) > len(before.limitations):
        yield _significant(
            (*at, "limitations"),
            ChangeKind.rights_narrowed,
            f"{len(after.limitations) - len(before.limitations)} more limitation(s) of rights",
            "rights may be refused in more cases",
        )
    else:
        yield from _texts(at, before, after, ("limitations",))
    yield from _texts(at, before, after, ("agent_document",))


def _promises(old: Policy, new: Policy) -> Iterator[Change]:
    """Safety measures, breach notices, CCPA disclosures, notice periods, free sections."""
    for kind in SafetyKind:
        measures_before = [m for m in old.safety_measures if m.kind is kind]
        measures_after = [m for m in new.safety_measures if m.kind is kind]
        if len(measures_after) < len(measures_before):  # prose: fewer is a lost safeguard
            yield _significant(
                ("safety_measures", kind.value),
                ChangeKind.safeguard_removed,
                f"{len(measures_before) - len(measures_after)} {kind} safety measure(s) removed",
                "less protection for the data",
            )
        elif not _same(measures_before, measures_after):
            yield _ordinary(
                ("safety_measures", kind.value),
                ChangeKind.text_changed,
                f"{kind} safety measures edited",
                _WORDING,
            )

    safeguard = (ChangeKind.safeguard_removed, ChangeKind.safeguard_added)
    for name in ("notify_subjects", "notify_regulators"):
        was = bool(old.breach and getattr(old.breach, name))
        now = bool(new.breach and getattr(new.breach, name))
        yield from _flag(
            ("breach", name),
            was,
            now,
            False,
            safeguard,
            f"breach: {name}",
            "breaches may go untold",
        )
    if old.breach is not None and new.breach is not None:
        yield from _texts(("breach",), old.breach, new.breach, ("channels",))

    for name in ("categories_collected", "sources", "third_party_categories"):
        yield from _grown(
            ("ccpa", name),
            [str(t) for t in getattr(old.ccpa, name)] if old.ccpa else [],
            [str(t) for t in getattr(new.ccpa, name)] if new.ccpa else [],
            (ChangeKind.disclosure_added, ChangeKind.disclosure_removed),
            (f"CCPA {name} now also", f"CCPA {name} no longer"),
            "more categories, sources or recipients of personal information",
        )
    yield from _flag(
        ("ccpa", "sells_or_shares"),
        bool(old.ccpa and old.ccpa.sells_or_shares),
        bool(new.ccpa and new.ccpa.sells_or_shares),
        True,
        (ChangeKind.sale_or_sharing_on, ChangeKind.sale_or_sharing_off),
        "personal information sold or shared",
        "a CCPA sale or sharing starts",
    )
    if old.ccpa is not None and new.ccpa is not None:
        yield from _texts(("ccpa",), old.ccpa, new.ccpa, ("business_purposes",))

    for name in ("notice_days", "significant_notice_days"):
        was_days, now_days = getattr(old.changes, name), getattr(new.changes, name)
        if was_days != now_days:
            yield _judged(
                ("changes", name),
                now_days < was_days,
                (ChangeKind.notice_shortened, ChangeKind.notice_lengthened),
                f"{name}: {was_days} -> {now_days}",
                "future changes are announced later",
            )
    yield from _texts(("changes",), old.changes, new.changes, ("channel",))

    added, removed, kept = _matched(old.sections, new.sections, lambda s: s.key)
    for key, _ in added:
        yield _ordinary(("sections", key), ChangeKind.text_changed, f"new section {key}", _WORDING)
    for key, _ in removed:
        yield _ordinary(("sections", key), ChangeKind.text_changed, f"section {key} removed")
    for key, before, after in kept:
        yield from _texts(("sections", key), before, after, ("title", "text"))


# -- the safety net --------------------------------------------------------------------------


_CANONICAL = {"canonical": True}  # P36M and P3Y are the same period


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", context=_CANONICAL)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


def _canonical(value: Any) -> Any:
    """A JSON value with every list sorted: order in a policy file carries no meaning."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def _same(old: Any, new: Any) -> bool:
    """Equal up to the order of lists."""
    return bool(_canonical(_plain(old)) == _canonical(_plain(new)))


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
