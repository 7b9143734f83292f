"""The sweeper works a chunk of subjects with a few statements for the whole chunk, on a SQLite
vault home: how many SQL statements a sweep sends, besides its audit entries (two per emptied
subject: its destruction and its shredding), does not grow with the number of subjects in the
chunk, and the shredding keys of a chunk go in one transaction of the key store. What the
batch reads give is what the one-subject reads give."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from sqlalchemy import event
from tests.e2e.runner import clean_environ

from policyvault.bootstrap import VaultRuntime, init_vault, open_vault, sandbox_clock
from policyvault.domain.audit import Actor
from policyvault.domain.policy.data import ConsentCategory
from policyvault.services.retention.facade import Retention
from policyvault.services.vault import ConsentChoice, Evidence
from policyvault.services.vault.deadlines import retention_facts, retention_facts_of
from policyvault.storage.shredding_keys_sqlite import SqliteShreddingKeyStore

ROOT = Path(__file__).resolve().parents[2]
MEGAZONE = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
APP = Actor(id="webshop-1", role="service")
MEMBER = {"email": "member@example.com", "name": "Example Member"}


def inquiry(n: int) -> dict[str, str]:
    """Reserved fake data (example.com, 555-01xx)."""
    return {
        "company_name": f"Quillfeather Example Trading {n:04d}",
        "contact_person": f"Ottoline Example-Wrenfield {n:04d}",
        "email": f"ottoline.{n:04d}@example.com",
        "phone": f"+82 2 555 01{n % 100:02d}",
    }


def no_approval_policy(directory: Path) -> Path:
    data = YAML(typ="safe", pure=True).load(MEGAZONE)
    data["destruction"].pop("approval_required")
    data["destruction"].pop("approver", None)
    policy = directory / "megazone-no-approval.yaml"
    YAML(typ="safe", pure=True).dump(data, policy)
    return policy


def seeded(directory: Path, due: int) -> tuple[Path, list[str], list[str]]:
    """A sandbox vault with ``due`` completed inquiries (all due after the clock moves on),
    as many open ones, and members whose payment records go to the separate store."""
    home = directory / f"vault-{due}"
    environ = clean_environ()
    config = init_vault(home, no_approval_policy(directory), sandbox=True, environ=environ)
    runtime = open_vault(home, environ)
    done: list[str] = []
    others: list[str] = []
    try:
        vault, retention = runtime.vault, Retention(runtime.vault.context)
        for n in range(2 * due):
            choice = ConsentChoice(ConsentCategory.collection_use, ("product.inquiry",))
            subject = vault.collect(
                "product_inquiry", inquiry(n), [choice], Evidence(channel="web"), APP
            ).subject_id
            if n < due:
                vault.record_event(subject, "inquiry_completed", APP)
                done.append(subject)
            else:
                others.append(subject)
        for _ in range(3):
            choice = ConsentChoice(ConsentCategory.collection_use, ("membership.management",))
            member = vault.collect(
                "console_start", MEMBER, [choice], Evidence(channel="web"), APP
            ).subject_id
            retention.add_record(
                member, "payment_and_supply", runtime.clock.now(), {"order": 1}, APP
            )
            vault.record_event(member, "account_closed", APP)
            others.append(member)
    finally:
        runtime.close()
    sandbox_clock(config).advance(timedelta(days=30))
    return home, done, others


@contextmanager
def counting(runtime: VaultRuntime) -> Iterator[Counter[str]]:
    """Statements sent on the vault's and the separate store's engines, by kind: ``audit``
    (appending entries), and ``other``."""
    counts: Counter[str] = Counter()

    def on(*args: Any) -> None:
        statement: str = args[2]
        counts["audit" if "audit_" in statement else "other"] += 1

    context = runtime.vault.context
    engines = {context.store.engine, context.separate.engine}  # type: ignore[attr-defined]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", on)
    try:
        yield counts
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", on)


def sweep_counted(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Counter[str], list[int], Any]:
    """A sweep, its statements, and how many keys each transaction of the key store shred."""
    key_transactions: list[int] = []
    destroy_many = SqliteShreddingKeyStore.destroy_many

    def counted(self: SqliteShreddingKeyStore, subject_ids: list[str]) -> int:
        key_transactions.append(len(subject_ids))
        return destroy_many(self, subject_ids)

    with monkeypatch.context() as patched:
        patched.setattr(SqliteShreddingKeyStore, "destroy_many", counted)
        patched.setattr(SqliteShreddingKeyStore, "destroy", None)  # never one at a time
        runtime = open_vault(home, clean_environ())
        try:
            with counting(runtime) as counts:
                report = Retention(runtime.vault.context).sweep(chunk=1000)
        finally:
            runtime.close()
    return counts, key_transactions, report


def test_a_chunk_costs_the_same_statements_whatever_its_subjects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_home, small_due, _ = seeded(tmp_path, 3)
    large_home, large_due, _ = seeded(tmp_path, 24)
    small, small_keys, small_report = sweep_counted(small_home, monkeypatch)
    large, large_keys, large_report = sweep_counted(large_home, monkeypatch)
    for report, due in ((small_report, small_due), (large_report, large_due)):
        assert report.destroyed_items == 4 * len(due) + 2 * 3 and report.cancelled == 0
        assert report.keys_destroyed == len(due) and report.archived == 3
    assert small_keys == [len(small_due)] and large_keys == [len(large_due)]  # one each
    assert large["other"] == small["other"], (small, large)
    # the entries themselves: a destruction and a shredding per emptied subject
    per_subject = (large["audit"] - small["audit"]) / (len(large_due) - len(small_due))
    assert per_subject <= 2 * 3  # an append is three statements


def test_batch_facts_are_the_one_subject_facts(tmp_path: Path) -> None:
    home, due, others = seeded(tmp_path, 4)
    runtime = open_vault(home, clean_environ())
    try:
        ctx = runtime.vault.context
        Retention(ctx).sweep(chunk=2)  # some subjects emptied, some records moved apart
        everyone = [*due, *others, "nobody"]
        with ctx.session() as session:
            batch = retention_facts_of(ctx, session, everyone)
            assert list(batch) == everyone
            for subject_id in everyone:
                assert batch[subject_id].facts == retention_facts(ctx, session, subject_id)
                assert batch[subject_id].subject == session.subject(subject_id)
            with ctx.separate.reading() as separate:
                for subject_id in everyone:
                    stored = batch[subject_id]
                    kept = {i.item_key for i in separate.items(subject_id)}
                    assert stored.separate_items == kept
                    assert stored.separate_records == {r.id for r in separate.records(subject_id)}
            assert any(batch[s].separate_records for s in others)
    finally:
        runtime.close()
