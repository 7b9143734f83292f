"""Audit entries: what happened, who did it, to whose data, for what purpose, and the verdict.

An :class:`AuditEvent` is what a caller reports; the log stamps it with a sequence number and
the clock's time, making an :class:`AuditEntry`, and stores it as an :class:`AuditRecord`: the
entry's canonical bytes (``body``) chained to the record before it. The byte format is
documented in ``docs/audit-log.md``; :func:`encode_entry` and :func:`decode_entry` are its only
writers and readers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from policyvault.domain.audit import canonical
from policyvault.domain.audit.canonical import CanonicalJsonError, JsonValue
from policyvault.domain.audit.guard import (
    refusal_for_details,
    refusal_for_id,
    refusal_for_key,
    refusal_for_reason,
)
from policyvault.domain.errors import InvalidInput

__all__ = [
    "ACCESS_RIGHT_ACTIONS",
    "ENTRY_FORMAT",
    "Action",
    "Actor",
    "AuditEntry",
    "AuditEvent",
    "AuditIndex",
    "AuditQuery",
    "AuditRecord",
    "Decision",
    "decode_entry",
    "encode_entry",
    "entry_document",
    "format_timestamp",
    "index_of",
    "parse_timestamp",
]

ENTRY_FORMAT = "policyvault.audit.entry/1"
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class Action(StrEnum):
    """The actions the law names (PIPC Safety Standard Art 2 and the 2025 guide), plus the log's
    own. Any other key is accepted too; these are the ones reports look for."""

    view = "view"
    enter = "enter"
    modify = "modify"
    delete = "delete"
    print = "print"
    download = "download"
    login = "login"
    logout = "logout"
    login_failed = "login_failed"
    access_right_granted = "access_right.granted"
    access_right_changed = "access_right.changed"
    access_right_revoked = "access_right.revoked"
    audit_pruned = "audit.pruned"


# Safety Standard Art 5(3): the history of access rights is kept for at least three years.
ACCESS_RIGHT_ACTIONS = frozenset(
    {Action.access_right_granted, Action.access_right_changed, Action.access_right_revoked}
)


def _refuse(path: str, why: str) -> InvalidInput:
    return InvalidInput(f"audit entry refused: {path} {why}")


def _check(path: str, why: str | None) -> None:
    if why:
        raise _refuse(path, why)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    rule: str
    reason: str

    def __post_init__(self) -> None:
        if not isinstance(self.allowed, bool):
            raise _refuse("decision.allowed", "is not a boolean")
        _check("decision.rule", refusal_for_key(self.rule))
        _check("decision.reason", refusal_for_reason(self.reason))

    @classmethod
    def allow(cls, rule: str, reason: str) -> Decision:
        return cls(True, rule, reason)

    @classmethod
    def deny(cls, rule: str, reason: str) -> Decision:
        return cls(False, rule, reason)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: an account id (opaque, never an email), a role key, the source IP if known."""

    id: str
    role: str
    source_ip: str | None = None

    def __post_init__(self) -> None:
        _check("actor.id", refusal_for_id(self.id))
        _check("actor.role", refusal_for_key(self.role))
        if self.source_ip is not None:
            try:
                ip = ipaddress.ip_address(self.source_ip)
            except ValueError:
                raise _refuse("actor.source_ip", "is not an IP address") from None
            object.__setattr__(self, "source_ip", ip.compressed)


