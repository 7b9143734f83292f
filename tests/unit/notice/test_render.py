"""The privacy notice: every example policy renders in both formats and both languages, with a
sound structure, the facts of the file, and hostile text shown as text."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policyvault.cli.main import app
from policyvault.domain.policy.duration import Duration
from policyvault.domain.policy.model import Policy
from policyvault.domain.policy.retention import BUILTIN_EVENT_LABELS, BUILTIN_EVENTS
from policyvault.domain.policy.text import Language
from policyvault.services.notice import describe_period, render_notice
from policyvault.services.policy_files import load_policy, read_policy_text

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "policies").glob("*.yaml"))
MEGAZONE = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
POLICIES = ROOT / "examples" / "policies"

# Headings every notice has, whatever the policy says.
HEADINGS = {
    "en": [
        "Purposes of processing personal information",
        "Personal information items processed",
        "Processing and retention periods of personal information",
        "Procedure and method of destroying personal information",
        "Provision of personal information to third parties",
        "Entrustment of personal information processing",
        "Overseas transfer of personal information",
        "Rights and duties of data subjects and their legal representatives",
        "Measures to ensure the safety of personal information",
        "Installation, operation and refusal of automatic collection devices (cookies)",
        "Privacy officer",
        "Remedies for infringement of rights",
        "Changes to this privacy policy",
    ],
    "ko": [
        "개인정보의 처리 목적",
        "처리하는 개인정보의 항목",
        "개인정보의 처리 및 보유 기간",
        "개인정보의 파기 절차 및 방법",
        "개인정보의 제3자 제공",
        "개인정보 처리업무의 위탁",
        "개인정보의 국외 이전",
        "정보주체와 법정대리인의 권리·의무 및 행사방법",
        "개인정보의 안전성 확보조치",
        "개인정보 자동 수집 장치의 설치·운영 및 거부에 관한 사항",
        "개인정보 보호책임자",
        "권익침해 구제방법",
        "개인정보 처리방침의 변경",
    ],
}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


# --- reading the output back -------------------------------------------------------------


@dataclass
class TableView:
    caption: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    col_scopes: list[str | None] = field(default_factory=list)

    def row(self, first_cell: str) -> list[str]:
        matches = [r for r in self.rows if r and r[0] == first_cell]
        assert matches, f"no row {first_cell!r} in table {self.caption!r}: {self.rows}"
        return matches[0]


@dataclass
class Outline:
    """What a rendered notice consists of, the same for HTML and Markdown."""

    headings: list[tuple[int, str]] = field(default_factory=list)
    tables: list[TableView] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def table(self, caption: str) -> TableView:
        matches = [t for t in self.tables if t.caption == caption]
        assert matches, f"no table {caption!r} in {[t.caption for t in self.tables]}"
        return matches[0]


class _HtmlOutline(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = Outline()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.html_lang: str | None = None
        self._text: list[str] | None = None
        self._heading: int | None = None
        self._table: TableView | None = None
        self._in_thead = False
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.outline.anchors.append(str(attributes["id"]))
        if tag == "html":
            self.html_lang = attributes.get("lang")
        elif tag == "a" and attributes.get("href"):
            self.outline.links.append(str(attributes["href"]))
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = int(tag[1]), []
        elif tag == "table":
            self._table = TableView()
        elif tag == "thead":
            self._in_thead = True
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td", "caption"):
            self._text = []
            if tag == "th" and self._in_thead and self._table is not None:
                self._table.col_scopes.append(attributes.get("scope"))
        elif tag == "br" and self._text is not None:
            self._text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        text = "".join(self._text or []).strip()
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.outline.headings.append((self._heading, text))
            self._heading, self._text = None, None
        elif tag == "caption" and self._table is not None:
            self._table.caption, self._text = text, None
        elif tag in ("th", "td") and self._row is not None:
            self._row.append(text)
            self._text = None
        elif tag == "tr" and self._table is not None and self._row is not None:
            if self._in_thead:
                self._table.headers = self._row
            else:
                self._table.rows.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_thead = False
        elif tag == "table" and self._table is not None:
            self.outline.tables.append(self._table)
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


_PIPE = re.compile(r"(?<!\\)\|")


def _md_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("<br>", "\n")).strip()


def md_outline(text: str) -> Outline:
    outline = Outline()
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if match := re.match(r"^(#{1,6}) (.*)$", line):
            outline.headings.append((len(match.group(1)), _md_unescape(match.group(2))))
        outline.anchors += re.findall(r'<a id="([^"]+)"></a>', line)
        outline.links += re.findall(r"\]\((#[^)]+)\)", line)
        if line.startswith("|"):
            assert index >= 2 and lines[index - 1] == "", f"table not after a blank line: {line}"
            caption = lines[index - 2]
            assert caption.startswith("**") and caption.endswith("**"), f"no caption: {line}"
            table = TableView(caption=_md_unescape(caption[2:-2]))
            block = []
            while index < len(lines) and lines[index].startswith("|"):
                block.append(lines[index])
                index += 1
            cells = [[c for c in _PIPE.split(row)[1:-1]] for row in block]
            assert all(len(row) == len(cells[0]) for row in cells), block
            assert all(c.strip() == "---" for c in cells[1]), block
            table.headers = [_md_unescape(c) for c in cells[0]]
            table.rows = [[_md_unescape(c) for c in row] for row in cells[2:]]
            table.col_scopes = ["col"] * len(table.headers)
            outline.tables.append(table)
            continue
        index += 1
    return outline


def outline_of(text: str, fmt: str) -> Outline:
    if fmt == "md":
        return md_outline(text)
    parser = _HtmlOutline()
    parser.feed(text)
    parser.close()
    return parser.outline


# --- structure ---------------------------------------------------------------------------


def assert_structure(text: str, fmt: str, lang: str) -> Outline:
    outline = outline_of(text, fmt)
    levels = [level for level, _ in outline.headings]
    assert levels.count(1) == 1 and levels[0] == 1, outline.headings
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    assert outline.tables, "a notice without a single table"
    for table in outline.tables:
        assert table.caption, f"table without caption: {table.headers}"
        assert table.headers and all(table.headers), f"table {table.caption!r} lacks headers"
        assert table.col_scopes == ["col"] * len(table.headers), table.caption
        assert all(len(row) == len(table.headers) for row in table.rows), table.caption
    assert len(set(outline.anchors)) == len(outline.anchors), "an id is used twice"
    for link in outline.links:
        if link.startswith("#"):
            assert link[1:] in outline.anchors, f"in-page link {link} leads nowhere"
    h2 = [title for level, title in outline.headings if level == 2]
    for heading in HEADINGS[lang]:
        assert any(heading in title for title in h2), f"missing section {heading!r}"
    if lang == "en":
        for heading in HEADINGS["ko"]:
            assert not any(heading in title for title in h2)
    else:
        assert all(HANGUL.search(title) for title in h2 if "개인정보" in title or "권" in title)
        for heading in HEADINGS["en"]:
            assert not any(heading in title for title in h2)
    return outline


def assert_self_contained_html(text: str, lang: str) -> None:
    parser = _HtmlOutline()
    parser.feed(text)
    assert text.startswith("<!DOCTYPE html>")
    assert parser.html_lang == lang
    tags = [tag for tag, _ in parser.tags]
    assert ("meta", {"charset": "utf-8"}) in parser.tags
    assert tags.count("title") == 1 and "<title></title>" not in text
    for forbidden in ("script", "link", "img", "iframe", "object", "embed"):
        assert forbidden not in tags, f"<{forbidden}> in a self-contained notice"
    assert all("src" not in attrs for _, attrs in parser.tags)
    style = re.search(r"<style>(.*?)</style>", text, re.S)
    assert style is not None
    assert "@import" not in style.group(1) and "url(" not in style.group(1)
    assert "@media print" in style.group(1)
    assert "nav" in tags, "no table of contents"


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_renders_soundly(path: Path, fmt: str, lang: Language) -> None:
    policy = load_policy(path)
    text = render_notice(policy, fmt=fmt, lang=lang)
    outline = assert_structure(text, fmt, lang)
    if fmt == "html":
        assert_self_contained_html(text, lang)
    else:
        assert "<script" not in text and "\n\n\n" not in text
    assert policy.controller.legal_name.get(lang) in outline.headings[0][1]


def test_there_are_examples() -> None:
    assert MEGAZONE in EXAMPLES


# --- facts from the Megazone file ---------------------------------------------------------


@pytest.fixture(scope="module")
def megazone() -> Policy:
    return load_policy(MEGAZONE)


FACTS: dict[str, dict[str, Any]] = {
    "en": {
        "statutory": "Records kept by law",
        "advertising": ("Records of labeling and advertising", "6 months"),
        "transfer": "Overseas transfers",
        "countries": [
            "United States",
            "Taiwan",
            "Japan",
            "Australia",
            "Singapore",
            "European Union",
        ],
        "officer": ("Privacy officer and departments", "Privacy officer"),
        "retention": ("Retention period for each purpose", "Membership management"),
        "until": "Until account closure",
        # The seed says "Service provision: 3 years", not from when: the period alone.
        "years": ("Service provision", "3 years"),
    },
    "ko": {
        "statutory": "법령 등에 따라 보존하는 기록",
        "advertising": ("표시·광고에 관한 기록", "6개월"),
        "transfer": "국외 이전 현황",
        "countries": ["미국", "대만", "일본", "싱가포르", "유럽연합"],
        "officer": ("개인정보 보호책임자 및 담당부서", "개인정보 보호책임자"),
        "retention": ("처리 목적별 보유 기간", "회원 관리"),
        "until": "회원 탈퇴 시까지",
        "years": ("서비스 제공", "3년"),
    },
}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_megazone_facts(megazone: Policy, fmt: str, lang: str) -> None:
    facts = FACTS[lang]
    outline = outline_of(render_notice(megazone, fmt=fmt, lang=lang), fmt)

    record, period = facts["advertising"]
    statutory = outline.table(facts["statutory"])
    assert period in statutory.row(record)
    assert len(statutory.rows) == 7

    google = outline.table(facts["transfer"]).row("Google LLC")
    for country in facts["countries"]:
        assert country in google[1]
    assert "googlekrsupport@google.com" in " ".join(google)
    assert all(r[0] != "Amazon Web Services, Inc." for r in outline.table(facts["transfer"]).rows)

    caption, role = facts["officer"]
    assert "1644-2243" in outline.table(caption).row(role)

    caption, purpose = facts["retention"]
    retention = outline.table(caption)
    assert facts["until"] in retention.row(purpose)
    purpose, text = facts["years"]
    assert retention.row(purpose)[2] == text


def test_megazone_english_details(megazone: Policy) -> None:
    html = render_notice(megazone, fmt="html", lang="en")
    assert "<title>Megazone Cloud Co., Ltd. Privacy Policy</title>" in html
    outline = outline_of(html, "html")
    entrusted = outline.table("Processors and the tasks entrusted to them")
    assert [r[0] for r in entrusted.rows] == ["Amazon Web Services, Inc."]
    # The seed names no country for AWS: neither abroad nor asserted to be in Korea.
    assert entrusted.row("Amazon Web Services, Inc.")[3] == "Not stated in this policy"
    assert "destroys it without delay" in html and "within 5 days" not in html
    assert "with the approval of the privacy officer" in html
    assert "at least 7 days before they take effect" in html
    assert "at least 30 days before" in html
    assert "Act on Consumer Protection in Electronic Commerce, etc. Decree Art. 6(1)1" in html
    assert "Power of attorney according to Form No. 11" in html
    assert "Responsibility for linked sites" in html
    items = outline.table("Items collected at each collection point").row("Product inquiry")
    assert items[1] == "Company name, Name of person in charge, Email, Phone number"
    # The seed states no separate consent to the transfer to Google.
    assert "overseas transfer" not in items[5]
    google = outline.table("Overseas transfers").row("Google LLC")
    assert google[8] == "Not stated in this policy"  # the seed states no basis
    # Article 9 names four browsers, Internet Explorer among them.
    for browser in ("Internet Explorer", "Chrome", "Safari", "Microsoft Edge"):
        assert browser in html
    assert 'Megazone Cloud Co., Ltd. (the "Company") has established' in html.replace("&#34;", '"')
    assert '<a href="https://privacy.kisa.or.kr">' in html
    history = outline.table("Versions of this privacy policy")
    assert history.rows == [["2023-08-30", "August 30, 2023", "Current privacy policy"]]


def test_megazone_korean_details(megazone: Policy) -> None:
    md = render_notice(megazone, fmt="md", lang="ko")
    assert md.startswith("# 메가존클라우드 주식회사 개인정보 처리방침\n")
    assert "## 제1조(개인정보의 처리 목적)" in md
    assert "지체 없이 해당 개인정보를 파기합니다" in md and "5일 이내에" not in md
    assert '메가존클라우드 주식회사(이하 "회사")는' in md
    for browser in ("Internet Explorer", "Chrome", "Safari", "Microsoft Edge"):
        assert browser in md
    assert "시행 7일 전부터" in md and "시행 30일 전부터" in md
    assert "별지 제11호 서식에 따른 위임장" in md
    assert "2023년 8월 30일" in md
    outline = md_outline(md)
    assert outline.table("연령 기준").rows == [
        ["「개인정보 보호법」", "만 14세", "개인정보를 수집하지 않음"]
    ]


# --- every branch: a policy that uses every optional part ---------------------------------


def policy_from(data: dict[str, Any]) -> Policy:
    """A policy read back through the loader (JSON is YAML), so every check of a file applies."""
    result = read_policy_text(json.dumps(data, ensure_ascii=False), "derived.yaml")
    assert result.policy is not None, [str(e) for e in result.errors]
    return result.policy


def full_policy(base: Policy) -> Policy:
    """Megazone with every optional part of the schema filled in."""
    data = base.model_dump(mode="json", by_alias=True)
    data["jurisdictions"] = ["kr-pipa", "eu-gdpr", "us-ccpa"]
    data["controller"]["address"] = {"en": "1 Example Road, Seoul", "ko": "서울 예시로 1"}
    data["controller"]["website"] = "www.example.com"
    data["events"] = {
        "fraud_case_closed": {"en": "closure of the fraud case", "ko": "부정 이용 조사 종료"}
    }
    data["record_categories"] = [
        {"key": "user.contact", "label": {"en": "Contact Data", "ko": "연락처 정보"}}
    ]
    data["items"]["resident_number"] = {
        "label": {"en": "Resident registration number", "ko": "주민등록번호"},
        "category": "user.government_id.national_identification_number",
    }
    data["purposes"]["fraud.prevention"] = {
        "label": {"en": "Fraud prevention", "ko": "부정 이용 방지"},
        "bases": [
            {
                "basis": "legitimate_interest",
                "interest": {"en": "Keeping the service safe", "ko": "서비스 안전 유지"},
            },
            {"basis": "legal_obligation", "law": {"en": "Tax law", "ko": "세법"}},
        ],
        "items": ["ip_address", "resident_number"],
        "direct_marketing": True,
    }
    data["retention"].append(
        {
            "purpose": "fraud.prevention",
            "until": "fraud_case_closed",
            "period": "P1Y6M",
            "from": "collected",
            "then": "anonymise",
        }
    )
    data["statutory_retention"].append(
        {
            "record_type": "fraud_records",
            "label": {"en": "Fraud records", "ko": "부정 이용 기록"},
            "kind": "company_policy",
            "reason": {"en": "Preventing repeat fraud", "ko": "부정 이용 재발 방지"},
            "period": "P90D",
            "from": "unauthorized_use_detected",
        }
    )
    data["retention"][2]["from"] = "collected"  # a period with its start stated
    data["legal_holds"] = [
        {
            "reason": "litigation",
            "description": {"en": "While litigation is pending", "ko": "소송 진행 중"},
        }
    ]
    data["provision"] = {
        "statement": {"en": "We provide data only as listed.", "ko": "아래와 같이만 제공합니다."},
        "recipients": [
            {
                "id": "partner",
                "name": "Partner Inc.",
                "purpose": {"en": "Joint marketing", "ko": "공동 마케팅"},
                "purposes": ["product.inquiry"],
                "items": ["email"],
                "countries": ["US"],
                "basis": "consent",
                "sale_or_sharing": True,
            }
        ],
        "exceptions": [{"en": "When the law requires it", "ko": "법률에 특별한 규정이 있는 경우"}],
    }
    data["cookies"] = {
        "trackers": [
            {
                "name": "_ga",
                "provider": "Google LLC",
                "purpose": {"en": "Measuring visits", "ko": "방문 통계"},
                "category": "analytics",
                "duration": "P1Y1M",
            }
        ],
        "how_to_refuse": {"en": "Use the banner", "ko": "배너에서 거부"},
    }
    data["children"] = {
        "rules": [
            {"jurisdiction": "kr-pipa", "minimum_age": 14, "under_age": "refuse"},
            {"jurisdiction": "eu-gdpr", "minimum_age": 16, "under_age": "guardian_consent"},
        ],
        "retention": {"en": "Deleted when consent is refused", "ko": "동의 거부 시 삭제"},
    }
    data["rights"]["granted"] = [
        "access", "correction", "deletion", "restriction", "objection", "portability",
        "withdraw_consent", "opt_out_sale", "limit_sensitive", "automated_decision",
    ]  # fmt: skip
    data["rights"]["agents_allowed"] = False
    data["rights"]["freeze_while_pending"] = False
    data["rights"]["channels"].append({"kind": "web", "address": "https://www.example.com/privacy"})
    data["contacts"]["representatives"] = [
        {"name": {"en": "EU Rep GmbH"}, "email": "rep@example.com", "phone": "+49 30 555 0100"}
    ]
    data["breach"] = {
        "notify_subjects": True,
        "notify_regulators": False,
        "channels": {"en": "E-mail", "ko": "전자우편"},
    }
    data["ccpa"] = {
        "categories_collected": [{"en": "Identifiers", "ko": "식별자"}],
        "sources": [{"en": "Directly from you", "ko": "정보주체로부터 직접"}],
        "business_purposes": {"en": "Answering inquiries", "ko": "문의 응대"},
        "third_party_categories": [{"en": "Advertising partners", "ko": "광고 파트너"}],
        "sells_or_shares": True,
    }
    data["destruction"].update(grace_period_days=0, approval_required=False)
    data["access_log"] = {"retention": "P1Y", "tamper_evident": False}
    data["processors"][0]["countries"] = ["KR"]
    data["changes"].update(notice_days=0, significant_notice_days=30)
    data["history"] = []
    data["sections"].append(
        {
            "key": "extra.notes",
            "title": {"en": "Notes", "ko": "참고"},
            "text": {"en": "One.\n\nTwo.", "ko": "하나.\n\n둘."},
        }
    )
    return policy_from(data)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_every_optional_part_renders(megazone: Policy, fmt: str, lang: str) -> None:
    text = render_notice(full_policy(megazone), fmt=fmt, lang=lang)
    outline = assert_structure(text, fmt, lang)
    h2 = " ".join(title for level, title in outline.headings if level == 2)
    expected = {
        "en": [
            "1 year and 6 months after collection",
            "Until closure of the fraud case, or 1 year and 6 months after collection if that "
            "comes first",
            "Anonymised",
            "Company policy: Preventing repeat fraud",
            "90 days",
            "Legitimate interests: Keeping the service safe",
            "Compliance with a legal obligation (Tax law)",
            "Direct marketing",
            "1 year and 1 month",
            "Partner Inc.",
            "A sale or sharing under the CCPA",
            "When the law requires it",
            "While litigation is pending",
            "Resident registration number",
            "Unique identifier",
            "Contact Data",
            "Collected only with the consent of a parent or legal guardian",
            "Rights must be exercised by the data subject in person.",
            "Personal information is not withheld from use while a request to correct",
            "EU Rep GmbH",
            "rep@example.com",
            "The Company sells or shares personal information.",
            "no later than the day they take effect",
            "destroys it without delay",
            "Destruction is carried out automatically",
            "kept for at least 1 year; they are not protected against forgery or alteration.",
            "3 years after collection",
            "Current version",
            "United States",
        ],
        "ko": [
            "부정 이용 조사 종료 시 또는 수집 후 1년 6개월 중 먼저 도래하는 때까지",
            "익명처리",
            "회사 내부 방침: 부정 이용 재발 방지",
            "90일",
            "정당한 이익: 서비스 안전 유지",
            "1년 1개월",
            "고유식별정보",
            "법정대리인의 동의를 받아 수집",
            "늦어도 시행일까지",
            "지체 없이 해당 개인정보를 파기합니다",
            "접속기록의 위조·변조 방지 조치는 하지 않습니다",
            "수집 후 3년",
            "현행",
            "미국",
        ],
    }[lang]
    flat = text.replace("\\", "")
    for fact in expected:
        assert fact in flat, fact
    for heading in {
        "en": ["(CCPA)", "breaches", "Notes", "children"],
        "ko": ["CCPA", "유출", "참고", "아동"],
    }[lang]:
        assert heading in h2, heading
    assert "))" not in h2  # no parentheses doubled around a title that has its own
    if lang == "ko":  # the tamper heading only where the file promises tamper protection
        titles = " ".join(title for _, title in outline.headings)
        assert "위·변조 방지" not in titles and "접속기록의 보관" in titles
    if fmt == "html":
        assert_self_contained_html(text, lang)
        assert "<p>One.</p>\n<p>Two.</p>" in text or "<p>하나.</p>\n<p>둘.</p>" in text
        assert 'href="https://www.example.com"' in text
        assert 'href="mailto:rep@example.com"' in text


# --- hostile text -------------------------------------------------------------------------

HOSTILE = "<script>alert('x')</script> | *bold* [a](javascript:alert(1)) & co"


def hostile_policy(base: Policy) -> Policy:
    """Megazone with markup in a label, the controller's name and a section."""
    data = base.model_dump(mode="json", by_alias=True)
    data["items"]["name"]["label"] = {"en": HOSTILE, "ko": HOSTILE}
    data["controller"]["legal_name"] = {"en": "Evil <b>Corp</b> | Ltd", "ko": "<i>악성</i> | 회사"}
    data["sections"].append(
        {
            "key": "hostile",
            "title": {"en": "# <h1>Injected</h1>", "ko": "# <h1>주입</h1>"},
            "text": {"en": "- <em>list</em>\n1. item", "ko": "> 인용"},
        }
    )
    return policy_from(data)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_hostile_text_is_escaped_in_html(megazone: Policy, lang: str) -> None:
    html = render_notice(hostile_policy(megazone), fmt="html", lang=lang)
    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<h1>Injected" not in html and "<h1>주입" not in html
    assert not any(href.startswith("javascript") for href in re.findall(r'href="([^"]*)"', html))
    outline = assert_structure(html, "html", lang)
    assert_self_contained_html(html, lang)
    purposes = outline.tables[0]
    assert any(HOSTILE in cell for row in purposes.rows for cell in row)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_hostile_text_is_escaped_in_markdown(megazone: Policy, lang: str) -> None:
    md = render_notice(hostile_policy(megazone), fmt="md", lang=lang)
    assert "<script>" not in md and "<b>" not in md and "<h1>" not in md
    assert r"\<script\>" in md and r"\|" in md and r"\[a\]" in md and r"\*bold\*" in md
    assert re.search(r"(?<!\\)\]\(javascript", md) is None  # no link, only its text
    outline = assert_structure(md, "md", lang)
    purposes = outline.tables[0]
    assert any(HOSTILE in cell for row in purposes.rows for cell in row)
    titles = [t for level, t in outline.headings if level == 2]
    assert any("# <h1>" in t for t in titles)  # shown as text, not as a heading of its own


