"""The desk's outbox and what it leaves behind: a transient SMTP failure is retried with
growing waits and the message delivered later; a permanent one marks the message failed and
is audited; a sent message's address and text are forgotten; and no audit entry of the whole
desk holds an e-mail address, a code, an agent's name or a corrected value."""

from __future__ import annotations

import io
import itertools
import re
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.rights.conftest import ADMIN, CLERK, OFFICER, SUBJECT_APP, Desk

from policyvault.domain.requests import AgentKind, DeliveryStatus, OutboxMessage, RequestKind
from policyvault.services.outbox.smtp import DeliveryFailed
from policyvault.services.requests.intake import AgentSubmission
from policyvault.services.requests.verification import VerificationFailed

EMAIL = "lee@example.com"


def member(d: Desk) -> str:
    return d.member("console_start", {"email": EMAIL, "name": "Lee Member"})


def the_message(d: Desk, request_id: str) -> OutboxMessage:
    [message] = d.requests.messages(request_id)
    return message


def test_a_transient_failure_is_retried_with_growing_waits_then_delivered(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    member(d)
    received = d.submit(RequestKind.access, email=EMAIL)
    d.sender.fail_next(DeliveryFailed("timeout", True))
    d.sender.fail_next(DeliveryFailed("timeout", True))

    waits: list[timedelta] = []
    for attempt in (1, 2):
        report = d.requests.work()
        assert report.delivery is not None and report.delivery.retrying == 1
        message = the_message(d, received.request_id)
        assert (message.status, message.attempts) == (DeliveryStatus.pending, attempt)
        assert message.last_error == "timeout"
        waits.append(message.next_attempt_at - d.clock.now())
        assert d.deliver() == []  # not before its wait is over
        d.clock.set(message.next_attempt_at)
    assert timedelta(0) < waits[0] < waits[1]
    assert len(d.audit("outbox.retry")) == 2

    [sent] = d.deliver()

    assert sent.to == EMAIL and d.kind_of(sent) == "verification_code"
    message = the_message(d, received.request_id)
    assert (message.status, message.attempts, message.sent_at) == (
        DeliveryStatus.sent,
        3,
        d.clock.now(),
    )
    code = re.search(r"\b(\d{6})\b", sent.text)
    assert code is not None  # still in time: the code works
    d.requests.verify(received.request_id, code.group(1), SUBJECT_APP)


def test_a_permanent_failure_marks_the_message_failed_and_is_audited(megazone_desk: Desk) -> None:
    d = megazone_desk
    member(d)
    received = d.submit(RequestKind.access, email=EMAIL)
    d.sender.fail_next(DeliveryFailed("mailbox_unavailable", False, 550))

    report = d.requests.work()

    assert report.delivery is not None and report.delivery.failed == 1
    message = the_message(d, received.request_id)
    assert (message.status, message.last_error) == (DeliveryStatus.failed, "mailbox_unavailable")
    [failed] = d.audit("outbox.failed")
    assert not failed.event.decision.allowed
    assert failed.event.details["message_id"] == message.id
    assert failed.event.request_id == received.request_id
    d.advance(days=1)
    assert d.deliver() == []  # never tried again
    assert the_message(d, received.request_id).attempts == 1


def test_a_sent_message_forgets_its_address_and_text(megazone_desk: Desk) -> None:
    d = megazone_desk
    member(d)
    received = d.submit(RequestKind.access, email=EMAIL)
    messages = d.memory.store.raw_state().requests.messages
    [(queued, key, sealed)] = messages.values()
    assert key is not None and sealed is not None
    assert EMAIL not in repr(d.memory.store.raw_state())  # sealed, never plaintext

    [envelope] = d.deliver()

    messages = d.memory.store.raw_state().requests.messages
    assert messages[queued.id][1:] == (None, None)  # no key, no text: nothing to open
    assert messages[queued.id][0].status is DeliveryStatus.sent
    code = re.search(r"\b(\d{6})\b", envelope.text)
    assert code is not None
    state = repr(d.memory.store.raw_state())
    assert EMAIL not in state and code.group(1) not in state
    assert received.request_id in state  # the fact of the message remains


def test_a_message_is_queued_whatever_id_the_vault_draws(megazone_desk: Desk) -> None:
    """A message id starts with digits and may draw eight more (a UUID's first eight hex
    digits are all decimal one time in 43): the audit log must still take it."""
    d = megazone_desk
    member(d)
    count = itertools.count(1)
    d.vault.context.new_id = lambda: f"{next(count):08d}-1234-4567-8901-234567890123"

    received = d.submit(RequestKind.access, email=EMAIL)

    message = the_message(d, received.request_id)
    [queued] = d.audit("outbox.queue")
    assert queued.event.details["message_id"] == message.id
    assert d.deliver()


def test_no_audit_entry_of_the_desk_holds_a_personal_value(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)
    d.grant_every_purpose()
    assert d.vault.disclose(subject, ["email"], "aws", "membership.management", CLERK).allowed
    d.requests.set_endpoint("aws", email="privacy@aws.example", actor=ADMIN)
    codes: list[str] = []

    def verified(kind: RequestKind, **fields: Any) -> str:
        d.requests.work()
        received = d.submit(kind, email=EMAIL, **fields)
        codes.append(d.code_sent_to(EMAIL))
        d.requests.verify(received.request_id, codes[-1], SUBJECT_APP)
        return received.request_id

    # a wrong code, a correction with its new value, an access and its download
    failing = d.submit(RequestKind.access, email=EMAIL)
    codes.append(d.code_sent_to(EMAIL))
    with pytest.raises(VerificationFailed):
        d.requests.verify(failing.request_id, f"{(int(codes[-1]) + 1) % 10**6:06d}", SUBJECT_APP)
    correction = verified(RequestKind.correction, corrections={"name": "Lee Corrected Value"})
    d.requests.fulfil(correction, CLERK)
    verified(RequestKind.access)
    d.requests.download(d.link_sent_to(EMAIL), io.BytesIO(), SUBJECT_APP)
    # an agent, reviewed and accepted
    agent = AgentSubmission(
        kind=AgentKind.legal_representative,
        name="Minjun Agentson",
        document=b"%PDF-1.7 proof of representation",
        document_media_type="application/pdf",
        contact="minjun.agent@lawfirm.example",
    )
    by_agent = d.submit(RequestKind.restriction, email=EMAIL, agent=agent, statement="Please stop")
    d.requests.agent_document(by_agent.request_id, OFFICER)
    d.requests.review_agent(by_agent.request_id, True, None, OFFICER)
    # a deletion, forwarded to AWS by e-mail, and a stranger
    deletion = verified(RequestKind.deletion)
    d.requests.fulfil(deletion, OFFICER)
    d.submit(RequestKind.access, email="stranger@example.org")
    d.deliver()
    d.advance(days=30)
    d.deliver()

    texts = d.audit_texts()
    assert any("request.agent_review" in t for t in texts)
    assert any("request.forward" in t for t in texts)
    personal = [
        EMAIL,
        "Lee Member",
        "Lee Corrected Value",
        "Minjun Agentson",
        "minjun.agent@lawfirm.example",
        "privacy@aws.example",
        "stranger@example.org",
        "Please stop",
    ]
    for text in texts:
        assert [p for p in personal if p.lower() in text.lower()] == [], text
        for code in codes:
            assert not re.search(rf"(?<![0-9A-Za-z.]){code}(?![0-9A-Za-z])", text), text
