"""The vault's keys on every store (memory, SQLite, PostgreSQL): a ciphertext moved to another
row fails with the one opaque error and leaks nothing; master-key rotation re-wraps every data
key in audited batches, resumes after an interruption, and leaves every value (and the blind
index) readable with the new key alone; no plaintext in a PostgreSQL dump."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine

from policyvault.crypto.blind_index import IndexKind
from policyvault.crypto.envelope import DecryptionFailed
from policyvault.crypto.hazmat import SecretKey, generate_key
from policyvault.crypto.keys import KeyProvider, KeyRing, LocalKeyProvider
from policyvault.domain.audit import Actor, AuditEvent
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.errors import NotFound
from policyvault.domain.policy.data import ConsentCategory
from policyvault.services.audit import AuditLog
from policyvault.services.policy_files import load_policy
from policyvault.services.vault import ConsentChoice, Evidence, Vault, VaultContext
from policyvault.services.vault.keys import rewrap_data_keys
from policyvault.storage.audit_sql import PostgresAuditStore
from policyvault.storage.migrate import upgrade_database
from policyvault.storage.separate_memory import InMemorySeparateStore
from policyvault.storage.shredding_keys_memory import InMemoryShreddingKeyStore
from policyvault.storage.vault_sql import PostgresVaultStore

if TYPE_CHECKING:  # the fixtures' types; conftest is not importable as a package module
    from conftest import PostgresSchema, VaultBackend

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(ROOT / "examples" / "policies" / "megazone-cloudplex.yaml")
PURPOSE = "product.inquiry"
APP = Actor(id="webshop-1", role="service")
CLERK = Actor(id="clerk-1", role="handler")
ADMIN = Actor(id="admin-1", role="admin")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONSENTS = [ConsentChoice(ConsentCategory.collection_use, (PURPOSE,))]


def inquiry(number: int) -> dict[str, str]:
    """Reserved fake data, distinctive enough to search raw bytes for."""
    return {
        "company_name": f"Quillfeather Example Trading {number:04d}",
        "contact_person": f"Ottoline Example-Wrenfield {number:04d}",
        "email": f"ottoline.{number:04d}@example.com",
        "phone": f"+1 202 555 01{number % 100:02d}",
    }


def stored_phone(number: int) -> str:
    return f"+120255501{number % 100:02d}"


@dataclass
class Keys:
    blind_index_key: SecretKey
    shredding_keys: InMemoryShreddingKeyStore


def open_vault(backend: VaultBackend, keys: KeyProvider, shared: Keys) -> Vault:
    """A vault on the backend's stores with ``keys`` as its master keys."""
    return vault_on(backend.store, backend.audit_store, keys, shared)


def vault_on(store: Any, audit_store: Any, keys: KeyProvider, shared: Keys) -> Vault:
    clock = SimulatedClock(START)
    return Vault(
        VaultContext(
            store=store,
            audit=AuditLog(audit_store, clock),
            keys=keys,
            blind_index_key=shared.blind_index_key,
            shredding_keys=shared.shredding_keys,
            separate=InMemorySeparateStore(),
            policy=POLICY,
            clock=clock,
        )
    )


def collect(vault: Vault, numbers: range) -> dict[str, int]:
    ids = {}
    for number in numbers:
        collected = vault.collect(
            "product_inquiry", inquiry(number), CONSENTS, Evidence(channel="web"), APP
        )
        ids[collected.subject_id] = number
    return ids


def audit_entries(backend: VaultBackend) -> list[AuditEvent]:
    with backend.audit_store.reading() as reader:
        return [record.entry().event for record in reader.records()]


@pytest.fixture
def shared() -> Keys:
    return Keys(generate_key(), InMemoryShreddingKeyStore())


# --- the ciphertext swap -------------------------------------------------------------------------


