"""Canonical JSON: the RFC 8785 (JCS) encoding, restricted to the values the audit log allows.

Allowed values: ``null``, ``true``/``false``, integers with magnitude below 2**53, strings,
arrays and objects with string keys. Floats are refused (an audit entry never needs one, and
leaving them out removes the only hard part of JCS, the ECMAScript number format).

The rules, as RFC 8785 states them for this subset:

* no whitespace anywhere;
* object members sorted by their names compared as arrays of UTF-16 code units (§3.2.3);
  duplicate names are an error;
* integers in shortest decimal form (``-0`` does not exist for integers);
* strings in double quotes, escaping only ``"`` as ``\\"``, ``\\`` as ``\\\\``, the control
  characters U+0008, U+0009, U+000A, U+000C, U+000D as ``\\b \\t \\n \\f \\r`` and every other
  character below U+0020 as ``\\u00xx`` with lowercase hex (§3.2.2.2); every other character,
  including U+007F and non-ASCII, is written as itself; lone surrogates are an error;
* the result is encoded as UTF-8.

:func:`decode` parses strictly: it refuses floats, NaN, duplicate keys and any input that is not
already in canonical form, so one entry has exactly one byte representation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TypeAlias

__all__ = ["MAX_SAFE_INTEGER", "CanonicalJsonError", "JsonValue", "decode", "encode"]

JsonValue: TypeAlias = bool | int | str | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None

MAX_SAFE_INTEGER = 2**53 - 1

_SHORT_ESCAPES = {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_ESCAPES = {c: _SHORT_ESCAPES.get(c, f"\\u{c:04x}") for c in [*range(0x20), 0x22, 0x5C]}


class CanonicalJsonError(ValueError):
    """A value outside the canonical subset, or bytes that are not its canonical form."""


def encode(value: JsonValue) -> bytes:
    parts: list[str] = []
    _encode(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate
        raise CanonicalJsonError("strings must be valid Unicode (no lone surrogates)") from exc


def _encode(value: JsonValue, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalJsonError("integers must lie within ±(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        out.append("{")
        keys = list(value)
        if any(not isinstance(k, str) for k in keys):
            raise CanonicalJsonError("object keys must be strings")
        for i, key in enumerate(sorted(keys, key=_utf16_units)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise CanonicalJsonError(f"{type(value).__name__} values are not allowed")


def _utf16_units(key: str) -> bytes:
    # big-endian UTF-16 bytes compare exactly as the sequence of 16-bit code units does
    return key.encode("utf-16-be", "surrogatepass")


def _string(text: str) -> str:
    return '"' + text.translate(_ESCAPES) + '"'


def decode(data: bytes) -> JsonValue:
    """Parse canonical bytes; refuse anything :func:`encode` would not have produced."""
    try:
        text = data.decode("utf-8")
        value: JsonValue = json.loads(
            text,
            object_pairs_hook=_unique_members,
            parse_float=_no_float,
            parse_constant=_no_float,
        )
    except CanonicalJsonError:
        raise
    except (ValueError, RecursionError) as exc:  # bad UTF-8, bad JSON, absurd integers
        raise CanonicalJsonError("not valid JSON") from exc
    if encode(value) != data:
        raise CanonicalJsonError("valid JSON, but not in canonical form")
    return value


def _unique_members(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    out: dict[str, JsonValue] = {}
    for key, item in pairs:
        if key in out:
            raise CanonicalJsonError("duplicate object key")
        out[key] = item
    return out


def _no_float(text: str) -> object:
    raise CanonicalJsonError("floats and non-finite numbers are not allowed")
