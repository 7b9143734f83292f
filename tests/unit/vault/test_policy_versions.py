"""Policy versions on the memory vault with a simulated clock: a new version is scheduled,
refused when its effective date comes before the notice period ends, takes effect on time
(not a day earlier), and the vault then enforces it, re-consent included (LEGAL items 8, 58).

Day D is 2026-03-02 in Seoul (the conftest clock starts at 18:00 there); Megazone promises 7
days' notice for ordinary changes and 30 for significant ones.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ruamel.yaml import YAML
from tests.unit.vault.conftest import ADMIN, APP, CLERK, EXAMPLES, START, MemoryVault

from policyvault.domain.access import Rule
from policyvault.domain.errors import InvalidInput, NotFound, PolicyInvalid, Refused
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.policy.diff import DifferentPolicies
from policyvault.domain.policy_versions import (
    PolicyVersion,
    VersionStatus,
    changed_terms,
    start_of_day,
    version_in_force,
    versions_due,
)
from policyvault.services.policy_versions import (
    NoticeTooShort,
    activate_due_versions,
    activate_version,
    list_versions,
    record_first_version,
    schedule_policy,
)
from policyvault.services.vault import ConsentChoice, Evidence

D = date(2026, 3, 2)
SEOUL = "Asia/Seoul"
SOURCE = EXAMPLES / "megazone-cloudplex.yaml"
WEB = Evidence(channel="web", notice_hash="sha256:abc")
INQUIRY = {
    "company_name": "Example Trading",
    "contact_person": "Kim Minji",
    "email": "kim.minji@example.com",
    "phone": "010-5555-0199",
}
INQUIRY_CONSENT = [ConsentChoice(ConsentCategory.collection_use, ("product.inquiry",))]


def megazone_data() -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe", pure=True).load(SOURCE)
    return data


def dumped(data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, buffer)
    return buffer.getvalue()


def new_version(data: dict[str, Any], effective: date) -> str:
    label = effective.isoformat()
    data.update(version=label, effective_date=effective)
    data["history"].append(
        {"version": label, "effective_date": effective, "summary": {"en": "Amended", "ko": "개정"}}
    )
    return dumped(data)


def ordinary_change(effective: date) -> str:
    """A reworded purpose description: an ordinary change, 7 days' notice."""
    data = megazone_data()
    data["purposes"]["product.inquiry"]["description"]["en"] += " (reworded)"
    return new_version(data, effective)


def new_inquiry_item(effective: date) -> str:
    """A job title asked at inquiries, for product.inquiry: significant, re-consent."""
    data = megazone_data()
    data["items"]["job_title"] = {
        "label": {"en": "Job title", "ko": "직함"},
        "category": "user.job_title",
        "type": "text",
        "max_length": 100,
    }
    data["purposes"]["product.inquiry"]["items"].append("job_title")
    data["collection_points"]["product_inquiry"].setdefault("optional", []).append("job_title")
    return new_version(data, effective)


def at_seoul(day: date, hour: int = 0) -> datetime:
    return start_of_day(day, SEOUL) + timedelta(hours=hour)


@pytest.fixture
def vault() -> MemoryVault:
    """Megazone on the memory stores, with its file stored as policy version 1."""
    m = MemoryVault("megazone-cloudplex", SOURCE)
    record_first_version(m.store, m.audit, SOURCE.read_text(encoding="utf-8"), START, ADMIN)
    return m


def move_to(m: MemoryVault, when: datetime) -> None:
    m.clock.set(when)


# --- the rules -----------------------------------------------------------------------------------


def version(number: int, effective: datetime, **changes: Any) -> PolicyVersion:
    fields: dict[str, Any] = {
        "number": number,
        "label": f"v{number}",
        "sha256": f"{number:064x}",
        "announced_at": START,
        "effective_at": effective,
    }
    fields.update(changes)
    return PolicyVersion(**fields)


def test_the_version_in_force_is_the_highest_whose_time_has_come() -> None:
    v1 = version(1, START, activated_at=START)
    v2 = version(2, START + timedelta(days=7), reconsent_purposes=("product.inquiry",))
    v3 = version(3, START + timedelta(days=30))
    versions = [v1, v2, v3]
    assert version_in_force(versions, START + timedelta(days=6)) == v1
    assert version_in_force(versions, START + timedelta(days=7)) == v2
    assert version_in_force(versions, START + timedelta(days=40)) == v3
    assert version_in_force([], START) is None
    assert versions_due(versions, START + timedelta(days=40)) == [v2, v3]
    assert versions_due(versions, START + timedelta(days=6)) == []


