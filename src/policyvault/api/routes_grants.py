"""/v1/grants: who may process personal data for which purpose."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from policyvault.api.auth import Caller, allowed
from policyvault.api.schemas import ERROR_RESPONSES, GrantChangeIn, GrantIn, GrantOut
from policyvault.domain.access import Grant
from policyvault.services.vault import Vault

router = APIRouter(prefix="/v1/grants", tags=["grants"], responses=ERROR_RESPONSES)


def _vault(request: Request) -> Vault:
    vault: Vault = request.app.state.runtime.vault
    return vault


def _out(grant: Grant) -> GrantOut:
    return GrantOut(
        id=grant.id,
        actor_id=grant.actor_id,
        purpose=grant.purpose,
        granted_at=grant.granted_at,
        expires_at=grant.expires_at,
        revoked_at=grant.revoked_at,
    )


@router.post("", status_code=201, response_model=GrantOut)
def create(
    body: GrantIn, request: Request, caller: Caller = Depends(allowed("grant.manage"))
) -> GrantOut:
    return _out(_vault(request).grant(body.actor_id, body.purpose, caller.actor, body.expires_at))


@router.get("", response_model=list[GrantOut])
def list_grants(
    request: Request,
    actor_id: str | None = None,
    caller: Caller = Depends(allowed("grant.read")),
) -> list[GrantOut]:
    return [_out(g) for g in _vault(request).grants(actor_id)]


@router.patch("/{grant_id}", response_model=GrantOut)
def change(
    grant_id: str,
    body: GrantChangeIn,
    request: Request,
    caller: Caller = Depends(allowed("grant.manage")),
) -> GrantOut:
    """Move a live grant's expiry (null: until revoked)."""
    return _out(_vault(request).change_grant(grant_id, body.expires_at, caller.actor))


@router.delete("/{grant_id}", status_code=204)
def revoke(
    grant_id: str, request: Request, caller: Caller = Depends(allowed("grant.manage"))
) -> Response:
    _vault(request).revoke_grant(grant_id, caller.actor)
    return Response(status_code=204)
