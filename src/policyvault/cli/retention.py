"""``policyvault retention ...``: the destruction queue as the privacy officer works it
(approve, reject, requeue), a subject's deadlines, and the certificates and statistics the
sweeper leaves. Lists name item keys, record types and rules, never a stored value."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from policyvault.cli.shell import (
    ActorId,
    AsJson,
    Home,
    SubjectId,
    err,
    opened,
    out,
    reported,
)
from policyvault.domain.audit import Actor
from policyvault.domain.retention import Certificate, RetentionTask, TaskStatus
from policyvault.services.retention.approvals import Batch
from policyvault.services.retention.certificates import certificate_html, certificate_json
from policyvault.services.retention.facade import Retention

app = typer.Typer(
    help="The destruction queue, deadlines, destruction certificates and statistics.",
    no_args_is_help=True,
)


class QueueStatus(StrEnum):
    awaiting_approval = "awaiting_approval"
    approved = "approved"
    rejected = "rejected"


class CertificateFormat(StrEnum):
    json = "json"
    html = "html"


BatchIds = Annotated[
    list[str],
    typer.Argument(
        metavar="BATCH_ID", help="Batch ids, from `retention queue`.", show_default=False
    ),
]
ApproverRole = Annotated[
    str,
    typer.Option(
        "--role",
        help="The acting account's role: the policy's destruction approver "
        "(destruction.approver, usually privacy_officer).",
    ),
]


@app.command("queue")
def queue(
    status: Annotated[
        QueueStatus, typer.Option("--status", help="Which batches to list.")
    ] = QueueStatus.awaiting_approval,
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """List the destruction batches in a status, earliest due first: counts per rule and per
    item key or record type."""
    with reported(), opened(home) as runtime:
        batches = Retention(runtime.vault.context).queue(TaskStatus(status.value))
    if as_json:
        out.print(json.dumps([_batch_document(b) for b in batches], indent=2), markup=False)
        return
    table = Table(Column("batch", no_wrap=True), "status", "tasks", "due (UTC)", "rules", "what")
    for batch in batches:
        due = short_time(batch.earliest_due)
        if batch.latest_due != batch.earliest_due:
            due += f" – {short_time(batch.latest_due)}"
        table.add_row(
            batch.id,
            batch.status,
            str(batch.count),
            due,
            _counts(batch.rules),
            _counts(batch.items),
        )
    out.print(table)
    if not batches:
        err.print(f"no batch is {status.value.replace('_', ' ')}", markup=False)


@app.command("approve")
def approve(
    batch_ids: BatchIds, actor: ActorId, role: ApproverRole = "handler", home: Home = None
) -> None:
    """Approve batches for destruction; the next sweep destroys them. Only the role the policy
    names as approver may (others: exit 3)."""
    with reported(), opened(home) as runtime:
        count = Retention(runtime.vault.context).approve(batch_ids, Actor(actor, role))
    out.print(f"approved {count} tasks in {_batches(batch_ids)}", markup=False)


@app.command("reject")
def reject(
    batch_ids: BatchIds,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="Why, as a lower-case code (hold_expected, dispute_open, ...).",
            show_default=False,
        ),
    ],
    actor: ActorId,
    role: ApproverRole = "handler",
    home: Home = None,
) -> None:
    """Refuse batches: their work stays undone, is reported while past due, and returns to the
    queue with `retention requeue`."""
    with reported(), opened(home) as runtime:
        count = Retention(runtime.vault.context).reject(batch_ids, reason, Actor(actor, role))
    out.print(f"rejected {count} tasks in {_batches(batch_ids)}", markup=False)


@app.command("requeue")
def requeue(
    batch_ids: BatchIds, actor: ActorId, role: ApproverRole = "handler", home: Home = None
) -> None:
    """Send rejected batches back: the next sweep queues their work again, in a new batch."""
    with reported(), opened(home) as runtime:
        count = Retention(runtime.vault.context).requeue(batch_ids, Actor(actor, role))
    out.print(f"requeued {count} tasks from {_batches(batch_ids)}", markup=False)


@app.command("deadlines")
def deadlines(subject_id: SubjectId, home: Home = None, as_json: AsJson = False) -> None:
    """A subject's stored deadlines: what leaves the live store or is destroyed, by which
    rule, when, and how far that work has come."""
    with reported(), opened(home) as runtime:
        tasks = Retention(runtime.vault.context).deadlines(subject_id)
    if as_json:
        out.print(json.dumps([_task_document(t) for t in tasks], indent=2), markup=False)
        return
    table = Table("target", "action", "rule", "ends (UTC)", "due (UTC)", "status", "batch")
    for task in tasks:
        d = task.deadline
        target = d.target_key if d.target_kind.value == "item" else f"{d.record_type} record"
        table.add_row(
            target,
            d.action.value,
            d.rule,
            short_time(d.end_at),
            short_time(d.due_at),
            task.status.value + (" (held)" if d.held else ""),
            task.batch_id or "-",
        )
    out.print(table)
    if not tasks:
        err.print("no deadline: nothing of the subject has a fixed end yet", markup=False)


@app.command("certificates")
def certificates(
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 100,
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """List destruction certificates, newest first."""
    with reported(), opened(home) as runtime:
        issued = Retention(runtime.vault.context).certificates(limit)
    documents = [_certificate_summary(c) for c in issued]
    if as_json:
        out.print(json.dumps(documents, indent=2), markup=False)
        return
    table = Table(Column("certificate", no_wrap=True), "issued (UTC)", "batch", "subjects", "rules")
    for certificate, summary in zip(issued, documents, strict=True):
        table.add_row(
            certificate.id,
            short_time(certificate.issued_at),
            certificate.batch_id,
            str(summary["subjects"]),
            ", ".join(summary["rules"]),
        )
    out.print(table)


@app.command("certificate")
def certificate(
    certificate_id: Annotated[
        str, typer.Argument(metavar="ID", help="The certificate's id.", show_default=False)
    ],
    format_: Annotated[
        CertificateFormat, typer.Option("--format", help="JSON or a printable HTML page.")
    ] = CertificateFormat.json,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Write it to this file instead of stdout.", dir_okay=False),
    ] = None,
    home: Home = None,
) -> None:
    """Export a destruction certificate: what was destroyed (counts), by which rule and
    statute, approved by whom, how and when. It names no subject and holds no value."""
    with reported(), opened(home) as runtime:
        found = Retention(runtime.vault.context).certificate(certificate_id)
        text = (
            certificate_html(found)
            if format_ is CertificateFormat.html
            else certificate_json(found)
        )
        if output is not None:
            output.write_text(text, encoding="utf-8")
    if output is None:
        typer.echo(text, nl=False)  # the document as it is: no console markup, emoji or wrapping
    else:
        err.print(f"wrote {output}", markup=False)


@app.command("statistics")
def statistics(home: Home = None, as_json: AsJson = False) -> None:
    """How many subjects each anonymised item still counts (the value itself is gone)."""
    with reported(), opened(home) as runtime:
        counts = Retention(runtime.vault.context).anonymised_counts()
    if as_json:
        out.print(json.dumps(counts, indent=2, sort_keys=True), markup=False)
        return
    table = Table("item", "anonymised subjects")
    for key, count in sorted(counts.items()):
        table.add_row(key, str(count))
    out.print(table)
    if not counts:
        err.print("nothing has been anonymised", markup=False)


def _batch_document(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "status": batch.status,
        "count": batch.count,
        "earliest_due": batch.earliest_due.isoformat(),
        "latest_due": batch.latest_due.isoformat(),
        "rules": batch.rules,
        "items": batch.items,
    }


def _task_document(task: RetentionTask) -> dict[str, Any]:
    d = task.deadline
    return {
        "id": task.id,
        "target_kind": d.target_kind.value,
        "target": d.target_key,
        "record_type": d.record_type,
        "action": d.action.value,
        "rule": d.rule,
        "end_at": d.end_at.isoformat(),
        "due_at": d.due_at.isoformat(),
        "status": task.status.value,
        "held": d.held,
        "hold_ids": list(d.hold_ids),
        "batch_id": task.batch_id,
        "done_at": task.done_at.isoformat() if task.done_at else None,
        "certificate_id": task.certificate_id,
    }


def _certificate_summary(certificate: Certificate) -> dict[str, Any]:
    body = certificate.body
    return {
        "id": certificate.id,
        "batch_id": certificate.batch_id,
        "issued_at": certificate.issued_at.isoformat(),
        "subjects": body.get("subjects", 0),
        "keys_destroyed": body.get("keys_destroyed", 0),
        "rules": [group["rule"] for group in body.get("groups", [])],
    }


def short_time(when: datetime | None) -> str:
    """A time in UTC to the minute, for tables (JSON keeps the full ISO 8601 time)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when else "-"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} ×{n}" for key, n in counts.items())


def _batches(batch_ids: list[str]) -> str:
    unique = list(dict.fromkeys(batch_ids))
    return f"batch {unique[0]}" if len(unique) == 1 else f"{len(unique)} batches"
