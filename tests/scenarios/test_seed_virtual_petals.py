"""Seed 000 (Virtual Petals, OpsNow): the promises of the published policy survive encoding
and rendering."""

from __future__ import annotations

from datetime import date

from policyvault.domain.policy.data import Basis, CollectionKind, ItemType, Sensitivity
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right, SafetyKind
from tests.scenarios.notice_text import NoticeFacts, rendered_text

SEED = "virtual-petals"


def test_the_file_checks_clean(clean_policy: Policy) -> None:
    assert clean_policy.languages == ["en", "ko"]
    assert clean_policy.jurisdictions == ["eu-gdpr"]


def test_the_llc_is_the_controller_and_the_fzco_copy_is_noted(policy: Policy) -> None:
    name = policy.controller.legal_name.get("en")
    assert name == "VIRTUAL PETALS IT SOLUTIONS & CONSULTANCY – SOLE PROPRIETORSHIP L.L.C"
    assert policy.controller.services[0].get("en") == "OpsNow Service"
    sections = {s.key: s for s in policy.sections}
    assert "Virtual Petals MEA FZCO" in sections["entity_versions"].text.get("en")
    assert "Virtual Petals MEA FZCO" in sections["entity_versions"].text.get("ko")


def test_effective_from_january_2023_last_updated_2022_03_08(policy: Policy) -> None:
    assert policy.effective_date == date(2023, 1, 1)
    assert policy.version == "2022-03-08"
    [entry] = policy.history
    assert entry.effective_date == date(2023, 1, 1)


def test_the_eight_data_categories(policy: Policy) -> None:
    assert policy.custom_namespaces == ["user.virtualpetals"]
    labels = [c.label.get("en") for c in policy.record_categories]
    assert labels == [
        "Identity Data",
        "Contact Data",
        "Financial Data",
        "Transaction Data",
        "Technical Data",
        "Profile Data",
        "Usage Data",
        "Marketing and Communications Data",
    ]
    assert all(c.label.has("ko") and c.description for c in policy.record_categories)
    # Items map to fideslang where one fits.
    assert policy.items["email"].category == "user.contact.email"
    assert policy.items["bank_account"].category == "user.financial.bank_account"
    assert policy.items["ip_address"].category == "user.device.ip_address"


def test_purpose_table_with_every_basis_and_stated_interest(policy: Policy) -> None:
    bases = {key: [b.basis for b in p.bases] for key, p in policy.purposes.items()}
    assert bases == {
        "customer.registration": [Basis.contract],
        "order.processing": [Basis.contract, Basis.legitimate_interest],
        "relationship.management": [
            Basis.contract,
            Basis.legal_obligation,
            Basis.legitimate_interest,
        ],
        "business.administration": [Basis.legitimate_interest, Basis.legal_obligation],
        "content.delivery": [Basis.legitimate_interest],
        "website.analytics": [Basis.legitimate_interest],
        "recommendations": [Basis.legitimate_interest],
    }
    interests = {
        key: b.interest.get("en")
        for key, p in policy.purposes.items()
        for b in p.bases
        if b.interest is not None
    }
    assert interests["order.processing"] == "To recover debts due to us"
    assert "prevent fraud" in interests["business.administration"]
    assert "group restructuring" in interests["business.administration"]
    assert "define types of customers" in interests["website.analytics"]
    assert policy.purposes["recommendations"].direct_marketing
    # Data analytics uses Technical and Usage data only.
    assert set(policy.purposes["website.analytics"].items) == {
        "ip_address",
        "login_data",
        "browser",
        "time_zone_location",
        "browser_plugins",
        "operating_system",
        "device_technology",
        "usage_data",
    }


def test_collection_points_required_and_optional(policy: Policy) -> None:
    points = policy.collection_points
    assert points["contact_us"].kind is CollectionKind.contact_form
    assert points["contact_us"].required == ["name", "email"]
    assert points["registration"].required == ["email", "name"]
    assert points["registration"].optional == ["company_name"]
    service = points["service_use"]
    assert service.required == [
        "name",
        "company_name",
        "department_name",
        "email",
        "mobile_phone",
        "phone",
        "address",
        "zip_code",
    ]
    assert service.optional == ["bank_account", "payment_card"]


def test_five_outsourcing_companies_and_their_countries(policy: Policy) -> None:
    assert {p.name: p.countries for p in policy.processors} == {
        "NICE Information Service Inc.": ["KR"],
        "ZENDESK": ["US"],
        "LG U Inc.": ["KR"],
        "HYOSUNG FMS INC.": ["KR"],
        "Koryo Credit Information Co.Ltd": ["KR"],
    }
    tasks = {p.id: p.task.get("en") for p in policy.processors}
    assert tasks["koryo_credit"] == "Credit collection"
    assert tasks["zendesk"] == "Managing customer inquiries and information"


def test_destruction_within_five_days_through_a_separate_database(policy: Policy) -> None:
    assert policy.destruction.grace_period_days == 5
    assert policy.destruction.approval_required is None  # the seed names no approval step
    assert policy.destruction.separate_store is True
    assert policy.destruction.procedure is not None
    assert "separate database" in policy.destruction.procedure.get("en")


