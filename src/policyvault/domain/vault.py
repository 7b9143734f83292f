"""What the vault stores, as plain records. Values are always sealed (or, for passwords,
hashed) before they reach a record: nothing here holds plaintext personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class Subject:
    id: str  # opaque (a random UUID), never derived from a personal value
    created_at: datetime
    jurisdictions: tuple[str, ...]
    key_id: str  # which master key wraps the data key
    needs_guardian: bool = False
    guardian_consent_at: datetime | None = None
    shredded_at: datetime | None = None  # its data key was destroyed


@dataclass(frozen=True)
class SealedItem:
    """One item of a subject: AES-GCM ciphertext bound to (subject, item), or an Argon2id
    hash for passwords (``hashed``), which can be verified and never read."""

    subject_id: str
    item_key: str
    sealed: bytes
    point: str  # the collection point it came through
    collected_at: datetime
    updated_at: datetime
    hashed: bool = False
    archived: bool = False  # moved to the separate store (statutory retention)
    media_type: str | None = None


@dataclass(frozen=True)
class SubjectEvent:
    """An event the retention rules and the lawful bases depend on (account_closed, ...)."""

    subject_id: str
    name: str
    at: datetime
    actor_id: str


class LimitKind(StrEnum):
    restriction = "restriction"  # GDPR Art 18 / PIPA Art 37 suspension
    objection = "objection"  # to processing on legitimate interest
    marketing_objection = "marketing_objection"  # to direct marketing: always wins
    sale_opt_out = "sale_opt_out"  # CCPA §1798.120: no sale or sharing to third parties
    sensitive_limit = "sensitive_limit"  # CCPA §1798.121: sensitive data for the service only


@dataclass(frozen=True)
class ProcessingLimit:
    id: str
    subject_id: str
    kind: LimitKind
    at: datetime
    purpose: str | None = None  # None: every purpose
    lifted_at: datetime | None = None


@dataclass(frozen=True)
class ItemFreeze:
    """An item frozen while a correction or deletion request is pending."""

    subject_id: str
    item_key: str
    request_id: str
    since: datetime
    released_at: datetime | None = None


@dataclass(frozen=True)
class Disclosure:
    """Who received which items of a subject, when, and why: for access requests and for
    forwarding deletions to every recipient later."""

    id: str
    subject_id: str
    recipient_id: str
    purpose: str
    item_keys: tuple[str, ...]
    at: datetime
    actor_id: str
    legal_reference: str | None = None
