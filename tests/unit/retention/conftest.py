"""Retention on the unit tests' memory vault (``tests/unit/vault/conftest.py``): a simulated
clock, the memory stores, and the ``Retention`` facade over the same context."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.unit.vault.conftest import ADMIN, APP, CLERK, MemoryVault, sample_value

from policyvault.domain.access import STATUTORY_PURPOSE
from policyvault.domain.audit import Actor, AuditEntry
from policyvault.services.retention.facade import Retention
from policyvault.services.vault import ConsentChoice, Evidence

__all__ = ["ADMIN", "APP", "CLERK", "OFFICER", "WEB", "Harness"]

OFFICER = Actor(id="cpo-1", role="privacy_officer")
WEB = Evidence(channel="web", notice_hash="sha256:notice")


class Harness:
    """A memory vault with its retention facade and a few shortcuts for the tests."""

    def __init__(self, policy_name: str, path: Path | None = None) -> None:
        self.memory = MemoryVault(policy_name, path)
        self.vault = self.memory.vault
        self.retention = Retention(self.vault.context)
        self.policy = self.vault.context.policy
        self.clock = self.memory.clock

    def collect(
        self,
        point_key: str,
        values: Mapping[str, Any] | None = None,
        *,
        optional_consents: bool = True,
        subject_id: str | None = None,
    ) -> str:
        point = self.policy.collection_points[point_key]
        if values is None:
            values = {k: sample_value(self.policy.items[k]) for k in point.required}
        consents = [
            ConsentChoice(c.category, tuple(c.purposes))
            for c in point.consents
            if c.required or optional_consents
        ]
        return self.vault.collect(
            point_key, values, consents, WEB, APP, subject_id=subject_id
        ).subject_id

    def grant_statutory(self, actor: Actor = CLERK) -> None:
        self.vault.grant(actor.id, STATUTORY_PURPOSE, ADMIN)

    def advance(self, **by: float) -> None:
        self.clock.advance(timedelta(**by))

    def to_local(self, day: datetime | None = None, at: time = time(0)) -> None:
        """Move the clock to ``at`` on the local date of ``day`` (default: the next day)."""
        zone = ZoneInfo(self.policy.timezone)
        local = (day or self.clock.now() + timedelta(days=1)).astimezone(zone)
        self.clock.set(datetime.combine(local.date(), at, tzinfo=zone))

    def sweep_and_approve(self) -> None:
        """A sweep, the officer approving whatever it queued, and the sweep that follows."""
        self.retention.sweep()
        batches = self.retention.queue()
        if batches:
            self.retention.approve([b.id for b in batches], OFFICER)
        self.retention.sweep()

    def item_keys(self, subject_id: str) -> set[str]:
        return {k for (s, k) in self.memory.store.raw_state().items if s == subject_id}

    def separate_keys(self, subject_id: str) -> set[str]:
        return {k for (s, k) in self.memory.separate.raw_state().items if s == subject_id}

    def record_ids(self) -> tuple[set[str], set[str]]:
        """The ids of the statutory records in the live store and in the separate store."""
        return (
            set(self.memory.store.raw_state().records),
            set(self.memory.separate.raw_state().records),
        )

    def audit(self, action: str) -> list[AuditEntry]:
        return [e for e in self.memory.audit_entries() if e.event.action == action]


@pytest.fixture
def megazone() -> Harness:
    """Megazone Cloudplex: approval by the privacy officer, statutory records (some in
    ordinary use until account closure), no grace days, Korean counting."""
    return Harness("megazone-cloudplex")


@pytest.fixture
def optapex() -> Harness:
    """LG CNS Optapex: no approval step, marketing kept 36 months, usage records anonymised
    at account closure, an 'investigation' hold."""
    return Harness("lgcns-optapex")


@pytest.fixture
def utracs() -> Harness:
    """UTRACS: statutory records kept for the statute alone (separate from the start)."""
    return Harness("utracs")
