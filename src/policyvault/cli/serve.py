"""``policyvault serve``: the HTTP API of a vault, and on schedules in the same process the
retention sweeper and the request desk's background work."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from policyvault.services.requests.work import DeskReport
    from policyvault.services.retention.sweeper import Progress, SweepReport

err = Console(stderr=True, highlight=False, soft_wrap=True)
sweep_log = logging.getLogger("policyvault.sweeper")
requests_log = logging.getLogger("policyvault.requests")


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
    requests_every: Annotated[
        int,
        typer.Option(
            "--requests-every",
            min=0,
            metavar="SECONDS",
            help="Run the request desk's work (deliver messages, pass requests on to "
            "recipients, close unverified requests, report deadlines) at start-up and then "
            "every SECONDS (0: never; POST /v1/requests/work runs it on demand).",
        ),
    ] = 60,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /openapi.json) of an initialised vault.

    The retention sweeper and the request desk's work run in the background; each run logs
    one line of counts, and a warning when work is past due.
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
    schedules: list[Schedule] = []
    try:
        try:
            desk = runtime.requests  # its SMTP and request settings are checked now
        except PolicyVaultError as exc:
            err.print(f"error: {exc}", markup=False)
            raise typer.Exit(1) from None
        app = create_app(runtime, api_keys(runtime.config))
        if sweep_every > 0:
            retention = Retention(runtime.vault.context)
            schedules.append(
                SweepSchedule(lambda progress: retention.sweep(progress=progress), sweep_every)
            )
        if requests_every > 0:
            schedules.append(RequestsSchedule(desk.work, requests_every))
        for schedule in schedules:
            _log_to_stderr(schedule.log)
            schedule.start()
        uvicorn.run(app, host=host, port=port, log_level="info", log_config=_log_config())
    finally:
        for schedule in schedules:
            schedule.stop()
        runtime.close()


class Schedule:
    """A job on a timer in a daemon thread: one run at once, then one every ``every`` seconds
    until ``stop``. A run that fails is logged and the next one happens all the same; only the
    kind of error is logged, as a message or a traceback can hold subject ids."""

    STOP_TIMEOUT_SECONDS = 10.0
    name = "job"  # in the log lines: "<name> failed (...)"
    title = "job"  # in the start-up line
    log = logging.getLogger("policyvault")
    shows_error = ""  # what shows an operator the error of a failed run

    def __init__(self, every: float) -> None:
        self._every = every
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"policyvault-{self.name.replace(' ', '-')}", daemon=True
        )

    def start(self) -> None:
        self.log.info("%s: a run now and every %ss", self.title, self._every)
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
            self.run()
        except _Stopped:
            self.log.info("%s: stopped with the server; the next run finishes the work", self.name)
        except Exception as exc:  # one failed run must not end the schedule
            code = getattr(exc, "code", None) or type(exc).__name__
            self.log.error(
                "%s failed (%s); the next run is in %ss. %s shows the error",
                self.name,
                code,
                self._every,
                self.shows_error,
            )

    def run(self) -> None:
        raise NotImplementedError

    def _abandon_if_stopped(self, stage: str, count: int) -> None:
        if self._stopped.is_set():
            raise _Stopped


class _Stopped(Exception):
    """Raised between chunks to abandon a run when the server stops."""


class SweepSchedule(Schedule):
    """The retention sweeper. Stopping does not wait for a long run to finish: the run is
    abandoned at its next chunk, which the sweeper allows (each chunk commits on its own; the
    next run does the rest)."""

    name, title, log = "sweep", "retention sweeper", sweep_log
    shows_error = "`policyvault sweep`"

    def __init__(self, sweep: Callable[[Progress], SweepReport], every: float) -> None:
        super().__init__(every)
        self._sweep = sweep

    def run(self) -> None:
        _log_report(self._sweep(self._abandon_if_stopped))


class RequestsSchedule(Schedule):
    """The request desk's work: every step compares stored times with the vault's clock."""

    name, title, log = "requests work", "request desk", requests_log
    shows_error = "POST /v1/requests/work"

    def __init__(self, work: Callable[[], DeskReport], every: float) -> None:
        super().__init__(every)
        self._work = work

    def run(self) -> None:
        _log_desk_report(self._work())


def _log_desk_report(report: DeskReport) -> None:
    """Counts only: never a request, a subject or an address."""
    delivery, forwarding = report.delivery, report.forwarding
    done = [
        ("messages sent", delivery.sent if delivery else 0),
        ("messages retrying", delivery.retrying if delivery else 0),
        ("forwardings sent", forwarding.sent),
        ("confirmed", forwarding.confirmed),
        ("escalated", forwarding.escalated),
        ("closed unverified", report.expired),
        ("records pruned", report.pruned),
    ]
    did = ", ".join(f"{label} {n}" for label, n in done if n) or "nothing due"
    requests_log.info(
        "requests work: %s; open %s, due soon %s, overdue %s",
        did,
        report.open,
        report.due_soon,
        report.overdue,
    )
    if report.overdue:
        requests_log.warning("requests past their due date: %s", report.overdue)
    if delivery is not None and delivery.failed:
        by_error = ", ".join(f"{code} {n}" for code, n in sorted(delivery.failures.items()))
        requests_log.warning(
            "messages that could not be delivered: %s (%s)", delivery.failed, by_error
        )


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


class RedactTokens(logging.Filter):
    """The access log names every path; a one-time download token or a confirmation token
    in it is a credential (whoever reads the log could confirm an erasure that never
    happened). They are logged as ``<token>``."""

    _PATTERNS = (
        (re.compile(r"(/v1/downloads/)[^/?\s]+"), r"\1<token>"),
        (re.compile(r"([?&]token=)[^&\s]+"), r"\1<token>"),
    )

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2]
            for pattern, replacement in self._PATTERNS:
                path = pattern.sub(replacement, path)
            record.args = (*args[:2], path, *args[3:])
        return True


def _log_config() -> dict[str, object]:
    """uvicorn's own logging configuration, with the access log's tokens redacted."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": RedactTokens}
    config["handlers"]["access"]["filters"] = ["redact_tokens"]
    return config


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
