"""The vault's workflows on the memory stores: collection with consent, purpose-bound
reads, consent withdrawal on the next call, disclosure to declared recipients only, grants,
corrections, lookups by blind index, crypto-shredding, and an audit entry for everything."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.vault.conftest import ADMIN, APP, CLERK, MemoryVault, sample_value

from policyvault.crypto.blind_index import IndexKind
from policyvault.crypto.hazmat import DecryptionFailed
from policyvault.domain.access import Rule
from policyvault.domain.consent import ConsentGiver
from policyvault.domain.errors import InvalidInput
from policyvault.domain.policy.data import ConsentCategory
from policyvault.services.values import InvalidValue
from policyvault.services.vault import CollectionRefused, ConsentChoice, Evidence, SubjectNotFound

WEB = Evidence(
    channel="web", notice_hash="sha256:abc", ip_address="192.0.2.10", user_agent="Mozilla/5.0 test"
)
EMAIL = "kim.minji@example.com"
INQUIRY = {
    "company_name": "Example Trading",
    "contact_person": "Kim Minji",
    "email": EMAIL,
    "phone": "010-5555-0199",
}
INQUIRY_CONSENTS = [
    ConsentChoice(ConsentCategory.collection_use, ("product.inquiry",)),
    ConsentChoice(ConsentCategory.overseas_transfer, ("product.inquiry",)),
]


def inquiry(m: MemoryVault) -> str:
    return m.vault.collect("product_inquiry", INQUIRY, INQUIRY_CONSENTS, WEB, APP).subject_id


def test_collect_then_read_for_an_allowed_purpose(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    result = megazone.vault.read(subject, ["email", "phone"], "product.inquiry", CLERK)
    assert result.allowed, result.decision
    assert result.values == {"email": EMAIL.encode(), "phone": b"+821055550199"}


def test_nothing_is_stored_in_plaintext(megazone: MemoryVault) -> None:
    inquiry(megazone)
    state = repr(megazone.store.raw_state()).encode()
    for value in (EMAIL, "Kim Minji", "Example Trading", "5555", "192.0.2.10", "Mozilla"):
        assert value.encode() not in state


@pytest.mark.parametrize(
    ("values", "consents", "rule"),
    [
        ({**INQUIRY, "ssn": "x"}, INQUIRY_CONSENTS, "undeclared_item"),
        (
            {k: v for k, v in INQUIRY.items() if k != "phone"},
            INQUIRY_CONSENTS,
            "missing_required_item",
        ),
        (INQUIRY, INQUIRY_CONSENTS[:1], "required_consent_missing"),
        (
            INQUIRY,
            [*INQUIRY_CONSENTS, ConsentChoice(ConsentCategory.marketing, ("product.inquiry",))],
            "consent_not_offered",
        ),
        (INQUIRY, [*INQUIRY_CONSENTS, INQUIRY_CONSENTS[0]], "duplicate_consent"),
    ],
    ids=[
        "undeclared",
        "missing-required",
        "no-required-consent",
        "consent-not-asked",
        "consent-twice",
    ],
)
def test_refused_collection_stores_nothing_and_is_audited(
    megazone: MemoryVault, values: dict[str, str], consents: list[ConsentChoice], rule: str
) -> None:
    with pytest.raises(CollectionRefused) as refused:
        megazone.vault.collect("product_inquiry", values, consents, WEB, APP)
    assert refused.value.rule == rule
    assert megazone.store.raw_state().subjects == {}
    [entry] = megazone.audit_entries()
    assert entry.event.action == "vault.collect"
    assert not entry.event.decision.allowed and entry.event.decision.rule == rule
    assert EMAIL not in repr(entry)


def test_a_bad_value_is_refused_without_echo(megazone: MemoryVault) -> None:
    with pytest.raises(InvalidValue) as refused:
        megazone.vault.collect(
            "product_inquiry", {**INQUIRY, "email": "kim at example"}, INQUIRY_CONSENTS, WEB, APP
        )
    assert "kim at example" not in str(refused.value)
    assert megazone.store.raw_state().subjects == {}


def test_optional_items_need_their_consent() -> None:
    shop = MemoryVault("minimal", Path(__file__).resolve().parents[2] / "policies" / "minimal.yaml")
    values = {"email": "reader@example.com", "name": "Sample Reader"}
    newsletter = ConsentChoice(ConsentCategory.marketing, ("marketing.newsletter",))
    assert shop.vault.collect("sign_up", values, [], WEB, APP).item_keys == ("email", "name")
    with pytest.raises(CollectionRefused) as refused:
        shop.vault.collect("sign_up", {**values, "newsletter_topics": "gardening"}, [], WEB, APP)
    assert refused.value.rule == "optional_item_without_consent"
    collected = shop.vault.collect(
        "sign_up", {**values, "newsletter_topics": "gardening"}, [newsletter], WEB, APP
    )
    assert "newsletter_topics" in collected.item_keys


def test_withdrawal_takes_effect_on_the_next_call(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    megazone.clock.advance(timedelta(days=1))
    megazone.vault.withdraw_consent(
        subject, ConsentCategory.collection_use, ["product.inquiry"], WEB, APP
    )
    megazone.clock.advance(timedelta(seconds=1))
    denied = megazone.vault.read(subject, ["email"], "product.inquiry", CLERK)
    assert not denied.allowed and denied.decision.rule is Rule.lawful_basis
    assert denied.values == {}


def test_every_read_decision_is_audited_without_values(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    denied = megazone.vault.read(subject, ["email"], "product.inquiry", CLERK)
    assert denied.decision.rule is Rule.no_grant
    entry = megazone.audit_entries()[-1]
    assert entry.event.action == "vault.read"
    assert entry.event.decision.rule == "no_grant" and not entry.event.decision.allowed
    assert entry.event.subject_id == subject and entry.event.item_keys == ("email",)
    assert all(EMAIL not in repr(e) for e in megazone.audit_entries())


def test_disclosure_only_to_declared_recipients(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    google = megazone.vault.disclose(
        subject, ["email", "phone"], "google", "product.inquiry", CLERK
    )
    assert google.allowed
    undeclared = megazone.vault.disclose(subject, ["email"], "stripe", "product.inquiry", CLERK)
    assert not undeclared.allowed
    wrong_purpose = megazone.vault.disclose(
        subject, ["email"], "google", "membership.management", CLERK
    )
    assert not wrong_purpose.allowed
    [disclosure] = megazone.store.raw_state().disclosures
    assert disclosure.recipient_id == "google" and disclosure.item_keys == ("email", "phone")


def test_overseas_transfer_needs_its_separate_consent(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    megazone.clock.advance(timedelta(hours=1))
    megazone.vault.withdraw_consent(
        subject, ConsentCategory.overseas_transfer, ["product.inquiry"], WEB, APP
    )
    megazone.clock.advance(timedelta(seconds=1))
    refused = megazone.vault.disclose(subject, ["email"], "google", "product.inquiry", CLERK)
    assert not refused.allowed and "overseas_transfer" in refused.decision.reason
    # ... while reading for the purpose itself still holds on the collection consent.
    assert megazone.vault.read(subject, ["email"], "product.inquiry", CLERK).allowed


def test_a_revoked_grant_stops_reads(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    grant = megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    megazone.vault.revoke_grant(grant.id, ADMIN)
    assert megazone.vault.read(subject, ["email"], "product.inquiry", CLERK).decision.rule is (
        Rule.no_grant
    )
    actions = [e.event.action for e in megazone.audit_entries()]
    assert "grant.create" in actions and "grant.revoke" in actions


def test_correction_replaces_the_value_and_the_lookup(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    assert megazone.vault.find_subjects(
        IndexKind.email, " KIM.MINJI@example.com", CLERK, purpose="product.inquiry"
    ) == [subject]
    megazone.vault.correct(subject, "email", "minji.kim@example.com", CLERK)
    assert (
        megazone.vault.find_subjects(IndexKind.email, EMAIL, CLERK, purpose="product.inquiry") == []
    )
    assert megazone.vault.find_subjects(
        IndexKind.email, "minji.kim@example.com", CLERK, purpose="product.inquiry"
    ) == [subject]
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    read = megazone.vault.read(subject, ["email"], "product.inquiry", CLERK)
    assert read.values["email"] == b"minji.kim@example.com"


def test_shredding_makes_the_subject_unreadable_for_good(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    before = {k: i.sealed for k, i in megazone.store.raw_state().items.items()}
    wrapped = megazone.store.raw_state().keys[subject]
    megazone.vault.shred(subject, ADMIN, reason="retention ended")
    with pytest.raises(SubjectNotFound):
        megazone.vault.read(subject, ["email"], "product.inquiry", CLERK)
    assert (
        megazone.vault.find_subjects(IndexKind.email, EMAIL, CLERK, purpose="product.inquiry") == []
    )
    assert subject not in megazone.store.raw_state().keys
    # A copy of the ciphertext taken before (a backup) cannot be opened with any other key.
    from policyvault.crypto.envelope import open_sealed
    from policyvault.crypto.hazmat import generate_key

    sealed = before[(subject, "email")]
    with pytest.raises(DecryptionFailed):
        open_sealed(generate_key(), subject, "email", sealed)
    assert wrapped  # the only key that could open it is gone from the vault


def test_events_must_be_known(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    with pytest.raises(InvalidInput):
        megazone.vault.record_event(subject, "made_up_event", CLERK)


def test_retention_ends_with_the_inquiry(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    megazone.clock.advance(timedelta(seconds=1))
    read = megazone.vault.read(subject, ["email"], "product.inquiry", CLERK)
    assert read.decision.rule is Rule.retention_ended


def test_a_child_under_14_is_refused_where_the_policy_does_not_collect(
    megazone: MemoryVault,
) -> None:
    with pytest.raises(CollectionRefused) as refused:
        megazone.vault.collect("product_inquiry", INQUIRY, INQUIRY_CONSENTS, WEB, APP, age=13)
    assert refused.value.rule == "below_minimum_age"


def test_guardian_consent_unlocks_consent_based_processing() -> None:
    utracs = MemoryVault("utracs")
    point_key, point = next(
        (k, p)
        for k, p in utracs.vault.context.policy.collection_points.items()
        if p.kind.value == "inquiry"
    )
    policy = utracs.vault.context.policy
    values = {k: sample_value(policy.items[k]) for k in point.required}
    consents = [ConsentChoice(c.category, tuple(c.purposes)) for c in point.consents]
    collected = utracs.vault.collect(point_key, values, consents, WEB, APP, age=12)
    assert collected.needs_guardian
    purpose = point.purposes[0]
    utracs.vault.grant(CLERK.id, purpose, ADMIN)
    denied = utracs.vault.read(collected.subject_id, ["email"], purpose, CLERK)
    assert denied.decision.rule is Rule.guardian_consent
    utracs.vault.record_guardian_consent(
        collected.subject_id,
        guardian_name="Parent Name",
        relationship="mother",
        method="mobile_phone_verification",
        evidence_reference="ref-123",
        actor=CLERK,
    )
    assert utracs.vault.read(collected.subject_id, ["email"], purpose, CLERK).allowed
    assert ConsentGiver.guardian  # guardians may also give consents themselves


def test_passwords_are_verify_only() -> None:
    optapex = MemoryVault("lgcns-optapex")
    point = optapex.vault.context.policy.collection_points["sign_up"]
    consents = [ConsentChoice(c.category, tuple(c.purposes)) for c in point.consents if c.required]
    subject = optapex.vault.collect(
        "sign_up",
        {"email": "new@example.com", "password": "correct horse battery"},
        consents,
        WEB,
        APP,
    ).subject_id
    assert optapex.vault.check_password(subject, "password", "correct horse battery", APP)
    assert not optapex.vault.check_password(subject, "password", "wrong password", APP)
    stored = optapex.store.raw_state().items[(subject, "password")]
    assert stored.hashed and b"correct horse" not in stored.sealed
    # The Argon2id hash is sealed too, so shredding the subject shreds the hash.
    assert b"$argon2id$" not in stored.sealed


def test_a_grant_can_be_shortened_and_the_change_is_audited(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    grant = megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    ends = megazone.clock.now() + timedelta(hours=1)
    changed = megazone.vault.change_grant(grant.id, ends, ADMIN)
    assert changed.expires_at == ends
    assert megazone.vault.read(subject, ["email"], "product.inquiry", CLERK).allowed
    megazone.clock.advance(timedelta(hours=1))
    expired = megazone.vault.read(subject, ["email"], "product.inquiry", CLERK)
    assert expired.decision.rule is Rule.no_grant
    assert "grant.change" in [e.event.action for e in megazone.audit_entries()]
    with pytest.raises(InvalidInput):
        megazone.vault.change_grant(grant.id, megazone.clock.now() - timedelta(days=1), ADMIN)


def test_a_callers_text_never_reaches_the_audit_log_or_the_error(megazone: MemoryVault) -> None:
    hostile = "Robert Paulson lives at 12 Elm Street"
    with pytest.raises(CollectionRefused) as refused:
        megazone.vault.collect(
            "product_inquiry", {**INQUIRY, hostile: "x"}, INQUIRY_CONSENTS, WEB, APP
        )
    assert hostile not in str(refused.value)
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    denied = megazone.vault.disclose(subject, ["email"], hostile, "product.inquiry", CLERK)
    assert not denied.allowed and hostile not in denied.decision.reason
    unknown_purpose = megazone.vault.read(subject, ["email"], hostile, CLERK)
    assert not unknown_purpose.allowed and hostile not in unknown_purpose.decision.reason
    assert all(hostile not in repr(e) for e in megazone.audit_entries())


def test_collecting_again_cannot_replace_a_frozen_value(megazone: MemoryVault) -> None:
    from policyvault.domain.vault import ItemFreeze

    subject = inquiry(megazone)
    with megazone.store.session() as session:
        session.add_freeze(ItemFreeze(subject, "email", "request-1", megazone.clock.now()))
    with pytest.raises(CollectionRefused) as refused:
        megazone.vault.collect(
            "product_inquiry", INQUIRY, INQUIRY_CONSENTS, WEB, APP, subject_id=subject
        )
    assert refused.value.rule == "item_kept"


def test_collecting_again_moves_the_lookup_to_the_new_address(megazone: MemoryVault) -> None:
    subject = inquiry(megazone)
    megazone.vault.grant(CLERK.id, "product.inquiry", ADMIN)
    megazone.vault.collect(
        "product_inquiry",
        {**INQUIRY, "email": "new.address@example.com"},
        INQUIRY_CONSENTS,
        WEB,
        APP,
        subject_id=subject,
    )
    assert (
        megazone.vault.find_subjects(IndexKind.email, EMAIL, CLERK, purpose="product.inquiry") == []
    )
    assert megazone.vault.find_subjects(
        IndexKind.email, "new.address@example.com", CLERK, purpose="product.inquiry"
    ) == [subject]


def test_no_account_grants_itself_access(megazone: MemoryVault) -> None:
    from policyvault.domain.errors import Refused

    with pytest.raises(Refused):
        megazone.vault.grant(ADMIN.id, "product.inquiry", ADMIN)


def test_half_a_surrogate_pair_is_an_invalid_value(megazone: MemoryVault) -> None:
    with pytest.raises(InvalidValue):
        megazone.vault.collect(
            "product_inquiry", {**INQUIRY, "contact_person": "\ud800"}, INQUIRY_CONSENTS, WEB, APP
        )


def test_a_lookup_needs_a_grant_for_a_declared_purpose(megazone: MemoryVault) -> None:
    from policyvault.domain.errors import AccessDenied

    inquiry(megazone)
    with pytest.raises(AccessDenied):
        megazone.vault.find_subjects(IndexKind.email, EMAIL, CLERK, purpose="product.inquiry")
    with pytest.raises(AccessDenied):
        megazone.vault.find_subjects(IndexKind.email, EMAIL, CLERK, purpose="made.up")
    denied = megazone.audit_entries()[-1].event
    assert denied.action == "vault.lookup" and not denied.decision.allowed
