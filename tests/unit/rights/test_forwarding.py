"""Passing an erasure on to the recipients the subject's data was disclosed to (GDPR Art 19,
PIPA Decree 43(2)), through the desk's own HTTP client against real webhook receivers on
127.0.0.1: a receiver that confirms late, one that never confirms (reminded, then escalated
to the privacy officer), one that is down (retried with backoff, then escalated); a
recipient reached by e-mail, whose confirmation link works; and one with no endpoint,
escalated at once. The request waits for its recipients and completes when each confirmed
or was escalated."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from tests.unit.rights.conftest import ADMIN, CLERK, OFFICER, PUBLIC_URL, Desk

from policyvault.domain.errors import InvalidInput, NotFound, Refused
from policyvault.domain.requests import ForwardingStatus, RequestKind, RequestStatus
from policyvault.services.requests.facade import RequestDesk

SECRET = "a shared secret of the receiver"
OFFICER_EMAIL = "jiwon.kim@lgcns.com"  # Optapex's privacy officer
EMAIL = "lee@example.com"


class Receiver:
    """A recipient's webhook on a real socket: it keeps what it is sent and answers with
    ``status``; it confirms later, through the vault, with the token it was given."""

    def __init__(self, status: int = 202) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                answer = b'{"status": "accepted"}'
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/privacy/erasures"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]

    def confirm_late(self, desk: RequestDesk) -> None:
        for token in {b["confirm_token"] for b in self.bodies()}:
            desk.confirm_forwarding(token)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def d() -> Desk:
    """Optapex, whose privacy officer has an e-mail address, with the desk's own HTTP client
    (no ``post=``: httpx)."""
    desk = Desk("lgcns-optapex")
    desk.requests = RequestDesk(desk.vault.context, desk.settings, sender=desk.sender)
    return desk


def erased_after_disclosure(d: Desk) -> tuple[str, str]:
    """A subject whose e-mail address went to AWS, and the id of its fulfilled deletion."""
    subject = d.member(
        "sign_up", {"email": EMAIL, "password": "a long password 1"}, jurisdictions=["eu-gdpr"]
    )
    d.vault.grant(CLERK.id, "solution.service", ADMIN)
    assert d.vault.disclose(subject, ["email"], "aws", "solution.service", CLERK).allowed
    received = d.signed_in(RequestKind.deletion, subject)
    done = d.requests.fulfil(received.request_id, CLERK)
    return subject, done.id


def status(d: Desk, request_id: str) -> RequestStatus:
    return d.requests.get(request_id).status


def escalations(d: Desk) -> list[str]:
    return [e.text for e in d.mail_to(OFFICER_EMAIL, "escalation")]


def test_a_receiver_that_confirms_late_completes_the_request(d: Desk, receiver: Receiver) -> None:
    d.requests.set_endpoint("aws", webhook=receiver.url, secret=SECRET, actor=ADMIN)
    subject, request_id = erased_after_disclosure(d)
    assert status(d, request_id) is RequestStatus.awaiting_recipients

    d.requests.work()

    [(headers, body)] = receiver.received
    sent = json.loads(body)
    assert sent["type"] == "erase_request" and sent["items"] == ["email"]
    assert (sent["request_id"], sent["subject_reference"]) == (request_id, subject)
    assert EMAIL not in body.decode()  # nothing personal travels
    # the signature: t=<the vault's clock>,v1=HMAC-SHA256(secret, "<t>." + body)
    found = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", headers["PolicyVault-Signature"])
    assert found is not None
    stamp, mac = found.groups()
    assert int(stamp) == int(d.clock.now().timestamp())
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(mac, expected.hexdigest())
    forged = hmac.new(b"another secret!!", f"{stamp}.".encode() + body, hashlib.sha256)
    assert not hmac.compare_digest(mac, forged.hexdigest())
    # accepted, not confirmed: the request waits, and is not sent again in the meantime
    d.advance(hours=5)
    d.requests.work()
    assert len(receiver.received) == 1
    assert status(d, request_id) is RequestStatus.awaiting_recipients
    [waiting] = d.requests.forwardings(request_id)
    assert waiting.status is ForwardingStatus.sent

    receiver.confirm_late(d.requests)

    [confirmed] = d.requests.forwardings(request_id)
    assert confirmed.status is ForwardingStatus.confirmed
    assert confirmed.confirmed_at == d.clock.now()
    assert status(d, request_id) is RequestStatus.completed
    assert d.requests.get(request_id).closed_at == d.clock.now()
    d.requests.work()
    assert escalations(d) == [] and len(receiver.received) == 1
    receiver.confirm_late(d.requests)  # twice is harmless
    assert status(d, request_id) is RequestStatus.completed
    with pytest.raises(NotFound):
        d.requests.confirm_forwarding("not-a-token-the-vault-gave")


def test_a_receiver_that_never_confirms_is_reminded_then_escalated(
    d: Desk, receiver: Receiver
) -> None:
    d.requests.set_endpoint("aws", webhook=receiver.url, secret=SECRET, actor=ADMIN)
    _, request_id = erased_after_disclosure(d)
    attempts = d.settings.forward_attempts
    interval = timedelta(hours=d.settings.forward_reminder_hours)

    d.requests.work()
    for attempt in range(2, attempts + 1):
        d.clock.advance(interval - timedelta(minutes=1))
        d.requests.work()
        assert len(receiver.received) == attempt - 1  # not before the interval
        d.advance(minutes=1)
        d.requests.work()
        assert len(receiver.received) == attempt
        assert status(d, request_id) is RequestStatus.awaiting_recipients
        assert escalations(d) == []

    bodies = receiver.bodies()
    assert [b["attempt"] for b in bodies] == list(range(1, attempts + 1))
    assert len({b["confirm_token"] for b in bodies}) == 1  # the same token each time
    d.clock.advance(interval)
    d.requests.work()

    assert len(receiver.received) == attempts
    [forwarding] = d.requests.forwardings(request_id)
    assert forwarding.status is ForwardingStatus.escalated
    [text] = escalations(d)
    assert "aws" in text and request_id in text
    assert status(d, request_id) is RequestStatus.completed
    [escalated] = d.audit("request.forward_escalated")
    assert escalated.event.details["reason"] == "no_confirmation"


def test_a_receiver_that_is_down_is_retried_with_backoff_then_escalated(
    d: Desk, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}/privacy/erasures"
    d.requests.set_endpoint("aws", webhook=url, secret=SECRET, actor=ADMIN)
    _, request_id = erased_after_disclosure(d)
    attempts = d.settings.forward_attempts

    waits: list[timedelta] = []
    for attempt in range(1, attempts + 1):
        d.requests.work()
        [forwarding] = d.requests.forwardings(request_id)
        assert forwarding.attempts == attempt
        assert forwarding.status is ForwardingStatus.pending
        assert forwarding.last_error == "connection_failed"
        wait = forwarding.next_attempt_at - d.clock.now()
        waits.append(wait)
        d.requests.work()  # not again before the wait is over
        assert d.requests.forwardings(request_id)[0].attempts == attempt
        assert status(d, request_id) is RequestStatus.awaiting_recipients
        d.clock.advance(wait)

    assert waits == sorted(waits) and waits[0] < waits[-1]  # the waits grow
    assert waits[0] >= timedelta(minutes=1)
    assert escalations(d) == []
    d.requests.work()

    [forwarding] = d.requests.forwardings(request_id)
    assert forwarding.status is ForwardingStatus.escalated and forwarding.attempts == attempts
    [text] = escalations(d)
    assert "aws" in text and request_id in text
    assert status(d, request_id) is RequestStatus.completed
    assert len(d.audit("request.forward_retry")) == attempts


def test_a_recipient_reached_by_email_confirms_through_its_link(d: Desk) -> None:
    d.requests.set_endpoint("aws", email="privacy@aws.example", actor=ADMIN)
    _, request_id = erased_after_disclosure(d)

    d.requests.work()

    [mail] = d.mail_to("privacy@aws.example", "forward_erasure")
    assert "email" in mail.text and EMAIL not in mail.text
    found = re.search(
        re.escape(PUBLIC_URL) + r"/v1/forwardings/confirm\?token=([\w\-]+)", mail.text
    )
    assert found is not None
    assert status(d, request_id) is RequestStatus.awaiting_recipients

    confirmed = d.requests.confirm_forwarding(found.group(1))

    assert confirmed.status is ForwardingStatus.confirmed
    assert status(d, request_id) is RequestStatus.completed


def test_a_recipient_without_an_endpoint_is_escalated_at_once(d: Desk) -> None:
    # Stripe has an endpoint but never got anything of this subject: it is not told.
    d.requests.set_endpoint("stripe", email="privacy@stripe.example", actor=ADMIN)
    _, request_id = erased_after_disclosure(d)

    [forwarding] = d.requests.forwardings(request_id)
    assert (forwarding.recipient_id, forwarding.channel) == ("aws", "none")
    assert forwarding.status is ForwardingStatus.escalated
    assert status(d, request_id) is RequestStatus.completed

    d.requests.work()

    [text] = escalations(d)
    assert "aws" in text and request_id in text
    assert d.mail_to("privacy@stripe.example") == []


def test_a_request_waiting_for_its_recipients_is_neither_refused_nor_extended(d: Desk) -> None:
    d.requests.set_endpoint("aws", email="privacy@aws.example", actor=ADMIN)
    _, request_id = erased_after_disclosure(d)
    waiting = d.requests.get(request_id)
    assert waiting.status is RequestStatus.awaiting_recipients

    # the erasure is done and the subject was told so: no refusal, no "more time" after it
    with pytest.raises(Refused):
        d.requests.refuse(request_id, "GDPR Art 17(3)(b)", OFFICER)
    with pytest.raises(Refused):
        d.requests.extend(request_id, "GDPR Art 12(3): complexity", OFFICER)

    assert d.requests.get(request_id) == waiting
    d.requests.work()
    assert [d.kind_of(e) for e in d.mail_to(EMAIL)] == ["acknowledgement", "result"]
    [mail] = d.mail_to("privacy@aws.example", "forward_erasure")
    token = re.search(r"token=([\w\-]+)", mail.text)
    assert token is not None
    d.requests.confirm_forwarding(token.group(1))
    assert status(d, request_id) is RequestStatus.completed


def test_a_restriction_is_passed_on_to_the_recipients_that_got_the_data(d: Desk) -> None:
    d.requests.set_endpoint("aws", email="privacy@aws.example", actor=ADMIN)
    subject = d.member(
        "sign_up", {"email": EMAIL, "password": "a long password 1"}, jurisdictions=["eu-gdpr"]
    )
    d.vault.grant(CLERK.id, "solution.service", ADMIN)
    assert d.vault.disclose(subject, ["email"], "aws", "solution.service", CLERK).allowed

    received = d.signed_in(RequestKind.restriction, subject)

    [forwarded] = d.requests.forwardings(received.request_id)
    assert (forwarded.recipient_id, forwarded.action) == ("aws", "restrict")
    assert forwarded.item_keys == ("email",)
    assert status(d, received.request_id) is RequestStatus.awaiting_recipients
    d.requests.work()
    [mail] = d.mail_to("privacy@aws.example", "forward_erasure")
    token = re.search(r"token=([\w\-]+)", mail.text)
    assert token is not None
    d.requests.confirm_forwarding(token.group(1))
    assert status(d, received.request_id) is RequestStatus.completed


@pytest.mark.parametrize(
    "url", ["https://[::1/erase", "ftp://aws.example/erase", "https:///erase"], ids=repr
)
def test_an_unusable_webhook_url_is_refused_and_nothing_is_stored(d: Desk, url: str) -> None:
    with pytest.raises(InvalidInput):
        d.requests.set_endpoint("aws", webhook=url, secret=SECRET, actor=ADMIN)

    assert ("aws", "Amazon Web Services", None) in d.requests.recipients()
    assert d.audit("recipient.endpoint") == []


def test_a_poster_that_breaks_is_retried_and_the_outbox_still_goes_out() -> None:
    def broken(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        raise ValueError("the client cannot use this URL")

    d = Desk("lgcns-optapex")
    d.requests = RequestDesk(d.vault.context, d.settings, sender=d.sender, post=broken)
    d.requests.set_endpoint("aws", webhook="https://aws.example/erase", secret=SECRET, actor=ADMIN)
    _, request_id = erased_after_disclosure(d)
    d.member("sign_up", {"email": "kim@example.com", "password": "a long password 2"})
    d.submit(RequestKind.access, email="kim@example.com")

    report = d.requests.work()

    assert report.errors == {} and report.forwarding.retrying == 1
    [forwarding] = d.requests.forwardings(request_id)
    assert forwarding.status is ForwardingStatus.pending and forwarding.attempts == 1
    assert forwarding.last_error == "invalid_endpoint"
    assert forwarding.next_attempt_at > d.clock.now()
    [retry] = d.audit("request.forward_retry")
    assert retry.event.details["error"] == "invalid_endpoint"
    # the same run delivered what was waiting: the other requester's code among it
    assert [d.kind_of(e) for e in d.mail_to("kim@example.com")] == ["verification_code"]
    assert status(d, request_id) is RequestStatus.awaiting_recipients
    d.clock.set(forwarding.next_attempt_at)
    d.requests.work()
    assert d.requests.forwardings(request_id)[0].attempts == 2
