"""Cross-reference checks: a policy whose parts name each other wrongly is invalid.

The schema checks each part alone; these rules check the parts against each other and
against the taxonomy. Every finding carries the path of the offending value, so the loader
can name its line.
"""

from __future__ import annotations

from collections.abc import Iterator

from policyvault.domain.policy import findings as codes
from policyvault.domain.policy.findings import Finding, Path
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import BUILTIN_EVENTS
from policyvault.domain.policy.taxonomy import Taxonomy, under_namespace


def check_policy(policy: Policy, taxonomy: Taxonomy) -> list[Finding]:
    """Every cross-reference error in the policy, in document order."""
    return [
        *_check_categories(policy, taxonomy),
        *_check_collection_points(policy),
        *_check_record_categories(policy),
        *_check_purposes(policy, taxonomy),
        *_check_retention(policy),
        *_check_recipients(policy),
        *_check_children(policy),
        *_check_unique_ids(policy),
    ]


def _suggest(nearest: str | None) -> str:
    return f"; did you mean {nearest!r}?" if nearest else ""


def _check_categories(policy: Policy, taxonomy: Taxonomy) -> Iterator[Finding]:
    namespaces = policy.custom_namespaces
    for key in policy.data_categories:
        if key not in taxonomy.data_categories and not under_namespace(key, namespaces):
            yield Finding(
                codes.UNKNOWN_CATEGORY,
                f"data category {key!r} is neither in the fideslang taxonomy nor under a "
                f"declared custom namespace{_suggest(taxonomy.nearest_category(key))}",
                ("data_categories", key),
            )
    for item_key, item in policy.items.items():
        key = item.category
        known = (
            key in taxonomy.data_categories
            or key in policy.data_categories
            or under_namespace(key, namespaces)
        )
        if not known:
            yield Finding(
                codes.UNKNOWN_CATEGORY,
                f"item {item_key!r}: unknown data category {key!r}"
                f"{_suggest(taxonomy.nearest_category(key))} (declare a custom namespace in "
                "custom_namespaces for keys of your own)",
                ("items", item_key, "category"),
            )


def _item_refs(policy: Policy, keys: list[str], where: Path, owner: str) -> Iterator[Finding]:
    for index, key in enumerate(keys):
        if key not in policy.items:
            yield Finding(
                codes.UNKNOWN_ITEM,
                f"{owner} uses item {key!r}, which is not declared under items",
                (*where, index),
            )


def _purpose_refs(policy: Policy, keys: list[str], where: Path, owner: str) -> Iterator[Finding]:
    for index, key in enumerate(keys):
        if key not in policy.purposes:
            yield Finding(
                codes.UNKNOWN_PURPOSE,
                f"{owner} names purpose {key!r}, which is not declared under purposes",
                (*where, index),
            )


def _check_collection_points(policy: Policy) -> Iterator[Finding]:
    for name, point in policy.collection_points.items():
        at: Path = ("collection_points", name)
        owner = f"collection point {name!r}"
        yield from _item_refs(policy, point.required, (*at, "required"), owner)
        yield from _item_refs(policy, point.optional, (*at, "optional"), owner)
        yield from _purpose_refs(policy, point.purposes, (*at, "purposes"), owner)
        served = [policy.purposes[p] for p in point.purposes if p in policy.purposes]

        for field in ("required", "optional"):
            for index, item in enumerate(getattr(point, field)):
                if item in policy.items and not any(item in p.items for p in served):
                    yield Finding(
                        codes.ITEM_WITHOUT_PURPOSE,
                        f"{owner} collects {item!r}, but none of its purposes "
                        f"({', '.join(point.purposes)}) uses it",
                        (*at, field, index),
                    )
        for index, key in enumerate(point.purposes):
            purpose = policy.purposes.get(key)
            if purpose is not None and not set(purpose.items) & set(point.items):
                yield Finding(
                    codes.PURPOSE_WITHOUT_ITEMS_AT_POINT,
                    f"{owner} serves purpose {key!r} but collects none of its items",
                    (*at, "purposes", index),
                )

        for c_index, consent in enumerate(point.consents):
            c_at: Path = (*at, "consents", c_index, "purposes")
            yield from _purpose_refs(policy, consent.purposes, c_at, f"{owner} consent")
            for p_index, key in enumerate(consent.purposes):
                purpose = policy.purposes.get(key)
                if purpose is None:
                    continue
                if key not in point.purposes:
                    yield Finding(
                        codes.CONSENT_WITHOUT_BASIS,
                        f"{owner} asks consent for {key!r}, a purpose it does not serve",
                        (*c_at, p_index),
                    )
                elif consent.category not in purpose.consent_categories and not (
                    purpose.consent_based or _recipient_consent(policy, key, consent.category)
                ):
                    yield Finding(
                        codes.CONSENT_WITHOUT_BASIS,
                        f"{owner} asks {consent.category.value} consent for {key!r}, whose "
                        "lawful bases include no consent",
                        (*c_at, p_index),
                    )

        for p_index, key in enumerate(point.purposes):
            purpose = policy.purposes.get(key)
            if purpose is None or not purpose.consent_based:
                continue
            asked = {c.category for c in point.consents if key in c.purposes}
            missing = purpose.consent_categories - asked
            if missing:
                yield Finding(
                    codes.CONSENT_NOT_COLLECTED,
                    f"{owner} serves consent-based purpose {key!r} but asks no "
                    f"{', '.join(sorted(m.value for m in missing))} consent for it",
                    (*at, "purposes", p_index),
                )


