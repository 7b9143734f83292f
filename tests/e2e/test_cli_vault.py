"""The staff CLI of the vault as an operator runs it: the installed console script, a vault
home in a temporary directory, real exit codes."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policyvault.cli.main import app
from policyvault.services.policy_files import load_policy
from tests.e2e.runner import (
    POLICY,
    ROOT,
    as_actor,
    ok,
    one_error_line,
    policyvault,
    verify_audit_log,
)

BROKEN = ROOT / "tests" / "policies" / "broken" / "unknown-category.yaml"
POINT = "product_inquiry"
PURPOSE = "product.inquiry"
CLERK = "clerk-1"
# Reserved fake data (example.com, 555-01xx); distinctive enough to search the raw bytes for.
COMPANY = "Quillfeather Example Trading"
CONTACT = "Ottoline Example-Wrenfield"
EMAIL = "ottoline.inquiry@example.com"
PHONE = "+1 202 555 0143"
PHONE_STORED = "+12025550143"


def test_init_creates_a_sandbox_vault_with_a_private_master_key(home: Path) -> None:
    out = ok(policyvault(home, "init", "--policy", str(POLICY), "--sandbox"))
    assert f"created a sandbox vault in {home.resolve()}" in out
    assert str(home.resolve() / "master.key") in out
    assert f"sqlite:///{home.resolve() / 'policyvault.db'}" in out
    assert stat.S_IMODE((home / "master.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "audit-signing-key.pem").stat().st_mode) == 0o600
    assert f"policy:       {POLICY} (stored as policy version 1)" in out
    [first] = json.loads(ok(policyvault(home, "policy", "versions", "--json")))
    assert first["number"] == 1 and first["status"] == "in_force"
    assert first["sha256"] == hashlib.sha256(POLICY.read_bytes()).hexdigest()
    assert not (home / "policies").exists()  # the database holds the versions


def test_init_refuses_an_existing_vault(sandbox: Path) -> None:
    again = policyvault(sandbox, "init", "--policy", str(POLICY))
    assert again.returncode == 1
    assert one_error_line(again) == f"error: {sandbox} already holds a vault"


def test_init_with_a_broken_policy_lists_its_errors_and_creates_nothing(home: Path) -> None:
    result = policyvault(home, "init", "--policy", str(BROKEN))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{BROKEN}:20:15: E122 ")
    assert not (home / "vault.json").exists()


def test_a_production_vault_refuses_the_simulated_clock(home: Path) -> None:
    out = ok(policyvault(home, "init", "--policy", str(POLICY)))
    assert "created a production vault" in out
    for verb in (["set", "2031-01-01T00:00:00Z"], ["advance", "P3M"], ["show"]):
        result = policyvault(home, "clock", *verb)
        assert result.returncode == 1
        assert one_error_line(result) == (
            "error: this is a production vault: its clock is the real one"
        )


def test_the_sandbox_clock_advances_and_never_goes_back(sandbox: Path) -> None:
    def time_of(result: subprocess.CompletedProcess[str]) -> datetime:
        return datetime.fromisoformat(ok(result).split()[0])

    before = time_of(policyvault(sandbox, "clock", "show"))
    moved = time_of(policyvault(sandbox, "clock", "advance", "P3M"))
    assert 89 <= (moved - before).days <= 92
    # The simulated clock runs on from where it was moved, at the pace of real time.
    assert (
        timedelta(0)
        <= time_of(policyvault(sandbox, "clock", "show")) - moved
        < timedelta(minutes=5)
    )
    assert time_of(policyvault(sandbox, "clock", "advance", "10d")) - moved >= timedelta(days=10)
    assert policyvault(sandbox, "clock", "advance", "soon").returncode == 2
    back = policyvault(sandbox, "clock", "set", "2001-01-01")
    assert back.returncode == 2
    assert "forward only" in one_error_line(back)
    later = time_of(policyvault(sandbox, "clock", "set", "2040-01-01T09:00:00+09:00"))
    assert later - datetime(2040, 1, 1, tzinfo=UTC) < timedelta(minutes=5)


def test_api_keys_are_shown_once_listed_without_hashes_and_revoked(sandbox: Path) -> None:
    created = ok(policyvault(sandbox, "apikey", "create", "--role", "handler", "--actor", "crm-1"))
    secret = next(word for word in created.split() if word.startswith("pvk_"))
    assert "Authorization: Bearer <key>" in created
    key_id = created.split()[3]
    listed = json.loads(ok(policyvault(sandbox, "apikey", "list", "--json")))
    assert listed == [
        {
            "id": key_id,
            "role": "handler",
            "actor": "crm-1",
            "created_at": listed[0]["created_at"],
            "revoked_at": None,
        }
    ]
    table = ok(policyvault(sandbox, "apikey", "list"))
    stored = json.loads((sandbox / "api-keys.json").read_text())[0]["key_hash"]
    assert key_id in table and stored not in table and secret not in table
    assert ok(policyvault(sandbox, "apikey", "revoke", key_id)) == f"revoked API key {key_id}\n"
    assert json.loads(ok(policyvault(sandbox, "apikey", "list", "--json")))[0]["revoked_at"]
    assert policyvault(sandbox, "apikey", "revoke", key_id).returncode == 2
    bad_role = policyvault(sandbox, "apikey", "create", "--role", "boss", "--actor", "crm-1")
    assert bad_role.returncode == 2
    assert "role 'boss' is not one of" in one_error_line(bad_role)


def _inquiry_arguments() -> list[str]:
    """A product inquiry with the items and the separate consents the policy asks there."""
    point = load_policy(POLICY).collection_points[POINT]
    values = {"company_name": COMPANY, "contact_person": CONTACT, "email": EMAIL, "phone": PHONE}
    assert set(point.required) <= set(values)
    arguments = ["--point", POINT]
    for key, value in values.items():
        arguments += ["--value", f"{key}={value}"]
    for request in point.consents:
        if request.required:
            arguments += ["--consent", f"{request.category.value}:{','.join(request.purposes)}"]
    return arguments


def test_collect_grant_read_withdraw_deny_and_the_log_verifies(sandbox: Path) -> None:
    staff = as_actor(sandbox, CLERK)

    collected = json.loads(ok(staff("subject", "collect", *_inquiry_arguments(), "--json")))
    subject = collected["subject_id"]
    assert collected["item_keys"] == sorted(["company_name", "contact_person", "email", "phone"])
    assert "collection_use" in collected["consents"]
    find = ["subject", "find", "--purpose", PURPOSE, "--email", EMAIL.upper()]
    assert staff(*find).returncode == 3  # a lookup needs a grant, like a read

    read = ["subject", "read", subject, "--items", "email,contact_person", "--purpose", PURPOSE]
    no_grant = staff(*read)
    assert no_grant.returncode == 3
    assert no_grant.stderr.startswith("denied by rule no_grant: ")
    assert EMAIL not in no_grant.stdout + no_grant.stderr

    granted = ok(policyvault(sandbox, "grant", "add", "--actor", CLERK, "--purpose", PURPOSE))
    grant_id = granted.split()[1].rstrip(":")
    grants = json.loads(ok(policyvault(sandbox, "grant", "list", "--actor", CLERK, "--json")))
    assert [(g["id"], g["purpose"], g["state"]) for g in grants] == [(grant_id, PURPOSE, "live")]

    assert ok(staff(*find)).split() == [subject]
    table = ok(staff(*read))
    assert EMAIL in table and CONTACT in table
    values = json.loads(ok(staff(*read, "--json")))
    assert values["values"] == {"email": EMAIL, "contact_person": CONTACT}
    assert values["basis"] == "consent"
    disclose = ["subject", "disclose", subject, "--items", "email", "--purpose", PURPOSE]
    assert EMAIL in ok(staff(*disclose, "--recipient", "aws"))
    undeclared = staff(*disclose, "--recipient", "acme-1")
    assert undeclared.returncode == 3
    assert undeclared.stderr.startswith("denied by rule unknown_purpose: ")

    withdrawn = ok(
        staff(
            "subject",
            "consent",
            subject,
            "--withdraw",
            "--category",
            "collection_use",
            "--purposes",
            PURPOSE,
        )
    )
    assert withdrawn.startswith("collection_use consent withdrawn for product.inquiry")
    denied = staff(*read)
    assert denied.returncode == 3
    assert denied.stderr.startswith("denied by rule lawful_basis: ")
    assert denied.stdout == ""

    verify_audit_log(sandbox)

    stored = b"".join(
        path.read_bytes() for path in sandbox.glob("policyvault.db*") if path.is_file()
    )
    assert stored, "the SQLite database holds the vault"
    for plaintext in (COMPANY, CONTACT, EMAIL, PHONE_STORED, PHONE_STORED[2:], "Ottoline"):
        assert plaintext.encode() not in stored, plaintext
        assert plaintext.encode("utf-16-le") not in stored, plaintext


def test_choices_events_and_corrections(sandbox: Path) -> None:
    staff = as_actor(sandbox, CLERK)

    subject = json.loads(ok(staff("subject", "collect", *_inquiry_arguments(), "--json")))[
        "subject_id"
    ]
    ok(policyvault(sandbox, "grant", "add", "--actor", CLERK, "--purpose", PURPOSE))
    corrected = "ottoline.new@example.com"
    assert ok(staff("subject", "correct", subject, "email", corrected)) == "corrected email\n"
    assert ok(
        staff("subject", "find", "--purpose", "product.inquiry", "--email", corrected)
    ).split() == [subject]
    gone = staff("subject", "find", "--purpose", "product.inquiry", "--email", EMAIL)
    assert gone.returncode == 0 and gone.stdout == ""

    restricted = ok(staff("subject", "restrict", subject, "--purpose", PURPOSE))
    limit_id = restricted.split()[1]
    read = ["subject", "read", subject, "--items", "email", "--purpose", PURPOSE]
    assert staff(*read).stderr.startswith("denied by rule restricted: ")
    assert ok(staff("subject", "lift", subject, limit_id)) == f"lifted {limit_id}\n"
    assert corrected in ok(staff(*read))

    assert ok(staff("subject", "object", subject, "--marketing")).startswith("marketing_objection ")
    assert ok(staff("subject", "event", subject, "inquiry_completed")).startswith(
        "recorded inquiry_completed at "
    )
    unknown = staff("subject", "event", subject, "moon_landing")
    assert unknown.returncode == 2
    line = one_error_line(unknown)
    assert "neither built in nor declared" in line
    assert "moon_landing" not in line  # a caller's text is never echoed back


def test_bad_input_is_one_line_without_personal_values(sandbox: Path) -> None:
    staff = as_actor(sandbox, CLERK)

    bad_email = staff(
        "subject",
        "collect",
        "--point",
        POINT,
        "--value",
        "email=not-an-address-Ottoline",
        "--value",
        f"company_name={COMPANY}",
    )
    assert bad_email.returncode == 2
    line = one_error_line(bad_email)
    assert "Ottoline" not in line and COMPANY not in line

    missing = staff(
        "subject", "read", "no-such-subject-1", "--items", "email", "--purpose", PURPOSE
    )
    assert missing.returncode == 2
    assert one_error_line(missing) == "error: no subject 'no-such-subject-1' in this vault"

    both = staff(
        "subject", "find", "--purpose", "product.inquiry", "--email", EMAIL, "--phone", PHONE
    )
    assert one_error_line(both) == "error: give exactly one of --email and --phone"

    free_text = policyvault(
        sandbox, "subject", "event", "x-1", "account_closed", "--actor", "Ottoline Example"
    )
    assert free_text.returncode == 2
    assert "Ottoline" not in one_error_line(free_text)

    expired = policyvault(
        sandbox, "grant", "add", "--actor", CLERK, "--purpose", PURPOSE, "--expires", "2001-01-01"
    )
    assert expired.returncode == 2
    assert "future" in one_error_line(expired)
    assert policyvault(sandbox, "grant", "revoke", "no-such-grant").returncode == 2

    no_vault = policyvault(sandbox.parent / "elsewhere", "grant", "list")
    assert no_vault.returncode == 2
    assert one_error_line(no_vault).startswith("error: no vault in ")


VERBS = [
    ["init"],
    ["clock"],
    *[["clock", v] for v in ("show", "set", "advance")],
    ["apikey"],
    *[["apikey", v] for v in ("create", "list", "revoke")],
    ["grant"],
    *[["grant", v] for v in ("add", "list", "revoke")],
    *[["policy", v] for v in ("apply", "versions", "activate")],
    ["subject"],
    *[
        ["subject", v]
        for v in (
            "collect",
            "read",
            "disclose",
            "consent",
            "object",
            "restrict",
            "lift",
            "event",
            "correct",
            "find",
        )
    ],
]


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: " ".join(v))
def test_every_vault_verb_has_help(verb: list[str]) -> None:
    result = CliRunner().invoke(app, [*verb, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
