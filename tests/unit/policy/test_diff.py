"""Comparing two policy versions: what changed, whether it is significant, and the earliest
date the new version may take effect in each jurisdiction."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policyvault.cli.main import app
from policyvault.domain.errors import InvalidInput
from policyvault.domain.jurisdictions import ConsentChange, notice_rule
from policyvault.domain.policy.diff import ChangeKind, DifferentPolicies, PolicyDiff, diff_policies
from policyvault.domain.policy.model import Policy
from policyvault.services.policy_changes import describe_diff
from policyvault.services.policy_files import load_policy

ROOT = Path(__file__).resolve().parents[3]
MEGAZONE = ROOT / "examples" / "policies" / "megazone-cloudplex.yaml"
UTRACS = ROOT / "examples" / "policies" / "utracs.yaml"
DIFF_PACKAGE = ROOT / "src" / "policyvault" / "domain" / "policy" / "diff"
ANNOUNCED = date(2026, 1, 5)
Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def seed() -> Policy:
    return load_policy(MEGAZONE)


def edited(policy: Policy, *edits: Edit) -> Policy:
    data = policy.model_dump(by_alias=True)
    for edit in edits:
        edit(data)
    return Policy.model_validate(data)


def diff(old: Policy, *edits: Edit) -> PolicyDiff:
    return diff_policies(old, edited(old, *edits), ANNOUNCED)


def kinds(result: PolicyDiff) -> dict[ChangeKind, str]:
    return {c.kind: c.significance.value for c in result.changes}


def stripe(countries: list[str]) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        data["processors"].append(
            {
                "id": "stripe",
                "name": "Stripe, Inc.",
                "task": "Payment processing",
                "purposes": ["product.inquiry"],
                "items": ["email", "phone"],
                "countries": countries,
            }
        )

    return edit


# -- nothing, and only wording -----------------------------------------------------------------


def test_a_policy_compared_with_itself_has_no_changes(seed: Policy) -> None:
    result = diff_policies(seed, seed, ANNOUNCED)
    assert result.changes == []
    assert not result.significant
    assert result.reconsent_required == []
    # Even an unchanged re-publication is announced with the ordinary notice promised.
    assert result.earliest_effective == {"kr-pipa": ANNOUNCED + timedelta(days=7)}


def test_version_and_history_are_not_changes(seed: Policy) -> None:
    def bump(data: dict[str, Any]) -> None:
        data["version"] = "2026-02-04"
        data["effective_date"] = date(2026, 2, 4)
        data["history"].append({"version": "2026-02-04", "effective_date": date(2026, 2, 4)})

    result = diff(seed, bump)
    assert result.changes == []
    assert result.new_version == "2026-02-04"


def test_wording_and_contact_edits_are_ordinary(seed: Policy) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["items"]["email"]["label"] = {"en": "E-mail address", "ko": "이메일 주소"}
        data["purposes"]["product.inquiry"]["description"] = "Answering product questions"
        data["contacts"]["privacy_officer"]["phone"] = "1644-0000"
        data["processors"][0]["task"] = "Hosting"
        data["sections"][0]["text"] = "Linked sites are not ours."
        data["data_categories"]["user.megazone.company"]["label"] = "Company"

    result = diff(seed, edit)
    assert result.changes
    assert not result.significant
    assert {c.kind for c in result.changes} == {
        ChangeKind.text_changed,
        ChangeKind.contact_changed,
    }
    assert result.earliest_effective["kr-pipa"] == ANNOUNCED + timedelta(days=7)


def test_reordering_changes_nothing(seed: Policy) -> None:
    def shuffle(data: dict[str, Any]) -> None:
        data["processors"].reverse()
        data["statutory_retention"].reverse()
        data["retention"].reverse()
        data["rights"]["granted"].reverse()
        data["rights"]["channels"].reverse()
        data["purposes"]["product.inquiry"]["items"].reverse()
        data["processors"][0]["countries"].reverse()
        data["items"] = dict(reversed(list(data["items"].items())))

    assert diff(seed, shuffle).changes == []


def reworded(data: dict[str, Any]) -> None:
    data["purposes"]["product.inquiry"]["description"] = "Answering product questions"


def test_unrecognised_changes_are_ordinary_only_when_presentation_text(seed: Policy) -> None:
    def described(data: dict[str, Any]) -> None:
        data["data_categories"]["user.megazone.bad_use"]["description"] = "Abuse records"

    def new_event(data: dict[str, Any]) -> None:
        data["events"]["audit_closed"] = {"en": "the close of the audit"}

    def sensitive(data: dict[str, Any]) -> None:
        data["data_categories"]["system.megazone.statutory_record"]["sensitivity"] = ["financial"]

    assert kinds(diff(seed, described)) == {ChangeKind.text_changed: "ordinary"}
    for edit in (new_event, sensitive):
        [change] = diff(seed, edit).changes
        assert change.kind is ChangeKind.unexplained_change
        assert change.significant
        assert "cannot prove it only narrows processing" in change.reason


def test_two_different_policies_are_not_compared(seed: Policy) -> None:
    with pytest.raises(DifferentPolicies) as raised:
        diff_policies(seed, load_policy(UTRACS), ANNOUNCED)
    assert isinstance(raised.value, InvalidInput)
    assert "'megazone-cloudplex'" in str(raised.value)
    assert "'utracs'" in str(raised.value)


# -- significant changes -------------------------------------------------------------------------


def test_a_new_processor_abroad_is_significant_and_needs_30_days(seed: Policy) -> None:
    result = diff(seed, stripe(["US"]))
    [change] = result.changes
    assert change.kind is ChangeKind.recipient_added
    assert change.significant
    assert change.path == ("processors", "stripe")
    assert "Stripe, Inc." in change.summary and "US" in change.summary
    assert result.significant
    assert result.earliest_effective == {"kr-pipa": date(2026, 2, 4)}
    # An overseas transfer for a consent-based purpose needs new consent (PIPA Art 28-8(3)).
    assert result.reconsent_required == ["product.inquiry"]


def test_a_new_processor_at_home_needs_notice_but_no_new_consent(seed: Policy) -> None:
    result = diff(seed, stripe(["KR"]))
    assert result.significant
    assert result.reconsent_required == []  # entrustment: disclosure, not consent (Art 26)


def test_a_new_country_for_a_processor_is_significant(seed: Policy) -> None:
    def to_canada(data: dict[str, Any]) -> None:
        data["processors"][1]["countries"].append("CA")

    result = diff(seed, to_canada)
    assert kinds(result) == {ChangeKind.country_added: "significant"}
    assert result.changes[0].path == ("processors", "google", "countries")
    assert result.reconsent_required == ["product.inquiry"]


def test_a_recipients_free_text_retention_changed_is_significant(seed: Policy) -> None:
    def five_years(data: dict[str, Any]) -> None:
        data["processors"][1]["retention"] = "Five years after the inquiry"

    result = diff(seed, five_years)
    [change] = result.changes
    assert change.kind is ChangeKind.recipient_retention_changed
    assert change.significant
    assert change.path == ("processors", "google", "retention")
    assert change.reason == "free-text retention changed; cannot prove it is not longer"
    assert "Until the product inquiry is completed" in change.summary
    assert "Five years after the inquiry" in change.summary
    # An overseas transfer's consent named the retention (PIPA Art 28-8(3)).
    assert result.reconsent_required == ["product.inquiry"]

    def in_korea(data: dict[str, Any]) -> None:
        data["processors"][0]["countries"] = ["KR"]

    def longer(data: dict[str, Any]) -> None:
        data["processors"][0]["retention"] = "Ten years after withdrawal"

    assert seed.controller.country == "KR"
    result = diff(edited(seed, in_korea), longer)
    assert kinds(result) == {ChangeKind.recipient_retention_changed: "significant"}
    assert result.reconsent_required == []  # entrustment at home: disclosure, not consent

    def third_party(retention: str | None) -> Edit:
        def edit(data: dict[str, Any]) -> None:
            data["provision"]["recipients"] = [
                {
                    "id": "partner",
                    "name": "Partner Co.",
                    "purpose": "Joint offers",
                    "purposes": ["product.inquiry"],
                    "items": ["email"],
                    "countries": ["KR"],
                    "basis": "consent",
                    "retention": retention,
                }
            ]

        return edit

    old = edited(seed, third_party("One year"))
    for retention in ("Two years", None):
        result = diff_policies(old, edited(seed, third_party(retention)), ANNOUNCED)
        assert kinds(result) == {ChangeKind.recipient_retention_changed: "significant"}


def test_a_recipient_receiving_more_items_is_significant(seed: Policy) -> None:
    def more(data: dict[str, Any]) -> None:
        data["processors"][1]["items"].remove("address")

    fewer = edited(seed, more)
    assert kinds(diff_policies(seed, fewer, ANNOUNCED)) == {
        ChangeKind.recipient_items_removed: "ordinary"
    }
    assert kinds(diff_policies(fewer, seed, ANNOUNCED)) == {
        ChangeKind.recipient_items_added: "significant"
    }


def test_a_new_item_and_purpose_are_significant(seed: Policy) -> None:
    def newsletter(data: dict[str, Any]) -> None:
        data["items"]["birthday"] = {"label": "Birthday", "category": "user.demographic.age"}
        data["purposes"]["marketing.newsletter"] = {
            "label": "Newsletter",
            "bases": [{"basis": "consent", "consent_category": "marketing"}],
            "items": ["email", "birthday"],
        }

    result = diff(seed, newsletter)
    assert kinds(result) == {
        ChangeKind.item_added: "significant",
        ChangeKind.purpose_added: "significant",
    }
    assert result.reconsent_required == []  # a new purpose asks its first consent


def test_an_item_added_to_a_consented_purpose_needs_reconsent(seed: Policy) -> None:
    def phone(data: dict[str, Any]) -> None:
        data["purposes"]["membership.management"]["items"].append("phone")

    result = diff(seed, phone)
    assert kinds(result) == {ChangeKind.purpose_items_added: "significant"}
    assert result.reconsent_required == ["membership.management"]


def test_an_optional_item_becoming_required_is_significant(seed: Policy) -> None:
    def optional(data: dict[str, Any]) -> None:
        data["collection_points"]["product_inquiry"]["optional"] = ["address"]

    def required(data: dict[str, Any]) -> None:
        data["collection_points"]["product_inquiry"]["required"].append("address")

    old = edited(seed, optional)
    result = diff_policies(old, edited(seed, required), ANNOUNCED)
    assert kinds(result) == {ChangeKind.item_now_required: "significant"}
    back = diff_policies(edited(seed, required), old, ANNOUNCED)
    assert kinds(back) == {ChangeKind.item_now_optional: "ordinary"}


def test_a_changed_basis_is_significant(seed: Policy) -> None:
    def contract(data: dict[str, Any]) -> None:
        data["purposes"]["membership.management"]["bases"] = [{"basis": "contract"}]

    result = diff(seed, contract)
    assert kinds(result)[ChangeKind.basis_changed] == "significant"
    assert "consent(collection_use) -> contract" in result.changes[0].summary
    assert result.reconsent_required == []  # no longer consent-based

    def consent_and_contract(data: dict[str, Any]) -> None:
        data["purposes"]["membership.management"]["bases"].append({"basis": "contract"})

    assert diff(seed, consent_and_contract).reconsent_required == ["membership.management"]


@pytest.mark.parametrize(
    ("period", "kind"),
    [
        ("P5Y", ChangeKind.retention_longer),
        ("P37M", ChangeKind.retention_longer),
        ("P3Y1D", ChangeKind.retention_longer),
        ("P1096D", ChangeKind.retention_longer),  # three years may hold a leap day, or not
        ("P1095D", ChangeKind.retention_shorter),  # never longer than three years
        ("P2Y", ChangeKind.retention_shorter),
    ],
)
def test_retention_periods_compare_on_the_calendar(
    seed: Policy, period: str, kind: ChangeKind
) -> None:
    def change(data: dict[str, Any]) -> None:
        data["retention"][2]["period"] = period

    result = diff(seed, change)
    [change_] = result.changes
    assert change_.kind is kind
    assert change_.significant is (kind is ChangeKind.retention_longer)
    assert change_.path == ("retention", "service.provision")


def test_the_same_period_written_differently_is_no_change(seed: Policy) -> None:
    def months(data: dict[str, Any]) -> None:
        data["retention"][2]["period"] = "P36M"

    assert diff(seed, months).changes == []


def test_a_rule_losing_or_replacing_its_event_keeps_data_longer(seed: Policy) -> None:
    def replaced(data: dict[str, Any]) -> None:
        data["retention"][0]["until"] = "last_activity"

    def capped(data: dict[str, Any]) -> None:
        data["retention"][0]["period"] = "P1Y"

    def period_only(data: dict[str, Any]) -> None:
        data["retention"][0]["until"] = None
        data["retention"][0]["period"] = "P10Y"

    assert kinds(diff(seed, replaced)) == {ChangeKind.retention_longer: "significant"}
    assert kinds(diff(seed, capped)) == {ChangeKind.retention_shorter: "ordinary"}
    assert kinds(diff(seed, period_only)) == {ChangeKind.retention_longer: "significant"}
    result = diff(seed, replaced)
    assert result.reconsent_required == ["membership.management"]


def test_anonymising_instead_of_deleting_is_one_significant_change(seed: Policy) -> None:
    def anonymise(data: dict[str, Any]) -> None:
        data["retention"][2]["then"] = "anonymise"

    result = diff(seed, anonymise)
    [change] = result.changes
    assert change.kind is ChangeKind.retention_end_changed
    assert change.significant
    assert result.reconsent_required == ["service.provision"]

    back = diff_policies(edited(seed, anonymise), seed, ANNOUNCED)
    [change] = back.changes
    assert change.kind is ChangeKind.retention_shorter
    assert not change.significant
    assert "deleted instead of anonymised" in change.summary

    def anonymise_sooner(data: dict[str, Any]) -> None:
        data["retention"][2]["then"] = "anonymise"
        data["retention"][2]["period"] = "P1Y"

    assert kinds(diff(seed, anonymise_sooner)) == {
        ChangeKind.retention_shorter: "ordinary",
        ChangeKind.retention_end_changed: "significant",
    }


def test_a_new_legal_hold_needs_reconsent_for_every_consented_purpose(seed: Policy) -> None:
    def hold(data: dict[str, Any]) -> None:
        data["legal_holds"].append(
            {"reason": "investigation", "description": "Kept until an investigation ends"}
        )

    result = diff(seed, hold)
    assert kinds(result) == {ChangeKind.legal_hold_added: "significant"}
    consented = [key for key, purpose in seed.purposes.items() if purpose.consent_based]
    assert consented
    assert result.reconsent_required == consented
    assert diff_policies(edited(seed, hold), seed, ANNOUNCED).reconsent_required == []


def test_statutory_retention_longer_or_new_is_significant(seed: Policy) -> None:
    def longer(data: dict[str, Any]) -> None:
        data["statutory_retention"][6]["period"] = "P6M"

    def new_record(data: dict[str, Any]) -> None:
        data["statutory_retention"].append(
            {
                "record_type": "fraud",
                "label": "Fraud records",
                "kind": "company_policy",
                "reason": "Preventing repeated fraud",
                "period": "P1Y",
                "from": "unauthorized_use_detected",
                "items": ["bad_use_records"],
            }
        )

    assert kinds(diff(seed, longer)) == {ChangeKind.statutory_retention_longer: "significant"}
    assert kinds(diff(seed, new_record)) == {ChangeKind.statutory_record_added: "significant"}


def test_records_kept_in_ordinary_use_longer_is_significant(seed: Policy) -> None:
    """``separate_from`` decides how long statutory records serve more than the statute."""

    def in_use_until_closure(data: dict[str, Any]) -> None:
        data["statutory_retention"][6]["separate_from"] = "account_closed"  # visit logs

    def apart_at_once(data: dict[str, Any]) -> None:
        del data["statutory_retention"][1]["separate_from"]  # payment records

    assert kinds(diff(seed, in_use_until_closure)) == {
        ChangeKind.statutory_retention_longer: "significant"
    }
    assert kinds(diff(seed, apart_at_once)) == {ChangeKind.statutory_retention_shorter: "ordinary"}


def test_narrower_rights_are_significant_and_wider_ones_ordinary(seed: Policy) -> None:
    def fewer(data: dict[str, Any]) -> None:
        data["rights"]["granted"].remove("restriction")

    def more(data: dict[str, Any]) -> None:
        data["rights"]["granted"].append("portability")

    def no_fax(data: dict[str, Any]) -> None:
        data["rights"]["channels"] = [c for c in data["rights"]["channels"] if c["kind"] != "fax"]

    def no_agents(data: dict[str, Any]) -> None:
        data["rights"]["agents_allowed"] = False
        data["rights"]["freeze_while_pending"] = False

    assert kinds(diff(seed, fewer)) == {ChangeKind.right_removed: "significant"}
    assert kinds(diff(seed, more)) == {ChangeKind.right_added: "ordinary"}
    assert kinds(diff(seed, no_fax)) == {ChangeKind.rights_narrowed: "significant"}
    narrowed = diff(seed, no_agents)
    assert {c.path for c in narrowed.changes} == {
        ("rights", "agents_allowed"),
        ("rights", "freeze_while_pending"),
    }
    assert all(c.significant for c in narrowed.changes)


def test_weaker_safeguards_are_significant(seed: Policy) -> None:
    def logged(data: dict[str, Any]) -> None:  # the seed says nothing about access logs
        data["access_log"] = {"retention": "P1Y", "tamper_evident": True}

    def weaker(data: dict[str, Any]) -> None:
        data["destruction"]["grace_period_days"] = 30
        data["destruction"]["approval_required"] = False
        data["access_log"]["retention"] = "P6M"
        data["children"]["rules"][0]["minimum_age"] = 13
        data["children"]["rules"][0]["under_age"] = "guardian_consent"
        data["changes"]["significant_notice_days"] = 14

    result = diff(edited(seed, logged), weaker)
    assert len(result.changes) == 6
    assert all(c.significant for c in result.changes), describe_diff(result)
    # The shortened promise does not apply to its own announcement.
    assert result.earliest_effective["kr-pipa"] == ANNOUNCED + timedelta(days=30)


def test_a_promise_stated_newly_is_ordinary_and_one_dropped_is_significant(seed: Policy) -> None:
    def stated(data: dict[str, Any]) -> None:
        data["access_log"] = {"retention": "P1Y", "tamper_evident": True}

    def unstated(data: dict[str, Any]) -> None:
        data["access_log"] = None
        data["rights"]["agents_allowed"] = None
        data["rights"]["freeze_while_pending"] = None
        data["destruction"]["approval_required"] = None

    promised = edited(seed, stated)
    assert kinds(diff_policies(seed, promised, ANNOUNCED)) == {
        ChangeKind.access_log_strengthened: "ordinary"
    }
    dropped = diff(promised, unstated)
    assert {c.path for c in dropped.changes} == {
        ("access_log",),
        ("rights", "agents_allowed"),
        ("rights", "freeze_while_pending"),
        ("destruction", "approval_required"),
    }
    assert all(c.significant for c in dropped.changes), describe_diff(dropped)
    assert any("yes -> not stated" in c.summary for c in dropped.changes)
    restated = diff_policies(edited(promised, unstated), promised, ANNOUNCED)
    assert restated.changes and not restated.significant, describe_diff(restated)


def test_trackers_matter_unless_essential(seed: Policy) -> None:
    def tracker(category: str) -> Edit:
        def edit(data: dict[str, Any]) -> None:
            data["cookies"]["trackers"].append(
                {"name": "_ga", "provider": "Google", "purpose": "Statistics", "category": category}
            )

        return edit

    assert kinds(diff(seed, tracker("analytics"))) == {ChangeKind.tracker_added: "significant"}
    assert kinds(diff(seed, tracker("essential"))) == {ChangeKind.tracker_added: "ordinary"}


def test_sale_or_sharing_turned_on_is_significant(seed: Policy) -> None:
    def provide(sale: bool) -> Edit:
        def edit(data: dict[str, Any]) -> None:
            data["provision"]["recipients"] = [
                {
                    "id": "partner",
                    "name": "Partner Co.",
                    "purpose": "Joint offers",
                    "purposes": ["product.inquiry"],
                    "items": ["email"],
                    "countries": ["KR"],
                    "basis": "consent",
                    "sale_or_sharing": sale,
                }
            ]

        return edit

    old = edited(seed, provide(False))
    result = diff_policies(old, edited(seed, provide(True)), ANNOUNCED)
    assert kinds(result) == {ChangeKind.sale_or_sharing_on: "significant"}
    assert result.changes[0].path == ("provision", "recipients", "partner", "sale_or_sharing")


def test_removals_that_only_narrow_processing_are_ordinary(seed: Policy) -> None:
    def narrower(data: dict[str, Any]) -> None:
        del data["processors"][1]  # the seed asks no separate consent for its transfer
        data["purposes"]["product.inquiry"]["items"].remove("address")
        del data["items"]["bad_use_records"]
        for key in ("service.provision",):
            data["purposes"][key]["items"].remove("bad_use_records")
        data["collection_points"]["automatic"]["required"].remove("bad_use_records")
        data["retention"][2]["period"] = "P1Y"

    result = diff(seed, narrower)
    assert result.changes
    assert not result.significant, describe_diff(result)


# -- when the new version may take effect --------------------------------------------------------


def test_an_effective_date_before_the_notice_period_is_too_early(seed: Policy) -> None:
    def effective(days: int) -> Edit:
        def edit(data: dict[str, Any]) -> None:
            data["effective_date"] = ANNOUNCED + timedelta(days=days)

        return edit

    early = diff(seed, stripe(["US"]), effective(29))
    assert early.too_early == {"kr-pipa": date(2026, 2, 4)}
    assert not early.may_take_effect
    on_time = diff(seed, stripe(["US"]), effective(30))
    assert on_time.too_early == {}
    assert on_time.may_take_effect
    # An ordinary change: refused at D+6, accepted at D+7 (LEGAL §8 item 58).
    early = diff(seed, reworded, effective(6))
    assert early.too_early == {"kr-pipa": ANNOUNCED + timedelta(days=7)}
    assert diff(seed, reworded, effective(7)).may_take_effect


def test_an_unchanged_policy_is_never_too_early(seed: Policy) -> None:
    def effective(data: dict[str, Any]) -> None:
        data["effective_date"] = ANNOUNCED

    result = diff(seed, effective)
    assert result.changes == []
    assert result.too_early == {}
    assert result.may_take_effect
    assert describe_diff(result) == ["no changes from 2023-08-30 to 2023-08-30"]


def test_each_jurisdiction_of_the_new_version_gets_a_date(seed: Policy) -> None:
    def everywhere(data: dict[str, Any]) -> None:
        data["jurisdictions"] = ["kr-pipa", "eu-gdpr", "us-ccpa", "xx-unknown"]

    result = diff(seed, everywhere, stripe(["US"]))
    expected = ANNOUNCED + timedelta(days=30)
    assert result.earliest_effective == dict.fromkeys(
        ["kr-pipa", "eu-gdpr", "us-ccpa", "xx-unknown"], expected
    )
    assert result.notice["xx-unknown"].rule is None  # the promise alone binds
    gdpr = result.notice["eu-gdpr"].rule
    assert gdpr is not None and gdpr.consent_change is ConsentChange.inform
    assert result.notice["kr-pipa"].statutory_days == 0
    assert result.notice["kr-pipa"].promised_days == 30


def test_the_rule_table_is_versioned() -> None:
    old_pipa = notice_rule("kr-pipa", date(2020, 1, 1))
    new_pipa = notice_rule("kr-pipa", date(2026, 1, 1))
    assert old_pipa is not None and new_pipa is not None
    assert "28-8(3)" not in old_pipa.consent_change_source
    assert "28-8(3)" in new_pipa.consent_change_source
    assert new_pipa.kind == "statute" and new_pipa.source == "PIPA Art 30(2); Decree 31(2)"
    assert notice_rule("eu-gdpr", date(2018, 5, 24)) is None
    assert notice_rule("xx-unknown", date(2026, 1, 1)) is None


def test_the_result_is_json_ready(seed: Policy) -> None:
    data = diff(seed, stripe(["US"])).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["earliest_effective"] == {"kr-pipa": "2026-02-04"}
    assert data["changes"][0]["path"] == ["processors", "stripe"]
    assert data["notice"]["kr-pipa"]["source"] == "PIPA Art 30(2); Decree 31(2)"


def test_describe_names_each_change_and_each_jurisdiction(seed: Policy) -> None:
    lines = describe_diff(diff(seed, stripe(["US"])))
    assert lines[0].startswith("[significant] recipient_added processors.stripe: new processor")
    assert any(line.startswith("kr-pipa: earliest 2026-02-04") for line in lines)
    assert any("PIPA Art 30(2); Decree 31(2)" in line for line in lines)
    assert any(line.startswith("re-consent required") for line in lines)


# -- the command line ----------------------------------------------------------------------------

PROCESSOR = """  - id: stripe
    name: Stripe, Inc.
    task: Payment processing
    purposes: [product.inquiry]
    items: [email]
    countries: [US]

