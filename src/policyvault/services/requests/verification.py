"""Verifying who asks: a one-time code to a contact already on file (limited attempts, an
expiry, one uniform failure), a subject signed in to the controller's service (a token the
vault issued), or an agent's document the privacy officer accepts.

Every failure reads the same to the requester ("the request could not be verified") whatever
the cause: a wrong code, an expired one, too many attempts, or nobody behind the request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from policyvault.crypto.passwords import hash_password, verify_password
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import InvalidInput, Refused
from policyvault.domain.policy.data import ItemType
from policyvault.domain.requests import (
    RequestPrivate,
    RequestStatus,
    RightsRequest,
    VerificationCode,
    VerificationMethod,
)
from policyvault.domain.requests.verification import verification_need
from policyvault.services.outbox.messages import render_message
from policyvault.services.ports import VaultSession
from policyvault.services.requests.common import (
    Desk,
    audit,
    language,
    load,
    owner,
    private_of,
    remedy,
    replace_private,
    send,
    step,
    subject_of,
)
from policyvault.services.requests.sealing import open_payload, seal_payload
from policyvault.services.values import check_value

UNIFORM_FAILURE = "the request could not be verified"
_STAFF_CHANNELS = frozenset({"email", "phone", "letter", "fax", "in_person"})
_STAND_IN = hash_password(secrets.token_hex(8))  # matches no code anyone is sent
TOKEN_TTL = timedelta(minutes=15)


class VerificationFailed(Refused):
    code = "verification_failed"

    def __init__(self) -> None:
        super().__init__(UNIFORM_FAILURE)


# contacts on file -------------------------------------------------------------------------------


def email_on_file(desk: Desk, session: VaultSession, subject_id: str) -> str | None:
    """The subject's first e-mail address the vault holds (live store only)."""
    ctx = desk.ctx
    keys = [k for k, item in ctx.policy.items.items() if item.type is ItemType.email]
    if not keys:
        return None
    subject = ctx.subject(session, subject_id)
    stored = [i for i in session.items(subject_id, keys) if not i.hashed]
    if not stored:
        return None
    key = ctx.sealing_key(session, subject)
    first = sorted(stored, key=lambda i: keys.index(i.item_key))[0]
    return ctx.open(key, subject_id, first.item_key, first.sealed).decode()


# codes ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCode:
    code: str = field(repr=False)
    code_hash: str = field(repr=False)


def new_code() -> NewCode:
    """Six random digits and their Argon2id hash: made outside any transaction (slow)."""
    code = f"{secrets.randbelow(10**6):06d}"
    return NewCode(code, hash_password(code))


def send_code(
    desk: Desk, session: VaultSession, request: RightsRequest, actor: Actor, code: NewCode
) -> None:
    """Keep the code's hash and send the code to the subject's address on file. A request
    nobody matched keeps one too, sent to no one: it then fails and expires exactly like
    one whose code went out (and can never succeed: see ``verify_code``)."""
    expires = desk.ctx.now() + desk.settings.code_ttl
    session.requests.put_code(
        VerificationCode(request.id, code.code_hash, expires, desk.settings.code_attempts)
    )
    to = email_on_file(desk, session, request.subject_id) if request.subject_id else None
    lang = language(desk.ctx, request.details.get("language"))
    context = {
        "code": code.code,
        "expires_minutes": desk.settings.code_minutes,
        "request_kind": request.kind.value,
    }
    if to is None:
        # the same rendering and sealing work, thrown away
        seal_payload(
            desk.ctx,
            "message:none",
            {
                "text": render_message(
                    "verification_code",
                    lang,
                    {"controller": "", "request_id": request.id, **context},
                ).text
            },
        )
        return
    send(desk.ctx, session, request, "verification_code", to, context, actor, lang)


def verify_code(desk: Desk, request_id: str, code: str, actor: Actor) -> RightsRequest:
    """Check the code (and, where the law asks for more, the further data points and the
    declaration given with the request). A wrong code costs an attempt; the last one closes
    the request as unverified. Raises ``VerificationFailed`` for every failure alike.

    The Argon2 check runs between two short transactions, never inside one: the first reads
    the code's hash, the second locks the request and accepts only if the same code is still
    live with attempts left (a code replaced or spent meanwhile fails)."""
    ctx = desk.ctx
    with ctx.session() as session:
        request = session.requests.request(request_id)
        stored = session.requests.code(request_id) if request is not None else None
    # Checked whatever was found (a stand-in hash otherwise): the same work every time.
    matches = verify_password(stored.code_hash if stored else _STAND_IN, code.strip())
    failed = False
    now = ctx.now()
    with ctx.session() as session:
        request = session.requests.request(request_id, lock=True)
        current = session.requests.code(request_id) if request is not None else None
        if request is None or request.status is not RequestStatus.awaiting_verification:
            failed = True
        else:
            good = (
                matches
                and stored is not None
                and current is not None
                and current.code_hash == stored.code_hash
                and current.expires_at > now
                and current.attempts_left > 0
                and request.subject_id is not None  # nobody matched: nothing to verify
                and _further_proof_matches(desk, session, request)
            )
            if good:
                _accept(desk, session, request, actor, now)
            else:
                failed = True
                _spend_attempt(desk, session, request, current, now, actor)
    if failed:
        raise VerificationFailed()
    from policyvault.services.requests.fulfilment import proceed

    proceed(desk, request_id, actor)
    with ctx.session() as session:
        return load(session, request_id, lock=False)


