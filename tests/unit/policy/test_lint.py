"""The policy linter: each rule fires on a policy that lacks what it checks, and stays quiet on
one that has it; every code it can emit is documented, and the CLI prints them by line.

Variants are built from the Megazone example: the file is read as plain data, edited, and
validated (schema and cross-reference checks), so every variant is a policy ``policy check``
accepts. ``clean_data`` fixes Megazone's gaps and declares all four laws the linter knows;
it has no finding at all, so it is the "does not trigger" case of every rule, and each
trigger below changes it in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from policyvault.cli.main import app
from policyvault.domain.policy.checks import check_policy
from policyvault.domain.policy.findings import Finding, Severity
from policyvault.domain.policy.lint import RULES, lint_policy, rule_codes
from policyvault.domain.policy.model import Policy
from policyvault.services.taxonomy import fideslang_taxonomy

ROOT = Path(__file__).resolve().parents[3]
MEGAZONE = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
LINT_PACKAGE = ROOT / "src" / "policyvault" / "domain" / "policy" / "lint"
DOC = ROOT / "docs" / "lint-rules.md"

Data = dict[str, Any]


def text(en: str, ko: str = "한국어 문장") -> dict[str, str]:
    return {"en": en, "ko": ko}


def megazone_data() -> Data:
    data: Data = YAML(typ="safe", pure=True).load(MEGAZONE.read_text(encoding="utf-8"))
    return data


def build(data: Data) -> Policy:
    """A valid policy from the data: the schema and every cross-reference check pass."""
    policy = Policy.model_validate(data)
    assert check_policy(policy, fideslang_taxonomy()) == []
    return policy


def clean_data() -> Data:
    data = megazone_data()
    data["jurisdictions"] = ["kr-pipa", "eu-gdpr", "us-ccpa", "us-coppa"]
    # What the Megazone seed leaves unstated, stated: access logs, AWS's country, the basis
    # of the Google transfer and its separate consent, the channel for changes.
    data["access_log"] = {"retention": "P1Y", "tamper_evident": True}
    data["processors"][0]["countries"] = ["KR"]
    data["processors"][1]["transfer_basis"] = "consent"
    data["processors"][1]["consent_category"] = "overseas_transfer"
    data["collection_points"]["product_inquiry"]["consents"].append(
        {"category": "overseas_transfer", "purposes": ["product.inquiry"], "required": True}
    )
    data["changes"]["channel"] = text("Notice on the website")
    data["controller"]["address"] = text("1 Example-ro, Jung-gu, Seoul", "서울특별시 중구 예시로 1")
    data["contacts"]["representatives"] = [
        {"name": text("EU Representative Ltd."), "email": "eu-rep@example.com"}
    ]
    data["collection_points"]["product_inquiry"]["optional"] = ["address"]
    data["processors"][1]["refusal"] = text("Refuse at the inquiry form; no inquiry then.")
    data["cookies"]["trackers"][0]["duration"] = "P1Y"
    data["rights"]["granted"] = [
        "access",
        "correction",
        "deletion",
        "restriction",
        "objection",
        "portability",
        "withdraw_consent",
    ]
    data["rights"]["channels"][3]["address"] = "+82 2-555-0100"  # the fax channel
    data["children"]["rules"].append(
        {"jurisdiction": "us-coppa", "minimum_age": 13, "under_age": "refuse"}
    )
    data["children"]["retention"] = text("We collect no data from children under 13.")
    data["ccpa"] = {
        "categories_collected": [text("Identifiers (name, e-mail, phone)")],
        "sources": [text("You, through our forms")],
        "business_purposes": text("Providing CloudPlex and answering inquiries"),
        "sells_or_shares": False,
    }
    return data


def declare(data: Data, *laws: str) -> Data:
    """Declare only these laws, dropping children rules for the others."""
    data["jurisdictions"] = list(laws)
    rules = [r for r in data["children"]["rules"] if r["jurisdiction"] in laws]
    if rules:
        data["children"]["rules"] = rules
    else:
        del data["children"]
    return data


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def lint(data: Data) -> list[Finding]:
    return lint_policy(build(data))


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


# --- the clean policy and the Megazone example ---------------------------------------------


def test_the_clean_variant_has_no_finding() -> None:
    assert lint(clean_data()) == []


def test_megazone_findings() -> None:
    findings = lint(megazone_data())
    assert codes(findings) == [
        "L106",  # the seed says nothing about access logs
        "L109",
        "L112",
        "L114",
        "L116",
        "L116",
        "L119",  # nor where AWS processes the data
        "L129",  # nor where changes are announced
        "L135",
        "L136",  # nor on what basis the data goes to Google abroad
    ]
    by_code = {f.code: f for f in findings}
    assert by_code["L106"].path == ("jurisdictions", 0)
    assert by_code["L119"].path == ("processors", 0)
    assert by_code["L136"].path == ("processors", 1)
    assert by_code["L135"].path == ("processors", 1)
    assert "refusal" in by_code["L135"].message
    assert "PIPA Art 28-8(2)5" in by_code["L135"].message
    assert by_code["L114"].path == ("items", "address")
    assert [f.path for f in only(findings, "L116")] == [
        ("rights", "channels", 0),
        ("rights", "channels", 3),
    ]
    assert by_code["L109"].severity is Severity.info
    assert by_code["L112"].severity is Severity.warning


# --- one trigger per rule ------------------------------------------------------------------


def _passport(data: Data, *, consent: bool = False) -> None:
    """A unique identifier collected at the inquiry form."""
    data["items"]["passport"] = {
        "label": text("Passport number"),
        "category": "user.government_id.passport_number",
        "type": "identifier",
    }
    data["purposes"]["product.inquiry"]["items"].append("passport")
    data["collection_points"]["product_inquiry"]["optional"].append("passport")
    if consent:
        data["collection_points"]["product_inquiry"]["consents"].append(
            {"category": "unique_identifier", "purposes": ["product.inquiry"]}
        )


def _third_party(data: Data, *, sale: bool = False) -> None:
    data["provision"]["recipients"] = [
        {
            "id": "partner",
            "name": "Partner Co.",
            "purpose": text("Joint webinars"),
            "purposes": ["product.inquiry"],
            "items": ["email"],
            "countries": ["KR"],
            "basis": "consent",
            "retention": text("Until the webinar ends"),
            "sale_or_sharing": sale,
        }
    ]


def _child_item(data: Data) -> None:
    data["items"]["child_name"] = {"label": text("Child's name"), "category": "user.childrens"}
    data["purposes"]["membership.management"]["items"].append("child_name")
    data["collection_points"]["console_start"]["optional"] = ["child_name"]


def _drop_right(right: str) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        data["rights"]["granted"].remove(right)

    return mutate


def _set(*path: str | int, value: Any) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _delete(*path: str | int) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def _both(*mutations: Callable[[Data], None]) -> Callable[[Data], None]:
    def mutate(data: Data) -> None:
        for mutation in mutations:
            mutation(data)

    return mutate


TRIGGERS: dict[str, Callable[[Data], None]] = {
    "L101": _set(
        "retention", 0, value={"purpose": "membership.management", "until": "purpose_achieved"}
    ),
    "L102": lambda d: d.__setitem__("retention", d["retention"][:1] + d["retention"][2:]),
    "L103": _set("retention", 1, "items", value=["company_name", "email"]),
    "L104": _delete("processors", 0, "retention"),
    "L105": _both(_third_party, _delete("provision", "recipients", 0, "retention")),
    "L106": _set("access_log", "retention", value="P6M"),
    "L107": _set("destruction", "grace_period_days", value=7),
    "L108": lambda d: d["statutory_retention"].append(
        {
            "record_type": "fraud_records",
            "label": text("Records of unauthorised use"),
            "kind": "company_policy",
            "reason": text("Preventing repeated fraud"),
            "period": "P1Y",
            "from": "unauthorized_use_detected",
        }
    ),
    "L109": _delete("cookies", "trackers", 0, "duration"),
    "L110": _set("processors", 0, "task", value="Storage only"),
    "L111": _passport,
    "L112": _drop_right("withdraw_consent"),
    "L113": _set("remedy_bodies", value=[]),
    "L114": _set("collection_points", "product_inquiry", "optional", value=[]),
    "L115": _set("processors", value=[]),
    "L116": _delete("rights", "channels", 3, "address"),
    "L117": lambda d: d["purposes"]["service.provision"]["bases"].append(
        {"basis": "legal_obligation"}
    ),
    "L118": _both(
        _set("contacts", "privacy_officer", value={"department": text("Customer service")}),
        _set("contacts", "departments", value=[{"department": text("IRM")}]),
    ),
    "L119": _delete("processors", 0, "countries"),
    "L120": _delete("purposes", "membership.management", "description"),
    "L121": _delete("destruction", "method"),
    "L122": _delete("statutory_retention", 0, "article"),
    "L123": _delete("provision"),
    "L124": _drop_right("restriction"),
    "L125": _both(
        _delete("contacts", "privacy_officer", "name"), _set("contacts", "departments", value=[])
    ),
    "L126": _delete("cookies"),
    "L127": lambda d: d.__setitem__("safety_measures", d["safety_measures"][:2]),
    "L128": _set("children", "rules", 0, "minimum_age", value=12),
    "L129": _delete("changes", "channel"),
    "L130": _set("changes", "notice_days", value=3),
    "L131": lambda d: _passport(d, consent=True),
    "L132": _both(
        _set("controller", "country", value="JP"), _set("contacts", "representatives", value=[])
    ),
    "L133": _delete("access_log", "tamper_evident"),
    "L134": _delete("rights", "agents_allowed"),
    "L135": _delete("processors", 1, "refusal"),
    "L136": _delete("processors", 1, "transfer_basis"),
    "L137": _set("processors", 1, "transfer_basis", value="legitimate_interest"),
    "L138": _set("processors", 1, "consent_category", value="collection_use"),
    "L139": _set(
        "collection_points",
        "product_inquiry",
        "consents",
        value=[{"category": "collection_use", "purposes": ["product.inquiry"], "required": True}],
    ),
    "L140": _delete("controller", "address"),
    "L141": _set("contacts", "representatives", value=[]),
    "L142": _both(
        _delete("processors", 1, "transfer_basis"), _delete("processors", 1, "consent_category")
    ),
    "L143": _drop_right("portability"),
    "L160": _delete("ccpa"),
    "L161": _set("ccpa", "sells_or_shares", value=True),
    "L162": lambda d: _third_party(d, sale=True),
    "L163": _both(
        _set("ccpa", "sells_or_shares", value=True),
        _set("ccpa", "third_party_categories", value=[text("Advertising networks")]),
    ),
    "L164": _drop_right("correction"),
    "L165": lambda d: _passport(d, consent=True),
    "L166": _delete("ccpa", "sells_or_shares"),
    "L170": _set(
        "children",
        "rules",
        value=[{"jurisdiction": "kr-pipa", "minimum_age": 14, "under_age": "refuse"}],
    ),
    "L171": _delete("children", "retention"),
    "L172": _child_item,
    "L190": lambda d: d["jurisdictions"].append("jp-appi"),
}


def test_every_rule_has_a_trigger() -> None:
    assert set(TRIGGERS) == rule_codes()


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_rule_fires_on_its_trigger(code: str) -> None:
    data = clean_data()
    TRIGGERS[code](data)
    findings = lint(data)
    assert code in codes(findings)
    rule = next(r for r in RULES if r.code == code)
    for finding in only(findings, code):
        assert finding.severity is rule.severity
        assert finding.path, "every finding points somewhere in the file"
        if code != "L190":
            assert "expected" in finding.message, finding.message
            assert finding.message.endswith(")"), "the message ends with its legal source"
    assert set(codes(findings)) <= rule_codes()


# --- details of single rules -------------------------------------------------------------


def test_open_ended_retention_points_at_until_and_a_period_settles_it() -> None:
    data = clean_data()
    data["retention"][0] = {"purpose": "membership.management", "until": "purpose_achieved"}
    [finding] = only(lint(data), "L101")
    assert finding.path == ("retention", 0, "until")
    assert "as long as reasonably necessary" in finding.message
    data["retention"][0]["period"] = "P3Y"
    assert lint(data) == []


def test_general_rules_cite_the_declared_laws_only() -> None:
    data = megazone_data()  # kr-pipa only
    data["retention"] = data["retention"][1:]
    [finding] = only(lint(data), "L102")
    assert finding.path == ("purposes", "membership.management")
    assert finding.message.endswith("(PIPA Art 21(1), 30(1)2)")
    declare(data, "eu-gdpr")
    [finding] = only(lint(data), "L102")
    assert finding.message.endswith("(GDPR Art 5(1)(e), 13(2)(a))")


def test_retention_rules_covering_all_items_are_enough() -> None:
    data = clean_data()
    items = data["purposes"]["product.inquiry"]["items"]
    data["retention"][1]["items"] = items[:2]
    data["retention"].append({"purpose": "product.inquiry", "items": items[2:], "period": "P1Y"})
    assert lint(data) == []
    data["retention"][-1]["items"] = items[2:-1]
    [finding] = only(lint(data), "L103")
    assert "address" in finding.message


def test_processor_retention_cites_the_overseas_article_when_abroad() -> None:
    data = clean_data()
    del data["processors"][0]["retention"]  # aws, in KR
    del data["processors"][1]["retention"]  # google, abroad
    domestic, overseas = only(lint(data), "L104")
    assert "28-8(2)4" not in domestic.message
    assert "PIPA Art 28-8(2)4" in overseas.message


def test_access_log_of_twelve_months_is_a_year() -> None:
    data = clean_data()
    data["access_log"]["retention"] = "P12M"
    assert lint(data) == []
    data["access_log"]["retention"] = "P11M"
    [finding] = only(lint(data), "L106")
    assert finding.path == ("access_log", "retention")


def test_no_access_log_is_flagged_where_pipa_asks_for_one() -> None:
    data = clean_data()
    del data["access_log"]
    [finding] = only(lint(data), "L106")
    assert finding.path == ("jurisdictions", 0)
    assert "says nothing about access logs" in finding.message
    assert not {"L131", "L133"} & set(codes(lint(data)))
    assert lint(declare(data, "eu-gdpr", "us-ccpa")) == []  # a Korean safety standard


def test_access_logs_stated_unprotected_are_flagged_too() -> None:
    data = clean_data()
    data["access_log"]["tamper_evident"] = False
    [finding] = only(lint(data), "L133")
    assert finding.path == ("access_log",)
    assert "states that access logs are not protected" in finding.message


def test_an_officer_is_reachable_through_the_department_in_charge() -> None:
    data = clean_data()
    data["contacts"]["privacy_officer"] = {"name": text("Joowan Lee")}
    assert lint(data) == []  # the IRM department has a phone and an e-mail address
    data["contacts"]["departments"] = []
    [finding] = only(lint(data), "L118")
    assert finding.path == ("contacts", "privacy_officer")
    assert lint(declare(data, "us-ccpa")) == []


def test_a_recipient_without_a_country_is_neither_abroad_nor_at_home() -> None:
    data = clean_data()
    del data["processors"][1]["countries"]  # Google, abroad when its countries are stated
    findings = lint(data)
    assert codes(findings) == ["L119"]
    assert findings[0].path == ("processors", 1)
    _third_party(data)
    del data["provision"]["recipients"][0]["countries"]
    assert [f.path for f in only(lint(data), "L119")] == [
        ("processors", 1),
        ("provision", "recipients", 0),
    ]


def test_a_controller_of_unstated_country_transfers_nothing_abroad() -> None:
    data = clean_data()
    del data["controller"]["country"]
    for field in ("timing", "method", "contact", "refusal", "transfer_basis"):
        data["processors"][1].pop(field, None)
    data["processors"][1]["consent_category"] = None
    data["collection_points"]["product_inquiry"]["consents"].pop()
    assert lint(data) == []  # no transfer finding: nothing is known to be abroad
    data["contacts"]["representatives"] = []
    findings = lint(data)
    assert codes(findings) == ["L132", "L141"]  # established where? no representative either
    for finding in findings:
        assert "does not say where the controller is established" in finding.message


def test_five_days_of_grace_are_allowed_six_are_not() -> None:
    data = clean_data()
    data["destruction"]["grace_period_days"] = 5
    assert lint(data) == []
    data["destruction"]["grace_period_days"] = 6
    assert codes(lint(data)) == ["L107"]


def test_missing_translations_are_one_finding_per_section() -> None:
    data = clean_data()
    data["processors"][0]["task"] = "Storage only"
    data["processors"][1]["task"] = "Inquiries only"
    data["purposes"]["membership.management"]["description"] = "Accounts"
    findings = only(lint(data), "L110")
    assert [f.path for f in findings] == [
        ("purposes", "membership.management", "description"),
        ("processors", 0, "task"),
    ]
    processors = findings[1]
    assert processors.message.startswith("2 of 8 texts under 'processors' have no 'ko' version")
    assert "first: processors.0.task" in processors.message


def test_english_only_policies_need_no_translation() -> None:
    data = clean_data()
    data["languages"] = ["en"]
    data["processors"][0]["task"] = "Storage only"
    assert lint(data) == []


def test_sensitive_items_need_their_separate_consent_unless_a_law_requires_them() -> None:
    data = clean_data()
    _passport(data)
    [finding] = only(lint(data), "L111")
    assert finding.path == ("collection_points", "product_inquiry", "optional", 1)
    assert "unique_identifier" in finding.message
    assert "PIPA Art 24(1)" in finding.message

    with_consent = clean_data()
    _passport(with_consent, consent=True)
    assert "L111" not in codes(lint(with_consent))

    by_law = clean_data()
    _passport(by_law)
    by_law["purposes"]["product.inquiry"]["bases"].append(
        {"basis": "legal_obligation", "law": text("Immigration Act Art 33")}
    )
    assert "L111" not in codes(lint(by_law))


def test_special_category_data_needs_sensitive_consent_under_gdpr_alone() -> None:
    data = declare(clean_data(), "eu-gdpr")
    data["items"]["health"] = {"label": text("Health notes"), "category": "user.health_and_medical"}
    data["purposes"]["product.inquiry"]["items"].append("health")
    data["collection_points"]["product_inquiry"]["optional"].append("health")
    [finding] = only(lint(data), "L111")
    assert "GDPR Art 9(2)(a)" in finding.message
    assert "PIPA" not in finding.message


def test_remedy_bodies_point_at_the_section_or_at_the_law_that_asks() -> None:
    data = clean_data()
    data["remedy_bodies"] = []
    [finding] = only(lint(data), "L113")
    assert finding.path == ("remedy_bodies",)
    del data["remedy_bodies"]
    [finding] = only(lint(data), "L113")
    assert finding.path == ("jurisdictions", 0)
    declare(data, "us-ccpa")  # the CCPA names no complaint body
    assert "L113" not in codes(lint(data))


def test_a_channel_without_address_may_use_the_contacts() -> None:
    data = clean_data()
    data["rights"]["channels"] = [{"kind": "email"}, {"kind": "in_product"}]
    assert lint(data) == []  # the IRM department's e-mail address
    data["rights"]["channels"] = [{"kind": "web"}]
    [finding] = only(lint(data), "L116")
    assert finding.path == ("rights", "channels", 0)
    data["controller"]["website"] = "www.example.com"
    assert lint(data) == []


def test_pipa_children_rule_missing_or_too_young() -> None:
    data = clean_data()
    data["children"]["rules"] = data["children"]["rules"][1:]
    [finding] = only(lint(data), "L128")
    assert finding.path == ("children",)
    data["children"]["rules"].append(
        {"jurisdiction": "kr-pipa", "minimum_age": 12, "under_age": "guardian_consent"}
    )
    [finding] = only(lint(data), "L128")
    assert finding.path == ("children", "rules", 1, "minimum_age")
    data["children"]["rules"][1]["minimum_age"] = 16  # stricter than the law is fine
    assert lint(data) == []


def test_two_year_access_log_is_enough_for_unique_identifiers() -> None:
    data = clean_data()
    _passport(data, consent=True)
    data["access_log"]["retention"] = "P2Y"
    assert "L131" not in codes(lint(data))


def test_a_domestic_processor_is_no_overseas_transfer() -> None:
    data = clean_data()
    for field in ("timing", "method", "contact", "refusal", "transfer_basis"):
        data["processors"][1].pop(field, None)
    data["processors"][1]["countries"] = ["KR"]
    data["processors"][1]["consent_category"] = None
    assert lint(data) == []


def test_overseas_disclosure_lists_every_missing_detail() -> None:
    data = clean_data()
    for field in ("timing", "method", "contact", "refusal"):
        del data["processors"][1][field]
    [finding] = only(lint(data), "L135")
    assert "timing, method, contact, refusal" in finding.message
    assert "PIPA Art 28-8(2)2, 28-8(2)3, 28-8(2)5" in finding.message


def test_a_contract_based_transfer_needs_no_consent() -> None:
    data = clean_data()
    data["processors"][1]["transfer_basis"] = "contract"
    data["processors"][1]["consent_category"] = None
    data["collection_points"]["product_inquiry"]["consents"] = [
        {"category": "collection_use", "purposes": ["product.inquiry"], "required": True}
    ]
    assert lint(data) == []


def test_an_eu_controller_sending_data_within_the_eu_transfers_nothing() -> None:
    data = declare(clean_data(), "eu-gdpr")
    data["controller"]["country"] = "DE"
    data["processors"][0]["countries"] = ["DE"]
    del data["processors"][1]["transfer_basis"]
    data["processors"][1]["consent_category"] = None
    data["processors"][1]["countries"] = ["EU", "FR"]
    assert lint(data) == []
    data["processors"][1]["countries"] = ["EU", "US"]
    [finding] = only(lint(data), "L142")
    assert "US" in finding.message
    assert "EU," not in finding.message


def test_sale_declared_and_opt_out_granted_is_clean() -> None:
    data = clean_data()
    _third_party(data, sale=True)
    data["ccpa"]["sells_or_shares"] = True
    data["ccpa"]["third_party_categories"] = [text("Webinar partners")]
    data["rights"]["granted"].append("opt_out_sale")
    assert lint(data) == []


def test_child_data_kept_with_a_period_is_fine() -> None:
    data = clean_data()
    _child_item(data)
    data["retention"][0]["period"] = "P1Y"
    assert lint(data) == []


def test_coppa_rule_for_younger_children_only() -> None:
    data = clean_data()
    data["children"]["rules"][1]["minimum_age"] = 12
    [finding] = only(lint(data), "L170")
    assert finding.path == ("children", "rules", 1, "minimum_age")


def test_unknown_jurisdiction_gets_one_info_finding() -> None:
    data = megazone_data()
    data["jurisdictions"] = ["jp-appi", "kr-pipa"]
    findings = lint(data)
    [finding] = only(findings, "L190")
    assert finding.path == ("jurisdictions", 0)
    assert finding.severity is Severity.info
    assert "'jp-appi'" in finding.message
    assert codes(findings).count("L135") == 1  # kr-pipa still checked


def test_laws_not_declared_are_not_checked() -> None:
    assert not {"L140", "L160", "L170"} & set(codes(lint(megazone_data())))


# --- the registry and the docs -----------------------------------------------------------


def test_codes_are_unique_and_well_formed() -> None:
    all_codes = [rule.code for rule in RULES]
    assert len(all_codes) == len(set(all_codes))
    assert all(re.fullmatch(r"L1\d\d", code) for code in all_codes)
    assert all(rule.severity in (Severity.warning, Severity.info) for rule in RULES)


def test_the_registry_holds_every_code_the_linter_source_names() -> None:
    named = {
        code
        for path in LINT_PACKAGE.glob("*.py")
        for code in re.findall(r"\"(L1\d\d)\"", path.read_text(encoding="utf-8"))
    }
    assert named == rule_codes()


def test_docs_list_every_code_with_its_severity_and_nothing_else() -> None:
    rows = re.findall(r"^\| (L\d{3}) \| [a-z0-9-]+ \| (\w+) \|", DOC.read_text("utf-8"), re.M)
    documented = dict(rows)
    assert len(documented) == len(rows), "a code is documented twice"
    assert documented == {rule.code: rule.severity.value for rule in RULES}


# --- the CLI -------------------------------------------------------------------------------

LINE = re.compile(
    r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>L1\d\d) .+ \[(warning|info)\]$"
)


def test_cli_prints_file_line_col_code_message_severity() -> None:
    result = CliRunner().invoke(app, ["policy", "lint", str(MEGAZONE)])
    assert result.exit_code == 0, result.output
    *lines, summary = result.output.strip().splitlines()
    assert summary == f"{MEGAZONE}: 10 finding(s), 8 warning(s)"
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    source = MEGAZONE.read_text(encoding="utf-8").splitlines()
    located = {m["code"]: int(m["line"]) for m in matches if m}
    assert source[located["L135"] - 1].strip() == "- id: google"
    assert source[located["L114"] - 1].strip().startswith("label: {en: Address")


def test_cli_strict_fails_on_warnings_only(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["policy", "lint", "--strict", str(MEGAZONE)]).exit_code == 1

    clean = tmp_path / "clean.yaml"
    YAML(typ="safe", pure=True).dump(clean_data(), clean)
    result = runner.invoke(app, ["policy", "lint", "--strict", str(clean)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{clean}: 0 finding(s), 0 warning(s)"

    info_only = clean_data()
    del info_only["cookies"]["trackers"][0]["duration"]
    YAML(typ="safe", pure=True).dump(info_only, clean)
    result = runner.invoke(app, ["policy", "lint", "--strict", str(clean)])
    assert result.exit_code == 0, result.output
    assert "L109" in result.output


def test_cli_refuses_an_invalid_policy(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema: policyvault/v1\nid: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["policy", "lint", str(broken)])
    assert result.exit_code == 1
