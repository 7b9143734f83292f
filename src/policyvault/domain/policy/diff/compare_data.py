"""Comparing what is collected and why: items, collection points, consents, purposes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import partial

from policyvault.domain.policy.data import ConsentRequest, Purpose
from policyvault.domain.policy.diff.canonical import same_up_to_order
from policyvault.domain.policy.diff.judging import (
    additions_and_removals,
    judged_change,
    listed,
    matched_by_key,
    ordinary_change,
    significant_change,
    text_changes,
)
from policyvault.domain.policy.diff.model import Change, ChangeKind, ChangePath
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.parties import Processor, ThirdParty


def compare_items(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = matched_by_key(old.items, new.items, lambda key: key)
    for key, _ in added:
        item = new.items[key]
        yield significant_change(
            ("items", key),
            ChangeKind.item_added,
            f"new item {key} ({item.label}, {item.category})",
            "more personal data is processed",
            new.purposes_of_item(key),
        )
    for key, _ in removed:
        yield ordinary_change(("items", key), ChangeKind.item_removed, f"item {key} no longer held")
    for key, _, _ in kept:
        before, after, at = old.items[key], new.items[key], ("items", key)
        if before.category != after.category:
            yield significant_change(
                (*at, "category"),
                ChangeKind.item_changed,
                f"item {key} now holds {after.category} instead of {before.category}",
                "the field holds different data",
                new.purposes_of_item(key),
            )
        yield from additions_and_removals(
            (*at, "sensitivity"),
            sorted(new.sensitivity_of(key)),  # reversed: a flag lost is the significant side
            sorted(old.sensitivity_of(key)),
            (ChangeKind.sensitivity_lowered, ChangeKind.sensitivity_raised),
            (f"item {key} no longer treated as", f"item {key} now also treated as"),
            "less protection (encryption, separate consent) for the item",
        )
        for name in ("type", "max_length", "values", "max_bytes", "media_types"):
            if not same_up_to_order(getattr(before, name), getattr(after, name)):
                yield ordinary_change(
                    (*at, name),
                    ChangeKind.item_format_changed,
                    f"item {key}: {name} {getattr(before, name)} -> {getattr(after, name)}",
                    "validation of the field only",
                )
        yield from text_changes(at, before, after, ("label", "description"))


def compare_collection_points(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = matched_by_key(old.collection_points, new.collection_points, lambda k: k)
    for key, _ in added:
        point = new.collection_points[key]
        yield significant_change(
            ("collection_points", key),
            ChangeKind.collection_point_added,
            f"new collection point {key} ({point.label}) collects {listed(point.items)}",
            "personal data is collected at a new point",
            point.purposes,
        )
    for key, _ in removed:
        yield ordinary_change(
            ("collection_points", key),
            ChangeKind.collection_point_removed,
            f"collection point {key} removed",
        )
    for key, _, _ in kept:
        before, after = old.collection_points[key], new.collection_points[key]
        at = ("collection_points", key)

        yield from additions_and_removals(
            (*at, "items"),
            before.items,
            after.items,
            (ChangeKind.item_collected, ChangeKind.item_no_longer_collected),
            (f"{key} now also collects", f"{key} no longer collects"),
            "more personal data is collected at this point",
            partial(purposes_using, new, after.purposes),
        )
        now_required = [i for i in after.required if i in before.optional]
        if now_required:
            yield significant_change(
                (*at, "required"),
                ChangeKind.item_now_required,
                f"{key} now requires {listed(now_required)}",
                "subjects can no longer decline to give it",
                purposes_using(new, after.purposes, now_required),
            )
        now_optional = [i for i in after.optional if i in before.required]
        if now_optional:
            yield ordinary_change(
                (*at, "optional"),
                ChangeKind.item_now_optional,
                f"{key}: {listed(now_optional)} now optional",
            )
        yield from additions_and_removals(
            (*at, "purposes"),
            before.purposes,
            after.purposes,
            (ChangeKind.purpose_changed, ChangeKind.purpose_removed),
            (f"{key} now also serves", f"{key} no longer serves"),
            "data collected here is used for another purpose",
            list,
        )
        yield from _consents(new, at, before.consents, after.consents, after.purposes)
        yield from text_changes(at, before, after, ("kind", "label", "timing", "method"))


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
            yield judged_change(
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
        yield judged_change(
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


def compare_purposes(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = matched_by_key(old.purposes, new.purposes, lambda k: k)
    for key, _ in added:
        purpose = new.purposes[key]
        yield significant_change(
            ("purposes", key),
            ChangeKind.purpose_added,
            f"new purpose {key} ({purpose.label}) uses {listed(purpose.items)} "
            f"on the basis of {listed(_bases(purpose))}",
            "personal data is used for a new purpose",
            [key],
        )
    for key, _ in removed:
        yield ordinary_change(
            ("purposes", key), ChangeKind.purpose_removed, f"purpose {key} removed"
        )
    for key, _, _ in kept:
        before, after, at = old.purposes[key], new.purposes[key], ("purposes", key)
        if _bases(before) != _bases(after):
            yield significant_change(
                (*at, "bases"),
                ChangeKind.basis_changed,
                f"{key}: lawful basis {listed(_bases(before))} -> {listed(_bases(after))}",
                "the data is processed on a different legal ground",
                [key],
            )
        else:
            yield from text_changes(at, before, after, ("bases",))
        for name in ("data_use", "direct_marketing"):
            if getattr(before, name) != getattr(after, name):
                yield significant_change(
                    (*at, name),
                    ChangeKind.purpose_changed,
                    f"{key}: {name} {getattr(before, name)} -> {getattr(after, name)}",
                    "the purpose itself changes",
                    [key],
                )
        yield from additions_and_removals(
            (*at, "items"),
            before.items,
            after.items,
            (ChangeKind.purpose_items_added, ChangeKind.purpose_items_removed),
            (f"{key} now also uses", f"{key} no longer uses"),
            "more personal data is used for this purpose",
            [key],
        )
        yield from text_changes(at, before, after, ("label", "description"))


def purposes_using(policy: Policy, purposes: Iterable[str], items: Iterable[str]) -> list[str]:
    """The purposes among ``purposes`` whose items include any of ``items``."""
    wanted = set(items)
    return [p for p in purposes if p in policy.purposes and wanted & set(policy.purposes[p].items)]
