"""The destruction queue: where the policy requires approval nothing is destroyed before the
approver the policy names approves the batch; a rejection needs a reason code and keeps the
work reported; requeue puts it back; an unknown batch changes nothing."""

from __future__ import annotations

import pytest
from tests.unit.retention.conftest import ADMIN, CLERK, OFFICER, Harness

from policyvault.domain.audit import Actor
from policyvault.domain.errors import AccessDenied, InvalidInput, NotFound
from policyvault.domain.retention import TaskStatus

INQUIRY = {
    "company_name": "Example Trading",
    "contact_person": "Kim Minji",
    "email": "kim.minji@example.com",
    "phone": "010-5555-0199",
}


def queued_inquiry(h: Harness) -> tuple[str, str]:
    """An inquiry whose data is due and queued for approval; its subject and batch."""
    subject = h.collect("product_inquiry", INQUIRY)
    h.vault.record_event(subject, "inquiry_completed", CLERK)
    h.advance(hours=1)
    report = h.retention.sweep()
    assert report.queued == 4 and report.destroyed_items == 0
    [batch] = h.retention.queue()
    return subject, batch.id


def statuses(h: Harness, subject: str) -> set[TaskStatus]:
    return {t.status for t in h.retention.deadlines(subject)}


def test_nothing_is_destroyed_before_approval(megazone: Harness) -> None:
    subject, batch_id = queued_inquiry(megazone)
    megazone.advance(days=30)
    report = megazone.retention.sweep()
    assert report.destroyed_items == 0
    assert megazone.item_keys(subject) == set(INQUIRY)
    assert report.overdue == {"awaiting_approval": 4}  # and it is reported, not dropped
    assert megazone.audit("retention.overdue")
    [batch] = megazone.retention.queue()
    assert batch.id == batch_id and batch.count == 4
    assert batch.rules == {"purpose:product.inquiry": 4}
    assert batch.items == {"company_name": 1, "contact_person": 1, "email": 1, "phone": 1}


def test_the_approval_is_recorded_before_the_destruction(megazone: Harness) -> None:
    subject, batch_id = queued_inquiry(megazone)
    megazone.advance(minutes=5)
    assert megazone.retention.approve([batch_id], OFFICER) == 4
    approved_at = megazone.clock.now()
    megazone.advance(minutes=5)
    report = megazone.retention.sweep()
    assert report.destroyed_items == 4 and megazone.item_keys(subject) == set()
    actions = [e.event.action for e in megazone.memory.audit_entries()]
    assert actions.index("retention.approve") < actions.index("retention.destroy")
    [approval] = megazone.audit("retention.approve")
    assert approval.event.actor.id == OFFICER.id and approval.event.details["batch_id"] == batch_id
    [certificate] = megazone.retention.certificates()
    assert certificate.body["approvals"] == [{"by": OFFICER.id, "at": approved_at.isoformat()}]


@pytest.mark.parametrize(
    "actor",
    [ADMIN, CLERK, Actor(id="dpo-2", role="data_protection_officer")],
    ids=["admin", "handler", "another-role"],
)
def test_only_the_approver_role_the_policy_names_decides(megazone: Harness, actor: Actor) -> None:
    subject, batch_id = queued_inquiry(megazone)
    with pytest.raises(AccessDenied):
        megazone.retention.approve([batch_id], actor)
    with pytest.raises(AccessDenied):
        megazone.retention.reject([batch_id], "dispute_open", actor)
    with pytest.raises(AccessDenied):
        megazone.retention.requeue([batch_id], actor)
    assert statuses(megazone, subject) == {TaskStatus.awaiting_approval}
    # Each refusal is audited as a denial, against the actor who tried.
    decisions = [
        e.event
        for e in megazone.memory.audit_entries()
        if e.event.action in ("retention.approve", "retention.reject", "retention.requeue")
    ]
    assert len(decisions) == 3
    assert all(not d.decision.allowed and d.actor.id == actor.id for d in decisions)
    megazone.retention.sweep()
    assert megazone.item_keys(subject) == set(INQUIRY)


@pytest.mark.parametrize(
    "reason", ["", "Dispute Open", "the customer called", "x" * 65, "1_code"], ids=repr
)
def test_a_rejection_needs_a_reason_code(megazone: Harness, reason: str) -> None:
    subject, batch_id = queued_inquiry(megazone)
    with pytest.raises(InvalidInput):
        megazone.retention.reject([batch_id], reason, OFFICER)
    assert statuses(megazone, subject) == {TaskStatus.awaiting_approval}
    assert megazone.audit("retention.reject") == []


