"""The blind index: equal for equivalent inputs, different across kinds and keys, and never
a place where personal data leaks into an error message."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from policyvault.crypto.blind_index import (
    IndexKind,
    blind_index,
    email_index,
    normalise_email,
    normalise_phone,
    phone_index,
)
from policyvault.crypto.hazmat import SecretKey, generate_key, hmac_sha256, length_prefixed
from policyvault.domain.errors import InvalidInput


@pytest.fixture
def key() -> SecretKey:
    return generate_key()


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("User@Example.COM ", "user@example.com"),
        ("  user@example.com\n", "user@example.com"),
        ("USER@EXAMPLE.COM.", "user@example.com"),
        ("x@Bücher.DE", "x@bücher.de"),
        ("x@xn--bcher-kva.de", "x@bücher.de"),
        ("X@XN--BCHER-KVA.DE", "x@bücher.de"),
        ("first.last+news@example.com", "first.last+news@example.com"),
        ("someone@b.invalid", "someone@b.invalid"),
    ],
)
def test_email_normalisation(raw: str, normal: str) -> None:
    assert normalise_email(raw) == normal


def test_dots_and_plus_tags_are_not_folded() -> None:
    assert normalise_email("first.last@example.com") != normalise_email("firstlast@example.com")
    assert normalise_email("user+a@example.com") != normalise_email("user@example.com")


@pytest.mark.parametrize(
    ("raw", "region", "normal"),
    [
        ("010-1234-5678", "KR", "+821012345678"),
        ("+82 10 1234 5678", "KR", "+821012345678"),
        ("+82 10-1234-5678", "US", "+821012345678"),
        ("(010) 1234 5678", "KR", "+821012345678"),
        ("02-555-0123", "KR", "+8225550123"),
        ("(202) 555-0143", "US", "+12025550143"),
        ("+1 202 555 0143", "KR", "+12025550143"),
    ],
)
def test_phone_normalisation(raw: str, region: str, normal: str) -> None:
    assert normalise_phone(raw, region) == normal


def test_the_default_region_is_korea() -> None:
    assert normalise_phone("010-1234-5678") == "+821012345678"


@pytest.mark.parametrize(
    ("first", "second"),
    [("User@Example.COM ", "user@example.com"), ("x@xn--bcher-kva.de", "X@Bücher.de")],
)
def test_equivalent_emails_share_an_index(key: SecretKey, first: str, second: str) -> None:
    assert email_index(key, first) == email_index(key, second)


def test_equivalent_phones_share_an_index(key: SecretKey) -> None:
    assert phone_index(key, "010-1234-5678") == phone_index(key, "+82 10 1234 5678")
    assert phone_index(key, "(202) 555-0143", "US") == phone_index(key, "+12025550143")


def test_the_index_is_64_hex_digits_and_stable(key: SecretKey) -> None:
    index = email_index(key, "user@example.com")
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert index == blind_index(key, IndexKind.email, "user@example.com")
    assert "user" not in index


def test_indexes_differ_across_values_kinds_and_keys(key: SecretKey) -> None:
    other_key = generate_key()
    base = email_index(key, "user@example.com")
    assert base != email_index(key, "user2@example.com")
    assert base != email_index(other_key, "user@example.com")
    phone = phone_index(key, "+82 10 1234 5678")
    assert phone != phone_index(other_key, "+82 10 1234 5678")
    # The same string indexed as another kind gives another index (domain separation). A
    # value that is valid as both kinds is needed to show it: E.164 text works as an email
    # local part.
    assert blind_index(key, IndexKind.phone, "+821012345678") != blind_index(
        key, IndexKind.email, "+821012345678@example.com"
    )
    assert blind_index(key, IndexKind.email, "user@example.com") != blind_index(
        key, IndexKind.phone, "+821012345678"
    )


def test_the_mac_input_is_label_kind_and_value_length_prefixed(key: SecretKey) -> None:
    # Pins the documented construction: the kind is inside the MAC input, so the same string
    # under two kinds could never collide, and changing it is a deliberate, versioned step.
    for kind, value in ((IndexKind.email, "user@example.com"), (IndexKind.phone, "+15550100")):
        message = length_prefixed(
            b"policyvault/blind-index/v1", kind.value.encode(), value.encode()
        )
        assert blind_index(key, kind, value) == hmac_sha256(key, message).hex()


def test_un_normalised_values_are_refused_not_indexed(key: SecretKey) -> None:
    with pytest.raises(InvalidInput, match="normalised"):
        blind_index(key, IndexKind.email, "User@Example.COM")
    with pytest.raises(InvalidInput, match="normalised"):
        blind_index(key, IndexKind.phone, "010-1234-5678")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "user",
        "user@",
        "@example.com",
        "us er@example.com",
        "user@exa mple.com",
        "user@example..com",
        "user@@example.com",
        "user\x00@example.com",
        "user@xn--ab-@@.com",
        "user@xn--99999999999.com",
        "u" * 600 + "@example.com",
    ],
)
def test_bad_emails_are_refused_without_echo(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_email(raw)
    if raw.strip():
        assert raw not in str(caught.value)
        assert "user" not in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.parametrize(
    "raw", ["", "hello", "12", "+82 10 1234 5678 9999 9999", "5" * 600, "+98000000"]
)
def test_bad_phones_are_refused_without_echo(raw: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone(raw)
    if raw:
        assert raw not in str(caught.value)
    assert caught.value.__cause__ is None


_PART = st.text(
    alphabet=st.characters(
        exclude_characters="@.", exclude_categories=["Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"]
    ),
    min_size=1,
    max_size=12,
)
_LABEL = _PART | st.from_regex(r"xn--[a-z0-9]{1,10}(-[a-z0-9]{1,6})?", fullmatch=True)


@given(_PART, st.lists(_LABEL, min_size=1, max_size=4), st.booleans())
def test_email_normalisation_is_idempotent(local: str, labels: list[str], upper: bool) -> None:
    raw = f"{local}@{'.'.join(labels)}"
    try:
        once = normalise_email(raw.upper() if upper else raw)
    except InvalidInput:
        return  # refused is fine; what is accepted must be a fixed point
    assert normalise_email(once) == once


@given(st.from_regex(r"\+?[0-9 ()-]{4,20}", fullmatch=True), st.sampled_from(["KR", "US", "DE"]))
def test_phone_normalisation_is_idempotent(raw: str, region: str) -> None:
    try:
        once = normalise_phone(raw, region)
    except InvalidInput:
        assume(False)
        return
    assert normalise_phone(once, region) == once
    assert normalise_phone(once, "KR") == once  # E.164 does not depend on the region
