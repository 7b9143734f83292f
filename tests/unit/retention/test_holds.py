"""Legal holds: placed and released by the privacy officer (or an admin) alone, for a reason
the policy lists, on one subject or on one record type across subjects; while a hold stands,
nothing it covers is moved or destroyed; releasing it recomputes the deadlines."""

from __future__ import annotations

import pytest
from tests.unit.retention.conftest import ADMIN, APP, CLERK, OFFICER, Harness

from policyvault.domain.audit import Actor
from policyvault.domain.errors import AccessDenied, InvalidInput, NotFound
from policyvault.domain.retention import Action, TargetKind, TaskStatus


def inquiry(h: Harness) -> str:
    return h.collect(
        "product_inquiry",
        {
            "company_name": "Example Trading",
            "contact_person": "Kim Minji",
            "email": "kim.minji@example.com",
            "phone": "010-5555-0199",
        },
    )


def member_with_payment(h: Harness) -> tuple[str, str]:
    subject = h.collect("console_start", {"email": "member@example.com", "name": "Lee Member"})
    record = h.retention.add_record(
        subject, "payment_and_supply", h.clock.now(), {"order": "o-1", "amount": 1200}, CLERK
    )
    return subject, record.record.id


@pytest.mark.parametrize(
    "actor",
    [CLERK, APP, Actor(id="auditor-1", role="auditor")],
    ids=["handler", "service", "auditor"],
)
def test_only_the_privacy_officer_or_an_admin_places_a_hold(
    megazone: Harness, actor: Actor
) -> None:
    subject = inquiry(megazone)
    with pytest.raises(AccessDenied):
        megazone.retention.place_hold(
            actor, reason="litigation", reference="case-7", subject_id=subject
        )
    assert megazone.retention.holds(active_only=False) == []
    [refusal] = megazone.audit("retention.hold")  # audited as a denial, nothing more
    assert not refusal.event.decision.allowed and refusal.event.actor.id == actor.id
    assert not any(t.deadline.held for t in megazone.retention.deadlines(subject))
    for allowed in (OFFICER, ADMIN):
        hold = megazone.retention.place_hold(
            allowed, reason="litigation", reference="case-7", subject_id=subject
        )
        assert hold.placed_by == allowed.id


def test_only_the_privacy_officer_or_an_admin_releases_a_hold(megazone: Harness) -> None:
    subject = inquiry(megazone)
    hold = megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="case-7", subject_id=subject
    )
    with pytest.raises(AccessDenied):
        megazone.retention.release_hold(hold.id, CLERK)
    assert [h.id for h in megazone.retention.holds()] == [hold.id]
    [refusal] = megazone.audit("retention.release_hold")
    assert not refusal.event.decision.allowed
    released = megazone.retention.release_hold(hold.id, ADMIN)
    assert released.released_by == ADMIN.id and released.released_at == megazone.clock.now()
    assert megazone.retention.holds() == []
    with pytest.raises(NotFound):
        megazone.retention.release_hold(hold.id, ADMIN)  # released already
    with pytest.raises(NotFound):
        megazone.retention.release_hold("no-such-hold", ADMIN)


def test_the_reason_must_be_one_the_policy_lists(optapex: Harness) -> None:
    subject = optapex.collect("contact_us")
    for reason in ("litigation", "Investigation", "investigation; drop table", ""):
        with pytest.raises(InvalidInput):
            optapex.retention.place_hold(
                OFFICER, reason=reason, reference="case-1", subject_id=subject
            )
    assert optapex.retention.holds(active_only=False) == []
    assert optapex.audit("retention.hold") == []
    hold = optapex.retention.place_hold(
        OFFICER, reason="investigation", reference="case-1", subject_id=subject
    )
    assert hold.reason == "investigation"


def test_a_policy_that_lists_no_reasons_takes_any_reason_code(megazone: Harness) -> None:
    subject = inquiry(megazone)
    assert megazone.policy.legal_holds == []
    megazone.retention.place_hold(OFFICER, reason="tax_audit", reference="r", subject_id=subject)
    with pytest.raises(InvalidInput):
        megazone.retention.place_hold(
            OFFICER, reason="Tax audit by Mr Kim", reference="r", subject_id=subject
        )


def test_a_hold_covers_one_subject_or_one_declared_record_type(megazone: Harness) -> None:
    subject = inquiry(megazone)
    with pytest.raises(InvalidInput):
        megazone.retention.place_hold(OFFICER, reason="litigation", reference="r")
    with pytest.raises(InvalidInput):
        megazone.retention.place_hold(
            OFFICER,
            reason="litigation",
            reference="r",
            subject_id=subject,
            record_type="payment_and_supply",
        )
    with pytest.raises(InvalidInput):
        megazone.retention.place_hold(
            OFFICER, reason="litigation", reference="r", record_type="made_up_records"
        )
    with pytest.raises(InvalidInput):
        megazone.retention.place_hold(
            OFFICER, reason="litigation", reference=" ", subject_id=subject
        )
    with pytest.raises(NotFound):
        megazone.retention.place_hold(
            OFFICER, reason="litigation", reference="r", subject_id="no-such-subject"
        )
    assert megazone.retention.holds(active_only=False) == []


def test_the_reference_is_kept_but_never_written_to_the_audit_log(megazone: Harness) -> None:
    subject = inquiry(megazone)
    reference = "Seoul Central District Court 2026-Gahap-123456"
    hold = megazone.retention.place_hold(
        OFFICER, reason="litigation", reference=reference, subject_id=subject
    )
    assert megazone.retention.holds()[0].reference == reference
    [entry] = megazone.audit("retention.hold")
    assert entry.event.decision.allowed and entry.event.subject_id == subject
    assert entry.event.details["hold_id"] == hold.id
    megazone.retention.release_hold(hold.id, OFFICER)
    assert all(reference not in repr(e) for e in megazone.memory.audit_entries())


