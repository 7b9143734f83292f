"""The subject's choices after collection: consents given and withdrawn, objections,
restrictions. Each takes effect on the very next call."""

from __future__ import annotations

from collections.abc import Sequence

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.consent import ConsentAction, ConsentEvent
from policyvault.domain.errors import InvalidInput, NotFound
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.vault import LimitKind, ProcessingLimit, SubjectEvent
from policyvault.services.vault.collect import Evidence
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.deadlines import reschedule


def change_consent(
    ctx: VaultContext,
    subject_id: str,
    category: ConsentCategory,
    purposes: Sequence[str],
    action: ConsentAction,
    evidence: Evidence,
    actor: Actor,
) -> ConsentEvent:
    """Give or withdraw one separate consent. Withdrawing is as easy as giving (GDPR Art 7(3))."""
    _check_consent_purposes(ctx, category, purposes)
    now = ctx.now()
    with ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        sealing_key = ctx.sealing_key(session, subject)
        event = ConsentEvent(
            subject_id=subject_id,
            category=category,
            purposes=tuple(purposes),
            action=action,
            at=now,
            policy_version=ctx.policy.version,
            notice_hash=evidence.notice_hash,
            channel=evidence.channel,
            given_by=evidence.given_by,
        )
        sealed = ctx.seal(
            sealing_key,
            subject_id,
            f"consent_evidence.{now.timestamp()}",
            evidence.sealed_payload(),
        )
        session.add_consent(event, sealed)
        name = "consent_given" if action is ConsentAction.given else "consent_withdrawn"
        session.add_event(SubjectEvent(subject_id, name, now, actor.id))
        reschedule(ctx, session, subject_id)
        ctx.record(
            session,
            actor,
            f"consent.{action.value}",
            Decision.allow("consent_ledger", f"{category.value} consent {action.value}"),
            subject_id=subject_id,
            details={
                "category": category.value,
                "purposes": list(purposes),
                "channel": _key(evidence.channel),
            },
        )
    return event


def _check_consent_purposes(
    ctx: VaultContext, category: ConsentCategory, purposes: Sequence[str]
) -> None:
    if isinstance(purposes, str) or not purposes:
        raise InvalidInput("name the purposes of the consent as a non-empty list")
    offered = {
        p
        for point in ctx.policy.collection_points.values()
        for request in point.consents
        if request.category is category
        for p in request.purposes
    }
    outside = sorted(str(p) for p in purposes if p not in offered)
    if outside:
        raise InvalidInput(
            f"the policy asks no {category.value} consent for {len(outside)} of these purposes"
        )


def limit_processing(
    ctx: VaultContext,
    subject_id: str,
    kind: LimitKind,
    actor: Actor,
    purpose: str | None = None,
) -> ProcessingLimit:
    """Restrict processing, object to it, or object to direct marketing (which always wins)."""
    if purpose is not None and purpose not in ctx.policy.purposes:
        raise InvalidInput("the purpose is not declared in the policy")
    with ctx.session() as session:
        ctx.subject(session, subject_id)
        limit = ProcessingLimit(
            id=ctx.new_id(), subject_id=subject_id, kind=kind, at=ctx.now(), purpose=purpose
        )
        session.add_limit(limit)
        ctx.record(
            session,
            actor,
            f"subject.{kind.value}",
            Decision.allow("subject_choice", f"{kind.value} recorded"),
            subject_id=subject_id,
            purpose=purpose,
            details={"limit": limit.id},
        )
    return limit


def lift_limit(ctx: VaultContext, subject_id: str, limit_id: str, actor: Actor) -> None:
    with ctx.session() as session:
        ctx.subject(session, subject_id)
        limit = next((lim for lim in session.limits(subject_id) if lim.id == limit_id), None)
        if limit is None or limit.lifted_at is not None:
            raise NotFound("no such active limit for this subject")
        session.lift_limit(limit_id, ctx.now())
        ctx.record(
            session,
            actor,
            f"subject.{limit.kind.value}_lifted",
            Decision.allow("subject_choice", f"{limit.kind.value} lifted"),
            subject_id=subject_id,
            purpose=limit.purpose,
            details={"limit": limit_id},
        )


def _key(text: str) -> str:
    """A channel name as a log key (web, app, paper ...), never free text."""
    cleaned = "".join(c if c.isalnum() else "_" for c in text.lower())[:40].strip("_")
    return cleaned or "unknown"
