"""Loading a policy file: valid files load, and every error names its line."""

from __future__ import annotations

from pathlib import Path

from policyvault.domain.policy.duration import Duration
from policyvault.services.policy_files import read_policy_file, read_policy_text


def test_megazone_loads(megazone_path: Path) -> None:
    result = read_policy_file(megazone_path)
    assert result.errors == []
    policy = result.policy
    assert policy is not None
    # "destroys the information without delay ... with the approval of the company's personal
    # information protection manager"; the seed says nothing about access logs.
    assert policy.destruction.grace_period_days == 0
    assert policy.destruction.approval_required is True
    assert policy.access_log is None
    record = {r.record_type: r for r in policy.statutory_retention}
    assert record["labeling_and_advertising"].period == Duration(months=6)
    assert policy.sensitivity_of("email") == set()


def test_unknown_key_names_its_line_and_the_expected_keys(megazone_path: Path) -> None:
    text = megazone_path.read_text().replace("  country: KR\n", "  country: KR\n  nation: KR\n", 1)
    result = read_policy_text(text, "m.yaml")
    assert result.policy is None
    [error] = result.errors
    assert error.code == "E101"
    assert text.splitlines()[error.line - 1].strip() == "nation: KR"
    assert "legal_name" in error.message


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    result = read_policy_text("- just\n- a list\n", "l.yaml")
    assert [e.code for e in result.errors] == ["E103"]


def test_broken_yaml_names_the_line() -> None:
    result = read_policy_text("schema: policyvault/v1\nid: [unclosed\n", "b.yaml")
    assert result.errors[0].code == "E100"
    assert result.errors[0].line >= 2