def test_changed_terms_start_when_the_changing_version_takes_effect() -> None:
    effective = START + timedelta(days=30)
    later = START + timedelta(days=60)
    versions = [
        version(1, START, activated_at=START),
        version(2, effective, reconsent_purposes=("product.inquiry",)),
        version(3, later, reconsent_purposes=("product.inquiry", "membership.management")),
    ]
    assert changed_terms(versions, effective - timedelta(seconds=1)) == {}
    assert changed_terms(versions, effective) == {"product.inquiry": effective}
    assert changed_terms(versions, later) == {
        "product.inquiry": later,
        "membership.management": later,
    }


def test_start_of_day_is_midnight_in_the_policys_time_zone() -> None:
    assert start_of_day(date(2026, 3, 9), SEOUL) == datetime(2026, 3, 8, 15, 0, tzinfo=UTC)


# --- scheduling ----------------------------------------------------------------------------------


def test_a_version_effective_before_its_notice_ends_is_refused(vault: MemoryVault) -> None:
    with pytest.raises(NoticeTooShort) as refused:
        schedule_policy(vault.vault.context, ordinary_change(D + timedelta(days=6)), ADMIN)
    message = str(refused.value)
    assert "kr-pipa" in message
    assert "2026-03-09" in message  # the earliest date allowed
    assert "PIPA Art 30(2)" in message  # the rule behind it
    assert "7 days promised by the policy in force" in message
    assert "\n" not in message
    assert [v.number for v in list_views(vault)] == [1]


def test_a_significant_change_needs_thirty_days(vault: MemoryVault) -> None:
    with pytest.raises(NoticeTooShort, match=r"before 2026-04-01, .* significant change"):
        schedule_policy(vault.vault.context, new_inquiry_item(D + timedelta(days=29)), ADMIN)
    scheduled = schedule_policy(
        vault.vault.context, new_inquiry_item(D + timedelta(days=30)), ADMIN
    )
    assert scheduled.version.reconsent_purposes == ("product.inquiry",)
    assert scheduled.version.effective_at == at_seoul(D + timedelta(days=30))
    assert scheduled.diff.significant


def test_published_on_d_effective_d_plus_7_takes_effect_on_d_plus_7_not_d_plus_6(
    vault: MemoryVault,
) -> None:
    ctx = vault.vault.context
    scheduled = schedule_policy(ctx, ordinary_change(D + timedelta(days=7)), ADMIN)
    assert scheduled.version.number == 2
    assert scheduled.version.activated_at is None
    assert scheduled.version.announced_at == at_seoul(D)

    move_to(vault, at_seoul(D + timedelta(days=6), hour=23))
    with pytest.raises(NoticeTooShort, match="cannot be activated before"):
        activate_version(ctx, 2, ADMIN)
    assert activate_due_versions(ctx, ADMIN) == []
    assert ctx.policy.version == "2023-08-30"

    move_to(vault, at_seoul(D + timedelta(days=7)))
    [activated] = activate_version(ctx, 2, ADMIN)
    assert activated.number == 2 and activated.activated_at == vault.clock.now()
    assert ctx.policy.version == "2026-03-09"
    assert [(v.version.number, v.status) for v in list_versions(ctx)] == [
        (1, VersionStatus.superseded),
        (2, VersionStatus.in_force),
    ]
    with pytest.raises(Refused, match="in force since"):
        activate_version(ctx, 2, ADMIN)
    with pytest.raises(NotFound):
        activate_version(ctx, 3, ADMIN)
    actions = [e.event.action for e in vault.audit_entries()]
    assert actions.count("policy.schedule") == 1
    assert actions.count("policy.activate") == 1


def test_the_vault_follows_the_clock_without_an_explicit_activation(vault: MemoryVault) -> None:
    ctx = vault.vault.context
    schedule_policy(ctx, ordinary_change(D + timedelta(days=7)), ADMIN)
    move_to(vault, at_seoul(D + timedelta(days=7)))
    assert ctx.policy.version == "2026-03-09"  # in force by time, before any session
    vault.vault.grants()  # any operation records the activation
    [entry] = [e.event for e in vault.audit_entries() if e.event.action == "policy.activate"]
    assert entry.actor.role == "system"
    assert activate_due_versions(ctx, ADMIN) == []


def test_another_policy_is_refused(vault: MemoryVault) -> None:
    other = (EXAMPLES / "lgcns-optapex.yaml").read_text(encoding="utf-8")
    with pytest.raises(DifferentPolicies, match="different policy"):
        schedule_policy(vault.vault.context, other, ADMIN)


def test_the_same_text_again_is_refused(vault: MemoryVault) -> None:
    with pytest.raises(Refused, match="policy version 1 already"):
        schedule_policy(vault.vault.context, SOURCE.read_text(encoding="utf-8"), ADMIN)


def test_an_announcement_in_the_past_is_refused(vault: MemoryVault) -> None:
    with pytest.raises(InvalidInput, match="before today"):
        schedule_policy(
            vault.vault.context,
            ordinary_change(D + timedelta(days=6)),
            ADMIN,
            announced_on=D - timedelta(days=1),
        )


