"""Purpose-bound access: for each denial rule, a case where only that rule fails, and the
denial names it. The base case (every rule passing) is allowed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from policyvault.domain.access import (
    STATUTORY_PURPOSE,
    AccessRequest,
    Grant,
    Restriction,
    Rule,
    SubjectFacts,
    decide_access,
)
from policyvault.domain.consent import ConsentAction, ConsentEvent
from policyvault.domain.policy.data import Basis, ConsentCategory
from policyvault.domain.policy.model import Policy
from policyvault.services.policy_files import load_policy

MINIMAL = Path(__file__).resolve().parents[2] / "policies" / "minimal.yaml"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=30)
NEWSLETTER = "marketing.newsletter"
ACCOUNT = "account.management"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(MINIMAL)


def consent(action: ConsentAction, at: datetime) -> ConsentEvent:
    return ConsentEvent(
        subject_id="s1",
        category=ConsentCategory.marketing,
        purposes=(NEWSLETTER,),
        action=action,
        at=at,
        policy_version="1",
        notice_hash="sha256:" + "0" * 64,
        channel="web",
    )


BASE = SubjectFacts(
    subject_id="s1",
    events={"collected": T0, "consent_given": T0},
    consents=(consent(ConsentAction.given, T0),),
)
GRANTS = (
    Grant("clerk", NEWSLETTER, granted_at=T0),
    Grant("clerk", ACCOUNT, granted_at=T0),
    Grant("clerk", STATUTORY_PURPOSE, granted_at=T0),
)


def request(purpose: str = NEWSLETTER, items: tuple[str, ...] = ("email",)) -> AccessRequest:
    return AccessRequest(subject_id="s1", items=items, purpose=purpose, actor_id="clerk")


def test_every_rule_passing_allows_and_names_the_basis(policy: Policy) -> None:
    decision = decide_access(policy, request(), BASE, GRANTS, NOW)
    assert decision.allowed and decision.rule is None
    assert decision.basis is Basis.consent
    contract = decide_access(policy, request(ACCOUNT), BASE, GRANTS, NOW)
    assert contract.allowed and contract.basis is Basis.contract


def deny(
    policy: Policy,
    *,
    req: AccessRequest | None = None,
    subject: SubjectFacts = BASE,
    grants: tuple[Grant, ...] = GRANTS,
    now: datetime = NOW,
) -> Rule | None:
    decision = decide_access(policy, req or request(), subject, grants, now)
    assert not decision.allowed
    assert decision.reason
    return decision.rule


def test_unknown_purpose(policy: Policy) -> None:
    assert deny(policy, req=request("analytics.everything")) is Rule.unknown_purpose


def test_item_not_in_purpose(policy: Policy) -> None:
    assert deny(policy, req=request(items=("email", "name"))) is Rule.item_not_in_purpose


def test_archived_items_only_for_the_statutory_purpose(policy: Policy) -> None:
    archived = replace(BASE, archived_items=frozenset({"email"}))
    assert deny(policy, subject=archived) is Rule.archived
    statutory = decide_access(policy, request(STATUTORY_PURPOSE), archived, GRANTS, NOW)
    assert statutory.allowed
    # ... and the statutory purpose reads nothing that is still live.
    assert deny(policy, req=request(STATUTORY_PURPOSE)) is Rule.unknown_purpose


def test_no_grant(policy: Policy) -> None:
    assert deny(policy, grants=GRANTS[1:]) is Rule.no_grant


@pytest.mark.parametrize(
    "grant",
    [
        Grant("clerk", NEWSLETTER, granted_at=T0, expires_at=NOW),
        Grant("clerk", NEWSLETTER, granted_at=T0, revoked_at=NOW - timedelta(seconds=1)),
        Grant("clerk", NEWSLETTER, granted_at=NOW + timedelta(seconds=1)),
        Grant("someone-else", NEWSLETTER, granted_at=T0),
    ],
    ids=["expired", "revoked", "not-yet", "other-actor"],
)
def test_a_grant_that_is_not_live_is_no_grant(policy: Policy, grant: Grant) -> None:
    assert deny(policy, grants=(grant, *GRANTS[1:])) is Rule.no_grant


def test_retention_ended(policy: Policy) -> None:
    # The newsletter rule: until consent is withdrawn, at most 36 months from consent.
    later = T0 + timedelta(days=3 * 366 + 1)
    still_granted = (Grant("clerk", NEWSLETTER, granted_at=T0),)
    assert deny(policy, grants=still_granted, now=later) is Rule.retention_ended


def test_restricted(policy: Policy) -> None:
    restricted = replace(BASE, restrictions=(Restriction(at=NOW - timedelta(days=1)),))
    assert deny(policy, subject=restricted) is Rule.restricted


def test_a_lifted_restriction_no_longer_applies(policy: Policy) -> None:
    lifted = Restriction(at=T0, lifted_at=NOW - timedelta(seconds=1))
    decision = decide_access(policy, request(), replace(BASE, restrictions=(lifted,)), GRANTS, NOW)
    assert decision.allowed


def test_objection_to_direct_marketing_always_wins(policy: Policy) -> None:
    objected = replace(BASE, marketing_objection_at=NOW - timedelta(seconds=1))
    assert deny(policy, subject=objected) is Rule.objection
    # ... and does not touch a contractual purpose.
    assert decide_access(policy, request(ACCOUNT), objected, GRANTS, NOW).allowed


def test_pending_request_freezes_the_items(policy: Policy) -> None:
    pending = replace(BASE, pending_items=frozenset({"email"}))
    assert deny(policy, subject=pending) is Rule.pending_request


def test_guardian_consent_for_a_child(policy: Policy) -> None:
    child = replace(BASE, needs_guardian=True)
    assert deny(policy, subject=child) is Rule.guardian_consent
    consented = replace(child, guardian_consent_at=T0)
    assert decide_access(policy, request(), consented, GRANTS, NOW).allowed


def test_reconsent_required_after_a_significant_change(policy: Policy) -> None:
    changed = replace(BASE, changed_terms={NEWSLETTER: NOW - timedelta(days=1)})
    assert deny(policy, subject=changed) is Rule.reconsent_required
    renewed = replace(
        changed, consents=(*BASE.consents, consent(ConsentAction.given, NOW - timedelta(hours=1)))
    )
    assert decide_access(policy, request(), renewed, GRANTS, NOW).allowed


def test_withdrawn_consent_is_no_lawful_basis_from_the_next_call(policy: Policy) -> None:
    withdrawn_at = NOW - timedelta(seconds=1)
    withdrawn = replace(
        BASE, consents=(*BASE.consents, consent(ConsentAction.withdrawn, withdrawn_at))
    )
    assert deny(policy, subject=withdrawn) is Rule.lawful_basis
    # One second earlier the consent still held.
    before = decide_access(policy, request(), withdrawn, GRANTS, withdrawn_at - timedelta(0, 1))
    assert before.allowed


def test_no_consent_ever_given_is_no_lawful_basis(policy: Policy) -> None:
    assert deny(policy, subject=replace(BASE, consents=())) is Rule.lawful_basis


def test_a_closed_account_ends_the_contract_basis(policy: Policy) -> None:
    closed = replace(BASE, events={**BASE.events, "account_closed": NOW - timedelta(days=1)})
    # The account rule ends at account_closed, so retention refuses first ...
    assert deny(policy, req=request(ACCOUNT), subject=closed) is Rule.retention_ended
    ended = replace(BASE, events={**BASE.events, "contract_ended": NOW - timedelta(days=1)})
    # ... while a contract that ended without closing the account leaves only the basis.
    assert deny(policy, req=request(ACCOUNT), subject=ended) is Rule.lawful_basis