def test_a_hold_stops_destruction_and_its_release_lets_it_happen(megazone: Harness) -> None:
    subject = inquiry(megazone)
    hold = megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="case-7", subject_id=subject
    )
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    tasks = megazone.retention.deadlines(subject)
    assert tasks and all(t.deadline.held and t.deadline.hold_ids == (hold.id,) for t in tasks)
    megazone.advance(days=30)
    megazone.sweep_and_approve()
    assert megazone.retention.queue() == []
    report = megazone.retention.sweep()
    assert report.held == len(tasks) and report.overdue == {}  # held work is not "overdue"
    assert megazone.item_keys(subject) == {"company_name", "contact_person", "email", "phone"}

    megazone.retention.release_hold(hold.id, OFFICER)
    released = megazone.retention.deadlines(subject)
    assert released and not any(t.deadline.held for t in released)
    megazone.sweep_and_approve()
    assert megazone.item_keys(subject) == set()


def test_a_hold_placed_after_approval_still_wins(megazone: Harness) -> None:
    subject = inquiry(megazone)
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    megazone.advance(hours=1)
    megazone.retention.sweep()
    [batch] = megazone.retention.queue()
    megazone.retention.approve([batch.id], OFFICER)
    megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="case-8", subject_id=subject
    )
    report = megazone.retention.sweep()
    assert report.destroyed_items == 0
    assert megazone.item_keys(subject) == {"company_name", "contact_person", "email", "phone"}


def test_a_record_type_hold_covers_that_type_across_subjects(megazone: Harness) -> None:
    first, first_payment = member_with_payment(megazone)
    second, second_payment = member_with_payment(megazone)
    contract = megazone.retention.add_record(
        second, "contract_or_withdrawal", megazone.clock.now(), {"contract": "c-1"}, CLERK
    )
    hold = megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="case-9", record_type="payment_and_supply"
    )
    for subject in (first, second):
        megazone.vault.record_event(subject, "account_closed", CLERK)
    for subject, payment in ((first, first_payment), (second, second_payment)):
        for task in megazone.retention.deadlines(subject):
            kind, key = task.deadline.target
            if kind is TargetKind.record and key == payment:
                assert task.deadline.held and task.deadline.hold_ids == (hold.id,)
            else:
                assert not task.deadline.held  # the members' items and other records
    megazone.advance(days=2)
    megazone.sweep_and_approve()
    live, separate = megazone.record_ids()
    assert {first_payment, second_payment} <= live  # held: not even moved
    assert contract.record.id in separate and contract.record.id not in live  # not held: moved
    assert megazone.item_keys(first) == megazone.item_keys(second) == set()

    megazone.retention.release_hold(hold.id, OFFICER)
    for subject in (first, second):
        assert not any(t.deadline.held for t in megazone.retention.deadlines(subject))
    megazone.advance(hours=1)
    megazone.sweep_and_approve()
    live, separate = megazone.record_ids()
    assert {first_payment, second_payment} <= separate and not live


def test_releasing_one_of_two_holds_keeps_the_other(megazone: Harness) -> None:
    subject, payment = member_with_payment(megazone)
    on_subject = megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="a", subject_id=subject
    )
    on_type = megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="b", record_type="payment_and_supply"
    )
    megazone.vault.record_event(subject, "account_closed", CLERK)
    megazone.retention.release_hold(on_subject.id, OFFICER)
    by_target = {t.deadline.target: t for t in megazone.retention.deadlines(subject)}
    assert by_target[(TargetKind.record, payment)].deadline.hold_ids == (on_type.id,)
    assert not by_target[(TargetKind.item, "email")].deadline.held
    megazone.advance(days=1)
    megazone.sweep_and_approve()
    assert megazone.item_keys(subject) == set()
    assert payment in megazone.record_ids()[0]


def test_held_work_is_reported_as_held_never_dropped(megazone: Harness) -> None:
    subject = inquiry(megazone)
    megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="case-7", subject_id=subject
    )
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    megazone.advance(days=10)
    report = megazone.retention.sweep()
    assert report.held == 4 and report.overdue == {} and report.queued == 0
    tasks = megazone.retention.deadlines(subject)
    assert {t.status for t in tasks} == {TaskStatus.scheduled}
    assert {t.deadline.action for t in tasks} == {Action.destroy}
    assert all(t.deadline.due_at < megazone.clock.now() for t in tasks)  # past due, held


def test_a_record_type_hold_marks_the_stored_deadlines_of_the_items_it_keeps(
    megazone: Harness,
) -> None:
    subject = megazone.collect("automatic")
    megazone.vault.record_event(subject, "visit", CLERK)
    megazone.retention.sweep()  # the vault has run before: no first-run replanning below
    megazone.retention.place_hold(
        OFFICER, reason="litigation", reference="case-10", record_type="visit_logs"
    )
    stored = {t.deadline.target_key: t.deadline for t in megazone.retention.deadlines(subject)}
    assert stored["ip_address"].held and stored["visit_records"].held
    megazone.advance(days=3 * 366)
    report = megazone.retention.sweep()
    assert report.held == 2 and report.queued == 3
    [batch] = megazone.retention.queue()
    assert "ip_address" not in batch.items and "visit_records" not in batch.items
