"""Whatever a policy file holds, reading it never crashes: it yields a policy or errors that
each name a line inside the file."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyvault.services.policy_files import read_policy_text

MINIMAL = (Path(__file__).resolve().parents[1] / "policies" / "minimal.yaml").read_text()
LINES = MINIMAL.splitlines()

hostile = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "~",
            "null",
            "[]",
            "{}",
            "-1",
            "1e309",
            "P",
            "P0D",
            "'",
            '"',
            "&a",
            "*a",
            "!!binary",
            "<script>alert(1)</script>",
            "\u202e",
            "2026-02-30",
            "yes",
            "P99999Y",
        ]
    ),
)


def _replace_value(line: str, value: str) -> str:
    key, sep, _ = line.partition(": ")
    return f"{key}{sep}{value}" if sep else line


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, len(LINES) - 1), st.sampled_from(["drop", "value", "dup"]), hostile
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_policies_never_crash_and_errors_point_inside_the_file(
    edits: list[tuple[int, str, str]],
) -> None:
    lines = list(LINES)
    for index, action, value in edits:
        index %= len(lines)
        if action == "drop":
            del lines[index]
        elif action == "value":
            lines[index] = _replace_value(lines[index], value)
        else:
            lines.insert(index, lines[index])
        if not lines:
            lines = ["{}"]
    text = "\n".join(lines) + "\n"
    result = read_policy_text(text, "mutated.yaml")
    assert (result.policy is None) == bool(result.errors)
    for error in result.errors:
        assert 1 <= error.line <= len(lines) + 1
        assert error.code.startswith("E")
        assert error.message


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = read_policy_text(text, "any.yaml")
    assert result.policy is None
    assert result.errors
