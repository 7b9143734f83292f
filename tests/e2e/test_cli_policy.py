"""The policy CLI as a user runs it: the installed console script, real exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / "examples" / "policies").glob("*.yaml"))
BROKEN = ROOT / "tests" / "policies" / "broken"


def policyvault(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("policyvault", path=str(Path(sys.executable).parent))
    assert exe, "the policyvault console script is installed in the environment"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120, check=False)


def test_every_example_policy_passes_check() -> None:
    result = policyvault("policy", "check", *map(str, POLICIES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok") == len(POLICIES)


def test_a_broken_policy_exits_1_with_file_line_col_code() -> None:
    path = BROKEN / "unknown-category.yaml"
    result = policyvault("policy", "check", str(path))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{path}:20:15: E122 ")
    assert "did you mean 'user.contact.email'?" in result.stdout


def test_valid_and_broken_together_report_both_and_fail() -> None:
    good, bad = POLICIES[0], BROKEN / "bad-country.yaml"
    result = policyvault("policy", "check", str(good), str(bad))
    assert result.returncode == 1
    assert f"{good}: ok" in result.stdout
    assert f"{bad}:" in result.stdout


def test_a_missing_file_is_a_clear_error() -> None:
    result = policyvault("policy", "check", "does-not-exist.yaml")
    assert result.returncode == 1
    assert "does-not-exist.yaml:1:1: E100 cannot read file" in result.stdout


@pytest.mark.parametrize(
    "verb",
    [
        ["--help"],
        ["policy", "--help"],
        *([["policy", v, "--help"] for v in ("check", "lint", "render", "diff", "schema")]),
        ["serve", "--help"],
    ],
    ids=lambda v: " ".join(v),
)
def test_every_verb_has_help(verb: list[str]) -> None:
    result = policyvault(*verb)
    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_schema_export_is_a_json_schema_naming_the_version() -> None:
    import json

    result = policyvault("policy", "schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "PolicyVault policy file (policyvault/v1)"
    assert "items" in schema["properties"]
    assert schema["additionalProperties"] is False


def test_render_to_an_unwritable_path_is_a_one_line_error() -> None:
    result = policyvault("policy", "render", str(POLICIES[0]), "-o", "/nonexistent-dir/notice.html")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: cannot write /nonexistent-dir/notice.html")
    assert "Traceback" not in result.stderr
