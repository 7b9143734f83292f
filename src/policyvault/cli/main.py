"""The ``policyvault`` command: a thin shell over the services."""

from __future__ import annotations

import typer

from policyvault.cli import audit as audit_commands
from policyvault.cli import policy as policy_commands
from policyvault.cli.serve import serve

app = typer.Typer(
    name="policyvault",
    help="PolicyVault: a privacy policy made executable.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(policy_commands.app, name="policy")
app.add_typer(audit_commands.app, name="audit")
app.command("serve")(serve)


def main() -> None:
    app()