def _recipient_consent(policy: Policy, purpose: str, category: object) -> bool:
    """A consent for a transfer or provision may sit at a point whose purpose is contractual."""
    third_parties = policy.provision.recipients if policy.provision else []
    return any(
        purpose in p.purposes and p.consent_category == category for p in policy.processors
    ) or any(purpose in t.purposes and t.consent_category == category for t in third_parties)


def _check_record_categories(policy: Policy) -> Iterator[Finding]:
    for index, group in enumerate(policy.record_categories):
        yield from _item_refs(
            policy, group.items, ("record_categories", index, "items"), f"category {group.key!r}"
        )


def _check_purposes(policy: Policy, taxonomy: Taxonomy) -> Iterator[Finding]:
    for key, purpose in policy.purposes.items():
        at: Path = ("purposes", key)
        yield from _item_refs(policy, purpose.items, (*at, "items"), f"purpose {key!r}")
        use = purpose.data_use
        if (
            use is not None
            and use not in taxonomy.data_uses
            and not under_namespace(use, policy.custom_namespaces)
        ):
            yield Finding(
                codes.UNKNOWN_DATA_USE,
                f"purpose {key!r}: unknown data use {use!r}{_suggest(taxonomy.nearest_use(use))}",
                (*at, "data_use"),
            )


def _known_event(policy: Policy, event: str) -> bool:
    return event in BUILTIN_EVENTS or event in policy.events


def _event_finding(policy: Policy, event: str, at: Path) -> Iterator[Finding]:
    if not _known_event(policy, event):
        yield Finding(
            codes.UNKNOWN_EVENT,
            f"event {event!r} is neither built in ({', '.join(sorted(BUILTIN_EVENTS))}) "
            "nor declared under events",
            at,
        )


def _check_retention(policy: Policy) -> Iterator[Finding]:
    for index, rule in enumerate(policy.retention):
        at: Path = ("retention", index)
        purpose = policy.purposes.get(rule.purpose)
        if purpose is None:
            yield Finding(
                codes.UNKNOWN_PURPOSE,
                f"retention rule for purpose {rule.purpose!r}, which is not declared",
                (*at, "purpose"),
            )
        for i, item in enumerate(rule.items or []):
            if item not in policy.items:
                yield Finding(
                    codes.UNKNOWN_ITEM,
                    f"retention rule uses item {item!r}, which is not declared under items",
                    (*at, "items", i),
                )
            elif purpose is not None and item not in purpose.items:
                yield Finding(
                    codes.RETENTION_ITEM_NOT_IN_PURPOSE,
                    f"retention rule for {rule.purpose!r} keeps {item!r}, which that purpose "
                    "does not use",
                    (*at, "items", i),
                )
        if rule.until is not None:
            yield from _event_finding(policy, rule.until, (*at, "until"))
        if rule.from_ is not None:
            yield from _event_finding(policy, rule.from_, (*at, "from"))
    for index, record in enumerate(policy.statutory_retention):
        at = ("statutory_retention", index)
        yield from _event_finding(policy, record.from_, (*at, "from"))
        if record.separate_from is not None:
            yield from _event_finding(policy, record.separate_from, (*at, "separate_from"))
        yield from _item_refs(
            policy, record.items, (*at, "items"), f"record type {record.record_type!r}"
        )


