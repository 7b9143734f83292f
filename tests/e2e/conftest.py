"""Vault homes and a running server for the end-to-end tests (the plain helpers are in
``tests.e2e.runner``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from policyvault.bootstrap import api_keys, read_config
from tests.e2e.runner import (
    POLICY,
    Server,
    clean_environ,
    init_sandbox,
    ok,
    policyvault,
    serving,
)

ACTORS = {
    "admin": "admin-1",
    "privacy_officer": "officer-1",
    "service": "webshop-1",
    "handler": "clerk-1",
    "auditor": "auditor-1",
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """Where the test's vault goes; nothing is there yet."""
    return tmp_path / "vault"


@pytest.fixture
def sandbox(home: Path) -> Path:
    """A sandbox vault made by ``policyvault init`` from the Megazone policy."""
    ok(policyvault(home, "init", "--policy", str(POLICY), "--sandbox"))
    return home


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``policyvault serve`` on loopback for a sandbox vault from the Megazone policy, with an
    API key for each role (its actor in ``ACTORS``); one for each test module."""
    home = tmp_path_factory.mktemp("vault")
    environ = clean_environ()
    init_sandbox(home, environ)
    store = api_keys(read_config(home, environ))
    now = datetime.now(UTC)
    keys = {role: store.create(role, actor, now)[1] for role, actor in ACTORS.items()}
    log = home / "server.log"
    with serving(home, log, environ) as base:
        yield Server(base, home, log, keys)
