"""Reading and disclosing: plaintext leaves the vault only for a purpose the policy and the
subject allow, and every decision, allowed or denied, leaves an audit entry."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from policyvault.crypto.envelope import DecryptionFailed
from policyvault.domain.access import (
    STATUTORY_PURPOSE,
    AccessDecision,
    AccessRequest,
    Rule,
    SubjectFacts,
    decide_access,
)
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.consent import consent_state
from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.data import Basis, ConsentCategory
from policyvault.domain.policy.parties import Processor, ThirdParty
from policyvault.domain.vault import Disclosure
from policyvault.services.ports import VaultSession
from policyvault.services.vault.context import VaultContext


@dataclass(frozen=True)
class ReadResult:
    decision: AccessDecision
    values: dict[str, bytes] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # allowed, but the subject has no value for these

    @property
    def allowed(self) -> bool:
        return self.decision.allowed


def read(
    ctx: VaultContext, subject_id: str, items: Sequence[str], purpose: str, actor: Actor
) -> ReadResult:
    keys = _item_keys(ctx, items)
    failures = _failure_audited(ctx, actor, "vault.read", subject_id, purpose, keys)
    with failures, ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        facts = ctx.facts(session, subject)
        decision = _decide(ctx, session, facts, keys, purpose, actor)
        _audit(ctx, session, actor, "vault.read", decision, subject_id, purpose, keys)
        if not decision.allowed:
            return ReadResult(decision)
        values, missing = _open(
            ctx, session, subject_id, keys, from_separate=purpose == STATUTORY_PURPOSE
        )
    return ReadResult(decision, values, missing)


def disclose(
    ctx: VaultContext,
    subject_id: str,
    items: Sequence[str],
    recipient_id: str,
    purpose: str,
    actor: Actor,
    *,
    legal_reference: str | None = None,
) -> ReadResult:
    """Hand items to a declared processor or third party, and remember who got what."""
    keys = _item_keys(ctx, items)
    failures = _failure_audited(ctx, actor, "vault.disclose", subject_id, purpose, keys)
    with failures, ctx.session() as session:
        subject = ctx.subject(session, subject_id)
        facts = ctx.facts(session, subject)
        decision = _recipient_decision(ctx, facts, keys, recipient_id, purpose, legal_reference)
        if decision is None:
            decision = _decide(ctx, session, facts, keys, purpose, actor)
        declared = {p.id for p in ctx.policy.processors} | {
            t.id for t in (ctx.policy.provision.recipients if ctx.policy.provision else [])
        }
        # Only a declared id goes into the log: a caller's made-up one could be anything.
        details = {"recipient": recipient_id if recipient_id in declared else "undeclared"}
        _audit(ctx, session, actor, "vault.disclose", decision, subject_id, purpose, keys, details)
        if not decision.allowed:
            return ReadResult(decision)
        values, missing = _open(ctx, session, subject_id, keys)
        session.add_disclosure(
            Disclosure(
                id=ctx.new_id(),
                subject_id=subject_id,
                recipient_id=recipient_id,
                purpose=purpose,
                item_keys=tuple(sorted(values)),
                at=ctx.now(),
                actor_id=actor.id,
                legal_reference=legal_reference,
            )
        )
    return ReadResult(decision, values, missing)


@contextmanager
def _failure_audited(
    ctx: VaultContext,
    actor: Actor,
    action: str,
    subject_id: str,
    purpose: str,
    keys: tuple[str, ...],
) -> Iterator[None]:
    """A stored value that does not open (changed, moved to another row, or its keys
    destroyed) fails the whole operation with the one opaque ``DecryptionFailed``, and the
    operation's own audit entry rolls back with it; this records the failure once the
    transaction has ended. The entry names items, never values."""
    try:
        yield
    except DecryptionFailed:
        ctx.record(
            None,
            actor,
            action,
            Decision.deny(
                "decryption_failed",
                "a stored value failed to open: changed, moved or its keys destroyed",
            ),
            subject_id=subject_id,
            purpose=purpose,
            item_keys=keys,
        )
        raise


def _item_keys(ctx: VaultContext, items: Sequence[str]) -> tuple[str, ...]:
    if isinstance(items, str) or not items:
        raise InvalidInput("name the items to read as a non-empty list of item keys")
    unknown = {str(i) for i in items if i not in ctx.policy.items}
    if unknown:
        raise InvalidInput(f"{len(unknown)} item(s) not declared in the policy")
    return tuple(dict.fromkeys(items))


def _decide(
    ctx: VaultContext,
    session: VaultSession,
    facts: SubjectFacts,
    keys: tuple[str, ...],
    purpose: str,
    actor: Actor,
) -> AccessDecision:
    request = AccessRequest(
        subject_id=facts.subject_id, items=keys, purpose=purpose, actor_id=actor.id
    )
    decision = decide_access(ctx.policy, request, facts, session.grants(actor.id), ctx.now())
    if decision.allowed:
        hashed = [i.item_key for i in session.items(facts.subject_id, keys) if i.hashed]
        if hashed:
            return AccessDecision.deny(
                Rule.item_not_in_purpose,
                f"{', '.join(hashed)} can only be verified, never read",
            )
    return decision


def _open(
    ctx: VaultContext,
    session: VaultSession,
    subject_id: str,
    keys: tuple[str, ...],
    *,
    from_separate: bool = False,
) -> tuple[dict[str, bytes], tuple[str, ...]]:
    """The values of ``keys``: from the live store, or from the separate store for the
    statutory purpose (the only one that may read it)."""
    subject = ctx.subject(session, subject_id)
    sealing_key = ctx.sealing_key(session, subject)
    if from_separate:
        with ctx.separate.reading() as separate:
            found = separate.items(subject_id, keys)
    else:
        found = session.items(subject_id, keys)
    stored = {i.item_key: i for i in found}
    values = {
        key: ctx.open(sealing_key, subject_id, key, stored[key].sealed)
        for key in keys
        if key in stored
    }
    return values, tuple(k for k in keys if k not in stored)


def _recipient_decision(
    ctx: VaultContext,
    facts: SubjectFacts,
    keys: tuple[str, ...],
    recipient_id: str,
    purpose: str,
    legal_reference: str | None,
) -> AccessDecision | None:
    """A denial when the recipient may not receive these items now; None to go on."""
    policy = ctx.policy
    recipient: Processor | ThirdParty | None = next(
        (p for p in policy.processors if p.id == recipient_id), None
    )
    if recipient is None and policy.provision is not None:
        recipient = next((t for t in policy.provision.recipients if t.id == recipient_id), None)
    if recipient is None:
        return AccessDecision.deny(
            Rule.unknown_purpose, "the recipient is not declared in the policy"
        )
    if purpose not in recipient.purposes:
        return AccessDecision.deny(
            Rule.item_not_in_purpose, f"{recipient_id!r} is not declared for this purpose"
        )
    outside = [k for k in keys if k not in recipient.items]
    if outside:
        return AccessDecision.deny(
            Rule.item_not_in_purpose,
            f"{recipient_id!r} is not declared to receive {', '.join(outside)}",
        )
    opted_out = facts.sale_opt_out_at
    if (
        isinstance(recipient, ThirdParty)
        and recipient.sale_or_sharing
        and opted_out is not None
        and opted_out <= ctx.now()
    ):
        return AccessDecision.deny(
            Rule.objection,
            f"the subject opted out of sale or sharing on {opted_out.isoformat()}",
        )
    if isinstance(recipient, ThirdParty) and recipient.basis is Basis.legal_obligation:
        if not legal_reference:
            return AccessDecision.deny(
                Rule.lawful_basis, "provision under a legal obligation needs its legal reference"
            )
        return None
    category = recipient.consent_category
    if category is not None and not _consent_holds(ctx, facts, category, purpose):
        return AccessDecision.deny(
            Rule.lawful_basis,
            f"no {category.value} consent for {recipient_id!r}",
        )
    return None


def _consent_holds(
    ctx: VaultContext, facts: SubjectFacts, category: ConsentCategory, purpose: str
) -> bool:
    return consent_state(facts.consents, category, purpose, ctx.now()).holds


def _audit(
    ctx: VaultContext,
    session: VaultSession,
    actor: Actor,
    action: str,
    decision: AccessDecision,
    subject_id: str,
    purpose: str,
    keys: tuple[str, ...],
    details: dict[str, str] | None = None,
) -> None:
    if decision.rule is not None:
        rule = decision.rule.value
    else:
        rule = f"basis.{decision.basis.value}" if decision.basis else "allowed"
    audit_decision = (
        Decision.allow(rule, decision.reason)
        if decision.allowed
        else Decision.deny(rule, decision.reason)
    )
    # A purpose the policy does not declare is the caller's text, not a key: keep it out.
    declared = purpose in ctx.policy.purposes or purpose == STATUTORY_PURPOSE
    ctx.record(
        session,
        actor,
        action,
        audit_decision,
        subject_id=subject_id,
        purpose=purpose if declared else None,
        item_keys=keys,
        details=details,
    )
