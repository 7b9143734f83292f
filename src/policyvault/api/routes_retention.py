"""/v1/retention: the sweeper, the destruction queue and the approver's decisions on it, the
destruction certificates, and the statistics anonymisation leaves."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from policyvault.api.auth import Caller, allowed
from policyvault.api.schemas import ERROR_RESPONSES
from policyvault.api.schemas_retention import (
    BatchDecisionOut,
    BatchOut,
    CertificateOut,
    CertificateSummaryOut,
    RejectIn,
    StatisticsOut,
    SweepIn,
    SweepOut,
)
from policyvault.domain.retention import TaskStatus
from policyvault.services.retention.certificates import certificate_html, certificate_json
from policyvault.services.retention.facade import Retention

router = APIRouter(prefix="/v1/retention", tags=["retention"], responses=ERROR_RESPONSES)


def _retention(request: Request) -> Retention:
    return Retention(request.app.state.runtime.vault.context)


@router.post("/sweep", response_model=SweepOut)
def sweep(
    request: Request,
    body: SweepIn | None = None,
    caller: Caller = Depends(allowed("retention.sweep")),
) -> SweepOut:
    """Run the sweeper now: move what only a statute still requires to the separate store,
    queue what is due, destroy what is approved, certify finished batches, report what is
    late. A dry run only reports what it would do."""
    dry_run = body.dry_run if body is not None else False
    report = _retention(request).sweep(caller.actor, dry_run=dry_run)
    return SweepOut(**asdict(report))


@router.get("/queue", response_model=list[BatchOut])
def queue(
    request: Request,
    status: Literal["awaiting_approval", "approved", "rejected"] = "awaiting_approval",
    caller: Caller = Depends(allowed("retention.read")),
) -> list[BatchOut]:
    """Batches of destruction work in one state, earliest due first (counts, never values)."""
    return [BatchOut(**asdict(b)) for b in _retention(request).queue(TaskStatus(status))]


@router.post("/batches/{batch_id}/approve", response_model=BatchDecisionOut)
def approve(
    batch_id: str, request: Request, caller: Caller = Depends(allowed("retention.decide"))
) -> BatchDecisionOut:
    """Approve a batch awaiting approval; the next sweep destroys it."""
    count = _retention(request).approve([batch_id], caller.actor)
    return BatchDecisionOut(batch_id=batch_id, status="approved", tasks=count)


@router.post("/batches/{batch_id}/reject", response_model=BatchDecisionOut)
def reject(
    batch_id: str,
    body: RejectIn,
    request: Request,
    caller: Caller = Depends(allowed("retention.decide")),
) -> BatchDecisionOut:
    """Refuse a batch, with a reason code; its work is reported while overdue."""
    count = _retention(request).reject([batch_id], body.reason, caller.actor)
    return BatchDecisionOut(batch_id=batch_id, status="rejected", tasks=count)


@router.post("/batches/{batch_id}/requeue", response_model=BatchDecisionOut)
def requeue(
    batch_id: str, request: Request, caller: Caller = Depends(allowed("retention.decide"))
) -> BatchDecisionOut:
    """Send a rejected batch back: the next sweep queues its work in a new batch."""
    count = _retention(request).requeue([batch_id], caller.actor)
    return BatchDecisionOut(batch_id=batch_id, status="scheduled", tasks=count)


@router.get("/certificates", response_model=list[CertificateSummaryOut])
def certificates(
    request: Request,
    limit: int = Query(default=100, ge=1, le=1000),
    caller: Caller = Depends(allowed("retention.read")),
) -> list[CertificateSummaryOut]:
    """The latest destruction certificates, newest first."""
    return [
        CertificateSummaryOut(
            id=c.id,
            batch_id=c.batch_id,
            issued_at=c.issued_at,
            subjects=c.body.get("subjects", 0),
            keys_destroyed=c.body.get("keys_destroyed", 0),
        )
        for c in _retention(request).certificates(limit)
    ]


@router.get(
    "/certificates/{certificate_id}",
    response_model=CertificateOut,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
def certificate(
    certificate_id: str,
    request: Request,
    format: Literal["json", "html"] | None = Query(
        default=None, description="html, or json; without it the Accept header decides"
    ),
    caller: Caller = Depends(allowed("retention.read")),
) -> Any:
    """One destruction certificate, as JSON or as an HTML page to print and sign."""
    found = _retention(request).certificate(certificate_id)
    wants_html = format == "html" or (
        format is None and "text/html" in request.headers.get("accept", "")
    )
    if wants_html:
        return HTMLResponse(certificate_html(found))
    # The certificate as stored and exported, not re-serialised through the model.
    return Response(certificate_json(found), media_type="application/json")


@router.get("/statistics", response_model=StatisticsOut)
def statistics(
    request: Request, caller: Caller = Depends(allowed("retention.read"))
) -> StatisticsOut:
    """Per item key, how many subjects were counted when their value was anonymised."""
    return StatisticsOut(anonymised=_retention(request).anonymised_counts())
