"""Values are checked against their item's type; a refusal never repeats the value."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policyvault.domain.policy.data import Item, ItemType
from policyvault.services.values import InvalidValue, check_value


def item(kind: ItemType, **extra: object) -> Item:
    return Item.model_validate({"label": "x", "category": "user", "type": kind, **extra})


@pytest.mark.parametrize(
    ("kind", "value", "stored", "lookup"),
    [
        (ItemType.email, " User@Example.com ", b"User@example.com", "user@example.com"),
        (ItemType.phone, "010-5555-0123", b"+821055550123", "+821055550123"),
        (ItemType.phone, "+1 555 555 0100", b"+15555550100", "+15555550100"),
        (ItemType.country, "kr", b"KR", None),
        (ItemType.date, "2026-02-28", b"2026-02-28", None),
        (ItemType.ip_address, "2001:db8::0:1", b"2001:db8::1", None),
        (ItemType.number, 3, b"3", None),
        (ItemType.boolean, True, b"true", None),
        (ItemType.name, "  Hong Gildong ", b"Hong Gildong", None),
        (ItemType.record, {"b": 1, "a": [True]}, b'{"a":[true],"b":1}', None),
    ],
)
def test_values_are_stored_in_canonical_form(
    kind: ItemType, value: object, stored: bytes, lookup: str | None
) -> None:
    checked = check_value("k", item(kind), value)
    assert checked.data == stored
    assert checked.lookup == lookup


SECRET = "s3cr3t-value-never-echoed@example.com"


@pytest.mark.parametrize(
    ("kind", "value", "extra"),
    [
        (ItemType.email, "not-an-email " + SECRET[:5], {}),
        (ItemType.phone, "call me " + SECRET, {}),
        (ItemType.country, "Korea " + SECRET, {}),
        (ItemType.date, "2026-02-30", {}),
        (ItemType.datetime, "2026-02-01T10:00:00", {}),
        (ItemType.number, "12", {}),
        (ItemType.boolean, "yes", {}),
        (ItemType.enum, SECRET, {"values": ["a", "b"]}),
        (ItemType.text, "x" * 11, {"max_length": 10}),
        (ItemType.text, "bell\x07" + SECRET, {}),
        (ItemType.name, "two\nlines", {}),
        (ItemType.ip_address, "999.1.1.1", {}),
        (ItemType.url, "javascript:alert(1)", {}),
        (ItemType.identifier, "has space " + SECRET, {}),
        (ItemType.password, "short", {}),
        (ItemType.record, ["not", "an", "object"], {}),
        (ItemType.file, {"media_type": "text/plain", "content_base64": "!!!"}, {}),
        (ItemType.text, 42, {}),
    ],
)
def test_bad_values_are_refused_without_echoing_them(
    kind: ItemType, value: object, extra: dict[str, object]
) -> None:
    with pytest.raises(InvalidValue) as error:
        check_value("secret_item", item(kind, **extra), value)
    message = str(error.value)
    assert message.startswith("item 'secret_item': expected ")
    assert SECRET not in message and "s3cr3t" not in message


def test_files_respect_media_types_and_size() -> None:
    pdf = item(ItemType.file, media_types=["application/pdf"], max_bytes=10)
    ok = {"media_type": "application/pdf", "content_base64": base64.b64encode(b"%PDF").decode()}
    assert check_value("f", pdf, ok).data == b"%PDF"
    with pytest.raises(InvalidValue):
        check_value("f", pdf, {**ok, "media_type": "image/png"})
    big = {"media_type": "application/pdf", "content_base64": base64.b64encode(b"x" * 11).decode()}
    with pytest.raises(InvalidValue):
        check_value("f", pdf, big)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([k for k in ItemType if k is not ItemType.enum]),
    st.one_of(
        st.text(max_size=60),
        st.integers(),
        st.none(),
        st.booleans(),
        st.floats(),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
        st.lists(st.integers(), max_size=3),
    ),
)
def test_any_input_is_either_accepted_or_refused_cleanly(kind: ItemType, value: object) -> None:
    try:
        checked = check_value("k", item(kind), value)
    except InvalidValue as error:
        assert repr(value) not in str(error) or len(repr(value)) < 4
    else:
        assert isinstance(checked.data, bytes)