def test_a_ciphertext_moved_to_another_row_fails_opaquely_and_leaks_nothing(
    vault_backend: VaultBackend, shared: Keys
) -> None:
    vault = open_vault(vault_backend, LocalKeyProvider(generate_key()), shared)
    ids = collect(vault, range(2))
    a, b = sorted(ids, key=ids.__getitem__)
    vault.grant(CLERK.id, PURPOSE, ADMIN)
    assert vault.read(b, ["email"], PURPOSE, CLERK).values == {
        "email": inquiry(1)["email"].encode()
    }

    # Straight into the store, under the vault: A's sealed email onto B's email row, and onto
    # A's own phone row.
    with vault_backend.store.session() as session:
        [a_email] = session.items(a, ["email"])
        [b_email] = session.items(b, ["email"])
        [a_phone] = session.items(a, ["phone"])
        session.put_item(replace(b_email, sealed=a_email.sealed))
        session.put_item(replace(a_phone, sealed=a_email.sealed))
    before = len(audit_entries(vault_backend))

    for subject, item in ((b, "email"), (a, "phone")):
        with pytest.raises(DecryptionFailed) as failure:
            vault.read(subject, [item], PURPOSE, CLERK)
        assert str(failure.value) == "decryption failed"
        assert failure.value.code == "decryption_failed"
        assert failure.value.args == ("decryption failed",)
        # raised `from None`: a traceback shows no inner error that could say more
        assert failure.value.__cause__ is None and failure.value.__suppress_context__
    # A read of several items fails as a whole: no value is released with the failure.
    with pytest.raises(DecryptionFailed):
        vault.read(b, ["phone", "email", "contact_person"], PURPOSE, CLERK)

    # Each failure is audited, as a denial naming items, never values.
    failures = audit_entries(vault_backend)[before:]
    assert [(e.action, e.decision.allowed, e.decision.rule) for e in failures] == [
        ("vault.read", False, "decryption_failed")
    ] * 3
    assert [e.subject_id for e in failures] == [b, a, b]
    text = repr(audit_entries(vault_backend))
    for number in (0, 1):
        for value in (*inquiry(number).values(), stored_phone(number)):
            assert value not in text
    # Untouched rows still read.
    assert vault.read(b, ["phone"], PURPOSE, CLERK).values == {"phone": stored_phone(1).encode()}
    assert vault.read(a, ["email"], PURPOSE, CLERK).values == {
        "email": inquiry(0)["email"].encode()
    }


# --- master-key rotation -------------------------------------------------------------------------


def read_everything(vault: Vault, ids: dict[str, int]) -> None:
    for subject, number in ids.items():
        result = vault.read(subject, ["email", "phone", "contact_person"], PURPOSE, CLERK)
        assert result.values == {
            "email": inquiry(number)["email"].encode(),
            "phone": stored_phone(number).encode(),
            "contact_person": inquiry(number)["contact_person"].encode(),
        }


