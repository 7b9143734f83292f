"""Request and response bodies of the rights-request API: a request as submitted, its record
as staff see it (no personal part: no contact, no agent name, no new value, no document), and
what handling it takes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from policyvault.api.schemas import Strict
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.requests import (
    AgentKind,
    Channel,
    DeliveryStatus,
    ForwardingStatus,
    Outcome,
    RequestKind,
    RequestStatus,
    VerificationMethod,
)
from policyvault.services.values import MAX_FILE_BYTES

# The agent's document travels base64-encoded: 4 characters for every 3 bytes.
MAX_DOCUMENT_BASE64 = (MAX_FILE_BYTES + 2) // 3 * 4
KeyText = Annotated[str, StringConstraints(max_length=200)]


class AgentIn(Strict):
    """Someone acting for the subject, with the power of attorney (or proof of legal
    representation) as a PDF, PNG or JPEG file."""

    kind: AgentKind
    name: str = Field(max_length=200)
    contact: str | None = Field(default=None, max_length=320, description="where to answer")
    document_base64: str = Field(default="", max_length=MAX_DOCUMENT_BASE64)
    document_media_type: str = Field(default="", max_length=100)


class RequestIn(Strict):
    """A rights request. Identify the subject by exactly one of ``email`` (a code goes to the
    address on file), ``subject_token`` (issued to a signed-in subject) or, for staff entering
    a request that came by letter, phone, e-mail, fax or in person, ``subject_id``."""

    kind: RequestKind
    channel: Channel = Channel.api
    received_at: AwareDatetime | None = Field(
        default=None, description="staff entry: when the request arrived (default: now)"
    )
    email: str | None = Field(default=None, max_length=320)
    subject_id: str | None = Field(default=None, max_length=100)
    subject_token: str | None = Field(default=None, max_length=200)
    items: list[KeyText] = Field(default_factory=list, max_length=200)
    purposes: list[KeyText] = Field(default_factory=list, max_length=50)
    consent_category: ConsentCategory | None = None
    corrections: dict[str, Any] = Field(default_factory=dict, max_length=200)
    data_points: dict[str, Any] = Field(default_factory=dict, max_length=50)
    declaration: bool = False
    statement: str | None = Field(default=None, max_length=4000)
    staff_verified: bool = False
    language: str | None = Field(default=None, max_length=10)
    agent: AgentIn | None = None


class ReceivedOut(BaseModel):
    request_id: str
    # "received" for a request asked for by an e-mail address (the same whether or not it
    # matched anyone), else the request's status
    status: str
    due_at: datetime
    message: str


class VerifyIn(Strict):
    code: str = Field(max_length=100)  # any code of the wrong form fails like a wrong one


class SubjectTokenOut(BaseModel):
    token: str
    expires_at: datetime


class StepOut(BaseModel):
    at: datetime
    name: str
    actor_id: str
    note: str


class ExtensionOut(BaseModel):
    until: datetime
    reason: str
    at: datetime
    by: str


class OutcomeOut(BaseModel):
    target: str
    outcome: Outcome
    reason: str
    until: datetime | None


class AgentOut(BaseModel):
    """The agent's review, never its name, contact or document."""

    kind: AgentKind
    document_media_type: str
    document_sha256: str
    reviewed_at: datetime | None
    reviewed_by: str | None
    accepted: bool | None


class RequestOut(BaseModel):
    """A request's record: keys, times, statuses and legal reasons, never a personal value."""

    id: str
    kind: RequestKind
    channel: Channel
    status: RequestStatus
    subject_id: str | None
    jurisdictions: list[str]
    received_at: datetime
    received_by: str
    due_at: datetime
    deadline_rule: str
    ack_due_at: datetime | None
    acknowledged_at: datetime | None
    extensions: list[ExtensionOut]
    verification: VerificationMethod | None
    verified_at: datetime | None
    items: list[str]
    purposes: list[str]
    consent_category: str | None
    agent: AgentOut | None
    outcomes: list[OutcomeOut]
    refusal_reason: str | None
    closed_at: datetime | None
    history: list[StepOut]


class ForwardingOut(BaseModel):
    """The request passed on to a recipient of the data (never its endpoint)."""

    id: str
    recipient_id: str
    channel: str
    action: str
    item_keys: list[str]
    status: ForwardingStatus
    created_at: datetime
    attempts: int
    sent_at: datetime | None
    confirmed_at: datetime | None
    escalated_at: datetime | None
    last_error: str | None


class MessageOut(BaseModel):
    """A message the request sent: its kind and delivery, never its address or text."""

    kind: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


class RequestDetailOut(RequestOut):
    forwardings: list[ForwardingOut]
    messages: list[MessageOut]


class RequestPageOut(BaseModel):
    requests: list[RequestOut]
    next_cursor: str | None = Field(description="pass as ``after`` for the next page")


class RespondIn(Strict):
    explanation: str = Field(max_length=4000)
    upheld: bool


class RefuseIn(Strict):
    reason: str = Field(max_length=500)


class ExtendIn(Strict):
    reason: str = Field(max_length=500)
    until: AwareDatetime | None = None


class LinkOut(BaseModel):
    # The link itself goes to the requester, never to the caller.
    sent: bool
    expires_at: datetime


class AgentReviewIn(Strict):
    accepted: bool
    reason: str | None = Field(default=None, max_length=500)


class ConfirmIn(Strict):
    token: str = Field(max_length=200)


class ConfirmOut(BaseModel):
    status: Literal["confirmed"] = "confirmed"


class EndpointIn(Strict):
    """Where a recipient is told of erasures and corrections: a webhook (signed with the
    secret) or an e-mail address."""

    webhook: str | None = Field(default=None, max_length=2000)
    secret: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)


class EndpointOut(BaseModel):
    recipient_id: str
    channel: str = Field(description="webhook or email")


class DeliveryOut(BaseModel):
    sent: int
    retrying: int
    failed: int
    failures: dict[str, int]  # error class: count


class ForwardingReportOut(BaseModel):
    sent: int
    confirmed: int
    retrying: int
    escalated: int
    completed_requests: int


class DeskReportOut(BaseModel):
    """What a run of the request desk's background work did, as counts."""

    at: datetime
    delivery: DeliveryOut | None  # None: no SMTP server configured, messages stay queued
    forwarding: ForwardingReportOut
    expired: int
    open: int
    due_soon: int
    overdue: int
    pruned: int