def test_access_logs_kept_one_year_tamper_proof(policy: Policy) -> None:
    # The only seed that states it: "at least one year ... to prevent forgery, alteration".
    assert policy.access_log is not None
    assert policy.access_log.retention == Duration(months=12)
    assert policy.access_log.retention.iso() == "P1Y"
    assert policy.access_log.tamper_evident is True


def test_passwords_and_financial_data_are_protected(policy: Policy) -> None:
    assert policy.items["password"].type is ItemType.password
    assert Sensitivity.password in policy.sensitivity_of("password")
    assert Sensitivity.financial in policy.sensitivity_of("bank_account")
    assert Sensitivity.financial in policy.sensitivity_of("payment_card")


def test_safety_measures_include_self_audits_and_encryption(policy: Policy) -> None:
    texts = [(m.kind, m.text.get("en")) for m in policy.safety_measures]
    assert any(k is SafetyKind.managerial and "self-audits" in t for k, t in texts)
    assert any(k is SafetyKind.technical and "passwords" in t for k, t in texts)
    assert any(k is SafetyKind.physical and "lock" in t for k, t in texts)
    assert len(texts) == 8


def test_changes_are_announced_seven_days_ahead(policy: Policy) -> None:
    assert policy.changes.notice_days == 7
    assert policy.changes.significant_notice_days == 7


def test_rights_include_objection_and_restriction(policy: Policy) -> None:
    assert set(policy.rights.granted) == {
        Right.access,
        Right.correction,
        Right.deletion,
        Right.restriction,
        Right.objection,
        Right.withdraw_consent,
    }
    assert policy.rights.freeze_while_pending is True
    assert policy.rights.agents_allowed is True
    assert [c.address for c in policy.rights.channels if c.address] == ["info@virtualpetals.com"]


def test_chief_privacy_officer(policy: Policy) -> None:
    officer = policy.contacts.privacy_officer
    assert officer.name is not None and officer.name.get("en") == "Jongho Kang"
    assert officer.email == "info@virtualpetals.com"
    assert policy.contacts.departments[0].email == "info@virtualpetals.com"


def test_longer_retention_for_complaints_and_disputes(policy: Policy) -> None:
    assert [h.reason for h in policy.legal_holds] == ["complaint", "litigation_or_dispute"]
    until = {r.purpose: r.until for r in policy.retention}
    assert until["customer.registration"] == "account_closed"
    assert until["website.analytics"] == "purpose_achieved"
    assert all(r.period is None for r in policy.retention)  # the seed states no period


# --- the rendered notice -------------------------------------------------------------------


ENGLISH = NoticeFacts(
    near={
        "ZENDESK": "United States",
        "NICE Information Service Inc.": "Korea",
        "Koryo Credit Information Co.Ltd": "Korea",
    },
    mentions=(
        "SOLE PROPRIETORSHIP L.L.C",
        "HYOSUNG FMS INC.",
        "LG U Inc.",
        "within 5 days",
        "1 year",
        "7 days",
        "Jongho Kang",
        "info@virtualpetals.com",
        "Marketing and Communications Data",
        "To recover debts due to us",
    ),
)
KOREAN = NoticeFacts(
    near={
        "ZENDESK": "미국",
        "NICE Information Service Inc.": "대한민국",
        "Koryo Credit Information Co.Ltd": "대한민국",
    },
    mentions=(
        "5일 이내",
        "자동으로 또는 쿠키를 통해 수집되는 정보",
        "접속기록의 보관 및 위·변조 방지",
        "1년",
        "7일",
        "개인정보 보호책임자",
        "Jongho Kang",
        "마케팅 및 커뮤니케이션 정보",
        "자체 감사",
        "당사에 대한 채권 회수",
    ),
)


def test_rendered_english_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    ENGLISH.check(rendered_text(policy, fmt, "en"))


def test_rendered_korean_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    KOREAN.check(rendered_text(policy, fmt, "ko"))


def test_each_data_category_lists_the_items_of_its_definition(policy: Policy) -> None:
    groups = {c.label.get("en"): c.items for c in policy.record_categories}
    assert groups["Identity Data"] == [
        "name",
        "maiden_name",
        "username",
        "marital_status",
        "title",
        "date_of_birth",
        "gender",
    ]
    assert set(groups["Contact Data"]) >= {"billing_address", "delivery_address", "email"}
    assert {"phone", "mobile_phone"} <= set(groups["Contact Data"])  # "telephone numbers"
    assert groups["Financial Data"] == ["bank_account", "payment_card"]
    assert groups["Transaction Data"] == ["payment_records", "purchased_products"]
    assert "ip_address" in groups["Technical Data"] and "login_data" in groups["Technical Data"]
    assert {"username", "password", "orders", "feedback", "survey_responses"} <= set(
        groups["Profile Data"]
    )
    assert groups["Usage Data"] == ["usage_data"]
    assert groups["Marketing and Communications Data"] == [
        "marketing_preferences",
        "communication_preferences",
    ]
    grouped = {item for items in groups.values() for item in items}
    assert set(policy.items) - grouped == {"company_name", "department_name"}


def test_the_automatic_collection_label_reads_naturally(policy: Policy) -> None:
    label = policy.collection_points["automatic"].label
    assert label.get("ko") == "자동으로 또는 쿠키를 통해 수집되는 정보"
