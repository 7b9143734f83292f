"""Comparing who the policy names: the controller, its contacts and reach, and the
recipients (processors, third parties)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from policyvault.domain.policy.diff.canonical import _same
from policyvault.domain.policy.diff.compare_data import _sharing
from policyvault.domain.policy.diff.judging import (
    _CONTACT,
    _WORDING,
    _flag,
    _grown,
    _listed,
    _matched,
    _ordinary,
    _significant,
    _texts,
)
from policyvault.domain.policy.diff.model import Change, ChangeKind, ChangePath
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.parties import Processor, ThirdParty

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
