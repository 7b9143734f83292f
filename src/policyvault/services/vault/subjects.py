"""A subject's life after collection: events the retention rules wait for, corrections,
lookups by blind index, password checks, guardian consent, and crypto-shredding."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from policyvault.crypto.blind_index import IndexKind, blind_index, normalise
from policyvault.crypto.passwords import hash_password, verify_password
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import AccessDenied, InvalidInput, NotFound, Refused
from policyvault.domain.policy.data import ItemType
from policyvault.domain.policy.retention import BUILTIN_EVENTS
from policyvault.domain.vault import SealedItem, SubjectEvent
from policyvault.services.ports import VaultSession
from policyvault.services.values import check_value
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.deadlines import reschedule

GUARDIAN_ITEM = "guardian.consent_record"  # sealed: who the guardian is and how verified


def record_event(ctx: VaultContext, subject_id: str, name: str, actor: Actor) -> SubjectEvent:
    """An event such as ``account_closed`` or ``inquiry_completed``, for the retention rules
    and the lawful bases (a closed account ends the contract)."""
    if name not in BUILTIN_EVENTS and name not in ctx.policy.events:
        raise InvalidInput("the event is neither built in nor declared by the policy")
    if name in ("collected", "consent_given", "consent_withdrawn"):
        raise InvalidInput(f"event {name!r} is recorded by the vault itself")
    with ctx.session() as session:
        ctx.subject(session, subject_id)
        event = SubjectEvent(subject_id, name, ctx.now(), actor.id)
        session.add_event(event)
        reschedule(ctx, session, subject_id)
        ctx.record(
            session,
            actor,
            "subject.event",
            Decision.allow("event", f"{name} recorded"),
            subject_id=subject_id,
            details={"event": name},
        )
    return event


def correct(ctx: VaultContext, subject_id: str, item_key: str, value: Any, actor: Actor) -> None:
    """Replace a stored value. The old value is overwritten, not kept."""
    item = ctx.policy.items.get(item_key)
    if item is None:
        raise InvalidInput("the item is not declared in the policy")
    checked = check_value(item_key, item, value)
    now = ctx.now()
    with ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        stored = next(iter(session.items(subject_id, [item_key])), None)
        if stored is None:
            raise NotFound(f"the subject has no {item_key!r} to correct")
        if stored.archived:
            raise InvalidInput(f"{item_key!r} is kept under a statute and cannot be corrected")
        sealing_key = ctx.sealing_key(session, subject)
        if item.type is ItemType.password:
            sealed = ctx.seal(sealing_key, subject_id, item_key, hash_password(value).encode())
            hashed = True
        else:
            sealed, hashed = ctx.seal(sealing_key, subject_id, item_key, checked.data), False
        session.put_item(
            replace(
                stored, sealed=sealed, hashed=hashed, updated_at=now, media_type=checked.media_type
            )
        )
        kind = _index_kind(item.type)
        if kind is not None:
            session.delete_lookups(subject_id, kind.value)
            digest = blind_index(ctx.blind_index_key, kind, normalise(kind, checked.data.decode()))
            session.add_lookup(subject_id, kind.value, digest)
        ctx.record(
            session,
            actor,
            "vault.correct",
            Decision.allow("correction", f"{item_key} replaced"),
            subject_id=subject_id,
            item_keys=(item_key,),
        )


def find_subjects(
    ctx: VaultContext, kind: IndexKind, raw: str, actor: Actor, *, purpose: str
) -> list[str]:
    """Subjects with this email or phone number, found by blind index without decrypting.
    Knowing whether someone is in the vault is itself personal data: a lookup names a
    declared purpose the actor holds a live grant for, like a read."""
    digest = blind_index(ctx.blind_index_key, kind, normalise(kind, raw))
    with ctx.session() as session:
        now = ctx.now()
        declared = purpose in ctx.policy.purposes
        granted = declared and any(
            g.purpose == purpose and g.live(now) for g in session.grants(actor.id)
        )
        if not granted:
            ctx.record(
                session,
                actor,
                "vault.lookup",
                Decision.deny("no_grant", "a lookup needs a live grant for a declared purpose"),
                purpose=purpose if declared else None,
                details={"kind": kind.value},
            )
            found: list[str] | None = None
        else:
            found = [
                s
                for s in session.find_subjects(kind.value, digest)
                if (subject := session.subject(s)) is not None and subject.shredded_at is None
            ]
            ctx.record(
                session,
                actor,
                "vault.lookup",
                Decision.allow("blind_index", f"lookup by {kind.value}"),
                purpose=purpose,
                details={"kind": kind.value, "found": len(found)},
            )
    if found is None:  # raised after the session, so the denial's audit entry is kept
        raise AccessDenied("a lookup needs a live grant for a declared purpose")
    return found


def check_password(
    ctx: VaultContext, subject_id: str, item_key: str, password: str, actor: Actor
) -> bool:
    with ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        stored = next(iter(session.items(subject_id, [item_key])), None)
        ok = False
        if stored is not None and stored.hashed and isinstance(password, str):
            key = ctx.sealing_key(session, subject)
            digest = ctx.open(key, subject_id, item_key, stored.sealed)
            ok = verify_password(digest.decode(), password)
        ctx.record(
            session,
            actor,
            "vault.verify_password",
            Decision.allow("password", "verified") if ok else Decision.deny("password", "no match"),
            subject_id=subject_id,
            item_keys=(item_key,),
        )
    return ok


def record_guardian_consent(
    ctx: VaultContext,
    subject_id: str,
    *,
    guardian_name: str,
    relationship: str,
    method: str,
    evidence_reference: str,
    actor: Actor,
) -> None:
    """A legal representative's consent for a child below the minimum age (PIPA Art 22-2,
    COPPA). Who the guardian is stays sealed with the child's key."""
    for field, text in (
        ("guardian_name", guardian_name),
        ("relationship", relationship),
        ("method", method),
        ("evidence_reference", evidence_reference),
    ):
        if not isinstance(text, str) or not text.strip() or len(text) > 500:
            raise InvalidInput(f"{field} must be a non-empty text of at most 500 characters")
    now = ctx.now()
    with ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        sealing_key = ctx.sealing_key(session, subject)
        record = json.dumps(
            {
                "guardian": guardian_name,
                "relationship": relationship,
                "method": method,
                "evidence": evidence_reference,
            },
            sort_keys=True,
        ).encode()
        session.put_item(
            SealedItem(
                subject_id=subject_id,
                item_key=GUARDIAN_ITEM,
                sealed=ctx.seal(sealing_key, subject_id, GUARDIAN_ITEM, record),
                point="guardian_consent",
                collected_at=now,
                updated_at=now,
            )
        )
        session.update_subject(replace(subject, guardian_consent_at=now))
        ctx.record(
            session,
            actor,
            "subject.guardian_consent",
            Decision.allow("guardian_consent", "legal representative consent recorded"),
            subject_id=subject_id,
            details={
                "method": "".join(c for c in method.lower() if c.isalnum() or c == "_")[:40]
                or "unspecified"
            },
        )


