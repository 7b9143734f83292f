"""docs/policy-format.md documents every top-level key of the schema, and the JSON Schema
export accepts every example policy."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML

from policyvault.domain.policy.model import Policy
from policyvault.services.policy_schema import policy_json_schema

ROOT = Path(__file__).resolve().parents[3]


def test_every_top_level_key_is_documented() -> None:
    documented = set(
        re.findall(r"^\| `([a-z_]+)` \|", (ROOT / "docs" / "policy-format.md").read_text(), re.M)
    )
    keys = {field.alias or name for name, field in Policy.model_fields.items()}
    assert keys == documented


def _as_json_value(value: object) -> object:
    """YAML dates become ISO strings, as they would in a JSON document."""
    if isinstance(value, dict):
        return {str(k): _as_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json_value(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def test_the_json_schema_accepts_every_example_policy() -> None:
    schema = policy_json_schema()
    validator = jsonschema.Draft202012Validator(schema, format_checker=None)
    paths = [
        *sorted((ROOT / "examples" / "policies").glob("*.yaml")),
        ROOT / "tests" / "policies" / "minimal.yaml",
    ]
    for path in paths:
        document = _as_json_value(YAML(typ="safe").load(path.read_text(encoding="utf-8")))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        assert not errors, f"{path.name}: {errors[0].message} at {list(errors[0].path)}"
