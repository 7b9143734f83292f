"""``policyvault audit ...`` as an operator and an outside auditor use it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from policyvault.cli import audit as audit_cli
from policyvault.cli.main import app
from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Action, Actor, AuditEvent, Decision
from policyvault.domain.clock import SimulatedClock
from policyvault.services.audit import AuditLog
from policyvault.storage.audit_sql import SqliteAuditStore, sqlite_engine

runner = CliRunner()
COMMANDS = [
    "keygen",
    "export-public-key",
    "checkpoint",
    "verify",
    "prove",
    "prove-consistency",
    "check-proof",
    "log",
    "prune",
]


class Vault:
    """A SQLite audit log on disk with its key files, as the vault leaves them."""

    def __init__(self, root: Path, entries: int = 30) -> None:
        self.db = root / "vault.db"
        self.url = f"sqlite:///{self.db}"
        self.key = root / "audit-key.pem"
        self.public = root / "audit-key.pub.pem"
        signer = CheckpointSigner.generate()
        self.key.write_bytes(signer.to_pem())
        self.public.write_bytes(signer.verifier.to_pem())
        store = SqliteAuditStore(sqlite_engine(self.db, synchronous="NORMAL"), owns_engine=True)
        store.create_schema()
        clock = SimulatedClock(datetime(2026, 4, 1, 9, tzinfo=UTC))
        log = AuditLog(store, clock, signer=signer, checkpoint_every=10)
        try:
            for n in range(entries):
                clock.advance(timedelta(minutes=1))
                log.record(
                    AuditEvent(
                        actor=Actor(f"staff_{n % 2}", "cs_agent", "192.0.2.44"),
                        action=Action.download if n % 10 == 9 else Action.view,
                        decision=(
                            Decision.deny("consent", "consent to marketing.email withdrawn")
                            if n % 7 == 6
                            else Decision.allow("purpose", "customer_support allows it")
                        ),
                        subject_id=f"subj_{n % 3}",
                        purpose="customer_support",
                        item_keys=("user.contact.email",),
                        request_id=f"req_{n}",
                    )
                )
        finally:
            store.close()

    def sql(self, statement: str, *args: object) -> None:
        with sqlite3.connect(self.db) as conn:
            conn.execute(statement, args)
        conn.close()


def audit(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["audit", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(tmp_path)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = audit(command, "--help")
    assert code == 0 and "Usage" in out


def test_verify_an_intact_log(vault: Vault) -> None:
    code, out, _ = audit("verify", "-d", vault.url, "--public-key", str(vault.public))
    assert code == 0, out
    assert out.strip() == "intact: 30 entries from seq 1, 3 checkpoint(s)"
    code, out, _ = audit("verify", "-d", vault.url, "--signing-key", str(vault.key), "--json")
    assert code == 0 and json.loads(out)["last_seq"] == 30


def test_verify_names_the_first_bad_seq(vault: Vault) -> None:
    vault.sql("UPDATE audit_entries SET actor_id = 'staff_9' WHERE seq = 17")
    vault.sql("DELETE FROM audit_entries WHERE seq = 23")
    code, out, _ = audit("verify", "-d", vault.url, "--public-key", str(vault.public), "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and report["first_bad_seq"] == 17
    code, out, _ = audit("verify", "-d", vault.url, "--public-key", str(vault.public))
    assert code == 1 and out.startswith("BROKEN at seq 17: ")


def test_a_checkpoint_kept_outside_catches_a_careful_truncation(vault: Vault) -> None:
    outside = vault.db.parent / "checkpoint.json"
    code, _, _ = audit(
        "checkpoint", "-d", vault.url, "--signing-key", str(vault.key), "--out", str(outside)
    )
    assert code == 0 and json.loads(outside.read_text())["tree_size"] == 30
    with sqlite3.connect(vault.db) as conn:
        (head,) = conn.execute("SELECT entry_hash FROM audit_entries WHERE seq = 25").fetchone()
        conn.execute("DELETE FROM audit_entries WHERE seq > 25")
        conn.execute("DELETE FROM audit_checkpoints WHERE tree_size > 25")
        conn.execute("UPDATE audit_state SET head_seq = 25, head_hash = ?", (head,))
    conn.close()
    args = ["verify", "-d", vault.url, "--public-key", str(vault.public)]
    assert audit(*args)[0] == 0
    code, out, _ = audit(*args, "--checkpoint", str(outside))
    assert code == 1 and out.startswith("BROKEN at seq 26: ")


def test_bad_input_exits_2_with_one_line(vault: Vault, tmp_path: Path) -> None:
    cases = [
        ["verify", "-d", vault.url, "--signing-key", str(tmp_path / "none.pem")],
        ["verify", "-d", f"sqlite:///{tmp_path / 'missing.db'}", "--public-key", str(vault.public)],
        ["verify", "-d", "mysql://localhost/x", "--public-key", str(vault.public)],
        ["verify", "-d", vault.url, "--public-key", str(vault.key)],  # a private key
        ["prove", "999", "-d", vault.url, "--signing-key", str(vault.key)],
        ["log", "-d", vault.url, "--since", "yesterday"],
        ["check-proof", str(vault.public), "--public-key", str(vault.public)],
    ]
    for args in cases:
        code, _, err = audit(*args)
        assert code == 2, args
        assert err.startswith("error: ") and err.count("\n") == 1, err


def test_prove_and_check_offline(vault: Vault) -> None:
    proof_file = vault.db.parent / "proof.json"
    code, _, _ = audit("prove", "12", "-d", vault.url, "--out", str(proof_file))
    assert code == 0
    proof = json.loads(proof_file.read_text())
    assert proof["seq"] == 12 and proof["tree_size"] == 30

    vault.db.unlink()  # the auditor has the proof and the public key, no database
    code, out, _ = audit("check-proof", str(proof_file), "--public-key", str(vault.public))
    assert code == 0 and out.startswith("ok: entry 12 is in the signed tree of size 30")

    proof["entry"] = proof["entry"].replace('"allowed":true', '"allowed":false')
    proof_file.write_text(json.dumps(proof))
    code, out, _ = audit("check-proof", str(proof_file), "--public-key", str(vault.public))
    assert code == 1 and out.startswith("INVALID: ")


def test_prove_consistency_and_check_it(vault: Vault) -> None:
    code, out, _ = audit("prove-consistency", "10", "-d", vault.url)
    assert code == 0
    proof_file = vault.db.parent / "consistency.json"
    proof_file.write_text(out)
    code, out, _ = audit("check-proof", str(proof_file), "--public-key", str(vault.public))
    assert code == 0 and "size 10 is a prefix of the signed tree of size 30" in out


def test_log_filters_and_pages(vault: Vault) -> None:
    code, out, _ = audit("log", "-d", vault.url, "--json", "--decision", "denied")
    assert code == 0
    assert [e["seq"] for e in json.loads(out)] == [7, 14, 21, 28]
    code, out, _ = audit("log", "-d", vault.url, "--json", "--action", "download")
    assert [e["seq"] for e in json.loads(out)] == [10, 20, 30]
    both = ["--subject", "subj_1", "--actor", "staff_0"]
    code, out, _ = audit("log", "-d", vault.url, "--json", *both)
    assert [e["seq"] for e in json.loads(out)] == [5, 11, 17, 23, 29]
    since, until = "2026-04-01T09:05:00", "2026-04-01T09:08:00+00:00"
    code, out, _ = audit("log", "-d", vault.url, "--json", "--since", since, "--until", until)
    assert [e["seq"] for e in json.loads(out)] == [5, 6, 7]

    code, out, err = audit("log", "-d", vault.url, "--limit", "12")
    assert code == 0 and "staff_1" in out and err.strip() == "next page: --after 12"
    code, out, _ = audit("log", "-d", vault.url, "--json", "--after", "24", "--limit", "12")
    assert [e["seq"] for e in json.loads(out)] == list(range(25, 31))


def test_keys(tmp_path: Path) -> None:
    key = tmp_path / "k" / "audit.pem"
    code, out, _ = audit("keygen", "--signing-key", str(key))
    assert code == 0 and "key id" in out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert audit("keygen", "--signing-key", str(key))[0] == 2  # never overwritten silently
    code, out, _ = audit("export-public-key", "--signing-key", str(key))
    assert code == 0 and out.startswith("-----BEGIN PUBLIC KEY-----")
    assert "PRIVATE" not in out


def test_prune_behind_a_checkpoint(vault: Vault) -> None:
    code, out, _ = audit(
        "prune", "-d", vault.url, "--signing-key", str(vault.key), "--subject-count", "100"
    )
    assert code == 0 and out.startswith("nothing to prune")  # entries are from 2026-04-01


def test_the_progress_bar_path_on_large_logs(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_cli, "PROGRESS_FROM", 10)
    code, out, _ = audit("verify", "-d", vault.url, "--public-key", str(vault.public))
    assert code == 0 and out.startswith("intact")


def test_the_installed_script_exits_0_then_1(vault: Vault) -> None:
    exe = shutil.which("policyvault", path=str(Path(sys.executable).parent))
    assert exe
    args = [exe, "audit", "verify", "-d", vault.url, "--public-key", str(vault.public)]
    assert subprocess.run(args, capture_output=True, check=False, timeout=60).returncode == 0
    vault.sql("UPDATE audit_entries SET body = CAST(body AS BLOB) || x'20' WHERE seq = 3")
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 1 and done.stdout.startswith("BROKEN at seq 3: ")
