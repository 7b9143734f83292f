"""/v1/holds: legal holds (investigation, litigation) that stop every move and destruction of
a subject's data or of a record type until they are released."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from policyvault.api.auth import Caller, allowed
from policyvault.api.schemas import ERROR_RESPONSES
from policyvault.api.schemas_retention import HoldIn, HoldOut
from policyvault.domain.retention import Hold
from policyvault.services.retention.facade import Retention

router = APIRouter(prefix="/v1/holds", tags=["retention"], responses=ERROR_RESPONSES)


def _retention(request: Request) -> Retention:
    return Retention(request.app.state.runtime.vault.context)


def _out(hold: Hold) -> HoldOut:
    return HoldOut(
        id=hold.id,
        reason=hold.reason,
        reference=hold.reference,
        subject_id=hold.subject_id,
        record_type=hold.record_type,
        placed_at=hold.placed_at,
        placed_by=hold.placed_by,
        released_at=hold.released_at,
        released_by=hold.released_by,
    )


@router.post("", status_code=201, response_model=HoldOut)
def place(
    body: HoldIn, request: Request, caller: Caller = Depends(allowed("hold.manage"))
) -> HoldOut:
    """Place a hold on one subject or one record type, for a reason the policy names and a
    case or file reference."""
    hold = _retention(request).place_hold(
        caller.actor,
        reason=body.reason,
        reference=body.reference,
        subject_id=body.subject_id,
        record_type=body.record_type,
    )
    return _out(hold)


@router.get("", response_model=list[HoldOut])
def list_holds(
    request: Request,
    include_released: bool = Query(default=False, alias="all", description="released too"),
    caller: Caller = Depends(allowed("hold.read")),
) -> list[HoldOut]:
    return [_out(h) for h in _retention(request).holds(active_only=not include_released)]


@router.delete("/{hold_id}", status_code=204)
def release(
    hold_id: str, request: Request, caller: Caller = Depends(allowed("hold.manage"))
) -> Response:
    """Release a hold (it stays listed with ?all=true); the next sweep does what it stopped."""
    _retention(request).release_hold(hold_id, caller.actor)
    return Response(status_code=204)
