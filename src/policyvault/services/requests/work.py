"""The request desk's background work, run by ``policyvault requests work`` and by ``serve``
on a schedule: every step compares stored times with the vault's clock, so a sandbox vault
replays weeks of requests by moving its clock, and nothing waits by sleeping.

- messages due are delivered (when an SMTP server is configured);
- forwardings are sent, reminded, escalated;
- requests nobody verified in time are closed as unverified;
- requests close to their due date, or past it, are reported (audited; a daily digest to the
  privacy officer);
- closed request records older than their keeping period are pruned (11 CCR §7101: at least
  24 months).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.deadlines import add_period_local
from policyvault.domain.errors import Refused
from policyvault.domain.policy.duration import Duration
from policyvault.domain.requests import (
    CLOSED_REQUEST_STATUSES,
    OPEN_REQUEST_STATUSES,
    RequestKind,
    RequestStatus,
    RightsRequest,
)
from policyvault.services.outbox.queue import DeliveryReport, deliver_due
from policyvault.services.outbox.smtp import Sender
from policyvault.services.requests import forwarding
from policyvault.services.requests.common import (
    DESK,
    Desk,
    audit,
    language,
    private_of,
    replace_private,
    send,
    step,
)
from policyvault.services.requests.fulfilment import CLAIM_STALE

ALERTED_ON = "requests.alerted_on"  # setting: the day the last digest went to the officer


@dataclass
class DeskReport:
    at: datetime
    delivery: DeliveryReport | None = None
    forwarding: forwarding.ForwardingReport = field(default_factory=forwarding.ForwardingReport)
    expired: int = 0
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    overdue_ids: list[str] = field(default_factory=list)
    pruned: int = 0
    processed: int = 0  # requests that needed no verification, acted on
    resumed: int = 0  # work a crash had left half done, finished
    unacknowledged: int = 0  # receipt confirmations past their due date (CCPA: 10 days)
    errors: dict[str, str] = field(default_factory=dict)  # step -> error class


def run_due_work(
    desk: Desk,
    *,
    sender: Sender | None = None,
    post: forwarding.Poster = forwarding.post_with_httpx,
    actor: Actor = DESK,
) -> DeskReport:
    report = DeskReport(at=desk.ctx.now())

    def forward() -> None:
        report.forwarding = forwarding.dispatch_due(desk, post)

    def expire() -> None:
        report.expired = expire_unverified(desk, actor)

    def prune() -> None:
        report.pruned = prune_records(desk, actor)

    def deliver() -> None:
        if sender is not None:  # last: what the steps above queued goes out in this run
            report.delivery = deliver_due(
                desk.ctx, sender, max_attempts=desk.settings.outbox_attempts
            )

    steps: tuple[tuple[str, Callable[[], None]], ...] = (
        ("process", lambda: _process(desk, report, actor)),
        ("forward", forward),
        ("expire", expire),
        ("deadlines", lambda: _deadlines(desk, report, actor)),
        ("prune", prune),
        ("deliver", deliver),
    )
    for name, run in steps:
        # One step failing (a recipient's broken endpoint, a request that cannot be done)
        # must not stop the others: codes and results still go out. The error is counted
        # by class; the step is tried again on the next run.
        try:
            run()
        except Exception as error:
            report.errors[name] = type(error).__name__
    return report


# A claimed request untouched this long was left by a crash: the next run finishes it.
STALE = CLAIM_STALE


def _process(desk: Desk, report: DeskReport, actor: Actor) -> None:
    """Act on what needs no person: requests that need no verification, and work a crash
    left half done (a claim never finished, a verified request never acted on)."""
    from policyvault.services.requests.fulfilment import IMMEDIATE, fulfil, proceed

    now = desk.ctx.now()
    for request in open_requests(desk):
        last = request.history[-1].at if request.history else request.received_at
        try:
            if request.status is RequestStatus.awaiting_processing:
                _open(desk, request.id, actor)
                proceed(desk, request.id, actor)
                report.processed += 1
            elif request.status is RequestStatus.fulfilling and now - last >= STALE:
                fulfil(desk, request.id, actor, resume=True)
                report.resumed += 1
            elif (
                request.status is RequestStatus.open
                and request.kind in IMMEDIATE
                and now - last >= STALE
            ):
                proceed(desk, request.id, actor)
                report.resumed += 1
        except Refused:
            continue  # someone else got there first


def _open(desk: Desk, request_id: str, actor: Actor) -> None:
    ctx = desk.ctx
    with ctx.session() as session:
        request = session.requests.request(request_id, lock=True)
        if request is None or request.status is not RequestStatus.awaiting_processing:
            return
        session.requests.update_request(
            step(request, "processing", actor, ctx.now(), status=RequestStatus.open)
        )


def open_requests(desk: Desk) -> list[RightsRequest]:
    """Every open request, earliest due first (a page at a time from the store)."""
    found: list[RightsRequest] = []
    after: tuple[datetime, str] | None = None
    while True:
        with desk.ctx.session() as session:
            page = session.requests.find_requests(
                statuses=OPEN_REQUEST_STATUSES, after=after, limit=500
            )
        found += page
        if len(page) < 500:
            return found
        after = (page[-1].due_at, page[-1].id)


def expire_unverified(desk: Desk, actor: Actor = DESK) -> int:
    ctx = desk.ctx
    now = ctx.now()
    expired = 0
    waiting = [
        r
        for r in open_requests(desk)
        if r.status is RequestStatus.awaiting_verification
        # An address two subjects share waits for staff, not for a code.
        and r.details.get("match") != "ambiguous"
    ]
    for request in waiting:
        with ctx.session() as session:
            current = session.requests.request(request.id, lock=True)
            if current is None or current.status is not RequestStatus.awaiting_verification:
                continue
            code = session.requests.code(request.id)
            # Without a code (nobody matched, no address on file) the request had as long as
            # a code would have had, from when it was taken in (a letter's receipt time may
            # lie weeks before that).
            taken_in = current.history[0].at if current.history else current.received_at
            ends = code.expires_at if code else taken_in + desk.settings.code_ttl
            if ends > now:
                continue
            session.requests.delete_code(request.id)
            # the further data points given with it served nothing: they go now
            replace_private(ctx, session, request.id, private_of(ctx, session, request.id))
            closed = step(
                current,
                "unverified",
                actor,
                now,
                "not verified in time",
                status=RequestStatus.unverified,
                closed_at=now,
            )
            session.requests.update_request(closed)
            audit(
                ctx,
                session,
                actor,
                "request.expire",
                closed,
                Decision.deny("verification", "not verified before the code expired"),
            )
            expired += 1
    return expired


def _deadlines(desk: Desk, report: DeskReport, actor: Actor) -> None:
    ctx = desk.ctx
    now = ctx.now()
    soon = now + timedelta(days=desk.settings.alert_days)
    requests = open_requests(desk)
    report.open = len(requests)
    # A request waiting for recipients has had its answer: it is tracked, not late.
    answering = [r for r in requests if r.status is not RequestStatus.awaiting_recipients]
    overdue = [r for r in answering if r.due_at <= now]
    due_soon = [r for r in answering if now < r.due_at <= soon]
    report.overdue = len(overdue)
    report.overdue_ids = [r.id for r in overdue]
    report.due_soon = len(due_soon)
    # The receipt must be confirmed in time too (CCPA: 10 business days), also for a
    # request by letter or phone, which staff confirm through its own channel.
    report.unacknowledged = sum(
        1
        for r in requests
        if r.ack_due_at is not None and r.acknowledged_at is None and r.ack_due_at <= now
    )
    if not overdue and not due_soon and not report.unacknowledged:
        return
    today = now.date().isoformat()
    with ctx.session() as session:
        if session.setting(ALERTED_ON) == today:
            return  # one digest a day; the audit entry below is the day's record
        session.put_setting(ALERTED_ON, today)
        ctx.record(
            session,
            actor,
            "request.deadline_alert",
            Decision.deny("request_deadline", f"{len(overdue)} overdue, {len(due_soon)} due soon")
            if overdue
            else Decision.allow("request_deadline", f"{len(due_soon)} due soon"),
            details={
                "overdue": len(overdue),
                "due_soon": len(due_soon),
                "open": len(requests),
                "unacknowledged": report.unacknowledged,
            },
        )
        officer = ctx.policy.contacts.privacy_officer.email
        if officer and requests:
            send(
                ctx,
                session,
                requests[0],
                "deadline_alert",
                str(officer),
                {
                    "counts": {"open": len(requests), "overdue": len(overdue)},
                    "overdue": [_brief(r) for r in overdue],
                    "due_soon": [_brief(r) for r in due_soon],
                },
                actor,
                language(ctx),
            )


def _brief(request: RightsRequest) -> dict[str, object]:
    return {"request_id": request.id, "request_kind": request.kind.value, "due_at": request.due_at}


# The history of a transmission (portability) is kept 3 years (PIPA Decree 42-6(11)).
TRANSMISSION_HISTORY = Duration(months=36)


def _keep(request: RightsRequest, keep: Duration) -> Duration:
    if request.kind is RequestKind.portability and (keep.months or 0) < 36:
        return TRANSMISSION_HISTORY
    return keep


def prune_records(desk: Desk, actor: Actor = DESK) -> int:
    """Closed requests past their keeping period go, with their codes, links, messages and
    forwardings: the record of a request is used for nothing else (11 CCR §7101(b))."""
    ctx = desk.ctx
    now = ctx.now()
    keep = Duration(months=desk.settings.records_months)
    # Every prunable request closed before this (a month has at least 28 days); the exact
    # calendar months are checked one by one.
    closed_before = now - timedelta(days=28 * desk.settings.records_months)
    pruned = 0
    after: tuple[datetime, str] | None = None
    while True:
        with ctx.session() as session:
            page = session.requests.find_requests(
                statuses=CLOSED_REQUEST_STATUSES,
                closed_before=closed_before,
                after=after,
                limit=500,
            )
            gone = [
                r.id
                for r in page
                if r.closed_at is not None
                and add_period_local(r.closed_at, _keep(r, keep), ctx.policy.timezone) <= now
            ]
            if gone:
                pruned += session.requests.delete_requests(gone)
                ctx.record(
                    session,
                    actor,
                    "request.prune",
                    Decision.allow("request_records", "request records past their keeping period"),
                    details={"count": len(gone)},
                )
        if len(page) < 500:
            return pruned
        after = (page[-1].due_at, page[-1].id)
