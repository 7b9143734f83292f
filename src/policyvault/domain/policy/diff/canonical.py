"""Comparing parts of a policy up to the order of their lists."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

CANONICAL = {"canonical": True}  # P36M and P3Y are the same period


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", context=CANONICAL)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


def canonical(value: Any) -> Any:
    """A JSON value with every list sorted: order in a policy file carries no meaning."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def same_up_to_order(old: Any, new: Any) -> bool:
    """Equal up to the order of lists."""
    return bool(canonical(_plain(old)) == canonical(_plain(new)))
