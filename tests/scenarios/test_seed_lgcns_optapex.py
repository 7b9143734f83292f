"""Seed 002 (LG CNS, Optapex / MOP): the promises of the published policy survive encoding
and rendering."""

from __future__ import annotations

from datetime import date

import pytest

from policyvault.domain.policy.data import ConsentCategory, ItemType, Sensitivity
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right, UnderAge
from policyvault.domain.policy.retention import EndAction
from tests.scenarios.notice_text import NoticeFacts, rendered_text

SEED = "lgcns-optapex"


def test_the_file_checks_clean(clean_policy: Policy) -> None:
    assert clean_policy.jurisdictions == ["kr-pipa", "eu-gdpr", "us-ccpa", "us-coppa"]
    assert clean_policy.languages == ["en", "ko"]
    assert clean_policy.effective_date == date(2025, 3, 17)


def test_forms_with_required_and_optional_items(policy: Policy) -> None:
    points = policy.collection_points
    assert points["contact_us"].required == [
        "name",
        "country_of_residence",
        "email",
        "company_name",
    ]
    assert points["contact_us"].optional == ["business_description", "job_title", "phone"]
    assert points["sign_up"].required == ["email", "password"]
    assert points["sign_up"].optional == []
    assert points["log_in"].required == ["name", "company_name", "category"]
    assert points["log_in"].optional == ["country", "company_description", "source_of_visit"]
    assert points["automatic"].required == ["ip_address", "visit_datetime", "service_usage_records"]
    assert policy.items["password"].type is ItemType.password


def test_email_marketing_is_kept_36_months_on_consent(policy: Policy) -> None:
    [rule] = [r for r in policy.retention if r.purpose == "marketing.newsletter"]
    assert rule.period == Duration(months=36)
    assert rule.until == "consent_withdrawn"
    assert rule.from_ is None  # "Email marketing / 36 months": from when is not stated
    marketing = policy.purposes["marketing.newsletter"]
    assert marketing.direct_marketing is True
    assert marketing.consent_based
    assert marketing.consent_categories == {ConsentCategory.marketing}


def test_gdpr_basis_is_consent_for_every_purpose(policy: Policy) -> None:
    assert all(p.consent_based for p in policy.purposes.values())


def test_retention_until_account_closure_then_delete_or_anonymise(policy: Policy) -> None:
    rules = [r for r in policy.retention if r.purpose == "solution.service"]
    assert {r.until for r in rules} == {"account_closed"}
    by_action = {r.then: set(r.items or []) for r in rules}
    assert {"name", "email", "company_name", "job_title", "category"} <= by_action[EndAction.delete]
    assert by_action[EndAction.anonymise] == {
        "ip_address",
        "visit_datetime",
        "service_usage_records",
    }
    inquiry = {
        tuple(r.items or []): r.until for r in policy.retention if r.purpose == "inquiry.response"
    }
    assert inquiry[("name", "email", "company_name")] == "account_closed"


def test_investigation_hold(policy: Policy) -> None:
    [hold] = policy.legal_holds
    assert hold.reason == "investigation"
    assert "end of the investigation" in hold.description.get("en")


def test_aws_and_stripe_transfers_to_the_usa(policy: Policy) -> None:
    processors = {p.id: p for p in policy.processors}
    assert set(processors) == {"aws", "stripe"}
    stripe = processors["stripe"]
    assert stripe.name == "Stripe, Inc."
    assert stripe.countries == ["US"]
    assert set(stripe.items) == {"name", "email", "phone", "payment_method", "billing_address"}
    assert stripe.timing is not None and "payment is processed" in stripe.timing.get("en")
    assert stripe.method is not None and "Stripe" in stripe.method.get("en")
    assert stripe.retention is not None and "Stripe's policies" in stripe.retention.get("en")
    aws = processors["aws"]
    assert aws.countries == ["US"]
    assert set(aws.items) == set(policy.items)  # "All personal information collected"
    assert aws.timing is not None and aws.method is not None and aws.retention is not None
    assert Sensitivity.financial in policy.sensitivity_of("payment_method")


