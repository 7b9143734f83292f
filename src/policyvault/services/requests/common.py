"""What every step of the request desk shares: loading and saving a request with a step of
its history, its sealed personal part, and the messages it sends."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import NotFound, Refused
from policyvault.domain.policy.text import LocalizedText
from policyvault.domain.requests import RequestPrivate, RightsRequest, Step
from policyvault.services.outbox.messages import render_message
from policyvault.services.outbox.queue import enqueue
from policyvault.services.ports import VaultSession
from policyvault.services.requests.sealing import open_payload, reseal_payload
from policyvault.services.requests.settings import RequestSettings
from policyvault.services.vault.context import VaultContext

DESK = Actor(id="svc.requests", role="system")


class RequestNotFound(NotFound):
    code = "request_not_found"


def subject_of(request: RightsRequest) -> str:
    """The subject a request concerns; a request nobody was matched to has none to act on."""
    if request.subject_id is None:
        raise Refused("the request names no subject the vault holds")
    return request.subject_id


def owner(request_id: str) -> str:
    return f"request:{request_id}"


def load(session: VaultSession, request_id: str, *, lock: bool = True) -> RightsRequest:
    request = session.requests.request(request_id, lock=lock)
    if request is None:
        raise RequestNotFound(f"no request {request_id!r}")
    return request


def step(
    request: RightsRequest, name: str, actor: Actor, at: datetime, note: str = "", **changes: Any
) -> RightsRequest:
    """The request with ``changes`` applied and the step added to its history."""
    history = (*request.history, Step(at=at, name=name, actor_id=actor.id, note=note))
    return replace(request, history=history, **changes)


def audit(
    ctx: VaultContext,
    session: VaultSession,
    actor: Actor,
    action: str,
    request: RightsRequest,
    decision: Decision,
    **details: Any,
) -> None:
    ctx.record(
        session,
        actor,
        action,
        decision,
        subject_id=request.subject_id,
        request_id=request.id,
        details={"kind": request.kind.value, "status": request.status.value, **details},
    )


# the sealed personal part -----------------------------------------------------------------------


def private_of(ctx: VaultContext, session: VaultSession, request_id: str) -> RequestPrivate:
    found = session.requests.request_private(request_id)
    if found is None:
        raise RequestNotFound(f"no request {request_id!r}")
    payload = open_payload(ctx, owner(request_id), *found)
    document = payload.get("agent_document")
    return RequestPrivate(
        contact=payload.get("contact"),
        agent_name=payload.get("agent_name"),
        agent_contact=payload.get("agent_contact"),
        agent_document=bytes.fromhex(document) if document else None,
        corrections=payload.get("corrections") or {},
        statement=payload.get("statement"),
    )


def private_payload(private: RequestPrivate) -> dict[str, Any]:
    payload = asdict(private)
    document = private.agent_document
    payload["agent_document"] = document.hex() if document else None
    return payload


def replace_private(
    ctx: VaultContext, session: VaultSession, request_id: str, private: RequestPrivate
) -> None:
    found = session.requests.request_private(request_id)
    if found is None:
        raise RequestNotFound(f"no request {request_id!r}")
    sealed = reseal_payload(ctx, owner(request_id), found[0], private_payload(private))
    session.requests.replace_private(request_id, sealed)


# messages ---------------------------------------------------------------------------------------


def language(ctx: VaultContext, wanted: str | None = None) -> str:
    languages = [str(lang) for lang in ctx.policy.languages]
    if wanted and wanted in languages:
        return wanted
    return languages[0] if languages else "en"


def text(value: LocalizedText | None, lang: str) -> str:
    return "" if value is None else value.get(lang)  # type: ignore[arg-type]


def remedy(ctx: VaultContext, lang: str) -> list[dict[str, str]]:
    """The bodies a requester may turn to (GDPR Art 12(4), PIPA Art 38(5) and the notice)."""
    bodies = []
    for body in ctx.policy.remedy_bodies:
        entry = {"name": text(body.name, lang), "role": text(body.role, lang)}
        if body.phone:
            entry["phone"] = body.phone
        if body.url:
            entry["url"] = str(body.url)
        bodies.append(entry)
    return bodies


def controller_name(ctx: VaultContext, lang: str) -> str:
    return text(ctx.policy.controller.legal_name, lang)


def send(
    ctx: VaultContext,
    session: VaultSession,
    request: RightsRequest,
    kind: str,
    to: str | None,
    context: dict[str, Any],
    actor: Actor,
    lang: str,
) -> bool:
    """Queue a message to ``to``; False (and a step saying so) when there is no address: a
    request by letter or phone is answered by staff through its own channel."""
    if not to:
        return False
    full = {"controller": controller_name(ctx, lang), "request_id": request.id, **context}
    enqueue(
        ctx,
        session,
        kind=kind,
        to=to,
        message=render_message(kind, lang, full),
        actor=actor,
        request_id=request.id,
    )
    return True


@dataclass(frozen=True)
class Desk:
    """The vault and how its request desk is configured: what every step needs."""

    ctx: VaultContext
    settings: RequestSettings = field(default_factory=RequestSettings)
