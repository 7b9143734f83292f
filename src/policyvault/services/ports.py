"""Ports: the seams between the services and storage. Adapters live in ``policyvault.storage``
and satisfy these protocols structurally (they do not import this module)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from policyvault.domain.access import Grant
from policyvault.domain.audit import (
    AuditEvent,
    AuditQuery,
    AuditRecord,
    ChainHead,
    PruneCutoffs,
    StoredCheckpoint,
)
from policyvault.domain.consent import ConsentEvent
from policyvault.domain.policy_versions import PolicyVersion
from policyvault.domain.requests import (
    Download,
    Forwarding,
    OutboxMessage,
    RequestStatus,
    RightsRequest,
    VerificationCode,
)
from policyvault.domain.retention import (
    Certificate,
    Hold,
    RetentionTask,
    StoredRecord,
    TaskStatus,
)
from policyvault.domain.vault import (
    Disclosure,
    ItemFreeze,
    ProcessingLimit,
    SealedItem,
    Subject,
    SubjectEvent,
)

__all__ = [
    "AuditReader",
    "AuditStore",
    "RequestLedger",
    "SeparateSession",
    "SeparateStore",
    "ShreddingKeyStore",
    "VaultSession",
    "VaultStore",
]


class AuditReader(Protocol):
    """A consistent view of the audit log (one snapshot for as long as the view is open)."""

    def head(self) -> ChainHead | None:
        """The last entry's seq and hash, per the store's head row; None for a new log."""

    def anchor(self) -> StoredCheckpoint | None:
        """The checkpoint a pruned log begins after; None when nothing was pruned."""

    def checkpoints(self) -> list[StoredCheckpoint]:
        """Every kept checkpoint, smallest tree first."""

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...

    def count(self) -> int:
        """How many entries are stored."""

    def records(self, first_seq: int = 1, last_seq: int | None = None) -> Iterator[AuditRecord]:
        """Stored records with ``first_seq <= seq <= last_seq``, in seq order, streamed."""

    def record(self, seq: int) -> AuditRecord | None: ...

    def query(self, query: AuditQuery) -> list[AuditRecord]:
        """One page of records that match the filter, by the index columns, in seq order."""

    def first_seq_kept(self, cutoffs: PruneCutoffs) -> int | None:
        """The smallest seq that retention does not yet allow to prune; None if all may go."""


class AuditStore(Protocol):
    """An append-only, hash-chained store of audit records.

    ``connection`` is an open transaction of the adapter's own technology (a SQLAlchemy
    ``Connection`` inside ``begin()`` for the SQL stores, the handle from ``transaction()`` for the
    memory store). Given one, the write joins that transaction: it commits or rolls back with the
    operation it records. Without one, the write commits on its own.
    """

    def append(
        self, event: AuditEvent, *, recorded_at: datetime, connection: object | None = None
    ) -> AuditRecord:
        """Seal ``event`` as the next entry, under a lock that serialises every appender."""

    def add_checkpoint(
        self, checkpoint: StoredCheckpoint, *, connection: object | None = None
    ) -> bool:
        """Keep a checkpoint; False when one of that tree size is already kept."""

    def reading(self, *, connection: object | None = None) -> AbstractContextManager[AuditReader]:
        """A read view: a snapshot of its own, or the given transaction's view."""

    def prune(self, *, through_seq: int, event: AuditEvent, recorded_at: datetime) -> AuditRecord:
        """In one transaction: drop entries ``1..through_seq`` (a kept checkpoint must have exactly
        that size), drop the checkpoints before it, make it the anchor, and append ``event``."""