def shred(ctx: VaultContext, subject_id: str, actor: Actor, *, reason: str) -> None:
    """Destroy the subject's keys and every value: whatever copy of the ciphertext survives
    anywhere (a copy or backup of the database, a replica) can no longer be read.

    First, in one transaction of the database: the values, the index entries and the wrapped
    data key are deleted and the shredding is audited. Then the shredding key is destroyed in
    its own store, which is what makes every older copy unreadable. Should the process die in
    between, shredding the subject again finishes the job (so does ``keys rotate``): for a
    subject already shredded, this only destroys what is left of its keys.
    """
    with ctx.session() as session:
        stored = session.subject(subject_id)
        if stored is None or stored.shredded_at is None:
            _destroy_records(ctx, session, subject_id, actor, reason)
    ctx.shredding_keys.destroy(subject_id)


def _destroy_records(
    ctx: VaultContext, session: VaultSession, subject_id: str, actor: Actor, reason: str
) -> None:
    ctx.subject(session, subject_id)
    _refuse_if_held(ctx, session, subject_id)
    keys = [i.item_key for i in session.items(subject_id)]
    session.delete_items(subject_id, keys)
    session.delete_records(subject_id, [r.id for r in session.records(subject_id)])
    with ctx.separate.session() as separate:  # what a statute kept goes too: shredding wins
        archived = [i.item_key for i in separate.items(subject_id)]
        separate.delete_items(subject_id, archived)
        separate.delete_records(subject_id, [r.id for r in separate.records(subject_id)])
    keys = sorted({*keys, *archived})
    session.delete_lookups(subject_id)
    session.destroy_key(subject_id, ctx.now())
    ctx.record(
        session,
        actor,
        "vault.shred",
        Decision.allow("destruction", reason),
        subject_id=subject_id,
        item_keys=tuple(k for k in keys if k.replace(".", "_").isidentifier()),
    )


def _refuse_if_held(ctx: VaultContext, session: VaultSession, subject_id: str) -> None:
    """A legal hold wins over shredding: on the subject, or on a type of its records."""
    holds = session.holds_for(subject_id)
    held_types = {h.record_type for h in holds if h.record_type is not None}
    held = any(h.subject_id == subject_id for h in holds)
    if not held and held_types:
        with ctx.separate.reading() as separate:
            kept = separate.records(subject_id)
        held = any(r.record_type in held_types for r in [*session.records(subject_id), *kept])
    if held:
        raise Refused("a legal hold covers this subject's data: nothing of it may be destroyed")


def _index_kind(kind: ItemType) -> IndexKind | None:
    if kind is ItemType.email:
        return IndexKind.email
    if kind is ItemType.phone:
        return IndexKind.phone
    return None
