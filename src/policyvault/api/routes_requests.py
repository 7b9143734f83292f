"""/v1/requests: data-subject rights requests, submitted on the subject's behalf or entered by
staff, verified, handled and answered; and the links they hand out, which carry their own
one-time credential instead of an API key (the package download, a recipient's confirmation).

A request's record is shown without its personal part: no contact, no agent's name or
document (the officer opens that on its own route, audited), no new value of a correction."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from policyvault.api.auth import Caller, allowed, require, source_ip
from policyvault.api.schemas import ERROR_RESPONSES, ErrorBody
from policyvault.api.schemas_requests import (
    AgentIn,
    AgentOut,
    AgentReviewIn,
    ConfirmIn,
    ConfirmOut,
    DeskReportOut,
    EndpointIn,
    EndpointOut,
    ExtendIn,
    ExtensionOut,
    ForwardingOut,
    LinkOut,
    MessageOut,
    OutcomeOut,
    ReceivedOut,
    RefuseIn,
    RequestDetailOut,
    RequestIn,
    RequestOut,
    RequestPageOut,
    RespondIn,
    StepOut,
    SubjectTokenOut,
    VerifyIn,
)
from policyvault.domain.audit import Actor
from policyvault.domain.errors import InvalidInput
from policyvault.domain.requests import RequestStatus, RightsRequest
from policyvault.services.requests.facade import RequestDesk
from policyvault.services.requests.intake import STAFF_CHANNELS, AgentSubmission, Submission
from policyvault.services.requests.package import package_schema

router = APIRouter(tags=["requests"], responses=ERROR_RESPONSES)

RequestId = Path(max_length=100)
# A package is written here before it is sent: in memory up to this size, beyond it in an
# unnamed temporary file that is gone when the response ends.
SPOOL_BYTES = 32 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
ZIP_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}
}
DOCUMENT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}}
            for media in ("application/pdf", "image/png", "image/jpeg")
        }
    }
}


def _desk(request: Request) -> RequestDesk:
    desk: RequestDesk = request.app.state.runtime.requests
    return desk


def _link_holder(request: Request, actor_id: str) -> Actor:
    """Who uses a link without an API key: the link is the credential, the IP is recorded."""
    return Actor(id=actor_id, role="link_holder", source_ip=source_ip(request))


# intake and verification ------------------------------------------------------------------------


@router.post("/v1/requests", status_code=202, response_model=ReceivedOut)
def submit(
    body: RequestIn, request: Request, caller: Caller = Depends(allowed("request.submit"))
) -> ReceivedOut:
    """Take a request in. Whoever asks gets the same answer whether or not the vault holds
    anything about them; a code goes to the contact on file. Staff entering a request that
    came by letter, phone, e-mail, fax or in person give its channel and receipt time."""
    if body.channel in STAFF_CHANNELS or body.subject_id is not None or body.staff_verified:
        require(caller, "request.enter")
    received = _desk(request).submit(_submission(body), caller.actor)
    return ReceivedOut(**asdict(received))


def _submission(body: RequestIn) -> Submission:
    return Submission(
        kind=body.kind,
        channel=body.channel,
        received_at=body.received_at,
        email=body.email,
        subject_id=body.subject_id,
        subject_token=body.subject_token,
        items=tuple(body.items),
        purposes=tuple(body.purposes),
        consent_category=body.consent_category.value if body.consent_category else None,
        corrections=body.corrections,
        data_points=body.data_points,
        declaration=body.declaration,
        statement=body.statement,
        agent=None if body.agent is None else _agent(body.agent),
        staff_verified=body.staff_verified,
        language=body.language,
    )


def _agent(agent: AgentIn) -> AgentSubmission:
    try:
        document = base64.b64decode(agent.document_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the agent's document is not valid base64") from None
    return AgentSubmission(
        kind=agent.kind,
        name=agent.name,
        document=document,
        document_media_type=agent.document_media_type,
        contact=agent.contact,
    )


@router.post(
    "/v1/requests/{request_id}/verify",
    response_model=RequestOut,
    responses={400: {"model": ErrorBody, "description": "one answer for every failure"}},
)
def verify(
    body: VerifyIn,
    request: Request,
    request_id: str,  # unbounded: a malformed id gets the same answer as any other failure
    caller: Caller = Depends(allowed("request.submit")),
) -> RequestOut:
    """Confirm a request with the code sent to the subject. Every failure gives the same 400
    (``verification_failed``): a wrong, expired or spent code, and an unknown request."""
    return _view(_desk(request).verify(request_id, body.code, caller.actor))


@router.post("/v1/subjects/{subject_id}/tokens", status_code=201, response_model=SubjectTokenOut)
def subject_token(
    request: Request,
    subject_id: str = Path(max_length=100),
    caller: Caller = Depends(allowed("subject.token")),
) -> SubjectTokenOut:
    """A short-lived token for a subject the service has just signed in: a request made with
    it needs no code."""
    token, expires_at = _desk(request).subject_token(subject_id, caller.actor)
    return SubjectTokenOut(token=token, expires_at=expires_at)


# reading ----------------------------------------------------------------------------------------


@router.get("/v1/requests", response_model=RequestPageOut)
def find(
    request: Request,
    status: list[RequestStatus] | None = Query(default=None, description="repeatable"),
    subject_id: str | None = Query(default=None, max_length=100),
    due_before: AwareDatetime | None = None,
    limit: int = Query(default=100, ge=1, le=500),
    after: str | None = Query(default=None, max_length=400, description="next_cursor"),
    caller: Caller = Depends(allowed("request.read")),
) -> RequestPageOut:
    """Requests, earliest due first, a page at a time."""
    found = _desk(request).find(
        statuses=status,
        subject_id=subject_id,
        due_before=due_before,
        after=_after(after),
        limit=limit,
    )
    more = len(found) == limit
    return RequestPageOut(
        requests=[_view(r) for r in found], next_cursor=_cursor(found[-1]) if more else None
    )


def _cursor(request: RightsRequest) -> str:
    raw = f"{request.due_at.isoformat()}|{request.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    refused = InvalidInput("'after' is not a cursor this API gave")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, _, request_id = raw.partition("|")
        due_at = datetime.fromisoformat(due)
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise refused from None
    if due_at.tzinfo is None or not request_id:
        raise refused
    return due_at, request_id


@router.get("/v1/requests/{request_id}", response_model=RequestDetailOut)
def get(
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.read")),
) -> RequestDetailOut:
    """A request's record, its forwardings to recipients and the messages it sent."""
    desk = _desk(request)
    return _detail(desk, desk.get(request_id))


