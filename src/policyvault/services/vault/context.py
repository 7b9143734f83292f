"""What every vault workflow needs: the store, the audit log, the keys, the policy and the
clock, and the few steps they all share (keys of a subject, sealing, auditing, facts)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from policyvault.crypto.envelope import open_sealed, seal
from policyvault.crypto.hazmat import SecretKey
from policyvault.crypto.keys import KeyProvider, WrappedKey
from policyvault.domain.access import Restriction, SubjectFacts
from policyvault.domain.audit import Actor, AuditEvent, Decision
from policyvault.domain.clock import Clock
from policyvault.domain.errors import NotFound
from policyvault.domain.policy.model import Policy
from policyvault.domain.vault import LimitKind, Subject
from policyvault.services.audit import AuditLog
from policyvault.services.ports import VaultSession, VaultStore


class SubjectNotFound(NotFound):
    code = "subject_not_found"


@dataclass
class VaultContext:
    store: VaultStore
    audit: AuditLog
    keys: KeyProvider
    policy: Policy
    clock: Clock
    randbytes: Callable[[int], bytes] = os.urandom
    new_id: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))

    def now(self) -> datetime:
        return self.clock.now()

    # keys ---------------------------------------------------------------------------------------

    def subject(self, session: VaultSession, subject_id: str) -> Subject:
        subject = session.subject(subject_id)
        if subject is None or subject.shredded_at is not None:
            raise SubjectNotFound(f"no subject {subject_id!r} in this vault")
        return subject

    def data_key(self, session: VaultSession, subject: Subject) -> SecretKey:
        wrapped = session.wrapped_key(subject.id)
        if wrapped is None:
            raise SubjectNotFound(f"no subject {subject.id!r} in this vault")
        return self.keys.unwrap_data_key(WrappedKey(subject.key_id, wrapped), subject.id)

    def seal(self, key: SecretKey, subject_id: str, item_key: str, data: bytes) -> bytes:
        return seal(key, subject_id, item_key, data, randbytes=self.randbytes)

    def open(self, key: SecretKey, subject_id: str, item_key: str, sealed: bytes) -> bytes:
        return open_sealed(key, subject_id, item_key, sealed)

    # audit --------------------------------------------------------------------------------------

    def record(
        self,
        session: VaultSession | None,
        actor: Actor,
        action: str,
        decision: Decision,
        *,
        subject_id: str | None = None,
        purpose: str | None = None,
        item_keys: tuple[str, ...] = (),
        details: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> None:
        """One audit entry; inside ``session`` when given, so it commits with the operation."""
        event = AuditEvent(
            actor=actor,
            action=action,
            decision=decision,
            subject_id=subject_id,
            purpose=purpose,
            item_keys=item_keys,
            request_id=request_id,
            details=dict(details or {}),
        )
        connection = session.audit_connection if session is not None else None
        self.audit.record(event, connection=connection)

    # facts for the access rules ------------------------------------------------------------------

    def facts(self, session: VaultSession, subject: Subject) -> SubjectFacts:
        events: dict[str, datetime] = {}
        for event in sorted(session.events(subject.id), key=lambda e: e.at):
            events.setdefault(event.name, event.at)  # the first occurrence anchors periods
        restrictions: list[Restriction] = []
        objections: list[Restriction] = []
        marketing_at: datetime | None = None
        for limit in session.limits(subject.id):
            if limit.kind is LimitKind.marketing_objection:
                if limit.lifted_at is None and (marketing_at is None or limit.at < marketing_at):
                    marketing_at = limit.at
                continue
            target = restrictions if limit.kind is LimitKind.restriction else objections
            target.append(
                Restriction(at=limit.at, purpose=limit.purpose, lifted_at=limit.lifted_at)
            )
        pending = frozenset(
            f.item_key for f in session.freezes(subject.id) if f.released_at is None
        )
        archived = frozenset(i.item_key for i in session.items(subject.id) if i.archived)
        return SubjectFacts(
            subject_id=subject.id,
            events=events,
            consents=tuple(session.consents(subject.id)),
            restrictions=tuple(restrictions),
            objections=tuple(objections),
            marketing_objection_at=marketing_at,
            pending_items=pending,
            archived_items=archived,
            needs_guardian=subject.needs_guardian,
            guardian_consent_at=subject.guardian_consent_at,
        )
