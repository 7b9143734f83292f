"""A data-subject rights request as the vault keeps it: plain records, no personal values.

What a request carries that is personal (the requester's contact, an agent's name, the
power-of-attorney document, the new value of a correction) is sealed apart from this record
(``RequestPrivate``, sealed under the request's own key); the record itself names item keys,
purposes, times, statuses and legal reasons only, so it can be listed, reported and kept for
its 24 months without exposing anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class RequestKind(StrEnum):
    """The rights a request exercises (the same names as the policy's ``rights.granted``)."""

    access = "access"  # a copy, with purposes, recipients, sources and retention
    portability = "portability"  # what the subject provided, machine-readable
    correction = "correction"
    deletion = "deletion"
    restriction = "restriction"  # GDPR Art 18, PIPA Art 37 suspension
    objection = "objection"  # GDPR Art 21; to direct marketing it always wins
    withdraw_consent = "withdraw_consent"
    opt_out_sale = "opt_out_sale"  # CCPA: opt out of sale or sharing
    limit_sensitive = "limit_sensitive"  # CCPA: limit the use of sensitive data
    automated_decision = "automated_decision"  # refuse one, or have it explained


# Requests whose pending state freezes the items they name (a policy promise after the PIPC
# template; GDPR Art 18(1)(a) on request).
FREEZING_KINDS = frozenset({RequestKind.correction, RequestKind.deletion})


class Channel(StrEnum):
    """How the request arrived. ``api``: through the HTTP API on the subject's behalf (the
    privacy center later); the rest are entered by staff."""

    api = "api"
    web = "web"
    in_product = "in_product"
    email = "email"
    phone = "phone"
    letter = "letter"
    fax = "fax"
    in_person = "in_person"


class RequestStatus(StrEnum):
    awaiting_verification = "awaiting_verification"  # a code was sent (or nobody matched)
    awaiting_agent_review = "awaiting_agent_review"  # the officer must accept the document
    awaiting_processing = "awaiting_processing"  # needs no verification: the desk's work acts
    open = "open"  # verified: being handled (a correction or deletion freezes its items)
    fulfilling = "fulfilling"  # a handler is doing it (claimed: nobody else may)
    awaiting_recipients = "awaiting_recipients"  # done here; processors must confirm
    completed = "completed"
    refused = "refused"  # refused as a whole, with its legal reason
    unverified = "unverified"  # verification failed or expired: closed, nothing done


OPEN_REQUEST_STATUSES = (
    RequestStatus.awaiting_verification,
    RequestStatus.awaiting_agent_review,
    RequestStatus.awaiting_processing,
    RequestStatus.open,
    RequestStatus.fulfilling,
    RequestStatus.awaiting_recipients,
)
CLOSED_REQUEST_STATUSES = (
    RequestStatus.completed,
    RequestStatus.refused,
    RequestStatus.unverified,
)


class VerificationMethod(StrEnum):
    code = "code"  # a one-time code sent to a contact already on file
    subject_token = "subject_token"  # the subject signed in to the controller's service
    staff = "staff"  # verified by staff in person or by a documented procedure
    agent_document = "agent_document"  # an agent's document, accepted by the officer
    none = "none"  # not required for this kind (CCPA opt-outs)


class AgentKind(StrEnum):
    delegate = "delegate"  # a person the subject authorised (PIPA Art 38(1), CCPA §7063)
    legal_representative = "legal_representative"  # e.g. a parent of a child (PIPA 38(2))


class Outcome(StrEnum):
    fulfilled = "fulfilled"
    kept = "kept"  # kept under a statute (moved to the separate store); the reason says which
    refused = "refused"
    not_held = "not_held"  # the vault holds nothing under that key


@dataclass(frozen=True)
class ItemOutcome:
    """What became of one item, record type or purpose a request covered."""

    target: str  # an item key, ``record:<type>``, or a purpose key
    outcome: Outcome
    reason: str = ""  # the legal reason when kept or refused (statute and article)
    until: datetime | None = None  # kept until


@dataclass(frozen=True)
class AgentInfo:
    """An agent acting for the subject. Name and contact are sealed in ``RequestPrivate``;
    here only what the officer's review needs to be listed."""

    kind: AgentKind
    document_media_type: str
    document_sha256: str  # of the plaintext document: evidence it was not swapped
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    accepted: bool | None = None  # None: not reviewed yet


@dataclass(frozen=True)
class Step:
    """One entry of a request's own history (the audit log has the same, chained)."""

    at: datetime
    name: str  # received, code_sent, verified, extended, fulfilled, forwarded, ...
    actor_id: str
    note: str = ""  # codes and legal references, never personal values


@dataclass(frozen=True)
class Extension:
    until: datetime
    reason: str  # a reason code or legal reference, recorded before the first period ended
    at: datetime
    by: str


@dataclass(frozen=True)
class RightsRequest:
    id: str
    kind: RequestKind
    channel: Channel
    received_at: datetime
    received_by: str  # the actor that took it in (a service key, a staff member)
    status: RequestStatus
    due_at: datetime  # the strictest deadline across the subject's jurisdictions
    subject_id: str | None = None  # None: nobody matched (the requester is told the same)
    jurisdictions: tuple[str, ...] = ()
    deadline_rule: str = ""  # which jurisdiction's rule set ``due_at`` (e.g. kr-pipa)
    ack_due_at: datetime | None = None  # a receipt confirmation is due (CCPA)
    acknowledged_at: datetime | None = None
    extensions: tuple[Extension, ...] = ()
    verification: VerificationMethod | None = None
    verified_at: datetime | None = None
    items: tuple[str, ...] = ()  # the items named; empty: all (access, deletion)
    purposes: tuple[str, ...] = ()  # objection, restriction, withdrawal: which purposes
    consent_category: str | None = None  # withdrawal: which consent
    agent: AgentInfo | None = None
    outcomes: tuple[ItemOutcome, ...] = ()
    refusal_reason: str | None = None  # when refused as a whole: the legal reason
    closed_at: datetime | None = None
    history: tuple[Step, ...] = ()
    fee: str | None = None  # None: free (the default); else the recorded justification
    details: dict[str, Any] = field(default_factory=dict)  # per-kind extras, no personal data

    @property
    def open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    @property
    def freezes(self) -> bool:
        return self.kind in FREEZING_KINDS


@dataclass(frozen=True)
class RequestPrivate:
    """The personal part of a request, sealed under the request's own key (wrapped by the
    master key): it outlives a shredded subject for as long as the request record is kept,
    and is dropped when the record is pruned."""

    contact: str | None = None  # where results go (an e-mail address on file or given)
    agent_name: str | None = None
    agent_contact: str | None = None
    agent_document: bytes | None = None
    corrections: dict[str, Any] = field(default_factory=dict)  # item key -> new value
    statement: str | None = None  # free text the requester wrote


class DeliveryStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after its attempts: reported


@dataclass(frozen=True)
class OutboxMessage:
    """A message to a requester, a processor or the privacy officer. Its address and text
    are sealed (``sealed``); this record says only what kind of message it is and how its
    delivery went."""

    id: str
    kind: str  # acknowledgement, verification_code, result, extension, ...
    created_at: datetime
    status: DeliveryStatus
    next_attempt_at: datetime
    attempts: int = 0
    request_id: str | None = None
    sent_at: datetime | None = None
    last_error: str | None = None  # an error class, never the address


class ForwardingStatus(StrEnum):
    pending = "pending"  # not sent yet, or to be sent again
    sent = "sent"  # delivered; waiting for the recipient's confirmation
    confirmed = "confirmed"
    escalated = "escalated"  # no confirmation after every attempt: the officer was told


@dataclass(frozen=True)
class Forwarding:
    """An erasure, correction or restriction passed on to a recipient that received the
    subject's data (GDPR Art 19, PIPA Decree 43(2)), tracked until it confirms."""

    id: str
    request_id: str
    recipient_id: str
    channel: str  # webhook, email, none (no endpoint configured: escalated at once)
    action: str  # erase, correct, restrict
    item_keys: tuple[str, ...]
    status: ForwardingStatus
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    sent_at: datetime | None = None
    confirmed_at: datetime | None = None
    escalated_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class VerificationCode:
    """The live one-time code of a request: only its hash is kept (Argon2id)."""

    request_id: str
    code_hash: str
    expires_at: datetime
    attempts_left: int


@dataclass(frozen=True)
class Download:
    """A one-time link to a request's package: the token's SHA-256 is kept, never the token."""

    token_hash: str
    request_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
