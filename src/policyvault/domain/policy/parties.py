"""Who the policy names: the controller, its contacts, remedy bodies, processors, third
parties."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from policyvault.domain.policy.base import (
    Country,
    DottedKey,
    Email,
    Identifier,
    Phone,
    PolicyModel,
    Url,
)
from policyvault.domain.policy.data import Basis, ConsentCategory
from policyvault.domain.policy.text import LocalizedText


class Controller(PolicyModel):
    legal_name: LocalizedText
    services: list[LocalizedText] = Field(default_factory=list)
    # None: the policy does not say where the controller is established. Overseas transfers
    # are then unknown: only a stated country that differs from a stated one is abroad.
    country: Country | None = None
    address: LocalizedText | None = None
    website: Url | None = None


class Person(PolicyModel):
    """A contact as the policy names it. A policy may name one by role or department alone,
    with no phone or e-mail (the linter flags a privacy officer nobody can reach, L118)."""

    name: LocalizedText | None = None
    title: LocalizedText | None = None
    department: LocalizedText | None = None
    phone: Phone | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _named(self) -> Person:
        if not (self.name or self.title or self.department or self.phone or self.email):
            raise ValueError("a contact needs a name, title, department, phone or e-mail")
        return self

    @property
    def reachable(self) -> bool:
        return bool(self.phone or self.email)


class Contacts(PolicyModel):
    privacy_officer: Person
    departments: list[Person] = Field(default_factory=list)
    representatives: list[Person] = Field(default_factory=list)  # e.g. GDPR Art 27, PIPA 31-2


class RemedyBody(PolicyModel):
    name: LocalizedText
    role: LocalizedText | None = None
    phone: str | None = Field(default=None, max_length=40)
    url: Url | None = None
    address: LocalizedText | None = None


class Processor(PolicyModel):
    """A company processing data on the controller's behalf (PIPA Art 26 entrustment). When
    its countries lie outside the controller's, it is an overseas transfer (PIPA Art 28-8).
    No ``countries``: the policy does not say where it processes (lint L119)."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    task: LocalizedText
    purposes: list[DottedKey] = Field(min_length=1)
    items: list[Identifier] = Field(min_length=1)
    countries: list[Country] = Field(default_factory=list)  # empty: not stated
    timing: LocalizedText | None = None
    method: LocalizedText | None = None
    retention: LocalizedText | None = None
    contact: LocalizedText | None = None
    transfer_basis: Basis | None = None  # for overseas transfers
    consent_category: ConsentCategory | None = None  # when the transfer rests on consent
    refusal: LocalizedText | None = None  # how to refuse the transfer, and what follows


class ThirdParty(PolicyModel):
    """A recipient using data for its own purposes (PIPA Art 17 provision)."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    purpose: LocalizedText
    purposes: list[DottedKey] = Field(min_length=1)
    items: list[Identifier] = Field(min_length=1)
    countries: list[Country] = Field(default_factory=list)  # empty: not stated
    basis: Basis
    retention: LocalizedText | None = None
    consent_category: ConsentCategory | None = None
    sale_or_sharing: bool = False  # CCPA "sale" or "sharing"

    @model_validator(mode="after")
    def _consent_named(self) -> ThirdParty:
        if self.basis is Basis.consent and self.consent_category is None:
            object.__setattr__(self, "consent_category", ConsentCategory.third_party_provision)
        return self


class Provision(PolicyModel):
    statement: LocalizedText
    recipients: list[ThirdParty] = Field(default_factory=list)
    exceptions: list[LocalizedText] = Field(default_factory=list)  # e.g. investigations by law


class RequestChannelKind(StrEnum):
    email = "email"
    phone = "phone"
    letter = "letter"
    fax = "fax"
    web = "web"
    in_product = "in_product"


class RequestChannel(PolicyModel):
    kind: RequestChannelKind
    address: str | None = Field(default=None, max_length=300)
    note: LocalizedText | None = None