class RequestLedger(Protocol):
    """Rights requests and what they set in motion, in the vault's own transaction: a
    request, its freeze, its outbox messages and its audit entries commit together (a
    transactional outbox: no message is sent for a request that rolled back).

    Personal parts travel sealed: ``sealed`` is ciphertext under a key of the request's (or
    the message's) own, ``wrapped_key`` that key wrapped by the master key."""

    # requests
    def add_request(self, request: RightsRequest, wrapped_key: bytes, sealed: bytes) -> None: ...
    def request(self, request_id: str, *, lock: bool = False) -> RightsRequest | None:
        """``lock``: hold the row until the transaction ends (``FOR UPDATE``)."""

    def update_request(self, request: RightsRequest) -> None:
        """Replace the stored request (same id); ``NotFound`` when there is none."""

    def request_private(self, request_id: str) -> tuple[bytes, bytes] | None:
        """(wrapped_key, sealed) of the request's personal part."""

    def replace_private(self, request_id: str, sealed: bytes) -> None: ...
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
        """Requests matching every filter, earliest due first (then id); ``after`` is the
        (due_at, id) of the last one of the previous page."""

    def delete_requests(self, ids: Sequence[str]) -> int:
        """Prune request records (with their codes, downloads, messages, forwardings)."""

    # one-time codes, subject tokens, download links: hashes only
    def put_code(self, code: VerificationCode) -> None:
        """Insert or replace the request's live code."""

    def code(self, request_id: str) -> VerificationCode | None: ...
    def delete_code(self, request_id: str) -> None: ...
    def add_subject_token(self, token_hash: str, subject_id: str, expires_at: datetime) -> None: ...
    def token_subject(self, token_hash: str, now: datetime) -> str | None:
        """The subject a live token was issued for; None if unknown or expired."""

    def add_download(self, download: Download) -> None: ...
    def use_download(self, token_hash: str, now: datetime) -> str | None:
        """Mark a live, unused link used and return its request id, in one statement: two
        concurrent downloads cannot both succeed. None when unknown, used or expired."""

    # the outbox
    def add_message(self, message: OutboxMessage, wrapped_key: bytes, sealed: bytes) -> None: ...
    def claim_messages(self, now: datetime, limit: int) -> list[tuple[OutboxMessage, bytes, bytes]]:
        """Pending messages whose next attempt has come, oldest first, with (wrapped_key,
        sealed), locked for this transaction (``SKIP LOCKED`` on PostgreSQL)."""

    def update_message(self, message: OutboxMessage, *, drop_body: bool = False) -> None:
        """Store the delivery state; ``drop_body`` forgets the sealed text (once sent)."""

    def messages(
        self, *, request_id: str | None = None, kinds: Sequence[str] | None = None, limit: int = 100
    ) -> list[OutboxMessage]: ...

    # forwarding to recipients
    def add_forwarding(self, forwarding: Forwarding, token_hash: str) -> None: ...
    def forwarding(self, forwarding_id: str, *, lock: bool = False) -> Forwarding | None: ...
    def forwarding_by_token(self, token_hash: str) -> Forwarding | None: ...
    def forwardings(self, request_id: str) -> list[Forwarding]: ...
    def claim_forwardings(self, now: datetime, limit: int) -> list[Forwarding]:
        """Pending or sent (unconfirmed) forwardings whose next attempt has come, locked."""

    def update_forwarding(self, forwarding: Forwarding) -> None: ...


