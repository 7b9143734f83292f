"""``policyvault init``: create a vault (schema, keys, policy version 1) in its home."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from policyvault.bootstrap import MASTER_KEY, SHREDDING_KEYS, SIGNING_KEY, init_vault
from policyvault.cli.shell import Home, home_dir, out, reported
from policyvault.crypto.key_files import BLIND_INDEX_FILE, MASTER_KEY_ENV


def init(
    policy: Annotated[
        Path, typer.Option("--policy", help="The policy file (YAML) in force from the start.")
    ],
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Database URL: sqlite:///path or postgresql://... "
            "(default: POLICYVAULT_DATABASE_URL, else policyvault.db in the home).",
            show_default=False,
        ),
    ] = None,
    sandbox: Annotated[
        bool,
        typer.Option(
            "--sandbox",
            help="A sandbox vault, whose clock can be set and advanced (`policyvault clock`). "
            "Without it the vault is a production vault on the real clock.",
        ),
    ] = False,
    home: Home = None,
) -> None:
    """Create a vault: the database schema, the master key (a 0600 key file, unless
    POLICYVAULT_MASTER_KEY is set), the blind-index key, the shredding-key store, the audit
    signing key and policy version 1.

    Refuses a home that already holds a vault. A policy that fails its checks is reported as
    file:line:col: CODE message, and nothing is created.
    """
    where = home_dir(home)
    with reported():
        created = init_vault(where, policy, database_url=database, sandbox=sandbox)
    root = created.home.resolve()
    master = (
        f"from {MASTER_KEY_ENV} (no key file)"
        if MASTER_KEY_ENV in os.environ
        else f"{root / MASTER_KEY} (mode 0600: back it up; without it nothing can be read)"
    )
    url = make_url(created.database_url).render_as_string(hide_password=True)
    out.print(f"created a {created.mode} vault in {root}", markup=False)
    out.print(f"  policy:       {policy} (stored as policy version 1)", markup=False)
    out.print(f"  master key:   {master}", markup=False)
    out.print(
        f"  blind index:  {root / BLIND_INDEX_FILE} (wrapped by the master key)", markup=False
    )
    out.print(
        f"  key store:    {root / SHREDDING_KEYS} (mode 0600: without it nothing can be "
        "read; back it up apart from the database, see docs/keys.md)",
        markup=False,
    )
    out.print(f"  signing key:  {root / SIGNING_KEY} (mode 0600)", markup=False)
    out.print(f"  database:     {url}", markup=False)
    if created.sandbox:
        out.print("  clock:        simulated (`policyvault clock show|set|advance`)", markup=False)
    else:
        out.print("  clock:        the real one (production)", markup=False)
