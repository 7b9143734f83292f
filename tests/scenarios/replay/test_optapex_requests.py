"""LG CNS Optapex, section 13: "deletion requests are forwarded to Stripe". A customer who
paid through Stripe asks, signed in, for everything to be deleted; through the HTTP API the
vault deletes what it holds, tells Stripe by a signed webhook, reminds it while it stays
silent, and closes the request only when Stripe confirms, days later."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.scenarios.replay.harness import SEEDS, Replay, replaying

POLICY = SEEDS / "lgcns-optapex.yaml"
T0 = datetime(2027, 5, 3, 1, 0, tzinfo=UTC)
SECRET = "stripe-webhook-secret-for-tests"
EMAIL = "billing.customer@example.com"


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    with replaying(POLICY, tmp_path_factory.mktemp("optapex-requests"), T0) as replay:
        yield replay


@contextmanager
def stripe() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """Stripe's end on loopback: it acknowledges every call (202) and confirms nothing."""
    calls: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append((dict(self.headers), body))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/erase", calls
    finally:
        server.shutdown()
        server.server_close()


def work(replay: Replay) -> dict[str, Any]:
    done = replay.as_("admin").post("/v1/requests/work")
    assert done.status_code == 200, done.text
    return dict(done.json())


def request(replay: Replay, request_id: str) -> dict[str, Any]:
    found = replay.as_("privacy_officer").get(f"/v1/requests/{request_id}")
    assert found.status_code == 200, found.text
    return dict(found.json())


def test_a_deletion_is_forwarded_to_stripe_until_it_confirms(replay: Replay) -> None:
    customer = replay.collect(
        "billing",
        {"payment_method": "visa ending 4242", "email": EMAIL, "name": "Park Minji"},
        [{"category": "collection_use", "purposes": ["billing.payment"]}],
        jurisdictions=["kr-pipa"],
    )
    replay.grant("handler", "billing.payment")
    handed = replay.as_("handler").post(
        f"/v1/subjects/{customer}/disclosures",
        json={
            "items": ["payment_method", "email"],
            "purpose": "billing.payment",
            "recipient": "stripe",
        },
    )
    assert handed.status_code == 200, handed.text

    with stripe() as (url, calls):
        endpoint = replay.as_("admin").put(
            "/v1/recipients/stripe/endpoint", json={"webhook": url, "secret": SECRET}
        )
        assert endpoint.status_code == 200, endpoint.text
        assert SECRET not in endpoint.text

        # The customer, signed in to Optapex, asks for deletion: no code needed.
        token = replay.as_("service").post(f"/v1/subjects/{customer}/tokens")
        assert token.status_code == 201, token.text
        made = replay.as_("service").post(
            "/v1/requests", json={"kind": "deletion", "subject_token": token.json()["token"]}
        )
        assert made.status_code == 202, made.text
        request_id = made.json()["request_id"]
        assert request(replay, request_id)["status"] == "open"
        # frozen while pending: not even billing may read the payment method now
        frozen = replay.read(customer, ["payment_method"], "billing.payment")
        assert frozen.status_code == 403 and frozen.json()["details"]["rule"] == "pending_request"

        # Optapex names no approval step: a handler fulfils it.
        done = replay.as_("handler").post(f"/v1/requests/{request_id}/fulfil")
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "awaiting_recipients"
        assert {o["target"]: o["outcome"] for o in done.json()["outcomes"]} == {
            "email": "fulfilled",
            "name": "fulfilled",
            "payment_method": "fulfilled",
        }
        gone = replay.read(customer, ["payment_method"], "billing.payment")
        assert gone.status_code == 404  # nothing left: the subject was crypto-shredded

        work(replay)
        [(headers, body)] = calls
        call = json.loads(body)
        assert call["type"] == "erase_request" and call["subject_reference"] == customer
        assert sorted(call["items"]) == ["email", "payment_method"]
        assert EMAIL.encode() not in body and b"4242" not in body
        stamp, signature = (
            part.split("=", 1)[1] for part in headers["PolicyVault-Signature"].split(",")
        )
        expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        assert hmac.compare_digest(signature, expected.hexdigest())

        # Stripe stays silent: reminded a day later, the request still open.
        replay.at(datetime(2027, 5, 4, 1, 30, tzinfo=UTC))
        work(replay)
        assert len(calls) == 2 and json.loads(calls[1][1])["attempt"] == 2
        assert request(replay, request_id)["status"] == "awaiting_recipients"

        # Three days later Stripe confirms with the token it was sent.
        replay.at(datetime(2027, 5, 7, 1, 30, tzinfo=UTC))
        confirmed = httpx.post(
            f"{replay.base}/v1/forwardings/confirm", json={"token": call["confirm_token"]}
        )
        assert confirmed.status_code == 200, confirmed.text

    closed = request(replay, request_id)
    assert closed["status"] == "completed"
    [forwarded] = closed["forwardings"]
    assert (forwarded["recipient_id"], forwarded["status"]) == ("stripe", "confirmed")