def test_third_party_provision_exceptions(policy: Policy) -> None:
    assert policy.provision is not None
    assert policy.provision.recipients == []
    exceptions = [e.get("en") for e in policy.provision.exceptions]
    assert len(exceptions) == 2
    assert "investigative agency" in exceptions[1]


def test_ccpa_disclosure(policy: Policy) -> None:
    ccpa = policy.ccpa
    assert ccpa is not None
    assert [c.get("en") for c in ccpa.categories_collected] == [
        "Identifiers",
        "Professional information",
        "Internet activity information",
    ]
    assert [s.get("en") for s in ccpa.sources] == [
        "Directly from you",
        "Automatically through your use of our website",
    ]
    assert [t.get("en") for t in ccpa.third_party_categories] == ["Service providers (e.g., AWS)"]
    assert "section 2" in ccpa.business_purposes.get("en")
    # The seed does not say whether anything is sold or shared: not stated, not "no".
    assert ccpa.sells_or_shares is None


def test_children_under_13(children_rule: tuple[str, int, UnderAge]) -> None:
    assert children_rule == ("us-coppa", 13, UnderAge.refuse)


def test_rights_and_deletion_requests_forwarded_to_stripe(policy: Policy) -> None:
    assert set(policy.rights.granted) == {
        Right.access,
        Right.correction,
        Right.deletion,
        Right.objection,
        Right.restriction,
        Right.withdraw_consent,
    }
    addresses = [c.address for c in policy.rights.channels if c.address]
    assert addresses == ["optapex@lgcns.com", "mop@lgcns.com"]
    assert any("Stripe" in limit.get("en") for limit in policy.rights.limitations)
    sections = {s.key: s for s in policy.sections}
    assert "Stripe" in sections["account_closure"].text.get("en")
    assert "Stripe" in sections["account_closure"].text.get("ko")


def test_contacts(policy: Policy) -> None:
    officer = policy.contacts.privacy_officer
    assert officer.email == "jiwon.kim@lgcns.com"
    assert officer.name is not None and officer.name.get("en") == "Jiwon Kim"
    assert [d.email for d in policy.contacts.departments] == ["bae_js@lgcns.com"]


def test_no_advance_notice_of_changes_is_promised(policy: Policy) -> None:
    assert policy.changes.notice_days == 0
    assert policy.changes.significant_notice_days == 0
    assert [h.version for h in policy.history] == ["2025-03-17"]


# --- the rendered notice -------------------------------------------------------------------


ENGLISH = NoticeFacts(
    near={"Stripe, Inc.": "United States", "Amazon Web Services": "United States"},
    mentions=(
        "36 months",
        "Until account closure",
        "Anonymised",
        "Internet activity information",
        "under the age of 13",
        "jiwon.kim@lgcns.com",
        "optapex@lgcns.com",
    ),
)
KOREAN = NoticeFacts(
    near={"Stripe, Inc.": "미국", "Amazon Web Services": "미국"},
    mentions=("36개월", "인터넷 활동 정보", "만 13세 미만", "수사", "jiwon.kim@lgcns.com"),
)


def test_rendered_english_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    ENGLISH.check(rendered_text(policy, fmt, "en"))


def test_rendered_korean_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    KOREAN.check(rendered_text(policy, fmt, "ko"))


def test_what_the_seed_does_not_say_is_left_unstated(policy: Policy) -> None:
    assert policy.access_log is None  # no access-log promise in the seed
    assert policy.destruction.grace_period_days == 0  # "without delay"
    assert policy.destruction.approval_required is None  # no approval step named
    assert policy.rights.freeze_while_pending is None


NO_SALE_OR_ACCESS_LOG_PROMISE = {
    "en": NoticeFacts(
        mentions=("36 months",),
        omits=(
            "does not sell or share",
            "Access records",
            "carried out automatically",
            "36 months after",
        ),
    ),
    "ko": NoticeFacts(
        mentions=("36개월",),
        omits=("판매하거나 공유하지 않습니다", "접속기록", "자동으로 파기합니다", "후 36개월"),
    ),
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_notice_makes_no_sale_or_access_log_promise(policy: Policy, lang: str) -> None:
    NO_SALE_OR_ACCESS_LOG_PROMISE[lang].check(rendered_text(policy, "md", lang))
