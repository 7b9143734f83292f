"""Seed 001 (Megazone Cloud, CloudPlex): the promises of the published policy survive
encoding and rendering in both languages."""

from __future__ import annotations

from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right, UnderAge
from tests.scenarios.notice_text import NoticeFacts, rendered_text

SEED = "megazone-cloudplex"

STATUTORY = {  # record type: (English label, Korean label, months)
    "contract_or_withdrawal": (
        "Records of contracts or subscription withdrawals",
        "계약 또는 청약철회",
        60,
    ),
    "payment_and_supply": ("Records of payment and supply of goods", "대금결제 및 재화", 60),
    "complaint_or_dispute": (
        "Records of consumer complaints or dispute resolution",
        "불만 또는 분쟁처리",
        36,
    ),
    "labeling_and_advertising": ("Records of labeling and advertising", "표시·광고에 관한 기록", 6),
    "tax_books": ("Books and supporting documents", "장부 및 증빙서류", 60),
    "electronic_financial_transactions": (
        "Records of electronic financial transactions",
        "전자금융 거래에 관한 기록",
        60,
    ),
    "visit_logs": ("Records of visits", "방문 기록", 3),
}


def test_the_statutory_retention_table(policy: Policy) -> None:
    records = {r.record_type: r for r in policy.statutory_retention}
    assert set(records) == set(STATUTORY)
    # kept for the statute alone from the start, or in use until the membership ends
    assert {k for k, r in records.items() if r.separate_from is None} == {
        "labeling_and_advertising",
        "visit_logs",
    }
    assert {r.separate_from for r in records.values()} == {None, "account_closed"}
    for key, (_, _, months) in STATUTORY.items():
        assert records[key].period == Duration(months=months), key


def test_required_items_per_collection_point(policy: Policy) -> None:
    points = policy.collection_points
    assert points["console_start"].required == ["email", "name"]
    assert points["product_inquiry"].required == [
        "company_name",
        "contact_person",
        "email",
        "phone",
    ]
    assert points["automatic"].kind.value == "automatic"


def test_retention_per_purpose(policy: Policy) -> None:
    rules = {r.purpose: r for r in policy.retention}
    assert rules["membership.management"].until == "account_closed"
    assert rules["product.inquiry"].until == "inquiry_completed"
    assert rules["service.provision"].period == Duration(months=36)


def test_processors_google_abroad_with_its_countries(policy: Policy) -> None:
    processors = {p.id: p for p in policy.processors}
    assert processors["aws"].name == "Amazon Web Services, Inc."
    assert processors["google"].countries == ["US", "TW", "JP", "AU", "SG", "EU"]


def test_destruction_needs_the_privacy_managers_approval(policy: Policy) -> None:
    assert policy.destruction.approval_required is True


def test_rights_children_and_notice_periods(
    policy: Policy, children_rule: tuple[str, int, UnderAge]
) -> None:
    assert policy.rights.granted == [
        Right.access,
        Right.correction,
        Right.deletion,
        Right.restriction,
    ]
    assert children_rule == ("kr-pipa", 14, UnderAge.refuse)
    assert (policy.changes.notice_days, policy.changes.significant_notice_days) == (7, 30)
    assert policy.contacts.privacy_officer.phone == "1644-2243"


ENGLISH = NoticeFacts(
    near={
        "Records of labeling and advertising": "6 months",
        "Records of visits": "3 months",
        "Records of payment and supply of goods, etc.": "kept separately after account closure",
    },
    mentions=(
        *(english for english, _, _ in STATUTORY.values()),
        *("Google LLC", "Taiwan", "Joowan Lee", "1644-2243", "7 days", "30 days"),
    ),
)
KOREAN = NoticeFacts(
    near={
        "표시·광고에 관한 기록": "6개월",
        "방문 기록": "3개월",
        "대금결제 및 재화 등의 공급에 관한 기록": "회원 탈퇴 후 분리 보관",
    },
    mentions=(
        *(korean for _, korean, _ in STATUTORY.values()),
        *("Google LLC", "대만", "이주완", "1644-2243", "만 14세 미만"),
    ),
)


def test_facts_survive_rendering_in_english(policy: Policy, fmt: str) -> None:
    ENGLISH.check(rendered_text(policy, fmt, "en"))


def test_facts_survive_rendering_in_korean(policy: Policy, fmt: str) -> None:
    KOREAN.check(rendered_text(policy, fmt, "ko"))
