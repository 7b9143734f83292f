"""The rule that keeps personal values out of the audit log.

An audit entry names things; it never holds them. Every string field of an entry is one of:

* a **key**: lowercase dotted identifiers, ``user.contact.email``, ``marketing.advertising``,
  ``cs_agent`` (pattern ``[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*``). Roles, actions, purposes,
  item keys, rules and the names inside ``details`` must be keys.
* an **opaque id**: ``subj_01HZX4...``, ``REQ-2027-0001``, a UUID, a hex digest. Letters, digits
  and ``_ . : -``, starting with a letter or digit, and holding at least one digit. Actor ids,
  subject ids and request ids are opaque ids (or keys, for service accounts such as
  ``svc.sweeper``).
* inside ``details`` also a full RFC 3339 timestamp (with a time of day and an offset).

Whatever else a string is, it is refused, with the field's path and the reason, and never the
value itself (the refusal must not leak what it refuses):

* whitespace: free text (names, addresses, messages);
* non-ASCII characters: names and addresses in any script;
* ``@``: an email address;
* an IP address (the actor's source IP has its own, checked field);
* six or more digits with nothing but ``- + ( ) . /`` around them: phone, card, account,
  resident-registration or passport numbers, and dates of birth;
* a capitalised word with no digit (``Alice``): a name, not a key or an id;
* more than 128 characters.

``details`` values may also be integers (within ±2**53), booleans, null, lists and nested
objects of the same. The decision's ``reason`` is the one free-text field: rules write it, in
printable ASCII, and it is scanned for email addresses, long digit runs and IP addresses.

The guard cannot tell a lowercase one-word name (``kim``) from a key, or a passport number shaped
like an id (``M12345678``) from an id: it catches mistakes, and callers pass keys and ids by
construction. Integers are not checked (a phone number stored as an integer would pass).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

from policyvault.domain.audit.canonical import MAX_SAFE_INTEGER, JsonValue

__all__ = [
    "MAX_DETAILS_DEPTH",
    "MAX_TOKEN_LENGTH",
    "is_key",
    "refusal_for_details",
    "refusal_for_id",
    "refusal_for_key",
    "refusal_for_reason",
]

MAX_TOKEN_LENGTH = 128
MAX_REASON_LENGTH = 500
MAX_DETAILS_DEPTH = 4
MAX_LIST_LENGTH = 256

_KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})")
_NUMBERISH = re.compile(r"[\d\-+().\/]+")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?")
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d\s\-().]*\d")
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![\w:])")


def is_key(text: str) -> bool:
    return len(text) <= MAX_TOKEN_LENGTH and _KEY.fullmatch(text) is not None


def refusal_for_key(text: str) -> str | None:
    """Why ``text`` is not a key, or None when it is one."""
    if not isinstance(text, str):
        return "is not a string"
    if is_key(text):
        return None
    return _personal_value(text) or "is not a key (lowercase, dotted: user.contact.email)"


def refusal_for_id(text: str, *, timestamps: bool = False) -> str | None:
    """Why ``text`` is neither a key nor an opaque id, or None when it is one of them."""
    if not isinstance(text, str):
        return "is not a string"
    if is_key(text) or (len(text) <= MAX_TOKEN_LENGTH and _UUID.fullmatch(text)):
        return None
    if timestamps and _TIMESTAMP.fullmatch(text):
        return None
    found = _personal_value(text)
    if found:
        return found
    if _ID.fullmatch(text) and any(c.isdigit() for c in text):
        return None
    return "is neither a key nor an opaque id (letters, digits, _ . : - with a digit)"


def _personal_value(text: str) -> str | None:
    if not text:
        return "is empty"
    if len(text) > MAX_TOKEN_LENGTH:
        return f"is longer than {MAX_TOKEN_LENGTH} characters"
    if any(c.isspace() for c in text):
        return "contains whitespace (free text is not allowed)"
    if not text.isascii():
        return "contains non-ASCII characters (names and free text are not allowed)"
    if "@" in text:
        return "looks like an email address"
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return "looks like an IP address"
    if _NUMBERISH.fullmatch(text) and sum(c.isdigit() for c in text) >= 6:
        return "looks like a phone, card, account or national id number, or a date"
    return None


def refusal_for_reason(text: str) -> str | None:
    """Why a decision reason cannot go into the log, or None."""
    if not isinstance(text, str):
        return "is not a string"
    if not text:
        return "is empty"
    if len(text) > MAX_REASON_LENGTH:
        return f"is longer than {MAX_REASON_LENGTH} characters"
    if not all(" " <= c <= "~" for c in text):
        return "must be printable ASCII on one line"
    if _EMAIL.search(text):
        return "contains an email address"
    if _IPV4.search(text) or any(_is_ip(m.group()) for m in _IPV6.finditer(text)):
        return "contains an IP address"
    undated = _ISO_DATE.sub("DATE", text)
    if any(sum(c.isdigit() for c in m.group()) >= 9 for m in _DIGIT_RUN.finditer(undated)):
        return "contains a long number (phone, card, account or national id number?)"
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def refusal_for_details(details: Mapping[str, JsonValue]) -> tuple[str, str] | None:
    """The first ``(path, reason)`` in ``details`` that the log refuses, or None."""
    return _walk_mapping(details, "details", 1)


def _walk_mapping(value: Mapping[str, JsonValue], path: str, depth: int) -> tuple[str, str] | None:
    if depth > MAX_DETAILS_DEPTH:
        return path, f"nests deeper than {MAX_DETAILS_DEPTH} levels"
    for key, item in value.items():
        why = refusal_for_key(key)
        if why:
            return f"{path}.<key>", f"has a name that {why}"
        found = _walk(item, f"{path}.{key}", depth)
        if found:
            return found
    return None


def _walk(value: JsonValue, path: str, depth: int) -> tuple[str, str] | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if abs(value) <= MAX_SAFE_INTEGER else (path, "is an integer beyond ±2**53")
    if isinstance(value, str):
        why = refusal_for_id(value, timestamps=True)
        return (path, why) if why else None
    if isinstance(value, Mapping):
        return _walk_mapping(value, path, depth + 1)
    if isinstance(value, list | tuple):
        if len(value) > MAX_LIST_LENGTH:
            return path, f"has more than {MAX_LIST_LENGTH} items"
        return _first(_walk(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
    return path, f"is a {type(value).__name__}; only keys, ids, integers, booleans and null"


def _first(found: Iterable[tuple[str, str] | None]) -> tuple[str, str] | None:
    return next((f for f in found if f), None)
