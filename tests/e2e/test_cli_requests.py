"""Rights requests from the command line, as the desk staff and the privacy officer work them:
requests that came by letter or phone entered with their receipt time, the freeze a pending
correction puts on its items, deletions approved by the destruction approver, agents'
documents, the desk's background work as a monitoring job, and recipients' endpoints. The
installed console script, real exit codes, a sandbox vault whose clock stands in for weeks."""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policyvault.cli.main import app
from policyvault.domain.requests import RequestKind
from policyvault.domain.requests.deadlines import request_deadlines
from policyvault.services.retention.calendars import request_calendars
from tests.e2e.runner import as_actor, clean_environ, ok, one_error_line, policyvault

CLERK = "clerk-1"
OFFICER = ["--actor", "officer-1", "--role", "privacy_officer"]
STATUTE = "Communications Secret Protection Act"
# Reserved fake data: example.com addresses, a TEST-NET-1 address (RFC 5737).
NAME = "Ottoline Example-Wrenfield"
NEW_NAME = "Ottoline Example-Marchbanks"
EMAIL = "ottoline.requests@example.com"
AGENT = "Bartholomew Example-Proxy"
SECRET = "whsec-0123456789abcdef-example"


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(result))


def _collect(home: Path) -> str:
    """A console operator's membership: email and name, with the consent it needs."""
    collected = as_actor(home, CLERK)(
        "subject",
        "collect",
        "--point",
        "console_start",
        "--value",
        f"email={EMAIL}",
        "--value",
        f"name={NAME}",
        "--consent",
        "collection_use:membership.management",
        "--json",
    )
    return str(_json(collected)["subject_id"])


def _ago(**delta: float) -> datetime:
    """A time before the sandbox clock (which never runs behind real time), to the second."""
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0)


def test_a_letter_correction_freezes_its_item_until_it_is_fulfilled(sandbox: Path) -> None:
    subject = _collect(sandbox)
    ok(policyvault(sandbox, "grant", "add", "--actor", CLERK, "--purpose", "membership.management"))
    staff = as_actor(sandbox, CLERK)
    received = _ago(days=3)
    enter = ["requests", "enter", "--kind", "correction", "--channel", "letter"]
    letter = [*enter, "--subject-id", subject, "--correction", f"name={NEW_NAME}"]

    future = staff(*letter, "--received-at", "2999-01-01T00:00:00Z", "--staff-verified")
    assert one_error_line(future, 2).endswith("lies in the future")
    entered = staff(*letter, "--received-at", received.isoformat(), "--staff-verified", "--json")
    request = _json(entered)
    assert request["status"] == "open"
    # Counted from the day the letter arrived, not the day it was entered.
    due = request_deadlines(
        RequestKind.correction,
        ("kr-pipa",),
        received,
        timezone="Asia/Seoul",
        calendars=request_calendars(("kr-pipa",)),
    ).due_at
    assert datetime.fromisoformat(request["due_at"]) == due
    assert NEW_NAME not in entered.stdout + entered.stderr

    [listed] = _json(policyvault(sandbox, "requests", "list", "--json"))  # the future one: none
    assert listed["id"] == request["request_id"]
    assert (listed["kind"], listed["status"]) == ("correction", "open")
    assert listed["channel"] == "letter" and listed["overdue"] is False
    assert datetime.fromisoformat(listed["received_at"]) == received

    read = ["subject", "read", subject, "--items", "name", "--purpose", "membership.management"]
    frozen = staff(*read)
    assert frozen.returncode == 3 and "pending_request" in frozen.stderr
    assert NAME not in frozen.stdout + frozen.stderr

    fulfilled = ok(staff("requests", "fulfil", request["request_id"]))
    assert fulfilled.startswith(f"fulfilled request {request['request_id']}: completed")
    assert "fulfilled" in fulfilled.split("outcomes")[1] and NEW_NAME not in fulfilled
    assert _json(staff(*read, "--json"))["values"] == {"name": NEW_NAME}


def test_a_deletion_is_approved_by_the_destruction_approver(sandbox: Path) -> None:
    subject = _collect(sandbox)
    staff = as_actor(sandbox, CLERK)
    visit = json.dumps({"ip": "192.0.2.44", "path": "/console"})
    occurred = _ago(hours=1).isoformat()
    ok(staff("record", "add", subject, "visit_logs", "--occurred-at", occurred, "--payload", visit))
    entered = ok(
        staff(
            "requests",
            "enter",
            "--kind",
            "deletion",
            "--channel",
            "phone",
            "--received-at",
            _ago(hours=2).isoformat(),
            "--subject-id",
            subject,
            "--staff-verified",
        )
    )
    assert entered.startswith("entered request ") and ": open, due " in entered
    request_id = entered.split()[2].rstrip(":")

    as_handler = staff("requests", "fulfil", request_id)
    assert "'privacy_officer' role" in one_error_line(as_handler, 1)
    as_system = staff("requests", "fulfil", request_id, "--role", "system")
    assert "--role system" in one_error_line(as_system, 2)
    ok(policyvault(sandbox, "requests", "fulfil", request_id, *OFFICER))

    shown = _json(policyvault(sandbox, "requests", "show", request_id, "--json"))
    assert shown["status"] == "completed" and "overdue" not in shown
    outcomes = {o["target"]: o for o in shown["outcomes"]}
    assert {outcomes[k]["outcome"] for k in ("email", "name")} == {"fulfilled"}
    kept = outcomes["record:visit_logs"]
    assert kept["outcome"] == "kept" and STATUTE in kept["reason"] and kept["until"]
    assert [s["actor_id"] for s in shown["history"] if s["name"] == "fulfilled"] == ["officer-1"]
    assert {m["kind"] for m in shown["messages"]} == {"acknowledgement", "result"}
    page = ok(policyvault(sandbox, "requests", "show", request_id))
    assert "record:visit_logs" in page and STATUTE in page and "history" in page
    for printed in (json.dumps(shown), page):
        assert EMAIL not in printed and NAME not in printed and "192.0.2.44" not in printed


