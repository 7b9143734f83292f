"""Synthetic subjects can be collected through every seed policy's collection points, and
only into sandbox vaults."""

from __future__ import annotations

import random

import pytest
from tests.unit.vault.conftest import EXAMPLES, MemoryVault

from policyvault.domain.errors import Refused
from policyvault.services.sandbox import seed_subjects

SEEDS = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("seed", SEEDS)
def test_every_collection_point_of_every_seed_accepts_synthetic_subjects(seed: str) -> None:
    memory = MemoryVault(seed)
    ids = seed_subjects(memory.vault, 25, sandbox=True, rng=random.Random(7))
    assert len(set(ids)) == 25
    state = memory.store.raw_state()
    assert len(state.subjects) == 25
    assert all(b"@example.com" not in item.sealed for item in state.items.values())


def test_a_production_vault_refuses_synthetic_subjects() -> None:
    memory = MemoryVault("megazone-cloudplex")
    with pytest.raises(Refused):
        seed_subjects(memory.vault, 1, sandbox=False, rng=random.Random(1))


def test_the_sandbox_clock_refuses_to_run_off_the_calendar(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime, timedelta

    from policyvault.domain.errors import InvalidInput
    from policyvault.storage.sandbox_clock import FileSandboxClock

    clock = FileSandboxClock(tmp_path / "clock.json")
    with pytest.raises(InvalidInput):
        clock.set(datetime(9999, 12, 31, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        clock.advance(timedelta(days=365 * 8000))
    clock.advance(timedelta(days=365 * 100))
    assert clock.now().year >= 2120