provision:
"""


@pytest.fixture
def policy_files(tmp_path: Path) -> tuple[Path, Path]:
    text = MEGAZONE.read_text(encoding="utf-8")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(text, encoding="utf-8")
    changed = text.replace("\nprovision:\n", "\n" + PROCESSOR, 1)
    changed = changed.replace("effective_date: 2023-08-30", "effective_date: 2026-02-04", 1)
    assert changed != text
    new.write_text(changed, encoding="utf-8")
    return old, new


def test_cli_diff_json(policy_files: tuple[Path, Path]) -> None:
    old, new = policy_files
    args = ["policy", "diff", str(old), str(new), "--published", "2026-01-05", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["significant"] is True
    assert [c["kind"] for c in data["changes"]] == ["recipient_added"]
    assert data["earliest_effective"] == {"kr-pipa": "2026-02-04"}
    assert data["too_early"] == {}
    assert data["reconsent_required"] == ["product.inquiry"]


def test_cli_diff_text(policy_files: tuple[Path, Path]) -> None:
    old, new = policy_files
    result = CliRunner().invoke(
        app, ["policy", "diff", str(old), str(new), "--published", "2026-01-05"]
    )
    assert result.exit_code == 0, result.output
    assert "[significant] recipient_added processors.stripe:" in result.output
    assert "kr-pipa: earliest 2026-02-04" in result.output


def test_cli_diff_refuses_a_bad_date(policy_files: tuple[Path, Path]) -> None:
    old, new = policy_files
    result = CliRunner().invoke(app, ["policy", "diff", str(old), str(new), "--published", "soon"])
    assert result.exit_code == 2


def test_cli_diff_of_a_file_with_itself_says_no_changes(policy_files: tuple[Path, Path]) -> None:
    old, _ = policy_files
    args = ["policy", "diff", str(old), str(old), "--published", "2026-01-05"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == "no changes from 2023-08-30 to 2023-08-30\n"


@pytest.mark.parametrize("as_json", [[], ["--json"]], ids=["text", "json"])
def test_cli_diff_exits_1_when_the_new_version_takes_effect_too_early(
    policy_files: tuple[Path, Path], tmp_path: Path, as_json: list[str]
) -> None:
    old, new = policy_files
    early = tmp_path / "early.yaml"
    text = new.read_text(encoding="utf-8")
    early.write_text(text.replace("effective_date: 2026-02-04", "effective_date: 2026-02-03", 1))
    args = ["policy", "diff", str(old), str(early), "--published", "2026-01-05", *as_json]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    if as_json:
        assert json.loads(result.stdout)["too_early"] == {"kr-pipa": "2026-02-04"}
    else:
        assert "too early: effective date 2026-02-03" in result.stdout


def test_cli_diff_help_documents_the_exit_codes() -> None:
    result = CliRunner().invoke(app, ["policy", "diff", "--help"], terminal_width=200)
    help_text = " ".join(result.stdout.split())
    assert "1 when that date is earlier than the earliest date allowed in any jurisdiction" in (
        help_text
    )


def test_cli_diff_refuses_two_different_policies(policy_files: tuple[Path, Path]) -> None:
    old, _ = policy_files
    args = ["policy", "diff", str(old), str(UTRACS), "--published", "2026-01-05"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: cannot compare policy 'megazone-cloudplex'")
    assert "'utracs'" in line


def test_the_diff_modules_share_no_private_names() -> None:
    """A name another module imports is public in the module that defines it."""
    private = [
        f"{path.name}: {alias.name}"
        for path in sorted(DIFF_PACKAGE.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("policyvault")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []
