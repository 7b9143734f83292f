"""The installed ``policyvault`` console script as an operator runs it: an environment with no
POLICYVAULT_ setting but the vault home, real exit codes; and ``policyvault serve`` on a free
loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from policyvault.bootstrap import VaultConfig, init_vault

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without any POLICYVAULT_ setting, and ``extra``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POLICYVAULT_")}
    return {**environ, **extra}


def executable() -> str:
    exe = shutil.which("policyvault", path=str(Path(sys.executable).parent))
    assert exe, "the policyvault console script is installed in the environment"
    return exe


def policyvault(
    home: Path, *args: str, environ: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``policyvault ARGS`` on the vault in ``home`` (``environ``: a clean one by default)."""
    env = {**(clean_environ() if environ is None else environ), "POLICYVAULT_HOME": str(home)}
    return subprocess.run(
        [executable(), *args], capture_output=True, text=True, timeout=300, check=False, env=env
    )


def as_actor(home: Path, actor: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``policyvault`` on the vault in ``home``, as a member of staff: ``--actor ACTOR``."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return policyvault(home, *args, "--actor", actor)

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def one_error_line(result: subprocess.CompletedProcess[str], code: int | None = None) -> str:
    """The one ``error: ...`` line a failed command printed (exiting ``code``, if given)."""
    if code is None:
        assert result.returncode != 0, result.stdout + result.stderr
    else:
        assert result.returncode == code, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def verify_audit_log(home: Path) -> None:
    """``policyvault audit verify`` finds the audit log of the vault in ``home`` intact."""
    database = f"sqlite:///{home / 'policyvault.db'}"
    signing_key = str(home / "audit-signing-key.pem")
    ok(policyvault(home, "audit", "verify", "--database", database, "--signing-key", signing_key))


def init_sandbox(home: Path, environ: Mapping[str, str] | None = None) -> VaultConfig:
    """A sandbox vault from the Megazone policy, made in this process."""
    return init_vault(
        home, POLICY, sandbox=True, environ=clean_environ() if environ is None else environ
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``policyvault serve``: its base URL, vault home, log and API keys."""

    base: str
    home: Path
    log: Path
    keys: dict[str, str]  # role: API key

    def client(self, role: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.keys[role]}"}, timeout=30
        )

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serving(home: Path, log: Path, environ: Mapping[str, str] | None = None) -> Iterator[str]:
    """``policyvault serve`` for the vault in ``home`` on a free loopback port, its output in
    ``log``; yields the base URL once /v1/health answers, and stops the server after."""
    port = free_port()
    env = {**(clean_environ() if environ is None else environ), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as sink:
        process = subprocess.Popen(
            [executable(), "serve", "--home", str(home), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):  # wait for start-up (not for a deadline)
                try:
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                pytest.fail("policyvault serve did not start: " + log.read_text())
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)
