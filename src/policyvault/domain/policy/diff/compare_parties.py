"""Comparing who the policy names: the controller, its contacts and reach, and the
recipients (processors, third parties)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from policyvault.domain.policy.diff.canonical import same_up_to_order
from policyvault.domain.policy.diff.compare_data import purposes_using
from policyvault.domain.policy.diff.judging import (
    CONTACT_ONLY,
    additions_and_removals,
    flag_changes,
    listed,
    matched_by_key,
    ordinary_change,
    significant_change,
    text_changes,
)
from policyvault.domain.policy.diff.model import Change, ChangeKind, ChangePath
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.parties import Processor, ThirdParty

# -- identity, contacts ----------------------------------------------------------------------


def compare_identity(old: Policy, new: Policy) -> Iterator[Change]:
    for name in ("legal_name", "country"):
        before, after = getattr(old.controller, name), getattr(new.controller, name)
        if before != after:
            yield significant_change(
                ("controller", name),
                ChangeKind.controller_changed,
                f"controller {name}: {before} -> {after}",
                "a different controller would be responsible for the data",
            )
    yield from text_changes(
        ("controller",), old.controller, new.controller, ("services", "address", "website")
    )
    yield from additions_and_removals(
        ("jurisdictions",),
        new.jurisdictions,  # reversed: a jurisdiction dropped is the significant side
        old.jurisdictions,
        (ChangeKind.jurisdiction_removed, ChangeKind.jurisdiction_added),
        ("no longer applies", "now also applies"),
        "subjects lose the protections promised under that law",
    )
    for name in ("timezone", "languages"):
        if not same_up_to_order(getattr(old, name), getattr(new, name)):
            yield ordinary_change(
                (name,),
                ChangeKind.text_changed,
                f"{name}: {getattr(old, name)} -> {getattr(new, name)}",
                "how dates and the notice are presented",
            )
    for name in ("privacy_officer", "departments", "representatives"):
        if not same_up_to_order(getattr(old.contacts, name), getattr(new.contacts, name)):
            yield ordinary_change(
                ("contacts", name), ChangeKind.contact_changed, f"{name} changed", CONTACT_ONLY
            )
    if not same_up_to_order(old.remedy_bodies, new.remedy_bodies):
        yield ordinary_change(
            ("remedy_bodies",), ChangeKind.contact_changed, "remedy bodies changed", CONTACT_ONLY
        )


# -- recipients ------------------------------------------------------------------------------


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
            ("task", "timing", "method", "contact", "refusal"),
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
                ("purpose",),
            )
        )
    return found


def compare_recipients(old: Policy, new: Policy) -> Iterator[Change]:
    added, removed, kept = matched_by_key(
        _recipients_of(old), _recipients_of(new), lambda r: ".".join(r.path)
    )
    for _, r in added:
        m = r.model
        yield significant_change(
            r.path,
            ChangeKind.recipient_added,
            f"new {r.role} {m.name} receives {listed(m.items)} in {listed(m.countries)} "
            f"for {listed(m.purposes)}",
            "personal data goes to a new recipient",
            purposes_using(new, m.purposes, m.items),
        )
    for _, r in removed:
        yield ordinary_change(
            r.path, ChangeKind.recipient_removed, f"{r.role} {r.model.name} removed"
        )
    for _, was, now in kept:
        path, before, after = now.path, was.model, now.model
        touched = purposes_using(new, after.purposes, after.items)
        if before.name != after.name:
            yield significant_change(
                (*path, "name"),
                ChangeKind.recipient_renamed,
                f"{now.role} {before.name} is now {after.name}",
                "the data may go to a different company",
                touched,
            )
        yield from additions_and_removals(
            (*path, "countries"),
            before.countries,
            after.countries,
            (ChangeKind.country_added, ChangeKind.country_removed),
            (f"{after.name} now also receives data in", f"{after.name} no longer receives data in"),
            "personal data goes to a new country",
            touched,
        )
        yield from additions_and_removals(
            (*path, "items"),
            before.items,
            after.items,
            (ChangeKind.recipient_items_added, ChangeKind.recipient_items_removed),
            (f"{after.name} now also receives", f"{after.name} no longer receives"),
            "a recipient receives more personal data",
            partial(purposes_using, new, after.purposes),
        )
        yield from additions_and_removals(
            (*path, "purposes"),
            before.purposes,
            after.purposes,
            (ChangeKind.recipient_purposes_added, ChangeKind.recipient_purposes_removed),
            (f"{after.name} now also serves", f"{after.name} no longer serves"),
            "a recipient uses the data for more purposes",
            partial(purposes_using, new, items=after.items),
        )
        if was.basis != now.basis:
            yield significant_change(
                (*path, "basis"),
                ChangeKind.basis_changed,
                f"{after.name}: basis {listed(filter(None, was.basis))} -> "
                f"{listed(filter(None, now.basis))}",
                "the transfer rests on a different legal ground",
                touched,
            )
        yield from flag_changes(
            (*path, "sale_or_sharing"),
            was.sale_or_sharing,
            now.sale_or_sharing,
            True,
            (ChangeKind.sale_or_sharing_on, ChangeKind.sale_or_sharing_off),
            f"data given to {after.name} sold or shared",
            "a CCPA sale or sharing starts",
            touched,
        )
        if not same_up_to_order(before.retention, after.retention):
            yield significant_change(
                (*path, "retention"),
                ChangeKind.recipient_retention_changed,
                f"{after.name} keeps the data: {before.retention or 'not stated'} -> "
                f"{after.retention or 'not stated'}",
                "free-text retention changed; cannot prove it is not longer",
                touched,
            )
        yield from text_changes(path, before, after, now.texts)
    if old.provision is not None and new.provision is not None:
        yield from text_changes(
            ("provision",), old.provision, new.provision, ("statement", "exceptions")
        )
