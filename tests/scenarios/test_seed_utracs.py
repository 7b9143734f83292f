"""Seed 004 (UTRACS): the promises of the published policy survive encoding and rendering."""

from __future__ import annotations

from datetime import date

from policyvault.domain.policy.data import ItemType
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.notice import Right, TrackerCategory, UnderAge
from policyvault.domain.policy.retention import RetentionKind
from tests.scenarios.notice_text import NoticeFacts, rendered_text

SEED = "utracs"


def test_the_file_checks_clean(clean_policy: Policy) -> None:
    assert clean_policy.jurisdictions == ["kr-pipa"]
    assert clean_policy.languages == ["en", "ko"]


def test_effective_date_is_the_first_day_of_2023(policy: Policy) -> None:
    # The seed says only "effective from 2023".
    assert policy.effective_date == date(2023, 1, 1)
    assert policy.timezone == "Asia/Seoul"


def test_unauthorized_use_records_are_kept_one_year_by_company_policy(policy: Policy) -> None:
    records = {r.record_type: r for r in policy.statutory_retention}
    record = records["unauthorized_use"]
    assert record.kind is RetentionKind.company_policy
    assert record.statute is None  # not a statute: the company chose it
    assert record.period == Duration(months=12)
    assert record.reason is not None
    assert record.reason.get("en") == "Prevention of unauthorized use"
    assert record.label.get("ko") == "부정 이용 기록"
    assert record.from_ == "unauthorized_use_detected"
    assert record.items == ["unauthorized_use_records"]


def test_statutory_records_and_their_periods(policy: Policy) -> None:
    records = {r.record_type: r for r in policy.statutory_retention}
    expected = {
        "contract_or_withdrawal": Duration(months=60),
        "payment_and_supply": Duration(months=60),
        "electronic_financial_transactions": Duration(months=60),
        "complaint_or_dispute": Duration(months=36),
    }
    for record_type, period in expected.items():
        record = records[record_type]
        assert record.kind is RetentionKind.statute
        assert record.period == period
        assert record.statute is not None
    assert "Electronic Financial Transactions" in str(
        records["electronic_financial_transactions"].statute
    )
    assert "Electronic Commerce" in str(records["complaint_or_dispute"].statute)


def test_online_inquiry_collects_subject_email_content_attachments_access_logs(
    policy: Policy,
) -> None:
    point = policy.collection_points["online_inquiry"]
    assert set(point.items) == {"subject", "email", "content", "attachments", "access_logs"}
    assert policy.items["attachments"].type is ItemType.file
    assert "attachments" in point.optional
    assert "inquiry.handling" in policy.purposes_of_item("attachments")
    assert policy.purposes["inquiry.handling"].label.get("en") == (
        "Online inquiries and service measures"
    )


def test_privacy_officer_and_request_channel(policy: Policy) -> None:
    assert policy.contacts.privacy_officer.email == "sales@utracs.com"
    assert [(c.kind.value, c.address) for c in policy.rights.channels] == [
        ("email", "sales@utracs.com")
    ]


def test_legal_representatives_of_children_under_14(
    policy: Policy, children_rule: tuple[str, int, UnderAge]
) -> None:
    assert children_rule == ("kr-pipa", 14, UnderAge.guardian_consent)
    assert policy.rights.agents_allowed
    assert {Right.access, Right.correction, Right.deletion} <= set(policy.rights.granted)


def test_separate_db_before_destruction(policy: Policy) -> None:
    destruction = policy.destruction
    # "destroys personal information without delay"; no approval step is named.
    assert destruction.grace_period_days == 0
    assert destruction.approval_required is None
    assert destruction.separate_store
    assert destruction.procedure is not None and "separate DB" in destruction.procedure.get("en")
    assert destruction.method is not None and "shredding" in destruction.method.get("en")
    assert "분쇄" in destruction.method.get("ko")


def test_no_third_party_provision_and_consignment_only_as_a_statement(policy: Policy) -> None:
    assert policy.provision is not None
    assert policy.provision.recipients == []
    assert "does not provide" in policy.provision.statement.get("en")
    assert policy.processors == []
    sections = {s.key: s for s in policy.sections}
    assert "after-sales" in sections["consignment"].text.get("en")


def test_cookies_for_targeted_marketing_and_how_to_refuse(policy: Policy) -> None:
    assert policy.cookies is not None
    [tracker] = policy.cookies.trackers
    assert tracker.category is TrackerCategory.marketing
    assert "targeted marketing" in tracker.purpose.get("en").lower()
    assert "Internet Options" in policy.cookies.how_to_refuse.get("en")
    assert policy.purposes["marketing.targeted"].direct_marketing


def test_four_remedy_bodies_with_phone_and_url(policy: Policy) -> None:
    bodies = {b.phone: b.url for b in policy.remedy_bodies}
    assert bodies == {
        "1833-6972": "https://www.kopico.go.kr",
        "118": "https://privacy.kisa.or.kr",
        "1301": "https://www.spo.go.kr",
        "182": "https://ecrm.police.go.kr",
    }


def test_changes_are_announced_by_pop_up_without_a_stated_period(policy: Policy) -> None:
    assert policy.changes.notice_days == 0
    assert policy.changes.significant_notice_days == 0
    assert policy.changes.channel is not None
    assert "pop-up" in policy.changes.channel.get("en").lower()
    assert "팝업" in policy.changes.channel.get("ko")


# --- the rendered notice -------------------------------------------------------------------


ENGLISH = NoticeFacts(
    near={
        "Records of unauthorized use": "1 year",
        "Records of electronic financial transactions": "5 years",
        "Records on consumer complaints or dispute handling": "3 years",
    },
    mentions=(
        "Attachments",
        "sales@utracs.com",
        "1833-6972",
        "does not provide your personal information to outside parties",
        "destroys it without delay",
    ),
    omits=(
        "within 5 days",
        "Access records",
        "carried out automatically",
        "neither used nor provided",
    ),
)
KOREAN = NoticeFacts(
    near={
        "부정 이용 기록": "1년",
        "전자금융 거래에 관한 기록": "5년",
        "소비자의 불만 또는 분쟁처리에 관한 기록": "3년",
    },
    mentions=(
        "첨부파일",
        "sales@utracs.com",
        "개인정보 분쟁조정위원회",
        "외부에 제공하지 않습니다",
        "타깃 마케팅",
    ),
    omits=("타겟", "접속기록"),  # the seed says nothing about staff access records
)


def test_rendered_english_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    ENGLISH.check(rendered_text(policy, fmt, "en"))


def test_rendered_korean_notice_keeps_the_key_facts(policy: Policy, fmt: str) -> None:
    KOREAN.check(rendered_text(policy, fmt, "ko"))


def test_no_access_log_promise(policy: Policy) -> None:
    # The users' own "access logs" are an item; nothing is said about staff access records.
    assert policy.access_log is None
    assert "access_logs" in policy.items
