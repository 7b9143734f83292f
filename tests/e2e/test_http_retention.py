"""Retention over real HTTP on a sandbox vault from the Megazone policy: statutory records and
the separate store, the sweeper, the officer's approval, destruction certificates, legal holds,
and bad input refused with the uniform error body. The simulated clock moves the deadlines;
nothing waits for one.

The tests share one server and its clock, and every sweep is vault-wide: each test finds its
own work through its subject's deadlines, never by assuming it is alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from policyvault.api.schemas_retention import CertificateOut
from tests.e2e.conftest import ACTORS
from tests.e2e.runner import Server, ok, policyvault

STATUTORY = "legal.statutory_retention"
EMAIL = "kang.jiwoo@example.com"
NAME = "Kang Jiwoo"
PAYMENT = {"order": "ORD-7731", "amount_krw": 184000, "card": "5555-01XX-XXXX-4821"}
VISIT = {"ip": "192.0.2.77", "path": "/console/billing"}
ERROR_KEYS = {"code", "message", "details"}
DAY = 86400


@pytest.fixture(scope="module")
def officer_granted_reader(server: Server) -> str:
    """The clerk may read statutory records: the officer grants legal.statutory_retention."""
    with server.client("privacy_officer") as officer:
        granted = officer.post(
            "/v1/grants", json={"actor_id": ACTORS["handler"], "purpose": STATUTORY}
        )
    assert granted.status_code == 201, granted.text
    return ACTORS["handler"]


def _now(client: httpx.Client) -> datetime:
    return datetime.fromisoformat(client.get("/v1/sandbox/clock").json()["now"])


def _advance(admin: httpx.Client, days: int) -> None:
    moved = admin.post("/v1/sandbox/clock", json={"advance_seconds": days * DAY})
    assert moved.status_code == 200, moved.text


def _member(app: httpx.Client) -> str:
    """A CloudPlex console operator: the account is open."""
    created = app.post(
        "/v1/subjects",
        json={
            "point": "console_start",
            "values": {"email": EMAIL, "name": NAME},
            "consents": [{"category": "collection_use", "purposes": ["membership.management"]}],
        },
    )
    assert created.status_code == 201, created.text
    subject_id: str = created.json()["subject_id"]
    return subject_id


def _add_record(app: httpx.Client, subject_id: str, record_type: str, payload: Any) -> str:
    occurred_at = (_now(app) - timedelta(hours=1)).isoformat()
    added = app.post(
        f"/v1/subjects/{subject_id}/records",
        json={"record_type": record_type, "occurred_at": occurred_at, "payload": payload},
    )
    assert added.status_code == 201, added.text
    record_id: str = added.json()["id"]
    return record_id


def _sweep(admin: httpx.Client, *, dry_run: bool = False) -> dict[str, Any]:
    swept = admin.post("/v1/retention/sweep", json={"dry_run": dry_run})
    assert swept.status_code == 200, swept.text
    report: dict[str, Any] = swept.json()
    return report


def _record_task(
    client: httpx.Client, subject_id: str, record_id: str, action: str = "destroy"
) -> dict[str, Any]:
    """The record's open deadline for ``action`` (or, once none is open, its last one)."""
    listed = client.get(f"/v1/subjects/{subject_id}/deadlines")
    assert listed.status_code == 200, listed.text
    mine = [t for t in listed.json() if t["target_key"] == record_id and t["action"] == action]
    assert mine, listed.json()
    open_ = [t for t in mine if t["status"] not in {"done", "cancelled"}]
    task: dict[str, Any] = (open_ or mine)[-1]
    return task


def _statutory_records(clerk: httpx.Client, subject_id: str) -> list[dict[str, Any]]:
    read = clerk.get(f"/v1/subjects/{subject_id}/records", params={"purpose": STATUTORY})
    assert read.status_code == 200, read.text
    records: list[dict[str, Any]] = read.json()
    return records


def _audit(server: Server, *args: str) -> list[dict[str, Any]]:
    database = f"sqlite:///{server.home / 'policyvault.db'}"
    out = ok(policyvault(server.home, "audit", "log", "-d", database, "--json", *args))
    entries: list[dict[str, Any]] = json.loads(out)
    return entries