def _accept(
    desk: Desk, session: VaultSession, request: RightsRequest, actor: Actor, now: datetime
) -> None:
    ctx = desk.ctx
    session.requests.delete_code(request.id)
    verified = step(
        request,
        "verified",
        actor,
        now,
        "code",
        status=RequestStatus.open,
        verification=VerificationMethod.code,
        verified_at=now,
    )
    session.requests.update_request(verified)
    # The further data points served the check and nothing else (11 CCR §7060(e)).
    private = private_of(ctx, session, request.id)
    replace_private(ctx, session, request.id, private)
    audit(
        ctx,
        session,
        actor,
        "request.verify",
        verified,
        Decision.allow("verification", "one-time code verified"),
    )
    acknowledge(desk, session, verified, private, actor)


def _spend_attempt(
    desk: Desk,
    session: VaultSession,
    request: RightsRequest,
    stored: VerificationCode | None,
    now: datetime,
    actor: Actor,
) -> None:
    left = 0 if stored is None or stored.expires_at <= now else stored.attempts_left - 1
    if left > 0 and stored is not None:
        session.requests.put_code(replace(stored, attempts_left=left))
        reason = "wrong code"
    else:
        session.requests.delete_code(request.id)
        reason = "no attempts left or the code expired"
        # closed unverified: the further data points given with it served nothing
        replace_private(desk.ctx, session, request.id, private_of(desk.ctx, session, request.id))
        request = step(
            request,
            "unverified",
            actor,
            now,
            "attempts_or_expiry",
            status=RequestStatus.unverified,
            closed_at=now,
        )
        session.requests.update_request(request)
    audit(
        desk.ctx,
        session,
        actor,
        "request.verify",
        request,
        Decision.deny("verification", reason),
        attempts_left=max(left, 0),
    )


def _further_proof_matches(desk: Desk, session: VaultSession, request: RightsRequest) -> bool:
    """Where the law asks for more than a code (CCPA specific pieces, deletion): enough of
    the data points given with the request match what the vault holds, and the declaration
    was made. Values are compared in their canonical form, in constant time."""
    need = verification_need(request.kind, request.jurisdictions)
    if not need.extra_data_points and not need.declaration:
        return True
    if need.declaration and not request.details.get("declaration"):
        return False
    subject_id = subject_of(request)
    found = session.requests.request_private(request.id)
    if found is None:
        return False
    points: dict[str, Any] = (
        open_payload(desk.ctx, owner(request.id), *found).get("data_points") or {}
    )
    ctx = desk.ctx
    subject = ctx.subject(session, subject_id)
    key = ctx.sealing_key(session, subject)
    stored = {i.item_key: i for i in session.items(subject_id, list(points))}
    matches = 0
    for item_key, value in points.items():
        item = ctx.policy.items.get(item_key)
        held = stored.get(item_key)
        if item is None or held is None or held.hashed or item.type is ItemType.email:
            continue  # the e-mail address is the code's own channel: not a further point
        given = check_value(item_key, item, value).data
        if hmac.compare_digest(given, ctx.open(key, subject_id, item_key, held.sealed)):
            matches += 1
    return matches >= need.extra_data_points


def verify_by_staff(desk: Desk, request_id: str, note: str, actor: Actor) -> RightsRequest:
    """Staff verified the requester by a documented procedure (an ID shown at the counter, a
    call back to the number on file): ``note`` names the procedure, never a personal value."""
    note = note.strip()
    if not note or len(note) > 200:
        raise InvalidInput("name the verification procedure (1 to 200 characters)")
    ctx = desk.ctx
    now = ctx.now()
    with ctx.session() as session:
        request = load(session, request_id)
        if request.status is not RequestStatus.awaiting_verification:
            raise Refused(f"the request is {request.status.value}, not awaiting verification")
        if request.channel.value not in _STAFF_CHANNELS:
            # A request made online is verified online: staff cannot waive its code (nor the
            # further proof the CCPA asks of it).
            raise Refused("only a request entered by staff is verified by staff")
        subject_of(request)
        session.requests.delete_code(request_id)
        verified = step(
            request,
            "verified",
            actor,
            now,
            note,
            status=RequestStatus.open,
            verification=VerificationMethod.staff,
            verified_at=now,
        )
        session.requests.update_request(verified)
        audit(
            ctx,
            session,
            actor,
            "request.verify",
            verified,
            Decision.allow("verification", "verified by staff"),
        )
        acknowledge(desk, session, verified, private_of(ctx, session, request_id), actor)
    from policyvault.services.requests.fulfilment import proceed

    proceed(desk, request_id, actor)
    with ctx.session() as session:
        return load(session, request_id, lock=False)