# handling ---------------------------------------------------------------------------------------


@router.post("/v1/requests/work", response_model=DeskReportOut)
def work(request: Request, caller: Caller = Depends(allowed("request.work"))) -> DeskReportOut:
    """Run the desk's background work now: deliver messages, pass requests on to recipients,
    close requests nobody verified in time, report deadlines, prune old records."""
    report = _desk(request).work(caller.actor)
    forwarding = asdict(report.forwarding)
    forwarding["completed_requests"] = len(report.forwarding.completed_requests)
    return DeskReportOut(
        at=report.at,
        delivery=asdict(report.delivery) if report.delivery else None,
        forwarding=forwarding,
        expired=report.expired,
        open=report.open,
        due_soon=report.due_soon,
        overdue=report.overdue,
        pruned=report.pruned,
    )


@router.post("/v1/requests/{request_id}/fulfil", response_model=RequestDetailOut)
def fulfil(
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.handle")),
) -> RequestDetailOut:
    """Do what an open request asks and answer the requester, item by item."""
    desk = _desk(request)
    return _detail(desk, desk.fulfil(request_id, caller.actor))


@router.post("/v1/requests/{request_id}/respond", response_model=RequestDetailOut)
def respond(
    body: RespondIn,
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.handle")),
) -> RequestDetailOut:
    """A person's answer to an automated-decision request."""
    desk = _desk(request)
    return _detail(desk, desk.respond(request_id, body.explanation, body.upheld, caller.actor))


@router.post("/v1/requests/{request_id}/refuse", response_model=RequestDetailOut)
def refuse(
    body: RefuseIn,
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.handle")),
) -> RequestDetailOut:
    """Refuse the whole request with its legal reason; the requester is told where to
    complain."""
    desk = _desk(request)
    return _detail(desk, desk.refuse(request_id, body.reason, caller.actor))


@router.post("/v1/requests/{request_id}/extend", response_model=RequestDetailOut)
def extend(
    body: ExtendIn,
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.handle")),
) -> RequestDetailOut:
    """Extend the due date (to ``until``, or as far as every applicable law allows), with
    notice to the requester."""
    desk = _desk(request)
    return _detail(desk, desk.extend(request_id, body.reason, caller.actor, body.until))


@router.post("/v1/requests/{request_id}/link", response_model=LinkOut)
def link(
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.handle")),
) -> LinkOut:
    """Send a new one-time link to a completed access or portability request's package to
    the requester (a lost mail); the caller never sees it."""
    sent, expires_at = _desk(request).reissue_link(request_id, caller.actor)
    return LinkOut(sent=sent, expires_at=expires_at)


@router.post("/v1/requests/{request_id}/agent", response_model=RequestDetailOut)
def review_agent(
    body: AgentReviewIn,
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.review")),
) -> RequestDetailOut:
    """The privacy officer accepts or refuses the document of an agent acting for the
    subject."""
    desk = _desk(request)
    reviewed = desk.review_agent(request_id, body.accepted, body.reason, caller.actor)
    return _detail(desk, reviewed)


@router.get(
    "/v1/requests/{request_id}/agent/document",
    response_class=Response,
    responses=DOCUMENT_RESPONSE,
)
def agent_document(
    request: Request,
    request_id: str = RequestId,
    caller: Caller = Depends(allowed("request.review")),
) -> Response:
    """The agent's document as it was sent, for the officer's review (audited)."""
    document, media_type = _desk(request).agent_document(request_id, caller.actor)
    return Response(document, media_type=media_type, headers={"Cache-Control": "no-store"})


