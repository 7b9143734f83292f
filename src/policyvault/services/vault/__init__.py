"""The vault: personal data in, plaintext out only for allowed purposes, everything audited.

``Vault`` is the one object the shells and the SDK use; each workflow lives in its own
module (collect, reads, choices, subjects, grants) and shares a ``VaultContext``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from policyvault.crypto.blind_index import IndexKind
from policyvault.domain.access import Grant
from policyvault.domain.audit import Actor
from policyvault.domain.consent import ConsentAction, ConsentEvent
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.vault import LimitKind, ProcessingLimit, SubjectEvent
from policyvault.services.vault import choices, grants, reads, subjects
from policyvault.services.vault.collect import (
    Collected,
    CollectionRefused,
    ConsentChoice,
    Evidence,
    collect,
)
from policyvault.services.vault.context import SubjectNotFound, VaultContext
from policyvault.services.vault.reads import ReadResult

__all__ = [
    "Collected",
    "CollectionRefused",
    "ConsentChoice",
    "Evidence",
    "ReadResult",
    "SubjectNotFound",
    "Vault",
    "VaultContext",
]


class Vault:
    def __init__(self, context: VaultContext) -> None:
        self.context = context

    def collect(
        self,
        point: str,
        values: Mapping[str, Any],
        consents: Sequence[ConsentChoice],
        evidence: Evidence,
        actor: Actor,
        *,
        subject_id: str | None = None,
        jurisdictions: Sequence[str] | None = None,
        age: int | None = None,
    ) -> Collected:
        return collect(
            self.context,
            point,
            values,
            consents,
            evidence,
            actor,
            subject_id=subject_id,
            jurisdictions=jurisdictions,
            age=age,
        )

    def read(self, subject_id: str, items: Sequence[str], purpose: str, actor: Actor) -> ReadResult:
        return reads.read(self.context, subject_id, items, purpose, actor)

    def disclose(
        self,
        subject_id: str,
        items: Sequence[str],
        recipient_id: str,
        purpose: str,
        actor: Actor,
        *,
        legal_reference: str | None = None,
    ) -> ReadResult:
        return reads.disclose(
            self.context,
            subject_id,
            items,
            recipient_id,
            purpose,
            actor,
            legal_reference=legal_reference,
        )

    def give_consent(
        self,
        subject_id: str,
        category: ConsentCategory,
        purposes: Sequence[str],
        evidence: Evidence,
        actor: Actor,
    ) -> ConsentEvent:
        return choices.change_consent(
            self.context, subject_id, category, purposes, ConsentAction.given, evidence, actor
        )

    def withdraw_consent(
        self,
        subject_id: str,
        category: ConsentCategory,
        purposes: Sequence[str],
        evidence: Evidence,
        actor: Actor,
    ) -> ConsentEvent:
        return choices.change_consent(
            self.context, subject_id, category, purposes, ConsentAction.withdrawn, evidence, actor
        )

    def object_to_marketing(self, subject_id: str, actor: Actor) -> ProcessingLimit:
        return choices.limit_processing(
            self.context, subject_id, LimitKind.marketing_objection, actor
        )

    def object(self, subject_id: str, actor: Actor, purpose: str | None = None) -> ProcessingLimit:
        return choices.limit_processing(
            self.context, subject_id, LimitKind.objection, actor, purpose
        )

    def restrict(
        self, subject_id: str, actor: Actor, purpose: str | None = None
    ) -> ProcessingLimit:
        return choices.limit_processing(
            self.context, subject_id, LimitKind.restriction, actor, purpose
        )

    def lift(self, subject_id: str, limit_id: str, actor: Actor) -> None:
        choices.lift_limit(self.context, subject_id, limit_id, actor)

    def record_event(self, subject_id: str, name: str, actor: Actor) -> SubjectEvent:
        return subjects.record_event(self.context, subject_id, name, actor)

    def correct(self, subject_id: str, item_key: str, value: Any, actor: Actor) -> None:
        subjects.correct(self.context, subject_id, item_key, value, actor)

    def find_subjects(
        self, kind: IndexKind, value: str, actor: Actor, *, purpose: str
    ) -> list[str]:
        return subjects.find_subjects(self.context, kind, value, actor, purpose=purpose)

    def check_password(self, subject_id: str, item_key: str, password: str, actor: Actor) -> bool:
        return subjects.check_password(self.context, subject_id, item_key, password, actor)

    def record_guardian_consent(
        self,
        subject_id: str,
        *,
        guardian_name: str,
        relationship: str,
        method: str,
        evidence_reference: str,
        actor: Actor,
    ) -> None:
        subjects.record_guardian_consent(
            self.context,
            subject_id,
            guardian_name=guardian_name,
            relationship=relationship,
            method=method,
            evidence_reference=evidence_reference,
            actor=actor,
        )

    def shred(self, subject_id: str, actor: Actor, *, reason: str) -> None:
        subjects.shred(self.context, subject_id, actor, reason=reason)

    def grant(
        self, actor_id: str, purpose: str, by: Actor, expires_at: datetime | None = None
    ) -> Grant:
        return grants.grant(self.context, actor_id, purpose, by, expires_at)

    def change_grant(self, grant_id: str, expires_at: datetime | None, by: Actor) -> Grant:
        return grants.change_expiry(self.context, grant_id, expires_at, by)

    def revoke_grant(self, grant_id: str, by: Actor) -> None:
        grants.revoke(self.context, grant_id, by)

    def grants(self, actor_id: str | None = None) -> list[Grant]:
        return grants.list_grants(self.context, actor_id)
