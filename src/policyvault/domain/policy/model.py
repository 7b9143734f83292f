"""The policy file, ``schema: policyvault/v1``: one typed document per controller."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from policyvault.domain.policy.base import DottedKey, Identifier, PolicyModel
from policyvault.domain.policy.data import (
    CollectionPoint,
    DataCategory,
    Item,
    Purpose,
    Sensitivity,
)
from policyvault.domain.policy.notice import (
    Amendment,
    Breach,
    CcpaDisclosure,
    Changes,
    Children,
    Cookies,
    Rights,
    SafetyMeasure,
    Section,
)
from policyvault.domain.policy.parties import Contacts, Controller, Processor, Provision, RemedyBody
from policyvault.domain.policy.retention import (
    AccessLog,
    Destruction,
    LegalHoldRule,
    RecordCategory,
    RetentionRule,
    StatutoryRecord,
)
from policyvault.domain.policy.taxonomy import implied_sensitivity
from policyvault.domain.policy.text import Language, LocalizedText

SCHEMA_ID = "policyvault/v1"
_JURISDICTION = re.compile(r"^[a-z]{2}-[a-z0-9]+$")


class Policy(PolicyModel):
    schema_: Literal["policyvault/v1"] = Field(alias="schema")
    id: Identifier
    version: str = Field(min_length=1, max_length=40)
    effective_date: date
    timezone: str
    languages: list[Language] = Field(min_length=1)
    jurisdictions: list[str] = Field(min_length=1)

    controller: Controller
    contacts: Contacts
    remedy_bodies: list[RemedyBody] = Field(default_factory=list)

    custom_namespaces: list[DottedKey] = Field(default_factory=list)
    data_categories: dict[DottedKey, DataCategory] = Field(default_factory=dict)
    record_categories: list[RecordCategory] = Field(default_factory=list)
    items: dict[Identifier, Item] = Field(min_length=1)
    collection_points: dict[Identifier, CollectionPoint] = Field(min_length=1)
    purposes: dict[DottedKey, Purpose] = Field(min_length=1)
    events: dict[Identifier, LocalizedText] = Field(default_factory=dict)

    retention: list[RetentionRule] = Field(default_factory=list)
    statutory_retention: list[StatutoryRecord] = Field(default_factory=list)
    legal_holds: list[LegalHoldRule] = Field(default_factory=list)
    destruction: Destruction
    access_log: AccessLog | None = None  # None: the policy says nothing about them

    processors: list[Processor] = Field(default_factory=list)
    provision: Provision | None = None
    cookies: Cookies | None = None
    children: Children | None = None
    rights: Rights
    safety_measures: list[SafetyMeasure] = Field(default_factory=list)
    breach: Breach | None = None
    ccpa: CcpaDisclosure | None = None
    changes: Changes
    sections: list[Section] = Field(default_factory=list)
    history: list[Amendment] = Field(default_factory=list)

    model_config = PolicyModel.model_config | {"populate_by_name": True}

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not an IANA time zone (expected e.g. Asia/Seoul, Europe/Berlin)"
            ) from None
        return value

    @field_validator("jurisdictions")
    @classmethod
    def _jurisdiction_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            if not _JURISDICTION.match(key):
                raise ValueError(
                    f"{key!r} is not a jurisdiction key (expected country-law, e.g. kr-pipa, "
                    "eu-gdpr, us-ccpa, us-coppa)"
                )
        if len(set(value)) != len(value):
            raise ValueError("a jurisdiction is listed twice")
        return value

    @field_validator("languages")
    @classmethod
    def _languages_once(cls, value: list[Language]) -> list[Language]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    def purposes_of_item(self, item: str) -> list[str]:
        return [key for key, purpose in self.purposes.items() if item in purpose.items]

    def sensitivity_of(self, item: str) -> set[Sensitivity]:
        """What the item says, what its declared category says, and what its key implies."""
        declared = self.items[item]
        flags = set(declared.sensitivity) | implied_sensitivity(declared.category)
        category = self.data_categories.get(declared.category)
        if category is not None:
            flags |= set(category.sensitivity)
        return flags
