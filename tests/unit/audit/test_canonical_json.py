"""RFC 8785 canonical JSON, for the value set the audit log allows."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyvault.domain.audit.canonical import CanonicalJsonError, JsonValue, decode, encode


def test_members_sort_by_utf16_code_units() -> None:
    # RFC 8785 §3.2.3: the emoji (a surrogate pair, D83D DE00) sorts before U+FB33,
    # although its code point is larger; sorting by code points would get this wrong
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(encode(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_no_whitespace_and_nested_sorting() -> None:
    value = {"b": [1, True, None, {"z": "", "a": -7}], "a": {}}
    assert encode(value) == b'{"a":{},"b":[1,true,null,{"a":-7,"z":""}]}'


def test_string_escaping_is_minimal() -> None:
    text = 'q"b\\ \x08\t\n\x0c\r \x00\x1f \x7f é \u2028 😀'
    expected = '"q\\"b\\\\ \\b\\t\\n\\f\\r \\u0000\\u001f \x7f é \u2028 😀"'
    assert encode(text) == expected.encode("utf-8")


def test_integers_in_the_safe_range_only() -> None:
    assert encode(2**53 - 1) == b"9007199254740991"
    assert encode(-(2**53 - 1)) == b"-9007199254740991"
    with pytest.raises(CanonicalJsonError):
        encode(2**53)


@pytest.mark.parametrize("value", [1.5, float("nan"), b"bytes", {1: "x"}, {"s": {1, 2}}])
def test_other_values_are_refused(value: object) -> None:
    with pytest.raises(CanonicalJsonError):
        encode(value)  # type: ignore[arg-type]


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(CanonicalJsonError):
        encode("\ud800")


@pytest.mark.parametrize(
    "data",
    [
        b'{"b":1,"a":2}',  # unsorted
        b'{"a": 1}',  # whitespace
        b'{"a":1.0}',  # a float
        b'{"a":1e3}',
        b'{"a":NaN}',
        b'{"a":1,"a":1}',  # duplicate key
        b'"\\u0041"',  # escaped without need
        b'"\\/"',
        b"\xff",  # not UTF-8
        b"{",
    ],
)
def test_decode_accepts_only_canonical_bytes(data: bytes) -> None:
    with pytest.raises(CanonicalJsonError):
        decode(data)


json_values: st.SearchStrategy[JsonValue] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53 - 1), 2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(json_values)
def test_round_trip_and_agreement_with_the_json_module(value: JsonValue) -> None:
    data = encode(value)
    assert decode(data) == value
    assert json.loads(data) == value
    assert encode(json.loads(data)) == data