def _uniform(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert set(response.json()) == ERROR_KEYS and response.json()["code"] == code, response.text


def test_a_payment_record_moves_to_the_separate_store_when_the_account_closes(
    server: Server, officer_granted_reader: str
) -> None:
    with (
        server.client("service") as app,
        server.client("admin") as admin,
        server.client("handler") as clerk,
    ):
        subject_id = _member(app)
        added = app.post(
            f"/v1/subjects/{subject_id}/records",
            json={
                "record_type": "payment_and_supply",
                "occurred_at": (_now(app) - timedelta(days=2)).isoformat(),
                "payload": PAYMENT,
            },
        )
        assert added.status_code == 201, added.text
        assert added.json()["store"] == "live"  # the account is open: in ordinary use
        record_id = added.json()["id"]
        assert [r["store"] for r in _statutory_records(clerk, subject_id)] == ["live"]

        closed = clerk.post(f"/v1/subjects/{subject_id}/events", json={"name": "account_closed"})
        assert closed.status_code == 201, closed.text
        assert _record_task(admin, subject_id, record_id, "archive")["status"] == "scheduled"
        assert _sweep(admin)["archived"] >= 1
        assert _record_task(admin, subject_id, record_id, "archive")["status"] == "done"

        moved = _record_task(admin, subject_id, record_id)
        assert moved["status"] == "scheduled"  # five years on, after the approval
        assert moved["rule"] == "statute:payment_and_supply" and moved["held"] is False
        [kept] = _statutory_records(clerk, subject_id)
        assert kept["store"] == "separate" and kept["payload"] == PAYMENT

        # Any purpose but the statute's is refused, and the refusal is audited.
        ordinary = clerk.get(
            f"/v1/subjects/{subject_id}/records", params={"purpose": "membership.management"}
        )
        _uniform(ordinary, 403, "access_denied")
        assert PAYMENT["order"] not in ordinary.text
    denials = _audit(server, "--subject", subject_id, "--action", "record.read")
    assert [e["decision"]["allowed"] for e in denials] == [True, True, False]
    assert denials[-1]["decision"]["rule"] == "unknown_purpose"
    assert PAYMENT["order"].encode() not in server.log.read_bytes()


def test_a_refused_record_read_names_its_rule(server: Server) -> None:
    with server.client("service") as app, server.client("privacy_officer") as officer:
        subject_id = _member(app)
        refused = officer.get(f"/v1/subjects/{subject_id}/records", params={"purpose": STATUTORY})
    _uniform(refused, 403, "access_denied")
    assert refused.json()["details"].get("rule") == "no_grant"


def test_visit_logs_are_destroyed_after_three_months_once_the_officer_approves(
    server: Server, officer_granted_reader: str
) -> None:
    with (
        server.client("service") as app,
        server.client("admin") as admin,
        server.client("handler") as clerk,
        server.client("privacy_officer") as officer,
        server.client("auditor") as auditor,
    ):
        subject_id = _member(app)
        record_id = _add_record(app, subject_id, "visit_logs", VISIT)
        [kept] = _statutory_records(clerk, subject_id)
        assert kept["store"] == "separate"  # kept for the statute alone from the start

        _advance(admin, 100)
        preview = _sweep(admin, dry_run=True)
        assert preview["dry_run"] is True and preview["queued"] >= 1
        assert _record_task(admin, subject_id, record_id)["status"] == "scheduled"

        _sweep(admin)
        first = _record_task(admin, subject_id, record_id)
        assert first["status"] == "awaiting_approval" and first["rule"] == "statute:visit_logs"
        queued = auditor.get("/v1/retention/queue").json()
        assert any(b["id"] == first["batch_id"] and "visit_logs" in b["items"] for b in queued)

        # The officer refuses, then sends the work back; the next sweep queues it again.
        rejected = officer.post(
            f"/v1/retention/batches/{first['batch_id']}/reject", json={"reason": "dispute_open"}
        )
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        assert _record_task(admin, subject_id, record_id)["status"] == "rejected"
        requeued = officer.post(f"/v1/retention/batches/{first['batch_id']}/requeue")
        assert requeued.status_code == 200, requeued.text
        _sweep(admin)
        task = _record_task(admin, subject_id, record_id)
        assert task["status"] == "awaiting_approval" and task["batch_id"] != first["batch_id"]
        batch_id = task["batch_id"]

        _sweep(admin)  # no approval, no destruction
        assert len(_statutory_records(clerk, subject_id)) == 1
        for role in ("handler", "admin"):
            with server.client(role) as other:
                refused = other.post(f"/v1/retention/batches/{batch_id}/approve")
            _uniform(refused, 403, "forbidden")
        assert _record_task(admin, subject_id, record_id)["status"] == "awaiting_approval"

        approved = officer.post(f"/v1/retention/batches/{batch_id}/approve")
        assert approved.status_code == 200 and approved.json()["tasks"] >= 1, approved.text
        report = _sweep(admin)
        assert report["destroyed_records"] >= 1 and report["certificates"]
        assert _statutory_records(clerk, subject_id) == []
        assert _record_task(admin, subject_id, record_id)["status"] == "done"

        [summary] = [
            c for c in auditor.get("/v1/retention/certificates").json() if c["batch_id"] == batch_id
        ]
        as_json = auditor.get(f"/v1/retention/certificates/{summary['id']}")
        as_html = auditor.get(
            f"/v1/retention/certificates/{summary['id']}", headers={"Accept": "text/html"}
        )
        by_query = auditor.get(
            f"/v1/retention/certificates/{summary['id']}", params={"format": "html"}
        )
    assert as_json.headers["content-type"].startswith("application/json")
    certificate = CertificateOut.model_validate(as_json.json())  # the document is as declared
    [group] = [g for g in certificate.groups if g.rule == "statute:visit_logs"]
    assert group.statute is not None
    assert group.statute.statute == "Communications Secret Protection Act"
    assert group.records["visit_logs"] >= 1 and group.action == "destroy"
    assert [a.by for a in certificate.approvals] == [ACTORS["privacy_officer"]]
    assert as_html.headers["content-type"].startswith("text/html")
    assert by_query.text == as_html.text
    for text in (as_json.text, as_html.text):
        assert "statute:visit_logs" in text and "Communications Secret Protection Act" in text
        for secret in (subject_id, record_id, VISIT["ip"], VISIT["path"], EMAIL, NAME):
            assert secret not in text


def test_a_hold_on_the_subject_stops_destruction_until_it_is_released(
    server: Server, officer_granted_reader: str
) -> None:
    with (
        server.client("service") as app,
        server.client("admin") as admin,
        server.client("handler") as clerk,
        server.client("privacy_officer") as officer,
    ):
        subject_id = _member(app)
        record_id = _add_record(app, subject_id, "visit_logs", VISIT)
        _advance(admin, 100)
        _sweep(admin)
        batch_id = _record_task(admin, subject_id, record_id)["batch_id"]
        assert officer.post(f"/v1/retention/batches/{batch_id}/approve").status_code == 200

        hold = {"subject_id": subject_id, "reason": "investigation", "reference": "case-2026-17"}
        _uniform(clerk.post("/v1/holds", json=hold), 403, "forbidden")
        placed = officer.post("/v1/holds", json=hold)
        assert placed.status_code == 201, placed.text
        hold_id = placed.json()["id"]
        assert placed.json()["placed_by"] == ACTORS["privacy_officer"]
        assert [h["id"] for h in officer.get("/v1/holds").json()] == [hold_id]

        _sweep(admin)  # approved, due, and held: left alone, and the approval is void
        held = _record_task(admin, subject_id, record_id)
        assert held["held"] is True and held["status"] == "scheduled"
        assert len(_statutory_records(clerk, subject_id)) == 1

        assert officer.delete(f"/v1/holds/{hold_id}").status_code == 204
        _uniform(officer.delete(f"/v1/holds/{hold_id}"), 404, "hold_not_found")
        assert officer.get("/v1/holds").json() == []
        [released] = officer.get("/v1/holds", params={"all": "true"}).json()
        assert released["released_by"] == ACTORS["privacy_officer"]

        # queued again, in a new batch, for a new decision
        assert _sweep(admin)["destroyed_records"] == 0
        requeued = _record_task(admin, subject_id, record_id)
        assert requeued["status"] == "awaiting_approval" and requeued["batch_id"] != batch_id
        approve = f"/v1/retention/batches/{requeued['batch_id']}/approve"
        assert officer.post(approve).status_code == 200
        assert _sweep(admin)["destroyed_records"] >= 1
        assert _record_task(admin, subject_id, record_id)["status"] == "done"
        assert _statutory_records(clerk, subject_id) == []


def test_bad_input_gets_the_uniform_error_and_changes_nothing(
    server: Server, officer_granted_reader: str
) -> None:
    with (
        server.client("service") as app,
        server.client("admin") as admin,
        server.client("handler") as clerk,
        server.client("privacy_officer") as officer,
    ):
        subject_id = _member(app)
        records = f"/v1/subjects/{subject_id}/records"
        now = _now(app)
        deadlines_before = admin.get(f"/v1/subjects/{subject_id}/deadlines").json()
        holds_before = officer.get("/v1/holds", params={"all": "true"}).json()
        valid = {"record_type": "visit_logs", "occurred_at": now.isoformat(), "payload": VISIT}

        refusals = [
            (app.post(records, json={**valid, "record_type": "diary_of_" + NAME}), 422),
            (
                app.post(
                    records, json={**valid, "occurred_at": (now + timedelta(days=1)).isoformat()}
                ),
                422,
            ),
            (app.post(records, json={**valid, "occurred_at": "2026-01-01T00:00:00"}), 422),
            (app.post(records, json={**valid, "payload": [VISIT["ip"]]}), 422),
            (app.post("/v1/subjects/no-such-subject/records", json=valid), 404),
            (officer.post("/v1/holds", json={"subject_id": subject_id, "reference": "x"}), 422),
            (
                officer.post(
                    "/v1/holds",
                    json={"subject_id": subject_id, "reason": NAME, "reference": "case-1"},
                ),
                422,
            ),
            (
                officer.post(
                    "/v1/holds",
                    json={
                        "subject_id": subject_id,
                        "record_type": "visit_logs",
                        "reason": "litigation",
                        "reference": "case-1",
                    },
                ),
                422,
            ),
            (officer.post("/v1/retention/batches/no-such-batch/approve"), 404),
            (officer.post("/v1/retention/batches/no-such-batch/reject", json={}), 422),
            (
                officer.post(
                    "/v1/retention/batches/no-such-batch/reject", json={"reason": "dispute_open"}
                ),
                404,
            ),
            (officer.post("/v1/retention/batches/no-such-batch/requeue"), 404),
            (officer.get("/v1/retention/certificates/no-such-certificate"), 404),
            (officer.post("/v1/retention/sweep", json={}), 403),
            (admin.post("/v1/retention/sweep", json={"dry_run": "maybe"}), 422),
        ]
        for response, status in refusals:
            assert response.status_code == status, (response.request.url, response.text)
            assert set(response.json()) == ERROR_KEYS, response.text
            for value in (NAME, VISIT["ip"], "diary_of"):
                assert value not in response.text, response.text
        assert [r.json()["code"] for r, _ in refusals[8:13]] == [
            "batch_not_found",
            "invalid_request",
            "batch_not_found",
            "batch_not_found",
            "certificate_not_found",
        ]

        assert _statutory_records(clerk, subject_id) == []
        assert admin.get(f"/v1/subjects/{subject_id}/deadlines").json() == deadlines_before
        assert officer.get("/v1/holds", params={"all": "true"}).json() == holds_before
        statistics = officer.get("/v1/retention/statistics")
        assert statistics.status_code == 200 and isinstance(statistics.json()["anonymised"], dict)
