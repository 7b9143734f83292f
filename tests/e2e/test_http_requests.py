"""Data-subject rights requests over real HTTP: `policyvault serve` on sandbox vaults, its
messages delivered to a real SMTP server (aiosmtpd on loopback, through POLICYVAULT_SMTP_*),
its webhook calls to a real HTTP receiver. One test per kind of request, from the code in the
e-mail to the outcome, plus agents, uniform verification failures, staff entry and roles.

Two servers for the module: the Megazone policy (access, correction, deletion, restriction,
agents, a privacy officer who approves deletions), and the SogaWorks policy, which also grants
objection, portability and consent withdrawal, with ``automated_decision`` added to its
``rights.granted`` (no example policy lists it). The tests of a server share it and its
clock: each finds its own requests and mail by its own subject and address."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from policyvault.bootstrap import api_keys, init_vault, read_config
from policyvault.domain.requests import RequestKind
from policyvault.domain.requests.deadlines import request_deadlines
from policyvault.services.requests.intake import AGENT_ANSWER, UNIFORM_ANSWER
from policyvault.services.retention.calendars import request_calendars
from tests.e2e.conftest import ACTORS
from tests.e2e.runner import POLICY, ROOT, Server, clean_environ, serving
from tests.support.smtp import SmtpServer, plain_smtp_server

SOGAWORKS = ROOT / "examples" / "policies" / "sogaworks.yaml"
SOGAWORKS_RIGHTS = "granted: [access, correction, deletion, objection, restriction, portability"
SENDER = "PolicyVault <privacy@vault.example>"
UNIFORM_FAILURE = {
    "code": "verification_failed",
    "message": "the request could not be verified",
    "details": {},
}
DOCUMENT = b"%PDF-1.4\n1 0 obj << /Title (Power of attorney) >> endobj\n%%EOF\n"
AGENT_NAME = "Yoon Haneul"
WEBHOOK_SECRET = "whsec-test-0123456789abcdef"
EXPLANATION = "A person reviewed the credit limit; the automated score was not applied."
ALL_EMAILS: list[str] = []  # every address the module uses: none may reach the server log


def _email(name: str) -> str:
    address = f"{name}@example.com"
    ALL_EMAILS.append(address)
    return address


# servers, mail and webhooks ---------------------------------------------------------------------


@dataclass
class Vault:
    """A running server and the SMTP server its messages go to."""

    server: Server
    smtp: SmtpServer = field(repr=False)

    @property
    def base(self) -> str:
        return self.server.base

    def client(self, role: str) -> httpx.Client:
        return self.server.client(role)

    def work(self) -> dict[str, Any]:
        with self.client("admin") as admin:
            ran = admin.post("/v1/requests/work")
        assert ran.status_code == 200, ran.text
        report: dict[str, Any] = ran.json()
        return report

    def mails(self, to: str) -> list[EmailMessage]:
        return [r.message for r in list(self.smtp.received) if to in r.rcpt_tos]

    def mail(self, to: str, subject: str, nth: int = 1) -> str:
        """The plain text of the ``nth`` message to ``to`` whose subject holds ``subject``,
        once the desk's work has delivered it."""
        for _ in range(50):
            found = [m for m in self.mails(to) if subject in str(m["Subject"])]
            if len(found) >= nth:
                body = found[nth - 1].get_body(("plain",))
                assert body is not None
                text: str = body.get_content()
                return text
            self.work()
            # Only when the background schedule holds the message mid-delivery: the wait is
            # for its thread, not for a deadline.
            time.sleep(0.1)
        pytest.fail(f"no message {subject!r} #{nth} was delivered")

    def code(self, to: str, nth: int = 1) -> str:
        found = re.search(r"\b(\d{6})\b", self.mail(to, "your verification code", nth))
        assert found, "the code message holds a six-digit code"
        return found.group(1)

    def now(self) -> datetime:
        with self.client("auditor") as auditor:
            return datetime.fromisoformat(auditor.get("/v1/sandbox/clock").json()["now"])


@contextmanager
def _serving(home: Path, policy: Path, smtp: SmtpServer) -> Iterator[Vault]:
    """A sandbox vault from ``policy`` served with an API key for each role (its actor in
    ``ACTORS``), its messages going to ``smtp``."""
    environ = clean_environ(
        POLICYVAULT_SMTP_HOST=smtp.host,
        POLICYVAULT_SMTP_PORT=str(smtp.port),
        POLICYVAULT_SMTP_SECURITY="none",
        POLICYVAULT_SMTP_SENDER=SENDER,
    )
    init_vault(home, policy, sandbox=True, environ=environ)
    store = api_keys(read_config(home, environ))
    now = datetime.now(UTC)
    keys = {role: store.create(role, actor, now)[1] for role, actor in ACTORS.items()}
    log = home / "server.log"
    with serving(home, log, environ) as base:
        yield Vault(Server(base, home, log, keys), smtp)


