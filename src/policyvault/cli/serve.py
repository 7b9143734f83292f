"""``policyvault serve``: the HTTP API and the notice page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policyvault.cli.policy import load_or_exit


def serve(
    policy: Annotated[Path, typer.Option(help="The policy file in force.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /openapi.json) for a policy."""
    import uvicorn

    from policyvault.api.app import create_app

    loaded, _ = load_or_exit(policy)
    uvicorn.run(create_app(loaded), host=host, port=port, log_level="info")
