"""The rights-request ledger in memory: part of the in-memory vault's state, so it commits and
rolls back with the session that holds it (the twin of ``requests_sql``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from policyvault.domain.errors import NotFound
from policyvault.domain.requests import (
    DeliveryStatus,
    Download,
    Forwarding,
    ForwardingStatus,
    OutboxMessage,
    RequestStatus,
    RightsRequest,
    VerificationCode,
)

_WAITING = (ForwardingStatus.pending, ForwardingStatus.sent)


@dataclass
class RequestState:
    requests: dict[str, RightsRequest] = field(default_factory=dict)
    private: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    codes: dict[str, VerificationCode] = field(default_factory=dict)
    tokens: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    downloads: dict[str, Download] = field(default_factory=dict)
    messages: dict[str, tuple[OutboxMessage, bytes | None, bytes | None]] = field(
        default_factory=dict
    )
    forwardings: dict[str, tuple[Forwarding, str]] = field(default_factory=dict)


class InMemoryRequestLedger:
    def __init__(self, state: RequestState) -> None:
        self._s = state

    def add_request(self, request: RightsRequest, wrapped_key: bytes, sealed: bytes) -> None:
        if request.id in self._s.requests:
            raise ValueError("request id already exists")
        self._s.requests[request.id] = request
        self._s.private[request.id] = (wrapped_key, sealed)

    def request(self, request_id: str, *, lock: bool = False) -> RightsRequest | None:
        return self._s.requests.get(request_id)

    def update_request(self, request: RightsRequest) -> None:
        if request.id not in self._s.requests:
            raise NotFound(f"no request {request.id!r}")
        self._s.requests[request.id] = request

    def request_private(self, request_id: str) -> tuple[bytes, bytes] | None:
        return self._s.private.get(request_id)

    def replace_private(self, request_id: str, sealed: bytes) -> None:
        if request_id not in self._s.private:
            raise NotFound(f"no request {request_id!r}")
        self._s.private[request_id] = (self._s.private[request_id][0], sealed)

    def find_requests(
        self,
        *,
        statuses: Sequence[RequestStatus] | None = None,
        subject_id: str | None = None,
        due_before: datetime | None = None,
        closed_before: datetime | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> list[RightsRequest]:
        found = [
            r
            for r in self._s.requests.values()
            if (statuses is None or r.status in statuses)
            and (subject_id is None or r.subject_id == subject_id)
            and (due_before is None or r.due_at < due_before)
            and (closed_before is None or (r.closed_at is not None and r.closed_at < closed_before))
            and (after is None or (r.due_at, r.id) > after)
        ]
        return sorted(found, key=lambda r: (r.due_at, r.id))[:limit]

    def delete_requests(self, ids: Sequence[str]) -> int:
        # like the SQL ledger: what is filed under an id goes even when the request is gone
        wanted = set(ids)
        gone = [i for i in wanted if i in self._s.requests]
        for request_id in wanted:
            self._s.requests.pop(request_id, None)
            self._s.private.pop(request_id, None)
            self._s.codes.pop(request_id, None)
        for table in (self._s.downloads, self._s.messages, self._s.forwardings):
            for key in [k for k, v in table.items() if _request_of(v) in wanted]:
                del table[key]
        return len(gone)

    def put_code(self, code: VerificationCode) -> None:
        self._s.codes[code.request_id] = code

    def code(self, request_id: str) -> VerificationCode | None:
        return self._s.codes.get(request_id)

    def delete_code(self, request_id: str) -> None:
        self._s.codes.pop(request_id, None)

    def add_subject_token(self, token_hash: str, subject_id: str, expires_at: datetime) -> None:
        if token_hash in self._s.tokens:
            raise ValueError("token already exists")
        self._s.tokens[token_hash] = (subject_id, expires_at)

    def token_subject(self, token_hash: str, now: datetime) -> str | None:
        found = self._s.tokens.get(token_hash)
        if found is None or found[1] <= now:
            return None
        return found[0]

    def add_download(self, download: Download) -> None:
        if download.token_hash in self._s.downloads:
            raise ValueError("download token already exists")
        self._s.downloads[download.token_hash] = download

    def use_download(self, token_hash: str, now: datetime) -> str | None:
        found = self._s.downloads.get(token_hash)
        if found is None or found.used_at is not None or found.expires_at <= now:
            return None
        self._s.downloads[token_hash] = replace(found, used_at=now)
        return found.request_id

    def add_message(self, message: OutboxMessage, wrapped_key: bytes, sealed: bytes) -> None:
        if message.id in self._s.messages:
            raise ValueError("message id already exists")
        self._s.messages[message.id] = (message, wrapped_key, sealed)

    def claim_messages(self, now: datetime, limit: int) -> list[tuple[OutboxMessage, bytes, bytes]]:
        due = [
            (m, k, s)
            for m, k, s in self._s.messages.values()
            if m.status is DeliveryStatus.pending
            and m.next_attempt_at <= now
            and k is not None
            and s is not None
        ]
        due.sort(key=lambda t: (t[0].next_attempt_at, t[0].id))
        return [(m, k, s) for m, k, s in due[:limit] if k is not None and s is not None]

    def update_message(self, message: OutboxMessage, *, drop_body: bool = False) -> None:
        if message.id not in self._s.messages:
            raise NotFound(f"no message {message.id!r}")
        _, key, sealed = self._s.messages[message.id]
        self._s.messages[message.id] = (
            (message, None, None) if drop_body else (message, key, sealed)
        )

    def messages(
        self, *, request_id: str | None = None, kinds: Sequence[str] | None = None, limit: int = 100
    ) -> list[OutboxMessage]:
        found = [
            m
            for m, _, _ in self._s.messages.values()
            if (request_id is None or m.request_id == request_id)
            and (kinds is None or m.kind in kinds)
        ]
        return sorted(found, key=lambda m: (m.created_at, m.id))[:limit]

    def add_forwarding(self, forwarding: Forwarding, token_hash: str) -> None:
        if forwarding.id in self._s.forwardings:
            raise ValueError("forwarding id already exists")
        if any(t == token_hash for _, t in self._s.forwardings.values()):
            raise ValueError("forwarding token already exists")
        self._s.forwardings[forwarding.id] = (forwarding, token_hash)

    def forwarding(self, forwarding_id: str, *, lock: bool = False) -> Forwarding | None:
        found = self._s.forwardings.get(forwarding_id)
        return None if found is None else found[0]

    def forwarding_by_token(self, token_hash: str) -> Forwarding | None:
        for forwarding, token in self._s.forwardings.values():
            if token == token_hash:
                return forwarding
        return None

    def forwardings(self, request_id: str) -> list[Forwarding]:
        found = [f for f, _ in self._s.forwardings.values() if f.request_id == request_id]
        return sorted(found, key=lambda f: (f.created_at, f.id))

    def claim_forwardings(self, now: datetime, limit: int) -> list[Forwarding]:
        due = [
            f
            for f, _ in self._s.forwardings.values()
            if f.status in _WAITING and f.next_attempt_at <= now
        ]
        return sorted(due, key=lambda f: (f.next_attempt_at, f.id))[:limit]

    def update_forwarding(self, forwarding: Forwarding) -> None:
        if forwarding.id not in self._s.forwardings:
            raise NotFound(f"no forwarding {forwarding.id!r}")
        token = self._s.forwardings[forwarding.id][1]
        self._s.forwardings[forwarding.id] = (forwarding, token)


def _request_of(value: object) -> str | None:
    if isinstance(value, Download):
        return value.request_id
    if isinstance(value, tuple):
        head = value[0]
        if isinstance(head, OutboxMessage | Forwarding):
            return head.request_id
    return None
