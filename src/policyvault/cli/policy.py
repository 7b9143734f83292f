"""``policyvault policy ...``: check, schema (and lint, render, diff)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from policyvault.services.policy_files import read_policy_file
from policyvault.services.policy_schema import policy_json_schema

app = typer.Typer(help="Validate, lint, render and compare policy files.", no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Files = Annotated[list[Path], typer.Argument(help="Policy files (YAML).", show_default=False)]


@app.command("check")
def check(files: Files) -> None:
    """Validate policy files. Prints every error as file:line:col: CODE message; exit 1 if any."""
    failed = False
    for file in files:
        result = read_policy_file(file)
        for error in result.errors:
            out.print(str(error), markup=False)
        if result.ok:
            out.print(f"{file}: ok", markup=False)
        else:
            failed = True
    raise typer.Exit(1 if failed else 0)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the policy file format (policyvault/v1)."""
    out.print(json.dumps(policy_json_schema(), indent=2, ensure_ascii=False), markup=False)
