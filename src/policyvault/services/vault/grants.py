"""Grants: which actor may process personal data for which purpose, until when. Grants,
changes and revocations are themselves audited (kept 3 years: Safety Standard Art 5(3))."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from policyvault.domain.access import STATUTORY_PURPOSE, Grant
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import InvalidInput, NotFound, Refused
from policyvault.services.vault.context import VaultContext

GRANT_ACTION = "grant.create"
REVOKE_ACTION = "grant.revoke"
CHANGE_ACTION = "grant.change"


def grant(
    ctx: VaultContext, actor_id: str, purpose: str, by: Actor, expires_at: datetime | None = None
) -> Grant:
    if purpose != STATUTORY_PURPOSE and purpose not in ctx.policy.purposes:
        raise InvalidInput("the purpose is not declared in the policy")
    now = ctx.now()
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise InvalidInput("a grant expires at a timezone-aware time in the future")
    if actor_id == by.id:
        # Four eyes: whoever hands out access to personal data cannot hand it to themselves.
        raise Refused("an account cannot grant itself access")
    new = Grant(
        actor_id=actor_id, purpose=purpose, granted_at=now, expires_at=expires_at, id=ctx.new_id()
    )
    with ctx.session() as session:
        session.add_grant(new)
        ctx.record(
            session,
            by,
            GRANT_ACTION,
            Decision.allow("grant", f"grant for {purpose}"),
            purpose=purpose,
            details={
                "grant": new.id,
                "grantee": actor_id,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return new


def revoke(ctx: VaultContext, grant_id: str, by: Actor) -> None:
    with ctx.session() as session:
        existing = next((g for g in session.grants() if g.id == grant_id), None)
        if existing is None or not session.revoke_grant(grant_id, ctx.now()):
            raise NotFound("no such live grant")
        ctx.record(
            session,
            by,
            REVOKE_ACTION,
            Decision.allow("grant", f"grant for {existing.purpose} revoked"),
            purpose=existing.purpose,
            details={"grant": grant_id, "grantee": existing.actor_id},
        )


def change_expiry(
    ctx: VaultContext, grant_id: str, expires_at: datetime | None, by: Actor
) -> Grant:
    """Move a live grant's end (or make it open-ended). Audited like a new grant."""
    now = ctx.now()
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise InvalidInput("a grant expires at a timezone-aware time in the future")
    with ctx.session() as session:
        existing = next((g for g in session.grants() if g.id == grant_id), None)
        if existing is None or not existing.live(now):
            raise NotFound("no such live grant")
        changed = replace(existing, expires_at=expires_at)
        session.add_grant(changed)
        ctx.record(
            session,
            by,
            CHANGE_ACTION,
            Decision.allow("grant", f"grant for {existing.purpose} changed"),
            purpose=existing.purpose,
            details={
                "grant": grant_id,
                "grantee": existing.actor_id,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return changed


def list_grants(ctx: VaultContext, actor_id: str | None = None) -> list[Grant]:
    with ctx.session() as session:
        return session.grants(actor_id)
