"""``policyvault serve``: the HTTP API of a vault, and the retention sweeper on a schedule in
the same process."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from policyvault.services.retention.sweeper import Progress, SweepReport

err = Console(stderr=True, highlight=False, soft_wrap=True)
sweep_log = logging.getLogger("policyvault.sweeper")


def serve(
    home: Annotated[
        Path | None,
        typer.Option(help="The vault's home directory (default: POLICYVAULT_HOME or ./var)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    sweep_every: Annotated[
        int,
        typer.Option(
            "--sweep-every",
            min=0,
            metavar="SECONDS",
            help="Run the retention sweeper at start-up and then every SECONDS while serving "
            "(0: never; run `policyvault sweep` from a scheduler instead).",
        ),
    ] = 3600,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /openapi.json) of an initialised vault.

    The retention sweeper runs in the background as the system sweeper; each run logs one
    line of counts, and a warning when work is past due or awaits approval close to its due
    date.
    """
    import uvicorn

    from policyvault.api.app import create_app
    from policyvault.bootstrap import api_keys, open_vault, vault_home
    from policyvault.domain.errors import PolicyVaultError
    from policyvault.services.retention.facade import Retention

    try:
        runtime = open_vault(home or vault_home())
    except PolicyVaultError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    schedule: SweepSchedule | None = None
    try:
        app = create_app(runtime, api_keys(runtime.config))
        if sweep_every > 0:
            _log_to_stderr(sweep_log)
            retention = Retention(runtime.vault.context)
            schedule = SweepSchedule(
                lambda progress: retention.sweep(progress=progress), sweep_every
            )
            schedule.start()
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        if schedule is not None:
            schedule.stop()
        runtime.close()


class SweepSchedule:
    """The sweeper on a timer in a daemon thread: one run at once, then one every ``every``
    seconds until ``stop``. A run that fails is logged and the next one happens all the same.

    Stopping does not wait for a long run to finish: the run is abandoned at its next chunk,
    which the sweeper allows (each chunk commits on its own; the next run does the rest)."""

    STOP_TIMEOUT_SECONDS = 10.0

    def __init__(self, sweep: Callable[[Progress], SweepReport], every: float) -> None:
        self._sweep = sweep
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="policyvault-sweeper", daemon=True)

    def start(self) -> None:
        sweep_log.info("retention sweeper: a run now and every %ss", self._every)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(self.STOP_TIMEOUT_SECONDS)

    def _loop(self) -> None:
        while not self._stopped.is_set():
            self.run_once()
            self._stopped.wait(self._every)

    def run_once(self) -> None:
        try:
            report = self._sweep(self._abandon_if_stopped)
        except _Stopped:
            sweep_log.info("sweep: stopped with the server; the next run finishes the work")
            return
        except Exception as exc:  # one failed run must not end the schedule
            # Only the kind of error: a message or a traceback can hold subject ids.
            code = getattr(exc, "code", None) or type(exc).__name__
            sweep_log.error(
                "sweep failed (%s); the next run is in %ss. `policyvault sweep` shows the error",
                code,
                self._every,
            )
            return
        _log_report(report)

    def _abandon_if_stopped(self, stage: str, count: int) -> None:
        if self._stopped.is_set():
            raise _Stopped


class _Stopped(Exception):
    """Raised between chunks to abandon a run when the server stops."""


def _log_report(report: SweepReport) -> None:
    """Counts only: never a subject, a batch or a value. Work counts that are zero are left
    out; what is waiting, past due or held is always there."""
    from policyvault.cli.sweep import state_counts, work_counts

    done = ", ".join(f"{label} {n}" for label, n in work_counts(report) if n) or "nothing due"
    left = ", ".join(f"{label} {n}" for label, n in state_counts(report, overdue_by_status=False))
    sweep_log.info("sweep: %s; %s", done, left)
    if report.overdue_total:
        by_status = ", ".join(f"{s} {n}" for s, n in sorted(report.overdue.items()))
        sweep_log.warning(
            "retention work past its due date: %s (%s)", report.overdue_total, by_status
        )
    if report.near_due:
        sweep_log.warning(
            "tasks awaiting approval close to their due date: %s (`policyvault retention queue`)",
            report.near_due,
        )


def _log_to_stderr(logger: logging.Logger) -> None:
    """Lines like uvicorn's own (``INFO:     ...``), on stderr beside them."""
    from uvicorn.logging import DefaultFormatter

    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
