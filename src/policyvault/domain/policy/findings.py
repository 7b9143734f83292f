"""Findings: what a check or the linter says about a place in a policy file."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Path = tuple[str | int, ...]


class Severity(StrEnum):
    error = "error"  # the policy is invalid: it cannot be loaded
    warning = "warning"  # lint: a promise is missing or vague
    info = "info"


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: Path = ()
    severity: Severity = Severity.error

    def at(self) -> str:
        return ".".join(str(p) for p in self.path) or "(document)"


# Check error codes. Each is stable: tests and users match on them. docs/policy-errors.md
# explains every one.
YAML_SYNTAX = "E100"
UNKNOWN_KEY = "E101"
MISSING_KEY = "E102"
WRONG_TYPE = "E103"
BAD_DURATION = "E104"
BAD_VALUE = "E105"
BAD_SCHEMA = "E106"
DUPLICATE_ID = "E110"
UNKNOWN_ITEM = "E120"
UNKNOWN_PURPOSE = "E121"
UNKNOWN_CATEGORY = "E122"
UNKNOWN_DATA_USE = "E123"
UNKNOWN_EVENT = "E124"
UNKNOWN_JURISDICTION = "E125"
PROCESSOR_ITEM_NOT_SHARED = "E130"
CONSENT_NOT_COLLECTED = "E131"
CONSENT_WITHOUT_BASIS = "E132"
RETENTION_ITEM_NOT_IN_PURPOSE = "E133"
ITEM_WITHOUT_PURPOSE = "E134"
RECIPIENT_ITEM_NOT_SHARED = "E135"
PURPOSE_WITHOUT_ITEMS_AT_POINT = "E136"
