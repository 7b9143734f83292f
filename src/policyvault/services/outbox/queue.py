"""The outbox: messages are written in the transaction of what they announce (a request
received, a code, a result), then delivered by a worker, retried with backoff, and reported
when they cannot be delivered. A message rolled back with its request is never sent.

Delivery happens outside any database transaction (SQLite would otherwise stall every writer
for as long as an SMTP server takes): a message is first leased (its next attempt moved past
the lease, its attempt counted) and committed, then sent, then its outcome stored. A worker
killed mid-send leaves a message that is sent again when the lease ends: delivery is at least
once, under a stable Message-ID receivers can deduplicate by.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.requests import DeliveryStatus, OutboxMessage
from policyvault.services.outbox.messages import RenderedMessage
from policyvault.services.outbox.smtp import DeliveryFailed, Envelope, Sender
from policyvault.services.ports import VaultSession
from policyvault.services.requests.sealing import open_payload, seal_payload
from policyvault.services.vault.context import VaultContext

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OUTBOX = Actor(id="svc.outbox", role="system")
LEASE = timedelta(minutes=10)
# Waits between attempts: a transient failure (a server down, a greylisting 4xx) is retried
# sooner, then less often; the last wait repeats.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # error code -> count


def enqueue(
    ctx: VaultContext,
    session: VaultSession,
    *,
    kind: str,
    to: str,
    message: RenderedMessage,
    actor: Actor,
    request_id: str | None = None,
) -> OutboxMessage:
    """Queue a message in ``session``'s transaction; its address and text are sealed."""
    now = ctx.now()
    # Ids sort as the messages were queued, so that a request's acknowledgement goes before
    # its result even when both were queued in the same instant (a sandbox clock stands
    # still): the time, then the request's own count, then randomness.
    earlier = len(session.requests.messages(request_id=request_id, limit=1000)) if request_id else 0
    stamp = (now - _EPOCH) // timedelta(microseconds=1)
    # The letter keeps the id from being all digits (an id the audit log would refuse as a
    # number that looks personal), which 8 hex digits of a UUID are one time in 43.
    message_id = f"{stamp:017d}.{earlier:04d}.m{ctx.new_id()[:8]}"
    wrapped, sealed = seal_payload(
        ctx,
        f"message:{message_id}",
        {"to": to, "subject": message.subject, "text": message.text, "html": message.html},
    )
    queued = OutboxMessage(
        id=message_id,
        kind=kind,
        created_at=now,
        status=DeliveryStatus.pending,
        next_attempt_at=now,
        request_id=request_id,
    )
    session.requests.add_message(queued, wrapped, sealed)
    ctx.record(
        session,
        actor,
        "outbox.queue",
        Decision.allow("outbox", f"{kind} message queued"),
        request_id=request_id,
        details={"message_id": message_id, "kind": kind},
    )
    return queued


def deliver_due(
    ctx: VaultContext,
    sender: Sender,
    *,
    max_attempts: int = 8,
    batch: int = 20,
    actor: Actor = OUTBOX,
) -> DeliveryReport:
    """Send every message whose time has come, a batch at a time."""
    report = DeliveryReport()
    while True:
        leased = _lease(ctx, batch)
        if not leased:
            return report
        for message, envelope in leased:
            _deliver(ctx, sender, message, envelope, max_attempts, actor, report)


def _lease(ctx: VaultContext, batch: int) -> list[tuple[OutboxMessage, Envelope]]:
    now = ctx.now()
    leased: list[tuple[OutboxMessage, Envelope]] = []
    with ctx.session() as session:
        for message, wrapped, sealed in session.requests.claim_messages(now, batch):
            payload = open_payload(ctx, f"message:{message.id}", wrapped, sealed)
            taken = replace(message, attempts=message.attempts + 1, next_attempt_at=now + LEASE)
            session.requests.update_message(taken)
            envelope = Envelope(
                to=payload["to"],
                subject=payload["subject"],
                text=payload["text"],
                html=payload.get("html"),
                message_id=f"<{message.id}@policyvault>",
            )
            leased.append((taken, envelope))
    return leased


def _deliver(
    ctx: VaultContext,
    sender: Sender,
    message: OutboxMessage,
    envelope: Envelope,
    max_attempts: int,
    actor: Actor,
    report: DeliveryReport,
) -> None:
    try:
        sender.send(envelope)
    except DeliveryFailed as failure:
        now = ctx.now()
        report.failures[failure.code] = report.failures.get(failure.code, 0) + 1
        gave_up = not failure.transient or message.attempts >= max_attempts
        wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        outcome = replace(
            message,
            status=DeliveryStatus.failed if gave_up else DeliveryStatus.pending,
            next_attempt_at=now if gave_up else now + wait,
            last_error=failure.code,
        )
        with ctx.session() as session:
            session.requests.update_message(outcome)
            ctx.record(
                session,
                actor,
                "outbox.failed" if gave_up else "outbox.retry",
                Decision.deny("delivery", f"{message.kind} message not delivered")
                if gave_up
                else Decision.allow("delivery", f"{message.kind} message to be retried"),
                request_id=message.request_id,
                details={
                    "message_id": message.id,
                    "kind": message.kind,
                    "attempts": message.attempts,
                    "error": failure.code,
                },
            )
        if gave_up:
            report.failed += 1
        else:
            report.retrying += 1
        return
    with ctx.session() as session:
        sent = replace(message, status=DeliveryStatus.sent, sent_at=ctx.now(), last_error=None)
        # Once delivered, the address and the text are forgotten: only the fact remains.
        session.requests.update_message(sent, drop_body=True)
        ctx.record(
            session,
            actor,
            "outbox.sent",
            Decision.allow("delivery", f"{message.kind} message delivered"),
            request_id=message.request_id,
            details={"message_id": message.id, "kind": message.kind, "attempts": message.attempts},
        )
    report.sent += 1
