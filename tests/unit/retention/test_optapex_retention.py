"""LG CNS Optapex, end to end on the simulated clock: marketing data kept 36 months, gone at
once after the marketing consent is withdrawn (PIPA Art 37(3)); account data deleted at
closure and the automatically generated usage records anonymised; an investigation hold
stops all of it."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from tests.unit.retention.conftest import CLERK, OFFICER, WEB, Harness

from policyvault.domain.deadlines import add_period_local
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.policy.duration import Duration
from policyvault.domain.retention import Action, TargetKind

SEOUL = ZoneInfo("Asia/Seoul")
CONTACT = {
    "name": "Jung Haneul",
    "country_of_residence": "KR",
    "email": "jung.haneul@example.com",
    "company_name": "Haneul Robotics",
}


def contact_then_closed(h: Harness) -> str:
    """A contact-form subject who consented to marketing, whose inquiry was answered and
    whose account was closed ten days later."""
    subject = h.collect("contact_us", CONTACT)
    h.advance(days=10)
    h.vault.record_event(subject, "purpose_achieved", CLERK)
    h.vault.record_event(subject, "account_closed", CLERK)
    h.advance(hours=1)
    h.retention.sweep()
    return subject


def deadline_of(h: Harness, subject: str, key: str) -> tuple[Action, datetime, datetime]:
    [task] = [
        t
        for t in h.retention.deadlines(subject)
        if t.deadline.target == (TargetKind.item, key) and t.status.value != "done"
    ]
    return task.deadline.action, task.deadline.end_at, task.deadline.due_at


def end_of_local_day(at: datetime) -> datetime:
    local = at.astimezone(SEOUL)
    next_day = datetime.combine(local.date(), time(0), tzinfo=SEOUL).timestamp() + 86400
    return datetime.fromtimestamp(next_day, tz=UTC)


def test_marketing_data_is_destroyed_36_months_after_consent(optapex: Harness) -> None:
    consented_at = optapex.clock.now()
    subject = contact_then_closed(optapex)
    # Closure ended every purpose but the newsletter: what it does not use is gone ...
    assert optapex.item_keys(subject) == {"name", "email"}
    # ... and what it uses is kept for its 36 months, counted from the consent.
    ends = add_period_local(consented_at, Duration(months=36), "Asia/Seoul")
    for key in ("name", "email"):
        action, end, due = deadline_of(optapex, subject, key)
        assert (action, end) == (Action.destroy, ends)
        assert due == end_of_local_day(ends)  # "without delay": no grace days
    optapex.to_local(ends, time(0))  # the last day of the 36 months begins
    optapex.retention.sweep()
    assert optapex.item_keys(subject) == {"name", "email"}
    optapex.clock.set(ends)
    optapex.retention.sweep()
    assert optapex.item_keys(subject) == set()
    assert optapex.memory.shredding_keys.get(subject) is None  # nothing of it is left


def test_withdrawing_the_marketing_consent_destroys_at_once(optapex: Harness) -> None:
    subject = contact_then_closed(optapex)
    optapex.advance(days=150)
    optapex.vault.withdraw_consent(
        subject, ConsentCategory.marketing, ["marketing.newsletter"], WEB, CLERK
    )
    withdrawn_at = optapex.clock.now()
    for key in ("name", "email"):
        action, end, due = deadline_of(optapex, subject, key)
        assert (action, end) == (Action.destroy, withdrawn_at)
        assert due == end_of_local_day(withdrawn_at)
    optapex.advance(seconds=1)
    report = optapex.retention.sweep()
    assert report.destroyed_items == 2 and optapex.item_keys(subject) == set()
    # The certificate names the newsletter's rule ("until consent_withdrawn") as the basis.
    marketing = {"purpose:marketing.newsletter", "consent:marketing.newsletter"}
    groups = [g for c in optapex.retention.certificates() for g in c.body["groups"]]
    [group] = [g for g in groups if g["rule"] in marketing]
    assert group["items"] == {"email": 1, "name": 1}


def test_withdrawal_while_the_account_is_open_keeps_what_other_purposes_need(
    optapex: Harness,
) -> None:
    subject = optapex.collect("contact_us", CONTACT)
    optapex.advance(days=3)
    optapex.vault.withdraw_consent(
        subject, ConsentCategory.marketing, ["marketing.newsletter"], WEB, CLERK
    )
    optapex.advance(days=3)
    optapex.retention.sweep()
    assert optapex.item_keys(subject) == set(CONTACT)  # the inquiry still uses them
    marketing = optapex.vault.read(subject, ["email"], "marketing.newsletter", CLERK)
    assert not marketing.allowed


def test_account_closure_deletes_account_data_and_anonymises_usage_records(
    optapex: Harness,
) -> None:
    subject = optapex.collect(
        "log_in", {"name": "Jung Haneul", "company_name": "Haneul Robotics", "category": "ai"}
    )
    optapex.collect(
        "automatic",
        {
            "ip_address": "192.0.2.77",
            "visit_datetime": "2026-03-02T18:00:00+09:00",
            "service_usage_records": {"page": "/dashboard", "clicks": 12},
        },
        subject_id=subject,
    )
    assert optapex.retention.anonymised_counts() == {}
    optapex.advance(days=200)
    optapex.vault.record_event(subject, "account_closed", CLERK)
    plan = {t.deadline.target_key: t.deadline.action for t in optapex.retention.deadlines(subject)}
    assert plan == {
        "name": Action.destroy,
        "company_name": Action.destroy,
        "category": Action.destroy,
        "ip_address": Action.anonymise,
        "visit_datetime": Action.anonymise,
        "service_usage_records": Action.anonymise,
    }
    optapex.advance(hours=1)
    report = optapex.retention.sweep()
    assert report.destroyed_items == 3 and report.anonymised_items == 3
    assert optapex.retention.anonymised_counts() == {
        "ip_address": 1,
        "service_usage_records": 1,
        "visit_datetime": 1,
    }
    state = repr(optapex.memory.store.raw_state()) + repr(optapex.memory.separate.raw_state())
    assert "192.0.2.77" not in state and "dashboard" not in state
    assert optapex.item_keys(subject) == set() and optapex.separate_keys(subject) == set()

    second = optapex.collect("automatic")
    optapex.vault.record_event(second, "account_closed", CLERK)
    optapex.advance(hours=1)
    optapex.retention.sweep()
    assert optapex.retention.anonymised_counts()["ip_address"] == 2  # the statistics grow


def test_an_investigation_hold_blocks_destruction_until_released(optapex: Harness) -> None:
    subject = optapex.collect("contact_us", CONTACT, optional_consents=False)
    hold = optapex.retention.place_hold(
        OFFICER, reason="investigation", reference="KNPA-2026-0042", subject_id=subject
    )
    optapex.vault.record_event(subject, "purpose_achieved", CLERK)
    optapex.vault.record_event(subject, "account_closed", CLERK)
    for _ in range(4):
        optapex.advance(days=100)
        report = optapex.retention.sweep()
        assert report.destroyed_items == 0 and report.held == len(CONTACT)
        assert optapex.item_keys(subject) == set(CONTACT)
    optapex.retention.release_hold(hold.id, OFFICER)
    optapex.advance(seconds=1)
    optapex.retention.sweep()
    assert optapex.item_keys(subject) == set()


def test_without_marketing_consent_closure_deletes_everything(optapex: Harness) -> None:
    subject = optapex.collect("contact_us", CONTACT, optional_consents=False)
    optapex.vault.record_event(subject, "purpose_achieved", CLERK)
    optapex.vault.record_event(subject, "account_closed", CLERK)
    optapex.advance(hours=1)
    optapex.retention.sweep()
    assert optapex.item_keys(subject) == set()
