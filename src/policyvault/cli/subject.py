"""``policyvault subject ...``: staff work on one data subject through the vault, as an
account (``--actor``) with a role. Reads and disclosures name a purpose; denials name the rule
that refused them and exit 3."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from policyvault.cli import choices
from policyvault.cli.arguments import comma_list, consent_choices, item_value, item_values
from policyvault.cli.exit_codes import BAD_INPUT, DENIED
from policyvault.cli.shell import (
    ActorId,
    AsJson,
    Channel,
    Home,
    NoticeHash,
    Role,
    SubjectId,
    err,
    fail,
    opened,
    out,
    reported,
)
from policyvault.crypto.blind_index import IndexKind
from policyvault.domain.audit import Actor
from policyvault.services.vault import Evidence, ReadResult

app = typer.Typer(
    help="Collect, read, disclose and correct a subject's data; record consents and choices.",
    no_args_is_help=True,
)
app.command("consent")(choices.consent)
app.command("object")(choices.object_)
app.command("restrict")(choices.restrict)
app.command("lift")(choices.lift)

Items = Annotated[
    str, typer.Option("--items", help="Item keys, comma-separated.", show_default=False)
]
Purpose = Annotated[
    str,
    typer.Option("--purpose", help="The purpose, as the policy declares it.", show_default=False),
]


@app.command("collect")
def collect(
    point: Annotated[
        str, typer.Option("--point", help="The policy's collection point.", show_default=False)
    ],
    actor: ActorId,
    value: Annotated[
        list[str] | None,
        typer.Option("--value", help="item=value (repeatable); a file item: item=@path."),
    ] = None,
    consent: Annotated[
        list[str] | None,
        typer.Option(
            "--consent", help="category:purpose[,purpose] (repeatable): one separate consent."
        ),
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option("--subject", help="Add to this existing subject.", show_default=False),
    ] = None,
    jurisdiction: Annotated[
        list[str] | None,
        typer.Option("--jurisdiction", help="The subject's jurisdictions (default: the policy's)."),
    ] = None,
    age: Annotated[
        int | None, typer.Option("--age", help="The subject's age, if known.", min=0)
    ] = None,
    channel: Channel = "staff",
    notice_hash: NoticeHash = "",
    role: Role = "handler",
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """Collect items through a declared collection point, with the consents it asks.

    Example: --point product_inquiry --value email=user@example.com
    --consent collection_use:product.inquiry
    """
    with reported(), opened(home) as runtime:
        collected = runtime.vault.collect(
            point,
            item_values(runtime.policy, value or []),
            consent_choices(consent or []),
            Evidence(channel=channel, notice_hash=notice_hash),
            Actor(actor, role),
            subject_id=subject,
            jurisdictions=jurisdiction or None,
            age=age,
        )
    consents = [c.value for c in collected.consents]
    document = {
        "subject_id": collected.subject_id,
        "item_keys": list(collected.item_keys),
        "consents": consents,
        "needs_guardian": collected.needs_guardian,
    }
    if as_json:
        out.print(json.dumps(document, indent=2), markup=False)
        return
    out.print(f"collected {collected.subject_id} through {point}", markup=False)
    out.print(f"  items:    {', '.join(collected.item_keys)}", markup=False)
    out.print(f"  consents: {', '.join(consents) or '-'}", markup=False)
    if collected.needs_guardian:
        out.print("  needs a legal representative's consent before any use", markup=False)


@app.command("read")
def read(
    subject_id: SubjectId,
    items: Items,
    purpose: Purpose,
    actor: ActorId,
    role: Role = "handler",
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """Read items for a purpose. A denial prints its rule and reason and exits 3."""
    with reported(), opened(home) as runtime:
        result = runtime.vault.read(
            subject_id, comma_list(items, "--items"), purpose, Actor(actor, role)
        )
    _print_result(result, as_json)


@app.command("disclose")
def disclose(
    subject_id: SubjectId,
    items: Items,
    recipient: Annotated[
        str,
        typer.Option(
            "--recipient",
            help="A processor or third party the policy declares.",
            show_default=False,
        ),
    ],
    purpose: Purpose,
    actor: ActorId,
    legal_reference: Annotated[
        str | None,
        typer.Option("--legal-reference", help="The statute, for a provision the law requires."),
    ] = None,
    role: Role = "handler",
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """Hand items to a declared recipient; the disclosure is recorded. Denied: exit 3."""
    with reported(), opened(home) as runtime:
        result = runtime.vault.disclose(
            subject_id,
            comma_list(items, "--items"),
            recipient,
            purpose,
            Actor(actor, role),
            legal_reference=legal_reference,
        )
    _print_result(result, as_json)


@app.command("event")
def event(
    subject_id: SubjectId,
    name: Annotated[
        str,
        typer.Argument(help="account_closed, inquiry_completed, ... or an event of the policy."),
    ],
    actor: ActorId,
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Record an event the retention periods and lawful bases wait for."""
    with reported(), opened(home) as runtime:
        recorded = runtime.vault.record_event(subject_id, name, Actor(actor, role))
    out.print(
        f"recorded {recorded.name} at {recorded.at.isoformat(timespec='seconds')}", markup=False
    )


@app.command("correct")
def correct(
    subject_id: SubjectId,
    item: Annotated[str, typer.Argument(help="The item key.", show_default=False)],
    value: Annotated[
        str, typer.Argument(help="The corrected value (a file: @path).", show_default=False)
    ],
    actor: ActorId,
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Replace a stored value; the old value is not kept."""
    with reported(), opened(home) as runtime:
        runtime.vault.correct(
            subject_id, item, item_value(runtime.policy, item, value), Actor(actor, role)
        )
    out.print(f"corrected {item}", markup=False)


@app.command("find")
def find(
    actor: ActorId,
    purpose: Annotated[
        str, typer.Option("--purpose", help="The purpose the lookup serves (needs a grant).")
    ],
    email: Annotated[str | None, typer.Option("--email", show_default=False)] = None,
    phone: Annotated[str | None, typer.Option("--phone", show_default=False)] = None,
    role: Role = "handler",
    home: Home = None,
) -> None:
    """Find subjects by email or phone (blind index: nothing is decrypted). Prints ids."""
    if (email is None) == (phone is None):
        fail(BAD_INPUT, "error: give exactly one of --email and --phone")
    kind, text = (IndexKind.email, email) if email is not None else (IndexKind.phone, phone)
    with reported(), opened(home) as runtime:
        found = runtime.vault.find_subjects(kind, text or "", Actor(actor, role), purpose=purpose)
    for subject_id in found:
        out.print(subject_id, markup=False)
    if not found:
        err.print("no subject found", markup=False)


def _print_result(result: ReadResult, as_json: bool) -> None:
    decision = result.decision
    if not decision.allowed:
        rule = decision.rule.value if decision.rule else "denied"
        fail(DENIED, f"denied by rule {rule}: {decision.reason}")
    shown = {key: _text(data) for key, data in result.values.items()}
    if as_json:
        document: dict[str, Any] = {
            "basis": decision.basis.value if decision.basis else None,
            "values": {k: text for k, (text, _) in shown.items()},
            "encodings": {k: encoding for k, (_, encoding) in shown.items()},
            "missing": list(result.missing),
        }
        out.print(json.dumps(document, indent=2, ensure_ascii=False), markup=False)
        return
    table = Table("item", "value")
    for key, (text, encoding) in shown.items():
        size = f"({len(result.values[key])} bytes)"
        table.add_row(key, Text(text) if encoding == "utf-8" else size)
    for key in result.missing:
        table.add_row(key, "(no value)")
    out.print(table)


def _text(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode(), "base64"
