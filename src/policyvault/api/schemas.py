"""Request and response bodies of the /v1 API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from policyvault.domain.policy.data import ConsentCategory

Json = dict[str, Any]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """Every error: a stable code, a message that names keys and rules (never a personal
    value), and details such as the rule that refused."""

    code: str
    message: str
    details: dict[str, Any]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "no valid API key"),
        (403, "the role may not do this, or a rule of the policy refused (details.rule)"),
        (404, "no such subject, grant, limit, hold, batch or certificate"),
        (409, "refused in the vault's state (e.g. a production vault's clock)"),
        (413, "request body too large"),
        (422, "the request does not match the schema, or a value or collection is refused"),
    )
}


class ConsentIn(Strict):
    category: ConsentCategory
    purposes: list[str] = Field(min_length=1, max_length=50)


class EvidenceIn(Strict):
    channel: str = Field(default="api", max_length=40, pattern=r"^[a-z_]+$")
    notice_hash: str = Field(default="", max_length=100)
    user_agent: str | None = Field(default=None, max_length=500)


class CollectIn(Strict):
    point: str = Field(max_length=100)
    values: dict[str, Any] = Field(max_length=200)
    consents: list[ConsentIn] = Field(default_factory=list, max_length=20)
    evidence: EvidenceIn = Field(default_factory=EvidenceIn)
    subject_id: str | None = Field(default=None, max_length=100)
    jurisdictions: list[str] | None = Field(default=None, max_length=10)
    age: int | None = Field(default=None, ge=0, le=150)


class CollectOut(BaseModel):
    subject_id: str
    item_keys: list[str]
    consents: list[str]
    needs_guardian: bool


class ReadIn(Strict):
    items: list[str] = Field(min_length=1, max_length=200)
    purpose: str = Field(max_length=200)


class DiscloseIn(ReadIn):
    recipient: str = Field(max_length=100)
    legal_reference: str | None = Field(default=None, max_length=300)


class ReadOut(BaseModel):
    allowed: Literal[True] = True
    basis: str | None
    values: dict[str, str]
    encodings: dict[str, Literal["utf-8", "base64"]]
    missing: list[str]


class ConsentChangeIn(Strict):
    category: ConsentCategory
    purposes: list[str] = Field(min_length=1, max_length=50)
    action: Literal["given", "withdrawn"]
    evidence: EvidenceIn = Field(default_factory=EvidenceIn)


class ConsentOut(BaseModel):
    category: str
    purposes: list[str]
    action: str
    at: datetime
    policy_version: str


class EventIn(Strict):
    name: str = Field(max_length=100)


class CorrectIn(Strict):
    value: Any


class LimitIn(Strict):
    kind: Literal["restriction", "objection", "marketing_objection"]
    purpose: str | None = Field(default=None, max_length=200)


class LimitOut(BaseModel):
    id: str
    kind: str
    purpose: str | None
    at: datetime


class GuardianConsentIn(Strict):
    """A legal representative's consent for a child (PIPA Art 22-2, COPPA)."""

    guardian_name: str = Field(min_length=1, max_length=200)
    relationship: str = Field(min_length=1, max_length=100)
    method: str = Field(min_length=1, max_length=100)
    evidence_reference: str = Field(min_length=1, max_length=300)


class FindIn(Strict):
    kind: Literal["email", "phone"]
    value: str = Field(max_length=320)
    purpose: str = Field(max_length=200)


class GrantIn(Strict):
    actor_id: str = Field(max_length=100)
    purpose: str = Field(max_length=200)
    expires_at: datetime | None = None


class GrantChangeIn(Strict):
    expires_at: datetime | None


class GrantOut(BaseModel):
    id: str
    actor_id: str
    purpose: str
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ClockIn(Strict):
    set: datetime | None = None
    advance_seconds: int | None = Field(default=None, gt=0, le=100 * 366 * 86400)


class ClockOut(BaseModel):
    now: datetime
    mode: str


class PolicyVersionOut(BaseModel):
    number: int
    label: str
    status: Literal["scheduled", "in_force", "superseded"]
    sha256: str
    announced_at: datetime
    effective_at: datetime
    activated_at: datetime | None
    reconsent_purposes: list[str]
