"""The vault over real HTTP: `policyvault serve` on loopback, API keys with roles, collect,
read, correct, consents, disclosure and grants; uniform errors; no personal value in the
server log or the database file."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from policyvault.bootstrap import api_keys, init_vault, read_config

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
EMAIL = "park.seoyeon@example.com"
NAME = "Park Seoyeon"
COMPANY = "Seoyeon Trading Example"
INQUIRY = {
    "point": "product_inquiry",
    "values": {
        "company_name": COMPANY,
        "contact_person": NAME,
        "email": EMAIL,
        "phone": "+82 2 555 0147",
    },
    "consents": [{"category": "collection_use", "purposes": ["product.inquiry"]}],
    "evidence": {"channel": "web", "notice_hash": "sha256:test"},
}


@dataclass
class Server:
    base: str
    home: Path
    log: Path
    keys: dict[str, str]

    def client(self, role: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.keys[role]}"}, timeout=30
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("vault")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POLICYVAULT_")}
    config = init_vault(home, POLICY, sandbox=True, environ=environ)
    store = api_keys(read_config(home, environ))
    now = datetime.now(UTC)
    keys = {
        role: store.create(role, actor, now)[1]
        for role, actor in (
            ("admin", "admin-1"),
            ("service", "webshop-1"),
            ("handler", "clerk-1"),
            ("auditor", "auditor-1"),
        )
    }
    exe = shutil.which("policyvault", path=str(Path(sys.executable).parent))
    assert exe
    port = _free_port()
    log = home / "server.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [exe, "serve", "--home", str(config.home), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**environ, "PYTHONUNBUFFERED": "1"},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):  # wait for start-up (not for a deadline)
                try:
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                pytest.fail("policyvault serve did not start: " + log.read_text())
            yield Server(base, home, log, keys)
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_health_and_notice(server: Server) -> None:
    health = httpx.get(f"{server.base}/v1/health").json()
    assert health["policy"] == "megazone-cloudplex" and health["mode"] == "sandbox"
    notice = httpx.get(f"{server.base}/v1/policy/notice", params={"lang": "ko"})
    assert notice.status_code == 200 and "표시·광고에 관한 기록" in notice.text


def test_api_keys_and_roles(server: Server) -> None:
    anonymous = httpx.post(f"{server.base}/v1/subjects", json=INQUIRY)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    with server.client("auditor") as auditor:
        refused = auditor.post("/v1/subjects", json=INQUIRY)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_collect_read_correct_withdraw_over_http(server: Server) -> None:
    with (
        server.client("service") as app,
        server.client("admin") as admin,
        server.client("handler") as clerk,
    ):
        created = app.post("/v1/subjects", json=INQUIRY)
        assert created.status_code == 201, created.text
        subject = created.json()["subject_id"]

        no_grant = clerk.post(
            f"/v1/subjects/{subject}/read", json={"items": ["email"], "purpose": "product.inquiry"}
        )
        assert no_grant.status_code == 403
        assert no_grant.json()["details"]["rule"] == "no_grant"

        grant = admin.post("/v1/grants", json={"actor_id": "clerk-1", "purpose": "product.inquiry"})
        assert grant.status_code == 201
        read = clerk.post(
            f"/v1/subjects/{subject}/read",
            json={"items": ["email", "contact_person"], "purpose": "product.inquiry"},
        )
        assert read.status_code == 200, read.text
        assert read.json()["values"] == {"email": EMAIL, "contact_person": NAME}

        corrected = clerk.put(
            f"/v1/subjects/{subject}/items/email", json={"value": "seoyeon.park@example.com"}
        )
        assert corrected.status_code == 204
        found = clerk.post(
            "/v1/subjects/lookup", json={"kind": "email", "value": "SEOYEON.PARK@example.com"}
        )
        assert found.json() == {"subject_ids": [subject]}

        disclosed = clerk.post(
            f"/v1/subjects/{subject}/disclosures",
            json={"items": ["email"], "purpose": "product.inquiry", "recipient": "google"},
        )
        assert disclosed.status_code == 200, disclosed.text
        undeclared = clerk.post(
            f"/v1/subjects/{subject}/disclosures",
            json={"items": ["email"], "purpose": "product.inquiry", "recipient": "someone-else"},
        )
        assert undeclared.status_code == 403

        withdrawn = app.post(
            f"/v1/subjects/{subject}/consents",
            json={
                "category": "collection_use",
                "purposes": ["product.inquiry"],
                "action": "withdrawn",
            },
        )
        assert withdrawn.status_code == 201
        denied = clerk.post(
            f"/v1/subjects/{subject}/read", json={"items": ["email"], "purpose": "product.inquiry"}
        )
        assert denied.status_code == 403
        assert denied.json()["details"]["rule"] == "lawful_basis"

        given = app.post(
            f"/v1/subjects/{subject}/consents",
            json={"category": "collection_use", "purposes": ["product.inquiry"], "action": "given"},
        )
        assert given.status_code == 201
        assert (
            clerk.post(
                f"/v1/subjects/{subject}/read",
                json={"items": ["email"], "purpose": "product.inquiry"},
            ).status_code
            == 200
        )

        grant_id = grant.json()["id"]
        changed = admin.patch(f"/v1/grants/{grant_id}", json={"expires_at": "2999-01-01T00:00:00Z"})
        assert changed.status_code == 200 and changed.json()["expires_at"].startswith("2999")
        grants = admin.get("/v1/grants").json()
        assert [g["purpose"] for g in grants] == ["product.inquiry"]
        assert admin.delete(f"/v1/grants/{grants[0]['id']}").status_code == 204
        assert (
            clerk.post(
                f"/v1/subjects/{subject}/read",
                json={"items": ["email"], "purpose": "product.inquiry"},
            ).json()["details"]["rule"]
            == "no_grant"
        )


def test_bad_input_gets_a_uniform_error_without_the_value(server: Server) -> None:
    with server.client("service") as app:
        bad = app.post(
            "/v1/subjects",
            json={**INQUIRY, "values": {**INQUIRY["values"], "email": "not an address " + NAME}},
        )
        assert bad.status_code == 422
        body = bad.json()
        assert set(body) == {"code", "message", "details"}
        assert NAME not in bad.text
        undeclared = app.post(
            "/v1/subjects",
            json={**INQUIRY, "values": {**INQUIRY["values"], "resident_number": "900101-1234567"}},
        )
        assert undeclared.status_code == 422
        assert undeclared.json()["details"]["rule"] == "undeclared_item"
        assert "900101" not in undeclared.text
        schema_error = app.post("/v1/subjects", json={"point": 5, "values": NAME})
        assert schema_error.status_code == 422 and NAME not in schema_error.text
        huge = app.post(
            "/v1/subjects", content=b"x" * 13_000_000, headers={"content-type": "application/json"}
        )
        assert huge.status_code == 413


def test_the_sandbox_clock_moves_over_http(server: Server) -> None:
    with server.client("admin") as admin:
        before = datetime.fromisoformat(admin.get("/v1/sandbox/clock").json()["now"])
        moved = admin.post("/v1/sandbox/clock", json={"advance_seconds": 86400})
        assert moved.status_code == 200
        after = datetime.fromisoformat(moved.json()["now"])
        assert after - before >= (datetime(2000, 1, 2) - datetime(2000, 1, 1))  # noqa: DTZ001


def test_no_personal_value_in_the_server_log_or_the_database(server: Server) -> None:
    with server.client("service") as app:
        assert app.post("/v1/subjects", json=INQUIRY).status_code == 201
    stored = b"".join(p.read_bytes() for p in server.home.glob("policyvault.db*"))
    log = server.log.read_bytes()
    for value in (EMAIL, NAME, COMPANY, "555 0147", "5550147"):
        assert value.encode() not in stored, value
        assert value.encode() not in log, value
