"""Collection: personal data enters the vault only through a declared collection point, with
the consents that point asks, every value checked. Anything refused stores nothing, and the
refusal is audited (with item keys, never values)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from policyvault.crypto.blind_index import IndexKind, blind_index, normalise
from policyvault.crypto.hazmat import SecretKey
from policyvault.crypto.passwords import hash_password
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.consent import ConsentAction, ConsentEvent, ConsentGiver
from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.data import Basis, CollectionPoint, ConsentCategory, ItemType
from policyvault.domain.policy.notice import UnderAge
from policyvault.domain.retention.plan import collected_through
from policyvault.domain.vault import SealedItem, Subject, SubjectEvent
from policyvault.services.ports import VaultSession
from policyvault.services.values import check_value
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.deadlines import reschedule


class CollectionRefused(InvalidInput):
    code = "collection_refused"

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class ConsentChoice:
    """One separate consent the subject gives (one category, never a bundle)."""

    category: ConsentCategory
    purposes: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    """How consent was captured. The IP address and user agent are personal data: they are
    sealed with the subject's key, never logged."""

    channel: str
    notice_hash: str = ""
    ip_address: str | None = None
    user_agent: str | None = None
    given_by: ConsentGiver = ConsentGiver.subject

    def sealed_payload(self) -> bytes:
        return json.dumps(
            {"ip_address": self.ip_address, "user_agent": self.user_agent}, sort_keys=True
        ).encode()


@dataclass(frozen=True)
class Collected:
    subject_id: str
    item_keys: tuple[str, ...]
    consents: tuple[ConsentCategory, ...]
    needs_guardian: bool


def collect(
    ctx: VaultContext,
    point_key: str,
    values: Mapping[str, Any],
    consents: Sequence[ConsentChoice],
    evidence: Evidence,
    actor: Actor,
    *,
    subject_id: str | None = None,
    jurisdictions: Sequence[str] | None = None,
    age: int | None = None,
) -> Collected:
    policy = ctx.policy
    subject_jurisdictions = tuple(jurisdictions or policy.jurisdictions)
    try:
        point = _point(ctx, point_key)
        _check_items(point_key, point, values, subject_id is not None)
        given = _check_consents(ctx, point_key, point, values, consents)
        needs_guardian = _needs_guardian(ctx, subject_jurisdictions, age)
        checked = {key: check_value(key, policy.items[key], values[key]) for key in values}
    except InvalidInput as refusal:
        rule = getattr(refusal, "rule", "invalid_value")
        ctx.record(
            None,
            actor,
            "vault.collect",
            Decision.deny(rule, _audit_reason(refusal)),
            item_keys=tuple(sorted(k for k in values if isinstance(k, str) and k.isidentifier())),
            details={"point": point_key if point_key in policy.collection_points else "unknown"},
        )
        raise

    now = ctx.now()
    with ctx.session() as session:
        if subject_id is None:
            subject = Subject(
                id=ctx.new_id(),
                created_at=now,
                jurisdictions=subject_jurisdictions,
                key_id=ctx.keys.key_id,
                needs_guardian=needs_guardian,
            )
            wrapped, sealing_key = ctx.new_subject_keys(subject.id)
            session.add_subject(subject, wrapped.ciphertext)
        else:
            subject = ctx.subject(session, subject_id)
            sealing_key = ctx.sealing_key(session, subject)
            _refuse_overwriting_kept_items(ctx, session, subject, tuple(checked))
            if needs_guardian and not subject.needs_guardian:
                subject = replace(subject, needs_guardian=True)
                session.update_subject(subject)
        index_key = ctx.blind_index_key
        for key, value in checked.items():
            item = policy.items[key]
            if item.type is ItemType.password:
                # Hashed, then sealed too: shredding the subject also shreds the hash.
                digest = hash_password(values[key]).encode()
                sealed, hashed = ctx.seal(sealing_key, subject.id, key, digest), True
            else:
                sealed, hashed = ctx.seal(sealing_key, subject.id, key, value.data), False
            session.put_item(
                SealedItem(
                    subject_id=subject.id,
                    item_key=key,
                    sealed=sealed,
                    point=point_key,
                    collected_at=now,
                    updated_at=now,
                    hashed=hashed,
                    media_type=value.media_type,
                )
            )
            _index(
                session,
                subject.id,
                item.type,
                value.data,
                index_key,
                replace_old=subject_id is not None,
            )
        for number, choice in enumerate(given):
            event = ConsentEvent(
                subject_id=subject.id,
                category=choice.category,
                purposes=choice.purposes,
                action=ConsentAction.given,
                at=now,
                policy_version=policy.version,
                notice_hash=evidence.notice_hash,
                channel=evidence.channel,
                given_by=evidence.given_by,
            )
            sealed_evidence = ctx.seal(
                sealing_key,
                subject.id,
                f"consent_evidence.{now.timestamp()}.{number}",
                evidence.sealed_payload(),
            )
            session.add_consent(event, sealed_evidence)
        session.add_event(SubjectEvent(subject.id, "collected", now, actor.id))
        # Which points the subject used: an item given through two serves both their purposes
        session.add_event(SubjectEvent(subject.id, collected_through(point_key), now, actor.id))
        if given:
            session.add_event(SubjectEvent(subject.id, "consent_given", now, actor.id))
        reschedule(ctx, session, subject.id)
        ctx.record(
            session,
            actor,
            "vault.collect",
            Decision.allow("collection_point", f"collected through {point_key}"),
            subject_id=subject.id,
            item_keys=tuple(sorted(checked)),
            details={
                "point": point_key,
                "consents": sorted(c.category.value for c in given),
                "needs_guardian": needs_guardian,
            },
        )
    return Collected(
        subject_id=subject.id,
        item_keys=tuple(sorted(checked)),
        consents=tuple(c.category for c in given),
        needs_guardian=needs_guardian,
    )


