"""The broken-policy corpus: each file under tests/policies/broken/ carries one defect and
says on its first line which error code it must produce, and on which line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyvault.services.policy_files import read_policy_file

CORPUS = Path(__file__).resolve().parents[2] / "policies"
BROKEN = sorted((CORPUS / "broken").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (?P<code>E\d{3}) line (?P<line>\d+)$")


def test_the_corpus_is_large_enough() -> None:
    assert len(BROKEN) >= 25


def test_the_base_of_the_corpus_is_valid() -> None:
    result = read_policy_file(CORPUS / "minimal.yaml")
    assert result.errors == []


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_policy_reports_its_code_and_line(path: Path) -> None:
    match = EXPECT.match(path.read_bytes().decode("utf-8", "replace").splitlines()[0])
    assert match, f"{path.name} must start with '# expect: CODE line N'"
    result = read_policy_file(path)
    assert result.policy is None
    found = {(e.code, e.line) for e in result.errors}
    assert (match["code"], int(match["line"])) in found, result.errors
    for error in result.errors:
        assert str(error).startswith(f"{path}:{error.line}:{error.col}: {error.code} ")


def test_every_error_code_has_a_broken_policy() -> None:
    from policyvault.domain.policy import findings

    codes = {v for k, v in vars(findings).items() if k.isupper() and isinstance(v, str)}
    covered = set()
    for path in BROKEN:
        match = EXPECT.match(path.read_bytes().decode("utf-8", "replace").splitlines()[0])
        if match:
            covered.add(match["code"])
    assert codes - covered == set()
