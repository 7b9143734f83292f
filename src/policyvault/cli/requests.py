"""``policyvault requests ...``: the data-subject rights desk as staff work it. Requests that
came by letter, phone, e-mail or fax are entered with their receipt time; the open ones are
listed by due date; the officer reviews agents, fulfils, answers, refuses or extends; and the
desk's background work (messages, forwardings, deadlines) runs once per ``requests work``.

Nothing here prints an address, a corrected value, a statement or an agent's name: only ids,
item keys, statuses, times and legal reasons."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Column, Table
from rich.text import Text

from policyvault.cli.arguments import comma_list, consent_category, item_values, parse_time
from policyvault.cli.exit_codes import BAD_INPUT, REFUSED
from policyvault.cli.retention import short_time
from policyvault.cli.shell import ActorId, AsJson, Home, err, fail, opened, out, reported
from policyvault.domain.audit import Actor
from policyvault.domain.errors import InvalidInput
from policyvault.domain.requests import (
    OPEN_REQUEST_STATUSES,
    AgentKind,
    Channel,
    RequestKind,
    RequestStatus,
    RightsRequest,
)
from policyvault.services.requests.intake import AgentSubmission, Submission
from policyvault.services.requests.work import DeskReport
from policyvault.services.values import MAX_FILE_BYTES

app = typer.Typer(
    help="Data-subject rights requests: enter, list, verify, fulfil, refuse, extend.",
    no_args_is_help=True,
)

DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
PAGE = 500
# Kinds whose empty item list means every item the vault holds (a correction's items are
# sealed with their new values).
ALL_ITEMS_KINDS = frozenset({RequestKind.access, RequestKind.portability, RequestKind.deletion})
SYSTEM_ROLE = "system"  # the vault's own services: never a person at the command line


class StaffChannel(StrEnum):
    """How a request entered by staff arrived."""

    letter = "letter"
    phone = "phone"
    email = "email"
    fax = "fax"
    in_person = "in_person"


class EntryRole(StrEnum):
    privacy_officer = "privacy_officer"
    handler = "handler"


RequestId = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="The request's id (from `requests list`).", show_default=False
    ),
]
DeciderRole = Annotated[
    str,
    typer.Option(
        "--role",
        help="The acting account's role. A deletion is fulfilled by the policy's destruction "
        "approver (destruction.approver, usually privacy_officer).",
    ),
]
Reason = Annotated[
    str,
    typer.Option("--reason", help="The legal reason (1 to 500 characters).", show_default=False),
]


def acting(actor: str, role: str) -> Actor:
    """The staff member acting; the role of the vault's own services is not theirs to use."""
    if role == SYSTEM_ROLE:
        raise InvalidInput("--role system is the vault's own services, not a member of staff")
    return Actor(actor, role)


# intake -----------------------------------------------------------------------------------------


