"""``policyvault recipients ...``: where each recipient the policy declares is told of an
erasure, correction or restriction it must pass on (a webhook or an e-mail address). The
webhook's signing secret comes from an environment variable, never from the command line,
and nothing here prints an address or a secret."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.table import Column, Table
from rich.text import Text

from policyvault.cli.exit_codes import BAD_INPUT
from policyvault.cli.requests import DeciderRole, acting
from policyvault.cli.shell import ActorId, AsJson, Home, err, fail, opened, out, reported

app = typer.Typer(
    help="The recipients the policy declares and where each is told of erasures.",
    no_args_is_help=True,
)


@app.command("endpoint")
def endpoint(
    recipient_id: Annotated[
        str,
        typer.Argument(
            metavar="RECIPIENT_ID",
            help="A processor or third party the policy declares (see `recipients list`).",
            show_default=False,
        ),
    ],
    actor: ActorId,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook", help="An http(s) URL the forwardings are posted to.", show_default=False
        ),
    ] = None,
    secret_env: Annotated[
        str | None,
        typer.Option(
            "--secret-env",
            help="With --webhook: the environment variable holding the signing secret (at "
            "least 16 characters; stored sealed).",
            show_default=False,
        ),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            "--email", help="An address the forwardings are mailed to.", show_default=False
        ),
    ] = None,
    role: DeciderRole = "handler",
    home: Home = None,
) -> None:
    """Set where a recipient is told of the erasures, corrections and restrictions it must
    carry out: a webhook (signed when a secret is given) or an e-mail address."""
    if (webhook is None) == (email is None):
        fail(BAD_INPUT, "error: give exactly one of --webhook and --email")
    secret: str | None = None
    if secret_env is not None:
        if webhook is None:
            fail(BAD_INPUT, "error: --secret-env goes with --webhook")
        secret = os.environ.get(secret_env)
        if not secret:
            fail(BAD_INPUT, f"error: the environment variable {secret_env} is not set")
    with reported(), opened(home) as runtime:
        set_ = runtime.requests.set_endpoint(
            recipient_id,
            webhook=webhook,
            secret=secret,
            email=email,
            actor=acting(actor, role),
        )
    signed = " (signed)" if set_.secret else ""
    out.print(f"recipient {set_.recipient_id}: {set_.channel} endpoint set{signed}", markup=False)


@app.command("list")
def list_(home: Home = None, as_json: AsJson = False) -> None:
    """The recipients the policy declares and the channel each is reached by (none: the
    privacy officer forwards by hand)."""
    with reported(), opened(home) as runtime:
        found = runtime.requests.recipients()
    if as_json:
        documents = [{"id": i, "name": n, "channel": c} for i, n, c in found]
        out.print(json.dumps(documents, indent=2, ensure_ascii=False), markup=False)
        return
    table = Table(Column("recipient", no_wrap=True), "name", "endpoint")
    for recipient_id, name, channel in found:
        table.add_row(recipient_id, Text(name), channel or "none")
    out.print(table)
    if not found:
        err.print("the policy declares no recipient", markup=False)
