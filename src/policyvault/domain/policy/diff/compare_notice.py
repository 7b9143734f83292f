"""Comparing what the notice promises besides data and retention: trackers, children,
rights, safety, breaches, CCPA disclosures, notice of changes, free sections."""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy.diff.canonical import same_up_to_order
from policyvault.domain.policy.diff.judging import (
    CONTACT_ONLY,
    WORDING_ONLY,
    additions_and_removals,
    flag_changes,
    judged_change,
    matched_by_key,
    ordinary_change,
    significant_change,
    text_changes,
)
from policyvault.domain.policy.diff.model import Change, ChangeKind
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import SafetyKind, UnderAge

# -- trackers --------------------------------------------------------------------------------


def compare_trackers(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = matched_by_key(
        old.cookies.trackers if old.cookies else [],
        new.cookies.trackers if new.cookies else [],
        lambda t: t.name,
    )
    for name, tracker in added:
        yield judged_change(
            ("cookies", name),
            not tracker.essential,
            (ChangeKind.tracker_added, ChangeKind.tracker_added),
            f"new {tracker.category} {tracker.kind} {name}"
            + (f" set by {tracker.provider}" if tracker.provider else ""),
            "a new non-essential tracker follows the subject",
        )
    for name, _ in removed:
        yield ordinary_change(
            ("cookies", name), ChangeKind.tracker_removed, f"tracker {name} removed"
        )
    changed = (ChangeKind.tracker_changed, ChangeKind.tracker_changed)
    for name, before, after in kept:
        at = ("cookies", name)
        if before.category != after.category:  # into or out of "no consent needed" alike
            yield significant_change(
                (*at, "category"),
                ChangeKind.tracker_changed,
                f"{name}: {before.category} -> {after.category}",
                "the tracker is used, and consented to, differently",
            )
        if before.provider != after.provider:
            yield judged_change(
                (*at, "provider"),
                after.provider is not None,
                changed,
                f"{name}: set by {after.provider or 'the controller'}",
                "another company receives what the tracker records",
            )
        if before.duration != after.duration:
            yield judged_change(
                (*at, "duration"),
                after.duration is not None
                and (before.duration is None or after.duration.may_be_longer_than(before.duration)),
                changed,
                f"{name}: lasts {after.duration or 'the session'} "
                f"instead of {before.duration or 'the session'}",
                "the tracker may last longer",
            )
        yield from text_changes(at, before, after, ("kind", "purpose"))
    if old.cookies is not None and new.cookies is not None:
        yield from text_changes(
            ("cookies",), old.cookies, new.cookies, ("how_to_refuse", "if_refused")
        )


# -- the subject's protections ---------------------------------------------------------------


def compare_children(old: Policy, new: Policy) -> Iterator[Change]:
    weaker = (ChangeKind.child_rule_weakened, ChangeKind.child_rule_strengthened)
    added, removed, kept = matched_by_key(
        old.children.rules if old.children else [],
        new.children.rules if new.children else [],
        lambda r: r.jurisdiction,
    )
    for key, rule in added:
        yield ordinary_change(
            ("children", key),
            ChangeKind.child_rule_strengthened,
            f"{key}: under {rule.minimum_age}: {rule.under_age}",
        )
    for key, _ in removed:
        yield significant_change(
            ("children", key),
            ChangeKind.child_rule_weakened,
            f"{key}: no child rule any more",
            "children lose the protection the policy promised",
        )
    for key, before, after in kept:
        if after.minimum_age != before.minimum_age:
            yield judged_change(
                ("children", key, "minimum_age"),
                after.minimum_age < before.minimum_age,
                weaker,
                f"{key}: minimum age {before.minimum_age} -> {after.minimum_age}",
                "younger children are treated as able to consent",
            )
        if after.under_age != before.under_age:
            yield judged_change(
                ("children", key, "under_age"),
                before.under_age is UnderAge.refuse,
                weaker,
                f"{key}: under age {before.under_age} -> {after.under_age}",
                "data of children below the age is now collected",
            )
    if old.children is not None and new.children is not None:
        yield from text_changes(
            ("children",), old.children, new.children, ("statement", "retention")
        )


def compare_rights(old: Policy, new: Policy) -> Iterator[Change]:
    before, after, at = old.rights, new.rights, ("rights",)
    narrower = (ChangeKind.rights_narrowed, ChangeKind.rights_widened)
    yield from additions_and_removals(
        (*at, "granted"),
        after.granted,  # reversed: a right dropped is the significant side
        before.granted,
        (ChangeKind.right_removed, ChangeKind.right_added),
        ("no longer granted: right", "newly granted: right"),
        "subjects lose a right",
    )
    kinds_before = {c.kind.value for c in before.channels}
    kinds_after = {c.kind.value for c in after.channels}
    yield from additions_and_removals(
        (*at, "channels"),
        sorted(kinds_after),  # reversed: a channel dropped is the significant side
        sorted(kinds_before),
        narrower,
        ("requests no longer accepted by", "requests now also accepted by"),
        "a way to exercise rights is removed",
    )
    for kind in sorted(kinds_before & kinds_after):
        if not same_up_to_order(
            [c for c in before.channels if c.kind == kind],
            [c for c in after.channels if c.kind == kind],
        ):
            yield ordinary_change(
                (*at, "channels", kind),
                ChangeKind.contact_changed,
                f"{kind} request channel details changed",
                CONTACT_ONLY,
            )
    for name, what in (
        ("agents_allowed", "requests by agents accepted"),
        ("freeze_while_pending", "data frozen while a correction or deletion is pending"),
    ):
        was, now = getattr(before, name), getattr(after, name)
        yield from flag_changes(
            (*at, name), was, now, False, narrower, what, "subjects lose a protection"
        )
    if len(after.limitations) > len(before.limitations):
        yield significant_change(
            (*at, "limitations"),
            ChangeKind.rights_narrowed,
            f"{len(after.limitations) - len(before.limitations)} more limitation(s) of rights",
            "rights may be refused in more cases",
        )
    else:
        yield from text_changes(at, before, after, ("limitations",))
    yield from text_changes(at, before, after, ("agent_document",))


def compare_promises(old: Policy, new: Policy) -> Iterator[Change]:
    """Safety measures, breach notices, CCPA disclosures, notice periods, free sections."""
    for kind in SafetyKind:
        measures_before = [m for m in old.safety_measures if m.kind is kind]
        measures_after = [m for m in new.safety_measures if m.kind is kind]
        if len(measures_after) < len(measures_before):  # prose: fewer is a lost safeguard
            yield significant_change(
                ("safety_measures", kind.value),
                ChangeKind.safeguard_removed,
                f"{len(measures_before) - len(measures_after)} {kind} safety measure(s) removed",
                "less protection for the data",
            )
        elif not same_up_to_order(measures_before, measures_after):
            yield ordinary_change(
                ("safety_measures", kind.value),
                ChangeKind.text_changed,
                f"{kind} safety measures edited",
                WORDING_ONLY,
            )

    safeguard = (ChangeKind.safeguard_removed, ChangeKind.safeguard_added)
    for name in ("notify_subjects", "notify_regulators"):
        was = bool(old.breach and getattr(old.breach, name))
        now = bool(new.breach and getattr(new.breach, name))
        yield from flag_changes(
            ("breach", name),
            was,
            now,
            False,
            safeguard,
            f"breach: {name}",
            "breaches may go untold",
        )
    if old.breach is not None and new.breach is not None:
        yield from text_changes(("breach",), old.breach, new.breach, ("channels",))

    for name in ("categories_collected", "sources", "third_party_categories"):
        yield from additions_and_removals(
            ("ccpa", name),
            [str(t) for t in getattr(old.ccpa, name)] if old.ccpa else [],
            [str(t) for t in getattr(new.ccpa, name)] if new.ccpa else [],
            (ChangeKind.disclosure_added, ChangeKind.disclosure_removed),
            (f"CCPA {name} now also", f"CCPA {name} no longer"),
            "more categories, sources or recipients of personal information",
        )
    yield from flag_changes(
        ("ccpa", "sells_or_shares"),
        old.ccpa.sells_or_shares if old.ccpa else None,
        new.ccpa.sells_or_shares if new.ccpa else None,
        True,
        (ChangeKind.sale_or_sharing_on, ChangeKind.sale_or_sharing_off),
        "personal information sold or shared",
        "a CCPA sale or sharing starts",
    )
    if old.ccpa is not None and new.ccpa is not None:
        yield from text_changes(("ccpa",), old.ccpa, new.ccpa, ("business_purposes",))

    for name in ("notice_days", "significant_notice_days"):
        was_days, now_days = getattr(old.changes, name), getattr(new.changes, name)
        if was_days != now_days:
            yield judged_change(
                ("changes", name),
                now_days < was_days,
                (ChangeKind.notice_shortened, ChangeKind.notice_lengthened),
                f"{name}: {was_days} -> {now_days}",
                "future changes are announced later",
            )
    yield from text_changes(("changes",), old.changes, new.changes, ("channel",))

    added, removed, kept = matched_by_key(old.sections, new.sections, lambda s: s.key)
    for key, _ in added:
        yield ordinary_change(
            ("sections", key), ChangeKind.text_changed, f"new section {key}", WORDING_ONLY
        )
    for key, _ in removed:
        yield ordinary_change(("sections", key), ChangeKind.text_changed, f"section {key} removed")
    for key, before, after in kept:
        yield from text_changes(("sections", key), before, after, ("title", "text"))
