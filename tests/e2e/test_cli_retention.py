"""Retention from the command line, as an operator and the privacy officer run it: statutory
records, the sweeper, approvals, certificates, legal holds, and the sweeper that
``policyvault serve`` runs on its own. The installed console script, real exit codes, a
sandbox vault whose simulated clock stands in for months."""

from __future__ import annotations

import json
import logging
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policyvault.cli.main import app
from policyvault.cli.serve import SweepSchedule
from policyvault.services.retention.sweeper import Progress, SweepReport
from policyvault.services.vault.context import SubjectNotFound
from tests.e2e.runner import (
    POLICY,
    as_actor,
    clean_environ,
    executable,
    free_port,
    ok,
    one_error_line,
    policyvault,
    verify_audit_log,
)

CLERK = "clerk-1"
OFFICER = ["--actor", "officer-1", "--role", "privacy_officer"]
STATUTE = "Communications Secret Protection Act"
# Reserved fake data: an example.com address and a TEST-NET-1 address (RFC 5737).
NAME = "Ottoline Example-Wrenfield"
EMAIL = "ottoline.visit@example.com"
VISITED_FROM = "192.0.2.77"
VISIT = json.dumps({"ip": VISITED_FROM, "path": "/pricing"})
LONG_AGO = "2020-01-01T00:00:00Z"  # a visit whose three months ended long before any clock


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(ok(result))


def _collect(home: Path) -> str:
    """A console operator's membership: a subject with nothing of fixed end."""
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


def _add_visit(home: Path, subject: str, occurred_at: str) -> None:
    ok(
        as_actor(home, CLERK)(
            "record", "add", subject, "visit_logs", "--occurred-at", occurred_at, "--payload", VISIT
        )
    )


def _audit(home: Path, *args: str) -> list[dict[str, Any]]:
    database = f"sqlite:///{home / 'policyvault.db'}"
    entries = _json(
        policyvault(home, "audit", "log", "-d", database, "--limit", "10000", "--json", *args)
    )
    assert isinstance(entries, list)
    return entries


def test_a_visit_log_is_queued_approved_destroyed_and_certified(sandbox: Path) -> None:
    subject = _collect(sandbox)
    now = ok(policyvault(sandbox, "clock", "show")).split()[0]
    _add_visit(sandbox, subject, now)
    ok(policyvault(sandbox, "clock", "advance", "P3M1D"))

    queued = _json(policyvault(sandbox, "sweep", "--json"))
    assert (queued["queued"], queued["destroyed_records"], queued["awaiting_approval"]) == (1, 0, 1)
    [batch] = _json(policyvault(sandbox, "retention", "queue", "--json"))
    assert batch["id"] == queued["batch_id"] and batch["rules"] == {"statute:visit_logs": 1}

    as_handler = as_actor(sandbox, CLERK)("retention", "approve", batch["id"])
    assert "privacy officer" in one_error_line(as_handler, 3)
    # Nothing is approved yet, and the overdue work fails a monitoring run.
    waiting = policyvault(sandbox, "sweep", "--dry-run", "--fail-on-overdue", "--json")
    assert waiting.returncode == 1
    assert json.loads(waiting.stdout)["overdue"] == {"awaiting_approval": 1}
    assert "past their due date: 1" in waiting.stderr

    approved = ok(policyvault(sandbox, "retention", "approve", batch["id"], *OFFICER))
    assert approved == f"approved 1 tasks in batch {batch['id']}\n"
    preview = _json(policyvault(sandbox, "sweep", "--dry-run", "--json"))
    assert preview["dry_run"] and preview["destroyed_records"] == 1
    assert preview["certificates"] == []

    swept = ok(policyvault(sandbox, "sweep"))  # the dry run left the work to do
    assert "records destroyed   │ 1" in swept
    certificate_id = swept.split("issued certificate ")[1].split()[0]
    [listed] = _json(policyvault(sandbox, "retention", "certificates", "--json"))
    assert listed["id"] == certificate_id and listed["rules"] == ["statute:visit_logs"]

    body = _json(policyvault(sandbox, "retention", "certificate", certificate_id))
    [group] = body["groups"]
    assert group["statute"]["statute"] == STATUTE and group["records"] == {"visit_logs": 1}
    assert body["approvals"][0]["by"] == "officer-1"
    page = sandbox / "certificate.html"
    ok(
        policyvault(
            sandbox,
            "retention",
            "certificate",
            certificate_id,
            "--format",
            "html",
            "--output",
            str(page),
        )
    )
    html = page.read_text()
    assert "<html" in html and STATUTE in html and "statute:visit_logs" in html
    for exported in (json.dumps(body), html):
        assert subject not in exported and VISITED_FROM not in exported

    [task] = _json(policyvault(sandbox, "retention", "deadlines", subject, "--json"))
    assert task["status"] == "done" and task["certificate_id"] == certificate_id
    verify_audit_log(sandbox)


