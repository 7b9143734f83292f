"""``policyvault serve``: the HTTP API of a vault."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)


def serve(
    home: Annotated[
        Path | None,
        typer.Option(help="The vault's home directory (default: POLICYVAULT_HOME or ./var)."),
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /openapi.json) of an initialised vault."""
    import uvicorn

    from policyvault.api.app import create_app
    from policyvault.bootstrap import api_keys, open_vault, vault_home
    from policyvault.domain.errors import PolicyVaultError

    try:
        runtime = open_vault(home or vault_home())
    except PolicyVaultError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    try:
        app = create_app(runtime, api_keys(runtime.config))
        uvicorn.run(app, host=host, port=port, log_level="info")
    finally:
        runtime.close()
