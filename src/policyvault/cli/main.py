"""The ``policyvault`` command: a thin shell over the services."""

from __future__ import annotations

import typer

from policyvault.cli import apikey as apikey_commands
from policyvault.cli import audit as audit_commands
from policyvault.cli import clock as clock_commands
from policyvault.cli import grant as grant_commands
from policyvault.cli import holds as hold_commands
from policyvault.cli import keys as keys_commands
from policyvault.cli import policy as policy_commands
from policyvault.cli import recipients as recipient_commands
from policyvault.cli import records as record_commands
from policyvault.cli import requests as request_commands
from policyvault.cli import retention as retention_commands
from policyvault.cli import sandbox as sandbox_commands
from policyvault.cli import subject as subject_commands
from policyvault.cli.init import init
from policyvault.cli.serve import serve
from policyvault.cli.sweep import sweep

app = typer.Typer(
    name="policyvault",
    help="PolicyVault: a privacy policy made executable.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("init")(init)
app.add_typer(policy_commands.app, name="policy")
app.add_typer(subject_commands.app, name="subject")
app.add_typer(grant_commands.app, name="grant")
app.add_typer(apikey_commands.app, name="apikey")
app.add_typer(keys_commands.app, name="keys")
app.add_typer(clock_commands.app, name="clock")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(sandbox_commands.app, name="sandbox")
app.add_typer(record_commands.app, name="record")
app.add_typer(hold_commands.app, name="hold")
app.add_typer(retention_commands.app, name="retention")
app.add_typer(request_commands.app, name="requests")
app.add_typer(recipient_commands.app, name="recipients")
app.command("sweep")(sweep)
app.command("serve")(serve)


def main() -> None:
    app()
