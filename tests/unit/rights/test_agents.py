"""Requests made through an agent (PIPA Art 38, 11 CCR §7063): without the power of attorney
nothing is stored; with it the request waits for the privacy officer, who opens the document;
accepted, it proceeds and its answers go to the agent; refused, it closes with the reason,
told to the agent."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from tests.unit.rights.conftest import CLERK, OFFICER, SUBJECT_APP, Desk

from policyvault.domain.access import Rule
from policyvault.domain.errors import InvalidInput, Refused
from policyvault.domain.requests import (
    AgentKind,
    Channel,
    RequestKind,
    RequestStatus,
    VerificationMethod,
)
from policyvault.services.requests.intake import AgentSubmission

EMAIL = "lee@example.com"
AGENT_EMAIL = "agent.kim@lawfirm.example"
DOCUMENT = b"%PDF-1.7\n% power of attorney, Form No. 11, signed by Lee Member\n"


def agent(document: bytes = DOCUMENT) -> AgentSubmission:
    return AgentSubmission(
        kind=AgentKind.delegate,
        name="Agent Kim",
        document=document,
        document_media_type="application/pdf",
        contact=AGENT_EMAIL,
    )


def member(d: Desk) -> str:
    return d.member("console_start", {"email": EMAIL, "name": "Lee Member"})


def test_an_agent_without_a_document_is_refused_and_nothing_is_stored(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    member(d)
    entries = len(d.memory.audit_entries())

    with pytest.raises(InvalidInput):
        d.submit(RequestKind.access, email=EMAIL, agent=agent(b""))

    state = d.memory.store.raw_state().requests
    assert (state.requests, state.private, state.messages, state.codes) == ({}, {}, {}, {})
    assert len(d.memory.audit_entries()) == entries
    assert d.deliver() == []


def test_an_accepted_agent_gets_the_answers(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)

    received = d.submit(RequestKind.access, email=EMAIL, agent=agent())

    assert received.status == "received"  # asked for by an address: the uniform answer
    assert d.requests.get(received.request_id).status is RequestStatus.awaiting_agent_review
    request = d.requests.get(received.request_id)
    assert request.agent is not None and request.agent.accepted is None
    assert request.agent.document_sha256 == hashlib.sha256(DOCUMENT).hexdigest()
    assert d.requests.agent_document(received.request_id, OFFICER) == (DOCUMENT, "application/pdf")
    [opened] = d.audit("request.agent_document")
    assert opened.event.actor == OFFICER and opened.event.request_id == received.request_id
    with pytest.raises(Refused):  # nothing is done before the officer decides
        d.requests.fulfil(received.request_id, OFFICER)
    d.deliver()
    assert d.mail_to(EMAIL) == []  # no code: the document, not the subject's mailbox, decides

    accepted = d.requests.review_agent(received.request_id, True, None, OFFICER)

    assert accepted.status is RequestStatus.completed
    assert accepted.verification is VerificationMethod.agent_document
    assert accepted.agent is not None and accepted.agent.accepted is True
    assert accepted.agent.reviewed_by == OFFICER.id
    token = d.link_sent_to(AGENT_EMAIL)
    assert d.mail_to(EMAIL) == []
    out = io.BytesIO()
    d.requests.download(token, out, SUBJECT_APP)
    package = json.loads(zipfile.ZipFile(io.BytesIO(out.getvalue())).read("package.json"))
    assert package["meta"]["subject_id"] == subject


def test_an_accepted_agent_s_deletion_freezes_then_proceeds(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)
    d.grant_every_purpose()
    received = d.submit(RequestKind.deletion, email=EMAIL, agent=agent())
    assert d.vault.read(subject, ["name"], "membership.management", CLERK).allowed

    d.requests.review_agent(received.request_id, True, None, OFFICER)

    read = d.vault.read(subject, ["name"], "membership.management", CLERK)
    assert read.decision.rule is Rule.pending_request
    done = d.requests.fulfil(received.request_id, OFFICER)
    assert done.status is RequestStatus.completed and d.item_keys(subject) == set()
    d.deliver()
    assert [d.kind_of(e) for e in d.mail_to(AGENT_EMAIL)] == ["acknowledgement", "result"]
    assert d.mail_to(EMAIL) == []


def test_a_refused_agent_is_told_why_and_nothing_is_done(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject = member(d)
    items = d.item_keys(subject)
    received = d.submit(RequestKind.deletion, email=EMAIL, agent=agent())
    with pytest.raises(InvalidInput):
        d.requests.review_agent(received.request_id, False, None, OFFICER)
    reason = "the power of attorney is not signed by the subject"

    refused = d.requests.review_agent(received.request_id, False, reason, OFFICER)

    assert refused.status is RequestStatus.refused
    assert refused.refusal_reason == reason and refused.closed_at == d.clock.now()
    assert refused.agent is not None and refused.agent.accepted is False
    d.deliver()
    [result] = d.mail_to(AGENT_EMAIL, "result")
    assert reason in result.text
    assert d.mail_to(EMAIL) == []
    assert d.item_keys(subject) == items
    d.grant_every_purpose()
    assert d.vault.read(subject, ["name"], "membership.management", CLERK).allowed
    with pytest.raises(Refused):  # decided once
        d.requests.review_agent(received.request_id, True, None, OFFICER)


@pytest.mark.parametrize("entered_by", ["address", "staff"])
def test_no_receipt_goes_anywhere_before_the_officer_accepts_the_agent(
    megazone_desk: Desk, entered_by: str
) -> None:
    # A receipt carries the due date, which tells whose jurisdictions the address is under:
    # nobody gets one before the document is accepted, neither the agent nor the subject.
    d = megazone_desk
    subject = member(d)
    if entered_by == "address":
        received = d.submit(RequestKind.deletion, email=EMAIL, agent=agent())
    else:
        received = d.submit(
            RequestKind.deletion, CLERK, channel=Channel.letter, subject_id=subject, agent=agent()
        )
    request_id = received.request_id

    d.deliver()

    waiting = d.requests.get(request_id)
    assert waiting.status is RequestStatus.awaiting_agent_review
    assert waiting.acknowledged_at is None
    assert [s.name for s in waiting.history if s.name.startswith("acknowledge")] == []
    assert d.requests.messages(request_id) == []
    assert [d.kind_of(e) for e in d.sender.sent if d.kind_of(e) == "acknowledgement"] == []

    accepted = d.requests.review_agent(request_id, True, None, OFFICER)

    assert accepted.status is RequestStatus.open  # a deletion: frozen, waiting for a handler
    assert accepted.acknowledged_at == d.clock.now()
    d.deliver()
    assert [d.kind_of(e) for e in d.mail_to(AGENT_EMAIL)] == ["acknowledgement"]
    assert d.mail_to(EMAIL) == []