def _grant(vault: Vault, *purposes: str) -> None:
    """The officer lets the webshop's service key read for ``purposes``."""
    with vault.client("privacy_officer") as officer:
        for purpose in purposes:
            granted = officer.post(
                "/v1/grants", json={"actor_id": ACTORS["service"], "purpose": purpose}
            )
            assert granted.status_code == 201, granted.text


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with plain_smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def megazone(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[Vault]:
    with _serving(tmp_path_factory.mktemp("megazone"), POLICY, smtp) as vault:
        _grant(vault, "product.inquiry", "membership.management")
        yield vault


@pytest.fixture(scope="module")
def sogaworks(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpServer) -> Iterator[Vault]:
    """SogaWorks with ``automated_decision`` granted too."""
    directory = tmp_path_factory.mktemp("sogaworks")
    text = SOGAWORKS.read_text()
    assert SOGAWORKS_RIGHTS in text
    policy = directory / "sogaworks-automated.yaml"
    policy.write_text(
        text.replace(
            SOGAWORKS_RIGHTS,
            SOGAWORKS_RIGHTS.replace("granted: [", "granted: [automated_decision, "),
        )
    )
    with _serving(directory / "vault", policy, smtp) as vault:
        _grant(vault, "marketing.recommendations")
        yield vault


@dataclass
class Receiver:
    """A recipient's webhook endpoint on loopback: it keeps every call and answers 200."""

    url: str
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    calls: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
            answer = b'{"status": "received"}'  # received; it confirms later, by itself
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{httpd.server_address[1]}/policyvault", calls)
    finally:
        httpd.shutdown()
        httpd.server_close()


# subjects and requests --------------------------------------------------------------------------


def _collect(app: httpx.Client, body: dict[str, Any]) -> str:
    created = app.post("/v1/subjects", json=body)
    assert created.status_code == 201, created.text
    subject_id: str = created.json()["subject_id"]
    return subject_id


def _inquirer(app: httpx.Client, email: str, phone: str = "+8225550101") -> str:
    """A Megazone product inquiry."""
    return _collect(
        app,
        {
            "point": "product_inquiry",
            "values": {
                "company_name": "Hanbit Trading Example",
                "contact_person": "Han Jisoo",
                "email": email,
                "phone": phone,
            },
            "consents": [{"category": "collection_use", "purposes": ["product.inquiry"]}],
        },
    )


def _member(app: httpx.Client, email: str) -> str:
    """A Megazone console operator."""
    return _collect(
        app,
        {
            "point": "console_start",
            "values": {"email": email, "name": "Seo Minjun"},
            "consents": [{"category": "collection_use", "purposes": ["membership.management"]}],
        },
    )


def _account(app: httpx.Client, email: str) -> str:
    """A SogaWorks account that agreed to marketing recommendations."""
    return _collect(
        app,
        {
            "point": "account",
            "values": {
                "first_name": "Lena",
                "last_name": "Vogel",
                "email": email,
                "password": "correct horse battery staple",
            },
            "consents": [{"category": "marketing", "purposes": ["marketing.recommendations"]}],
        },
    )


def _submit(app: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    received = app.post("/v1/requests", json=body)
    assert received.status_code == 202, received.text
    answer: dict[str, Any] = received.json()
    return answer


def _verify(vault: Vault, app: httpx.Client, request_id: str, email: str) -> dict[str, Any]:
    verified = app.post(f"/v1/requests/{request_id}/verify", json={"code": vault.code(email)})
    assert verified.status_code == 200, verified.text
    view: dict[str, Any] = verified.json()
    return view


def _get(vault: Vault, request_id: str) -> dict[str, Any]:
    with vault.client("auditor") as auditor:
        found = auditor.get(f"/v1/requests/{request_id}")
    assert found.status_code == 200, found.text
    view: dict[str, Any] = found.json()
    return view


def _requests_of(vault: Vault, subject_id: str) -> list[dict[str, Any]]:
    with vault.client("handler") as clerk:
        listed = clerk.get("/v1/requests", params={"subject_id": subject_id})
    assert listed.status_code == 200, listed.text
    found: list[dict[str, Any]] = listed.json()["requests"]
    return found


def _read(app: httpx.Client, subject_id: str, items: list[str], purpose: str) -> httpx.Response:
    return app.post(f"/v1/subjects/{subject_id}/read", json={"items": items, "purpose": purpose})


def _denied(response: httpx.Response, rule: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["details"]["rule"] == rule, response.text


def _download_token(text: str) -> str:
    found = re.search(r"/v1/downloads/([A-Za-z0-9_-]+)", text)
    assert found, "the result message holds the download link"
    return found.group(1)


def _package(vault: Vault, token: str, request_id: str) -> dict[str, Any]:
    """The package behind a one-time link, fetched without an API key."""
    got = httpx.get(f"{vault.base}/v1/downloads/{token}", timeout=30)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    assert got.headers["content-disposition"] == (
        f'attachment; filename="policyvault-package-{request_id}.zip"'
    )
    assert got.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        package: dict[str, Any] = json.loads(archive.read("package.json"))
    return package


# Megazone ---------------------------------------------------------------------------------------


def test_an_access_request_is_answered_with_a_one_time_link_to_the_package(
    megazone: Vault,
) -> None:
    email = _email("access.han")
    with megazone.client("service") as app, megazone.client("handler") as clerk:
        subject_id = _inquirer(app, email)
        received = _submit(app, {"kind": "access", "email": email})
        assert received["status"] == "received" and received["message"] == UNIFORM_ANSWER
        request_id = received["request_id"]
        assert _get(megazone, request_id)["status"] == "awaiting_verification"

        verified = _verify(megazone, app, request_id, email)
        assert verified["status"] == "completed" and verified["verification"] == "code"
        assert verified["outcomes"] == [
            {"target": "package", "outcome": "fulfilled", "reason": "", "until": None}
        ]

        result = megazone.mail(email, "your request is complete")
        package = _package(megazone, _download_token(result), request_id)
        again = httpx.get(f"{megazone.base}/v1/downloads/{_download_token(result)}")

        # The handler may send a fresh link (a lost mail) to the requester, not to itself;
        # it works once too.
        relinked = clerk.post(f"/v1/requests/{request_id}/link")
        assert relinked.status_code == 200, relinked.text
        assert relinked.json()["sent"] is True and "url" not in relinked.json()
        again_mail = megazone.mail(email, "your request is complete", nth=2)
        fresh = _package(megazone, _download_token(again_mail), request_id)
        schema = app.get("/v1/schemas/access-package.json")
    assert again.status_code == 404
    assert again.json() == {
        "code": "download_not_found",
        "message": "this link is unknown, was used already, or has expired",
        "details": {},
    }
    assert package["meta"]["request_id"] == request_id
    assert package["meta"]["subject_id"] == subject_id and package["meta"]["kind"] == "access"
    assert {i["key"]: i["value"] for i in package["items"]} == {
        "company_name": "Hanbit Trading Example",
        "contact_person": "Han Jisoo",
        "email": email,
        "phone": "+8225550101",
    }
    assert fresh["items"] == package["items"]
    assert schema.status_code == 200
    jsonschema.validate(package, schema.json())

    record = _get(megazone, request_id)
    assert [(m["kind"], m["status"]) for m in record["messages"]] == [
        ("verification_code", "sent"),
        ("acknowledgement", "sent"),
        ("result", "sent"),
        ("result", "sent"),  # the reissued link
    ]
    assert [s["name"] for s in record["history"]][:2] == ["received", "verified"]
    assert email not in json.dumps(record)


def test_a_correction_freezes_the_item_until_it_is_fulfilled(megazone: Vault) -> None:
    email = _email("correction.han")
    with megazone.client("service") as app, megazone.client("handler") as clerk:
        subject_id = _inquirer(app, email, phone="+8225550102")
        request_id = _submit(
            app, {"kind": "correction", "email": email, "corrections": {"phone": "+8225550199"}}
        )["request_id"]
        verified = _verify(megazone, app, request_id, email)
        assert verified["status"] == "open"
        assert "frozen" in [s["name"] for s in verified["history"]]

        # Pending: the item is withheld from every purpose; the rest is not.
        _denied(_read(app, subject_id, ["phone"], "product.inquiry"), "pending_request")
        assert _read(app, subject_id, ["email"], "product.inquiry").status_code == 200

        fulfilled = clerk.post(f"/v1/requests/{request_id}/fulfil")
        assert fulfilled.status_code == 200, fulfilled.text
        after = _read(app, subject_id, ["phone"], "product.inquiry")
    assert fulfilled.json()["status"] == "completed"
    assert fulfilled.json()["outcomes"] == [
        {"target": "phone", "outcome": "fulfilled", "reason": "", "until": None}
    ]
    assert after.status_code == 200 and after.json()["values"] == {"phone": "+8225550199"}
    assert "5550199" not in json.dumps(_get(megazone, request_id))
    assert "Phone number: done" in megazone.mail(email, "your request is complete")


def test_a_deletion_keeps_what_a_statute_requires_and_waits_for_the_recipient(
    megazone: Vault,
) -> None:
    email = _email("deletion.seo")
    with (
        webhook_receiver() as receiver,
        megazone.client("service") as app,
        megazone.client("handler") as clerk,
        megazone.client("privacy_officer") as officer,
        megazone.client("admin") as admin,
    ):
        subject_id = _member(app, email)
        occurred = (megazone.now() - timedelta(days=2)).isoformat()
        added = app.post(
            f"/v1/subjects/{subject_id}/records",
            json={
                "record_type": "payment_and_supply",
                "occurred_at": occurred,
                "payload": {"order": "ORD-5521", "amount_krw": 99000},
            },
        )
        assert added.status_code == 201, added.text
        record_id = added.json()["id"]
        disclosed = app.post(
            f"/v1/subjects/{subject_id}/disclosures",
            json={"items": ["email"], "purpose": "membership.management", "recipient": "aws"},
        )
        assert disclosed.status_code == 200, disclosed.text
        endpoint = admin.put(
            "/v1/recipients/aws/endpoint",
            json={"webhook": receiver.url, "secret": WEBHOOK_SECRET},
        )
        assert endpoint.status_code == 200, endpoint.text
        assert endpoint.json() == {"recipient_id": "aws", "channel": "webhook"}
        undeclared = admin.put("/v1/recipients/acme/endpoint", json={"webhook": receiver.url})
        assert undeclared.status_code == 422, undeclared.text
        not_admin = officer.put("/v1/recipients/aws/endpoint", json={"webhook": receiver.url})
        assert not_admin.status_code == 403

        request_id = _submit(app, {"kind": "deletion", "email": email})["request_id"]
        assert _verify(megazone, app, request_id, email)["status"] == "open"
        _denied(_read(app, subject_id, ["email"], "membership.management"), "pending_request")

        # The deletion destroys at once: only the approver the policy names may decide it.
        refused = clerk.post(f"/v1/requests/{request_id}/fulfil")
        assert refused.status_code == 409 and "privacy_officer" in refused.json()["message"]
        fulfilled = officer.post(f"/v1/requests/{request_id}/fulfil")
        assert fulfilled.status_code == 200, fulfilled.text
        deadlines = admin.get(f"/v1/subjects/{subject_id}/deadlines").json()

        done = fulfilled.json()
        assert done["status"] == "awaiting_recipients"
        outcomes = {o["target"]: o for o in done["outcomes"]}
        assert outcomes["email"]["outcome"] == "fulfilled"
        assert outcomes["name"]["outcome"] == "fulfilled"
        kept = outcomes["record:payment_and_supply"]
        assert kept["outcome"] == "kept"
        assert "Act on Consumer Protection in Electronic Commerce" in kept["reason"]
        assert "Decree Art. 6(1)3" in kept["reason"]
        [destroy] = [
            t for t in deadlines if t["target_key"] == record_id and t["action"] == "destroy"
        ]
        assert kept["until"] is not None
        assert datetime.fromisoformat(kept["until"]) == datetime.fromisoformat(destroy["due_at"])
        result = megazone.mail(email, "your request is partly complete")
        assert "Act on Consumer Protection in Electronic Commerce" in result

        # The processor that got the e-mail address is told, signed, and nothing personal.
        [forwarding] = done["forwardings"]
        assert forwarding["recipient_id"] == "aws" and forwarding["item_keys"] == ["email"]
        assert forwarding["channel"] == "webhook" and forwarding["action"] == "erase"
        megazone.work()
        [(headers, body)] = receiver.calls
        stamp, signature = (p.split("=", 1)[1] for p in headers["policyvault-signature"].split(","))
        expected = hmac.new(
            WEBHOOK_SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(signature, expected)
        call = json.loads(body)
        assert call["type"] == "erase_request" and call["items"] == ["email"]
        assert call["subject_reference"] == subject_id and email.encode() not in body
        waiting = _get(megazone, request_id)
        assert waiting["status"] == "awaiting_recipients"
        assert waiting["forwardings"][0]["status"] == "sent"

        # The recipient confirms with its token, without an API key.
        unknown = httpx.post(f"{megazone.base}/v1/forwardings/confirm", json={"token": "nope"})
        assert call["confirm_url"].endswith("/v1/forwardings/confirm")
        confirmed = httpx.post(
            f"{megazone.base}/v1/forwardings/confirm", json={"token": call["confirm_token"]}
        )
        by_link = httpx.get(
            f"{megazone.base}/v1/forwardings/confirm", params={"token": call["confirm_token"]}
        )
        gone = _read(app, subject_id, ["email", "name"], "membership.management")
    assert unknown.status_code == 404
    assert confirmed.status_code == 200 and confirmed.json() == {"status": "confirmed"}
    assert by_link.status_code == 200 and by_link.json() == {"status": "confirmed"}  # twice: fine
    final = _get(megazone, request_id)
    assert final["status"] == "completed" and final["closed_at"] is not None
    assert final["forwardings"][0]["status"] == "confirmed"
    assert gone.status_code == 200, gone.text
    assert gone.json()["values"] == {} and sorted(gone.json()["missing"]) == ["email", "name"]
    assert WEBHOOK_SECRET not in endpoint.text


def test_a_restriction_takes_effect_at_once(megazone: Vault) -> None:
    email = _email("restriction.han")
    with megazone.client("service") as app:
        subject_id = _inquirer(app, email)
        assert _read(app, subject_id, ["phone"], "product.inquiry").status_code == 200
        request_id = _submit(
            app, {"kind": "restriction", "email": email, "purposes": ["product.inquiry"]}
        )["request_id"]
        verified = _verify(megazone, app, request_id, email)
        assert verified["status"] == "completed"
        assert verified["outcomes"][0]["target"] == "product.inquiry"
        _denied(_read(app, subject_id, ["phone"], "product.inquiry"), "restricted")


def test_opt_outs_the_policy_does_not_grant_are_refused(megazone: Vault) -> None:
    """No example policy grants the CCPA opt-outs; Megazone (PIPA) refuses them."""
    email = _email("optout.seo")
    with megazone.client("service") as app:
        subject_id = _member(app, email)
        for kind in ("opt_out_sale", "limit_sensitive"):
            refused = app.post("/v1/requests", json={"kind": kind, "email": email})
            assert refused.status_code == 409, refused.text
            assert refused.json()["code"] == "refused"
            assert f"grants the right {kind!r}" in refused.json()["message"]
    assert _requests_of(megazone, subject_id) == []


def test_an_agent_needs_a_document(megazone: Vault) -> None:
    email = _email("agent.none")
    with megazone.client("service") as app:
        subject_id = _member(app, email)
        agent = {"kind": "delegate", "name": AGENT_NAME, "contact": _email("agent.none.yoon")}
        missing = app.post("/v1/requests", json={"kind": "access", "email": email, "agent": agent})
        not_base64 = app.post(
            "/v1/requests",
            json={
                "kind": "access",
                "email": email,
                "agent": {
                    **agent,
                    "document_base64": "not base64!",
                    "document_media_type": "application/pdf",
                },
            },
        )
        # A document of up to 10 MB fits (13.3 MB base64-encoded); a larger body does not.
        largest = DOCUMENT + b"\0" * (10_000_000 - len(DOCUMENT))
        other = _email("agent.large")
        _member(app, other)
        fits = app.post(
            "/v1/requests",
            json={
                "kind": "access",
                "email": other,
                "agent": {
                    **agent,
                    "document_base64": base64.b64encode(largest).decode(),
                    "document_media_type": "application/pdf",
                },
            },
        )
        too_large = app.post(
            "/v1/requests",
            content=b"x" * 14_000_001,
            headers={"content-type": "application/json"},
        )
    assert missing.status_code == 422, missing.text
    assert "power of attorney" in missing.json()["message"]
    assert not_base64.status_code == 422 and "base64" in not_base64.json()["message"]
    assert fits.status_code == 202, fits.text
    assert _get(megazone, fits.json()["request_id"])["status"] == "awaiting_agent_review"
    assert too_large.status_code == 413
    assert AGENT_NAME not in missing.text + not_base64.text
    assert _requests_of(megazone, subject_id) == []


def test_an_agent_document_is_reviewed_by_the_privacy_officer(megazone: Vault) -> None:
    email = _email("agent.seo")
    agent_email = _email("agent.yoon")
    agent = {
        "kind": "delegate",
        "name": AGENT_NAME,
        "contact": agent_email,
        "document_base64": base64.b64encode(DOCUMENT).decode(),
        "document_media_type": "application/pdf",
    }
    with (
        megazone.client("service") as app,
        megazone.client("handler") as clerk,
        megazone.client("privacy_officer") as officer,
    ):
        _member(app, email)
        received = _submit(app, {"kind": "access", "email": email, "agent": agent})
        assert received["status"] == "received" and received["message"] == AGENT_ANSWER
        request_id = received["request_id"]
        assert _get(megazone, request_id)["status"] == "awaiting_agent_review"
        assert (
            clerk.post(f"/v1/requests/{request_id}/agent", json={"accepted": True}).status_code
            == 403
        )
        assert clerk.get(f"/v1/requests/{request_id}/agent/document").status_code == 403

        document = officer.get(f"/v1/requests/{request_id}/agent/document")
        assert document.status_code == 200
        assert document.content == DOCUMENT
        assert document.headers["content-type"] == "application/pdf"
        reviewed = officer.post(f"/v1/requests/{request_id}/agent", json={"accepted": True})
        assert reviewed.status_code == 200, reviewed.text

        refused_id = _submit(app, {"kind": "restriction", "email": email, "agent": agent})[
            "request_id"
        ]
        no_reason = officer.post(f"/v1/requests/{refused_id}/agent", json={"accepted": False})
        refused = officer.post(
            f"/v1/requests/{refused_id}/agent",
            json={"accepted": False, "reason": "the power of attorney is not signed"},
        )
    view = reviewed.json()
    assert view["status"] == "completed" and view["verification"] == "agent_document"
    assert view["agent"]["accepted"] is True
    assert view["agent"]["reviewed_by"] == ACTORS["privacy_officer"]
    assert view["agent"]["document_sha256"] == hashlib.sha256(DOCUMENT).hexdigest()
    # The answer goes to the agent, with the link; the subject was sent no code.
    result = megazone.mail(agent_email, "your request is complete")
    assert _download_token(result)
    assert megazone.mails(email) == []

    assert no_reason.status_code == 422
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert refused.json()["refusal_reason"] == "the power of attorney is not signed"
    decision = megazone.mail(agent_email, "our decision on your request")
    assert "the power of attorney is not signed" in decision
    for request in (request_id, refused_id):
        text = json.dumps(_get(megazone, request))
        assert AGENT_NAME not in text and agent_email not in text


def test_every_verification_failure_gets_the_same_answer(megazone: Vault) -> None:
    email = _email("verify.han")
    nobody = _email("nobody.here")
    with megazone.client("service") as app, megazone.client("admin") as admin:
        _member(app, email)
        first = _submit(app, {"kind": "access", "email": email})["request_id"]
        code = megazone.code(email)
        wrong = app.post(
            f"/v1/requests/{first}/verify", json={"code": f"{(int(code) + 1) % 10**6:06d}"}
        )
        unknown = app.post(
            "/v1/requests/3f1c9a52-0000-4000-8000-000000000000/verify", json={"code": code}
        )
        malformed = app.post(f"/v1/requests/{'x' * 300}/verify", json={"code": "not a code"})
        right = app.post(f"/v1/requests/{first}/verify", json={"code": code})
        spent = app.post(f"/v1/requests/{first}/verify", json={"code": code})

        second = _submit(app, {"kind": "access", "email": email})["request_id"]
        late_code = megazone.code(email, nth=2)
        moved = admin.post("/v1/sandbox/clock", json={"advance_seconds": 20 * 60})
        assert moved.status_code == 200, moved.text
        expired = app.post(f"/v1/requests/{second}/verify", json={"code": late_code})

        # Nobody behind an address: the same answer at intake, and at verification.
        member = _submit(app, {"kind": "access", "email": email})
        stranger = _submit(app, {"kind": "access", "email": nobody})
        guessed = app.post(
            f"/v1/requests/{stranger['request_id']}/verify", json={"code": late_code}
        )
    assert right.status_code == 200, right.text
    for failed in (wrong, unknown, malformed, spent, expired, guessed):
        assert failed.status_code == 400, failed.text
        assert failed.json() == UNIFORM_FAILURE
    assert _get(megazone, second)["status"] == "unverified"
    assert stranger["request_id"] != member["request_id"]
    assert {**stranger, "request_id": ""} == {**member, "request_id": ""}
    assert stranger["message"] == UNIFORM_ANSWER
    megazone.work()
    assert megazone.mails(nobody) == []


def test_staff_enter_a_letter_with_its_receipt_date(megazone: Vault) -> None:
    email = _email("letter.seo")
    with megazone.client("service") as app, megazone.client("handler") as clerk:
        subject_id = _member(app, email)
        received_at = (megazone.now() - timedelta(days=3)).replace(microsecond=0)
        letter = {
            "kind": "access",
            "channel": "letter",
            "received_at": received_at.isoformat(),
            "subject_id": subject_id,
            "staff_verified": True,
        }
        # The privacy center's service key may not enter what came to staff.
        for body in (
            letter,
            {"kind": "access", "subject_id": subject_id},
            {"kind": "access", "email": email, "staff_verified": True},
        ):
            forbidden = app.post("/v1/requests", json=body)
            assert forbidden.status_code == 403, forbidden.text
            assert forbidden.json()["code"] == "forbidden"
        assert _requests_of(megazone, subject_id) == []

        entered = _submit(clerk, letter)
        refused_to_read = app.get(f"/v1/requests/{entered['request_id']}")
    expected = request_deadlines(
        RequestKind.access,
        ("kr-pipa",),
        received_at,
        timezone="Asia/Seoul",
        calendars=request_calendars(("kr-pipa",)),
        fallback_days=30,
    )
    assert datetime.fromisoformat(entered["due_at"]) == expected.due_at
    assert entered["status"] == "completed"  # verified by staff: done at once
    view = _get(megazone, entered["request_id"])
    assert view["channel"] == "letter" and view["verification"] == "staff"
    assert datetime.fromisoformat(view["received_at"]) == received_at
    assert view["received_by"] == ACTORS["handler"]
    assert view["history"][0] == {
        "at": view["history"][0]["at"],
        "name": "received",
        "actor_id": ACTORS["handler"],
        "note": "letter",
    }
    assert refused_to_read.status_code == 403
    # The answer goes to the address on file.
    assert _download_token(megazone.mail(email, "your request is complete"))


def test_a_subject_signed_in_to_the_service_needs_no_code(megazone: Vault) -> None:
    email = _email("token.han")
    with megazone.client("service") as app, megazone.client("handler") as clerk:
        subject_id = _inquirer(app, email)
        issued = app.post(f"/v1/subjects/{subject_id}/tokens")
        assert issued.status_code == 201, issued.text
        token = issued.json()["token"]
        assert datetime.fromisoformat(issued.json()["expires_at"]) > megazone.now()
        received = _submit(app, {"kind": "access", "subject_token": token})
        forged = app.post("/v1/requests", json={"kind": "access", "subject_token": "forged"})
        not_for_staff = clerk.post(f"/v1/subjects/{subject_id}/tokens")
        nobody = app.post("/v1/subjects/3f1c9a52-0000-4000-8000-000000000000/tokens")
    assert received["status"] == "completed"  # verified by the sign-in: done at once
    view = _get(megazone, received["request_id"])
    assert view["verification"] == "subject_token" and view["subject_id"] == subject_id
    assert _download_token(megazone.mail(email, "your request is complete"))
    assert not any("verification code" in str(m["Subject"]) for m in megazone.mails(email))
    assert forged.status_code == 400 and forged.json() == UNIFORM_FAILURE
    assert not_for_staff.status_code == 403
    assert nobody.status_code == 404


def test_requests_are_listed_by_due_date_a_page_at_a_time(megazone: Vault) -> None:
    with megazone.client("auditor") as auditor:
        first = auditor.get("/v1/requests", params={"limit": 2})
        assert first.status_code == 200, first.text
        page = first.json()
        second = auditor.get("/v1/requests", params={"limit": 2, "after": page["next_cursor"]})
        completed = auditor.get(
            "/v1/requests", params=[("status", "completed"), ("status", "refused")]
        )
        bad_cursor = auditor.get("/v1/requests", params={"after": "bm90IGEgY3Vyc29y"})
        too_many = auditor.get("/v1/requests", params={"limit": 501})
        forbidden = auditor.post("/v1/requests", json={"kind": "access", "email": "x@example.com"})
    listed = page["requests"] + second.json()["requests"]
    assert len(listed) == 4 and len({r["id"] for r in listed}) == 4
    dues = [(r["due_at"], r["id"]) for r in listed]
    assert dues == sorted(dues, key=lambda d: (datetime.fromisoformat(d[0]), d[1]))
    assert {r["status"] for r in completed.json()["requests"]} <= {"completed", "refused"}
    assert bad_cursor.status_code == 422 and too_many.status_code == 422
    assert forbidden.status_code == 403


def test_the_openapi_document_lists_the_request_routes(megazone: Vault) -> None:
    paths = httpx.get(f"{megazone.base}/openapi.json").json()["paths"]
    expected = {
        "/v1/requests": {"get", "post"},
        "/v1/requests/work": {"post"},
        "/v1/requests/{request_id}": {"get"},
        "/v1/requests/{request_id}/verify": {"post"},
        "/v1/requests/{request_id}/fulfil": {"post"},
        "/v1/requests/{request_id}/respond": {"post"},
        "/v1/requests/{request_id}/refuse": {"post"},
        "/v1/requests/{request_id}/extend": {"post"},
        "/v1/requests/{request_id}/link": {"post"},
        "/v1/requests/{request_id}/agent": {"post"},
        "/v1/requests/{request_id}/agent/document": {"get"},
        "/v1/subjects/{subject_id}/tokens": {"post"},
        "/v1/downloads/{token}": {"get"},
        "/v1/forwardings/confirm": {"get", "post"},
        "/v1/recipients/{recipient_id}/endpoint": {"put"},
        "/v1/schemas/access-package.json": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
    assert "application/zip" in paths["/v1/downloads/{token}"]["get"]["responses"]["200"]["content"]


# SogaWorks, with automated_decision granted -----------------------------------------------------


def test_a_portability_package_holds_what_the_subject_provided(sogaworks: Vault) -> None:
    email = _email("portability.vogel")
    with sogaworks.client("service") as app:
        subject_id = _account(app, email)
        _collect(
            app,
            {
                "point": "log_files",
                "subject_id": subject_id,
                "values": {
                    "ip_address": "198.51.100.23",
                    "browser_type": "Firefox",
                    "isp": "Example Telecom",
                    "operating_system": "Linux",
                    "timestamps": "2025-03-01T10:00:00+01:00",
                    "clickstream": {"pages": ["/", "/upload"]},
                },
            },
        )
        request_id = _submit(app, {"kind": "portability", "email": email})["request_id"]
        assert _verify(sogaworks, app, request_id, email)["status"] == "completed"
    package = _package(
        sogaworks, _download_token(sogaworks.mail(email, "your request is complete")), request_id
    )
    assert package["meta"]["kind"] == "portability"
    assert {i["key"]: i["value"] for i in package["items"]} == {
        "first_name": "Lena",
        "last_name": "Vogel",
        "email": email,
    }
    assert package["records"] == []


def test_an_objection_to_direct_marketing_stops_the_next_read(sogaworks: Vault) -> None:
    email = _email("objection.vogel")
    with sogaworks.client("service") as app:
        subject_id = _account(app, email)
        before = _read(app, subject_id, ["first_name"], "marketing.recommendations")
        assert before.status_code == 200, before.text
        request_id = _submit(
            app,
            {"kind": "objection", "email": email, "purposes": ["marketing.recommendations"]},
        )["request_id"]
        verified = _verify(sogaworks, app, request_id, email)
        assert verified["status"] == "completed"
        assert verified["outcomes"] == [
            {
                "target": "marketing.recommendations",
                "outcome": "fulfilled",
                "reason": "",
                "until": None,
            }
        ]
        _denied(_read(app, subject_id, ["first_name"], "marketing.recommendations"), "objection")


def test_a_consent_withdrawal_ends_the_processing_that_rested_on_it(sogaworks: Vault) -> None:
    email = _email("withdrawal.vogel")
    with sogaworks.client("service") as app:
        subject_id = _account(app, email)
        request_id = _submit(
            app,
            {
                "kind": "withdraw_consent",
                "email": email,
                "consent_category": "marketing",
                "purposes": ["marketing.recommendations"],
            },
        )["request_id"]
        verified = _verify(sogaworks, app, request_id, email)
        assert verified["status"] == "completed"
        assert [o["outcome"] for o in verified["outcomes"]] == ["fulfilled"]
        _denied(_read(app, subject_id, ["email"], "marketing.recommendations"), "lawful_basis")


def test_an_automated_decision_is_answered_by_a_person(sogaworks: Vault) -> None:
    email = _email("automated.vogel")
    with sogaworks.client("service") as app, sogaworks.client("handler") as clerk:
        _account(app, email)
        request_id = _submit(
            app,
            {"kind": "automated_decision", "email": email, "statement": "Why was I refused?"},
        )["request_id"]
        verified = _verify(sogaworks, app, request_id, email)
        assert verified["status"] == "open"

        not_by_machine = clerk.post(f"/v1/requests/{request_id}/fulfil")
        extended = clerk.post(
            f"/v1/requests/{request_id}/extend", json={"reason": "complexity (GDPR Art 12(3))"}
        )
        answered = clerk.post(
            f"/v1/requests/{request_id}/respond",
            json={"explanation": EXPLANATION, "upheld": False},
        )
        twice = clerk.post(
            f"/v1/requests/{request_id}/respond",
            json={"explanation": EXPLANATION, "upheld": False},
        )
    assert not_by_machine.status_code == 409
    assert extended.status_code == 200, extended.text
    extension = extended.json()
    assert datetime.fromisoformat(extension["due_at"]) > datetime.fromisoformat(verified["due_at"])
    assert extension["extensions"][0]["reason"] == "complexity (GDPR Art 12(3))"
    assert "complexity (GDPR Art 12(3))" in sogaworks.mail(email, "we need more time")
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "completed"
    assert answered.json()["outcomes"][0]["target"] == "automated_decision"
    assert twice.status_code == 409
    assert EXPLANATION in sogaworks.mail(email, "your request is complete")


# last: what the server logged over the whole module ---------------------------------------------


def test_the_request_desk_runs_in_the_background_and_logs_counts_only(
    megazone: Vault, sogaworks: Vault
) -> None:
    for vault in (megazone, sogaworks):
        text = ""
        for _ in range(100):  # the start-up run is on its own thread: wait for its line
            text = vault.server.log.read_text(errors="replace")
            if "requests work: " in text:
                break
            time.sleep(0.1)
        assert "request desk: a run now and every 60s" in text
        assert re.search(r"requests work: .*; open \d+, due soon \d+, overdue \d+", text)
        for address in ALL_EMAILS:
            assert address not in text
        assert AGENT_NAME not in text and WEBHOOK_SECRET not in text and EXPLANATION not in text
        # tokens are credentials: the access log names the routes, never the tokens in them
        assert "/v1/downloads/<token>" in text or vault is sogaworks
        assert not re.search(r"/v1/downloads/(?!<token>)[\w-]{20,}", text)
        assert not re.search(r"token=(?!<token>)[\w-]{20,}", text)
