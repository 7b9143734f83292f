"""Sealing and opening item values: round trips, values moved between subjects or items,
tampering, and the one opaque error."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from policyvault.crypto.envelope import OVERHEAD, DecryptionFailed, open_sealed, seal
from policyvault.crypto.hazmat import NONCE_SIZE, SecretKey, aes_gcm_decrypt, generate_key
from policyvault.domain.errors import InvalidInput, PolicyVaultError

PLAINTEXT = b"user@example.com"
SUBJECT_A, SUBJECT_B = "subject-a", "subject-b"
ITEM_X, ITEM_Y = "user.contact.email", "user.contact.phone_number"


@pytest.fixture
def data_key() -> SecretKey:
    return generate_key()


def test_round_trip(data_key: SecretKey) -> None:
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    assert open_sealed(data_key, SUBJECT_A, ITEM_X, sealed) == PLAINTEXT


def test_empty_plaintext_round_trips(data_key: SecretKey) -> None:
    sealed = seal(data_key, SUBJECT_A, ITEM_X, b"")
    assert len(sealed) == OVERHEAD
    assert open_sealed(data_key, SUBJECT_A, ITEM_X, sealed) == b""


def test_format_is_version_nonce_ciphertext_tag(data_key: SecretKey) -> None:
    nonce = bytes(range(NONCE_SIZE))
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT, randbytes=lambda n: nonce[:n])
    assert sealed[0] == 1
    assert sealed[1 : 1 + NONCE_SIZE] == nonce
    assert len(sealed) == len(PLAINTEXT) + OVERHEAD == len(PLAINTEXT) + 1 + 12 + 16
    assert PLAINTEXT not in sealed


def test_the_associated_data_is_as_documented(data_key: SecretKey) -> None:
    # Pins the stored format: changing it must be a deliberate, versioned decision.
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    ad = (
        b"\x00\x00\x00\x12policyvault/sealed"
        + b"\x00\x00\x00\x01\x01"
        + len(SUBJECT_A).to_bytes(4, "big")
        + SUBJECT_A.encode()
        + len(ITEM_X).to_bytes(4, "big")
        + ITEM_X.encode()
    )
    assert aes_gcm_decrypt(data_key, sealed[1:13], sealed[13:], ad) == PLAINTEXT


@pytest.mark.parametrize(
    ("subject_id", "item_key"),
    [(SUBJECT_B, ITEM_X), (SUBJECT_A, ITEM_Y), (SUBJECT_B, ITEM_Y)],
    ids=["other subject", "other item", "other subject and item"],
)
def test_a_value_moved_to_another_subject_or_item_does_not_open(
    data_key: SecretKey, subject_id: str, item_key: str
) -> None:
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    with pytest.raises(DecryptionFailed):
        open_sealed(data_key, subject_id, item_key, sealed)


def test_a_value_does_not_open_under_another_data_key(data_key: SecretKey) -> None:
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    with pytest.raises(DecryptionFailed):
        open_sealed(generate_key(), SUBJECT_A, ITEM_X, sealed)


def test_associated_data_is_not_a_plain_concatenation(data_key: SecretKey) -> None:
    # ("ab", "c") and ("a", "bc") concatenate to the same bytes; length prefixes tell them apart.
    sealed = seal(data_key, "ab", "c", PLAINTEXT)
    with pytest.raises(DecryptionFailed):
        open_sealed(data_key, "a", "bc", sealed)
    sealed = seal(data_key, "subject", "", PLAINTEXT)
    with pytest.raises(DecryptionFailed):
        open_sealed(data_key, "", "subject", sealed)


def test_a_bit_flip_anywhere_fails(data_key: SecretKey) -> None:
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    for position in range(len(sealed)):
        for bit in range(8):
            tampered = bytearray(sealed)
            tampered[position] ^= 1 << bit
            with pytest.raises(DecryptionFailed):
                open_sealed(data_key, SUBJECT_A, ITEM_X, bytes(tampered))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: b"",
        lambda s: s[:1],
        lambda s: s[: OVERHEAD - 1],
        lambda s: s[:-1],
        lambda s: s + b"\x00",
        lambda s: b"\x02" + s[1:],
        lambda s: s[1:],
    ],
    ids=[
        "empty",
        "version only",
        "shorter than overhead",
        "tag cut",
        "extended",
        "v2",
        "no version",
    ],
)
def test_malformed_blobs_fail_the_same_way(
    data_key: SecretKey, mangle: Callable[[bytes], bytes]
) -> None:
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    with pytest.raises(DecryptionFailed):
        open_sealed(data_key, SUBJECT_A, ITEM_X, mangle(sealed))


def test_the_error_is_opaque_and_carries_no_plaintext(data_key: SecretKey) -> None:
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    failures: list[DecryptionFailed] = []
    attempts: list[Callable[[], bytes]] = [
        lambda: open_sealed(data_key, SUBJECT_B, ITEM_X, sealed),
        lambda: open_sealed(generate_key(), SUBJECT_A, ITEM_X, sealed),
        lambda: open_sealed(data_key, SUBJECT_A, ITEM_X, sealed[:-1]),
        lambda: open_sealed(data_key, SUBJECT_A, ITEM_X, b""),
    ]
    for attempt in attempts:
        with pytest.raises(DecryptionFailed) as caught:
            attempt()
        failures.append(caught.value)
    for error in failures:
        assert isinstance(error, PolicyVaultError)
        assert error.code == "decryption_failed"
        assert str(error) == "decryption failed"
        assert error.args == ("decryption failed",)
        # The primitive's own exception (which check failed) is not chained on.
        assert error.__cause__ is None
        assert error.__suppress_context__ or error.__context__ is None
        for secret in (PLAINTEXT, PLAINTEXT.decode(), SUBJECT_A, ITEM_X):
            assert str(secret) not in repr(error)


def test_nonces_never_repeat(data_key: SecretKey) -> None:
    count = 20_000
    sealed = [seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT) for _ in range(count)]
    assert len({s[1 : 1 + NONCE_SIZE] for s in sealed}) == count
    assert len(set(sealed)) == count


def test_the_random_source_is_what_seal_draws_from(data_key: SecretKey) -> None:
    drawn: list[int] = []

    def watched(n: int) -> bytes:
        drawn.append(n)
        return os.urandom(n)

    seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT, randbytes=watched)
    assert drawn == [NONCE_SIZE]


def test_a_random_source_returning_the_wrong_length_is_refused(data_key: SecretKey) -> None:
    with pytest.raises(ValueError, match="12 bytes"):
        seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT, randbytes=lambda n: b"\x00" * (n - 4))


def test_bad_ids_are_invalid_input_not_decryption_failures(data_key: SecretKey) -> None:
    with pytest.raises(InvalidInput, match="subject id"):
        seal(data_key, "\ud800", ITEM_X, PLAINTEXT)
    sealed = seal(data_key, SUBJECT_A, ITEM_X, PLAINTEXT)
    with pytest.raises(InvalidInput, match="item key") as caught:
        open_sealed(data_key, SUBJECT_A, 42, sealed)  # type: ignore[arg-type]
    assert "42" not in str(caught.value)


def test_plaintext_must_be_bytes(data_key: SecretKey) -> None:
    with pytest.raises(InvalidInput):
        seal(data_key, SUBJECT_A, ITEM_X, "user@example.com")  # type: ignore[arg-type]
