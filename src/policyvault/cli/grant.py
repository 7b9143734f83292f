"""``policyvault grant ...``: which staff account may process personal data for which
purpose, until when. Grants and revocations are audited."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Column, Table

from policyvault.cli.arguments import parse_time
from policyvault.cli.shell import AsJson, Home, opened, out, reported
from policyvault.domain.access import Grant
from policyvault.domain.audit import Actor

app = typer.Typer(help="Grant, list and revoke purpose-bound access.", no_args_is_help=True)

By = Annotated[
    str,
    typer.Option(
        "--by",
        envvar="POLICYVAULT_ACTOR",
        help="Who grants or revokes (an account id, acting as admin).",
    ),
]
DEFAULT_BY = "policyvault.cli"


@app.command("add")
def add(
    actor: Annotated[
        str,
        typer.Option(
            "--actor", help="The account granted access, e.g. clerk-1.", show_default=False
        ),
    ],
    purpose: Annotated[
        str, typer.Option("--purpose", help="A purpose the policy declares.", show_default=False)
    ],
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="When the grant ends (ISO 8601; UTC without an offset)."),
    ] = None,
    by: By = DEFAULT_BY,
    home: Home = None,
) -> None:
    """Grant an account access for one purpose (until --expires, or until revoked)."""
    with reported(), opened(home) as runtime:
        until = parse_time(expires, "--expires") if expires is not None else None
        grant = runtime.vault.grant(actor, purpose, Actor(by, "admin"), until)
    out.print(f"granted {grant.id}: {grant.actor_id} may process for {grant.purpose}", markup=False)


@app.command("list")
def list_(
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only this account's grants.", show_default=False)
    ] = None,
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """List grants, live and past."""
    with reported(), opened(home) as runtime:
        grants = runtime.vault.grants(actor)
        now = runtime.clock.now()
    if as_json:
        out.print(json.dumps([_document(g, now) for g in grants], indent=2), markup=False)
        return
    table = Table(Column("id", no_wrap=True), "actor", "purpose", "granted", "expires", "state")
    for grant in grants:
        row = _document(grant, now)
        table.add_row(
            grant.id,
            grant.actor_id,
            grant.purpose,
            _time(grant.granted_at),
            _time(grant.expires_at),
            str(row["state"]),
        )
    out.print(table)


@app.command("revoke")
def revoke(
    grant_id: Annotated[str, typer.Argument(metavar="GRANT_ID", help="The grant's id.")],
    by: By = DEFAULT_BY,
    home: Home = None,
) -> None:
    """Revoke a grant: the account's next read for that purpose is denied."""
    with reported(), opened(home) as runtime:
        runtime.vault.revoke_grant(grant_id, Actor(by, "admin"))
    out.print(f"revoked grant {grant_id}", markup=False)


@app.command("change")
def change(
    grant_id: Annotated[str, typer.Argument(metavar="GRANT_ID", help="The grant's id.")],
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="The new end (ISO 8601); omit for 'until revoked'."),
    ] = None,
    by: By = DEFAULT_BY,
    home: Home = None,
) -> None:
    """Move a live grant's expiry."""
    with reported(), opened(home) as runtime:
        until = parse_time(expires, "--expires") if expires is not None else None
        runtime.vault.change_grant(grant_id, until, Actor(by, "admin"))
    out.print(f"changed grant {grant_id}", markup=False)


def _document(grant: Grant, now: datetime) -> dict[str, str | None]:
    if grant.revoked_at is not None and grant.revoked_at <= now:
        state = "revoked"
    elif grant.expires_at is not None and grant.expires_at <= now:
        state = "expired"
    else:
        state = "live" if grant.live(now) else "not yet"
    return {
        "id": grant.id,
        "actor": grant.actor_id,
        "purpose": grant.purpose,
        "granted_at": grant.granted_at.isoformat(),
        "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
        "revoked_at": grant.revoked_at.isoformat() if grant.revoked_at else None,
        "state": state,
    }


def _time(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else "-"