def test_a_later_announcement_moves_the_earliest_date(vault: MemoryVault) -> None:
    with pytest.raises(NoticeTooShort, match="before 2026-03-12"):
        schedule_policy(
            vault.vault.context,
            ordinary_change(D + timedelta(days=7)),
            ADMIN,
            announced_on=D + timedelta(days=3),
        )


def test_a_broken_text_is_refused_with_its_errors(vault: MemoryVault) -> None:
    with pytest.raises(PolicyInvalid, match=r"^new\.yaml:\d+:\d+: "):
        schedule_policy(vault.vault.context, "schema: policyvault/v1\n", ADMIN, name="new.yaml")


def test_a_version_may_not_take_effect_before_the_one_it_follows(vault: MemoryVault) -> None:
    ctx = vault.vault.context
    schedule_policy(ctx, new_inquiry_item(D + timedelta(days=30)), ADMIN)
    with pytest.raises(Refused, match="before policy version 2"):
        schedule_policy(ctx, ordinary_change(D + timedelta(days=10)), ADMIN)


def test_a_vault_without_versions_refuses_to_schedule() -> None:
    bare = MemoryVault("megazone-cloudplex", SOURCE)
    with pytest.raises(NotFound, match="no policy version"):
        schedule_policy(bare.vault.context, ordinary_change(D + timedelta(days=7)), ADMIN)
    assert bare.vault.context.policy.id == "megazone-cloudplex"  # the given policy holds


def test_version_1_is_recorded_once(vault: MemoryVault) -> None:
    with pytest.raises(Refused, match="already"):
        record_first_version(
            vault.store, vault.audit, SOURCE.read_text(encoding="utf-8"), START, ADMIN
        )


# --- re-consent ----------------------------------------------------------------------------------


def test_consent_given_before_a_significant_change_must_be_given_again(
    vault: MemoryVault,
) -> None:
    v = vault.vault
    subject = v.collect("product_inquiry", INQUIRY, INQUIRY_CONSENT, WEB, APP).subject_id
    v.grant(CLERK.id, "product.inquiry", ADMIN)
    assert v.read(subject, ["email"], "product.inquiry", CLERK).allowed

    schedule_policy(v.context, new_inquiry_item(D + timedelta(days=30)), ADMIN)
    move_to(vault, at_seoul(D + timedelta(days=29)))
    assert v.read(subject, ["email"], "product.inquiry", CLERK).allowed  # old terms still

    move_to(vault, at_seoul(D + timedelta(days=30), hour=9))
    denied = v.read(subject, ["email"], "product.inquiry", CLERK)
    assert not denied.allowed
    assert denied.decision.rule is Rule.reconsent_required
    assert "product.inquiry" in denied.decision.reason

    # a subject who consents under the new terms is not affected
    newcomer = v.collect(
        "product_inquiry", {**INQUIRY, "job_title": "Buyer"}, INQUIRY_CONSENT, WEB, APP
    ).subject_id
    assert v.read(newcomer, ["email", "job_title"], "product.inquiry", CLERK).allowed

    vault.clock.advance(timedelta(minutes=5))
    event = v.give_consent(subject, ConsentCategory.collection_use, ["product.inquiry"], WEB, APP)
    assert event.policy_version == "2026-04-01"  # given under the new version
    assert v.read(subject, ["email"], "product.inquiry", CLERK).allowed


def list_views(m: MemoryVault) -> list[PolicyVersion]:
    return [view.version for view in list_versions(m.vault.context)]


def test_versions_are_listed_with_their_status(vault: MemoryVault) -> None:
    ctx = vault.vault.context
    schedule_policy(ctx, ordinary_change(D + timedelta(days=7)), ADMIN)
    views = list_versions(ctx)
    assert [(v.version.number, v.status) for v in views] == [
        (1, VersionStatus.in_force),
        (2, VersionStatus.scheduled),
    ]
    first, second = views[0].version, views[1].version
    assert first.label == "2023-08-30" and first.activated_at == START
    assert second.label == "2026-03-09" and second.effective_at == at_seoul(D + timedelta(days=7))
    assert len(second.sha256) == 64 and second.sha256 != first.sha256


def test_a_version_effective_at_once_is_in_force_at_once() -> None:
    data = megazone_data()
    data["changes"].update(notice_days=0, significant_notice_days=0)
    m = MemoryVault("megazone-cloudplex", SOURCE)
    record_first_version(m.store, m.audit, dumped(data), START, ADMIN)
    data["purposes"]["product.inquiry"]["description"]["en"] += " (reworded)"
    scheduled = schedule_policy(m.vault.context, new_version(data, D), ADMIN)
    assert scheduled.version.effective_at == START  # not before the vault held it
    assert scheduled.version.activated_at == START
    assert m.vault.context.policy.version == D.isoformat()
