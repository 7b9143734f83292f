"""Reading policy files: YAML with source positions, schema validation, cross-reference
checks, and errors that name their line (``file:line:col: CODE message``)."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import types
import typing
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from policyvault.domain.errors import PolicyInvalid
from policyvault.domain.policy import findings as codes
from policyvault.domain.policy.checks import check_policy
from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.findings import Path as FindingPath
from policyvault.domain.policy.model import Policy
from policyvault.services.taxonomy import fideslang_taxonomy

MAX_POLICY_BYTES = 2_000_000  # a policy is a document, not a data set


@dataclass(frozen=True)
class LocatedFinding:
    file: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = Severity.error

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.code} {self.message}"


@dataclass(frozen=True)
class PolicyCheck:
    """The outcome of reading one file: the policy when valid, and every error found."""

    file: str
    policy: Policy | None
    errors: list[LocatedFinding]
    positions: PositionMap

    @property
    def ok(self) -> bool:
        return self.policy is not None and not self.errors


class PositionMap:
    """Where each value of a YAML document sits: path -> (line, col), both 1-based."""

    def __init__(self) -> None:
        self._values: dict[FindingPath, tuple[int, int]] = {}
        self._keys: dict[FindingPath, tuple[int, int]] = {}

    def add(self, path: FindingPath, value: tuple[int, int], key: tuple[int, int]) -> None:
        self._values[path] = (value[0] + 1, value[1] + 1)
        self._keys[path] = (key[0] + 1, key[1] + 1)

    def value(self, path: FindingPath) -> tuple[int, int]:
        return self._nearest(self._values, path)

    def key(self, path: FindingPath) -> tuple[int, int]:
        return self._nearest(self._keys, path)

    @staticmethod
    def _nearest(table: dict[FindingPath, tuple[int, int]], path: FindingPath) -> tuple[int, int]:
        for end in range(len(path), -1, -1):
            if path[:end] in table:
                return table[path[:end]]
        return (1, 1)


def read_policy_file(path: str | Path) -> PolicyCheck:
    """Load, validate and cross-check a policy file. Never raises for a bad policy."""
    name = str(path)
    positions = PositionMap()
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return _failed(name, positions, codes.YAML_SYNTAX, f"cannot read file: {exc.strerror}")
    if len(raw) > MAX_POLICY_BYTES:
        return _failed(
            name, positions, codes.BAD_VALUE, f"file is larger than {MAX_POLICY_BYTES} bytes"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _failed_at(name, positions, line, "the file is not UTF-8 text")
    return read_policy_text(text, name)


def read_policy_text(text: str, name: str = "<policy>") -> PolicyCheck:
    positions = PositionMap()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. a reused anchor: refuse, don't guess
            document = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        code = codes.YAML_SYNTAX
        if "duplicate key" in problem:
            code, problem = codes.DUPLICATE_ID, problem.split(" with value")[0]
        found = [LocatedFinding(name, line, col, code, problem)]
        return PolicyCheck(name, None, _within(found, text), positions)
    except (YAMLError, ValueError, TypeError, RecursionError, Warning) as exc:
        # A control character the reader refuses, an impossible date (0000-00-00), ...
        line = text.count("\n", 0, getattr(exc, "position", 0) or 0) + 1
        return _failed_at(name, positions, line, f"invalid YAML: {str(exc).splitlines()[0]}")
    if not isinstance(document, CommentedMap):
        return _failed(name, positions, codes.WRONG_TYPE, "a policy file must be a YAML mapping")

    try:
        odd_key = _first_complex_key(document, _Budget())
        plain = _plain(document, (), positions, _Budget())
    except (_TooLarge, RecursionError):
        # Aliases can expand a few hundred bytes into billions of values (a "billion
        # laughs" document): a policy never needs that many, so refuse instead of expanding.
        return _failed_at(
            name,
            positions,
            1,
            f"the document expands to more than {MAX_VALUES} values (aliases?): not a policy",
        )
    if odd_key is not None:
        return _failed_at(
            name, positions, odd_key, "mapping keys must be plain words, not lists or mappings"
        )
    try:
        policy = Policy.model_validate(plain)
    except ValidationError as exc:
        errors = [_locate_schema_error(name, error, positions) for error in exc.errors()]
        return PolicyCheck(name, None, _sorted(_within(errors, text)), positions)

    located = [locate(name, f, positions) for f in check_policy(policy, fideslang_taxonomy())]
    located = _within(located, text)
    return PolicyCheck(name, policy if not located else None, _sorted(located), positions)


def load_policy(path: str | Path) -> Policy:
    """The policy in the file, or ``PolicyInvalid`` listing every error."""
    result = read_policy_file(path)
    if result.policy is None:
        raise PolicyInvalid("\n".join(str(e) for e in result.errors))
    return result.policy


def _failed(name: str, positions: PositionMap, code: str, message: str) -> PolicyCheck:
    return PolicyCheck(name, None, [LocatedFinding(name, 1, 1, code, message)], positions)


def _failed_at(name: str, positions: PositionMap, line: int, message: str) -> PolicyCheck:
    return PolicyCheck(
        name, None, [LocatedFinding(name, line, 1, codes.YAML_SYNTAX, message)], positions
    )


def _within(errors: list[LocatedFinding], text: str) -> list[LocatedFinding]:
    """The YAML parser places a value that ends the file on the line after it: clamp."""
    last = text.count("\n") + (0 if text.endswith("\n") else 1)
    return [
        e if e.line <= max(last, 1) else dataclasses.replace(e, line=max(last, 1), col=1)
        for e in errors
    ]


def _sorted(errors: list[LocatedFinding]) -> list[LocatedFinding]:
    return sorted(errors, key=lambda e: (e.line, e.col, e.code))


def locate(name: str, finding: Finding, positions: PositionMap) -> LocatedFinding:
    """A finding placed at the line of the value its path names."""
    line, col = positions.value(finding.path)
    return LocatedFinding(name, line, col, finding.code, finding.message, finding.severity)


MAX_VALUES = 200_000


class _TooLarge(Exception):
    pass


class _Budget:
    """Counts the values a walk visits, aliases expanded, and stops it past MAX_VALUES."""

    def __init__(self) -> None:
        self.left = MAX_VALUES

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _TooLarge


def _first_complex_key(node: Any, budget: _Budget) -> int | None:
    """The line of the first key that is itself a list or mapping (``{0}: x``), if any."""
    budget.spend()
    if isinstance(node, CommentedMap):
        for key in node:
            if not isinstance(key, (str, int, bool)):
                return int(node.lc.line) + 1
            found = _first_complex_key(node[key], budget)
            if found is not None:
                return found
    elif isinstance(node, CommentedSeq):
        for value in node:
            found = _first_complex_key(value, budget)
            if found is not None:
                return found
    return None


def _plain(node: Any, path: FindingPath, positions: PositionMap, budget: _Budget) -> Any:
    """The document as plain Python values, recording where each value sits."""
    budget.spend()
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            child = (*path, str(key))
            with contextlib.suppress(KeyError, TypeError):  # ruamel records every key
                positions.add(child, node.lc.value(key), node.lc.key(key))
            out[str(key)] = _plain(node[key], child, positions, budget)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            position = node.lc.item(index)
            positions.add(child, position, position)
            items.append(_plain(value, child, positions, budget))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, datetime):
        return node
    if isinstance(node, date):
        return date(node.year, node.month, node.day)
    return node


_TYPE_ERRORS = {"type", "parsing"}
_PATTERN_NAMES = {
    "email": "an e-mail address such as privacy@example.com",
    "phone": "a phone number such as +82 2 1234 5678 or 1644-2243",
    "url": "a web address such as https://www.example.com",
    "website": "a web address such as https://www.example.com",
    "kind": "cookie, pixel, local_storage or sdk",
}


def _locate_schema_error(name: str, error: ErrorDetails, positions: PositionMap) -> LocatedFinding:
    path: FindingPath = tuple(p for p in error["loc"] if isinstance(p, int) or "[" not in p)
    kind = error["type"]
    message = error["msg"]
    if kind == "extra_forbidden":
        line, col = positions.key(path)
        expected = _expected_keys(path[:-1])
        key = str(path[-1]) if path else "?"
        close = difflib.get_close_matches(key, expected, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        hint += f" (expected one of: {', '.join(expected)})" if expected else ""
        return LocatedFinding(name, line, col, codes.UNKNOWN_KEY, f"unknown key {key!r}{hint}")
    if kind == "missing" and path:
        line, col = positions.key(path[:-1]) if len(path) > 1 else (1, 1)
        where = ".".join(str(p) for p in path[:-1]) or "the document"
        return LocatedFinding(
            name, line, col, codes.MISSING_KEY, f"missing required key {path[-1]!r} in {where}"
        )
    line, col = positions.value(path)
    where = ".".join(str(p) for p in path) or "document"
    if path == ("schema",):
        return LocatedFinding(
            name,
            line,
            col,
            codes.BAD_SCHEMA,
            "unsupported schema (expected 'policyvault/v1')",
        )
    if kind.startswith("value_error") or kind == "assertion_error":
        message = message.removeprefix("Value error, ")
        code = codes.BAD_DURATION if "ISO 8601" in message else codes.BAD_VALUE
        return LocatedFinding(name, line, col, code, f"{where}: {message}")
    if kind == "string_pattern_mismatch":
        form = _PATTERN_NAMES.get(str(path[-1]) if path else "", "the pattern")
        return LocatedFinding(
            name,
            line,
            col,
            codes.BAD_VALUE,
            f"{where}: {error['input']!r} does not have the expected form (expected {form})",
        )
    if (
        any(part in kind for part in _TYPE_ERRORS)
        or kind.endswith(("_type", "enum"))
        or kind
        in {
            "literal_error",
            "enum",
        }
    ):
        return LocatedFinding(name, line, col, codes.WRONG_TYPE, f"{where}: {message}")
    return LocatedFinding(name, line, col, codes.BAD_VALUE, f"{where}: {message}")


def _expected_keys(path: FindingPath) -> list[str]:
    """The keys the schema allows at ``path``: walk the model annotations along it."""
    annotation: Any = Policy
    for segment in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = _field_by_alias(annotation, str(segment))
            if field is None:
                return []
            annotation = field
        elif typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted((f.alias or n) for n, f in annotation.model_fields.items())
    return []


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for field_name, field in model.model_fields.items():
        if (field.alias or field_name) == key:
            return field.annotation
    return None


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(options[0]) if len(options) == 1 else annotation
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation
