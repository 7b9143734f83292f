"""Synthetic subjects for sandbox vaults: plausible values for every item type from Faker
(Korean names for a Korean controller), with contact data on reserved names only
(example.com addresses, +1 202 555-01xx numbers), collected through the policy's own
collection points with the consents each point asks."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from policyvault.domain.audit import Actor
from policyvault.domain.errors import Refused
from policyvault.domain.policy.data import CollectionKind, Item, ItemType
from policyvault.domain.policy.model import Policy
from policyvault.services.vault import ConsentChoice, Evidence, Vault

SEEDER = Actor(id="sandbox-seeder-1", role="service")


def seed_subjects(
    vault: Vault,
    count: int,
    *,
    sandbox: bool,
    rng: random.Random,
    progress: Callable[[int], None] | None = None,
) -> list[str]:
    """Collect ``count`` synthetic subjects through the policy's non-automatic points."""
    if not sandbox:
        raise Refused("synthetic subjects go into sandbox vaults only")
    policy = vault.context.policy
    fake = _faker(policy, rng)
    points = [
        k for k, p in policy.collection_points.items() if p.kind is not CollectionKind.automatic
    ]
    points = points or list(policy.collection_points)
    created = []
    for number in range(count):
        key = points[number % len(points)]
        point = policy.collection_points[key]
        items = [*point.required, *(i for i in point.optional if rng.random() < 0.5)]
        items = items or point.optional[:1]
        values = {item: synthetic_value(policy, item, number, rng, fake) for item in items}
        consents = [ConsentChoice(c.category, tuple(c.purposes)) for c in point.consents]
        collected = vault.collect(key, values, consents, Evidence(channel="sandbox"), SEEDER)
        created.append(collected.subject_id)
        if progress is not None:
            progress(number + 1)
    return created


def _faker(policy: Policy, rng: random.Random) -> Any:
    from faker import Faker  # the sandbox's only use of it: imported when seeding

    fake = Faker("ko_KR" if policy.controller.country == "KR" else "en_US")
    fake.seed_instance(rng.randrange(2**32))
    return fake


def synthetic_value(policy: Policy, key: str, number: int, rng: random.Random, fake: Any) -> Any:
    item: Item = policy.items[key]
    values: dict[ItemType, Any] = {
        ItemType.name: fake.name(),
        # Addresses and numbers stay on reserved names, whatever Faker would invent.
        ItemType.email: f"user{number}.{rng.randrange(10**6):06d}@example.com",
        ItemType.phone: f"+1 202 555 01{number % 100:02d}",
        ItemType.country: rng.choice(("KR", "US", "DE", "JP")),
        ItemType.address: fake.address().replace("\n", ", ")[:200],
        ItemType.postal_code: f"{10000 + number % 89999}",
        ItemType.date: f"19{rng.randint(60, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        ItemType.datetime: "2026-01-01T09:00:00+09:00",
        ItemType.number: rng.randint(1, 100),
        ItemType.boolean: rng.random() < 0.5,
        ItemType.url: f"https://www.example.com/{number}",
        ItemType.ip_address: f"192.0.2.{number % 254 + 1}",
        ItemType.identifier: f"cookie-{number:06d}",
        ItemType.password: f"sandbox password {number:06d}",
        ItemType.file: {
            "media_type": (item.media_types or ["text/plain"])[0],
            "content_base64": "c2FuZGJveA==",
        },
        ItemType.record: {"event": "visit", "page": f"/page/{number % 20}"},
    }
    if item.type is ItemType.enum:
        return rng.choice(item.values or [""])
    if item.type is ItemType.text:
        limit = item.max_length or 200
        if "company" in key or "organization" in item.category:
            return str(fake.company())[:limit]
        return str(fake.sentence(nb_words=8))[:limit]
    return values[item.type]
