"""/v1/subjects: collection, purpose-bound reads, disclosure, consents, choices, events."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from policyvault.api.auth import Caller, allowed
from policyvault.api.errors import error_body
from policyvault.api.schemas import (
    ERROR_RESPONSES,
    CollectIn,
    CollectOut,
    ConsentChangeIn,
    ConsentOut,
    CorrectIn,
    DiscloseIn,
    EventIn,
    EvidenceIn,
    FindIn,
    GuardianConsentIn,
    LimitIn,
    LimitOut,
    ReadIn,
    ReadOut,
)
from policyvault.crypto.blind_index import IndexKind
from policyvault.domain.vault import LimitKind
from policyvault.services.vault import ConsentChoice, Evidence, ReadResult, Vault

router = APIRouter(prefix="/v1/subjects", tags=["subjects"], responses=ERROR_RESPONSES)


def _vault(request: Request) -> Vault:
    vault: Vault = request.app.state.runtime.vault
    return vault


def _evidence(request: Request, body: EvidenceIn) -> Evidence:
    return Evidence(
        channel=body.channel,
        notice_hash=body.notice_hash,
        ip_address=request.client.host if request.client else None,
        user_agent=body.user_agent or request.headers.get("user-agent"),
    )


@router.post("", status_code=201, response_model=CollectOut)
def collect(
    body: CollectIn, request: Request, caller: Caller = Depends(allowed("subject.collect"))
) -> CollectOut:
    """Collect items through a declared collection point, with the consents it asks."""
    collected = _vault(request).collect(
        body.point,
        body.values,
        [ConsentChoice(c.category, tuple(c.purposes)) for c in body.consents],
        _evidence(request, body.evidence),
        caller.actor,
        subject_id=body.subject_id,
        jurisdictions=body.jurisdictions,
        age=body.age,
    )
    return CollectOut(
        subject_id=collected.subject_id,
        item_keys=list(collected.item_keys),
        consents=[c.value for c in collected.consents],
        needs_guardian=collected.needs_guardian,
    )


def _read_response(result: ReadResult) -> Any:
    if not result.allowed:
        rule = result.decision.rule.value if result.decision.rule else "denied"
        return JSONResponse(
            error_body("access_denied", result.decision.reason, {"rule": rule}), 403
        )
    values: dict[str, str] = {}
    encodings: dict[str, Any] = {}
    for key, data in result.values.items():
        try:
            values[key], encodings[key] = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            values[key], encodings[key] = base64.b64encode(data).decode(), "base64"
    basis = result.decision.basis.value if result.decision.basis else None
    return ReadOut(basis=basis, values=values, encodings=encodings, missing=list(result.missing))


@router.post("/{subject_id}/read", response_model=ReadOut)
def read(
    subject_id: str,
    body: ReadIn,
    request: Request,
    caller: Caller = Depends(allowed("subject.read")),
) -> Any:
    """Read items for a purpose. Denials name the rule that refused (403)."""
    return _read_response(_vault(request).read(subject_id, body.items, body.purpose, caller.actor))


@router.post("/{subject_id}/disclosures", response_model=ReadOut)
def disclose(
    subject_id: str,
    body: DiscloseIn,
    request: Request,
    caller: Caller = Depends(allowed("subject.disclose")),
) -> Any:
    """Hand items to a declared processor or third party; the disclosure is recorded."""
    result = _vault(request).disclose(
        subject_id,
        body.items,
        body.recipient,
        body.purpose,
        caller.actor,
        legal_reference=body.legal_reference,
    )
    return _read_response(result)


@router.post("/{subject_id}/consents", status_code=201, response_model=ConsentOut)
def change_consent(
    subject_id: str,
    body: ConsentChangeIn,
    request: Request,
    caller: Caller = Depends(allowed("subject.consent")),
) -> ConsentOut:
    """Give or withdraw one separate consent; takes effect on the next call."""
    vault = _vault(request)
    change = vault.give_consent if body.action == "given" else vault.withdraw_consent
    event = change(
        subject_id, body.category, body.purposes, _evidence(request, body.evidence), caller.actor
    )
    return ConsentOut(
        category=event.category.value,
        purposes=list(event.purposes),
        action=event.action.value,
        at=event.at,
        policy_version=event.policy_version,
    )


@router.post("/{subject_id}/limits", status_code=201, response_model=LimitOut)
def limit(
    subject_id: str,
    body: LimitIn,
    request: Request,
    caller: Caller = Depends(allowed("subject.choice")),
) -> LimitOut:
    """Restrict processing, object to it, or object to direct marketing (always wins)."""
    vault = _vault(request)
    kind = LimitKind(body.kind)
    if kind is LimitKind.marketing_objection:
        created = vault.object_to_marketing(subject_id, caller.actor)
    elif kind is LimitKind.objection:
        created = vault.object(subject_id, caller.actor, body.purpose)
    else:
        created = vault.restrict(subject_id, caller.actor, body.purpose)
    return LimitOut(id=created.id, kind=created.kind.value, purpose=created.purpose, at=created.at)


@router.delete("/{subject_id}/limits/{limit_id}", status_code=204)
def lift(
    subject_id: str,
    limit_id: str,
    request: Request,
    caller: Caller = Depends(allowed("subject.choice")),
) -> Response:
    _vault(request).lift(subject_id, limit_id, caller.actor)
    return Response(status_code=204)


@router.post("/{subject_id}/events", status_code=201)
def record_event(
    subject_id: str,
    body: EventIn,
    request: Request,
    caller: Caller = Depends(allowed("subject.event")),
) -> dict[str, str]:
    """Record account_closed, inquiry_completed, purpose_achieved or a policy event."""
    event = _vault(request).record_event(subject_id, body.name, caller.actor)
    return {"name": event.name, "at": event.at.isoformat()}


@router.put("/{subject_id}/items/{item_key}", status_code=204)
def correct(
    subject_id: str,
    item_key: str,
    body: CorrectIn,
    request: Request,
    caller: Caller = Depends(allowed("subject.correct")),
) -> Response:
    """Correct a value; the old value is not kept."""
    _vault(request).correct(subject_id, item_key, body.value, caller.actor)
    return Response(status_code=204)


@router.post("/{subject_id}/guardian-consent", status_code=204)
def guardian_consent(
    subject_id: str,
    body: GuardianConsentIn,
    request: Request,
    caller: Caller = Depends(allowed("subject.consent")),
) -> Response:
    """Record a guardian's consent for a child below the policy's minimum age; the guardian's
    identity is sealed with the child's key."""
    _vault(request).record_guardian_consent(
        subject_id,
        guardian_name=body.guardian_name,
        relationship=body.relationship,
        method=body.method,
        evidence_reference=body.evidence_reference,
        actor=caller.actor,
    )
    return Response(status_code=204)


@router.post("/lookup")
def find(
    body: FindIn, request: Request, caller: Caller = Depends(allowed("subject.find"))
) -> dict[str, list[str]]:
    """Find subjects by email or phone through the blind index (no decryption)."""
    found = _vault(request).find_subjects(
        IndexKind(body.kind), body.value, caller.actor, purpose=body.purpose
    )
    return {"subject_ids": found}