# --- values, errors, the command ----------------------------------------------------------


@pytest.mark.parametrize(
    ("iso", "en", "ko"),
    [
        ("P6M", "6 months", "6개월"),
        ("P3Y", "3 years", "3년"),
        ("P1Y", "1 year", "1년"),
        ("P1Y6M", "1 year and 6 months", "1년 6개월"),
        ("P1M", "1 month", "1개월"),
        ("P90D", "90 days", "90일"),
        ("P1D", "1 day", "1일"),
        ("P2W", "2 weeks", "2주"),
        ("P36M", "36 months", "36개월"),
        ("P1Y2M3D", "1 year, 2 months and 3 days", "1년 2개월 3일"),
    ],
)
def test_periods_read_as_words(iso: str, en: str, ko: str) -> None:
    assert describe_period(Duration.parse(iso), "en") == en
    assert describe_period(Duration.parse(iso), "ko") == ko


def test_every_builtin_event_has_a_label_in_both_languages() -> None:
    assert set(BUILTIN_EVENT_LABELS) == BUILTIN_EVENTS
    for label in BUILTIN_EVENT_LABELS.values():
        assert label.has("en") and label.has("ko")


@pytest.mark.parametrize(("fmt", "lang"), [("pdf", "en"), ("html", "fr"), ("HTML", "en")])
def test_unknown_format_or_language_is_refused(megazone: Policy, fmt: str, lang: str) -> None:
    with pytest.raises(ValueError, match="expected one of"):
        render_notice(megazone, fmt=fmt, lang=lang)


