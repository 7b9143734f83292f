"""A deletion request: delete what may go now, keep what a statute requires in the separate
store, and say item by item which was kept, under which law, until when (PIPA Art 36(1)
proviso and 36(4); GDPR Art 17(3)(b); CCPA §1798.105(d)).

It runs through the retention engine, not beside it: the request is recorded as the event
``erasure_requested`` (of the items it names, or of everything), which ends every purpose of
those items; the plan then says what a statute still keeps (moved to the separate store and
destroyed when the statute's period ends) and what goes now, and the subject's due work is
done at once, approved by the handler who fulfils the request and certified like a sweep.
A legal hold still wins: held data stays, and the outcome says so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from policyvault.domain.audit import Actor
from policyvault.domain.requests import ItemOutcome, Outcome, RightsRequest
from policyvault.domain.retention import Action, TargetKind, TaskStatus
from policyvault.domain.retention.plan import erasure_requested
from policyvault.domain.vault import SubjectEvent
from policyvault.services.ports import VaultSession
from policyvault.services.requests import forwarding
from policyvault.services.requests.common import Desk, language, load, subject_of, text
from policyvault.services.retention.sweeper import sweep_subject
from policyvault.services.vault.deadlines import reschedule


def erase(desk: Desk, request: RightsRequest, actor: Actor) -> tuple[list[ItemOutcome], list[str]]:
    """Outcomes per item and per record type, and the item keys actually erased (for the
    recipients that must erase them too)."""
    ctx = desk.ctx
    subject_id = subject_of(request)
    now = ctx.now()
    with ctx.session() as session:
        session.lock_subject(subject_id)
        current = load(session, request.id)
        baseline = current.details.get(_BASELINE)
        if baseline is None:  # not a resumed run: record the request, then destroy
            baseline = _start(desk, session, current, actor, now)
    held_before = set(baseline["items"])
    records_before: dict[str, str] = baseline["records"]
    targets = None if not request.items else {(TargetKind.item, k) for k in request.items}
    sweep_subject(ctx, subject_id, actor, note=f"request:{request.id}", targets=targets)
    lang = language(ctx, request.details.get("language"))
    with ctx.session() as session, ctx.separate.reading() as separate:
        subject = session.subject(subject_id)
        shredded = subject is None or subject.shredded_at is not None
        live = set() if shredded else {i.item_key for i in session.items(subject_id)}
        kept_items = set() if shredded else {i.item_key for i in separate.items(subject_id)}
        kept_records = [] if shredded else separate.records(subject_id)
        live_records = [] if shredded else session.records(subject_id)
        tasks = [] if shredded else session.tasks(subject_id)
    destroy_at = {
        t.deadline.target: t.deadline
        for t in tasks
        if t.status is not TaskStatus.done
        and t.status is not TaskStatus.cancelled
        and t.deadline.action is not Action.archive
    }
    statutes = {s.record_type: s for s in ctx.policy.statutory_retention}

    def why(record_type: str | None) -> str:
        kept_by = statutes.get(record_type or "")
        if kept_by is None:
            return "kept under a legal obligation"
        law = " ".join(p for p in (text(kept_by.statute, lang), text(kept_by.article, lang)) if p)
        return f"{text(kept_by.label, lang)}: {law}".strip(": ")

    outcomes: list[ItemOutcome] = []
    erased: list[str] = []
    wanted = sorted(set(request.items) & held_before) if request.items else sorted(held_before)
    for key in sorted(set(request.items) - held_before - set(baseline["kept"])):
        outcomes.append(ItemOutcome(key, Outcome.not_held))
    # What a statute had already taken out of ordinary use before the request stays kept.
    kept_before = set(baseline["kept"])
    wanted += sorted(kept_before - held_before) if not request.items else []
    wanted += sorted((set(request.items) & kept_before) - held_before)
    for key in wanted:
        deadline = destroy_at.get((TargetKind.item, key))
        if key in kept_items:
            held = "under a legal hold; " if deadline and deadline.held else ""
            outcomes.append(
                ItemOutcome(
                    key,
                    Outcome.kept,
                    held + why(deadline.record_type if deadline else None),
                    deadline.due_at if deadline else None,
                )
            )
        elif key in live:
            reason = "under a legal hold" if deadline and deadline.held else "still required"
            outcomes.append(ItemOutcome(key, Outcome.kept, reason))
        else:
            outcomes.append(ItemOutcome(key, Outcome.fulfilled))
            erased.append(key)
    if not request.items:
        by_type: dict[str, list[str]] = {}
        for record in [*kept_records, *live_records]:
            by_type.setdefault(record.record_type, []).append(record.id)
        for record_type, ids in sorted(by_type.items()):
            found = [d for i in ids if (d := destroy_at.get((TargetKind.record, i))) is not None]
            dues = [d.due_at for d in found]
            # A hold keeps a record past its statute (and in the live store): say so.
            held = "under a legal hold; " if any(d.held for d in found) else ""
            outcomes.append(
                ItemOutcome(
                    f"record:{record_type}",
                    Outcome.kept,
                    held + why(record_type),
                    max(dues) if dues else None,
                )
            )
        destroyed = set(records_before) - {r.id for r in [*kept_records, *live_records]}
        for record_type in sorted({records_before[i] for i in destroyed}):
            outcomes.append(ItemOutcome(f"record:{record_type}", Outcome.fulfilled))
    return outcomes, erased


_BASELINE = "erase_baseline"


def _start(
    desk: Desk, session: VaultSession, request: RightsRequest, actor: Actor, now: datetime
) -> dict[str, Any]:
    """In one transaction, before anything is destroyed: what the subject had (keys and
    opaque record ids: the outcomes are computed against it, also by a resumed run), the
    erasure events, and the forwardings to every recipient (a crash after the destruction
    must not lose them: nothing would be left to tell whom to forward to)."""
    ctx = desk.ctx
    subject_id = subject_of(request)
    with ctx.separate.reading() as separate:
        kept_before = sorted({i.item_key for i in separate.items(subject_id)})
    baseline: dict[str, Any] = {
        "items": sorted({i.item_key for i in session.items(subject_id)}),
        "kept": kept_before,
        "records": {r.id: r.record_type for r in session.records(subject_id)},
    }
    names = [erasure_requested(k) for k in request.items] or [erasure_requested()]
    for name in names:
        session.add_event(SubjectEvent(subject_id, name, now, actor.id))
    reschedule(ctx, session, subject_id)
    covered = request.items or (*baseline["items"], *kept_before)
    forwarding.create(desk, session, request, "erase", covered, actor)
    session.requests.update_request(
        replace(request, details={**request.details, _BASELINE: baseline})
    )
    return baseline