def test_a_hold_stops_destruction_until_it_is_released(sandbox: Path) -> None:
    subject = _collect(sandbox)
    _add_visit(sandbox, subject, LONG_AGO)
    reference = "CASE-4471/2027 Wrenfield"
    place = ["hold", "place", "--subject", subject, "--reason", "investigation"]
    refused = as_actor(sandbox, CLERK)(*place, "--reference", reference)
    assert one_error_line(refused, 3) == (
        "error: legal holds are placed and released by the privacy officer"
    )
    placed = ok(policyvault(sandbox, *place, "--reference", reference, *OFFICER))
    hold_id = placed.split()[2]

    held = _json(policyvault(sandbox, "sweep", "--json"))
    assert (held["queued"], held["held"]) == (0, 1)
    [listed] = _json(policyvault(sandbox, "hold", "list", "--json"))
    assert (listed["id"], listed["reference"], listed["active"]) == (hold_id, reference, True)

    ok(policyvault(sandbox, "hold", "release", hold_id, *OFFICER))
    resumed = _json(policyvault(sandbox, "sweep", "--json"))
    assert (resumed["queued"], resumed["held"]) == (1, 0)

    entries = _audit(sandbox)
    actions = [e["action"] for e in entries]
    assert "retention.hold" in actions and "retention.release_hold" in actions
    assert "CASE-4471" not in json.dumps(entries)  # the operator sees it; the audit log never


def test_statutory_records_are_read_for_their_purpose_alone(sandbox: Path, tmp_path: Path) -> None:
    subject = _collect(sandbox)
    payload = tmp_path / "visit.json"
    payload.write_text(VISIT)
    staff = as_actor(sandbox, CLERK)
    ok(
        staff(
            "record",
            "add",
            subject,
            "visit_logs",
            "--occurred-at",
            LONG_AGO,
            "--payload",
            f"@{payload}",
        )
    )

    other = staff("record", "read", subject, "--purpose", "membership.management")
    assert "legal.statutory_retention" in one_error_line(other, 3)
    assert VISITED_FROM not in other.stdout + other.stderr
    [denied] = _audit(sandbox, "--action", "record.read")
    assert denied["subject_id"] == subject and not denied["decision"]["allowed"]

    ok(
        policyvault(
            sandbox, "grant", "add", "--actor", CLERK, "--purpose", "legal.statutory_retention"
        )
    )
    [record] = _json(
        staff("record", "read", subject, "--purpose", "legal.statutory_retention", "--json")
    )
    assert record["payload"] == json.loads(VISIT)
    assert (record["record_type"], record["store"]) == ("visit_logs", "separate")


def test_bad_input_exits_2_and_changes_nothing(sandbox: Path) -> None:
    subject = _collect(sandbox)
    staff = as_actor(sandbox, CLERK)
    before = len(_audit(sandbox))
    add = ["record", "add", subject]
    attempts = {
        "unknown record type": staff(
            *add, "wiretaps", "--occurred-at", LONG_AGO, "--payload", VISIT
        ),
        "in the future": staff(
            *add, "visit_logs", "--occurred-at", "2999-01-01", "--payload", VISIT
        ),
        "not JSON": staff(
            *add, "visit_logs", "--occurred-at", LONG_AGO, "--payload", f"ip={VISITED_FROM}"
        ),
        "bad batch": policyvault(sandbox, "retention", "approve", "no-such-batch", *OFFICER),
        "no reason": policyvault(sandbox, "retention", "reject", "no-such-batch", *OFFICER),
    }
    for what, result in attempts.items():
        assert result.returncode == 2, (what, result.stderr)
        assert VISITED_FROM not in result.stderr and "Traceback" not in result.stderr, what
    assert "Missing option '--reason'" in attempts["no reason"].stderr
    assert one_error_line(attempts["in the future"]).endswith("occurred in the future")
    assert "wiretaps" not in one_error_line(attempts["unknown record type"])
    assert _json(policyvault(sandbox, "retention", "deadlines", subject, "--json")) == []
    assert len(_audit(sandbox)) == before


