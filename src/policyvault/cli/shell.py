"""What every vault verb shares: the consoles, the ``--home`` and ``--actor`` options,
opening the vault, and turning an error into one line on stderr and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from policyvault.bootstrap import VaultConfig, VaultRuntime, open_vault, read_config, vault_home
from policyvault.cli.exit_codes import BAD_INPUT, exit_code_for
from policyvault.domain.errors import PolicyInvalid, PolicyVaultError

PIPED_WIDTH = 240


def _console(*, stderr: bool = False) -> Console:
    console = Console(stderr=stderr, highlight=False, soft_wrap=True)
    if not console.is_terminal:  # piped: tables as wide as their content, ids never cut
        console.width = PIPED_WIDTH
    return console


out = _console()
err = _console(stderr=True)

Home = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar="POLICYVAULT_HOME",
        help="The vault's directory (default: ./var).",
        show_default=False,
    ),
]
ActorId = Annotated[
    str,
    typer.Option(
        "--actor",
        envvar="POLICYVAULT_ACTOR",
        help="Who acts: a staff account id with a digit, e.g. clerk-1.",
        show_default=False,
    ),
]
Role = Annotated[str, typer.Option("--role", help="The acting account's role.")]
SubjectId = Annotated[
    str, typer.Argument(metavar="ID", help="The subject's id.", show_default=False)
]
Channel = Annotated[
    str,
    typer.Option("--channel", help="How the subject gave or withdrew consent (paper, phone...)."),
]
NoticeHash = Annotated[
    str, typer.Option("--notice-hash", help="Hash of the notice version shown to the subject.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def fail(code: int, line: str) -> NoReturn:
    err.print(line, markup=False)
    raise typer.Exit(code)


@contextmanager
def reported() -> Iterator[None]:
    """Every expected failure as one line on stderr (a policy file: one line per error) and
    its exit code. Messages name keys and rules, never personal values."""
    try:
        yield
    except PolicyInvalid as exc:
        for line in str(exc).splitlines():
            err.print(line, markup=False)
        raise typer.Exit(exit_code_for(exc)) from None
    except PolicyVaultError as exc:
        fail(exit_code_for(exc), f"error: {_one_line(str(exc))}")
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        fail(BAD_INPUT, f"error: database: {detail}")
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        fail(BAD_INPUT, f"error: cannot use{where}: {exc.strerror or exc}")


def home_dir(home: Path | None) -> Path:
    return home if home is not None else vault_home()


def config(home: Path | None) -> VaultConfig:
    return read_config(home_dir(home))


@contextmanager
def opened(home: Path | None) -> Iterator[VaultRuntime]:
    runtime = open_vault(home_dir(home))
    try:
        yield runtime
    finally:
        runtime.close()


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "failed"
