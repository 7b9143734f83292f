"""The JSON Schema export of the policy file format."""

from __future__ import annotations

from typing import Any

from policyvault.domain.policy.model import SCHEMA_ID, Policy


def policy_json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://policyvault.invalid/schema/{SCHEMA_ID}.json"
    schema["title"] = f"PolicyVault policy file ({SCHEMA_ID})"
    return schema