def test_a_californian_limits_the_use_of_sensitive_data_without_a_code(replay: Replay) -> None:
    """CCPA §1798.121 through the API: asked for by address, answered alike whether the
    address is held or not, done by the desk's next run; payment details then serve only
    what the customer asked for (contract, law), not a purpose resting on consent."""
    customer = replay.collect(
        "billing",
        {"payment_method": "mastercard ending 4444", "email": "ca.customer@example.com"},
        [{"category": "collection_use", "purposes": ["billing.payment"]}],
        jurisdictions=["us-ccpa"],
    )
    replay.grant("handler", "billing.payment")
    assert replay.read(customer, ["payment_method"], "billing.payment").status_code == 200

    asked = replay.as_("service").post(
        "/v1/requests", json={"kind": "limit_sensitive", "email": "ca.customer@example.com"}
    )
    stranger = replay.as_("service").post(
        "/v1/requests", json={"kind": "limit_sensitive", "email": "nobody@example.org"}
    )
    assert asked.status_code == stranger.status_code == 202
    answer = {k: v for k, v in asked.json().items() if k != "request_id"}
    assert answer == {k: v for k, v in stranger.json().items() if k != "request_id"}
    assert answer["status"] == "received"

    work(replay)

    assert request(replay, asked.json()["request_id"])["status"] == "completed"
    limited = replay.read(customer, ["payment_method"], "billing.payment")
    assert limited.status_code == 403, limited.text
    assert limited.json()["details"]["rule"] == "objection"
    # the stranger's request found nobody and closes unverified once its time is up
    assert request(replay, stranger.json()["request_id"])["status"] == "awaiting_verification"


def test_a_californian_opts_out_of_sale_and_sharing_through_the_api(replay: Replay) -> None:
    """CCPA §1798.120: no verification needed, answered like any request by address, in
    force after the desk's next run (well within the 15 business days of 11 CCR §7026(f))."""
    replay.collect(
        "contact_us",
        {
            "email": "ca.optout@example.com",
            "name": "Rivera",
            "company_name": "Example Co",
            "country_of_residence": "US",
        },
        [
            {
                "category": "collection_use",
                "purposes": [
                    "inquiry.response",
                    "inquiry.collaboration",
                    "solution.service",
                    "service.notifications",
                ],
            }
        ],
        jurisdictions=["us-ccpa"],
    )
    asked = replay.as_("service").post(
        "/v1/requests", json={"kind": "opt_out_sale", "email": "ca.optout@example.com"}
    )
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "received"

    work(replay)

    done = request(replay, asked.json()["request_id"])
    assert done["status"] == "completed"
    assert [(o["target"], o["outcome"]) for o in done["outcomes"]] == [
        ("sale_or_sharing", "fulfilled")
    ]
    due = datetime.fromisoformat(done["due_at"])
    # 15 business days: three calendar weeks, the last day ending at local midnight
    assert due - datetime.fromisoformat(done["received_at"]) < timedelta(days=22)
