"""The vault over real HTTP: `policyvault serve` on loopback, API keys with roles, collect,
read, correct, consents, disclosure and grants; uniform errors; no personal value in the
server log or the database file."""

from __future__ import annotations

from datetime import datetime

import httpx

from tests.e2e.runner import Server

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
            "/v1/subjects/lookup",
            json={
                "kind": "email",
                "value": "SEOYEON.PARK@example.com",
                "purpose": "product.inquiry",
            },
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


def test_a_bundled_consent_for_two_categories_is_refused(server: Server) -> None:
    bundled = {
        **INQUIRY,
        "consents": [
            {"category": ["collection_use", "marketing"], "purposes": ["product.inquiry"]}
        ],
    }
    with server.client("service") as app:
        refused = app.post("/v1/subjects", json=bundled)
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_request"


def test_guardian_consent_over_http(server: Server) -> None:
    with server.client("service") as app:
        subject = app.post("/v1/subjects", json=INQUIRY).json()["subject_id"]
        recorded = app.post(
            f"/v1/subjects/{subject}/guardian-consent",
            json={
                "guardian_name": "Guardian Example",
                "relationship": "father",
                "method": "mobile_phone_verification",
                "evidence_reference": "ref-0001",
            },
        )
        assert recorded.status_code == 204
        missing = app.post(
            f"/v1/subjects/{subject}/guardian-consent",
            json={
                "guardian_name": "",
                "relationship": "father",
                "method": "x",
                "evidence_reference": "y",
            },
        )
        assert missing.status_code == 422
    stored = b"".join(p.read_bytes() for p in server.home.glob("policyvault.db*"))
    assert b"Guardian Example" not in stored


def test_the_openapi_document_declares_the_uniform_error_body(server: Server) -> None:
    document = httpx.get(f"{server.base}/openapi.json").json()
    read = document["paths"]["/v1/subjects/{subject_id}/read"]["post"]["responses"]
    for status in ("401", "403", "404", "422"):
        assert read[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    assert set(document["components"]["schemas"]["ErrorBody"]["required"]) == {
        "code",
        "message",
        "details",
    }
