"""``RequestDesk``: the one object the shells use for data-subject rights requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import IO

from policyvault.domain.audit import Actor, Decision
from policyvault.domain.errors import Refused
from policyvault.domain.requests import (
    Forwarding,
    OutboxMessage,
    RequestStatus,
    RightsRequest,
)
from policyvault.services.outbox.smtp import Sender
from policyvault.services.requests import export, forwarding, fulfilment, intake, verification
from policyvault.services.requests.common import Desk, audit, load, private_of
from policyvault.services.requests.intake import Received, Submission
from policyvault.services.requests.settings import RequestSettings
from policyvault.services.requests.work import DeskReport, run_due_work
from policyvault.services.vault.context import VaultContext


class RequestDesk:
    def __init__(
        self,
        context: VaultContext,
        settings: RequestSettings | None = None,
        *,
        sender: Sender | None = None,
        post: forwarding.Poster = forwarding.post_with_httpx,
    ) -> None:
        self.desk = Desk(context, settings or RequestSettings())
        self.sender = sender
        self.post = post

    # intake and verification
    def submit(self, submission: Submission, actor: Actor) -> Received:
        return intake.submit(self.desk, submission, actor)

    def verify(self, request_id: str, code: str, actor: Actor) -> RightsRequest:
        return verification.verify_code(self.desk, request_id, code, actor)

    def verify_by_staff(self, request_id: str, note: str, actor: Actor) -> RightsRequest:
        return verification.verify_by_staff(self.desk, request_id, note, actor)

    def subject_token(self, subject_id: str, actor: Actor) -> tuple[str, datetime]:
        return verification.issue_subject_token(self.desk, subject_id, actor)

    def review_agent(
        self, request_id: str, accepted: bool, reason: str | None, actor: Actor
    ) -> RightsRequest:
        return verification.review_agent(self.desk, request_id, accepted, reason, actor)

    def agent_document(self, request_id: str, actor: Actor) -> tuple[bytes, str]:
        """The agent's document, for the officer's review (audited)."""
        ctx = self.desk.ctx
        with ctx.session() as session:
            request = load(session, request_id, lock=False)
            document = private_of(ctx, session, request_id).agent_document
            if request.agent is None or document is None:
                raise Refused("the request was not made by an agent")
            audit(
                ctx,
                session,
                actor,
                "request.agent_document",
                request,
                Decision.allow("agent_document", "agent document opened for review"),
            )
        return document, request.agent.document_media_type

    # handling
    def fulfil(self, request_id: str, actor: Actor) -> RightsRequest:
        return fulfilment.fulfil(self.desk, request_id, actor)

    def respond(
        self, request_id: str, explanation: str, upheld: bool, actor: Actor
    ) -> RightsRequest:
        return fulfilment.respond(self.desk, request_id, explanation, upheld, actor)

    def refuse(self, request_id: str, reason: str, actor: Actor) -> RightsRequest:
        return fulfilment.refuse(self.desk, request_id, reason, actor)

    def extend(
        self, request_id: str, reason: str, actor: Actor, until: datetime | None = None
    ) -> RightsRequest:
        return fulfilment.extend(self.desk, request_id, reason, actor, until)

    def reissue_link(self, request_id: str, actor: Actor) -> tuple[bool, datetime]:
        return fulfilment.reissue_link(self.desk, request_id, actor)

    def download(self, token: str, out: IO[bytes], actor: Actor) -> export.Downloaded:
        return export.download(self.desk, token, out, actor)

    # reading
    def get(self, request_id: str) -> RightsRequest:
        with self.desk.ctx.session() as session:
            return load(session, request_id, lock=False)

    def find(
        self,
        *,
        statuses: Sequence[RequestStatus] | None = None,
        subject_id: str | None = None,
        due_before: datetime | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> list[RightsRequest]:
        with self.desk.ctx.session() as session:
            return session.requests.find_requests(
                statuses=statuses,
                subject_id=subject_id,
                due_before=due_before,
                after=after,
                limit=limit,
            )

    def messages(self, request_id: str) -> list[OutboxMessage]:
        with self.desk.ctx.session() as session:
            return session.requests.messages(request_id=request_id)

    def forwardings(self, request_id: str) -> list[Forwarding]:
        with self.desk.ctx.session() as session:
            return session.requests.forwardings(request_id)

    # recipients
    def set_endpoint(
        self,
        recipient_id: str,
        *,
        webhook: str | None = None,
        secret: str | None = None,
        email: str | None = None,
        actor: Actor,
    ) -> forwarding.Endpoint:
        return forwarding.set_endpoint(
            self.desk, recipient_id, webhook=webhook, secret=secret, email=email, actor=actor
        )

    def recipients(self) -> list[tuple[str, str, str | None]]:
        """Every recipient the policy declares: its id, its name, and the channel it is reached
        by (``webhook``, ``email``; None: no endpoint, so the officer forwards by hand). Never
        the address or the secret."""
        with self.desk.ctx.session() as session:
            return [
                (recipient_id, name, forwarding.endpoint_channel(session, recipient_id))
                for recipient_id, name in forwarding.recipients(self.desk).items()
            ]

    def confirm_forwarding(self, token: str, actor: Actor = forwarding.FORWARDER) -> Forwarding:
        return forwarding.confirm(self.desk, token, actor)

    # background work
    def work(self, actor: Actor | None = None) -> DeskReport:
        if actor is None:
            return run_due_work(self.desk, sender=self.sender, post=self.post)
        return run_due_work(self.desk, sender=self.sender, post=self.post, actor=actor)
