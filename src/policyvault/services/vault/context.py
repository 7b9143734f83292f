"""What every vault workflow needs: the store, the audit log, the keys, the policy and the
clock, and the few steps they all share (sessions, keys of a subject, sealing, auditing,
facts).

The policy is the one in force: the stored version whose effective time has come
(``policyvault.domain.policy_versions``). Every session opened with ``session()`` first
activates the versions that became due, in that same transaction and audited, so what the
session does runs under the policy in force and sees the terms that changed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from policyvault.crypto.envelope import open_sealed, seal
from policyvault.crypto.hazmat import (
    SECRET_KEY_ACCESS,
    DecryptionFailed,
    SecretKey,
    generate_key,
)
from policyvault.crypto.keys import KeyProvider, WrappedKey
from policyvault.crypto.shredding import new_shredding_key, sealing_key
from policyvault.domain.access import Restriction, SubjectFacts
from policyvault.domain.audit import Actor, AuditEvent, Decision
from policyvault.domain.clock import Clock
from policyvault.domain.errors import NotFound
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy_versions import PolicyVersion, changed_terms, versions_due
from policyvault.domain.vault import LimitKind, Subject
from policyvault.services.audit import AuditLog
from policyvault.services.ports import (
    SeparateStore,
    ShreddingKeyStore,
    VaultSession,
    VaultStore,
)
from policyvault.services.vault.policies import PolicyVersionCache

# Who activates a version that became due while the vault was doing something else.
POLICY_CLOCK = Actor(id="svc.policy_versions", role="system")


_STANDING_CHOICES = frozenset(
    {LimitKind.marketing_objection, LimitKind.sale_opt_out, LimitKind.sensitive_limit}
)


class SubjectNotFound(NotFound):
    code = "subject_not_found"


def _new_id() -> str:
    return str(uuid.uuid4())


class VaultContext:
    def __init__(
        self,
        *,
        store: VaultStore,
        audit: AuditLog,
        keys: KeyProvider,
        blind_index_key: SecretKey,
        shredding_keys: ShreddingKeyStore,
        separate: SeparateStore,
        policy: Policy,
        clock: Clock,
        randbytes: Callable[[int], bytes] = os.urandom,
        new_id: Callable[[], str] = _new_id,
        policy_sha256: str | None = None,
    ) -> None:
        """``policy`` is in force while the store holds no policy version (a memory vault in
        a test or a demo); once it holds versions, they decide. ``policy_sha256``: the digest
        of the stored text ``policy`` was read from, if it was (it is not parsed again)."""
        self.store = store
        self.audit = audit
        self.keys = keys
        self.blind_index_key = blind_index_key
        self.shredding_keys = shredding_keys
        self.separate = separate
        self.clock = clock
        self.randbytes = randbytes
        self.new_id = new_id
        self.versions = PolicyVersionCache(policy, policy_sha256)

    def now(self) -> datetime:
        return self.clock.now()

    @property
    def policy(self) -> Policy:
        """The policy in force now."""
        return self.versions.in_force(self.clock)

    # sessions and policy versions ---------------------------------------------------------------

    @contextmanager
    def session(self) -> Iterator[VaultSession]:
        """A transaction on the store that first activates the policy versions now due."""
        with self.store.session() as session:
            self.activate_due(session, POLICY_CLOCK)
            yield session

    def activate_due(self, session: VaultSession, actor: Actor) -> list[PolicyVersion]:
        """Put in force, at this instant, every stored version whose effective time has come;
        one audit entry each. Returns those this call activated."""
        now = self.now()
        stored = session.policy_versions()
        activated: list[PolicyVersion] = []
        for version in versions_due(stored, now):
            if not session.activate_policy_version(version.number, now):
                continue  # another session was first
            activated.append(replace(version, activated_at=now))
            self.record(
                session,
                actor,
                "policy.activate",
                Decision.allow(
                    "notice_period",
                    f"policy version {version.number} ({version.label}) in force: its "
                    f"effective time {version.effective_at.isoformat()} has come",
                ),
                details={
                    "version": version.number,
                    "sha256": version.sha256,
                    "reconsent_purposes": list(version.reconsent_purposes),
                },
            )
        if activated:
            done = {v.number: v for v in activated}
            stored = [done.get(v.number, v) for v in stored]
        self.versions.update(stored, session.policy_text, now)
        return activated

    # keys ---------------------------------------------------------------------------------------

    def subject(self, session: VaultSession, subject_id: str) -> Subject:
        subject = session.subject(subject_id)
        if subject is None or subject.shredded_at is not None:
            raise SubjectNotFound(f"no subject {subject_id!r} in this vault")
        return subject

    def new_subject_keys(self, subject_id: str) -> tuple[WrappedKey, SecretKey]:
        """A new subject's data key, wrapped by the master key for its row, and its sealing
        key. The shredding key is stored first, in its own store: a subject row never exists
        without it. (Should the row then fail to commit, the stored key protects nothing.)"""
        data_key = generate_key(self.randbytes)
        shredding_key = new_shredding_key(self.randbytes)
        self.shredding_keys.add(subject_id, shredding_key.reveal(SECRET_KEY_ACCESS))
        return self.keys.wrap_data_key(data_key, subject_id), sealing_key(data_key, shredding_key)

    def sealing_key(self, session: VaultSession, subject: Subject) -> SecretKey:
        """The key that seals the subject's values: its data key (unwrapped by the master
        key) combined with its shredding key (``policyvault.crypto.shredding``)."""
        wrapped = session.wrapped_key(subject.id)
        if wrapped is None:
            raise SubjectNotFound(f"no subject {subject.id!r} in this vault")
        data_key = self.keys.unwrap_data_key(WrappedKey(subject.key_id, wrapped), subject.id)
        shredding_key = self.shredding_keys.get(subject.id)
        if shredding_key is None:  # destroyed, or the key store is not this vault's
            raise DecryptionFailed
        return sealing_key(data_key, SecretKey(shredding_key))

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
        # Choices that bind every purpose they concern from their first (unlifted) time.
        first_at: dict[LimitKind, datetime] = {}
        for limit in session.limits(subject.id):
            if limit.kind in _STANDING_CHOICES:
                known = first_at.get(limit.kind)
                if limit.lifted_at is None and (known is None or limit.at < known):
                    first_at[limit.kind] = limit.at
                continue
            target = restrictions if limit.kind is LimitKind.restriction else objections
            target.append(
                Restriction(at=limit.at, purpose=limit.purpose, lifted_at=limit.lifted_at)
            )
        pending = frozenset(
            f.item_key for f in session.freezes(subject.id) if f.released_at is None
        )
        with self.separate.reading() as separate:
            archived = frozenset(i.item_key for i in separate.items(subject.id))
        return SubjectFacts(
            subject_id=subject.id,
            events=events,
            consents=tuple(session.consents(subject.id)),
            restrictions=tuple(restrictions),
            objections=tuple(objections),
            marketing_objection_at=first_at.get(LimitKind.marketing_objection),
            sale_opt_out_at=first_at.get(LimitKind.sale_opt_out),
            sensitive_limit_at=first_at.get(LimitKind.sensitive_limit),
            pending_items=pending,
            archived_items=archived,
            needs_guardian=subject.needs_guardian,
            guardian_consent_at=subject.guardian_consent_at,
            changed_terms=changed_terms(self.versions.versions, self.now()),
        )