def test_an_agent_request_waits_for_the_officer_to_accept_its_document(
    sandbox: Path, tmp_path: Path
) -> None:
    subject = _collect(sandbox)
    staff = as_actor(sandbox, CLERK)
    document = tmp_path / "power-of-attorney.pdf"
    document.write_bytes(b"%PDF-1.4\n% a power of attorney, Form No. 11\n")
    enter = [
        "requests",
        "enter",
        "--kind",
        "access",
        "--channel",
        "letter",
        "--received-at",
        _ago(days=1).isoformat(),
        "--subject-id",
        subject,
        "--agent-kind",
        "delegate",
        "--agent-name",
        AGENT,
    ]
    undocumented = staff(*enter)
    assert "--agent-document" in one_error_line(undocumented, 2)
    request = _json(staff(*enter, "--agent-document", str(document), "--json"))
    assert request["status"] == "awaiting_agent_review"
    request_id = request["request_id"]

    review = ["requests", "review-agent", request_id]
    assert one_error_line(policyvault(sandbox, *review, "--refuse", *OFFICER), 2) == (
        "error: --refuse needs --reason"
    )
    copy = tmp_path / "review.pdf"
    written = ok(
        policyvault(sandbox, "requests", "agent-document", request_id, "--out", str(copy), *OFFICER)
    )
    assert copy.read_bytes() == document.read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert "application/pdf" in written and AGENT not in written

    accepted = ok(policyvault(sandbox, *review, "--accept", *OFFICER))
    assert f"request {request_id}: completed" in accepted  # an access request acts at once
    every_status = [
        arg
        for status in ("awaiting_agent_review", "open", "completed", "refused", "unverified")
        for arg in ("--status", status)
    ]
    [listed] = _json(policyvault(sandbox, "requests", "list", *every_status, "--json"))
    assert listed["id"] == request_id  # the request without its document was never stored
    assert listed["agent"]["accepted"] is True and listed["agent"]["reviewed_by"] == "officer-1"


def test_requests_work_fails_on_overdue_only_once_the_clock_passes_a_due_date(
    sandbox: Path,
) -> None:
    subject = _collect(sandbox)
    request = _json(
        as_actor(sandbox, CLERK)(
            "requests",
            "enter",
            "--kind",
            "correction",
            "--channel",
            "fax",
            "--received-at",
            _ago(minutes=5).isoformat(),
            "--subject-id",
            subject,
            "--correction",
            f"name={NEW_NAME}",
            "--staff-verified",
            "--json",
        )
    )
    monitor = ["requests", "work", "--fail-on-overdue", "--json"]
    before = _json(policyvault(sandbox, *monitor))
    assert (before["open"], before["overdue"]) == (1, 0)

    ok(policyvault(sandbox, "clock", "advance", "P1M"))  # ten Korean days, and then some
    late = policyvault(sandbox, *monitor)
    assert late.returncode == 1, late.stderr
    assert json.loads(late.stdout)["overdue_ids"] == [request["request_id"]]
    assert "requests past their due date: 1" in late.stderr
    [overdue] = _json(policyvault(sandbox, "requests", "list", "--overdue", "--json"))
    assert overdue["id"] == request["request_id"] and overdue["overdue"] is True


def test_a_recipient_endpoint_takes_its_secret_from_the_environment(sandbox: Path) -> None:
    endpoint = ["recipients", "endpoint", "--actor", "officer-1"]
    webhook = ["--webhook", "https://hooks.example.com/policyvault"]
    undeclared = policyvault(sandbox, *endpoint, "acme", "--email", "privacy@example.com")
    assert one_error_line(undeclared, 2) == "error: the recipient is not declared in the policy"
    unset = policyvault(sandbox, *endpoint, "aws", *webhook, "--secret-env", "PV_TEST_SECRET")
    assert one_error_line(unset, 2) == "error: the environment variable PV_TEST_SECRET is not set"

    environ = clean_environ(PV_TEST_SECRET=SECRET)
    set_ = policyvault(
        sandbox, *endpoint, "aws", *webhook, "--secret-env", "PV_TEST_SECRET", environ=environ
    )
    assert ok(set_) == "recipient aws: webhook endpoint set (signed)\n"
    listed = _json(policyvault(sandbox, "recipients", "list", "--json"))
    assert [(r["id"], r["channel"]) for r in listed] == [("aws", "webhook"), ("google", None)]
    assert SECRET not in json.dumps(listed)


VERBS = [
    ["requests"],
    *[
        ["requests", v]
        for v in (
            "enter",
            "list",
            "show",
            "verify",
            "review-agent",
            "agent-document",
            "fulfil",
            "respond",
            "refuse",
            "extend",
            "link",
            "work",
            "token",
        )
    ],
    ["recipients"],
    *[["recipients", v] for v in ("endpoint", "list")],
]


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: " ".join(v))
def test_every_request_verb_has_help(verb: list[str]) -> None:
    result = CliRunner().invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
