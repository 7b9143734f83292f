"""Passing an erasure, correction or restriction on to every recipient that received the
subject's data (GDPR Art 19; PIPA Decree 43(2); CCPA §1798.105(c)), and tracking each until
it confirms: sent by webhook or e-mail, reminded, and escalated to the privacy officer when
it never confirms. The request completes when every recipient confirmed or was escalated.

Where each recipient is reached is configuration (``set_endpoint``), not policy: a webhook
URL with a shared secret for the signature, or an e-mail address. A recipient with no
endpoint is escalated at once: the officer must forward by hand.

Nothing personal travels: the recipient is told the subject's reference (the id it was given
the data under), the item keys and the action, and confirms with a token of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from email_validator import EmailNotValidError, validate_email

from policyvault.crypto.tokens import confirmation_token, token_digest, webhook_signature
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import InvalidInput, NotFound
from policyvault.domain.requests import (
    Forwarding,
    ForwardingStatus,
    RequestStatus,
    RightsRequest,
)
from policyvault.services.ports import VaultSession
from policyvault.services.requests.common import (
    DESK,
    Desk,
    audit,
    language,
    load,
    send,
    step,
    subject_of,
)
from policyvault.services.requests.sealing import open_payload, seal_payload

FORWARDER = Actor(id="svc.forwarding", role="system")
LEASE = timedelta(minutes=5)
RETRY = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
_ENDPOINT = "recipient_endpoint:"

# (url, body, headers) -> (status code, response body); raises httpx.HTTPError
Poster = Callable[[str, bytes, dict[str, str]], tuple[int, bytes]]


def post_with_httpx(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    response = httpx.post(url, content=body, headers=headers, timeout=10.0)
    return response.status_code, response.content


@dataclass(frozen=True)
class Endpoint:
    recipient_id: str
    channel: str  # webhook | email
    address: str  # the URL or the e-mail address
    secret: bytes | None = None  # webhook: the shared signing secret


@dataclass
class ForwardingReport:
    sent: int = 0
    confirmed: int = 0
    retrying: int = 0
    escalated: int = 0
    completed_requests: list[str] = field(default_factory=list)


# endpoints --------------------------------------------------------------------------------------


def recipients(desk: Desk) -> dict[str, str]:
    """Every recipient the policy declares: id -> name."""
    policy = desk.ctx.policy
    found = {p.id: p.name for p in policy.processors}
    if policy.provision is not None:
        found |= {t.id: t.name for t in policy.provision.recipients}
    return found


def set_endpoint(
    desk: Desk,
    recipient_id: str,
    *,
    webhook: str | None = None,
    secret: str | None = None,
    email: str | None = None,
    actor: Actor,
) -> Endpoint:
    """Where a declared recipient is told of erasures; the secret is stored sealed."""
    if recipient_id not in recipients(desk):
        raise InvalidInput("the recipient is not declared in the policy")
    if (webhook is None) == (email is None):
        raise InvalidInput("give either a webhook URL or an e-mail address")
    if webhook is not None:
        try:
            parsed = httpx.URL(webhook)
        except (httpx.InvalidURL, TypeError, ValueError):
            raise InvalidInput("the webhook must be an http(s) URL") from None
        if parsed.scheme not in ("http", "https") or not parsed.host or len(webhook) > 2000:
            raise InvalidInput("the webhook must be an http(s) URL")
        if secret is not None and len(secret) < 16:
            raise InvalidInput("the webhook secret must be at least 16 characters")
        endpoint = Endpoint(recipient_id, "webhook", webhook, secret.encode() if secret else None)
    else:
        try:
            validate_email(str(email).strip(), check_deliverability=False)
        except EmailNotValidError:
            raise InvalidInput("the recipient's e-mail address is not valid") from None
        endpoint = Endpoint(recipient_id, "email", str(email).strip())
    ctx = desk.ctx
    owner = f"endpoint:{recipient_id}"
    wrapped, sealed = seal_payload(
        ctx, owner, {"secret": endpoint.secret.decode() if endpoint.secret else None}
    )
    stored = {
        "channel": endpoint.channel,
        "address": endpoint.address,
        "wrapped": wrapped.hex(),
        "sealed": sealed.hex(),
    }
    with ctx.session() as session:
        session.put_setting(_ENDPOINT + recipient_id, json.dumps(stored, sort_keys=True))
        ctx.record(
            session,
            actor,
            "recipient.endpoint",
            Decision.allow("forwarding", "recipient endpoint set"),
            details={"recipient": recipient_id, "channel": endpoint.channel},
        )
    return endpoint


def endpoint(desk: Desk, session: VaultSession, recipient_id: str) -> Endpoint | None:
    text = session.setting(_ENDPOINT + recipient_id)
    if text is None:
        return None
    stored = json.loads(text)
    payload = open_payload(
        desk.ctx,
        f"endpoint:{recipient_id}",
        bytes.fromhex(stored["wrapped"]),
        bytes.fromhex(stored["sealed"]),
    )
    secret = payload.get("secret")
    return Endpoint(
        recipient_id, stored["channel"], stored["address"], secret.encode() if secret else None
    )


def endpoint_channel(session: VaultSession, recipient_id: str) -> str | None:
    """How a recipient is reached (webhook, email; None: no endpoint), its secret unopened."""
    text = session.setting(_ENDPOINT + recipient_id)
    return None if text is None else str(json.loads(text)["channel"])


# creating ---------------------------------------------------------------------------------------


def create(
    desk: Desk,
    session: VaultSession,
    request: RightsRequest,
    action: str,
    item_keys: Sequence[str],
    actor: Actor,
) -> int:
    """One forwarding per recipient that received any of ``item_keys`` of the subject;
    returns how many still wait for a confirmation."""
    ctx = desk.ctx
    keys = set(item_keys)
    got: dict[str, set[str]] = {}
    for disclosure in session.disclosures(subject_of(request)):
        shared = keys & set(disclosure.item_keys)
        if shared:
            got.setdefault(disclosure.recipient_id, set()).update(shared)
    now = ctx.now()
    waiting = 0
    for recipient_id, shared in sorted(got.items()):
        target = endpoint(desk, session, recipient_id)
        forwarding = Forwarding(
            id=ctx.new_id(),
            request_id=request.id,
            recipient_id=recipient_id,
            channel=target.channel if target else "none",
            action=action,
            item_keys=tuple(sorted(shared)),
            status=ForwardingStatus.pending,
            created_at=now,
            next_attempt_at=now,
        )
        token = confirmation_token(ctx.blind_index_key, forwarding.id)
        session.requests.add_forwarding(forwarding, token_digest(token))
        audit(
            ctx,
            session,
            actor,
            "request.forward",
            request,
            Decision.allow("forwarding", f"{action} to be passed on to a recipient"),
            recipient=recipient_id,
            forwarding_id=forwarding.id,
            channel=forwarding.channel,
        )
        if target is None:
            _escalate(desk, session, forwarding, now, actor, reason="no_endpoint")
        else:
            waiting += 1
    return waiting


# sending ----------------------------------------------------------------------------------------


def dispatch_due(
    desk: Desk, post: Poster = post_with_httpx, *, batch: int = 20, actor: Actor = FORWARDER
) -> ForwardingReport:
    """Send (or remind) every forwarding whose time has come; escalate those that used up
    their attempts without confirming."""
    report = ForwardingReport()
    while True:
        leased = _lease(desk, batch, actor, report)
        if not leased:
            return report
        for forwarding, target, body in leased:
            _send_webhook(desk, post, forwarding, target, body, actor, report)


def _lease(
    desk: Desk, batch: int, actor: Actor, report: ForwardingReport
) -> list[tuple[Forwarding, Endpoint, bytes]]:
    ctx = desk.ctx
    now = ctx.now()
    leased: list[tuple[Forwarding, Endpoint, bytes]] = []
    with ctx.session() as session:
        for forwarding in session.requests.claim_forwardings(now, batch):
            if forwarding.attempts >= desk.settings.forward_attempts:
                _escalate(desk, session, forwarding, now, actor, reason="no_confirmation")
                report.escalated += 1
                continue
            target = endpoint(desk, session, forwarding.recipient_id)
            if target is None:
                _escalate(desk, session, forwarding, now, actor, reason="no_endpoint")
                report.escalated += 1
                continue
            request = load(session, forwarding.request_id, lock=False)
            token = confirmation_token(ctx.blind_index_key, forwarding.id)
            confirm_url = f"{desk.settings.public_url.rstrip('/')}/v1/forwardings/confirm"
            taken = replace(forwarding, attempts=forwarding.attempts + 1)
            if target.channel == "email":
                lang = language(ctx)
                send(
                    ctx,
                    session,
                    request,
                    "forward_erasure",
                    target.address,
                    {
                        "recipient_name": recipients(desk).get(forwarding.recipient_id, ""),
                        "action": forwarding.action,
                        "subject_reference": request.subject_id or "",
                        "item_keys": list(forwarding.item_keys),
                        "confirm_url": f"{confirm_url}?token={token}",
                        "requested_at": request.received_at,
                    },
                    actor,
                    lang,
                )
                sent = _sent(desk, taken, now)
                session.requests.update_forwarding(sent)
                _audit_sent(desk, session, sent, actor)
                report.sent += 1
                continue
            body = json.dumps(
                {
                    "type": f"{forwarding.action}_request",
                    "forwarding_id": forwarding.id,
                    "request_id": forwarding.request_id,
                    "subject_reference": request.subject_id,
                    "items": list(forwarding.item_keys),
                    "requested_at": request.received_at.isoformat(),
                    "attempt": taken.attempts,
                    "confirm_url": confirm_url,
                    "confirm_token": token,
                },
                sort_keys=True,
            ).encode()
            session.requests.update_forwarding(replace(taken, next_attempt_at=now + LEASE))
            leased.append((taken, target, body))
    return leased


def _send_webhook(
    desk: Desk,
    post: Poster,
    forwarding: Forwarding,
    target: Endpoint,
    body: bytes,
    actor: Actor,
    report: ForwardingReport,
) -> None:
    ctx = desk.ctx
    headers = {"Content-Type": "application/json", "User-Agent": "PolicyVault"}
    if target.secret:
        stamp = int(ctx.now().timestamp())
        headers["PolicyVault-Signature"] = webhook_signature(target.secret, stamp, body)
    error: str | None = None
    confirmed = False
    try:
        status, answer = post(target.address, body, headers)
        if 200 <= status < 300:
            confirmed = _says_confirmed(answer)
        else:
            error = f"http_{status}"
    except httpx.TimeoutException:
        error = "timeout"
    except httpx.HTTPError:
        error = "connection_failed"
    except Exception:
        error = "invalid_endpoint"
    now = ctx.now()
    with ctx.session() as session:
        current = session.requests.forwarding(forwarding.id, lock=True)
        if current is None or current.status in (
            ForwardingStatus.confirmed,
            ForwardingStatus.escalated,
        ):
            return  # confirmed (or escalated) while the call was under way
        if error is not None:
            wait = RETRY[min(forwarding.attempts, len(RETRY)) - 1]
            retry = replace(forwarding, next_attempt_at=now + wait, last_error=error)
            session.requests.update_forwarding(retry)
            audit(
                ctx,
                session,
                actor,
                "request.forward_retry",
                load(session, forwarding.request_id, lock=False),
                Decision.deny("forwarding", "recipient not reached"),
                recipient=forwarding.recipient_id,
                forwarding_id=forwarding.id,
                error=error,
            )
            report.retrying += 1
            return
        sent = _sent(desk, forwarding, now)
        session.requests.update_forwarding(sent)
        _audit_sent(desk, session, sent, actor)
        report.sent += 1
        if confirmed:
            if _confirm(desk, session, sent, now, actor):
                report.completed_requests.append(sent.request_id)
            report.confirmed += 1


def _says_confirmed(answer: bytes) -> bool:
    """A recipient may confirm in its answer (``{"status": "confirmed"}``) instead of later."""
    try:
        parsed: Any = json.loads(answer or b"{}")
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("status") == "confirmed"


def _sent(desk: Desk, forwarding: Forwarding, now: datetime) -> Forwarding:
    reminder = timedelta(hours=desk.settings.forward_reminder_hours)
    return replace(
        forwarding,
        status=ForwardingStatus.sent,
        sent_at=forwarding.sent_at or now,
        next_attempt_at=now + reminder,
        last_error=None,
    )


def _audit_sent(desk: Desk, session: VaultSession, forwarding: Forwarding, actor: Actor) -> None:
    audit(
        desk.ctx,
        session,
        actor,
        "request.forward_sent",
        load(session, forwarding.request_id, lock=False),
        Decision.allow("forwarding", "passed on to the recipient"),
        recipient=forwarding.recipient_id,
        forwarding_id=forwarding.id,
        attempt=forwarding.attempts,
    )


# confirming and escalating ----------------------------------------------------------------------


def confirm(desk: Desk, token: str, actor: Actor = FORWARDER) -> Forwarding:
    """The recipient says it has done it. ``NotFound`` for an unknown token (the same for a
    made-up one and a stale one); confirming twice is harmless."""
    ctx = desk.ctx
    with ctx.session() as session:
        forwarding = session.requests.forwarding_by_token(token_digest(token.strip()))
        if forwarding is None:
            raise NotFound("no forwarding has this confirmation token")
        if forwarding.status is not ForwardingStatus.confirmed:
            _confirm(desk, session, forwarding, ctx.now(), actor)
        return session.requests.forwarding(forwarding.id) or forwarding


def _confirm(
    desk: Desk, session: VaultSession, forwarding: Forwarding, now: datetime, actor: Actor
) -> bool:
    confirmed = replace(forwarding, status=ForwardingStatus.confirmed, confirmed_at=now)
    session.requests.update_forwarding(confirmed)
    audit(
        desk.ctx,
        session,
        actor,
        "request.forward_confirmed",
        load(session, forwarding.request_id, lock=False),
        Decision.allow("forwarding", "the recipient confirmed"),
        recipient=forwarding.recipient_id,
        forwarding_id=forwarding.id,
        late=forwarding.status is ForwardingStatus.escalated,
    )
    return complete_if_settled(desk, session, forwarding.request_id, now)


def _escalate(
    desk: Desk,
    session: VaultSession,
    forwarding: Forwarding,
    now: datetime,
    actor: Actor,
    *,
    reason: str,
) -> None:
    escalated = replace(
        forwarding, status=ForwardingStatus.escalated, escalated_at=now, last_error=reason
    )
    session.requests.update_forwarding(escalated)
    request = load(session, forwarding.request_id, lock=False)
    audit(
        desk.ctx,
        session,
        actor,
        "request.forward_escalated",
        request,
        Decision.deny("forwarding", "no confirmation from the recipient: escalated"),
        recipient=forwarding.recipient_id,
        forwarding_id=forwarding.id,
        reason=reason,
        attempts=forwarding.attempts,
    )
    officer = desk.ctx.policy.contacts.privacy_officer.email
    send(
        desk.ctx,
        session,
        request,
        "escalation",
        str(officer) if officer else None,
        {
            "recipient_id": forwarding.recipient_id,
            "attempts": forwarding.attempts,
            "first_sent_at": forwarding.sent_at or forwarding.created_at,
        },
        actor,
        language(desk.ctx),
    )
    complete_if_settled(desk, session, forwarding.request_id, now)


def complete_if_settled(desk: Desk, session: VaultSession, request_id: str, now: datetime) -> bool:
    """A request waiting for recipients completes once each confirmed or was escalated."""
    request = load(session, request_id)
    if request.status is not RequestStatus.awaiting_recipients:
        return False
    settled = (ForwardingStatus.confirmed, ForwardingStatus.escalated)
    if any(f.status not in settled for f in session.requests.forwardings(request_id)):
        return False
    done = step(request, "recipients_settled", DESK, now, status=RequestStatus.completed)
    session.requests.update_request(replace(done, closed_at=now))
    audit(
        desk.ctx,
        session,
        DESK,
        "request.complete",
        done,
        Decision.allow("rights_request", "every recipient confirmed or was escalated"),
    )
    return True