def _check_recipients(policy: Policy) -> Iterator[Finding]:
    recipients: list[tuple[Path, str, list[str], list[str], str]] = [
        (("processors", i), p.id, p.items, p.purposes, "processor")
        for i, p in enumerate(policy.processors)
    ]
    if policy.provision is not None:
        recipients += [
            (("provision", "recipients", i), t.id, t.items, t.purposes, "third party")
            for i, t in enumerate(policy.provision.recipients)
        ]
    for at, rid, items, purposes, kind in recipients:
        owner = f"{kind} {rid!r}"
        yield from _item_refs(policy, items, (*at, "items"), owner)
        yield from _purpose_refs(policy, purposes, (*at, "purposes"), owner)
        shared: set[str] = set()
        for key in purposes:
            if key in policy.purposes:
                shared |= set(policy.purposes[key].items)
        for index, item in enumerate(items):
            if item in policy.items and item not in shared:
                code = (
                    codes.PROCESSOR_ITEM_NOT_SHARED
                    if kind == "processor"
                    else codes.RECIPIENT_ITEM_NOT_SHARED
                )
                yield Finding(
                    code,
                    f"{owner} receives {item!r}, but none of its purposes "
                    f"({', '.join(purposes)}) uses that item",
                    (*at, "items", index),
                )


def _check_children(policy: Policy) -> Iterator[Finding]:
    if policy.children is None:
        return
    for index, rule in enumerate(policy.children.rules):
        if rule.jurisdiction not in policy.jurisdictions:
            yield Finding(
                codes.UNKNOWN_JURISDICTION,
                f"child rule for {rule.jurisdiction!r}, which is not among the policy's "
                f"jurisdictions ({', '.join(policy.jurisdictions)})",
                ("children", "rules", index, "jurisdiction"),
            )


def _duplicates(values: list[str], where: Path, field: str, what: str) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield Finding(
                codes.DUPLICATE_ID, f"{what} {value!r} is declared twice", (*where, index, field)
            )
        seen.add(value)


def _check_unique_ids(policy: Policy) -> Iterator[Finding]:
    yield from _duplicates([p.id for p in policy.processors], ("processors",), "id", "processor")
    if policy.provision is not None:
        yield from _duplicates(
            [t.id for t in policy.provision.recipients],
            ("provision", "recipients"),
            "id",
            "third party",
        )
    yield from _duplicates(
        [r.record_type for r in policy.statutory_retention],
        ("statutory_retention",),
        "record_type",
        "record type",
    )
    if policy.cookies is not None:
        yield from _duplicates(
            [t.name for t in policy.cookies.trackers], ("cookies", "trackers"), "name", "tracker"
        )
    yield from _duplicates(
        [h.version for h in policy.history], ("history",), "version", "amendment"
    )
    yield from _duplicates(
        [g.key for g in policy.record_categories], ("record_categories",), "key", "category"
    )
    for key, point in policy.collection_points.items():
        for field in ("required", "optional"):
            seen_items: set[str] = set()
            for index, item in enumerate(getattr(point, field)):
                if item in seen_items:
                    yield Finding(
                        codes.DUPLICATE_ID,
                        f"collection point {key!r} lists {item!r} twice",
                        ("collection_points", key, field, index),
                    )
                seen_items.add(item)
    # Two rules for the same purpose and the same items would make the deadline ambiguous.
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for index, rule in enumerate(policy.retention):
        marker = (rule.purpose, tuple(sorted(rule.items or [])))
        if marker in seen:
            yield Finding(
                codes.DUPLICATE_ID,
                f"a second retention rule for purpose {rule.purpose!r} and the same items",
                ("retention", index, "purpose"),
            )
        seen.add(marker)