def test_cli_writes_the_notice(tmp_path: Path) -> None:
    out = tmp_path / "notice.html"
    args = ["policy", "render", str(MEGAZONE), "--format", "html", "--lang", "ko", "-o", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="ko">' in html
    assert_structure(html, "html", "ko")
    assert_self_contained_html(html, "ko")


def test_cli_prints_markdown(tmp_path: Path) -> None:
    args = ["policy", "render", str(MEGAZONE), "--format", "md", "--lang", "en"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Megazone Cloud Co., Ltd. Privacy Policy\n")
    assert_structure(result.stdout, "md", "en")


def test_cli_refuses_an_unknown_format() -> None:
    result = CliRunner().invoke(app, ["policy", "render", str(MEGAZONE), "--format", "pdf"])
    assert result.exit_code != 0


def test_processors_all_abroad_are_not_reported_as_no_entrustment() -> None:
    policy = load_policy(POLICIES / "virtual-petals.yaml")
    for lang, wrong, right in (
        ("en", "does not entrust", "listed under the overseas transfer"),
        ("ko", "위탁하지 않습니다", "국외 이전 항목에 기재"),
    ):
        text = render_notice(policy, fmt="md", lang=lang)
        assert wrong not in text
        assert right in text


def test_a_tracker_without_a_stated_lifetime_is_not_called_a_session_cookie() -> None:
    policy = load_policy(POLICIES / "megazone-cloudplex.yaml")
    assert policy.cookies is not None
    assert all(t.duration is None and not t.session for t in policy.cookies.trackers)
    text = render_notice(policy, fmt="md", lang="en")
    assert "Not stated in this policy" in text
    assert "Until the browser session ends" not in text


# --- what the file does not say, the notice does not say ------------------------------------


def _flat(policy: Policy, lang: str) -> str:
    return re.sub(r"\s+", " ", render_notice(policy, fmt="md", lang=lang).replace("\\", ""))


def unstated_policy(base: Policy) -> Policy:
    """Megazone with every optional promise left unstated and no recipients, cookies or
    remedy bodies at all."""
    data = base.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key in ("processors", "provision", "cookies", "remedy_bodies", "access_log"):
        data.pop(key, None)
    for key in ("agents_allowed", "agent_document", "freeze_while_pending"):
        data["rights"].pop(key, None)
    data["destruction"].pop("approval_required", None)
    data["destruction"].pop("procedure")  # it names the approval in the seed's own words
    data["collection_points"].pop("automatic")
    data["purposes"].pop("service.provision")
    data["retention"] = [r for r in data["retention"] if r["purpose"] != "service.provision"]
    data["statutory_retention"] = [
        r for r in data["statutory_retention"] if r["record_type"] != "visit_logs"
    ]
    for key in ("ip_address", "cookie_id", "service_use_records", "visit_records"):
        data["items"].pop(key)
    data["items"].pop("bad_use_records")
    data["ccpa"] = {
        "categories_collected": [{"en": "Identifiers", "ko": "식별자"}],
        "sources": [{"en": "Directly from you", "ko": "정보주체로부터 직접"}],
        "business_purposes": {"en": "Answering inquiries", "ko": "문의 응대"},
    }
    return policy_from(data)


NEGATIVES = {
    "en": [
        "does not provide",
        "does not entrust",
        "does not transfer",
        "does not install",
        "does not sell",
        "sells or shares personal information",
        "exercised through an agent",
        "exercised by the data subject in person",
        "neither used nor provided",
        "not withheld from use",
        "with the approval of",
        "carried out automatically",
        "Access records",
        "supervisory authority",
    ],
    "ko": [
        "제공하지 않습니다",
        "위탁하지 않습니다",
        "이전하지 않습니다",
        "설치·운영하지 않습니다",
        "판매하거나 공유하지 않습니다",
        "대리인을 통하여",
        "대리인을 통한 권리 행사",
        "본인이 직접 행사",
        "이용하거나 제공하지 않습니다",
        "승인을 받아",
        "자동으로 파기합니다",
        "접속기록",
        "감독기관",
    ],
}
NAMES_NONE = {
    "en": [
        "This policy names no third parties to whom personal information is provided.",
        "This policy names no processors to whom the processing of personal information is "
        "entrusted.",
        "This policy names no overseas transfer of personal information.",
        "This policy names no automatic collection devices such as cookies.",
        "This policy names no body, other than the Company, that offers remedies.",
    ],
    "ko": [
        "본 방침은 개인정보를 제공받는 제3자를 기재하고 있지 않습니다.",
        "본 방침은 개인정보 처리업무를 위탁받는 수탁자를 기재하고 있지 않습니다.",
        "본 방침은 개인정보의 국외 이전을 기재하고 있지 않습니다.",
        "본 방침은 쿠키 등 개인정보 자동 수집 장치를 기재하고 있지 않습니다.",
        "본 방침은 회사 외에 권익침해 구제를 받을 수 있는 기관을 기재하고 있지 않습니다.",
    ],
}


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_nothing_declared_reads_as_nothing_named_never_as_a_promise(
    megazone: Policy, lang: str
) -> None:
    policy = unstated_policy(megazone)
    assert policy.access_log is None and policy.rights.agents_allowed is None
    assert policy.ccpa is not None and policy.ccpa.sells_or_shares is None
    text = _flat(policy, lang)
    for sentence in NAMES_NONE[lang]:
        assert sentence in text, sentence
    for promise in NEGATIVES[lang]:
        assert promise not in text, promise
    assert_structure(render_notice(policy, fmt="html", lang=lang), "html", lang)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_an_explicit_negative_in_the_file_is_rendered_from_the_file(lang: str) -> None:
    # UTRACS states "In principle, the Company does not provide your personal information to
    # outside parties": the notice repeats the file's words, not a fixed sentence.
    policy = load_policy(POLICIES / "utracs.yaml")
    assert policy.provision is not None
    text = _flat(policy, lang)
    assert policy.provision.statement.get(lang) in text
    assert NAMES_NONE[lang][0] not in text


@pytest.mark.parametrize(
    ("value", "en", "ko"),
    [
        (True, "Rights may also be exercised through an agent", "대리인을 통하여 권리를"),
        (False, "exercised by the data subject in person", "본인이 직접 행사"),
    ],
)
def test_a_stated_promise_renders_either_way(
    megazone: Policy, value: bool, en: str, ko: str
) -> None:
    data = unstated_policy(megazone).model_dump(mode="json", by_alias=True, exclude_none=True)
    data["rights"]["agents_allowed"] = value
    data["rights"]["freeze_while_pending"] = value
    data["destruction"]["approval_required"] = value
    data["access_log"] = {"retention": "P2Y", "tamper_evident": value}
    data["ccpa"]["sells_or_shares"] = value
    policy = policy_from(data)
    english, korean = _flat(policy, "en"), _flat(policy, "ko")
    assert en in english and ko in korean
    if value:
        assert "neither used nor provided" in english
        assert "with the approval of the privacy officer" in english
        assert "protected so that they cannot be forged or altered" in english
        assert "접속기록의 보관 및 위·변조 방지" in korean
        assert "The Company sells or shares personal information." in english
    else:
        assert "not withheld from use" in english
        assert "carried out automatically" in english
        assert "they are not protected against forgery or alteration" in english
        assert "위·변조 방지" not in " ".join(
            t for _, t in md_outline(render_notice(policy, fmt="md", lang="ko")).headings
        )
        assert "The Company does not sell or share personal information." in english
    assert "at least 2 years" in english


def test_a_period_without_a_stated_start_reads_as_the_period_alone(megazone: Policy) -> None:
    data = megazone.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["retention"][0] = {
        "purpose": "membership.management",
        "until": "account_closed",
        "period": "P36M",
    }
    policy = policy_from(data)
    en = outline_of(render_notice(policy, fmt="md", lang="en"), "md")
    ko = outline_of(render_notice(policy, fmt="md", lang="ko"), "md")
    assert en.table("Retention period for each purpose").row("Membership management")[2] == (
        "Until account closure, or after 36 months if that comes first"
    )
    assert ko.table("처리 목적별 보유 기간").row("회원 관리")[2] == (
        "회원 탈퇴 시 또는 36개월 경과 시 중 먼저 도래하는 때까지"
    )


def test_unstated_countries_and_unreachable_contacts_are_said_so(megazone: Policy) -> None:
    data = megazone.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["provision"]["recipients"] = [
        {
            "id": "partner",
            "name": "Partner Inc.",
            "purpose": {"en": "Joint webinars", "ko": "공동 웨비나"},
            "purposes": ["product.inquiry"],
            "items": ["email"],
            "basis": "consent",
        }
    ]
    data["contacts"]["privacy_officer"] = {"department": {"en": "Customer service"}}
    policy = policy_from(data)
    assert policy.contacts.privacy_officer.reachable is False
    outline = outline_of(render_notice(policy, fmt="md", lang="en"), "md")
    recipient = outline.table("Recipients of personal information").row("Partner Inc.")
    assert recipient[4] == "Not stated in this policy"
    officer = outline.table("Privacy officer and departments").row("Privacy officer")
    assert officer[3:] == ["Customer service", "—", "—"]


def test_the_public_notice_shows_no_data_use_keys(megazone: Policy) -> None:
    for lang in ("en", "ko"):
        text = render_notice(megazone, fmt="md", lang=lang)
        purposes = md_outline(text).tables[0]
        assert len(purposes.headers) == 4
        assert "Data use" not in purposes.headers and "데이터 이용 유형" not in purposes.headers
        for purpose in megazone.purposes.values():
            assert purpose.data_use is not None and purpose.data_use not in text


def test_no_doubled_parentheses_around_names_and_titles() -> None:
    policy = load_policy(POLICIES / "lgcns-optapex.yaml")
    ko = _flat(policy, "ko")
    assert '주식회사 엘지씨엔에스 (LG CNS, 이하 "회사")는' in ko
    assert ")(" not in ko
    titles = [t for _, t in md_outline(render_notice(policy, fmt="md", lang="ko")).headings]
    assert not any("))" in t for t in titles)
    assert any(
        t.startswith("제") and "CCPA에 따른 캘리포니아 주민 대상 추가 고지" in t for t in titles
    )
    en = _flat(policy, "en")
    assert 'LG CNS Co., Ltd. (the "Company") has established' in en


def test_a_korean_title_with_its_own_parentheses_is_not_wrapped_in_more(
    megazone: Policy,
) -> None:
    data = megazone.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["sections"][0]["title"] = {"en": "Linked sites (external)", "ko": "링크 사이트(외부)"}
    titles = [
        t
        for level, t in md_outline(render_notice(policy_from(data), fmt="md", lang="ko")).headings
        if level == 2
    ]
    assert "제12조 링크 사이트(외부)" in titles
    assert "제1조(개인정보의 처리 목적)" in titles