def test_serve_sweeps_in_the_background_until_it_stops(tmp_path: Path) -> None:
    """A policy that destroys without approval; work that falls due while the server runs is
    done by its own sweeper (polled for, bounded: the work is a background job)."""
    text = POLICY.read_text()
    assert "  approval_required: true\n" in text
    policy = tmp_path / "no-approval.yaml"
    policy.write_text(text.replace("  approval_required: true\n", ""))
    home = tmp_path / "vault"
    ok(policyvault(home, "init", "--policy", str(policy), "--sandbox"))
    subject = _collect(home)
    log = tmp_path / "serve.log"
    command = [executable(), "serve", "--home", str(home), "--port", str(free_port())]
    env = {**clean_environ(), "PYTHONUNBUFFERED": "1"}
    with log.open("w") as sink:
        server = subprocess.Popen(
            [*command, "--sweep-every", "1"], stdout=sink, stderr=subprocess.STDOUT, env=env
        )
        try:
            _add_visit(home, subject, LONG_AGO)
            deadline = time.monotonic() + 20
            while not _json(policyvault(home, "retention", "certificates", "--json")):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=15)
    [task] = _json(policyvault(home, "retention", "deadlines", subject, "--json"))
    assert task["status"] == "done"
    lines = log.read_text().splitlines()
    done = [line for line in lines if "sweep: " in line and "records destroyed 1" in line]
    assert done and "queued 1" in done[0] and "certificates issued 1" in done[0]
    assert any("Shutting down" in line for line in lines)
    assert subject not in log.read_text() and VISITED_FROM not in log.read_text()


def test_a_failed_scheduled_sweep_is_logged_and_the_next_run_happens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []
    second_run = threading.Event()

    def sweep(progress: Progress) -> SweepReport:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            raise SubjectNotFound("no subject 'subject-77' in this vault")
        second_run.set()
        return SweepReport(at=datetime.now(UTC), dry_run=False, overdue={"rejected": 2})

    schedule = SweepSchedule(sweep, every=0.01)
    with caplog.at_level(logging.INFO, logger="policyvault.sweeper"):
        schedule.start()
        assert second_run.wait(10)  # a background thread's next run, not a deadline
        schedule.stop()
    assert "sweep failed (subject_not_found)" in caplog.text
    assert "retention work past its due date: 2 (rejected 2)" in caplog.text
    assert "subject-77" not in caplog.text


VERBS = [
    ["sweep"],
    ["serve"],
    ["record"],
    *[["record", v] for v in ("add", "read")],
    ["hold"],
    *[["hold", v] for v in ("place", "release", "list")],
    ["retention"],
    *[
        ["retention", v]
        for v in (
            "queue",
            "approve",
            "reject",
            "requeue",
            "deadlines",
            "certificates",
            "certificate",
            "statistics",
        )
    ],
]


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: " ".join(v))
def test_every_retention_verb_has_help(verb: list[str]) -> None:
    result = CliRunner().invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_a_refused_approval_or_hold_leaves_an_audit_entry(sandbox: Path) -> None:
    staff = as_actor(sandbox, CLERK)
    assert staff("retention", "approve", "some-batch").returncode == 3
    place = ["hold", "place", "--record-type", "visit_logs", "--reason", "investigation"]
    assert staff(*place, "--reference", "CASE-1").returncode == 3
    refused = [e["action"] for e in _audit(sandbox) if not e["decision"]["allowed"]]
    assert refused == ["retention.approve", "retention.hold"]