@app.command("enter")
def enter(
    kind: Annotated[
        RequestKind,
        typer.Option("--kind", help="The right exercised.", show_default=False),
    ],
    channel: Annotated[
        StaffChannel, typer.Option("--channel", help="How it arrived.", show_default=False)
    ],
    received_at: Annotated[
        str,
        typer.Option(
            "--received-at",
            help="When it arrived (ISO 8601; UTC without an offset); its due date counts "
            "from here. Not in the future.",
            show_default=False,
        ),
    ],
    actor: ActorId,
    subject_id: Annotated[
        str | None,
        typer.Option(
            "--subject-id",
            help="The subject, as staff identified it (or --email).",
            show_default=False,
        ),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            help="The requester's address, matched against the vault (or --subject-id); if "
            "it matches, a one-time code goes to the address on file.",
            show_default=False,
        ),
    ] = None,
    items: Annotated[
        str | None,
        typer.Option(
            "--items", help="Item keys, comma-separated (default: all).", show_default=False
        ),
    ] = None,
    purposes: Annotated[
        str | None,
        typer.Option(
            "--purposes",
            help="Purposes, comma-separated (objection, restriction, consent withdrawal).",
            show_default=False,
        ),
    ] = None,
    consent_category_: Annotated[
        str | None,
        typer.Option(
            "--consent-category",
            help="The consent withdrawn (collection_use, ...).",
            show_default=False,
        ),
    ] = None,
    correction: Annotated[
        list[str] | None,
        typer.Option(
            "--correction", help="item=value (repeatable): the value a correction asks for."
        ),
    ] = None,
    statement: Annotated[
        str | None,
        typer.Option(
            "--statement", help="What the requester wrote (kept sealed).", show_default=False
        ),
    ] = None,
    staff_verified: Annotated[
        bool,
        typer.Option(
            "--staff-verified",
            help="Staff verified the requester by a documented procedure (no code is sent).",
        ),
    ] = False,
    agent_kind: Annotated[
        AgentKind | None,
        typer.Option(
            "--agent-kind", help="The request comes through an agent.", show_default=False
        ),
    ] = None,
    agent_name: Annotated[
        str | None,
        typer.Option("--agent-name", help="The agent's name (kept sealed).", show_default=False),
    ] = None,
    agent_contact: Annotated[
        str | None,
        typer.Option(
            "--agent-contact",
            help="The agent's e-mail address for the answers (kept sealed).",
            show_default=False,
        ),
    ] = None,
    agent_document: Annotated[
        Path | None,
        typer.Option(
            "--agent-document",
            help="The power of attorney or proof of representation: a .pdf, .png or .jpg file.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="The language of the answers (one of the policy's).",
            show_default=False,
        ),
    ] = None,
    role: Annotated[
        EntryRole, typer.Option("--role", help="The acting account's role.")
    ] = EntryRole.handler,
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """Enter a request received by letter, phone, e-mail, fax or in person.

    Prints the request's id, status and due date. Bad input is refused before anything is
    stored (exit 2).
    """
    if (subject_id is None) == (email is None):
        fail(BAD_INPUT, "error: identify the subject by exactly one of --subject-id and --email")
    agent_options = (agent_name, agent_contact, agent_document)
    if agent_kind is None and any(o is not None for o in agent_options):
        fail(
            BAD_INPUT, "error: --agent-name, --agent-contact and --agent-document need --agent-kind"
        )
    if agent_kind is not None and (agent_name is None or agent_document is None):
        fail(
            BAD_INPUT,
            "error: an agent's request needs --agent-name and --agent-document (the power of "
            "attorney or proof of legal representation)",
        )
    with reported(), opened(home) as runtime:
        policy = runtime.policy
        if language is not None and language not in [str(lang) for lang in policy.languages]:
            raise InvalidInput(
                f"--language is one of: {', '.join(str(lang) for lang in policy.languages)}"
            )
        agent = None
        if agent_kind is not None and agent_name is not None and agent_document is not None:
            document, media_type = _document(agent_document)
            agent = AgentSubmission(agent_kind, agent_name, document, media_type, agent_contact)
        submission = Submission(
            kind=kind,
            channel=Channel(channel.value),
            received_at=parse_time(received_at, "--received-at"),
            email=email,
            subject_id=subject_id,
            items=tuple(comma_list(items, "--items")) if items is not None else (),
            purposes=tuple(comma_list(purposes, "--purposes")) if purposes is not None else (),
            consent_category=(
                consent_category(consent_category_, "--consent-category").value
                if consent_category_ is not None
                else None
            ),
            corrections=item_values(policy, correction or [], "--correction"),
            statement=statement,
            agent=agent,
            staff_verified=staff_verified,
            language=language,
        )
        received = runtime.requests.submit(submission, acting(actor, role.value))
        timezone = policy.timezone
    if as_json:
        document_ = {
            "request_id": received.request_id,
            "status": received.status,
            "due_at": received.due_at.isoformat(),
            "message": received.message,
        }
        out.print(json.dumps(document_, indent=2), markup=False)
        return
    out.print(
        f"entered request {received.request_id}: {received.status}, "
        f"due {_due(received.due_at, timezone)}",
        markup=False,
    )
    if received.message:
        err.print(received.message, markup=False)


def _document(path: Path) -> tuple[bytes, str]:
    media_type = DOCUMENT_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise InvalidInput("--agent-document is a .pdf, .png or .jpg file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInput("--agent-document is larger than 10 MB")
    return path.read_bytes(), media_type


@app.command("verify")
def verify(
    request_id: RequestId,
    actor: ActorId,
    code: Annotated[
        str | None,
        typer.Option(
            "--code", help="The one-time code the requester read out.", show_default=False
        ),
    ] = None,
    staff_note: Annotated[
        str | None,
        typer.Option(
            "--staff-note",
            help="Verified by staff instead: the documented procedure (id_checked_at_counter).",
            show_default=False,
        ),
    ] = None,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Enter the one-time code the requester received (a wrong one costs an attempt; every
    failure reads the same, exit 1), or record that staff verified the requester."""
    if (code is None) == (staff_note is None):
        fail(BAD_INPUT, "error: give either --code or --staff-note")
    with reported(), opened(home) as runtime:
        if staff_note is not None:
            request = runtime.requests.verify_by_staff(request_id, staff_note, acting(actor, role))
        else:
            request = runtime.requests.verify(request_id, code or "", acting(actor, role))
    out.print(f"verified request {request.id}: {request.status.value}", markup=False)


@app.command("review-agent")
def review_agent(
    request_id: RequestId,
    actor: ActorId,
    accept: Annotated[bool, typer.Option("--accept", help="Accept the agent's document.")] = False,
    refuse: Annotated[
        bool, typer.Option("--refuse", help="Refuse it (closes the request; needs --reason).")
    ] = False,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why the document is refused.", show_default=False),
    ] = None,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Accept or refuse the document an agent sent (see `requests agent-document`)."""
    if accept == refuse:
        fail(BAD_INPUT, "error: give exactly one of --accept and --refuse")
    if refuse and not (reason or "").strip():
        fail(BAD_INPUT, "error: --refuse needs --reason")
    if accept and reason is not None:
        fail(BAD_INPUT, "error: --reason goes with --refuse")
    with reported(), opened(home) as runtime:
        request = runtime.requests.review_agent(request_id, accept, reason, acting(actor, role))
    verdict = "accepted" if accept else "refused"
    out.print(f"agent {verdict} for request {request.id}: {request.status.value}", markup=False)
    _print_outcomes(request)


@app.command("agent-document")
def agent_document(
    request_id: RequestId,
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Write the document here (a new file, readable by its owner alone).",
            dir_okay=False,
            show_default=False,
        ),
    ],
    actor: ActorId,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Write an agent's document to a new file (mode 0600) for the officer's review; the
    opening is audited."""
    if out_file.exists() or out_file.is_symlink():
        fail(BAD_INPUT, f"error: {out_file} exists; name a new file")
    with reported(), opened(home) as runtime:
        desk = runtime.requests
        document, media_type = desk.agent_document(request_id, acting(actor, role))
        recorded = desk.get(request_id).agent
        fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as sink:
            os.fchmod(sink.fileno(), 0o600)
            sink.write(document)
    digest = hashlib.sha256(document).hexdigest()
    out.print(
        f"wrote {out_file} ({media_type}, {len(document)} bytes, sha256 {digest})", markup=False
    )
    if recorded is None or recorded.document_sha256 != digest:
        fail(REFUSED, "error: the document's sha256 is not the one recorded when it was entered")


# handling ---------------------------------------------------------------------------------------


@app.command("fulfil")
def fulfil(
    request_id: RequestId, actor: ActorId, role: DeciderRole = "handler", home: Home = None
) -> None:
    """Do what an open request asks and close it with an outcome per item: a correction
    writes the new values, a deletion erases what no statute keeps (only the destruction
    approver's role may), an access request makes its package."""
    with reported(), opened(home) as runtime:
        request = runtime.requests.fulfil(request_id, acting(actor, role))
    out.print(f"fulfilled request {request.id}: {request.status.value}", markup=False)
    _print_outcomes(request)


@app.command("respond")
def respond(
    request_id: RequestId,
    explanation: Annotated[
        str,
        typer.Option(
            "--explanation",
            help="The person's explanation of the automated decision (1 to 4,000 characters).",
            show_default=False,
        ),
    ],
    actor: ActorId,
    upheld: Annotated[
        bool, typer.Option("--upheld", help="The decision was reviewed and stands.")
    ] = False,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Answer an automated-decision request: reviewed by a person, upheld or not."""
    with reported(), opened(home) as runtime:
        request = runtime.requests.respond(request_id, explanation, upheld, acting(actor, role))
    out.print(f"answered request {request.id}: {request.status.value}", markup=False)


@app.command("refuse")
def refuse(
    request_id: RequestId,
    reason: Reason,
    actor: ActorId,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Refuse a whole request with its legal reason; the requester is told it and where to
    complain. Frozen items are released."""
    with reported(), opened(home) as runtime:
        request = runtime.requests.refuse(request_id, reason, acting(actor, role))
    out.print(f"refused request {request.id}", markup=False)


@app.command("extend")
def extend(
    request_id: RequestId,
    reason: Reason,
    actor: ActorId,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="The new due date (ISO 8601; default: as far as every applicable law allows).",
            show_default=False,
        ),
    ] = None,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Extend a request's due date with its reason, noticed to the requester. A law that
    allows no extension refuses it (exit 1)."""
    with reported(), opened(home) as runtime:
        new_due = parse_time(until, "--until") if until is not None else None
        request = runtime.requests.extend(request_id, reason, acting(actor, role), new_due)
        timezone = runtime.policy.timezone
    out.print(f"extended request {request.id}: due {_due(request.due_at, timezone)}", markup=False)


@app.command("link")
def link(
    request_id: RequestId, actor: ActorId, role: DeciderRole = "handler", home: Home = None
) -> None:
    """Send a new one-time link to a completed access or portability request's package to
    the requester (a lost mail). The link goes to the requester's address, never to the
    console: staff do not read a subject's package."""
    with reported(), opened(home) as runtime:
        sent, expires = runtime.requests.reissue_link(request_id, acting(actor, role))
    until = expires.isoformat(timespec="seconds")
    if not sent:
        fail(REFUSED, "error: the request has no e-mail address to send the link to")
    out.print(f"a new link was sent to the requester; it works once, until {until}", markup=False)


@app.command("token")
def token(
    subject_id: Annotated[
        str, typer.Argument(metavar="SUBJECT_ID", help="The subject's id.", show_default=False)
    ],
    actor: ActorId,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Issue a short-lived token for a subject the controller's service has signed in: a
    request made with it needs no code. Prints the token."""
    with reported(), opened(home) as runtime:
        issued, expires = runtime.requests.subject_token(subject_id, acting(actor, role))
    out.print(issued, markup=False)
    err.print(f"valid until {expires.isoformat(timespec='seconds')}", markup=False)


# reading ----------------------------------------------------------------------------------------


@app.command("list")
def list_(
    status: Annotated[
        list[RequestStatus] | None,
        typer.Option("--status", help="Only these statuses (repeatable; default: the open ones)."),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only requests past their due date.")
    ] = False,
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """List requests, earliest due first, with the days left (or how long overdue)."""
    statuses = tuple(status) if status else OPEN_REQUEST_STATUSES
    with reported(), opened(home) as runtime:
        desk = runtime.requests
        now = runtime.vault.context.now()
        alert = timedelta(days=desk.desk.settings.alert_days)
        found: list[RightsRequest] = []
        after: tuple[datetime, str] | None = None
        while True:
            page = desk.find(statuses=statuses, after=after, limit=PAGE)
            found += page
            if len(page) < PAGE:
                break
            after = (page[-1].due_at, page[-1].id)
    if overdue:
        found = [r for r in found if r.open and r.due_at <= now]
    if as_json:
        out.print(json.dumps([_summary(r, now) for r in found], indent=2), markup=False)
        return
    table = Table(
        Column("request", no_wrap=True),
        "kind",
        "channel",
        "status",
        "received (UTC)",
        "due (UTC)",
        "left",
        Column("subject", no_wrap=True),
    )
    for request in found:
        table.add_row(
            request.id,
            request.kind.value,
            request.channel.value,
            request.status.value,
            short_time(request.received_at),
            short_time(request.due_at),
            _left(request, now, alert),
            request.subject_id or "(not matched)",
        )
    out.print(table)
    if not found:
        err.print("no request", markup=False)


@app.command("show")
def show(request_id: RequestId, home: Home = None, as_json: AsJson = False) -> None:
    """One request: its history, outcomes, forwardings to recipients and the delivery of
    its messages (never an address or a value)."""
    with reported(), opened(home) as runtime:
        desk = runtime.requests
        request = desk.get(request_id)
        forwardings = desk.forwardings(request_id)
        messages = desk.messages(request_id)
        now = runtime.vault.context.now()
        alert = timedelta(days=desk.desk.settings.alert_days)
        timezone = runtime.policy.timezone
    if as_json:
        document = _summary(request, now) | {
            "history": [_plain(s) for s in request.history],
            "forwardings": [_plain(f) for f in forwardings],
            "messages": [_plain(m) for m in messages],
        }
        out.print(json.dumps(document, indent=2, ensure_ascii=False), markup=False)
        return
    rows = [
        ("kind", request.kind.value),
        ("channel", request.channel.value),
        ("status", request.status.value),
        ("subject", request.subject_id or "(not matched)"),
        ("received", f"{short_time(request.received_at)} UTC by {request.received_by}"),
        ("due", _due(request.due_at, timezone)),
        ("deadline rule", request.deadline_rule),
        ("verification", request.verification.value if request.verification else "-"),
    ]
    if request.items or request.kind in ALL_ITEMS_KINDS:
        rows.append(("items", ", ".join(request.items) or "all"))
    if request.purposes:
        rows.append(("purposes", ", ".join(request.purposes)))
    if request.agent is not None:
        agent = request.agent
        review = "not reviewed"
        if agent.accepted is not None:
            verdict = "accepted" if agent.accepted else "refused"
            review = f"{verdict} by {agent.reviewed_by} at {short_time(agent.reviewed_at)} UTC"
        rows.append(("agent", f"{agent.kind.value}, {agent.document_media_type}, {review}"))
    for extension in request.extensions:
        rows.append(("extended", f"to {short_time(extension.until)} UTC: {extension.reason}"))
    if request.refusal_reason:
        rows.append(("refused", request.refusal_reason))
    if request.closed_at is not None:
        rows.append(("closed", f"{short_time(request.closed_at)} UTC"))
    heading = Table.grid(padding=(0, 2))
    heading.add_row("request", request.id)
    for label, value in rows:
        heading.add_row(label, Text(value))
    if request.open:
        heading.add_row("left", _left(request, now, alert))
    out.print(heading)
    _print_outcomes(request)
    history = Table("at (UTC)", "step", "by", "note", title="history", title_justify="left")
    for s in request.history:
        history.add_row(short_time(s.at), s.name, s.actor_id, Text(s.note))
    out.print(history)
    if forwardings:
        table = Table(
            "recipient",
            "channel",
            "action",
            "items",
            "status",
            "attempts",
            "last error",
            title="forwardings",
            title_justify="left",
        )
        for f in forwardings:
            table.add_row(
                f.recipient_id,
                f.channel,
                f.action,
                ", ".join(f.item_keys),
                f.status.value,
                str(f.attempts),
                f.last_error or "-",
            )
        out.print(table)
    if messages:
        table = Table(
            "message",
            "status",
            "attempts",
            "created (UTC)",
            "sent (UTC)",
            "last error",
            title="messages",
            title_justify="left",
        )
        for m in messages:
            table.add_row(
                m.kind,
                m.status.value,
                str(m.attempts),
                short_time(m.created_at),
                short_time(m.sent_at),
                m.last_error or "-",
            )
        out.print(table)


# background work --------------------------------------------------------------------------------


@app.command("work")
def work(
    fail_on_overdue: Annotated[
        bool,
        typer.Option(
            "--fail-on-overdue", help="Exit 1 when any open request is past its due date."
        ),
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            envvar="POLICYVAULT_ACTOR",
            help="Who runs it, for the audit log (default: the request desk's own service).",
            show_default=False,
        ),
    ] = None,
    role: DeciderRole = "handler",
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """Run the request desk's background work once: deliver due messages (when an SMTP
    server is configured), send and remind forwardings, close requests nobody verified in
    time, report deadlines and prune old closed requests. Prints the counts."""
    with reported(), opened(home) as runtime:
        report = runtime.requests.work(None if actor is None else acting(actor, role))
    if as_json:
        out.print(json.dumps(_plain(report), indent=2), markup=False)
    else:
        table = Table(
            "",
            "count",
            title=f"request desk at {report.at.isoformat(timespec='seconds')}",
            title_justify="left",
        )
        for label, count in _work_counts(report):
            table.add_row(label, str(count))
        out.print(table)
        if report.delivery is None:
            err.print("no SMTP server configured: messages stay queued", markup=False)
    if fail_on_overdue and report.overdue:
        fail(
            REFUSED,
            f"error: requests past their due date: {report.overdue} "
            "(see `policyvault requests list --overdue`)",
        )


def _work_counts(report: DeskReport) -> list[tuple[str, int]]:
    rows = [
        ("forwardings sent", report.forwarding.sent),
        ("forwardings confirmed", report.forwarding.confirmed),
        ("forwardings retrying", report.forwarding.retrying),
        ("forwardings escalated", report.forwarding.escalated),
        ("closed unverified", report.expired),
        ("pruned", report.pruned),
    ]
    if report.delivery is not None:
        rows += [
            ("messages sent", report.delivery.sent),
            ("messages retrying", report.delivery.retrying),
            ("messages failed", report.delivery.failed),
        ]
    return [
        *rows,
        ("open", report.open),
        ("due soon", report.due_soon),
        ("overdue", report.overdue),
    ]


# shapes -----------------------------------------------------------------------------------------


def _summary(request: RightsRequest, now: datetime) -> dict[str, Any]:
    document: dict[str, Any] = _plain(request)
    document.pop("history")
    if request.open:
        document["overdue"] = request.due_at <= now
        document["days_left"] = (request.due_at - now) // timedelta(days=1)
    return document


def _plain(value: Any) -> Any:
    """A dataclass as JSON-ready data: times in ISO 8601."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _print_outcomes(request: RightsRequest) -> None:
    if not request.outcomes:
        return
    table = Table(
        "target", "outcome", "reason", "until (UTC)", title="outcomes", title_justify="left"
    )
    for outcome in request.outcomes:
        table.add_row(
            outcome.target,
            outcome.outcome.value,
            Text(outcome.reason or "-"),
            short_time(outcome.until),
        )
    out.print(table)


def _due(when: datetime, timezone: str) -> str:
    local = when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    return f"{local} {timezone} ({short_time(when)} UTC)"


def _left(request: RightsRequest, now: datetime, alert: timedelta) -> Text:
    if not request.open:
        return Text("-")
    remaining = request.due_at - now
    if remaining <= timedelta(0):
        return Text(f"overdue {_span(-remaining)}", style="bold red")
    return Text(f"{_span(remaining)} left", style="yellow" if remaining <= alert else "")


def _span(delta: timedelta) -> str:
    days = delta // timedelta(days=1)
    if days:
        return f"{days}d"
    return f"{max(delta // timedelta(hours=1), 1)}h"
