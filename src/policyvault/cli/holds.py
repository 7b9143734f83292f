"""``policyvault hold ...``: legal holds. An investigation or litigation stops every move and
destruction of what it covers, one subject or one record type, until it is released. The
case reference is stored with the hold and shown to the operator; the audit log never
receives it."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text

from policyvault.cli.retention import short_time
from policyvault.cli.shell import ActorId, AsJson, Home, err, opened, out, reported
from policyvault.domain.audit import Actor
from policyvault.domain.retention import Hold
from policyvault.services.retention.facade import Retention

app = typer.Typer(
    help="Place, release and list legal holds that suspend destruction.", no_args_is_help=True
)

HoldRole = Annotated[
    str,
    typer.Option("--role", help="The acting account's role: privacy_officer or admin."),
]


@app.command("place")
def place(
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="A lower-case code; one of the policy's legal_holds reasons where it names "
            "any (investigation, litigation, ...).",
            show_default=False,
        ),
    ],
    reference: Annotated[
        str,
        typer.Option(
            "--reference",
            help="The case or file number (1 to 200 characters; kept out of the audit log).",
            show_default=False,
        ),
    ],
    actor: ActorId,
    subject: Annotated[
        str | None, typer.Option("--subject", help="Hold one subject.", show_default=False)
    ] = None,
    record_type: Annotated[
        str | None,
        typer.Option(
            "--record-type",
            help="Hold every record of a statutory record type.",
            show_default=False,
        ),
    ] = None,
    role: HoldRole = "handler",
    home: Home = None,
) -> None:
    """Place a legal hold on a subject (--subject) or a record type (--record-type).

    Nothing it covers is moved or destroyed until it is released; deadlines are kept, and
    work past due while held is reported as held.
    """
    with reported(), opened(home) as runtime:
        hold = Retention(runtime.vault.context).place_hold(
            Actor(actor, role),
            reason=reason,
            reference=reference,
            subject_id=subject,
            record_type=record_type,
        )
    out.print(f"placed hold {hold.id} ({hold.reason}) on {_covers(hold)}", markup=False)


@app.command("release")
def release(
    hold_id: Annotated[
        str, typer.Argument(metavar="HOLD_ID", help="The hold's id.", show_default=False)
    ],
    actor: ActorId,
    role: HoldRole = "handler",
    home: Home = None,
) -> None:
    """Release a legal hold: what it covered follows its deadlines again (past-due work is
    queued by the next sweep)."""
    with reported(), opened(home) as runtime:
        hold = Retention(runtime.vault.context).release_hold(hold_id, Actor(actor, role))
    out.print(f"released hold {hold.id} on {_covers(hold)}", markup=False)


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Released holds too.")] = False,
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """List the active legal holds (--all: released ones too), with their references."""
    with reported(), opened(home) as runtime:
        holds = Retention(runtime.vault.context).holds(active_only=not all_)
    if as_json:
        out.print(
            json.dumps([_document(h) for h in holds], indent=2, ensure_ascii=False), markup=False
        )
        return
    table = Table(
        Column("hold", no_wrap=True), "reason", "reference", "covers", "placed (UTC)", "released"
    )
    for hold in holds:
        released = "-"
        if hold.released_at is not None:
            released = f"{short_time(hold.released_at)} by {hold.released_by}"
        table.add_row(
            hold.id,
            hold.reason,
            Text(hold.reference),
            _covers(hold),
            f"{short_time(hold.placed_at)} by {hold.placed_by}",
            released,
        )
    out.print(table)
    if not holds:
        err.print("no active hold" if not all_ else "no hold", markup=False)


def _covers(hold: Hold) -> str:
    if hold.subject_id is not None:
        return f"subject {hold.subject_id}"
    return f"record type {hold.record_type}"


def _document(hold: Hold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "reason": hold.reason,
        "reference": hold.reference,
        "subject_id": hold.subject_id,
        "record_type": hold.record_type,
        "placed_at": hold.placed_at.isoformat(),
        "placed_by": hold.placed_by,
        "released_at": hold.released_at.isoformat() if hold.released_at else None,
        "released_by": hold.released_by,
        "active": hold.active,
    }
