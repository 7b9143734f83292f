"""``policyvault apikey ...``: keys for the HTTP API. The vault keeps only their hashes; a
key is shown once, when it is created."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from policyvault.bootstrap import api_keys, vault_clock
from policyvault.cli.shell import AsJson, Home, config, out, reported
from policyvault.storage.api_keys import ROLES

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command("create")
def create(
    role: Annotated[
        str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.", show_default=False)
    ],
    actor: Annotated[
        str,
        typer.Option(
            "--actor", help="The account the key acts as (an id, e.g. crm-1).", show_default=False
        ),
    ],
    home: Home = None,
) -> None:
    """Create a key and print it, once: only its hash is kept."""
    with reported():
        settings = config(home)
        key, secret = api_keys(settings).create(role, actor, vault_clock(settings).now())
    out.print(f"created API key {key.id} ({key.role}, acting as {key.actor_id})", markup=False)
    out.print(secret, markup=False)
    out.print(
        "It is shown only this once. Send it as the header `Authorization: Bearer <key>`.",
        markup=False,
    )


@app.command("list")
def list_(home: Home = None, as_json: AsJson = False) -> None:
    """List the keys: id, role, account, created, revoked. Never the keys or their hashes."""
    with reported():
        keys = api_keys(config(home)).all()
    rows = [
        {
            "id": k.id,
            "role": k.role,
            "actor": k.actor_id,
            "created_at": k.created_at,
            "revoked_at": k.revoked_at,
        }
        for k in keys
    ]
    if as_json:
        out.print(json.dumps(rows, indent=2), markup=False)
        return
    table = Table("id", "role", "actor", "created", "revoked")
    for key in keys:
        table.add_row(key.id, key.role, key.actor_id, key.created_at, key.revoked_at or "-")
    out.print(table)


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id (from `list`).")],
    home: Home = None,
) -> None:
    """Revoke a key: requests with it are refused from now on."""
    with reported():
        settings = config(home)
        api_keys(settings).revoke(key_id, vault_clock(settings).now())
    out.print(f"revoked API key {key_id}", markup=False)
