"""The key-provider port and its local adapter: wrapping data keys per subject, HKDF
sub-keys, master key rotation, and crypto-shredding."""

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
from policyvault.crypto.keys import KeyProvider, LocalKeyProvider, WrappedKey

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
    assert provider.blind_index_key() == again.blind_index_key()
    assert provider.blind_index_key() != master
    assert provider.blind_index_key() != other.blind_index_key()


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
    # Neither the master key itself nor the blind-index key is the wrapping key.
    for other in (master, provider.blind_index_key()):
        with pytest.raises(DecryptionFailed):
            aes_gcm_decrypt(other, nonce, sealed, ad)


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


def test_destroying_the_wrapped_data_key_makes_every_copy_unreadable() -> None:
    master = generate_key()
    provider = LocalKeyProvider(master)
    keys_table: dict[str, WrappedKey] = {}
    items_table: dict[tuple[str, str], bytes] = {}
    data_keys = {subject: generate_key() for subject in (SUBJECT_A, SUBJECT_B)}
    for subject, data_key in data_keys.items():
        keys_table[subject] = provider.wrap_data_key(data_key, subject)
        items_table[(subject, ITEM)] = seal(data_key, subject, ITEM, EMAIL)
    backup = dict(items_table)  # a copy of the ciphertext taken before the shredding
    shredded_key = data_keys.pop(SUBJECT_A)

    del keys_table[SUBJECT_A]  # crypto-shredding: the only stored form of the data key
    del items_table[(SUBJECT_A, ITEM)]

    copied = backup[(SUBJECT_A, ITEM)]
    # Nothing that is left, nor anything the master key can produce, opens the copy: the data
    # key was random, not derived from the master key, and it is stored nowhere else.
    stored_bytes = b"".join(w.ciphertext for w in keys_table.values()) + b"".join(backup.values())
    assert shredded_key.reveal(SECRET_KEY_ACCESS) not in stored_bytes
    rotated = LocalKeyProvider(generate_key())
    candidates: list[SecretKey] = [
        master,
        provider.blind_index_key(),
        rotated.blind_index_key(),
        generate_key(),
        *(provider.unwrap_data_key(w, s) for s, w in keys_table.items()),
    ]
    for candidate in candidates:
        for subject in (SUBJECT_A, SUBJECT_B):
            with pytest.raises(DecryptionFailed):
                open_sealed(candidate, subject, ITEM, copied)
    # The other subject is unaffected.
    remaining = provider.unwrap_data_key(keys_table[SUBJECT_B], SUBJECT_B)
    assert open_sealed(remaining, SUBJECT_B, ITEM, backup[(SUBJECT_B, ITEM)]) == EMAIL
