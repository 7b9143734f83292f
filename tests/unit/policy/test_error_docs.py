"""docs/policy-errors.md documents every check error code, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from policyvault.domain.policy import findings

DOC = Path(__file__).resolve().parents[3] / "docs" / "policy-errors.md"


def test_every_error_code_is_documented_and_every_documented_code_exists() -> None:
    codes = {v for k, v in vars(findings).items() if k.isupper() and isinstance(v, str)}
    documented = set(re.findall(r"^\| (E\d{3}) \|", DOC.read_text(encoding="utf-8"), re.M))
    assert codes == documented
