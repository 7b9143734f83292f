"""Command-line text into the values the services take: times, durations, comma lists,
consents and item values. Refusals name the option or the item key, never the value given
(it may be personal data)."""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.data import ConsentCategory, ItemType
from policyvault.domain.policy.duration import add_months
from policyvault.domain.policy.model import Policy
from policyvault.services.vault import ConsentChoice

DURATION_HELP = (
    "ISO 8601 (P1Y, P3M, P2W, P10D, PT5H, P1MT12H) or short (1y, 3m, 2w, 10d, 5h, 30min; "
    "m is months)"
)
_ISO = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<min>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
_SHORT = re.compile(r"^(?P<n>\d+)\s*(?P<unit>y|mo|m|w|d|h|min|s)$")
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 date or time; UTC when it carries no offset."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{option} takes an ISO 8601 time such as 2027-01-01T09:00:00Z"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def advanced(now: datetime, text: str) -> datetime:
    """``now`` moved forward by a duration; months count as the calendar does (31 January
    plus one month is the last day of February)."""
    units = _duration_units(text.strip())
    if units is None or not any(units.values()):
        raise InvalidInput(f"a duration is {DURATION_HELP}")
    months = units["y"] * 12 + units["mo"]
    if months > 12_000 or units["d"] + units["w"] * 7 > 365_000:
        raise InvalidInput("that duration is longer than a vault will ever run")
    moved = datetime.combine(add_months(now.date(), months), now.timetz())
    return moved + timedelta(
        weeks=units["w"],
        days=units["d"],
        hours=units["h"],
        minutes=units["min"],
        seconds=units["s"],
    )


def _duration_units(text: str) -> dict[str, int] | None:
    units = dict.fromkeys(("y", "mo", "w", "d", "h", "min", "s"), 0)
    iso = _ISO.match(text.upper()) if text.upper() not in ("P", "PT") else None
    if iso is not None and not text.upper().endswith("T"):
        units.update({k: int(v) for k, v in iso.groupdict().items() if v})
        return units
    short = _SHORT.match(text.lower())
    if short is not None:
        units[{"m": "mo"}.get(short["unit"], short["unit"])] = int(short["n"])
        return units
    return None


def comma_list(text: str, option: str) -> list[str]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise InvalidInput(f"{option} takes a comma-separated list")
    return parts


def consent_choices(texts: Sequence[str]) -> list[ConsentChoice]:
    """``category:purpose[,purpose]`` -> one separate consent each."""
    choices = []
    for text in texts:
        category, _, purposes = text.partition(":")
        kind = consent_category(category.strip(), "--consent")
        choices.append(ConsentChoice(kind, tuple(comma_list(purposes, "--consent"))))
    return choices


def consent_category(text: str, option: str) -> ConsentCategory:
    try:
        return ConsentCategory(text)
    except ValueError:
        known = ", ".join(c.value for c in ConsentCategory)
        raise InvalidInput(f"{option} names a consent category among: {known}") from None


def item_values(policy: Policy, texts: Sequence[str], option: str = "--value") -> dict[str, Any]:
    """``item=value`` pairs, each value shaped for its item's declared type."""
    values: dict[str, Any] = {}
    for text in texts:
        key, equals, raw = text.partition("=")
        key = key.strip()
        if not equals or not key:
            raise InvalidInput(f"{option} takes item=value (a file: item=@path)")
        if key in values:
            raise InvalidInput(f"item {key!r} given twice")
        values[key] = item_value(policy, key, raw)
    return values


def item_value(policy: Policy, key: str, raw: str) -> Any:
    """The value the vault expects for ``key``: JSON for numbers and records, true/false for
    booleans, a file's content for files (``@path``); text as it is for the rest. Items the
    policy does not declare pass through, for the vault to refuse."""
    item = policy.items.get(key)
    if item is None:
        return raw
    kind = item.type
    if kind is ItemType.file:
        if not raw.startswith("@"):
            raise InvalidInput(f"item {key!r} is a file: give it as {key}=@path")
        return _file(key, Path(raw[1:]))
    if kind is ItemType.boolean:
        word = raw.strip().lower()
        if word not in _TRUE | _FALSE:
            raise InvalidInput(f"item {key!r}: expected true or false")
        return word in _TRUE
    if kind is ItemType.number:
        return _json(key, raw, "a number")
    if kind is ItemType.record:
        text = _read_text(key, Path(raw[1:])) if raw.startswith("@") else raw
        return _json(key, text, "a JSON object (or @path to one)")
    return raw


def _json(key: str, text: str, expected: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidInput(f"item {key!r}: expected {expected}") from None


def _read_text(key: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"item {key!r}: cannot read {path} as UTF-8 text") from None


def _file(key: str, path: Path) -> dict[str, str]:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"item {key!r}: cannot read {path}: {exc.strerror}") from None
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return {"media_type": media_type, "content_base64": base64.b64encode(content).decode()}
