"""Legal holds: an investigation or litigation stops every move and destruction of what it
covers, a subject or a record type, until it is released. Placing or releasing a hold
recomputes the deadlines it touches."""

from __future__ import annotations

import re
from dataclasses import replace

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import AccessDenied, InvalidInput, NotFound
from policyvault.domain.retention import OPEN_STATUSES, Hold
from policyvault.services.ports import VaultSession
from policyvault.services.vault.context import VaultContext
from policyvault.services.vault.deadlines import reschedule

# Who may place and release holds.
HOLD_ROLES = frozenset({"privacy_officer", "admin"})
_REASON = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class HoldNotFound(NotFound):
    code = "hold_not_found"


def place_hold(
    ctx: VaultContext,
    actor: Actor,
    *,
    reason: str,
    reference: str,
    subject_id: str | None = None,
    record_type: str | None = None,
) -> Hold:
    _check_role(ctx, actor, "retention.hold")
    if (subject_id is None) == (record_type is None):
        raise InvalidInput("a hold covers either one subject or one record type")
    declared = [h.reason for h in ctx.policy.legal_holds]
    if not isinstance(reason, str) or not _REASON.match(reason):
        raise InvalidInput("the reason is a lower-case identifier (investigation, litigation)")
    if declared and reason not in declared:
        raise InvalidInput(f"the policy names these hold reasons: {', '.join(declared)}")
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 200:
        raise InvalidInput("the reference (a case or file number) is 1 to 200 characters")
    if record_type is not None and record_type not in {
        t.record_type for t in ctx.policy.statutory_retention
    }:
        raise InvalidInput("the record type is not declared under statutory_retention")
    with ctx.session() as session:
        if subject_id is not None:
            ctx.subject(session, subject_id)
        hold = Hold(
            id=ctx.new_id(),
            reason=reason,
            reference=reference.strip(),
            placed_at=ctx.now(),
            placed_by=actor.id,
            subject_id=subject_id,
            record_type=record_type,
        )
        session.add_hold(hold)
        touched = _reschedule_covered(ctx, session, hold)
        ctx.record(
            session,
            actor,
            "retention.hold",
            Decision.allow("legal_hold", f"hold placed ({reason})"),
            subject_id=subject_id,
            details={
                "hold_id": hold.id,
                "reason": reason,
                "record_type": record_type,
                "subjects": touched,
            },
        )
    return hold


def release_hold(ctx: VaultContext, hold_id: str, actor: Actor) -> Hold:
    _check_role(ctx, actor, "retention.release_hold")
    with ctx.session() as session:
        hold = session.hold(hold_id)
        if hold is None or not session.release_hold(hold_id, ctx.now(), actor.id):
            raise HoldNotFound("no active hold with that id")
        released = replace(hold, released_at=ctx.now(), released_by=actor.id)
        touched = _reschedule_covered(ctx, session, released)
        ctx.record(
            session,
            actor,
            "retention.release_hold",
            Decision.allow("legal_hold", f"hold released ({hold.reason})"),
            subject_id=hold.subject_id,
            details={"hold_id": hold_id, "record_type": hold.record_type, "subjects": touched},
        )
    return released


def list_holds(ctx: VaultContext, *, active_only: bool = True) -> list[Hold]:
    with ctx.session() as session:
        return session.holds(active_only=active_only)


def _reschedule_covered(ctx: VaultContext, session: VaultSession, hold: Hold) -> int:
    if hold.subject_id is not None:
        reschedule(ctx, session, hold.subject_id)
        return 1
    subjects: set[str] = set()
    after: str | None = None
    while True:
        page = session.find_tasks(OPEN_STATUSES, record_type=hold.record_type, after_id=after)
        if not page:
            break
        subjects.update(t.subject_id for t in page)
        after = page[-1].id
    for subject_id in sorted(subjects):
        reschedule(ctx, session, subject_id)
    return len(subjects)


def _check_role(ctx: VaultContext, actor: Actor, action: str) -> None:
    """A refusal is audited like any decision."""
    if actor.role not in HOLD_ROLES:
        message = "legal holds are placed and released by the privacy officer"
        ctx.record(None, actor, action, Decision.deny("hold_role", message))
        raise AccessDenied(message)
