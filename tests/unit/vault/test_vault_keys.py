"""The vault's keys on the memory stores: each subject gets a shredding key of its own, which
shredding destroys (and shredding again finishes an interrupted shredding); the blind index
uses the vault's blind-index key, not the master key."""

from __future__ import annotations

import os

import pytest
from tests.unit.vault.conftest import ADMIN, CLERK, MemoryVault
from tests.unit.vault.test_vault_workflows import EMAIL, inquiry

from policyvault.crypto.blind_index import IndexKind
from policyvault.crypto.envelope import DecryptionFailed
from policyvault.crypto.hazmat import generate_key
from policyvault.crypto.keys import LocalKeyProvider
from policyvault.services.vault import SubjectNotFound


def test_each_subject_has_its_own_shredding_key_and_shredding_destroys_it(
    megazone: MemoryVault,
) -> None:
    first, second = inquiry(megazone), inquiry(megazone)
    key = megazone.shredding_keys.get(first)
    assert key is not None and len(key) == 32
    assert megazone.shredding_keys.get(second) not in (None, key)
    megazone.vault.shred(first, ADMIN, reason="retention ended")
    assert megazone.shredding_keys.get(first) is None
    assert megazone.shredding_keys.get(second) is not None


def test_shredding_again_finishes_an_interrupted_shredding(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.shred(subject, ADMIN, reason="retention ended")
    entries = len(megazone.audit_entries())
    megazone.shredding_keys.add(subject, os.urandom(32))  # as if the process died in between
    megazone.vault.shred(subject, ADMIN, reason="retention ended")
    assert megazone.shredding_keys.get(subject) is None
    assert len(megazone.audit_entries()) == entries  # shredded once, audited once
    with pytest.raises(SubjectNotFound):
        megazone.vault.shred("no-such-subject", ADMIN, reason="retention ended")


def test_a_lost_shredding_key_is_the_one_opaque_error(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    megazone.shredding_keys.destroy(subject)  # the key store lost it, or is another vault's
    with pytest.raises(DecryptionFailed):
        megazone.vault.read(subject, ["email"], "product.inquiry", CLERK)
    last = megazone.audit_entries()[-1].event
    assert (last.action, last.decision.allowed, last.decision.rule) == (
        "vault.read",
        False,
        "decryption_failed",
    )


def test_the_blind_index_does_not_depend_on_the_master_key(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    context = megazone.vault.context
    context.keys = LocalKeyProvider(generate_key())  # another master key, same index key
    assert megazone.vault.find_subjects(
        IndexKind.email, EMAIL, CLERK, purpose="product.inquiry"
    ) == [subject]
