"""Rights requests to and from the JSON body the SQL ledger stores (the columns it queries by
are kept beside it). Times are ISO 8601 in UTC; the body holds no personal values (those are
sealed apart), so it may be read by anyone who may list requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from policyvault.domain.requests import (
    AgentInfo,
    AgentKind,
    Channel,
    Extension,
    ItemOutcome,
    Outcome,
    RequestKind,
    RequestStatus,
    RightsRequest,
    Step,
    VerificationMethod,
)


def _t(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).isoformat()


def _d(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def request_to_json(request: RightsRequest) -> str:
    agent = request.agent
    body: dict[str, Any] = {
        "id": request.id,
        "kind": request.kind.value,
        "channel": request.channel.value,
        "received_at": _t(request.received_at),
        "received_by": request.received_by,
        "status": request.status.value,
        "due_at": _t(request.due_at),
        "subject_id": request.subject_id,
        "jurisdictions": list(request.jurisdictions),
        "deadline_rule": request.deadline_rule,
        "ack_due_at": _t(request.ack_due_at),
        "acknowledged_at": _t(request.acknowledged_at),
        "extensions": [
            {"until": _t(e.until), "reason": e.reason, "at": _t(e.at), "by": e.by}
            for e in request.extensions
        ],
        "verification": request.verification.value if request.verification else None,
        "verified_at": _t(request.verified_at),
        "items": list(request.items),
        "purposes": list(request.purposes),
        "consent_category": request.consent_category,
        "agent": None
        if agent is None
        else {
            "kind": agent.kind.value,
            "document_media_type": agent.document_media_type,
            "document_sha256": agent.document_sha256,
            "reviewed_at": _t(agent.reviewed_at),
            "reviewed_by": agent.reviewed_by,
            "accepted": agent.accepted,
        },
        "outcomes": [
            {
                "target": o.target,
                "outcome": o.outcome.value,
                "reason": o.reason,
                "until": _t(o.until),
            }
            for o in request.outcomes
        ],
        "refusal_reason": request.refusal_reason,
        "closed_at": _t(request.closed_at),
        "history": [
            {"at": _t(s.at), "name": s.name, "actor_id": s.actor_id, "note": s.note}
            for s in request.history
        ],
        "fee": request.fee,
        "details": request.details,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def request_from_json(text: str) -> RightsRequest:
    b: dict[str, Any] = json.loads(text)
    agent = b["agent"]
    return RightsRequest(
        id=b["id"],
        kind=RequestKind(b["kind"]),
        channel=Channel(b["channel"]),
        received_at=_dt(b["received_at"]),
        received_by=b["received_by"],
        status=RequestStatus(b["status"]),
        due_at=_dt(b["due_at"]),
        subject_id=b["subject_id"],
        jurisdictions=tuple(b["jurisdictions"]),
        deadline_rule=b["deadline_rule"],
        ack_due_at=_d(b["ack_due_at"]),
        acknowledged_at=_d(b["acknowledged_at"]),
        extensions=tuple(
            Extension(until=_dt(e["until"]), reason=e["reason"], at=_dt(e["at"]), by=e["by"])
            for e in b["extensions"]
        ),
        verification=VerificationMethod(b["verification"]) if b["verification"] else None,
        verified_at=_d(b["verified_at"]),
        items=tuple(b["items"]),
        purposes=tuple(b["purposes"]),
        consent_category=b["consent_category"],
        agent=None
        if agent is None
        else AgentInfo(
            kind=AgentKind(agent["kind"]),
            document_media_type=agent["document_media_type"],
            document_sha256=agent["document_sha256"],
            reviewed_at=_d(agent["reviewed_at"]),
            reviewed_by=agent["reviewed_by"],
            accepted=agent["accepted"],
        ),
        outcomes=tuple(
            ItemOutcome(
                target=o["target"],
                outcome=Outcome(o["outcome"]),
                reason=o["reason"],
                until=_d(o["until"]),
            )
            for o in b["outcomes"]
        ),
        refusal_reason=b["refusal_reason"],
        closed_at=_d(b["closed_at"]),
        history=tuple(
            Step(at=_dt(s["at"]), name=s["name"], actor_id=s["actor_id"], note=s["note"])
            for s in b["history"]
        ),
        fee=b["fee"],
        details=b["details"],
    )
