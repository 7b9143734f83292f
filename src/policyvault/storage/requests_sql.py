"""The rights-request ledger on SQL (SQLite, PostgreSQL), in the vault's own transaction.

Tables (migration 0004):

    vault_requests        one row per request: the columns it is found by, its JSON body (no
                          personal values) and its sealed personal part with the wrapped key
    vault_request_codes   the live one-time code of a request (Argon2id hash)
    vault_subject_tokens  sign-in tokens issued for subjects (SHA-256 of the token)
    vault_downloads       one-time package links (SHA-256 of the token)
    vault_outbox          messages to send: kind and delivery state, text sealed until sent
    vault_forwardings     erasures and corrections passed on to recipients, until confirmed
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Row

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
from policyvault.storage.requests_codec import request_from_json, request_to_json
from policyvault.storage.vault_sql import (
    _from_us,
    _from_us_or_none,
    _key,
    _to_us,
    _to_us_or_none,
)

__all__ = ["SqlRequestLedger", "metadata"]


metadata = MetaData()

requests = Table(
    "vault_requests",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("subject_id", _key(), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("received_at_us", BigInteger, nullable=False),
    Column("due_at_us", BigInteger, nullable=False),
    Column("closed_at_us", BigInteger, nullable=True),
    Column("body", Text, nullable=False),  # JSON, no personal values
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Index("ix_vault_requests_status_due_at_us", "status", "due_at_us", "id"),
    Index("ix_vault_requests_subject_id", "subject_id"),
    Index("ix_vault_requests_closed_at_us", "closed_at_us"),
)

codes = Table(
    "vault_request_codes",
    metadata,
    Column("request_id", _key(), primary_key=True),
    Column("code_hash", Text, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Column("attempts_left", Integer, nullable=False),
)

subject_tokens = Table(
    "vault_subject_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("subject_id", _key(), nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Index("ix_vault_subject_tokens_expires_at_us", "expires_at_us"),
)

downloads = Table(
    "vault_downloads",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("request_id", _key(), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("expires_at_us", BigInteger, nullable=False),
    Column("used_at_us", BigInteger, nullable=True),
    Index("ix_vault_downloads_request_id", "request_id"),
)

outbox = Table(
    "vault_outbox",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("request_id", _key(), nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("next_attempt_at_us", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at_us", BigInteger, nullable=True),
    Column("last_error", String(64), nullable=True),
    Column("wrapped_key", LargeBinary, nullable=True),  # NULL once sent: the text is gone
    Column("sealed", LargeBinary, nullable=True),
    Index("ix_vault_outbox_status_next_attempt_at_us", "status", "next_attempt_at_us"),
    Index("ix_vault_outbox_request_id", "request_id"),
)

forwardings = Table(
    "vault_forwardings",
    metadata,
    Column("id", _key(), primary_key=True),
    Column("request_id", _key(), nullable=False),
    Column("recipient_id", _key(), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("item_keys", Text, nullable=False),  # comma-separated item keys
    Column("status", String(16), nullable=False),
    Column("created_at_us", BigInteger, nullable=False),
    Column("next_attempt_at_us", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at_us", BigInteger, nullable=True),
    Column("confirmed_at_us", BigInteger, nullable=True),
    Column("escalated_at_us", BigInteger, nullable=True),
    Column("last_error", String(64), nullable=True),
    Column("token_hash", String(64), nullable=False),
    UniqueConstraint("token_hash", name="uq_vault_forwardings_token_hash"),
    Index("ix_vault_forwardings_status_next_attempt_at_us", "status", "next_attempt_at_us"),
    Index("ix_vault_forwardings_request_id", "request_id"),
)

_WAITING_FORWARDINGS = (ForwardingStatus.pending.value, ForwardingStatus.sent.value)


class SqlRequestLedger:
    def __init__(
        self,
        conn: Connection,
        dialect_insert: Callable[[Table], Any],
        *,
        skip_locked: bool = False,
    ) -> None:
        self._conn = conn
        self._insert = dialect_insert
        self._skip_locked = skip_locked

    def _locked(self, stmt: Any, *, skip: bool = False) -> Any:
        if self._conn.dialect.name != "postgresql":
            return stmt  # SQLite serialises writers (BEGIN IMMEDIATE)
        return stmt.with_for_update(skip_locked=skip and self._skip_locked)

    # requests -----------------------------------------------------------------------------------

    def add_request(self, request: RightsRequest, wrapped_key: bytes, sealed: bytes) -> None:
        self._conn.execute(
            requests.insert().values(
                **_request_columns(request), wrapped_key=wrapped_key, sealed=sealed
            )
        )

    def request(self, request_id: str, *, lock: bool = False) -> RightsRequest | None:
        stmt = select(requests.c.body).where(requests.c.id == request_id)
        if lock:
            stmt = self._locked(stmt)
        body = self._conn.execute(stmt).scalar_one_or_none()
        return None if body is None else request_from_json(body)

    def update_request(self, request: RightsRequest) -> None:
        stmt = update(requests).where(requests.c.id == request.id)
        if self._conn.execute(stmt.values(**_request_columns(request))).rowcount == 0:
            raise NotFound(f"no request {request.id!r}")

    def request_private(self, request_id: str) -> tuple[bytes, bytes] | None:
        row = self._conn.execute(
            select(requests.c.wrapped_key, requests.c.sealed).where(requests.c.id == request_id)
        ).one_or_none()
        return None if row is None else (row.wrapped_key, row.sealed)

    def replace_private(self, request_id: str, sealed: bytes) -> None:
        stmt = update(requests).where(requests.c.id == request_id).values(sealed=sealed)
        if self._conn.execute(stmt).rowcount == 0:
            raise NotFound(f"no request {request_id!r}")

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
        c = requests.c
        stmt = select(c.body)
        if statuses is not None:
            stmt = stmt.where(c.status.in_([s.value for s in statuses]))
        if subject_id is not None:
            stmt = stmt.where(c.subject_id == subject_id)
        if due_before is not None:
            stmt = stmt.where(c.due_at_us < _to_us(due_before))
        if closed_before is not None:
            stmt = stmt.where(c.closed_at_us < _to_us(closed_before))
        if after is not None:
            due, last_id = _to_us(after[0]), after[1]
            stmt = stmt.where(or_(c.due_at_us > due, and_(c.due_at_us == due, c.id > last_id)))
        stmt = stmt.order_by(c.due_at_us, c.id).limit(limit)
        return [request_from_json(body) for body in self._conn.execute(stmt).scalars()]

    def delete_requests(self, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        ids = list(ids)
        for table in (codes, downloads, outbox, forwardings):
            self._conn.execute(delete(table).where(table.c.request_id.in_(ids)))
        return self._conn.execute(delete(requests).where(requests.c.id.in_(ids))).rowcount

    # codes, tokens, downloads ---------------------------------------------------------------------

    def put_code(self, code: VerificationCode) -> None:
        values = {
            "request_id": code.request_id,
            "code_hash": code.code_hash,
            "expires_at_us": _to_us(code.expires_at),
            "attempts_left": code.attempts_left,
        }
        stmt = self._insert(codes).values(**values)
        changed = {k: stmt.excluded[k] for k in values if k != "request_id"}
        self._conn.execute(stmt.on_conflict_do_update(index_elements=["request_id"], set_=changed))

    def code(self, request_id: str) -> VerificationCode | None:
        row = self._conn.execute(
            select(codes).where(codes.c.request_id == request_id)
        ).one_or_none()
        if row is None:
            return None
        return VerificationCode(
            request_id=row.request_id,
            code_hash=row.code_hash,
            expires_at=_from_us(row.expires_at_us),
            attempts_left=row.attempts_left,
        )

    def delete_code(self, request_id: str) -> None:
        self._conn.execute(delete(codes).where(codes.c.request_id == request_id))

    def add_subject_token(self, token_hash: str, subject_id: str, expires_at: datetime) -> None:
        self._conn.execute(
            subject_tokens.insert().values(
                token_hash=token_hash, subject_id=subject_id, expires_at_us=_to_us(expires_at)
            )
        )

    def token_subject(self, token_hash: str, now: datetime) -> str | None:
        c = subject_tokens.c
        subject: str | None = self._conn.execute(
            select(c.subject_id).where(c.token_hash == token_hash, c.expires_at_us > _to_us(now))
        ).scalar_one_or_none()
        return subject

    def add_download(self, download: Download) -> None:
        self._conn.execute(
            downloads.insert().values(
                token_hash=download.token_hash,
                request_id=download.request_id,
                created_at_us=_to_us(download.created_at),
                expires_at_us=_to_us(download.expires_at),
                used_at_us=None,
            )
        )

    def use_download(self, token_hash: str, now: datetime) -> str | None:
        c = downloads.c
        at = _to_us(now)
        stmt = (
            update(downloads)
            .where(c.token_hash == token_hash, c.used_at_us.is_(None), c.expires_at_us > at)
            .values(used_at_us=at)
        )
        if self._conn.execute(stmt).rowcount != 1:
            return None
        request_id: str = self._conn.execute(
            select(c.request_id).where(c.token_hash == token_hash)
        ).scalar_one()
        return request_id

    # the outbox -----------------------------------------------------------------------------------

    def add_message(self, message: OutboxMessage, wrapped_key: bytes, sealed: bytes) -> None:
        self._conn.execute(
            outbox.insert().values(
                **_message_columns(message), wrapped_key=wrapped_key, sealed=sealed
            )
        )

    def claim_messages(self, now: datetime, limit: int) -> list[tuple[OutboxMessage, bytes, bytes]]:
        c = outbox.c
        stmt = (
            select(outbox)
            .where(
                c.status == DeliveryStatus.pending.value,
                c.next_attempt_at_us <= _to_us(now),
                c.sealed.is_not(None),  # a body dropped once sent cannot be sent again
            )
            .order_by(c.next_attempt_at_us, c.id)
            .limit(limit)
        )
        rows = self._conn.execute(self._locked(stmt, skip=True)).all()
        return [(_message(row), row.wrapped_key, row.sealed) for row in rows]

    def update_message(self, message: OutboxMessage, *, drop_body: bool = False) -> None:
        values = _message_columns(message)
        if drop_body:
            values |= {"wrapped_key": None, "sealed": None}
        stmt = update(outbox).where(outbox.c.id == message.id).values(**values)
        if self._conn.execute(stmt).rowcount == 0:
            raise NotFound(f"no message {message.id!r}")

    def messages(
        self, *, request_id: str | None = None, kinds: Sequence[str] | None = None, limit: int = 100
    ) -> list[OutboxMessage]:
        c = outbox.c
        stmt = select(outbox)
        if request_id is not None:
            stmt = stmt.where(c.request_id == request_id)
        if kinds is not None:
            stmt = stmt.where(c.kind.in_(list(kinds)))
        stmt = stmt.order_by(c.created_at_us, c.id).limit(limit)
        return [_message(row) for row in self._conn.execute(stmt)]

    # forwardings ------------------------------------------------------------------------------

    def add_forwarding(self, forwarding: Forwarding, token_hash: str) -> None:
        self._conn.execute(
            forwardings.insert().values(**_forwarding_columns(forwarding), token_hash=token_hash)
        )

    def forwarding(self, forwarding_id: str, *, lock: bool = False) -> Forwarding | None:
        stmt = select(forwardings).where(forwardings.c.id == forwarding_id)
        if lock:
            stmt = self._locked(stmt)
        row = self._conn.execute(stmt).one_or_none()
        return None if row is None else _forwarding(row)

    def forwarding_by_token(self, token_hash: str) -> Forwarding | None:
        stmt = select(forwardings).where(forwardings.c.token_hash == token_hash)
        row = self._conn.execute(self._locked(stmt)).one_or_none()
        return None if row is None else _forwarding(row)

    def forwardings(self, request_id: str) -> list[Forwarding]:
        c = forwardings.c
        stmt = select(forwardings).where(c.request_id == request_id).order_by(c.created_at_us, c.id)
        return [_forwarding(row) for row in self._conn.execute(stmt)]

    def claim_forwardings(self, now: datetime, limit: int) -> list[Forwarding]:
        c = forwardings.c
        stmt = (
            select(forwardings)
            .where(c.status.in_(_WAITING_FORWARDINGS), c.next_attempt_at_us <= _to_us(now))
            .order_by(c.next_attempt_at_us, c.id)
            .limit(limit)
        )
        return [_forwarding(row) for row in self._conn.execute(self._locked(stmt, skip=True))]

    def update_forwarding(self, forwarding: Forwarding) -> None:
        stmt = (
            update(forwardings)
            .where(forwardings.c.id == forwarding.id)
            .values(**_forwarding_columns(forwarding))
        )
        if self._conn.execute(stmt).rowcount == 0:
            raise NotFound(f"no forwarding {forwarding.id!r}")


# --- rows ------------------------------------------------------------------------------------


def _request_columns(request: RightsRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "subject_id": request.subject_id,
        "kind": request.kind.value,
        "status": request.status.value,
        "received_at_us": _to_us(request.received_at),
        "due_at_us": _to_us(request.due_at),
        "closed_at_us": None if request.closed_at is None else _to_us(request.closed_at),
        "body": request_to_json(request),
    }


def _message_columns(message: OutboxMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "kind": message.kind,
        "request_id": message.request_id,
        "status": message.status.value,
        "created_at_us": _to_us(message.created_at),
        "next_attempt_at_us": _to_us(message.next_attempt_at),
        "attempts": message.attempts,
        "sent_at_us": _to_us_or_none(message.sent_at),
        "last_error": message.last_error,
    }


def _message(row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        kind=row.kind,
        created_at=_from_us(row.created_at_us),
        status=DeliveryStatus(row.status),
        next_attempt_at=_from_us(row.next_attempt_at_us),
        attempts=row.attempts,
        request_id=row.request_id,
        sent_at=_from_us_or_none(row.sent_at_us),
        last_error=row.last_error,
    )


def _forwarding_columns(forwarding: Forwarding) -> dict[str, Any]:
    return {
        "id": forwarding.id,
        "request_id": forwarding.request_id,
        "recipient_id": forwarding.recipient_id,
        "channel": forwarding.channel,
        "action": forwarding.action,
        "item_keys": ",".join(forwarding.item_keys),
        "status": forwarding.status.value,
        "created_at_us": _to_us(forwarding.created_at),
        "next_attempt_at_us": _to_us(forwarding.next_attempt_at),
        "attempts": forwarding.attempts,
        "sent_at_us": _to_us_or_none(forwarding.sent_at),
        "confirmed_at_us": _to_us_or_none(forwarding.confirmed_at),
        "escalated_at_us": _to_us_or_none(forwarding.escalated_at),
        "last_error": forwarding.last_error,
    }


def _forwarding(row: Row[Any]) -> Forwarding:
    return Forwarding(
        id=row.id,
        request_id=row.request_id,
        recipient_id=row.recipient_id,
        channel=row.channel,
        action=row.action,
        item_keys=tuple(k for k in row.item_keys.split(",") if k),
        status=ForwardingStatus(row.status),
        created_at=_from_us(row.created_at_us),
        next_attempt_at=_from_us(row.next_attempt_at_us),
        attempts=row.attempts,
        sent_at=_from_us_or_none(row.sent_at_us),
        confirmed_at=_from_us_or_none(row.confirmed_at_us),
        escalated_at=_from_us_or_none(row.escalated_at_us),
        last_error=row.last_error,
    )
