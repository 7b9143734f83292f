"""What is collected and why: data categories, items, collection points, purposes."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from policyvault.domain.policy.base import DottedKey, Identifier, PolicyModel
from policyvault.domain.policy.text import LocalizedText


class Sensitivity(StrEnum):
    password = "password"  # never stored reversibly
    unique_identifier = "unique_identifier"  # PIPA Art 24: resident, passport, licence numbers
    financial = "financial"  # card and account numbers
    special_category = "special_category"  # GDPR Art 9 / PIPA Art 23 sensitive data
    child_data = "child_data"


class ItemType(StrEnum):
    text = "text"
    name = "name"
    email = "email"
    phone = "phone"
    country = "country"
    address = "address"
    postal_code = "postal_code"
    date = "date"
    datetime = "datetime"
    number = "number"
    boolean = "boolean"
    enum = "enum"
    url = "url"
    ip_address = "ip_address"
    identifier = "identifier"  # an opaque id, e.g. a cookie id
    password = "password"
    file = "file"
    record = "record"  # a structured log or business record (JSON)


class DataCategory(PolicyModel):
    """A category the policy declares itself: a custom key, or a label for a taxonomy key."""

    label: LocalizedText
    description: LocalizedText | None = None
    sensitivity: list[Sensitivity] = Field(default_factory=list)


class Item(PolicyModel):
    """One typed personal-data field the vault may hold."""

    label: LocalizedText
    category: DottedKey
    type: ItemType = ItemType.text
    max_length: int | None = Field(default=None, gt=0, le=1_000_000)
    values: list[str] | None = None  # the allowed values of an enum item
    max_bytes: int | None = Field(default=None, gt=0, le=1_000_000_000)  # file items
    media_types: list[str] | None = None  # file items
    sensitivity: list[Sensitivity] = Field(default_factory=list)
    description: LocalizedText | None = None

    @model_validator(mode="after")
    def _type_specific_fields(self) -> Item:
        if self.type is ItemType.enum and not self.values:
            raise ValueError("an enum item needs its allowed 'values'")
        if self.values is not None and self.type is not ItemType.enum:
            raise ValueError("'values' is only for items of type enum")
        if (self.max_bytes or self.media_types) and self.type is not ItemType.file:
            raise ValueError("'max_bytes' and 'media_types' are only for items of type file")
        if self.type is ItemType.password and Sensitivity.password not in self.sensitivity:
            # A password is a password whatever the author wrote: say it once, here.
            object.__setattr__(self, "sensitivity", [*self.sensitivity, Sensitivity.password])
        return self


class ConsentCategory(StrEnum):
    """The consents PIPA Art 22(1) requires to be asked, and recorded, separately."""

    collection_use = "collection_use"
    third_party_provision = "third_party_provision"
    out_of_purpose_use = "out_of_purpose_use"
    marketing = "marketing"
    unique_identifier = "unique_identifier"
    sensitive = "sensitive"
    overseas_transfer = "overseas_transfer"
    cookies = "cookies"


class CollectionKind(StrEnum):
    sign_up = "sign_up"
    log_in = "log_in"
    contact_form = "contact_form"
    inquiry = "inquiry"
    order = "order"
    payment = "payment"
    survey = "survey"
    upload = "upload"
    identity_check = "identity_check"
    automatic = "automatic"  # IP addresses, cookies, visit records
    other = "other"


class ConsentRequest(PolicyModel):
    """One separate consent asked at a collection point."""

    category: ConsentCategory
    purposes: list[DottedKey] = Field(min_length=1)
    required: bool = False  # a required consent gates the whole collection
    text: LocalizedText | None = None


class CollectionPoint(PolicyModel):
    """A form or an automatic device through which items enter the vault."""

    kind: CollectionKind
    label: LocalizedText
    required: list[Identifier] = Field(default_factory=list)
    optional: list[Identifier] = Field(default_factory=list)
    purposes: list[DottedKey] = Field(min_length=1)
    consents: list[ConsentRequest] = Field(default_factory=list)
    timing: LocalizedText | None = None  # when it collects ("when a product inquiry is made")
    method: LocalizedText | None = None  # how ("automatic collection device")

    @model_validator(mode="after")
    def _collects_something(self) -> CollectionPoint:
        if not self.required and not self.optional:
            raise ValueError("a collection point must list required or optional items")
        both = set(self.required) & set(self.optional)
        if both:
            raise ValueError(f"items both required and optional: {', '.join(sorted(both))}")
        return self

    @property
    def items(self) -> list[str]:
        return [*self.required, *self.optional]


class Basis(StrEnum):
    consent = "consent"
    contract = "contract"
    legal_obligation = "legal_obligation"
    legitimate_interest = "legitimate_interest"
    vital_interest = "vital_interest"
    public_task = "public_task"


class LawfulBasis(PolicyModel):
    basis: Basis
    interest: LocalizedText | None = None  # the stated legitimate interest
    law: LocalizedText | None = None  # the statute behind a legal obligation
    consent_category: ConsentCategory | None = None  # which separate consent it rests on

    @model_validator(mode="after")
    def _basis_fields(self) -> LawfulBasis:
        if self.basis is Basis.legitimate_interest and self.interest is None:
            raise ValueError("a legitimate-interest basis must state the 'interest'")
        if self.interest is not None and self.basis is not Basis.legitimate_interest:
            raise ValueError("'interest' is only for the legitimate_interest basis")
        if self.consent_category is not None and self.basis is not Basis.consent:
            raise ValueError("'consent_category' is only for the consent basis")
        if self.basis is Basis.consent and self.consent_category is None:
            object.__setattr__(self, "consent_category", ConsentCategory.collection_use)
        return self


class Purpose(PolicyModel):
    label: LocalizedText
    description: LocalizedText | None = None
    data_use: DottedKey | None = None  # a fideslang data use, when one fits
    bases: list[LawfulBasis] = Field(min_length=1)
    items: list[Identifier] = Field(min_length=1)
    direct_marketing: bool = False  # an objection to it always wins (GDPR Art 21(3))

    @property
    def consent_based(self) -> bool:
        return any(b.basis is Basis.consent for b in self.bases)

    @property
    def consent_categories(self) -> set[ConsentCategory]:
        return {b.consent_category for b in self.bases if b.consent_category is not None}