def key_ids(backend: VaultBackend, ids: dict[str, int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    with backend.store.session() as session:
        for subject in ids:
            found = session.subject(subject)
            assert found is not None
            counts[found.key_id] = counts.get(found.key_id, 0) + 1
    return counts


def test_rotation_rewraps_every_key_and_the_new_key_alone_reads_everything(
    vault_backend: VaultBackend, shared: Keys
) -> None:
    old_master, new_master = generate_key(), generate_key()
    old, new = LocalKeyProvider(old_master), LocalKeyProvider(new_master)
    vault = open_vault(vault_backend, old, shared)
    ids = collect(vault, range(45))
    shredded = next(iter(ids))
    vault.shred(shredded, ADMIN, reason="retention ended")
    del ids[shredded]
    shared.shredding_keys.add(shredded, os.urandom(32))  # as if the shredding was cut short
    vault.grant(CLERK.id, PURPOSE, ADMIN)
    with vault_backend.store.session() as session:
        sealed_before = {s: session.items(s) for s in ids}

    rotating = open_vault(vault_backend, KeyRing(old, [new]), shared)
    report = rewrap_data_keys(rotating.context, new, ADMIN, batch_size=10)

    assert (report.subjects, report.rewrapped, report.shredded) == (45, 44, 1)
    assert (report.unreadable, report.batches, report.complete) == (0, 5, True)
    assert key_ids(vault_backend, ids) == {new.key_id: 44}
    assert shared.shredding_keys.get(shredded) is None  # the interrupted shredding finished
    with vault_backend.store.session() as session:
        assert {s: session.items(s) for s in ids} == sealed_before  # no value re-sealed
    # Only the new master key, in a fresh vault: every value, and the blind index.
    fresh = open_vault(vault_backend, LocalKeyProvider(new_master), shared)
    read_everything(fresh, ids)
    number = ids[sorted(ids)[7]]
    assert fresh.find_subjects(
        IndexKind.email, inquiry(number)["email"].upper(), CLERK, purpose="product.inquiry"
    ) == [sorted(ids)[7]]
    with pytest.raises(DecryptionFailed):
        open_vault(vault_backend, old, shared).read(next(iter(ids)), ["email"], PURPOSE, CLERK)
    # One audit entry per batch, with counts and key ids only.
    batches = [e for e in audit_entries(vault_backend) if e.action == "keys.rewrap"]
    assert len(batches) == 5 and all(e.decision.allowed for e in batches)
    assert sum(e.details["rewrapped"] for e in batches) == 44
    assert {e.details["key_id"] for e in batches} == {new.key_id}
    assert set(batches[0].details) == {"key_id", "subjects", "rewrapped", "shredded", "unreadable"}


def test_an_interrupted_rotation_is_resumed_and_every_value_stays_readable(
    vault_backend: VaultBackend, shared: Keys
) -> None:
    old, new = LocalKeyProvider(generate_key()), LocalKeyProvider(generate_key())
    vault = open_vault(vault_backend, old, shared)
    ids = collect(vault, range(30))
    vault.grant(CLERK.id, PURPOSE, ADMIN)
    both = open_vault(vault_backend, KeyRing(old, [new]), shared)

    # Killed after two batches of eight: half-way.
    half = rewrap_data_keys(both.context, new, ADMIN, batch_size=8, max_batches=2)
    assert (half.subjects, half.rewrapped, half.complete) == (16, 16, False)
    assert key_ids(vault_backend, ids) == {new.key_id: 16, old.key_id: 14}
    # Meanwhile every value opens with a ring of both keys, by the key id on each row; a
    # process with only one of them cannot read the other half.
    read_everything(both, ids)
    with pytest.raises(DecryptionFailed):
        read_everything(open_vault(vault_backend, new, shared), ids)

    # Run again: what is done is skipped, the rest re-wrapped.
    rest = rewrap_data_keys(both.context, new, ADMIN, batch_size=8)
    assert (rest.subjects, rest.rewrapped, rest.complete) == (30, 14, True)
    again = rewrap_data_keys(both.context, new, ADMIN, batch_size=8)
    assert again.rewrapped == 0
    assert key_ids(vault_backend, ids) == {new.key_id: 30}
    read_everything(open_vault(vault_backend, new, shared), ids)


def test_a_destroyed_key_is_never_written_back(vault_backend: VaultBackend, shared: Keys) -> None:
    vault = open_vault(vault_backend, LocalKeyProvider(generate_key()), shared)
    [subject] = collect(vault, range(1))
    with vault_backend.store.session() as session:
        wrapped = session.wrapped_key(subject)
    assert wrapped is not None
    vault.shred(subject, ADMIN, reason="erasure request")
    with vault_backend.store.session() as session, pytest.raises(NotFound):
        session.replace_wrapped_key(subject, wrapped, "mk-0000000000000000")
    with vault_backend.store.session() as session:
        assert session.wrapped_key(subject) is None


# --- a PostgreSQL dump -----------------------------------------------------------------------


@pytest.mark.postgres
def test_a_postgresql_dump_holds_no_plaintext(
    postgres_schema: PostgresSchema, shared: Keys
) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    engine: Engine = postgres_schema.engine()
    try:
        upgrade_database(engine)
        store, audit_store = PostgresVaultStore(engine), PostgresAuditStore(engine)
        vault = vault_on(store, audit_store, LocalKeyProvider(generate_key()), shared)
        ids = collect(vault, range(12))
        vault.grant(CLERK.id, PURPOSE, ADMIN)
        read_everything(vault, ids)  # reads and their audit entries are in the dump too
        vault.correct(next(iter(ids)), "email", "ottoline.corrected@example.com", CLERK)
    finally:
        engine.dispose()
    dumped = subprocess.run(
        [pg_dump, "--dbname", postgres_schema.url, "--schema", postgres_schema.schema],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if dumped.returncode != 0:
        pytest.skip(f"pg_dump failed: {dumped.stderr.decode(errors='replace').strip()}")
    dump = dumped.stdout
    assert b"COPY " in dump and b"vault_items" in dump and b"audit_entries" in dump
    assert dump.count(b"\\\\x01") >= 12 * 4  # bytea as hex: the sealed values are there
    values = [v for n in range(12) for v in (*inquiry(n).values(), stored_phone(n))]
    values += ["ottoline.corrected@example.com", "Ottoline", "Quillfeather"]
    for value in values:
        for form in (value.encode(), value.encode().hex().encode(), value.encode("utf-16-le")):
            assert form not in dump, value
