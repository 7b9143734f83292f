"""``policyvault clock ...``: the simulated clock of a sandbox vault. A production vault
refuses every verb: its clock is the real one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import typer

from policyvault.bootstrap import production_clock, sandbox_clock
from policyvault.cli.arguments import DURATION_HELP, advanced, parse_time
from policyvault.cli.shell import Home, config, out, reported

app = typer.Typer(
    help="The simulated clock of a sandbox vault: show it, set it, move it forward.",
    no_args_is_help=True,
)


@app.command("show")
def show(home: Home = None) -> None:
    """Print the sandbox vault's time and how far ahead of real time it runs."""
    with reported():
        now = sandbox_clock(config(home)).now()
    _print(now)


@app.command("set")
def set_(
    time: Annotated[
        str, typer.Argument(help="ISO 8601 time; UTC when it has no offset.", show_default=False)
    ],
    home: Home = None,
) -> None:
    """Set the clock to a later time (a sandbox clock never moves back)."""
    with reported():
        clock = sandbox_clock(config(home))
        clock.set(parse_time(time, "TIME"))
        now = clock.now()
    _print(now)


@app.command("advance")
def advance(
    duration: Annotated[str, typer.Argument(help=DURATION_HELP, show_default=False)],
    home: Home = None,
) -> None:
    """Move the clock forward by a duration, e.g. P3M or 10d.

    Deadlines, retention periods and grant expiries in the vault follow at once.
    """
    with reported():
        clock = sandbox_clock(config(home))
        start = clock.now()
        clock.advance(advanced(start, duration) - start)
        now = clock.now()
    _print(now)


def _print(now: datetime) -> None:
    ahead = max(now - production_clock().now(), timedelta(0))
    days = ahead.total_seconds() / 86_400
    out.print(
        f"{now.isoformat(timespec='seconds')} (sandbox; {days:.1f} days ahead of real time)",
        markup=False,
    )
