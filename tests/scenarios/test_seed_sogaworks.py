"""Seed 003 (SogaWorks, GDPR controller): the promises survive encoding and rendering."""

from __future__ import annotations

from policyvault.domain.policy.data import Basis, ConsentCategory, ItemType, Sensitivity
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right, TrackerCategory, UnderAge
from tests.scenarios.notice_text import NoticeFacts, rendered_text

SEED = "sogaworks"


def test_the_file_checks_clean(clean_policy: Policy) -> None:
    assert clean_policy.jurisdictions == ["eu-gdpr"]
    assert clean_policy.languages == ["en", "ko"]


def test_every_gdpr_right_the_seed_names_is_granted(policy: Policy) -> None:
    assert set(policy.rights.granted) == {
        Right.access,
        Right.correction,
        Right.deletion,
        Right.objection,
        Right.restriction,
        Right.portability,
        Right.withdraw_consent,
    }
    limits = " ".join(text.get("en") for text in policy.rights.limitations)
    assert "machine-readable" in limits


def test_id_copies_are_unique_identifiers_kept_for_fraud_prevention(policy: Policy) -> None:
    item = policy.items["id_documents"]
    assert item.type is ItemType.file
    assert Sensitivity.unique_identifier in policy.sensitivity_of("id_documents")
    assert policy.purposes_of_item("id_documents") == ["security.fraud_prevention"]
    [basis] = policy.purposes["security.fraud_prevention"].bases
    assert basis.basis is Basis.legitimate_interest
    assert basis.interest is not None and "fraud prevention" in basis.interest.get("en").lower()


def test_account_order_and_upload_items(policy: Policy) -> None:
    assert policy.items["password"].type is ItemType.password
    assert Sensitivity.password in policy.sensitivity_of("password")
    assert Sensitivity.financial in policy.sensitivity_of("billing_information")
    assert policy.items["drawing"].type is ItemType.file
    account = policy.collection_points["account"]
    assert {
        "first_name",
        "last_name",
        "phone",
        "email",
        "company_name",
        "job_title",
        "password",
    } <= set(account.items)
    order = policy.collection_points["order"]
    assert {"name", "delivery_address", "billing_information"} <= set(order.items)
    assert policy.collection_points["feedback"].required == ["first_name", "last_name", "email"]


def test_log_files_collect_what_the_seed_lists(policy: Policy) -> None:
    point = policy.collection_points["log_files"]
    assert point.kind.value == "automatic"
    assert set(point.items) == {
        "ip_address",
        "browser_type",
        "isp",
        "operating_system",
        "timestamps",
        "clickstream",
    }


def test_breach_is_notified_to_users_and_regulators(policy: Policy) -> None:
    assert policy.breach is not None
    assert policy.breach.notify_subjects
    assert policy.breach.notify_regulators
    assert policy.breach.channels is not None
    assert "push message" in policy.breach.channels.get("en")


def test_cookies_pixel_tags_and_third_party_analytics(policy: Policy) -> None:
    assert policy.cookies is not None
    trackers = {t.name: t for t in policy.cookies.trackers}
    pixels = [t for t in trackers.values() if t.kind == "pixel"]
    assert [t.name for t in pixels] == ["pixel tags"]
    analytics = trackers["third-party analytics cookies"]
    assert analytics.category is TrackerCategory.analytics
    assert analytics.provider is not None  # third party, even though the seed names none
    assert trackers["marketing cookies"].category is TrackerCategory.marketing
    assert trackers["session cookies"].category is TrackerCategory.essential


def test_marketing_and_partner_sharing_rest_on_consent(policy: Policy) -> None:
    marketing = policy.purposes["marketing.recommendations"]
    sharing = policy.purposes["marketing.partner_sharing"]
    assert marketing.direct_marketing and sharing.direct_marketing
    assert marketing.consent_categories == {ConsentCategory.marketing}
    assert sharing.consent_categories == {ConsentCategory.third_party_provision}
    assert policy.purposes["other.with_consent"].consent_based


def test_retention_invents_no_period(policy: Policy) -> None:
    assert len(policy.retention) == len(policy.purposes)
    for rule in policy.retention:
        assert rule.until == "purpose_achieved"
        assert rule.period is None
    assert policy.statutory_retention == []
    assert [h.reason for h in policy.legal_holds] == ["required_by_law"]


def test_minors_under_18_only_with_guardians(children_rule: tuple[str, int, UnderAge]) -> None:
    assert children_rule == ("eu-gdpr", 18, UnderAge.guardian_consent)


def test_remedy_bodies_and_changes_without_notice_period(policy: Policy) -> None:
    names = [b.name.get("en") for b in policy.remedy_bodies]
    assert len(names) == 4
    assert any("court" in n.lower() for n in names)
    assert any("self-regulation" in n.lower() for n in names)
    assert policy.changes.notice_days == 0
    assert policy.changes.significant_notice_days == 0


def test_the_privacy_contact_is_customer_service_with_no_invented_address(
    policy: Policy,
) -> None:
    # The seed publishes no privacy contact, only "contact our customer service".
    officer = policy.contacts.privacy_officer
    assert officer.department is not None
    assert officer.department.get("en") == "Customer service"
    assert officer.email is None and officer.phone is None and not officer.reachable
    assert policy.contacts.departments == []


def test_no_country_time_zone_or_promise_the_seed_does_not_state(policy: Policy) -> None:
    assert policy.controller.country is None
    assert policy.timezone == "UTC"  # required by the schema; the seed states none
    assert policy.destruction.approval_required is None
    assert policy.rights.agents_allowed is None
    assert policy.rights.freeze_while_pending is None
    assert policy.access_log is None


# --- the rendered notice -------------------------------------------------------------------


ENGLISH = NoticeFacts(
    mentions=(
        "Photocopies of ID and related documents",
        "Billing information",
        "machine-readable format",
        "push message",
        "under the age of 18",
        "The court with jurisdiction over the controller",
        "Not stated in this policy",  # the cookie lifetimes
    ),
    omits=(
        "sogaworks.invalid",
        "with the approval of",
        "exercised by the data subject in person",
        "Access records",
        "Until the browser session ends",
    ),
)
KOREAN = NoticeFacts(
    mentions=(
        "신분증 사본 및 관련 서류",
        "결제 정보",
        "기계 판독이 가능한 형식",
        "푸시 메시지",
        "만 18세 미만",
        "자율규제 단체",
    )
)


def test_rendered_english_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    text = rendered_text(policy, fmt, "en")
    ENGLISH.check(text)
    assert "pixel tags" in text.lower()


def test_rendered_korean_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    KOREAN.check(rendered_text(policy, fmt, "ko"))
