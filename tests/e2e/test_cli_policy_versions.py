"""`policyvault policy apply|versions|activate` as an operator runs them: the installed console
script, a sandbox vault in a temporary home, the Megazone policy amended. Published on D with
effective D+7, the new version is refused at D+6 and in force at D+7 (LEGAL item 58); a
significant change holds consent-based reads until the subject consents again (item 8); a
running server follows a version applied from another process; a home made before versions
were vault records keeps its policy.

D is 2030-01-02 in Seoul (the sandbox clock is set there first).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML
from sqlalchemy import text

from policyvault.bootstrap import api_keys, init_vault, open_vault, read_config
from policyvault.domain.errors import Refused
from policyvault.services.policy_versions import list_versions
from policyvault.storage.audit_sql import sqlite_engine
from tests.e2e.runner import (
    POLICY,
    ROOT,
    as_actor,
    clean_environ,
    init_sandbox,
    ok,
    one_error_line,
    policyvault,
    serving,
)

OTHER = ROOT / "examples" / "policies" / "lgcns-optapex.yaml"
D = date(2030, 1, 2)
NOON_ON_D = "2030-01-02T03:00:00Z"  # 12:00 in Seoul
CLERK = "clerk-1"
PURPOSE = "product.inquiry"


def amended(tmp_path: Path, effective: date, *, new_item: bool = False) -> Path:
    """Megazone with a reworded purpose (an ordinary change), or with a job title asked at
    inquiries for product.inquiry (significant: 30 days, re-consent)."""
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(POLICY)
    label = effective.isoformat()
    data.update(version=label, effective_date=effective)
    data["history"].append(
        {"version": label, "effective_date": effective, "summary": {"en": "Amended", "ko": "개정"}}
    )
    if new_item:
        data["items"]["job_title"] = {
            "label": {"en": "Job title", "ko": "직함"},
            "category": "user.job_title",
            "type": "text",
            "max_length": 100,
        }
        data["purposes"][PURPOSE]["items"].append("job_title")
        data["collection_points"]["product_inquiry"].setdefault("optional", []).append("job_title")
    else:
        data["purposes"][PURPOSE]["description"]["en"] += " (reworded)"
    path = tmp_path / f"megazone-{label}{'-item' if new_item else ''}.yaml"
    YAML(typ="safe", pure=True).dump(data, path)
    return path


def versions(home: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(ok(policyvault(home, "policy", "versions", "--json")))
    return found


@pytest.fixture
def sandbox(sandbox: Path) -> Path:
    """The sandbox vault at noon on D."""
    ok(policyvault(sandbox, "clock", "set", NOON_ON_D))
    return sandbox


def test_published_on_d_effective_d_plus_7_is_refused_at_d_plus_6_and_in_force_at_d_plus_7(
    sandbox: Path, tmp_path: Path
) -> None:
    too_soon = policyvault(sandbox, "policy", "apply", str(amended(tmp_path, D + timedelta(6))))
    line = one_error_line(too_soon, 1)
    assert line.startswith("error: too early: effective_date 2030-01-08 is before 2030-01-09")
    assert "kr-pipa" in line and "PIPA Art 30(2)" in line

    applied = ok(policyvault(sandbox, "policy", "apply", str(amended(tmp_path, D + timedelta(7)))))
    assert applied.startswith(
        "policy version 2 (2030-01-09): in force from 2030-01-09 00:00 Asia/Seoul\n"
    )
    assert "kr-pipa: earliest 2030-01-09" in applied
    assert [(v["number"], v["status"]) for v in versions(sandbox)] == [
        (1, "in_force"),
        (2, "scheduled"),
    ]

    ok(policyvault(sandbox, "clock", "set", "2030-01-08T14:59:00Z"))  # D+6, 23:59 in Seoul
    early = policyvault(sandbox, "policy", "activate", "--version", "2")
    assert "cannot be activated before" in one_error_line(early, 1)
    assert ok(policyvault(sandbox, "policy", "activate")) == (
        "nothing due: the version in force stays\n"
    )
    assert [v["status"] for v in versions(sandbox)] == ["in_force", "scheduled"]

    ok(policyvault(sandbox, "clock", "set", "2030-01-08T15:00:00Z"))  # D+7, 00:00 in Seoul
    first, second = versions(sandbox)  # opening the vault activated it
    assert (first["status"], second["status"]) == ("superseded", "in_force")
    assert second["activated_at"].startswith("2030-01-08T15:00")
    table = ok(policyvault(sandbox, "policy", "versions"))
    assert "in_force" in table and "superseded" in table


def test_apply_refuses_bad_input_in_one_line(sandbox: Path, tmp_path: Path) -> None:
    other = policyvault(sandbox, "policy", "apply", str(OTHER))
    assert "different policy" in one_error_line(other, 2)
    same = policyvault(sandbox, "policy", "apply", str(POLICY))
    assert "policy version 1 already" in one_error_line(same, 1)
    path = str(amended(tmp_path, D + timedelta(7)))
    past = policyvault(sandbox, "policy", "apply", path, "--announced", "2030-01-01")
    assert "before today (2030-01-02" in one_error_line(past, 2)
    not_a_date = policyvault(sandbox, "policy", "apply", path, "--announced", "soon")
    assert one_error_line(not_a_date, 2) == (
        "error: --announced 'soon' is not a date (expected YYYY-MM-DD)"
    )
    missing = policyvault(sandbox, "policy", "apply", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 1 and "cannot read file" in missing.stderr
    assert [v["number"] for v in versions(sandbox)] == [1]


def test_a_significant_change_waits_for_new_consent(sandbox: Path, tmp_path: Path) -> None:
    clerk = as_actor(sandbox, CLERK)

    collected = clerk(
        "subject",
        "collect",
        "--point",
        "product_inquiry",
        "--value",
        "company_name=Quillfeather Example Trading",
        "--value",
        "contact_person=Ottoline Example",
        "--value",
        "email=ottoline.versions@example.com",
        "--value",
        "phone=+1 202 555 0143",
        "--consent",
        f"collection_use:{PURPOSE}",
        "--json",
    )
    subject = json.loads(ok(collected))["subject_id"]
    ok(policyvault(sandbox, "grant", "add", "--actor", CLERK, "--purpose", PURPOSE))
    read = ["subject", "read", subject, "--items", "email", "--purpose", PURPOSE]
    ok(clerk(*read))

    applied = ok(
        policyvault(
            sandbox, "policy", "apply", str(amended(tmp_path, D + timedelta(30), new_item=True))
        )
    )
    assert f"re-consent required once in force: {PURPOSE}" in applied
    ok(clerk(*read))  # the old terms hold until the new version is in force

    ok(policyvault(sandbox, "clock", "set", "2030-02-01T00:00:00Z"))  # 09:00 in Seoul, D+30
    denied = clerk(*read)
    assert denied.returncode == 3
    assert denied.stderr.startswith("denied by rule reconsent_required: ")

    ok(
        clerk(
            "subject",
            "consent",
            subject,
            "--give",
            "--category",
            "collection_use",
            "--purposes",
            PURPOSE,
        )
    )
    assert "ottoline.versions@example.com" in ok(clerk(*read))


def test_a_running_server_follows_a_version_applied_from_another_process(
    sandbox: Path, tmp_path: Path
) -> None:
    environ = clean_environ()
    key = api_keys(read_config(sandbox, environ)).create("auditor", "auditor-1", datetime.now(UTC))
    with serving(sandbox, tmp_path / "server.log", environ) as base:
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key[1]}"}, timeout=30
        )
        with client:
            assert [v["status"] for v in client.get("/v1/policy/versions").json()] == ["in_force"]
            path = str(amended(tmp_path, D + timedelta(7)))
            ok(policyvault(sandbox, "policy", "apply", path))
            listed = client.get("/v1/policy/versions")
            assert listed.status_code == 200
            assert [(v["number"], v["status"]) for v in listed.json()] == [
                (1, "in_force"),
                (2, "scheduled"),
            ]
            assert httpx.get(f"{base}/v1/health").json()["policy_version"] == "2023-08-30"
            ok(policyvault(sandbox, "clock", "set", "2030-01-08T15:00:00Z"))
            assert httpx.get(f"{base}/v1/health").json()["policy_version"] == "2030-01-09"
            second = client.get("/v1/policy/versions").json()[1]
            assert second["status"] == "in_force" and second["activated_at"]
            assert httpx.get(f"{base}/v1/policy/versions").status_code == 401


def test_a_home_made_before_version_records_keeps_its_policy(tmp_path: Path) -> None:
    """Such a home kept version 1 in policies/v1.yaml and its database had no version table:
    opening it migrates the database and stores that file as version 1."""
    home = tmp_path / "vault"
    environ = clean_environ()
    init_sandbox(home, environ)
    engine = sqlite_engine(home / "policyvault.db")
    try:
        with engine.begin() as conn:  # back to how revision 0001 left it
            for table in (
                "vault_policy_versions",
                "vault_records",
                "vault_retention_tasks",
                "vault_holds",
                "vault_certificates",
                "vault_anonymised",
                "vault_settings",
                "vault_requests",
                "vault_request_codes",
                "vault_subject_tokens",
                "vault_downloads",
                "vault_outbox",
                "vault_forwardings",
            ):
                conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    finally:
        engine.dispose()
    (home / "policies").mkdir()
    shutil.copyfile(POLICY, home / "policies" / "v1.yaml")

    runtime = open_vault(home, environ)
    try:
        assert runtime.policy.id == "megazone-cloudplex"
        [view] = list_versions(runtime.vault.context)
    finally:
        runtime.close()
    assert view.version.number == 1 and view.version.sha256 == sha256_of(POLICY)
    assert [v["number"] for v in versions(home)] == [1]  # and only once


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_init_refuses_a_database_that_holds_another_vault(tmp_path: Path) -> None:
    environ = clean_environ()
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    init_vault(tmp_path / "first", POLICY, database_url=url, environ=environ)
    with pytest.raises(Refused, match="belongs to a vault"):
        init_vault(tmp_path / "second", POLICY, database_url=url, environ=environ)
    assert not (tmp_path / "second" / "vault.json").exists()
    assert not (tmp_path / "second" / "master.key").exists()
