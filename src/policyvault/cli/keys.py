"""``policyvault keys rotate``: move the vault to a new master key, online, resumable."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from policyvault.bootstrap import Rotation, rotate_master_key
from policyvault.cli.shell import Home, err, home_dir, out, reported
from policyvault.crypto.key_files import MASTER_KEY_ENV, OLD_MASTER_KEY_ENV, KeyFiles
from policyvault.domain.audit import Actor

app = typer.Typer(help="Master keys: rotation.", no_args_is_help=True)

By = Annotated[
    str,
    typer.Option(
        "--by", envvar="POLICYVAULT_ACTOR", help="Who rotates (an account id, acting as admin)."
    ),
]


@app.command("rotate")
def rotate(
    generate: Annotated[
        bool, typer.Option("--generate", help="Rotate to a new random master key.")
    ] = False,
    new_key_file: Annotated[
        Path | None,
        typer.Option(
            "--new-key-file",
            help="Rotate to the master key in this file (base64 of 32 bytes, mode 0600).",
            show_default=False,
        ),
    ] = None,
    new_key_env: Annotated[
        str | None,
        typer.Option(
            "--new-key-env",
            metavar="NAME",
            help=f"With {MASTER_KEY_ENV}: rotate to the master key in the variable NAME.",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=10_000, help="Subjects per transaction.")
    ] = 500,
    by: By = "policyvault.cli",
    home: Home = None,
) -> None:
    """Rotate the master key: re-wrap every data key and the blind-index key, online.

    No value is decrypted; other processes keep using the vault meanwhile. Without
    --generate, --new-key-file or --new-key-env it finishes an interrupted rotation, or
    re-wraps what processes still on the previous key wrote since (run it again after
    restarting them). Safe to interrupt and run again at any point.
    """
    where = home_dir(home)
    columns = (
        TextColumn("re-wrapping data keys"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with reported(), Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("rotate", total=None)
        rotation = rotate_master_key(
            where,
            Actor(by, "admin"),
            generate=generate,
            new_key_file=new_key_file,
            new_key_env=new_key_env,
            batch_size=batch_size,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for line in _summary(rotation, where, new_key_env):
        out.print(line, markup=False)


def _summary(rotation: Rotation, home: Path, new_key_env: str | None) -> list[str]:
    report = rotation.report
    lines = [
        f"master key {rotation.key_id}: {report.rewrapped} data keys re-wrapped, "
        f"{report.subjects} subjects checked, {report.shredded} shredded "
        f"({report.batches} batch{'' if report.batches == 1 else 'es'})",
    ]
    if rotation.blind_index_rewrapped:
        lines.append(f"blind-index key re-wrapped under {rotation.key_id}")
    if report.unreadable:
        lines.append(
            f"warning: {report.unreadable} data keys unwrap with no loaded master key and "
            "were left as they were"
        )
    if rotation.retired is not None:
        lines += [
            f"{home / 'master.key'} is now {rotation.key_id}; the previous key is kept in "
            f"{rotation.retired} (mode 0600).",
            "Restart running `policyvault serve` processes, then run `policyvault keys rotate` "
            "once more to re-wrap what they wrote meanwhile; after that, delete "
            f"{rotation.retired} yourself (no backup of the database older than the rotation "
            "can be read without it).",
        ]
    elif rotation.from_environment and new_key_env is not None:
        previous = ", ".join(rotation.previous_key_ids) or "none"
        lines += [
            f"Now switch {MASTER_KEY_ENV} to the value of {new_key_env} ({rotation.key_id}) "
            f"for every process that opens this vault, and restart them.",
            f"Until all have restarted, keep the previous value (key {previous}) in "
            f"{OLD_MASTER_KEY_ENV}; then run `policyvault keys rotate` once more and unset it.",
        ]
    elif not report.unreadable:
        lines.append(f"every data key is wrapped by {rotation.key_id}")
        for path in KeyFiles(home, os.environ).retired():
            lines.append(
                f"{path} is no longer needed by the database; delete it once no backup "
                "older than its rotation must be readable"
            )
    return lines
