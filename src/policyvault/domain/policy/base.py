"""Shared pieces of the policy schema: the strict base model and the small value types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    WithJsonSchema,
)

from policyvault.domain.policy.duration import Duration


class PolicyModel(BaseModel):
    """Every policy object: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _dotted_key(value: str) -> str:
    if not _KEY.match(value):
        raise ValueError(
            f"{value!r} is not a dotted key (expected lower-case words joined by dots, "
            "e.g. user.contact.email)"
        )
    return value


def _identifier(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"{value!r} is not an identifier (expected lower-case letters, digits, '_' or '-', "
            "starting with a letter)"
        )
    return value


# Regions some policies name instead of a country (Megazone transfers to "EU").
REGIONS = {"EU": "European Union", "EEA": "European Economic Area"}


def _country(value: str) -> str:
    if not (_COUNTRY.match(value) or value in REGIONS):
        raise ValueError(
            f"{value!r} is not a country (expected an ISO 3166-1 alpha-2 code such as KR, US, "
            "or the region EU / EEA)"
        )
    return value


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 duration such as P3Y or P36M")
    period = Duration.parse(value)
    if period.months == 0 and period.days == 0:
        raise ValueError("a period of zero length is not a period (expected e.g. P1D or P3Y)")
    return period


def _serialize_period(value: Duration, info: SerializationInfo) -> str:
    # Comparisons ask for one spelling per period (context={"canonical": True}); files and
    # notices keep the author's units.
    context = info.context
    if isinstance(context, dict) and context.get("canonical"):
        return value.canonical()
    return value.iso()


DottedKey = Annotated[str, AfterValidator(_dotted_key)]
Identifier = Annotated[str, AfterValidator(_identifier)]
Country = Annotated[str, AfterValidator(_country)]
Period = Annotated[
    Duration,
    PlainValidator(_duration),
    PlainSerializer(_serialize_period, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$", "examples": ["P3Y"]}
    ),
]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ()\-]{1,24}$")]
Url = Annotated[str, Field(pattern=r"^(https?://)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/\S*)?$")]