# subject tokens ---------------------------------------------------------------------------------


def issue_subject_token(desk: Desk, subject_id: str, actor: Actor) -> tuple[str, datetime]:
    """A short-lived token for a subject the controller's service has just signed in: a
    request made with it needs no code (CCPA §7061: re-authentication of an account holder).
    Only its SHA-256 is stored."""
    ctx = desk.ctx
    token = secrets.token_urlsafe(32)
    expires = ctx.now() + TOKEN_TTL
    with ctx.session() as session:
        ctx.subject(session, subject_id)
        digest = hashlib.sha256(token.encode()).hexdigest()
        session.requests.add_subject_token(digest, subject_id, expires)
        ctx.record(
            session,
            actor,
            "request.subject_token",
            Decision.allow("verification", "sign-in token issued for a rights request"),
            subject_id=subject_id,
        )
    return token, expires


# agents -----------------------------------------------------------------------------------------


def review_agent(
    desk: Desk, request_id: str, accepted: bool, reason: str | None, actor: Actor
) -> RightsRequest:
    """The privacy officer accepts or refuses an agent's document (PIPA Decree 46(1): the
    controller verifies the agent; 11 CCR §7063)."""
    ctx = desk.ctx
    now = ctx.now()
    if not accepted and not reason:
        raise InvalidInput("a refused agent document needs a reason")
    with ctx.session() as session:
        request = load(session, request_id)
        if request.status is not RequestStatus.awaiting_agent_review or request.agent is None:
            raise Refused("the request is not waiting for an agent's document to be reviewed")
        if request.subject_id is None:
            raise Refused("the request names no subject the vault holds: refuse or identify it")
        agent = replace(request.agent, reviewed_at=now, reviewed_by=actor.id, accepted=accepted)
        if accepted:
            request = step(
                request,
                "agent_accepted",
                actor,
                now,
                status=RequestStatus.open,
                agent=agent,
                verified_at=now,
            )
        else:
            request = step(
                request,
                "agent_refused",
                actor,
                now,
                reason or "",
                status=RequestStatus.refused,
                agent=agent,
                refusal_reason=reason,
                closed_at=now,
            )
        session.requests.update_request(request)
        audit(
            ctx,
            session,
            actor,
            "request.agent_review",
            request,
            Decision.allow("agent_document", "agent accepted")
            if accepted
            else Decision.deny("agent_document", "agent refused"),
        )
        private = private_of(ctx, session, request_id)
        if not accepted:
            lang = language(ctx, request.details.get("language"))
            send(
                ctx,
                session,
                request,
                "result",
                private.contact,
                _refusal_context(desk, request, reason or "", lang),
                actor,
                lang,
            )
    if accepted:
        from policyvault.services.requests.fulfilment import proceed

        with ctx.session() as session:
            accepted_request = load(session, request_id)
            acknowledge(
                desk, session, accepted_request, private_of(ctx, session, request_id), actor
            )

        proceed(desk, request_id, actor)
    with ctx.session() as session:
        return load(session, request_id, lock=False)


def _refusal_context(desk: Desk, request: RightsRequest, reason: str, lang: str) -> dict[str, Any]:
    return {
        "request_kind": request.kind.value,
        "status": "refused",
        "outcomes": [],
        "download_url": None,
        "download_expires_at": None,
        "refusal_reason": reason,
        "remedy": remedy(desk.ctx, lang),
        "objection_procedure": None,
    }


# receipt ----------------------------------------------------------------------------------------


def acknowledge(
    desk: Desk,
    session: VaultSession,
    request: RightsRequest,
    private: RequestPrivate,
    actor: Actor,
) -> None:
    """Confirm receipt with the due date (CCPA: within 10 business days) once the request is
    known to come from the subject or its agent."""
    if request.acknowledged_at is not None:
        return
    lang = language(desk.ctx, request.details.get("language"))
    sent = send(
        desk.ctx,
        session,
        request,
        "acknowledgement",
        private.contact,
        {
            "request_kind": request.kind.value,
            "received_at": request.received_at,
            "due_at": request.due_at,
            "verification": (request.verification or VerificationMethod.none).value,
            "remedy": remedy(desk.ctx, lang),
        },
        actor,
        lang,
    )
    now = desk.ctx.now()
    done = step(
        request,
        "acknowledged" if sent else "acknowledge_by_channel",
        actor,
        now,
        acknowledged_at=now if sent else None,
    )
    session.requests.update_request(done)
