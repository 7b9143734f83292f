"""Properties of the envelope, over arbitrary keys, ids and values: a sealed value opens to
what was sealed, and to nothing at all once any single byte of it changes, or once it is read
as another subject's or item's."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from policyvault.crypto.envelope import DecryptionFailed, open_sealed, seal
from policyvault.crypto.hazmat import SecretKey, length_prefixed

keys = st.binary(min_size=32, max_size=32).map(SecretKey)
ids = st.text(max_size=40)  # any text, empty included; hypothesis leaves out lone surrogates
values = st.binary(max_size=512)


@given(keys, ids, ids, values)
def test_seal_then_open_round_trips(key: SecretKey, subject: str, item: str, value: bytes) -> None:
    assert open_sealed(key, subject, item, seal(key, subject, item, value)) == value


@given(keys, ids, ids, values, st.data())
def test_any_single_byte_change_fails(
    key: SecretKey, subject: str, item: str, value: bytes, data: st.DataObject
) -> None:
    sealed = bytearray(seal(key, subject, item, value))
    position = data.draw(st.integers(0, len(sealed) - 1), label="position")
    sealed[position] ^= data.draw(st.integers(1, 255), label="xor")
    try:
        open_sealed(key, subject, item, bytes(sealed))
    except DecryptionFailed as error:
        assert str(error) == "decryption failed"
    else:
        raise AssertionError("a changed byte went unnoticed")


@given(keys, ids, ids, ids, ids, values)
def test_a_value_opens_only_for_its_own_subject_and_item(
    key: SecretKey, subject: str, item: str, other_subject: str, other_item: str, value: bytes
) -> None:
    sealed = seal(key, subject, item, value)
    if (other_subject, other_item) == (subject, item):
        assert open_sealed(key, other_subject, other_item, sealed) == value
        return
    try:
        open_sealed(key, other_subject, other_item, sealed)
    except DecryptionFailed:
        pass
    else:
        raise AssertionError("a value opened for another subject or item")


@given(keys, keys, ids, ids, values)
def test_a_value_opens_only_under_its_own_key(
    key: SecretKey, other_key: SecretKey, subject: str, item: str, value: bytes
) -> None:
    sealed = seal(key, subject, item, value)
    if other_key == key:
        return
    try:
        open_sealed(other_key, subject, item, sealed)
    except DecryptionFailed:
        pass
    else:
        raise AssertionError("a value opened under another key")


@given(keys, st.text(max_size=30), st.data(), values)
def test_moving_the_boundary_between_subject_and_item_fails(
    key: SecretKey, joined: str, data: st.DataObject, value: bytes
) -> None:
    # The attack plain concatenation would allow: the same characters, split differently.
    first = data.draw(st.integers(0, len(joined)), label="first split")
    second = data.draw(st.integers(0, len(joined)).filter(lambda n: n != first), label="second")
    sealed = seal(key, joined[:first], joined[first:], value)
    try:
        open_sealed(key, joined[:second], joined[second:], sealed)
    except DecryptionFailed:
        pass
    else:
        raise AssertionError("the subject/item boundary is not authenticated")


@given(st.lists(st.binary(max_size=8), max_size=5), st.lists(st.binary(max_size=8), max_size=5))
def test_length_prefixed_encoding_is_injective(first: list[bytes], second: list[bytes]) -> None:
    assert (length_prefixed(*first) == length_prefixed(*second)) == (first == second)
