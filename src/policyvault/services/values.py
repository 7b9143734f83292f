"""Validating a personal value against its item's declared type before it enters the vault.

Every refusal names the item and what was expected, never the value itself: error messages
end up in logs and HTTP responses, and personal data must not.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.data import Item, ItemType

DEFAULT_MAX_TEXT = 2_000
MAX_RECORD_BYTES = 64_000
MAX_FILE_BYTES = 10_000_000
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
_POSTAL = re.compile(r"^[A-Za-z0-9 -]{2,12}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class InvalidValue(InvalidInput):
    code = "invalid_value"

    def __init__(self, item: str, expected: str) -> None:
        super().__init__(f"item {item!r}: expected {expected}")
        self.item = item
        self.expected = expected


@dataclass(frozen=True)
class CheckedValue:
    """A value in its canonical form: ``data`` is what gets sealed; ``lookup`` is the
    normalised text a blind index is computed from (emails and phone numbers)."""

    data: bytes
    lookup: str | None = None
    media_type: str | None = None


def check_value(key: str, item: Item, value: Any, *, default_region: str = "KR") -> CheckedValue:
    """The canonical form of ``value`` for ``item``, or ``InvalidValue``."""
    if _has_lone_surrogate(value):
        raise InvalidValue(key, "valid Unicode text")
    checker = _CHECKERS[item.type]
    return checker(key, item, value, default_region)


def _has_lone_surrogate(value: Any) -> bool:
    """JSON can carry halves of UTF-16 pairs that no UTF-8 text can hold."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def _text(key: str, item: Item, value: Any, limit: int | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidValue(key, "text")
    text = unicodedata.normalize("NFC", value.strip())
    maximum = item.max_length or limit or DEFAULT_MAX_TEXT
    if not text:
        raise InvalidValue(key, "a non-empty text")
    if len(text) > maximum:
        raise InvalidValue(key, f"at most {maximum} characters")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise InvalidValue(key, "text without control characters")
    return text


def _plain_text(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    return CheckedValue(_text(key, item, value).encode())


def _name(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    text = _text(key, item, value, 200)
    if "\n" in text:
        raise InvalidValue(key, "a name on one line")
    return CheckedValue(text.encode())


def _email(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, str) or len(value) > 254:
        raise InvalidValue(key, "an e-mail address")
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidValue(key, "an e-mail address") from None
    normalised = checked.normalized
    return CheckedValue(normalised.encode(), lookup=normalised.lower())


def _phone(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidValue(key, "a phone number")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise InvalidValue(key, "a phone number such as +82 10 1234 5678") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(key, "a possible phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return CheckedValue(e164.encode(), lookup=e164)


def _country(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, str) or value.strip().upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidValue(key, "an ISO 3166-1 alpha-2 country code such as KR or US")
    return CheckedValue(value.strip().upper().encode())


def _postal_code(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, str) or not _POSTAL.match(value.strip()):
        raise InvalidValue(key, "a postal code")
    return CheckedValue(value.strip().encode())


def _date(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    try:
        parsed = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or len(value) != 10:
        raise InvalidValue(key, "a date as YYYY-MM-DD")
    return CheckedValue(parsed.isoformat().encode())


def _datetime(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidValue(key, "a date and time with its UTC offset (ISO 8601)")
    return CheckedValue(parsed.isoformat().encode())


def _number(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise InvalidValue(key, "a number")
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        raise InvalidValue(key, "a finite number")
    return CheckedValue(json.dumps(value).encode())


def _boolean(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, bool):
        raise InvalidValue(key, "true or false")
    return CheckedValue(b"true" if value else b"false")


def _enum(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    allowed = item.values or []
    if value not in allowed:
        raise InvalidValue(key, f"one of: {', '.join(allowed)}")
    return CheckedValue(str(value).encode())


def _url(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, str) or len(value) > 2_000 or not _URL.match(value.strip()):
        raise InvalidValue(key, "an http(s) URL")
    return CheckedValue(value.strip().encode())


def _ip(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    try:
        address = ipaddress.ip_address(value.strip()) if isinstance(value, str) else None
    except ValueError:
        address = None
    if address is None:
        raise InvalidValue(key, "an IPv4 or IPv6 address")
    return CheckedValue(address.compressed.encode())


def _identifier(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise InvalidValue(key, "an identifier of letters, digits and . _ : -")
    return CheckedValue(value.encode())


def _password(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    # Hashed (Argon2id) by the vault before storage; here only its shape is checked.
    if not isinstance(value, str) or not 8 <= len(value) <= 1_000:
        raise InvalidValue(key, "a password of 8 to 1000 characters")
    return CheckedValue(value.encode())


def _file(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    """A file arrives as ``{"media_type": ..., "content_base64": ...}``."""
    if not isinstance(value, dict) or set(value) != {"media_type", "content_base64"}:
        raise InvalidValue(key, "an object with media_type and content_base64")
    media_type, encoded = value["media_type"], value["content_base64"]
    if not isinstance(media_type, str) or not isinstance(encoded, str):
        raise InvalidValue(key, "an object with media_type and content_base64")
    if item.media_types and media_type not in item.media_types:
        raise InvalidValue(key, f"a file of type {', '.join(item.media_types)}")
    limit = item.max_bytes or MAX_FILE_BYTES
    if len(encoded) > (limit * 4) // 3 + 4:
        raise InvalidValue(key, f"a file of at most {limit} bytes")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidValue(key, "base64 content") from None
    if len(content) > limit:
        raise InvalidValue(key, f"a file of at most {limit} bytes")
    return CheckedValue(content, media_type=media_type)


def _record(key: str, item: Item, value: Any, region: str) -> CheckedValue:
    if not isinstance(value, dict):
        raise InvalidValue(key, "a JSON object")
    try:
        encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        raise InvalidValue(key, "a JSON object of strings, numbers, booleans and lists") from None
    if len(encoded.encode()) > MAX_RECORD_BYTES:
        raise InvalidValue(key, f"a record of at most {MAX_RECORD_BYTES} bytes")
    return CheckedValue(encoded.encode())


_CHECKERS = {
    ItemType.text: _plain_text,
    ItemType.address: _plain_text,
    ItemType.name: _name,
    ItemType.email: _email,
    ItemType.phone: _phone,
    ItemType.country: _country,
    ItemType.postal_code: _postal_code,
    ItemType.date: _date,
    ItemType.datetime: _datetime,
    ItemType.number: _number,
    ItemType.boolean: _boolean,
    ItemType.enum: _enum,
    ItemType.url: _url,
    ItemType.ip_address: _ip,
    ItemType.identifier: _identifier,
    ItemType.password: _password,
    ItemType.file: _file,
    ItemType.record: _record,
}