def test_rejected_work_stays_reported_and_requeue_puts_it_back(megazone: Harness) -> None:
    subject, batch_id = queued_inquiry(megazone)
    assert megazone.retention.reject([batch_id], "dispute_open", OFFICER) == 4
    tasks = megazone.retention.deadlines(subject)
    assert {(t.status, t.note, t.decided_by) for t in tasks} == {
        (TaskStatus.rejected, "dispute_open", OFFICER.id)
    }
    megazone.advance(days=2)
    report = megazone.retention.sweep()
    assert report.destroyed_items == 0 and report.queued == 0
    assert report.overdue == {"rejected": 4}
    assert megazone.item_keys(subject) == set(INQUIRY)
    assert megazone.retention.queue() == []
    assert [b.id for b in megazone.retention.queue(TaskStatus.rejected)] == [batch_id]

    assert megazone.retention.requeue([batch_id], OFFICER) == 4
    assert statuses(megazone, subject) == {TaskStatus.scheduled}
    with pytest.raises(NotFound):
        megazone.retention.requeue([batch_id], OFFICER)  # nothing rejected is left in it
    report = megazone.retention.sweep()
    assert report.queued == 4 and report.batch_id != batch_id  # a new batch
    megazone.retention.approve([report.batch_id], OFFICER)  # type: ignore[list-item]
    megazone.retention.sweep()
    assert megazone.item_keys(subject) == set()


def test_an_unknown_batch_is_not_found_and_nothing_changes(megazone: Harness) -> None:
    subject, batch_id = queued_inquiry(megazone)
    entries = len(megazone.memory.audit_entries())
    for decide in (
        lambda ids: megazone.retention.approve(ids, OFFICER),
        lambda ids: megazone.retention.reject(ids, "dispute_open", OFFICER),
        lambda ids: megazone.retention.requeue(ids, OFFICER),
    ):
        with pytest.raises(NotFound):
            decide(["no-such-batch"])
        # ... also when a good batch comes first in the same call: all or nothing.
        with pytest.raises(NotFound):
            decide([batch_id, "no-such-batch"])
        assert statuses(megazone, subject) == {TaskStatus.awaiting_approval}
    assert len(megazone.memory.audit_entries()) == entries
    with pytest.raises(InvalidInput):
        megazone.retention.approve([], OFFICER)
    with pytest.raises(InvalidInput):
        megazone.retention.approve(batch_id, OFFICER)  # type: ignore[arg-type]
    megazone.retention.sweep()
    assert megazone.item_keys(subject) == set(INQUIRY)


def test_a_batch_is_approved_once(megazone: Harness) -> None:
    _, batch_id = queued_inquiry(megazone)
    assert megazone.retention.approve([batch_id, batch_id], OFFICER) == 4
    with pytest.raises(NotFound):
        megazone.retention.approve([batch_id], OFFICER)
    assert len(megazone.audit("retention.approve")) == 1


def test_new_facts_after_approval_send_the_work_back(megazone: Harness) -> None:
    """An approval is for the facts it saw: work whose deadline moved is planned again."""
    subject = megazone.collect("console_start", {"email": "m@example.com", "name": "Lee Member"})
    megazone.vault.record_event(subject, "account_closed", CLERK)
    megazone.advance(hours=1)
    megazone.retention.sweep()
    [batch] = megazone.retention.queue()
    megazone.retention.approve([batch.id], OFFICER)
    # The same subject comes back through the inquiry form before the sweeper runs: the
    # email now also serves the inquiry (no end yet), so destroying it is no longer due.
    megazone.collect("product_inquiry", INQUIRY, subject_id=subject)
    report = megazone.retention.sweep()
    assert megazone.item_keys(subject) == set(INQUIRY)  # the name went, the email stayed
    assert report.destroyed_items == 1
    [email] = [t for t in megazone.retention.deadlines(subject) if t.deadline.target_key == "email"]
    assert email.status is TaskStatus.cancelled and email.note == "facts_changed"


def test_without_an_approval_step_work_is_approved_by_the_policy(optapex: Harness) -> None:
    assert optapex.policy.destruction.approval_required is None
    subject = optapex.collect("automatic")
    optapex.vault.record_event(subject, "account_closed", CLERK)
    optapex.advance(hours=1)
    report = optapex.retention.sweep()
    assert report.queued == 3 and report.anonymised_items == 3
    assert optapex.retention.queue() == []
    [certificate] = optapex.retention.certificates()
    assert certificate.body["approval_required"] is False
    assert {a["by"] for a in certificate.body["approvals"]} == {"policy:no_approval_required"}
