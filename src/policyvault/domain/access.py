"""Purpose-bound access: may this actor read these items of this subject for this purpose,
now? ``decide_access`` answers with a decision that names the rule that refused it.

The rules run in a fixed order, so a denial always names the first rule that fails:

    unknown_purpose     the purpose is not declared (or is the statutory purpose misused)
    item_not_in_purpose the purpose does not use one of the items
    archived            an item sits in the separate store: statutory purpose only
    no_grant            the actor holds no live grant for the purpose
    retention_ended     the retention of an item for the purpose has ended
    restricted          the subject restricted processing (GDPR Art 18, PIPA Art 37)
    objection           the subject objected; an objection to direct marketing always wins
    pending_request     a correction or deletion of an item is pending
    guardian_consent    a child below the minimum age has no guardian consent yet
    reconsent_required  the purpose's terms changed significantly since consent was given
    lawful_basis        no basis holds now (consent withdrawn, contract ended, ...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from policyvault.domain.consent import ConsentEvent, consent_state
from policyvault.domain.deadlines import Events, purpose_events, retention_end
from policyvault.domain.policy.data import Basis, ConsentCategory, Purpose
from policyvault.domain.policy.model import Policy

# The one purpose under which records in the separate store may be read (PIPA Art 21(3)).
STATUTORY_PURPOSE = "legal.statutory_retention"

# Events after which a contract no longer holds.
CONTRACT_ENDING_EVENTS = ("account_closed", "contract_ended")


class Rule(StrEnum):
    unknown_purpose = "unknown_purpose"
    item_not_in_purpose = "item_not_in_purpose"
    archived = "archived"
    no_grant = "no_grant"
    retention_ended = "retention_ended"
    restricted = "restricted"
    objection = "objection"
    pending_request = "pending_request"
    guardian_consent = "guardian_consent"
    reconsent_required = "reconsent_required"
    lawful_basis = "lawful_basis"


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    rule: Rule | None = None  # the rule that refused, None when allowed
    reason: str = ""
    basis: Basis | None = None  # the lawful basis the allowed access rests on

    @classmethod
    def allow(cls, basis: Basis | None, reason: str) -> AccessDecision:
        return cls(allowed=True, basis=basis, reason=reason)

    @classmethod
    def deny(cls, rule: Rule, reason: str) -> AccessDecision:
        return cls(allowed=False, rule=rule, reason=reason)


@dataclass(frozen=True)
class Grant:
    """Permission for an actor to process personal data for one purpose."""

    actor_id: str
    purpose: str
    granted_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    id: str = ""

    def live(self, now: datetime) -> bool:
        if self.granted_at > now:
            return False
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class Restriction:
    """A restriction of processing, or an objection. ``purpose`` None covers every purpose."""

    at: datetime
    purpose: str | None = None
    lifted_at: datetime | None = None

    def covers(self, purpose: str, now: datetime) -> bool:
        active = self.at <= now and (self.lifted_at is None or now < self.lifted_at)
        return active and (self.purpose is None or self.purpose == purpose)


@dataclass(frozen=True)
class SubjectFacts:
    """What the vault knows about a subject that the access rules need. The services build
    it from the stores; the rules only read it."""

    subject_id: str
    events: Events = field(default_factory=dict)
    consents: Sequence[ConsentEvent] = ()
    restrictions: Sequence[Restriction] = ()
    objections: Sequence[Restriction] = ()
    marketing_objection_at: datetime | None = None
    sale_opt_out_at: datetime | None = None  # CCPA opt-out of sale or sharing
    sensitive_limit_at: datetime | None = None  # CCPA limit on sensitive personal information
    pending_items: frozenset[str] = frozenset()  # frozen by a pending correction/deletion
    archived_items: frozenset[str] = frozenset()  # in the separate store
    needs_guardian: bool = False  # below a minimum age the policy sets
    guardian_consent_at: datetime | None = None
    # Purposes whose consent predates a significant change (policy diff re-consent list),
    # mapped to when the changed terms took effect.
    changed_terms: dict[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class AccessRequest:
    subject_id: str
    items: tuple[str, ...]
    purpose: str
    actor_id: str


def decide_access(
    policy: Policy,
    request: AccessRequest,
    subject: SubjectFacts,
    grants: Sequence[Grant],
    now: datetime,
) -> AccessDecision:
    purpose_key = request.purpose
    if purpose_key == STATUTORY_PURPOSE:
        return _decide_statutory(request, subject, grants, now)
    purpose = policy.purposes.get(purpose_key)
    if purpose is None:
        return AccessDecision.deny(
            Rule.unknown_purpose, "the purpose is not declared in the policy"
        )
    return (
        _check_items(purpose_key, purpose, request, subject)
        or _check_grant(request, grants, now)
        or _check_retention(policy, purpose_key, request, subject, now)
        or _check_subject_choices(
            purpose_key,
            purpose,
            request,
            subject,
            now,
            frozenset(i for i in request.items if i in policy.items and policy.sensitivity_of(i)),
        )
        or _decide_basis(policy, purpose_key, purpose, subject, now)
    )


def _decide_statutory(
    request: AccessRequest, subject: SubjectFacts, grants: Sequence[Grant], now: datetime
) -> AccessDecision:
    live = [i for i in request.items if i not in subject.archived_items]
    if live:
        return AccessDecision.deny(
            Rule.unknown_purpose,
            f"the statutory purpose reads only the separate store; {', '.join(live)} "
            "are not archived",
        )
    denied = _check_grant(request, grants, now)
    if denied is not None:
        return denied
    return AccessDecision.allow(Basis.legal_obligation, "statutory retention in separate store")


def _check_items(
    key: str, purpose: Purpose, request: AccessRequest, subject: SubjectFacts
) -> AccessDecision | None:
    outside = [item for item in request.items if item not in purpose.items]
    if outside:
        return AccessDecision.deny(
            Rule.item_not_in_purpose,
            f"purpose {key!r} does not use {', '.join(outside)}",
        )
    archived = [item for item in request.items if item in subject.archived_items]
    if archived:
        return AccessDecision.deny(
            Rule.archived,
            f"{', '.join(archived)} kept only under a statute; readable for "
            f"{STATUTORY_PURPOSE!r} alone",
        )
    return None


def _check_grant(
    request: AccessRequest, grants: Sequence[Grant], now: datetime
) -> AccessDecision | None:
    if any(
        g.actor_id == request.actor_id and g.purpose == request.purpose and g.live(now)
        for g in grants
    ):
        return None
    return AccessDecision.deny(
        Rule.no_grant, f"actor holds no live grant for purpose {request.purpose!r}"
    )


def _check_retention(
    policy: Policy, key: str, request: AccessRequest, subject: SubjectFacts, now: datetime
) -> AccessDecision | None:
    # A withdrawn consent is refused by the lawful-basis rule, which names it; here it would
    # read as a mere end of retention.
    events = {
        name: at
        for name, at in purpose_events(policy, key, subject.events, subject.consents).items()
        if name != "consent_withdrawn"
    }
    for item in request.items:
        end = retention_end(policy, key, item, events)
        if end is not None and end <= now:
            return AccessDecision.deny(
                Rule.retention_ended,
                f"retention of {item} for {key!r} ended on {end.isoformat()}",
            )
    return None


# Bases under which processing is what the subject asked for or what the law requires: a
# limit on sensitive data leaves these uses standing (CCPA §1798.121(a), 11 CCR §7027(m)).
_NECESSARY_BASES = frozenset({Basis.contract, Basis.legal_obligation, Basis.vital_interest})


def _serves_the_subject(purpose: Purpose) -> bool:
    return not purpose.direct_marketing and all(b.basis in _NECESSARY_BASES for b in purpose.bases)


def _check_subject_choices(
    key: str,
    purpose: Purpose,
    request: AccessRequest,
    subject: SubjectFacts,
    now: datetime,
    sensitive_items: frozenset[str] = frozenset(),
) -> AccessDecision | None:
    for restriction in subject.restrictions:
        if restriction.covers(key, now):
            return AccessDecision.deny(
                Rule.restricted,
                f"processing restricted since {restriction.at.isoformat()}",
            )
    marketing = purpose.direct_marketing
    if marketing and subject.marketing_objection_at and subject.marketing_objection_at <= now:
        return AccessDecision.deny(
            Rule.objection,
            "the subject objected to direct marketing on "
            f"{subject.marketing_objection_at.isoformat()}",
        )
    limited = subject.sensitive_limit_at
    if limited is not None and limited <= now and not _serves_the_subject(purpose):
        sensitive = [i for i in request.items if i in sensitive_items]
        if sensitive:
            return AccessDecision.deny(
                Rule.objection,
                f"the subject limited the use of sensitive data ({', '.join(sensitive)}) on "
                f"{limited.isoformat()}",
            )
    legitimate_interest_only = all(b.basis is Basis.legitimate_interest for b in purpose.bases)
    for objection in subject.objections:
        # An objection binds processing on legitimate interest (GDPR Art 21(1)); a purpose
        # that also rests on contract or law is not stopped by it.
        if objection.covers(key, now) and (legitimate_interest_only or marketing):
            return AccessDecision.deny(
                Rule.objection, f"the subject objected on {objection.at.isoformat()}"
            )
    frozen = [item for item in request.items if item in subject.pending_items]
    if frozen:
        return AccessDecision.deny(
            Rule.pending_request,
            f"a correction or deletion of {', '.join(frozen)} is pending",
        )
    return None


def _decide_basis(
    policy: Policy, key: str, purpose: Purpose, subject: SubjectFacts, now: datetime
) -> AccessDecision:
    """Allowed when any of the purpose's lawful bases holds now."""
    refusals: list[tuple[Rule, str]] = []
    for basis in purpose.bases:
        kind = basis.basis
        if kind is Basis.consent:
            refusal = _consent_refusal(key, basis.consent_category, subject, now)
            if refusal is None:
                return AccessDecision.allow(kind, f"consent to {key!r} holds")
            refusals.append(refusal)
        elif kind is Basis.contract:
            ended = [e for e in CONTRACT_ENDING_EVENTS if e in subject.events]
            ended_at = [subject.events[e] for e in ended if subject.events[e] <= now]
            if not ended_at:
                return AccessDecision.allow(kind, "the contract is in force")
            refusals.append(
                (Rule.lawful_basis, f"the contract ended on {min(ended_at).isoformat()}")
            )
        else:  # legal obligation, legitimate interest (objections checked above), vital, public
            return AccessDecision.allow(kind, f"{kind.value.replace('_', ' ')} applies")
    rule, reason = refusals[0]
    return AccessDecision.deny(rule, reason)


def _consent_refusal(
    key: str, category: ConsentCategory | None, subject: SubjectFacts, now: datetime
) -> tuple[Rule, str] | None:
    category = category or ConsentCategory.collection_use  # LawfulBasis sets it; be safe
    if subject.needs_guardian and (
        subject.guardian_consent_at is None or subject.guardian_consent_at > now
    ):
        return (Rule.guardian_consent, "the subject is below the minimum age; no guardian consent")
    state = consent_state(subject.consents, category, key, now)
    if not state.holds:
        if state.since is None:
            return (Rule.lawful_basis, f"no {category.value} consent to {key!r} was given")
        return (
            Rule.lawful_basis,
            f"{category.value} consent to {key!r} withdrawn on {state.since.isoformat()}",
        )
    changed = subject.changed_terms.get(key)
    if changed is not None and state.since is not None and state.since < changed <= now:
        return (
            Rule.reconsent_required,
            f"the terms of {key!r} changed on {changed.isoformat()}; consent must be renewed",
        )
    return None