@dataclass(frozen=True)
class AuditEvent:
    """What a caller reports. Constructing one with a personal value raises InvalidInput."""

    actor: Actor
    action: str
    decision: Decision
    subject_id: str | None = None
    purpose: str | None = None
    item_keys: tuple[str, ...] = ()
    request_id: str | None = None
    details: Mapping[str, JsonValue] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        _check("action", refusal_for_key(self.action))
        if self.subject_id is not None:
            _check("subject_id", refusal_for_id(self.subject_id))
        if self.purpose is not None:
            _check("purpose", refusal_for_key(self.purpose))
        if isinstance(self.item_keys, str):
            raise _refuse("item_keys", "must be a list of keys, not one string")
        keys = tuple(self.item_keys)
        for i, key in enumerate(keys):
            _check(f"item_keys[{i}]", refusal_for_key(key))
        object.__setattr__(self, "item_keys", keys)
        if self.request_id is not None:
            _check("request_id", refusal_for_id(self.request_id))
        if not isinstance(self.details, Mapping):
            raise _refuse("details", "is not an object")
        found = refusal_for_details(self.details)
        if found:
            raise _refuse(*found)
        object.__setattr__(self, "details", _frozen(self.details))


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _thawed(value: Any) -> JsonValue:
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_thawed(v) for v in value]
    return value  # type: ignore[no-any-return]


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    recorded_at: datetime
    event: AuditEvent

    def __post_init__(self) -> None:
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 1:
            raise InvalidInput("audit sequence numbers start at 1")
        if self.recorded_at.tzinfo is None:
            raise InvalidInput("recorded_at must be timezone-aware")
        object.__setattr__(self, "recorded_at", self.recorded_at.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class AuditIndex:
    """The columns a store keeps beside the body to filter on. They are copies: verification
    checks every one of them against the hashed body."""

    recorded_at: datetime
    actor_id: str
    action: str
    subject_id: str | None
    allowed: bool
    request_id: str | None


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """A filter over the index columns, in seq order, one page at a time (keyset paging: pass
    the last seq of a page as ``after_seq`` for the next). ``since`` is inclusive, ``until``
    exclusive."""

    subject_id: str | None = None
    actor_id: str | None = None
    action: str | None = None
    allowed: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0
    limit: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= 10_000:
            raise InvalidInput("a page holds 1 to 10,000 entries")
        for when in (self.since, self.until):
            if when is not None and when.tzinfo is None:
                raise InvalidInput("times must be timezone-aware")

    def matches(self, index: AuditIndex) -> bool:
        return (
            (self.subject_id is None or index.subject_id == self.subject_id)
            and (self.actor_id is None or index.actor_id == self.actor_id)
            and (self.action is None or index.action == self.action)
            and (self.allowed is None or index.allowed == self.allowed)
            and (self.since is None or index.recorded_at >= self.since)
            and (self.until is None or index.recorded_at < self.until)
        )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One stored entry: ``entry_hash = SHA-256(prev_hash || body)``."""

    seq: int
    prev_hash: bytes
    entry_hash: bytes
    body: bytes
    index: AuditIndex

    def entry(self) -> AuditEntry:
        return decode_entry(self.body)


def format_timestamp(when: datetime) -> str:
    if when.tzinfo is None:
        raise InvalidInput("timestamps must be timezone-aware")
    return when.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    try:
        when = datetime.strptime(text, _TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        raise CanonicalJsonError("timestamps are YYYY-MM-DDTHH:MM:SS.ffffffZ") from None
    if format_timestamp(when) != text:
        raise CanonicalJsonError("timestamps are YYYY-MM-DDTHH:MM:SS.ffffffZ")
    return when


def entry_document(entry: AuditEntry) -> dict[str, JsonValue]:
    e = entry.event
    return {
        "format": ENTRY_FORMAT,
        "seq": entry.seq,
        "recorded_at": format_timestamp(entry.recorded_at),
        "actor": {"id": e.actor.id, "role": e.actor.role, "ip": e.actor.source_ip},
        "action": e.action,
        "subject_id": e.subject_id,
        "purpose": e.purpose,
        "item_keys": list(e.item_keys),
        "decision": {
            "allowed": e.decision.allowed,
            "rule": e.decision.rule,
            "reason": e.decision.reason,
        },
        "request_id": e.request_id,
        "details": _thawed(e.details),
    }


def encode_entry(entry: AuditEntry) -> bytes:
    """The entry's canonical bytes: RFC 8785 JSON of :func:`entry_document`."""
    return canonical.encode(entry_document(entry))


_FIELDS = frozenset(
    {
        "format",
        "seq",
        "recorded_at",
        "actor",
        "action",
        "subject_id",
        "purpose",
        "item_keys",
        "decision",
        "request_id",
        "details",
    }
)


def decode_entry(body: bytes) -> AuditEntry:
    """Read canonical bytes back into an entry. Raises CanonicalJsonError when the bytes are not
    a well-formed entry, InvalidInput when they hold a value the log refuses."""
    doc = _object(canonical.decode(body), _FIELDS)
    if doc["format"] != ENTRY_FORMAT:
        raise CanonicalJsonError(f"not a {ENTRY_FORMAT} document")
    actor = _object(doc["actor"], {"id", "role", "ip"})
    decision = _object(doc["decision"], {"allowed", "rule", "reason"})
    allowed = decision["allowed"]
    if not isinstance(allowed, bool):
        raise CanonicalJsonError("decision.allowed is not a boolean")
    details = doc["details"]
    if not isinstance(details, dict):
        raise CanonicalJsonError("details is not an object")
    item_keys = doc["item_keys"]
    if not isinstance(item_keys, list):
        raise CanonicalJsonError("item_keys is not a list")
    seq = doc["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise CanonicalJsonError("seq is not an integer")
    event = AuditEvent(
        actor=Actor(_text(actor["id"]), _text(actor["role"]), _maybe(actor["ip"])),
        action=_text(doc["action"]),
        decision=Decision(allowed, _text(decision["rule"]), _text(decision["reason"])),
        subject_id=_maybe(doc["subject_id"]),
        purpose=_maybe(doc["purpose"]),
        item_keys=tuple(_text(k) for k in item_keys),
        request_id=_maybe(doc["request_id"]),
        details=details,
    )
    entry = AuditEntry(seq, parse_timestamp(_text(doc["recorded_at"])), event)
    if encode_entry(entry) != body:  # e.g. an IP address written in a non-canonical form
        raise CanonicalJsonError("the entry does not re-encode to the same bytes")
    return entry


def _object(value: JsonValue, fields: frozenset[str] | set[str]) -> dict[str, JsonValue]:
    if not isinstance(value, dict) or set(value) != fields:
        raise CanonicalJsonError(f"not a {ENTRY_FORMAT} document")
    return value


def _text(value: JsonValue) -> str:
    if not isinstance(value, str):
        raise CanonicalJsonError(f"not a {ENTRY_FORMAT} document")
    return value


def _maybe(value: JsonValue) -> str | None:
    return None if value is None else _text(value)


def index_of(entry: AuditEntry) -> AuditIndex:
    e = entry.event
    return AuditIndex(
        recorded_at=entry.recorded_at,
        actor_id=e.actor.id,
        action=e.action,
        subject_id=e.subject_id,
        allowed=e.decision.allowed,
        request_id=e.request_id,
    )
