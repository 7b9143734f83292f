"""Acting on a verified request, kind by kind, and closing it with a per-item outcome.

- Restriction, objection, consent withdrawal and the CCPA opt-outs take effect at once: the
  next call is already refused (an objection to direct marketing always wins, GDPR 21(3)).
- Access and portability produce a package behind a one-time link that expires.
- A correction or a deletion freezes the items it names (reads for any other purpose are
  refused, rule ``pending_request``) until a handler fulfils or refuses it; then it is done,
  the freeze lifted, and the change passed on to every recipient that got the data.
- An automated-decision request waits for a person's answer (``respond``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.consent import ConsentAction, ConsentGiver
from policyvault.domain.errors import InvalidInput, NotFound, Refused
from policyvault.domain.policy.data import Basis, ConsentCategory
from policyvault.domain.requests import (
    Download,
    ForwardingStatus,
    ItemOutcome,
    Outcome,
    RequestKind,
    RequestStatus,
    RightsRequest,
)
from policyvault.domain.requests.deadlines import extension_limit, request_deadlines
from policyvault.domain.vault import ItemFreeze, LimitKind
from policyvault.services.ports import VaultSession
from policyvault.services.requests import deletion, forwarding
from policyvault.services.requests.common import (
    Desk,
    audit,
    language,
    load,
    private_of,
    remedy,
    send,
    step,
    subject_of,
)
from policyvault.services.retention.calendars import request_calendars
from policyvault.services.vault import choices, subjects
from policyvault.services.vault.collect import Evidence

IMMEDIATE = frozenset(
    {
        RequestKind.access,
        RequestKind.portability,
        RequestKind.restriction,
        RequestKind.objection,
        RequestKind.withdraw_consent,
        RequestKind.opt_out_sale,
        RequestKind.limit_sensitive,
    }
)
# A claim untouched this long was left by a crash (the desk's work finishes such claims).
CLAIM_STALE = timedelta(minutes=10)
# A package link can be asked for again while the request is open (a lost mail).
LINK_KINDS = frozenset({RequestKind.access, RequestKind.portability})


def proceed(desk: Desk, request_id: str, actor: Actor) -> None:
    """What a verified request does next: freeze, act at once, or wait for a person."""
    ctx = desk.ctx
    with ctx.session() as session:
        request = load(session, request_id)
        if request.status is not RequestStatus.open:
            return
        if request.freezes:
            _freeze(desk, session, request, actor)
            return
    if request.kind in IMMEDIATE:
        fulfil(desk, request_id, actor)


def _freeze(desk: Desk, session: VaultSession, request: RightsRequest, actor: Actor) -> None:
    ctx = desk.ctx
    subject_id = subject_of(request)
    if desk.ctx.policy.rights.freeze_while_pending is False:
        return  # the policy promises no freeze (GDPR Art 18(1)(a) then needs a restriction)
    if any(f.request_id == request.id for f in session.freezes(subject_id)):
        return
    keys = _targets(desk, session, request)
    now = ctx.now()
    for key in keys:
        session.add_freeze(ItemFreeze(subject_id, key, request.id, now))
    frozen = step(request, "frozen", actor, now, f"{len(keys)} items")
    session.requests.update_request(frozen)
    audit(
        ctx,
        session,
        actor,
        "request.freeze",
        frozen,
        Decision.allow("pending_request", "items frozen while the request is pending"),
        items=len(keys),
    )


def _targets(desk: Desk, session: VaultSession, request: RightsRequest) -> list[str]:
    if request.kind is RequestKind.correction:
        corrections = private_of(desk.ctx, session, request.id).corrections
        return sorted(corrections)
    held = {i.item_key for i in session.items(subject_of(request))}
    wanted = request.items or tuple(held)
    return sorted(k for k in wanted if k in held)


# fulfilling -------------------------------------------------------------------------------------


def fulfil(desk: Desk, request_id: str, actor: Actor, *, resume: bool = False) -> RightsRequest:
    """Do what the request asks, record each item's outcome, answer the requester.

    The request is claimed first (``fulfilling``, in its own locked transaction): a second
    handler, a double click, or a refusal meanwhile is refused instead of doing the work
    twice. ``resume``: finish a claim a crash left behind (the desk's work does that); every
    handler may run again over what the first run already did."""
    if request_kind(desk, request_id) is RequestKind.automated_decision:
        raise Refused("an automated-decision request is answered by a person: respond")
    if not resume:
        # A claim is made only once this check passed: a claim left behind was approved by
        # the handler who made it (the desk's work, finishing it, is not the approver).
        _check_approver(desk, request_id, actor)
    request = _claim(desk, request_id, actor, resume=resume)
    handler = _HANDLERS[request.kind]
    outcomes, extra = handler(desk, request, actor)
    return _finish(desk, request_id, outcomes, actor, **extra)


def respond(
    desk: Desk, request_id: str, explanation: str, upheld: bool, actor: Actor
) -> RightsRequest:
    """A person's answer to an automated-decision request: the decision reviewed (or not
    applied), with the explanation the subject asked for (PIPA Art 37-2, GDPR Art 22(3))."""
    if not explanation.strip() or len(explanation) > 4000:
        raise InvalidInput("an explanation of 1 to 4,000 characters is required")
    if request_kind(desk, request_id) is not RequestKind.automated_decision:
        raise Refused("only an automated-decision request is answered this way")
    _claim(desk, request_id, actor, resume=False, take_stale=True)
    outcome = ItemOutcome(
        target="automated_decision",
        outcome=Outcome.refused if upheld else Outcome.fulfilled,
        reason="the decision was reviewed by a person and upheld" if upheld else "",
    )
    return _finish(desk, request_id, [outcome], actor, explanation=explanation)


def refuse(desk: Desk, request_id: str, reason: str, actor: Actor) -> RightsRequest:
    """Refuse the whole request with its legal reason; the requester is told the reason and
    where to complain (GDPR Art 12(4), PIPA Art 35(4), 38(5))."""
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("a refusal needs its legal reason (1 to 500 characters)")
    ctx = desk.ctx
    now = ctx.now()
    with ctx.session() as session:
        request = load(session, request_id)
        if not request.open:
            raise Refused(f"the request is {request.status.value}")
        if request.status is RequestStatus.awaiting_recipients:
            # Done here already (and told so); only its recipients' confirmations are awaited.
            raise Refused("the request was fulfilled; it waits for its recipients only")
        if request.status is RequestStatus.fulfilling:
            raise Refused("the request is being fulfilled")
        if request.subject_id is not None:
            session.release_freezes(request.subject_id, request.id, now)
        refused = step(
            request,
            "refused",
            actor,
            now,
            reason,
            status=RequestStatus.refused,
            refusal_reason=reason,
            closed_at=now,
        )
        session.requests.update_request(refused)
        audit(ctx, session, actor, "request.refuse", refused, Decision.deny("refusal", reason))
        lang = language(ctx, refused.details.get("language"))
        send(
            ctx,
            session,
            refused,
            "result",
            private_of(ctx, session, request_id).contact,
            _result_context(desk, refused, lang, refusal_reason=reason),
            actor,
            lang,
        )
    return refused


def extend(
    desk: Desk, request_id: str, reason: str, actor: Actor, until: datetime | None = None
) -> RightsRequest:
    """Extend the due date as far as every applicable law allows, with the reason, noticed
    to the requester now (before the period being extended ends)."""
    from policyvault.domain.requests import Extension

    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise InvalidInput("an extension needs its reason (1 to 500 characters)")
    ctx = desk.ctx
    now = ctx.now()
    with ctx.session() as session:
        request = load(session, request_id)
        if not request.open:
            raise Refused(f"the request is {request.status.value}")
        if request.status is RequestStatus.awaiting_recipients:
            raise Refused("the request was fulfilled and answered: there is nothing to extend")
        deadlines = request_deadlines(
            request.kind,
            request.jurisdictions,
            request.received_at,
            timezone=ctx.policy.timezone,
            calendars=request_calendars(request.jurisdictions),
            fallback_days=desk.settings.fallback_days,
        )
        calendars = request_calendars(request.jurisdictions)
        limit = extension_limit(
            deadlines,
            request.received_at,
            request.extensions,
            now,
            timezone=ctx.policy.timezone,
            calendars=calendars,
        )
        new_due = limit if until is None else until
        if until is not None and (until > limit or until <= request.due_at):
            raise InvalidInput(
                f"the new due date must lie after the current one and no later than "
                f"{limit.isoformat()}"
            )
        extension = Extension(until=new_due, reason=reason, at=now, by=actor.id)
        extended = step(
            request,
            "extended",
            actor,
            now,
            reason,
            due_at=new_due,
            extensions=(*request.extensions, extension),
        )
        session.requests.update_request(extended)
        audit(
            ctx,
            session,
            actor,
            "request.extend",
            extended,
            Decision.allow("extension", "due date extended with notice"),
            due_at=new_due.isoformat(),
        )
        lang = language(ctx, extended.details.get("language"))
        send(
            ctx,
            session,
            extended,
            "extension",
            private_of(ctx, session, request_id).contact,
            {
                "request_kind": extended.kind.value,
                "previous_due_at": request.due_at,
                "new_due_at": new_due,
                "reason": reason,
            },
            actor,
            lang,
        )
    return extended


def request_kind(desk: Desk, request_id: str) -> RequestKind:
    with desk.ctx.session() as session:
        return load(session, request_id, lock=False).kind


def _check_approver(desk: Desk, request_id: str, actor: Actor) -> None:
    ctx = desk.ctx
    destruction = ctx.policy.destruction
    with ctx.session() as session:
        request = load(session, request_id, lock=False)
        if (
            request.kind is not RequestKind.deletion
            or destruction.approval_required is not True
            or actor.role == destruction.approver
        ):
            return
        # The deletion destroys at once: its handler's decision is the approval the policy
        # asks of its approver (Decree 32(5)3), so only that role may give it.
        audit(
            ctx,
            session,
            actor,
            "request.fulfil",
            request,
            Decision.deny("approval", "only the policy's destruction approver may fulfil"),
        )
    raise Refused(f"a deletion is approved by the {destruction.approver!r} role")


def _claim(
    desk: Desk, request_id: str, actor: Actor, *, resume: bool, take_stale: bool = False
) -> RightsRequest:
    """``take_stale``: a person's answer may take over a claim a crash left behind (nothing
    else can finish it: the answer is the person's, the desk's work cannot give it)."""
    ctx = desk.ctx
    with ctx.session() as session:
        request = load(session, request_id)
        last = request.history[-1].at if request.history else request.received_at
        if (
            take_stale
            and request.status is RequestStatus.fulfilling
            and ctx.now() - last >= CLAIM_STALE
        ):
            taken = step(request, "fulfilling", actor, ctx.now(), "took over a stale claim")
            session.requests.update_request(taken)
            return taken
        if resume:
            if request.status is RequestStatus.fulfilling:
                return request
            # only a claim left behind is resumed (no approval check was made for it)
            raise Refused(f"the request is {request.status.value}, not being fulfilled")
        if request.status is not RequestStatus.open:
            raise Refused(f"the request is {request.status.value}, not open")
        subject_of(request)
        claimed = step(request, "fulfilling", actor, ctx.now(), status=RequestStatus.fulfilling)
        session.requests.update_request(claimed)
        return claimed


# handlers: each returns the outcomes and what the result message needs ---------------------------

Handled = tuple[list[ItemOutcome], dict[str, Any]]


def _access(desk: Desk, request: RightsRequest, actor: Actor) -> Handled:
    url, expires = new_download(desk, request.id, actor)
    return [ItemOutcome(target="package", outcome=Outcome.fulfilled)], {
        "download_url": url,
        "download_expires_at": expires,
    }


def new_download(desk: Desk, request_id: str, actor: Actor) -> tuple[str, datetime]:
    """A one-time link to the request's package; only the token's SHA-256 is stored."""
    ctx = desk.ctx
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    expires = now + desk.settings.download_ttl
    with ctx.session() as session:
        request = load(session, request_id)
        if request.kind not in LINK_KINDS:
            raise Refused("only an access or portability request has a package")
        session.requests.add_download(
            Download(hashlib.sha256(token.encode()).hexdigest(), request_id, now, expires)
        )
        session.requests.update_request(step(request, "link_issued", actor, now))
        audit(
            ctx,
            session,
            actor,
            "request.link",
            request,
            Decision.allow("download", "one-time package link issued"),
            expires_at=expires.isoformat(),
        )
    return f"{desk.settings.public_url.rstrip('/')}/v1/downloads/{token}", expires


def _limits(desk: Desk, request: RightsRequest, actor: Actor) -> Handled:
    ctx = desk.ctx
    subject_id = subject_of(request)
    policy = ctx.policy
    outcomes: list[ItemOutcome] = []
    kind = request.kind
    if kind is RequestKind.opt_out_sale:
        choices.limit_processing(ctx, subject_id, LimitKind.sale_opt_out, actor)
        return [ItemOutcome("sale_or_sharing", Outcome.fulfilled)], {}
    if kind is RequestKind.limit_sensitive:
        choices.limit_processing(ctx, subject_id, LimitKind.sensitive_limit, actor)
        return [ItemOutcome("sensitive_data", Outcome.fulfilled)], {}
    if kind is RequestKind.restriction:
        for scope in request.purposes or (None,):
            choices.limit_processing(ctx, subject_id, LimitKind.restriction, actor, scope)
            outcomes.append(ItemOutcome(scope or "all_purposes", Outcome.fulfilled))
        # Recipients restrict too (GDPR Art 19): those that got an item the scope uses.
        scoped = request.purposes or tuple(policy.purposes)
        items = sorted({i for p in scoped for i in policy.purposes[p].items})
        return outcomes, {"forward": ("restrict", items)}
    # objection: to direct marketing always, otherwise where it binds (GDPR Art 21(1))
    named = request.purposes or tuple(policy.purposes)
    marketing = [p for p in named if policy.purposes[p].direct_marketing]
    if marketing or not request.purposes:
        choices.limit_processing(ctx, subject_id, LimitKind.marketing_objection, actor)
    for key in named:
        purpose = policy.purposes[key]
        binds = purpose.direct_marketing or all(
            b.basis is Basis.legitimate_interest for b in purpose.bases
        )
        if not purpose.direct_marketing and request.purposes:
            choices.limit_processing(ctx, subject_id, LimitKind.objection, actor, key)
        if binds:
            outcomes.append(ItemOutcome(key, Outcome.fulfilled))
        elif request.purposes:
            bases = ", ".join(sorted(b.basis.value for b in purpose.bases))
            outcomes.append(
                ItemOutcome(
                    key,
                    Outcome.refused,
                    f"processing rests on {bases}; an objection binds processing on "
                    "legitimate interest (GDPR Art 21(1))",
                )
            )
    if not request.purposes:
        choices.limit_processing(ctx, subject_id, LimitKind.objection, actor, None)
    return outcomes, {}


def _withdraw(desk: Desk, request: RightsRequest, actor: Actor) -> Handled:
    ctx = desk.ctx
    subject_id = subject_of(request)
    category = ConsentCategory(request.consent_category or ConsentCategory.collection_use.value)
    evidence = Evidence(
        channel=f"request_{request.channel.value}",
        given_by=ConsentGiver.agent if request.agent else ConsentGiver.subject,
    )
    try:
        choices.change_consent(
            ctx, subject_id, category, request.purposes, ConsentAction.withdrawn, evidence, actor
        )
    except InvalidInput as refused:
        return [
            ItemOutcome(p, Outcome.refused, f"no such consent to withdraw: {refused}")
            for p in request.purposes
        ], {}
    # What rested on that consent alone is now due for destruction: the retention plan was
    # rescheduled with the withdrawal, and the next sweep destroys it (PIPA Art 37(3)).
    return [ItemOutcome(p, Outcome.fulfilled) for p in request.purposes], {}


def _correct(desk: Desk, request: RightsRequest, actor: Actor) -> Handled:
    ctx = desk.ctx
    subject_id = subject_of(request)
    with ctx.session() as session:
        corrections = private_of(ctx, session, request.id).corrections
        held = {i.item_key: i for i in session.items(subject_id, list(corrections))}
        # released first: the correction itself writes the frozen items
        session.release_freezes(subject_id, request.id, ctx.now())
    outcomes: list[ItemOutcome] = []
    changed: list[str] = []
    for key, value in sorted(corrections.items()):
        if key not in held:
            outcomes.append(ItemOutcome(key, Outcome.not_held))
            continue
        try:
            subjects.correct(ctx, subject_id, key, value, actor)
        except (InvalidInput, NotFound) as refused:
            outcomes.append(ItemOutcome(key, Outcome.refused, str(refused)))
            continue
        outcomes.append(ItemOutcome(key, Outcome.fulfilled))
        changed.append(key)
    return outcomes, {"forward": ("correct", changed)}


def _delete(desk: Desk, request: RightsRequest, actor: Actor) -> Handled:
    outcomes, _ = deletion.erase(desk, request, actor)
    return outcomes, {}  # its forwardings were made before anything was destroyed


_HANDLERS = {
    RequestKind.access: _access,
    RequestKind.portability: _access,
    RequestKind.restriction: _limits,
    RequestKind.objection: _limits,
    RequestKind.opt_out_sale: _limits,
    RequestKind.limit_sensitive: _limits,
    RequestKind.withdraw_consent: _withdraw,
    RequestKind.correction: _correct,
    RequestKind.deletion: _delete,
}


# closing ----------------------------------------------------------------------------------------


def _finish(
    desk: Desk,
    request_id: str,
    outcomes: Sequence[ItemOutcome],
    actor: Actor,
    *,
    forward: tuple[str, Sequence[str]] | None = None,
    download_url: str | None = None,
    download_expires_at: datetime | None = None,
    explanation: str | None = None,
) -> RightsRequest:
    ctx = desk.ctx
    now = ctx.now()
    with ctx.session() as session:
        request = load(session, request_id)
        if request.status is not RequestStatus.fulfilling:
            # finished (or refused) by someone else meanwhile: theirs stands
            raise Refused(f"the request is {request.status.value}, not being fulfilled")
        if request.subject_id is not None:
            session.release_freezes(request.subject_id, request.id, now)
        if forward is not None and request.subject_id is not None and forward[1]:
            forwarding.create(desk, session, request, forward[0], forward[1], actor)
        waiting = (ForwardingStatus.pending, ForwardingStatus.sent)
        sent = sum(1 for f in session.requests.forwardings(request.id) if f.status in waiting)
        status = RequestStatus.awaiting_recipients if sent else RequestStatus.completed
        done = step(
            request,
            "fulfilled",
            actor,
            now,
            f"{len(outcomes)} outcomes",
            status=status,
            outcomes=tuple(outcomes),
            closed_at=None if sent else now,
        )
        session.requests.update_request(done)
        audit(
            ctx,
            session,
            actor,
            "request.fulfil",
            done,
            Decision.allow("rights_request", f"{done.kind.value} request fulfilled"),
            outcomes={o.value: sum(1 for x in outcomes if x.outcome is o) for o in Outcome},
            forwarded=sent,
        )
        lang = language(ctx, done.details.get("language"))
        context = _result_context(desk, done, lang)
        context["download_url"] = download_url
        context["download_expires_at"] = download_expires_at
        if explanation:
            context["refusal_reason"] = explanation
        send(
            ctx,
            session,
            done,
            "result",
            private_of(ctx, session, request_id).contact,
            context,
            actor,
            lang,
        )
    return done


def _result_context(
    desk: Desk, request: RightsRequest, lang: str, refusal_reason: str | None = None
) -> dict[str, Any]:
    outcomes = request.outcomes
    partly = any(o.outcome in (Outcome.kept, Outcome.refused) for o in outcomes)
    status = "refused" if refusal_reason is not None else "partly" if partly else "completed"
    items = desk.ctx.policy.items
    return {
        "request_kind": request.kind.value,
        "status": status,
        "outcomes": [
            {
                "target": o.target,
                "label": _label(desk, o.target, lang) if o.target in items else o.target,
                "outcome": o.outcome.value,
                "reason": o.reason,
                "until": o.until,
            }
            for o in outcomes
        ],
        "download_url": None,
        "download_expires_at": None,
        "refusal_reason": refusal_reason,
        "remedy": remedy(desk.ctx, lang),
        "objection_procedure": _objection_procedure(desk, lang),
    }


def _label(desk: Desk, key: str, lang: str) -> str:
    item = desk.ctx.policy.items[key]
    label = getattr(item, "label", None)
    return label.get(lang) if label is not None else key


def _objection_procedure(desk: Desk, lang: str) -> str | None:
    officer = desk.ctx.policy.contacts.privacy_officer
    contact = officer.email or officer.phone
    if contact is None:
        return None
    if lang == "ko":
        return f"개인정보 보호책임자({contact})에게 이의를 제기해 주십시오."
    return f"write to the privacy officer ({contact})."


def reissue_link(desk: Desk, request_id: str, actor: Actor) -> tuple[bool, datetime]:
    """A new one-time link for a completed access or portability request (a lost mail),
    sent to the requester's contact, never handed to the caller: staff must not be able to
    read a subject's package, separate store included, through its request. Returns whether
    it was sent (a request answered by letter has no address) and when the link expires."""
    ctx = desk.ctx
    with ctx.session() as session:
        request = load(session, request_id, lock=False)
    if request.status is not RequestStatus.completed or request.kind not in LINK_KINDS:
        raise Refused("only a completed access or portability request has a package")
    url, expires = new_download(desk, request_id, actor)
    with ctx.session() as session:
        request = load(session, request_id)
        lang = language(ctx, request.details.get("language"))
        context = _result_context(desk, request, lang)
        context["download_url"] = url
        context["download_expires_at"] = expires
        sent = send(
            ctx,
            session,
            request,
            "result",
            private_of(ctx, session, request_id).contact,
            context,
            actor,
            lang,
        )
    return sent, expires