class VaultSession(Protocol):
    """One transaction over the vault's records. Everything written through a session, and
    the audit entries written with ``audit_connection``, commits or rolls back together."""

    @property
    def audit_connection(self) -> object:
        """The transaction handle to pass to ``AuditLog.record(connection=...)``."""

    @property
    def requests(self) -> RequestLedger:
        """Rights requests, in this same transaction."""

    # subjects and their keys
    def add_subject(self, subject: Subject, wrapped_key: bytes) -> None: ...
    def subject(self, subject_id: str) -> Subject | None: ...
    def update_subject(self, subject: Subject) -> None: ...
    def wrapped_key(self, subject_id: str) -> bytes | None: ...
    def replace_wrapped_key(self, subject_id: str, wrapped_key: bytes, key_id: str) -> None:
        """Master-key rotation: store the re-wrapped data key. ``NotFound`` when the subject
        has no key any more (shredded meanwhile): a destroyed key is never written back."""

    def destroy_key(self, subject_id: str, at: datetime) -> None:
        """Crypto-shredding: forget the wrapped data key for good."""

    def lock_subject(self, subject_id: str) -> None:
        """Hold the subject's row until this transaction ends, so that two transactions
        working on one subject's retention take turns (PostgreSQL ``FOR UPDATE``; SQLite
        serialises writers anyway). Lock several in id order, never otherwise."""

    def subject_ids(self, after: str | None = None, limit: int = 1000) -> list[str]:
        """Subject ids in id order, a page at a time (for key rotation and sweeps)."""

    # the same, for several subjects at once (the sweeper works a chunk of subjects at a time)
    def subjects_by_id(self, subject_ids: Sequence[str]) -> dict[str, Subject]:
        """The subjects of these ids that exist."""

    def lock_subjects(self, subject_ids: Sequence[str]) -> None:
        """``lock_subject`` for each of these, taken in id order whatever the order given."""

    def destroy_keys(self, subject_ids: Sequence[str], at: datetime) -> int:
        """``destroy_key`` for each of these subjects; how many there were."""

    # items
    def put_item(self, item: SealedItem) -> None:
        """Insert or replace the item (subject_id, item_key)."""

    def items(self, subject_id: str, keys: Sequence[str] | None = None) -> list[SealedItem]: ...
    def delete_items(self, subject_id: str, keys: Sequence[str]) -> int: ...
    def items_of(self, subject_ids: Sequence[str]) -> dict[str, list[SealedItem]]:
        """``items(s)`` of each of these subjects (every one asked for is a key)."""

    def delete_items_of(self, targets: Mapping[str, Sequence[str]]) -> int:
        """``delete_items(s, keys)`` for each subject ``s`` and its ``keys``; how many went."""

    # blind index
    def add_lookup(self, subject_id: str, kind: str, digest: str) -> None: ...
    def find_subjects(self, kind: str, digest: str) -> list[str]: ...
    def delete_lookups(self, subject_id: str, kind: str | None = None) -> None: ...
    def delete_lookups_of(
        self, subject_ids: Sequence[str], kinds: Sequence[str] | None = None
    ) -> None:
        """The lookups of these subjects: of these kinds, or every kind when None."""

    # the consent ledger (append-only) and subject events
    def add_consent(self, event: ConsentEvent, sealed_evidence: bytes | None) -> None: ...
    def consents(self, subject_id: str) -> list[ConsentEvent]: ...
    def add_event(self, event: SubjectEvent) -> None: ...
    def events(self, subject_id: str) -> list[SubjectEvent]: ...
    def consents_of(self, subject_ids: Sequence[str]) -> dict[str, list[ConsentEvent]]:
        """``consents(s)`` of each of these subjects (every one asked for is a key)."""

    def events_of(self, subject_ids: Sequence[str]) -> dict[str, list[SubjectEvent]]:
        """``events(s)`` of each of these subjects (every one asked for is a key)."""

    # restrictions, objections, freezes
    def add_limit(self, limit: ProcessingLimit) -> None: ...
    def lift_limit(self, limit_id: str, at: datetime) -> None: ...
    def limits(self, subject_id: str) -> list[ProcessingLimit]: ...
    def add_freeze(self, freeze: ItemFreeze) -> None: ...
    def release_freezes(self, subject_id: str, request_id: str, at: datetime) -> None: ...
    def freezes(self, subject_id: str) -> list[ItemFreeze]: ...

    # grants and disclosures
    def add_grant(self, grant: Grant) -> None: ...
    def revoke_grant(self, grant_id: str, at: datetime) -> bool: ...
    def grants(self, actor_id: str | None = None) -> list[Grant]: ...
    def add_disclosure(self, disclosure: Disclosure) -> None: ...
    def disclosures(self, subject_id: str) -> list[Disclosure]: ...

    # policy versions: stored once, never edited; only the activation is recorded later
    def add_policy_version(self, version: PolicyVersion, text: str) -> None:
        """Store a version and its YAML text; ``ValueError`` if its number is taken."""

    def policy_versions(self) -> list[PolicyVersion]:
        """Every stored version, by number (without the texts)."""

    def policy_text(self, number: int) -> str | None: ...
    def activate_policy_version(self, number: int, at: datetime) -> bool:
        """Record that the version went into force at ``at``; False if it already had (or
        there is no such version)."""

    # statutory records in ordinary use (those kept for a statute alone are in the separate
    # store)
    def add_record(self, record: StoredRecord) -> None: ...
    def records(self, subject_id: str) -> list[StoredRecord]: ...
    def delete_records(self, subject_id: str, ids: Sequence[str]) -> int: ...
    def records_of(self, subject_ids: Sequence[str]) -> dict[str, list[StoredRecord]]:
        """``records(s)`` of each of these subjects (every one asked for is a key)."""

    def delete_records_of(self, targets: Mapping[str, Sequence[str]]) -> int:
        """``delete_records(s, ids)`` for each subject ``s`` and its ``ids``; how many went."""

    # retention work: stored deadlines and their progress
    def tasks(self, subject_id: str) -> list[RetentionTask]: ...
    def tasks_of(
        self, subject_ids: Sequence[str], statuses: Sequence[TaskStatus] | None = None
    ) -> dict[str, list[RetentionTask]]:
        """``tasks(s)`` of each of these subjects (every one asked for is a key); only those in
        these statuses when given."""

    def put_task(self, task: RetentionTask) -> None:
        """Insert the task, or replace the one with its id."""

    def put_tasks(self, tasks: Sequence[RetentionTask]) -> None:
        """``put_task`` for each of these (ids distinct)."""

    def delete_tasks(self, ids: Sequence[str]) -> None: ...
    def claim_tasks(
        self,
        statuses: Sequence[TaskStatus],
        *,
        ended_by: datetime | None,
        limit: int,
    ) -> list[RetentionTask]:
        """Tasks in these statuses, not held, whose end is at or before ``ended_by`` (any end
        when None), earliest end first, locked for this transaction: a row another
        transaction has claimed is skipped (``FOR UPDATE SKIP LOCKED``; SQLite serialises
        writers instead)."""

    def find_tasks(
        self,
        statuses: Sequence[TaskStatus],
        *,
        due_before: datetime | None = None,
        batch_id: str | None = None,
        record_type: str | None = None,
        ended_by: datetime | None = None,
        uncertified: bool = False,
        after_id: str | None = None,
        limit: int = 1000,
    ) -> list[RetentionTask]:
        """Tasks in these statuses matching every filter given, by id, a page at a time."""

    def mark_tasks(
        self,
        ids: Sequence[str],
        status: TaskStatus,
        *,
        at: datetime,
        batch_id: str | None = None,
        decided_by: str | None = None,
        note: str | None = None,
        certificate_id: str | None = None,
    ) -> int:
        """Move these tasks to ``status`` in one statement. ``at`` is the decision time for
        approvals and rejections, the completion time for ``done``; ``batch_id`` is set when
        given, and ``certificate_id`` too."""

    def set_certificate(self, batch_id: str, certificate_id: str) -> int:
        """Name the certificate on every done, uncertified task of the batch."""

    def uncertified_batches(self) -> list[str]:
        """The batches that have done tasks naming no certificate yet, by id."""

    def batch_subjects(self, batch_id: str) -> int:
        """How many subjects the batch's done tasks that name no certificate yet concern."""

    def count_tasks(
        self,
        statuses: Sequence[TaskStatus],
        *,
        due_before: datetime | None = None,
        held: bool | None = None,
    ) -> dict[str, int]:
        """How many tasks there are in each of these statuses (due before ``due_before``,
        held or not, when given)."""

    # legal holds
    def add_hold(self, hold: Hold) -> None: ...
    def release_hold(self, hold_id: str, at: datetime, by: str) -> bool:
        """False when there is no such active hold."""

    def hold(self, hold_id: str) -> Hold | None: ...
    def holds(self, *, active_only: bool = True) -> list[Hold]: ...
    def holds_for(self, subject_id: str) -> list[Hold]:
        """Active holds on this subject, and every active hold on a record type."""

    def holds_for_subjects(self, subject_ids: Sequence[str]) -> dict[str, list[Hold]]:
        """``holds_for(s)`` of each of these subjects (every one asked for is a key)."""

    # destruction certificates and anonymous statistics
    def add_certificate(self, certificate: Certificate) -> bool:
        """False (and nothing stored) when the batch already has its certificate."""

    def certificate(self, certificate_id: str) -> Certificate | None: ...
    def certificates(self, limit: int = 100) -> list[Certificate]:
        """The latest certificates, newest first."""

    def count_anonymised(self, item_key: str, count: int) -> None: ...
    def anonymised_counts(self) -> dict[str, int]: ...

    # the vault's own settings (which policy version the stored deadlines follow)
    def setting(self, key: str) -> str | None: ...
    def put_setting(self, key: str, value: str) -> None: ...


