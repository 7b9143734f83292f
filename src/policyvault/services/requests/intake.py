"""Taking a request in: through the API on the subject's behalf, or entered by staff for a
request that came by letter, phone, e-mail or fax (its channel and receipt time recorded).

Whoever asks gets the same answer whether or not the vault holds anything about them: "if we
hold data about you, we sent a code to a contact we have on file". Knowing that someone is in
the vault is itself personal data (the blind index is consulted, never revealed).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from policyvault.crypto.blind_index import IndexKind, blind_index, normalise
from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import InvalidInput, Refused
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.requests import (
    AgentInfo,
    AgentKind,
    Channel,
    RequestKind,
    RequestPrivate,
    RequestStatus,
    RightsRequest,
    Step,
    VerificationMethod,
)
from policyvault.domain.requests.deadlines import request_deadlines
from policyvault.domain.requests.rights import available_rights
from policyvault.domain.requests.verification import verification_need
from policyvault.services.ports import VaultSession
from policyvault.services.requests import verification
from policyvault.services.requests.common import Desk, audit, owner, private_payload
from policyvault.services.requests.sealing import seal_payload
from policyvault.services.retention.calendars import request_calendars
from policyvault.services.values import MAX_FILE_BYTES, check_value

# Staff-entered channels; the API channels are the subject's own.
STAFF_CHANNELS = frozenset(
    {Channel.email, Channel.phone, Channel.letter, Channel.fax, Channel.in_person}
)
VERIFIED = (RequestStatus.open, RequestStatus.awaiting_processing)
DOCUMENT_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
RECEIVED = "received"
AGENT_ANSWER = (
    "Your request was received. The privacy officer will review the document that shows "
    "you may act for the person concerned, and answer you."
)
OPT_OUT_ANSWER = "Your request was received. If we hold data about you, it takes effect now."
UNIFORM_ANSWER = (
    "Your request was received. If we hold data about you, we sent a one-time code to a "
    "contact we have on file; enter it to confirm the request."
)


@dataclass(frozen=True)
class AgentSubmission:
    kind: AgentKind
    name: str
    document: bytes  # the power of attorney, or proof of legal representation
    document_media_type: str
    contact: str | None = None  # where the agent wants the answer (an e-mail address)


@dataclass(frozen=True)
class Submission:
    kind: RequestKind
    channel: Channel = Channel.api
    received_at: datetime | None = None  # staff entry: when it arrived; default now
    email: str | None = None  # the requester's contact, matched against the vault
    subject_id: str | None = None  # staff who identified the subject themselves
    subject_token: str | None = None  # a signed-in subject (issued by the vault)
    items: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    consent_category: str | None = None
    corrections: Mapping[str, Any] = field(default_factory=dict)
    data_points: Mapping[str, Any] = field(default_factory=dict)  # further identifiers
    declaration: bool = False  # signed under penalty of perjury (CCPA §7062(c))
    statement: str | None = None
    agent: AgentSubmission | None = None
    staff_verified: bool = False  # staff verified the requester by a documented procedure
    language: str | None = None


@dataclass(frozen=True)
class Received:
    request_id: str
    # A request's status, or ``received`` for one asked for by an e-mail address (which
    # may or may not match anyone: the answer is the same either way).
    status: str
    due_at: datetime
    message: str


def submit(desk: Desk, submission: Submission, actor: Actor) -> Received:
    """Record a request, start its verification, and act at once where nothing more is
    needed. Bad input is refused before anything is stored."""
    ctx = desk.ctx
    now = ctx.now()
    received_at = _received_at(submission, now)
    _check(desk, submission)
    # The code and its Argon2 hash are made before the transaction (a slow hash must not hold
    # the vault's write lock), and made whether or not anyone matches: the time an answer
    # takes tells nothing.
    code = verification.new_code()
    by_address = submission.email is not None
    with ctx.session() as session:
        subject_id, ambiguous = _identify(desk, session, submission, now)
        subject = session.subject(subject_id) if subject_id else None
        jurisdictions = tuple(subject.jurisdictions) if subject else tuple(ctx.policy.jurisdictions)
        deadlines = request_deadlines(
            submission.kind,
            jurisdictions,
            received_at,
            timezone=ctx.policy.timezone,
            calendars=request_calendars(jurisdictions),
            fallback_days=desk.settings.fallback_days,
        )
        method, status = _verification_path(submission, subject_id, jurisdictions)
        if by_address and status is RequestStatus.open:
            # Acted on by the background work, not now: done at once, a known address
            # would answer sooner than an unknown one.
            status, method = RequestStatus.awaiting_processing, VerificationMethod.none
        request_id = ctx.new_id()
        agent = submission.agent
        request = RightsRequest(
            id=request_id,
            kind=submission.kind,
            channel=submission.channel,
            received_at=received_at,
            received_by=actor.id,
            status=status,
            due_at=deadlines.due_at,
            subject_id=subject_id,
            jurisdictions=jurisdictions,
            deadline_rule=f"{deadlines.rule.jurisdiction}: {deadlines.rule.source}",
            ack_due_at=deadlines.ack_due_at,
            verification=method,
            verified_at=now if status in VERIFIED else None,
            items=tuple(submission.items),
            purposes=tuple(submission.purposes),
            consent_category=submission.consent_category,
            agent=None
            if agent is None
            else AgentInfo(
                kind=agent.kind,
                document_media_type=agent.document_media_type,
                document_sha256=hashlib.sha256(agent.document).hexdigest(),
            ),
            history=(Step(at=now, name="received", actor_id=actor.id, note=submission.channel),),
            details={
                "language": submission.language or "",
                "declaration": submission.declaration,
                "data_points": sorted(submission.data_points),
                **({"match": "ambiguous"} if ambiguous else {}),
            },
        )
        private = RequestPrivate(
            contact=_contact(desk, session, subject_id, submission),
            agent_name=agent.name if agent else None,
            agent_contact=agent.contact if agent else None,
            agent_document=agent.document if agent else None,
            corrections=dict(submission.corrections),
            statement=submission.statement,
        )
        payload = private_payload(private)
        payload["data_points"] = dict(submission.data_points)
        wrapped, sealed = seal_payload(ctx, owner(request_id), payload)
        session.requests.add_request(request, wrapped, sealed)
        audit(
            ctx,
            session,
            actor,
            "request.receive",
            request,
            Decision.allow("rights_request", f"{request.kind.value} request received"),
            channel=request.channel.value,
            matched=subject_id is not None,
            agent=agent.kind.value if agent else None,
        )
        if status is RequestStatus.awaiting_verification:
            # Nobody matched: a code nobody receives, so that the request behaves (attempts,
            # expiry) exactly like one whose code went out.
            verification.send_code(desk, session, request, actor, code)
        if status is RequestStatus.open:
            # Verified already (a token, staff): the receipt goes to the subject. An agent's
            # is sent once the officer accepted the document (before that, its due date
            # would tell a stranger whose jurisdictions an address belongs to).
            verification.acknowledge(desk, session, request, private, actor)
    if status is RequestStatus.open:
        from policyvault.services.requests.fulfilment import proceed

        proceed(desk, request_id, actor)
    if submission.email is not None:
        # Asked for by an address: the answer must not tell whether the vault holds it. Its
        # status, due date and message depend on what was asked, never on who matched.
        public = request_deadlines(
            submission.kind,
            tuple(ctx.policy.jurisdictions),
            received_at,
            timezone=ctx.policy.timezone,
            calendars=request_calendars(tuple(ctx.policy.jurisdictions)),
            fallback_days=desk.settings.fallback_days,
        )
        return Received(request_id, RECEIVED, public.due_at, _answer(submission))
    with ctx.session() as session:
        final = session.requests.request(request_id)
    return Received(
        request_id=request_id,
        status=(final.status if final else status).value,
        due_at=deadlines.due_at,
        message="",
    )


def _answer(submission: Submission) -> str:
    if submission.agent is not None:
        return AGENT_ANSWER
    if not verification_need(submission.kind, ()).code:
        return OPT_OUT_ANSWER
    return UNIFORM_ANSWER


def _received_at(submission: Submission, now: datetime) -> datetime:
    received = submission.received_at
    if received is None:
        return now
    if received.tzinfo is None:
        raise InvalidInput("received_at needs a time zone")
    if received > now:
        raise InvalidInput("received_at lies in the future")
    if submission.channel not in STAFF_CHANNELS:
        raise InvalidInput("only a request entered by staff has its own receipt time")
    return received


def _check(desk: Desk, submission: Submission) -> None:
    policy = desk.ctx.policy
    kind = submission.kind
    granted = [r.value for r in policy.rights.granted]
    if kind not in available_rights(granted, policy.jurisdictions):
        raise Refused(f"neither the policy nor a law it applies grants the right {kind.value!r}")
    for key in submission.items:
        if key not in policy.items:
            raise InvalidInput(f"item {key!r} is not declared in the policy")
    for key in submission.purposes:
        if key not in policy.purposes:
            raise InvalidInput(f"purpose {key!r} is not declared in the policy")
    if submission.consent_category is not None:
        try:
            ConsentCategory(submission.consent_category)
        except ValueError:
            raise InvalidInput("unknown consent category") from None
    if kind is RequestKind.withdraw_consent and not submission.purposes:
        raise InvalidInput("a consent withdrawal names the purposes whose consent it withdraws")
    if kind is RequestKind.correction:
        if not submission.corrections:
            raise InvalidInput("a correction names the items to correct and their new values")
        for key, value in submission.corrections.items():
            item = policy.items.get(key)
            if item is None:
                raise InvalidInput(f"item {key!r} is not declared in the policy")
            check_value(key, item, value)  # InvalidValue names the item, never the value
    elif submission.corrections:
        raise InvalidInput("only a correction request carries new values")
    for key, value in submission.data_points.items():
        item = policy.items.get(key)
        if item is None:
            raise InvalidInput(f"data point {key!r} is not an item declared in the policy")
        check_value(key, item, value)
    _check_agent(desk, submission)
    identified = [submission.email, submission.subject_id, submission.subject_token]
    if sum(x is not None for x in identified) != 1:
        raise InvalidInput("identify the subject by one of: email, subject_id, subject_token")
    if submission.subject_id is not None and submission.channel not in STAFF_CHANNELS:
        raise InvalidInput("only staff entering a request name the subject by its id")
    if submission.staff_verified and submission.channel not in STAFF_CHANNELS:
        raise InvalidInput("only a request entered by staff is verified by staff")
    if submission.statement is not None and len(submission.statement) > 4000:
        raise InvalidInput("the statement is longer than 4,000 characters")


def _check_agent(desk: Desk, submission: Submission) -> None:
    agent = submission.agent
    if agent is None:
        return
    if desk.ctx.policy.rights.agents_allowed is False:
        raise Refused("the policy does not accept requests through agents")
    if not agent.document:
        raise InvalidInput(
            "an agent's request needs the power of attorney (or proof of legal "
            "representation) as a document"
        )
    if len(agent.document) > MAX_FILE_BYTES:
        raise InvalidInput("the agent's document is larger than 10 MB")
    if agent.document_media_type not in DOCUMENT_TYPES:
        raise InvalidInput("the agent's document must be a PDF, PNG or JPEG file")
    if not agent.name.strip() or len(agent.name) > 200:
        raise InvalidInput("the agent's name is required (at most 200 characters)")
    if agent.contact is not None:
        try:
            validate_email(agent.contact, check_deliverability=False)
        except EmailNotValidError:
            raise InvalidInput("the agent's e-mail address is not valid") from None
    if submission.staff_verified:
        raise InvalidInput("an agent's request is verified by the officer's review")


def _identify(
    desk: Desk, session: VaultSession, submission: Submission, now: datetime
) -> tuple[str | None, bool]:
    """The subject meant, and whether an address matched more than one (staff decide)."""
    ctx = desk.ctx
    if submission.subject_token is not None:
        digest = hashlib.sha256(submission.subject_token.encode()).hexdigest()
        subject_id = session.requests.token_subject(digest, now)
        if subject_id is None:
            raise verification.VerificationFailed()
        ctx.subject(session, subject_id)
        return subject_id, False
    if submission.subject_id is not None:
        return ctx.subject(session, submission.subject_id).id, False
    email = submission.email or ""
    try:
        lookup = normalise(IndexKind.email, email)
        digest = blind_index(ctx.blind_index_key, IndexKind.email, lookup)
    except InvalidInput:
        raise InvalidInput("the e-mail address is not valid") from None
    live = [
        s
        for s in session.find_subjects(IndexKind.email.value, digest)
        if (found := session.subject(s)) is not None and found.shredded_at is None
    ]
    # Two subjects behind one address cannot be told apart by a code sent to it: nobody is
    # matched, the request is kept open for staff, and the requester gets the same answer.
    return (live[0] if len(live) == 1 else None), len(live) > 1


def _verification_path(
    submission: Submission, subject_id: str | None, jurisdictions: Sequence[str]
) -> tuple[VerificationMethod | None, RequestStatus]:
    if submission.agent is not None:
        return VerificationMethod.agent_document, RequestStatus.awaiting_agent_review
    if subject_id is None:
        return None, RequestStatus.awaiting_verification
    if submission.subject_token is not None:
        return VerificationMethod.subject_token, RequestStatus.open
    if submission.staff_verified:
        return VerificationMethod.staff, RequestStatus.open
    if not verification_need(submission.kind, jurisdictions).code:
        return VerificationMethod.none, RequestStatus.open
    return VerificationMethod.code, RequestStatus.awaiting_verification


def _contact(
    desk: Desk, session: VaultSession, subject_id: str | None, submission: Submission
) -> str | None:
    """Where answers go: the agent's address, the address the requester gave (it matched the
    one on file), or the subject's address on file."""
    if submission.agent is not None:
        return submission.agent.contact
    if submission.email is not None:
        return submission.email.strip() if subject_id else None
    if subject_id is None:
        return None
    return verification.email_on_file(desk, session, subject_id)
