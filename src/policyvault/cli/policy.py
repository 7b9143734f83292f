"""``policyvault policy ...``: check, lint, render, diff, schema, and the versions of a vault's
policy (apply, versions, activate). Thin: parse, call, print."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from policyvault.cli import policy_versions
from policyvault.domain.policy.findings import Severity
from policyvault.domain.policy.model import Policy
from policyvault.services.policy_files import PolicyCheck, locate, read_policy_file
from policyvault.services.policy_schema import policy_json_schema

app = typer.Typer(
    help="Validate, lint, render and compare policy files; apply a new version to a vault.",
    no_args_is_help=True,
)
app.command("apply")(policy_versions.apply)
app.command("versions")(policy_versions.versions)
app.command("activate")(policy_versions.activate)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

Files = Annotated[list[Path], typer.Argument(help="Policy files (YAML).", show_default=False)]
File = Annotated[Path, typer.Argument(help="A policy file (YAML).", show_default=False)]


class Format(StrEnum):
    html = "html"
    md = "md"


class Lang(StrEnum):
    en = "en"
    ko = "ko"


def load_or_exit(file: Path) -> tuple[Policy, PolicyCheck]:
    result = read_policy_file(file)
    if result.policy is None:
        for error in result.errors:
            err.print(str(error), markup=False)
        raise typer.Exit(1)
    return result.policy, result


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


@app.command("lint")
def lint(
    file: File,
    strict: Annotated[bool, typer.Option(help="Exit 1 on warnings, not only errors.")] = False,
) -> None:
    """Check the policy against what each declared law requires a notice to contain."""
    from policyvault.domain.policy.lint import lint_policy

    policy, result = load_or_exit(file)
    located = [locate(str(file), f, result.positions) for f in lint_policy(policy)]
    findings = sorted(located, key=lambda f: (f.line, f.col, f.code))
    for finding in findings:
        out.print(f"{finding} [{finding.severity.value}]", markup=False)
    warnings = sum(1 for f in findings if f.severity is not Severity.info)
    out.print(f"{file}: {len(findings)} finding(s), {warnings} warning(s)", markup=False)
    raise typer.Exit(1 if strict and warnings else 0)


@app.command("render")
def render(
    file: File,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.html,
    lang: Annotated[Lang, typer.Option("--lang", "-l", help="Language of the notice.")] = Lang.en,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Render the privacy notice (HTML or Markdown, English or Korean) from the policy file."""
    from policyvault.services.notice import render_notice

    policy, _ = load_or_exit(file)
    text = render_notice(policy, fmt=format.value, lang=lang.value)
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            err.print(f"error: cannot write {output}: {exc.strerror}", markup=False)
            raise typer.Exit(1) from None
        err.print(f"wrote {output}", markup=False)


@app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The policy in force.", show_default=False)],
    new: Annotated[Path, typer.Argument(help="The proposed policy.", show_default=False)],
    published: Annotated[
        str | None,
        typer.Option(help="Date the new version is announced (YYYY-MM-DD); default: today."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Classify every change (ordinary / significant) and compute the earliest effective date
    per jurisdiction.

    Exit 0 when the new version may take effect on its own effective_date (or nothing
    changed); 1 when that date is earlier than the earliest date allowed in any jurisdiction;
    2 when the files cannot be compared (a file fails its checks, the two are different
    policies, or --published is not a date)."""
    from policyvault.domain.policy.diff import DifferentPolicies, diff_policies
    from policyvault.services.policy_changes import describe_diff

    try:
        announced = date.fromisoformat(published) if published else _today()
    except ValueError:
        err.print(
            f"error: --published {published!r} is not a date (expected YYYY-MM-DD)", markup=False
        )
        raise typer.Exit(2) from None
    try:
        old_policy, _ = load_or_exit(old)
        new_policy, _ = load_or_exit(new)
    except typer.Exit:
        raise typer.Exit(2) from None  # 1 means "too early" here
    try:
        result = diff_policies(old_policy, new_policy, announced)
    except DifferentPolicies as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        for line in describe_diff(result):
            out.print(line, markup=False)
    raise typer.Exit(0 if result.may_take_effect else 1)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of the policy file format (policyvault/v1)."""
    typer.echo(json.dumps(policy_json_schema(), indent=2, ensure_ascii=False))


def _today() -> date:  # the shell is the one place that may read the wall clock
    from policyvault.bootstrap import production_clock

    return production_clock().now().date()
