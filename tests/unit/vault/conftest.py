from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from policyvault.crypto.hazmat import generate_key
from policyvault.crypto.keys import LocalKeyProvider
from policyvault.domain.audit import Actor, AuditEntry
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.policy.data import Item, ItemType
from policyvault.services.audit import AuditLog
from policyvault.services.policy_files import load_policy
from policyvault.services.vault import Vault, VaultContext
from policyvault.storage.audit_memory import InMemoryAuditStore
from policyvault.storage.separate_memory import InMemorySeparateStore
from policyvault.storage.shredding_keys_memory import InMemoryShreddingKeyStore
from policyvault.storage.vault_memory import InMemoryVaultStore

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "policies"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
APP = Actor(id="signup-service-1", role="service")
ADMIN = Actor(id="admin-1", role="admin")
CLERK = Actor(id="clerk-1", role="handler")


class MemoryVault:
    """A vault on the memory stores with a simulated clock, and handles on its parts."""

    def __init__(self, policy_name: str, path: Path | None = None) -> None:
        self.clock = SimulatedClock(START)
        self.audit_store = InMemoryAuditStore()
        self.store = InMemoryVaultStore(self.audit_store)
        self.audit = AuditLog(self.audit_store, self.clock)
        self.keys = LocalKeyProvider(generate_key())
        self.shredding_keys = InMemoryShreddingKeyStore()
        self.separate = InMemorySeparateStore()
        self.vault = Vault(
            VaultContext(
                store=self.store,
                audit=self.audit,
                keys=self.keys,
                blind_index_key=generate_key(),
                shredding_keys=self.shredding_keys,
                separate=self.separate,
                policy=load_policy(path or EXAMPLES / f"{policy_name}.yaml"),
                clock=self.clock,
            )
        )

    def audit_entries(self) -> list[AuditEntry]:
        with self.audit_store.reading() as reader:
            return [r.entry() for r in reader.records()]


@pytest.fixture
def megazone(tmp_path: Path) -> MemoryVault:
    """Megazone, with the Google transfer resting on a separate overseas-transfer consent
    asked at the inquiry form. The seed states no basis for that transfer (the example file
    leaves it out and the linter flags it); the workflows under test need one."""
    data = YAML(typ="safe", pure=True).load(EXAMPLES / "megazone-cloudplex.yaml")
    [google] = [p for p in data["processors"] if p["id"] == "google"]
    google.update(transfer_basis="consent", consent_category="overseas_transfer")
    data["collection_points"]["product_inquiry"]["consents"].append(
        {"category": "overseas_transfer", "purposes": ["product.inquiry"], "required": True}
    )
    path = tmp_path / "megazone-cloudplex.yaml"
    YAML(typ="safe", pure=True).dump(data, path)
    return MemoryVault("megazone-cloudplex", path)


@pytest.fixture
def optapex() -> MemoryVault:
    return MemoryVault("lgcns-optapex")


def sample_value(item: Item) -> object:
    """A valid, obviously synthetic value for an item of any type."""
    samples: dict[ItemType, object] = {
        ItemType.text: "Sample text",
        ItemType.name: "Sample Person",
        ItemType.email: "sample@example.com",
        ItemType.phone: "+82 2 555 0100",
        ItemType.country: "KR",
        ItemType.address: "1 Sample Street",
        ItemType.postal_code: "03171",
        ItemType.date: "2000-01-01",
        ItemType.datetime: "2026-01-01T09:00:00+09:00",
        ItemType.number: 1,
        ItemType.boolean: True,
        ItemType.url: "https://www.example.com/",
        ItemType.ip_address: "192.0.2.1",
        ItemType.identifier: "id-0001",
        ItemType.password: "sample password 1",
        ItemType.file: {
            "media_type": (item.media_types or ["text/plain"])[0],
            "content_base64": "c2FtcGxl",
        },
        ItemType.record: {"event": "sample"},
    }
    if item.type is ItemType.enum:
        return (item.values or [""])[0]
    return samples[item.type]
