"""``policyvault record ...``: the business records a statute makes the controller keep
(contracts, payments, visit logs, ...), sealed like any item and read for the statutory
purpose alone. Refusals never echo a payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table
from rich.text import Text

from policyvault.cli.arguments import parse_time
from policyvault.cli.retention import short_time
from policyvault.cli.shell import ActorId, AsJson, Home, Role, SubjectId, err, opened, out, reported
from policyvault.domain.access import STATUTORY_PURPOSE
from policyvault.domain.audit import Actor
from policyvault.domain.errors import InvalidInput
from policyvault.services.retention.facade import Retention
from policyvault.services.retention.records import OpenedRecord

app = typer.Typer(
    help="Keep and read statutory records (visit logs, payments, contracts, ...).",
    no_args_is_help=True,
)

_PAYLOAD_HELP = "--payload takes a JSON object, or @path to a file holding one"


@app.command("add")
def add(
    subject_id: SubjectId,
    record_type: Annotated[
        str,
        typer.Argument(
            metavar="RECORD_TYPE",
            help="A record type the policy declares under statutory_retention.",
            show_default=False,
        ),
    ],
    occurred_at: Annotated[
        str,
        typer.Option(
            "--occurred-at",
            help="When it happened (ISO 8601; UTC without an offset); its period runs from here.",
            show_default=False,
        ),
    ],
    payload: Annotated[
        str,
        typer.Option(
            "--payload", help="The record: a JSON object, or @path to a file.", show_default=False
        ),
    ],
    actor: ActorId,
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Keep a statutory record of a subject for its statutory period.

    A type kept for the statute alone goes straight to the separate store; a type still in
    ordinary use (separate_from an event) stays live until that event.
    """
    with reported(), opened(home) as runtime:
        added = Retention(runtime.vault.context).add_record(
            subject_id,
            record_type,
            parse_time(occurred_at, "--occurred-at"),
            _payload(payload),
            Actor(actor, role),
        )
    record = added.record
    where = "the separate store" if added.separate else "the live store"
    out.print(f"recorded {record.id} ({record.record_type}) in {where}", markup=False)


@app.command("read")
def read(
    subject_id: SubjectId,
    purpose: Annotated[
        str,
        typer.Option(
            "--purpose",
            help=f"Why: statutory records are read for {STATUTORY_PURPOSE} alone, with a grant.",
            show_default=False,
        ),
    ],
    actor: ActorId,
    record_type: Annotated[
        str | None, typer.Option("--type", help="Only records of this type.", show_default=False)
    ] = None,
    role: Role = "handler",
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """Read a subject's statutory records, live and in the separate store. Every read is
    audited; another purpose, or no grant, is denied (exit 3)."""
    with reported(), opened(home) as runtime:
        opened_records = Retention(runtime.vault.context).read_records(
            subject_id, purpose, Actor(actor, role), record_type=record_type
        )
    if as_json:
        documents = [_document(r) for r in opened_records]
        out.print(json.dumps(documents, indent=2, ensure_ascii=False), markup=False)
        return
    table = Table(Column("record", no_wrap=True), "type", "occurred (UTC)", "store", "payload")
    for record in opened_records:
        table.add_row(
            record.id,
            record.record_type,
            short_time(record.occurred_at),
            "separate" if record.separate else "live",
            Text(json.dumps(record.payload, ensure_ascii=False, sort_keys=True)),
        )
    out.print(table)
    if not opened_records:
        err.print("no statutory record", markup=False)


def _payload(text: str) -> dict[str, Any]:
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise InvalidInput(f"--payload: cannot read {path} as UTF-8 text") from None
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidInput(_PAYLOAD_HELP) from None
    if not isinstance(document, dict):
        raise InvalidInput(_PAYLOAD_HELP)
    return document


def _document(record: OpenedRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "record_type": record.record_type,
        "occurred_at": record.occurred_at.isoformat(),
        "store": "separate" if record.separate else "live",
        "payload": record.payload,
    }