def _point(ctx: VaultContext, point_key: str) -> CollectionPoint:
    point = ctx.policy.collection_points.get(point_key)
    if point is None:
        raise CollectionRefused(
            "unknown_point", "the collection point is not declared in the policy"
        )
    return point


def _check_items(
    point_key: str, point: CollectionPoint, values: Mapping[str, Any], existing: bool
) -> None:
    undeclared = sorted(str(k) for k in values if k not in point.items)
    if undeclared:
        raise CollectionRefused(
            "undeclared_item",
            # Only a count: a caller's undeclared keys could be anything, personal data too.
            f"{len(undeclared)} item(s) not declared at collection point {point_key!r}",
        )
    missing = [k for k in point.required if k not in values]
    if missing and not existing:
        raise CollectionRefused(
            "missing_required_item",
            f"required items missing at {point_key!r}: {', '.join(missing)}",
        )
    if not values:
        raise CollectionRefused("no_items", "nothing to collect")


def _check_consents(
    ctx: VaultContext,
    point_key: str,
    point: CollectionPoint,
    values: Mapping[str, Any],
    consents: Sequence[ConsentChoice],
) -> list[ConsentChoice]:
    seen: set[ConsentCategory] = set()
    for choice in consents:
        if choice.category in seen:
            raise CollectionRefused(
                "duplicate_consent", f"{choice.category.value} consent given twice"
            )
        seen.add(choice.category)
        offered = [c for c in point.consents if c.category is choice.category]
        allowed = {p for c in offered for p in c.purposes}
        if not offered or not choice.purposes or not set(choice.purposes) <= allowed:
            raise CollectionRefused(
                "consent_not_offered",
                f"{choice.category.value} consent for these purposes is not asked at {point_key!r}",
            )
    for request in point.consents:
        if request.required and request.category not in seen:
            raise CollectionRefused(
                "required_consent_missing",
                f"{request.category.value} consent is required at {point_key!r}",
            )
    consented = {(c.category, p) for c in consents for p in c.purposes}
    for key in values:
        if key in point.required:
            continue
        if not _has_basis(ctx, point, key, consented):
            raise CollectionRefused(
                "optional_item_without_consent",
                f"optional item {key!r} is used only by purposes whose consent was not given",
            )
    return list(consents)


def _has_basis(
    ctx: VaultContext,
    point: CollectionPoint,
    item: str,
    consented: set[tuple[ConsentCategory, str]],
) -> bool:
    for key in point.purposes:
        purpose = ctx.policy.purposes[key]
        if item not in purpose.items:
            continue
        for basis in purpose.bases:
            if basis.basis is not Basis.consent:
                return True
            if (basis.consent_category, key) in consented:
                return True
    return False


def _needs_guardian(ctx: VaultContext, jurisdictions: Sequence[str], age: int | None) -> bool:
    children = ctx.policy.children
    if age is None or children is None:
        return False
    needs = False
    for rule in children.rules:
        if rule.jurisdiction in jurisdictions and age < rule.minimum_age:
            if rule.under_age is UnderAge.refuse:
                raise CollectionRefused(
                    "below_minimum_age",
                    f"the policy does not collect from children under {rule.minimum_age} "
                    f"({rule.jurisdiction})",
                )
            needs = True
    return needs


def _refuse_overwriting_kept_items(
    ctx: VaultContext, session: VaultSession, subject: Subject, keys: tuple[str, ...]
) -> None:
    """Collecting again must not replace a record kept under a statute, nor a value whose
    correction or deletion is pending (the same rules as ``correct``)."""
    facts = ctx.facts(session, subject)
    kept = [k for k in keys if k in facts.archived_items or k in facts.pending_items]
    if kept:
        raise CollectionRefused(
            "item_kept",
            f"{', '.join(sorted(kept))} cannot be collected again now: kept under a statute "
            "or frozen by a pending request",
        )


def _index(
    session: VaultSession,
    subject_id: str,
    kind: ItemType,
    data: bytes,
    index_key: SecretKey,
    *,
    replace_old: bool = False,
) -> None:
    if kind is ItemType.email:
        index_kind = IndexKind.email
    elif kind is ItemType.phone:
        index_kind = IndexKind.phone
    else:
        return
    digest = blind_index(index_key, index_kind, normalise(index_kind, data.decode()))
    if replace_old:  # the old address no longer finds the subject
        session.delete_lookups(subject_id, index_kind.value)
    session.add_lookup(subject_id, index_kind.value, digest)


def _audit_reason(refusal: Exception) -> str:
    """The refusal in words fit for the log: its messages name keys, never values."""
    text = str(refusal).encode("ascii", "replace").decode()
    return " ".join(text.split())[:300] or "refused"
