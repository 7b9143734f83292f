"""Passwords: Argon2id, verify-only; the hash never contains the password."""

from __future__ import annotations

import pytest

from policyvault.crypto import passwords
from policyvault.crypto.passwords import (
    DEFAULT_PARAMETERS,
    Argon2Parameters,
    hash_password,
    needs_rehash,
    verify_password,
)
from policyvault.domain.errors import InvalidInput

PASSWORD = "correct horse battery staple"
# Cheap parameters keep the tests fast; the defaults are checked once, below.
CHEAP = Argon2Parameters(time_cost=1, memory_cost_kib=8 * 1024, parallelism=1)


def test_the_default_hash_is_argon2id_with_rfc_9106_parameters() -> None:
    password_hash = hash_password(PASSWORD)
    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(password_hash, PASSWORD)
    assert not needs_rehash(password_hash)
    assert DEFAULT_PARAMETERS.salt_len == 16 and DEFAULT_PARAMETERS.hash_len == 32


@pytest.mark.parametrize("password", [PASSWORD, "", "비밀번호123!", "p" * 1000])
def test_verify_true_and_false(password: str) -> None:
    password_hash = hash_password(password, CHEAP)
    assert verify_password(password_hash, password) is True
    assert verify_password(password_hash, password + "x") is False
    assert verify_password(password_hash, password.upper() + "X") is False


def test_the_hash_never_contains_the_password() -> None:
    password_hash = hash_password(PASSWORD, CHEAP)
    assert PASSWORD not in password_hash
    for word in PASSWORD.split():
        assert word not in password_hash


def test_each_hash_has_its_own_salt() -> None:
    assert hash_password(PASSWORD, CHEAP) != hash_password(PASSWORD, CHEAP)


@pytest.mark.parametrize(
    "bad_hash",
    ["", "not a hash", "$argon2id$v=19$m=8192,t=1,p=1$AAAA$AAAA", "$2b$12$abcdefghijklmnopqrstuv"],
)
def test_verify_never_raises_on_a_malformed_hash(bad_hash: str) -> None:
    assert verify_password(bad_hash, PASSWORD) is False


def test_verify_never_raises_on_wrong_types() -> None:
    good = hash_password(PASSWORD, CHEAP)
    assert verify_password(good, None) is False  # type: ignore[arg-type]
    assert verify_password(None, PASSWORD) is False  # type: ignore[arg-type]


def test_hashing_refuses_a_non_string() -> None:
    with pytest.raises(InvalidInput):
        hash_password(b"bytes")  # type: ignore[arg-type]


def test_needs_rehash_follows_the_parameters() -> None:
    cheap_hash = hash_password(PASSWORD, CHEAP)
    assert needs_rehash(cheap_hash) is True
    assert needs_rehash(cheap_hash, CHEAP) is False
    assert needs_rehash("not a hash") is True


def test_no_function_returns_a_password() -> None:
    # The public surface is hash, verify and needs_rehash: nothing decodes a hash.
    assert set(passwords.__all__) == {
        "DEFAULT_PARAMETERS",
        "Argon2Parameters",
        "hash_password",
        "needs_rehash",
        "verify_password",
    }
