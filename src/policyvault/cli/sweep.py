"""``policyvault sweep``: one run of the retention sweeper, with a progress display on a
terminal and a summary of what it did. ``policyvault serve --sweep-every`` runs the same sweep
on a schedule and logs the same counts as one line."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.progress import Progress as ProgressDisplay
from rich.progress import SpinnerColumn, TaskID, TextColumn
from rich.table import Table

from policyvault.cli.exit_codes import REFUSED
from policyvault.cli.shell import AsJson, Home, Role, err, fail, opened, out, reported
from policyvault.domain.audit import Actor
from policyvault.services.retention.facade import Retention
from policyvault.services.retention.sweeper import SWEEPER, Progress, SweepReport

# What each stage of a run counts, for the progress display.
STAGE_LABELS = {
    "replan": "subjects planned again under the policy in force",
    "queue": "due tasks queued or moved to the separate store",
    "destroy": "approved tasks carried out",
}


def sweep(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what a sweep would do now; change nothing.")
    ] = False,
    chunk: Annotated[
        int,
        typer.Option("--chunk", min=1, max=10_000, help="Tasks claimed per transaction."),
    ] = 200,
    alert_days: Annotated[
        int,
        typer.Option(
            "--alert-days",
            min=0,
            max=365,
            help="Warn about work awaiting approval due within this many days.",
        ),
    ] = 2,
    fail_on_overdue: Annotated[
        bool,
        typer.Option("--fail-on-overdue", help="Exit 1 when any work is past its due date."),
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option(
            "--actor",
            envvar="POLICYVAULT_ACTOR",
            help=f"Who runs the sweep, for the audit log (default: the system sweeper, "
            f"{SWEEPER.id}).",
            show_default=False,
        ),
    ] = None,
    role: Role = "handler",
    home: Home = None,
    as_json: AsJson = False,
) -> None:
    """Run the retention sweeper once.

    It moves what only a statute still requires to the separate store, queues what is due for
    destruction (for approval where the policy requires it), destroys approved work, issues a
    destruction certificate per finished batch, and reports work near or past its due date.
    Safe beside another sweep or a server's own; safe to interrupt.
    """
    with reported(), opened(home) as runtime, _progress() as tick:
        who = SWEEPER if actor is None else Actor(actor, role)
        report = Retention(runtime.vault.context).sweep(
            who,
            dry_run=dry_run,
            chunk=chunk,
            alert_window=timedelta(days=alert_days),
            progress=tick,
        )
    if as_json:
        out.print(json.dumps(report_document(report), indent=2), markup=False)
    else:
        _print_summary(report)
    if fail_on_overdue and report.overdue_total:
        fail(REFUSED, f"error: {_overdue_line(report)}")


def work_counts(report: SweepReport) -> list[tuple[str, int]]:
    """What a run did (or, on a dry run, would do), labelled."""
    rows = [("subjects replanned", report.replanned_subjects)] if report.replanned_subjects else []
    return [
        *rows,
        ("archived", report.archived),
        ("queued", report.queued),
        ("destroyed items", report.destroyed_items),
        ("anonymised", report.anonymised_items),
        ("records destroyed", report.destroyed_records),
        ("keys destroyed", report.keys_destroyed),
        ("cancelled", report.cancelled),
        ("certificates issued", len(report.certificates)),
    ]


def state_counts(report: SweepReport, *, overdue_by_status: bool) -> list[tuple[str, int]]:
    """What is left after the run: work waiting for approval, past due, or held."""
    overdue = [("overdue", report.overdue_total)]
    if overdue_by_status and report.overdue:
        overdue = [(f"overdue {status}", n) for status, n in sorted(report.overdue.items())]
    return [
        ("awaiting approval", report.awaiting_approval),
        ("near due", report.near_due),
        *overdue,
        ("held", report.held),
    ]


def report_document(report: SweepReport) -> dict[str, Any]:
    document = dataclasses.asdict(report)
    document["at"] = report.at.isoformat()
    document["overdue_total"] = report.overdue_total
    return document


def _print_summary(report: SweepReport) -> None:
    at = report.at.isoformat(timespec="seconds")
    title = (
        f"what a sweep would do at {at} (dry run: nothing was changed)"
        if report.dry_run
        else f"sweep at {at}"
    )
    table = Table("", "count", title=title, title_justify="left")
    for label, count in work_counts(report) + state_counts(report, overdue_by_status=True):
        table.add_row(label, str(count))
    out.print(table)
    if report.batch_id is not None:
        out.print(f"queued batch {report.batch_id}", markup=False)
    for certificate_id in report.certificates:
        out.print(f"issued certificate {certificate_id}", markup=False)
    if report.near_due:
        err.print(
            f"warning: tasks awaiting approval close to their due date: {report.near_due} "
            "(see `policyvault retention queue`)",
            markup=False,
        )


def _overdue_line(report: SweepReport) -> str:
    by_status = ", ".join(f"{status} {n}" for status, n in sorted(report.overdue.items()))
    return f"tasks past their due date: {report.overdue_total} ({by_status})"


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A live count per stage on stderr while the sweep runs, only on a terminal (a pipe or a
    log file gets the summary alone)."""
    if not err.is_terminal:
        yield None
        return
    display = ProgressDisplay(
        SpinnerColumn(),
        TextColumn("{task.completed:>6}"),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    )
    stages: dict[str, TaskID] = {}

    def tick(stage: str, count: int) -> None:
        if stage not in stages:
            stages[stage] = display.add_task(STAGE_LABELS.get(stage, stage), total=None)
        display.advance(stages[stage], count)

    with display:
        yield tick
