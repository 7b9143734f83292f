"""``policyvault sandbox seed``: synthetic subjects for a sandbox vault."""

from __future__ import annotations

import random
from typing import Annotated

import typer
from rich.progress import Progress

from policyvault.cli.shell import Home, err, opened, out, reported
from policyvault.services.sandbox import seed_subjects

app = typer.Typer(help="Sandbox vaults: synthetic data for demos and tests.", no_args_is_help=True)


@app.command("seed")
def seed(
    count: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many subjects.")] = 300,
    home: Home = None,
    random_seed: Annotated[int, typer.Option(help="Seed of the generator (repeatable runs).")] = 1,
) -> None:
    """Collect COUNT synthetic subjects (reserved names: example.com, +1 202 555-01xx)
    through the policy's collection points. Refused by production vaults."""
    with reported(), opened(home) as runtime, Progress(console=err, transient=True) as bar:
        task = bar.add_task("collecting synthetic subjects", total=count)
        ids = seed_subjects(
            runtime.vault,
            count,
            sandbox=runtime.config.sandbox,
            rng=random.Random(random_seed),  # noqa: S311 - synthetic data, not secrets
            progress=lambda done: bar.update(task, completed=done),
        )
    out.print(f"collected {len(ids)} synthetic subjects", markup=False)
