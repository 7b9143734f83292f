"""The key-provider port and its local adapter: wrapping data keys per subject and vault
secrets, HKDF sub-keys, the key ring, master key rotation, and crypto-shredding."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace

import pytest

from policyvault.crypto.envelope import DecryptionFailed, open_sealed, rewrap, seal
from policyvault.crypto.hazmat import (
    SECRET_KEY_ACCESS,
    SecretKey,
    aes_gcm_decrypt,
    derive_key,
    generate_key,
    length_prefixed,
)
from policyvault.crypto.keys import KeyProvider, KeyRing, LocalKeyProvider, WrappedKey
from policyvault.crypto.shredding import new_shredding_key, sealing_key

SUBJECT_A, SUBJECT_B = "subject-a", "subject-b"
ITEM = "user.contact.email"
EMAIL = b"user@example.com"


@pytest.fixture
def provider() -> LocalKeyProvider:
    return LocalKeyProvider(generate_key())


def test_the_local_provider_implements_the_port(provider: LocalKeyProvider) -> None:
    port: KeyProvider = provider
    assert isinstance(port, KeyProvider)


def test_wrap_unwrap_round_trip(provider: LocalKeyProvider) -> None:
    data_key = generate_key()
    wrapped = provider.wrap_data_key(data_key, SUBJECT_A)
    assert wrapped.key_id == provider.key_id
    assert provider.unwrap_data_key(wrapped, SUBJECT_A) == data_key
    assert data_key.reveal(SECRET_KEY_ACCESS) not in wrapped.ciphertext


def test_wrapping_twice_gives_different_ciphertexts(provider: LocalKeyProvider) -> None:
    data_key = generate_key()
    first = provider.wrap_data_key(data_key, SUBJECT_A)
    second = provider.wrap_data_key(data_key, SUBJECT_A)
    assert first.ciphertext != second.ciphertext


def test_a_wrapped_key_unwraps_only_for_its_subject(provider: LocalKeyProvider) -> None:
    wrapped = provider.wrap_data_key(generate_key(), SUBJECT_A)
    with pytest.raises(DecryptionFailed):
        provider.unwrap_data_key(wrapped, SUBJECT_B)


def test_a_wrapped_key_unwraps_only_under_its_master_key(provider: LocalKeyProvider) -> None:
    other = LocalKeyProvider(generate_key())
    wrapped = provider.wrap_data_key(generate_key(), SUBJECT_A)
    with pytest.raises(DecryptionFailed):
        other.unwrap_data_key(wrapped, SUBJECT_A)
    # Relabelling the record with the other key's id does not help: the id is authenticated.
    with pytest.raises(DecryptionFailed):
        other.unwrap_data_key(replace(wrapped, key_id=other.key_id), SUBJECT_A)


def test_a_tampered_wrapped_key_fails(provider: LocalKeyProvider) -> None:
    wrapped = provider.wrap_data_key(generate_key(), SUBJECT_A)
    for position in range(len(wrapped.ciphertext)):
        tampered = bytearray(wrapped.ciphertext)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionFailed):
            provider.unwrap_data_key(replace(wrapped, ciphertext=bytes(tampered)), SUBJECT_A)
    for cut in (b"", wrapped.ciphertext[:13], wrapped.ciphertext[:-1]):
        with pytest.raises(DecryptionFailed):
            provider.unwrap_data_key(replace(wrapped, ciphertext=cut), SUBJECT_A)


def test_sub_keys_are_separate_and_the_key_id_is_stable() -> None:
    master = generate_key()
    provider = LocalKeyProvider(master)
    again = LocalKeyProvider(SecretKey(master.reveal(SECRET_KEY_ACCESS)))
    other = LocalKeyProvider(generate_key())
    assert provider.key_id == again.key_id != other.key_id
    assert provider.key_id.startswith("mk-") and len(provider.key_id) == 3 + 16
    secret = generate_key()
    wrapped = provider.wrap_secret(secret, "blind-index")
    assert again.unwrap_secret(wrapped, "blind-index") == secret
    with pytest.raises(DecryptionFailed):
        other.unwrap_secret(replace(wrapped, key_id=other.key_id), "blind-index")


def test_the_wrapped_format_is_as_documented_and_uses_its_own_sub_key() -> None:
    # Pins the stored format: changing it must be a deliberate, versioned decision.
    master, data_key = generate_key(), generate_key()
    provider = LocalKeyProvider(master)
    blob = provider.wrap_data_key(data_key, SUBJECT_A).ciphertext
    assert blob[0] == 1 and len(blob) == 1 + 12 + 32 + 16
    nonce, sealed = blob[1:13], blob[13:]
    ad = length_prefixed(
        b"policyvault/wrapped-key", b"\x01", provider.key_id.encode(), SUBJECT_A.encode()
    )
    wrapping_key = derive_key(master, b"policyvault/v1/master/key-wrapping")
    assert aes_gcm_decrypt(wrapping_key, nonce, sealed, ad) == data_key.reveal(SECRET_KEY_ACCESS)
    # The master key itself is not the wrapping key.
    with pytest.raises(DecryptionFailed):
        aes_gcm_decrypt(master, nonce, sealed, ad)


def test_the_wrapped_secret_format_is_as_documented() -> None:
    master, secret = generate_key(), generate_key()
    provider = LocalKeyProvider(master)
    blob = provider.wrap_secret(secret, "blind-index").ciphertext
    assert blob[0] == 1 and len(blob) == 1 + 12 + 32 + 16
    ad = length_prefixed(
        b"policyvault/wrapped-secret", b"\x01", provider.key_id.encode(), b"blind-index"
    )
    wrapping_key = derive_key(master, b"policyvault/v1/master/key-wrapping")
    assert aes_gcm_decrypt(wrapping_key, blob[1:13], blob[13:], ad) == secret.reveal(
        SECRET_KEY_ACCESS
    )


def test_secrets_and_data_keys_never_pass_for_each_other(provider: LocalKeyProvider) -> None:
    key = generate_key()
    # Even with a subject id equal to the secret's name, the labels keep them apart.
    as_data_key = provider.wrap_data_key(key, "blind-index")
    as_secret = provider.wrap_secret(key, "blind-index")
    with pytest.raises(DecryptionFailed):
        provider.unwrap_secret(as_data_key, "blind-index")
    with pytest.raises(DecryptionFailed):
        provider.unwrap_data_key(as_secret, "blind-index")
    with pytest.raises(DecryptionFailed):
        provider.unwrap_secret(as_secret, "another-secret")


def test_nothing_shows_key_bytes() -> None:
    master = generate_key()
    provider = LocalKeyProvider(master)
    wrapped = provider.wrap_data_key(generate_key(), SUBJECT_A)
    raw = master.reveal(SECRET_KEY_ACCESS)
    for shown in (repr(master), str(master), f"{master}", repr(provider), repr(wrapped)):
        assert raw.hex() not in shown
        assert repr(raw) not in shown
    assert repr(master) == "SecretKey(<redacted>)"
    assert wrapped.ciphertext.hex() not in repr(wrapped)


def test_secret_keys_refuse_pickling_hashing_and_revealing_without_the_token() -> None:
    key = generate_key()
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.copy(key)
    with pytest.raises(TypeError):
        hash(key)
    with pytest.raises(TypeError):
        key.reveal(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="32 bytes, got 16"):
        SecretKey(b"\x00" * 16)


# --- rotation ---------------------------------------------------------------------------


def test_rotation_rewraps_every_key_without_touching_sealed_values() -> None:
    old_master, new_master = generate_key(), generate_key()
    old, new = LocalKeyProvider(old_master), LocalKeyProvider(new_master)
    subjects = [f"subject-{n}" for n in range(5)]
    keys_table: dict[str, WrappedKey] = {}
    items_table: dict[tuple[str, str], bytes] = {}
    for subject in subjects:
        data_key = generate_key()
        keys_table[subject] = old.wrap_data_key(data_key, subject)
        items_table[(subject, ITEM)] = seal(data_key, subject, ITEM, EMAIL)
    items_before = dict(items_table)

    # `keys rotate`: every wrapped key, and nothing else, is rewritten.
    for subject in subjects:
        keys_table[subject] = rewrap(keys_table[subject], old, new, subject)

    assert items_table == items_before
    assert {wrapped.key_id for wrapped in keys_table.values()} == {new.key_id}
    # The old master key is gone: a provider built from the new one alone opens every value.
    del old, old_master
    fresh = LocalKeyProvider(SecretKey(new_master.reveal(SECRET_KEY_ACCESS)))
    for subject in subjects:
        data_key = fresh.unwrap_data_key(keys_table[subject], subject)
        assert open_sealed(data_key, subject, ITEM, items_table[(subject, ITEM)]) == EMAIL


def test_after_rotation_the_old_master_key_no_longer_opens_anything() -> None:
    old, new = LocalKeyProvider(generate_key()), LocalKeyProvider(generate_key())
    wrapped = old.wrap_data_key(generate_key(), SUBJECT_A)
    rotated = rewrap(wrapped, old, new, SUBJECT_A)
    with pytest.raises(DecryptionFailed):
        old.unwrap_data_key(rotated, SUBJECT_A)
    with pytest.raises(DecryptionFailed):
        old.unwrap_data_key(replace(rotated, key_id=old.key_id), SUBJECT_A)


def test_rotation_is_idempotent_and_checks_the_subject() -> None:
    old, new = LocalKeyProvider(generate_key()), LocalKeyProvider(generate_key())
    wrapped = old.wrap_data_key(generate_key(), SUBJECT_A)
    rotated = rewrap(wrapped, old, new, SUBJECT_A)
    # Running the rotation again after a crash leaves already-rotated keys as they are.
    assert rewrap(rotated, old, new, SUBJECT_A) is rotated
    with pytest.raises(DecryptionFailed):
        rewrap(wrapped, old, new, SUBJECT_B)
    stranger = LocalKeyProvider(generate_key())
    with pytest.raises(DecryptionFailed):
        rewrap(wrapped, stranger, new, SUBJECT_A)


# --- crypto-shredding -------------------------------------------------------------------


def test_destroying_the_shredding_key_makes_every_copy_unreadable() -> None:
    """The database holds wrapped data keys and sealed values; the shredding keys live in a
    store of their own. A copy of the database taken before the shredding keeps the wrapped
    data key, which the master key still unwraps, and is unreadable all the same."""
    master = generate_key()
    provider = LocalKeyProvider(master)
    database: dict[str, bytes] = {}  # wrapped data keys and sealed values
    shredding_store: dict[str, SecretKey] = {}
    for subject in (SUBJECT_A, SUBJECT_B):
        data_key, shredding_key = generate_key(), new_shredding_key()
        shredding_store[subject] = shredding_key
        database[f"key:{subject}"] = provider.wrap_data_key(data_key, subject).ciphertext
        database[f"item:{subject}"] = seal(
            sealing_key(data_key, shredding_key), subject, ITEM, EMAIL
        )
    backup = dict(database)  # a copy of the database, taken before the shredding
    destroyed = shredding_store.pop(SUBJECT_A)  # crypto-shredding
    del database[f"key:{SUBJECT_A}"], database[f"item:{SUBJECT_A}"]

    # The copy still holds A's wrapped data key, and the master key unwraps it ...
    data_key_a = provider.unwrap_data_key(
        WrappedKey(provider.key_id, backup[f"key:{SUBJECT_A}"]), SUBJECT_A
    )
    copied = backup[f"item:{SUBJECT_A}"]
    # ... but no key the vault still has, alone or combined, opens A's ciphertext.
    remaining = list(shredding_store.values())
    candidates: list[SecretKey] = [
        master,
        data_key_a,
        generate_key(),
        *(sealing_key(data_key_a, other) for other in remaining),
        *(sealing_key(data_key_a, new_shredding_key()) for _ in range(3)),
    ]
    for candidate in candidates:
        with pytest.raises(DecryptionFailed):
            open_sealed(candidate, SUBJECT_A, ITEM, copied)
    stored = b"".join(backup.values()) + b"".join(
        k.reveal(SECRET_KEY_ACCESS) for k in shredding_store.values()
    )
    assert destroyed.reveal(SECRET_KEY_ACCESS) not in stored
    # The other subject in the same copy is unaffected.
    data_key_b = provider.unwrap_data_key(
        WrappedKey(provider.key_id, backup[f"key:{SUBJECT_B}"]), SUBJECT_B
    )
    key_b = sealing_key(data_key_b, shredding_store[SUBJECT_B])
    assert open_sealed(key_b, SUBJECT_B, ITEM, backup[f"item:{SUBJECT_B}"]) == EMAIL


def test_the_sealing_key_needs_both_keys() -> None:
    data_key, shredding_key = generate_key(), new_shredding_key()
    key = sealing_key(data_key, shredding_key)
    assert key == sealing_key(SecretKey(data_key.reveal(SECRET_KEY_ACCESS)), shredding_key)
    assert key not in (data_key, shredding_key)
    assert key != sealing_key(shredding_key, data_key)  # the order is part of the input
    assert key != sealing_key(data_key, new_shredding_key())
    assert key != sealing_key(generate_key(), shredding_key)


# --- the key ring ---------------------------------------------------------------------------


def test_a_ring_wraps_with_its_current_key_and_unwraps_by_key_id() -> None:
    old, new = LocalKeyProvider(generate_key()), LocalKeyProvider(generate_key())
    data_key, secret = generate_key(), generate_key()
    under_old = old.wrap_data_key(data_key, SUBJECT_A)
    ring = KeyRing(new, [old])
    port: KeyProvider = ring
    assert isinstance(port, KeyProvider)
    assert ring.key_id == new.key_id and ring.key_ids == (new.key_id, old.key_id)
    assert ring.wrap_data_key(data_key, SUBJECT_A).key_id == new.key_id
    assert ring.unwrap_data_key(under_old, SUBJECT_A) == data_key
    assert ring.unwrap_secret(old.wrap_secret(secret, "blind-index"), "blind-index") == secret
    # A key the ring does not hold fails like any other record that does not open.
    stranger = LocalKeyProvider(generate_key())
    with pytest.raises(DecryptionFailed):
        ring.unwrap_data_key(stranger.wrap_data_key(data_key, SUBJECT_A), SUBJECT_A)
    assert (
        ring.with_key(stranger).unwrap_data_key(
            stranger.wrap_data_key(data_key, SUBJECT_A), SUBJECT_A
        )
        == data_key
    )
    assert "SecretKey" not in repr(ring) and new.key_id in repr(ring)


def test_a_ring_reloads_once_for_a_key_it_does_not_hold() -> None:
    old, new = LocalKeyProvider(generate_key()), LocalKeyProvider(generate_key())
    reloads: list[int] = []

    def reload() -> KeyRing:
        reloads.append(1)
        return KeyRing(new, [old])  # another process rotated the master key meanwhile

    ring = KeyRing(old, reload=reload)
    data_key = generate_key()
    assert ring.unwrap_data_key(old.wrap_data_key(data_key, SUBJECT_A), SUBJECT_A) == data_key
    assert reloads == []
    assert ring.unwrap_data_key(new.wrap_data_key(data_key, SUBJECT_A), SUBJECT_A) == data_key
    assert reloads == [1]
    assert ring.key_id == new.key_id  # and new keys are now wrapped by the rotated key
    with pytest.raises(DecryptionFailed):
        ring.unwrap_data_key(
            LocalKeyProvider(generate_key()).wrap_data_key(data_key, SUBJECT_A), SUBJECT_A
        )
    assert reloads == [1, 1]
