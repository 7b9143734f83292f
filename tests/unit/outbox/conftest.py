"""The real SMTP servers of ``tests.support.smtp`` as fixtures, each stopped after its test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.smtp import (
    SmtpServer,
    deferring_smtp_server,
    implicit_tls_smtp_server,
    plain_smtp_server,
    refusing_smtp_server,
    starttls_smtp_server,
)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with plain_smtp_server() as server:
        yield server


@pytest.fixture
def starttls_server(tmp_path: Path) -> Iterator[SmtpServer]:
    with starttls_smtp_server(tmp_path) as server:
        yield server


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[SmtpServer]:
    with implicit_tls_smtp_server(tmp_path) as server:
        yield server


@pytest.fixture
def refusing_server() -> Iterator[SmtpServer]:
    with refusing_smtp_server() as server:
        yield server


@pytest.fixture
def deferring_server() -> Iterator[SmtpServer]:
    with deferring_smtp_server() as server:
        yield server