# links that are their own credential ------------------------------------------------------------


@router.get(
    "/v1/downloads/{token}",
    response_class=StreamingResponse,
    responses=ZIP_RESPONSE,
    tags=["links"],
)
def download(request: Request, token: str = Path(max_length=200)) -> StreamingResponse:
    """The package of an access or portability request, once, through the link the requester
    was sent (no API key: the link is the credential). An unknown, used or expired link gets
    one answer (404)."""
    spool: IO[bytes] = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by _chunks)
    try:
        done = _desk(request).download(token, spool, _link_holder(request, "link.download"))
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return StreamingResponse(
        _chunks(spool),
        media_type="application/zip",
        headers={
            "Content-Disposition": (
                f'attachment; filename="policyvault-package-{done.request_id}.zip"'
            ),
            "Cache-Control": "no-store",
        },
    )


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk
    finally:
        spool.close()


@router.post("/v1/forwardings/confirm", response_model=ConfirmOut, tags=["links"])
def confirm(body: ConfirmIn, request: Request) -> ConfirmOut:
    """A recipient of the data confirms it carried out the erasure or correction passed on
    to it (no API key: the token it was sent is the credential)."""
    _desk(request).confirm_forwarding(body.token, _link_holder(request, "link.confirm"))
    return ConfirmOut()


@router.get("/v1/forwardings/confirm", response_model=ConfirmOut, tags=["links"])
def confirm_by_link(request: Request, token: str = Query(max_length=200)) -> ConfirmOut:
    """The same, through the link of the e-mail a recipient was sent."""
    _desk(request).confirm_forwarding(token, _link_holder(request, "link.confirm"))
    return ConfirmOut()


# configuration ----------------------------------------------------------------------------------


@router.put("/v1/recipients/{recipient_id}/endpoint", response_model=EndpointOut)
def set_endpoint(
    body: EndpointIn,
    request: Request,
    recipient_id: str = Path(max_length=100),
    caller: Caller = Depends(allowed("recipient.manage")),
) -> EndpointOut:
    """Where a declared recipient is told of erasures and corrections: a webhook signed with
    a shared secret, or an e-mail address. The secret is stored sealed and never shown."""
    endpoint = _desk(request).set_endpoint(
        recipient_id, webhook=body.webhook, secret=body.secret, email=body.email, actor=caller.actor
    )
    return EndpointOut(recipient_id=endpoint.recipient_id, channel=endpoint.channel)


@router.get("/v1/schemas/access-package.json", tags=["policy"])
def access_package_schema(caller: Caller = Depends(allowed("policy.read"))) -> dict[str, Any]:
    """The JSON Schema of an access package's ``package.json``."""
    return package_schema()


# views ------------------------------------------------------------------------------------------


def _view(request: RightsRequest) -> RequestOut:
    return RequestOut(**_fields(request))


def _detail(desk: RequestDesk, request: RightsRequest) -> RequestDetailOut:
    return RequestDetailOut(
        **_fields(request),
        forwardings=[
            ForwardingOut(
                id=f.id,
                recipient_id=f.recipient_id,
                channel=f.channel,
                action=f.action,
                item_keys=list(f.item_keys),
                status=f.status,
                created_at=f.created_at,
                attempts=f.attempts,
                sent_at=f.sent_at,
                confirmed_at=f.confirmed_at,
                escalated_at=f.escalated_at,
                last_error=f.last_error,
            )
            for f in desk.forwardings(request.id)
        ],
        messages=[
            MessageOut(
                kind=m.kind,
                status=m.status,
                attempts=m.attempts,
                created_at=m.created_at,
                sent_at=m.sent_at,
                last_error=m.last_error,
            )
            for m in desk.messages(request.id)
        ],
    )


def _fields(request: RightsRequest) -> dict[str, Any]:
    agent = request.agent
    return {
        "id": request.id,
        "kind": request.kind,
        "channel": request.channel,
        "status": request.status,
        "subject_id": request.subject_id,
        "jurisdictions": list(request.jurisdictions),
        "received_at": request.received_at,
        "received_by": request.received_by,
        "due_at": request.due_at,
        "deadline_rule": request.deadline_rule,
        "ack_due_at": request.ack_due_at,
        "acknowledged_at": request.acknowledged_at,
        "extensions": [ExtensionOut(**asdict(e)) for e in request.extensions],
        "verification": request.verification,
        "verified_at": request.verified_at,
        "items": list(request.items),
        "purposes": list(request.purposes),
        "consent_category": request.consent_category,
        "agent": None
        if agent is None
        else AgentOut(
            kind=agent.kind,
            document_media_type=agent.document_media_type,
            document_sha256=agent.document_sha256,
            reviewed_at=agent.reviewed_at,
            reviewed_by=agent.reviewed_by,
            accepted=agent.accepted,
        ),
        "outcomes": [OutcomeOut(**asdict(o)) for o in request.outcomes],
        "refusal_reason": request.refusal_reason,
        "closed_at": request.closed_at,
        "history": [StepOut(**asdict(s)) for s in request.history],
    }
