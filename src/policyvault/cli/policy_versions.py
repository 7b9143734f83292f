"""``policyvault policy apply|versions|activate``: the policy versions of a vault. A new
version is scheduled, and takes effect only after its notice period; opening the vault
activates what is due."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from policyvault.cli.exit_codes import BAD_INPUT
from policyvault.cli.shell import AsJson, Home, fail, opened, out, reported
from policyvault.domain.audit import Actor
from policyvault.services.policy_versions import (
    VersionView,
    activate_due_versions,
    activate_version,
    list_versions,
    read_policy_source,
    schedule_policy,
)

By = Annotated[
    str,
    typer.Option(
        "--by",
        envvar="POLICYVAULT_ACTOR",
        help="Who changes the policy (an account id, acting as admin).",
    ),
]
DEFAULT_BY = "policyvault.cli"


def apply(
    file: Annotated[
        Path, typer.Argument(help="The new version of the policy (YAML).", show_default=False)
    ],
    announced: Annotated[
        str | None,
        typer.Option(
            "--announced",
            help="Date the new version is announced (YYYY-MM-DD, not before today); "
            "default: today on the vault's clock.",
            show_default=False,
        ),
    ] = None,
    by: By = DEFAULT_BY,
    home: Home = None,
) -> None:
    """Schedule a new version of the vault's policy.

    It takes effect on its own effective_date (00:00 in its time zone), which must respect
    the notice that `policy diff` computes for every jurisdiction; an earlier date is refused
    (exit 1). Consent-based purposes whose terms change wait for new consent once it is in
    force.
    """
    announced_on = _date(announced, "--announced")
    with reported():
        text = read_policy_source(file)
        with opened(home) as runtime:
            scheduled = schedule_policy(
                runtime.vault.context,
                text,
                Actor(by, "admin"),
                announced_on=announced_on,
                name=str(file),
            )
    version, diff, policy = scheduled.version, scheduled.diff, scheduled.policy
    when = _local(version.effective_at, policy.timezone)
    state = "in force now" if version.activated_at is not None else f"in force from {when}"
    out.print(f"policy version {version.number} ({version.label}): {state}", markup=False)
    kind = "a significant" if diff.significant else "an ordinary"
    out.print(
        f"  {kind} change ({len(diff.changes)} change(s)), announced "
        f"{diff.announced_on.isoformat()}",
        markup=False,
    )
    for jurisdiction, earliest in diff.earliest_effective.items():
        out.print(f"  {jurisdiction}: earliest {earliest.isoformat()}", markup=False)
    if version.reconsent_purposes:
        out.print(
            "  re-consent required once in force: " + ", ".join(version.reconsent_purposes),
            markup=False,
        )


def versions(home: Home = None, as_json: AsJson = False) -> None:
    """List the policy versions: scheduled, in force, superseded."""
    with reported(), opened(home) as runtime:
        views = list_versions(runtime.vault.context)
        timezone = runtime.policy.timezone
    if as_json:
        out.print(json.dumps([_document(v) for v in views], indent=2), markup=False)
        return
    table = Table("version", "label", "status", "announced", "effective", "activated", "re-consent")
    for view in views:
        v = view.version
        table.add_row(
            str(v.number),
            v.label,
            view.status.value,
            v.announced_at.astimezone(ZoneInfo(timezone)).date().isoformat(),
            _local(v.effective_at, timezone),
            _local(v.activated_at, timezone) if v.activated_at else "-",
            ", ".join(v.reconsent_purposes) or "-",
        )
    out.print(table)


def activate(
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            help="Activate this version; refused before its effective time.",
            show_default=False,
        ),
    ] = None,
    by: By = DEFAULT_BY,
    home: Home = None,
) -> None:
    """Put in force the versions whose effective time has come (opening the vault does so
    too); with --version, that version, refused (exit 1) before its notice period ends."""
    with reported(), opened(home) as runtime:
        actor = Actor(by, "admin")
        context = runtime.vault.context
        if version is None:
            activated = activate_due_versions(context, actor)
        else:
            activated = activate_version(context, version, actor)
        timezone = runtime.policy.timezone
    if not activated:
        out.print("nothing due: the version in force stays", markup=False)
    for v in activated:
        out.print(
            f"policy version {v.number} ({v.label}) in force since "
            f"{_local(v.activated_at or v.effective_at, timezone)}",
            markup=False,
        )


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(BAD_INPUT, f"error: {option} {text!r} is not a date (expected YYYY-MM-DD)")


def _local(when: datetime, timezone: str) -> str:
    return when.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M ") + timezone


def _document(view: VersionView) -> dict[str, Any]:
    v = view.version
    return {
        "number": v.number,
        "label": v.label,
        "status": view.status.value,
        "sha256": v.sha256,
        "announced_at": v.announced_at.isoformat(),
        "effective_at": v.effective_at.isoformat(),
        "activated_at": v.activated_at.isoformat() if v.activated_at else None,
        "reconsent_purposes": list(v.reconsent_purposes),
    }