class VaultStore(Protocol):
    def session(self) -> AbstractContextManager[VaultSession]:
        """A transaction: committed when the block ends, rolled back if it raises."""


class SeparateSession(Protocol):
    """One transaction on the separate store: what only a statute still requires, apart from
    the live data (PIPA Art 21(3)) and readable for the statutory purpose alone. It commits on
    its own: moves and destructions are written so that a crash between the two stores leaves
    work the next sweep finishes (an item in both stores is moved again, not lost)."""

    def put_item(self, item: SealedItem) -> None: ...
    def items(self, subject_id: str, keys: Sequence[str] | None = None) -> list[SealedItem]: ...
    def delete_items(self, subject_id: str, keys: Sequence[str]) -> int: ...
    def put_record(self, record: StoredRecord) -> None: ...
    def records(self, subject_id: str) -> list[StoredRecord]: ...
    def delete_records(self, subject_id: str, ids: Sequence[str]) -> int: ...
    def items_of(self, subject_ids: Sequence[str]) -> dict[str, list[SealedItem]]:
        """``items(s)`` of each of these subjects (every one asked for is a key)."""

    def records_of(self, subject_ids: Sequence[str]) -> dict[str, list[StoredRecord]]:
        """``records(s)`` of each of these subjects (every one asked for is a key)."""


class SeparateStore(Protocol):
    def session(self) -> AbstractContextManager[SeparateSession]:
        """A write transaction."""

    def reading(self) -> AbstractContextManager[SeparateSession]:
        """A read transaction: it takes no write lock (SQLite ``BEGIN DEFERRED``)."""


class ShreddingKeyStore(Protocol):
    """Each subject's shredding key (32 random bytes), kept apart from the vault database and
    its backups. Without it a subject's sealed values cannot be opened, so destroying it
    shreds every copy of them (``policyvault.crypto.shredding``, ``docs/keys.md``). Each call
    is its own transaction, committed before it returns."""

    def add(self, subject_id: str, key: bytes) -> None:
        """Keep a new subject's key; ``ValueError`` if the subject already has one."""

    def get(self, subject_id: str) -> bytes | None: ...
    def destroy(self, subject_id: str) -> bool:
        """Forget the key for good, overwriting it where it was stored; False if there was
        none (destroying twice is harmless)."""

    def destroy_many(self, subject_ids: Sequence[str]) -> int:
        """``destroy`` for each of these subjects, in one transaction (all or none);
        returns how many keys there were."""
