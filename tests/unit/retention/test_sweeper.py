"""The sweeper's clock (LEGAL §8 C 14): destruction within the grace days counted the Korean
way, alerts for work close to its due date and for anything past it, and runs that can be
repeated without doing anything twice."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from ruamel.yaml import YAML
from tests.unit.retention.conftest import CLERK, OFFICER, Harness
from tests.unit.vault.conftest import EXAMPLES

from policyvault.domain.retention import TaskStatus

SEOUL = ZoneInfo("Asia/Seoul")
INQUIRY = {
    "company_name": "Example Trading",
    "contact_person": "Kim Minji",
    "email": "kim.minji@example.com",
    "phone": "010-5555-0199",
}


def megazone_with(tmp_path: Path, **destruction: object) -> Harness:
    """Megazone with its destruction settings changed (the five days of the PIPC template)."""
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load(EXAMPLES / "megazone-cloudplex.yaml")
    data["destruction"].update(destruction)
    path = tmp_path / "megazone-cloudplex.yaml"
    yaml.dump(data, path)
    return Harness("megazone-cloudplex", path)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)  # type: ignore[misc]


def completed_inquiry(h: Harness, at: datetime) -> str:
    h.clock.set(at - timedelta(days=3))
    subject = h.collect("product_inquiry", INQUIRY)
    h.clock.set(at)
    h.vault.record_event(subject, "inquiry_completed", CLERK)
    return subject


def test_five_korean_days_skip_chuseok_and_the_substitute_holiday(tmp_path: Path) -> None:
    h = megazone_with(tmp_path, grace_period_days=5, approval_required=False)
    # Completed on Wednesday 30 Sep 2026: day 5 is Monday 5 Oct, the substitute holiday for
    # National Foundation Day (a Saturday), so the five days end with Tuesday 6 October.
    subject = completed_inquiry(h, kst(2026, 9, 30, 18, 0))
    due = {t.deadline.due_at for t in h.retention.deadlines(subject)}
    assert due == {kst(2026, 10, 7, 0, 0)}
    # The job does not run until the last minute of the last day: still on time.
    h.clock.set(kst(2026, 10, 6, 23, 59))
    report = h.retention.sweep()
    assert report.destroyed_items == 4 and report.overdue == {}
    tasks = [t for t in h.memory.store.raw_state().tasks.values() if t.subject_id == subject]
    assert len(tasks) == 5  # four items and, nothing being left, the subject's keys
    assert all(t.done_at is not None and t.done_at <= t.deadline.due_at for t in tasks)
    assert h.memory.shredding_keys.get(subject) is None


def test_work_past_its_due_date_raises_an_overdue_alert(tmp_path: Path) -> None:
    h = megazone_with(tmp_path, grace_period_days=5, approval_required=True)
    subject = completed_inquiry(h, kst(2026, 9, 30, 18, 0))
    h.clock.set(kst(2026, 10, 5, 9, 0))  # a day and a half before it is due
    report = h.retention.sweep()
    assert report.queued == 4 and report.near_due == 4 and report.overdue == {}
    [alert] = h.audit("retention.alert")
    assert not alert.event.decision.allowed and alert.event.details["near_due"] == 4
    h.clock.set(kst(2026, 10, 7, 0, 0))  # due now: not yet overdue
    assert h.retention.sweep().overdue == {}
    h.clock.set(kst(2026, 10, 7, 0, 1))  # the officer did not approve in time
    report = h.retention.sweep()
    assert report.overdue == {"awaiting_approval": 4}
    [overdue] = h.audit("retention.overdue")
    assert overdue.event.details["overdue"] == {"awaiting_approval": 4}
    assert subject not in repr(overdue)  # counts, not people
    h.retention.approve([b.id for b in h.retention.queue()], OFFICER)
    report = h.retention.sweep()
    assert report.destroyed_items == 4 and report.overdue == {}
    [certificate] = h.retention.certificates()
    assert certificate.body["groups"][0]["done_late"] == 4


def test_a_sweep_with_nothing_due_does_nothing(megazone: Harness) -> None:
    subject = megazone.collect("product_inquiry", INQUIRY)
    entries = len(megazone.memory.audit_entries())
    report = megazone.retention.sweep()
    assert (report.queued, report.archived, report.destroyed_items) == (0, 0, 0)
    assert report.batch_id is None and report.certificates == []
    assert {t.status for t in megazone.retention.deadlines(subject)} <= {TaskStatus.scheduled}
    # Only the first run records which policy the deadlines were planned under.
    assert len(megazone.memory.audit_entries()) == entries


def test_running_the_sweeper_again_does_nothing_twice(megazone: Harness) -> None:
    subject = megazone.collect("product_inquiry", INQUIRY)
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    megazone.advance(hours=1)
    first = megazone.retention.sweep()
    again = megazone.retention.sweep()
    assert first.queued == 4 and again.queued == 0
    assert len(megazone.retention.queue()) == 1
    megazone.retention.approve([first.batch_id], OFFICER)  # type: ignore[list-item]
    done = megazone.retention.sweep()
    repeat = megazone.retention.sweep()
    assert done.destroyed_items == 4 and repeat.destroyed_items == 0
    assert len(done.certificates) == 1 and repeat.certificates == []
    assert len(megazone.audit("retention.destroy")) == 1


@pytest.mark.parametrize("hour", [0, 9, 23])
def test_destruction_is_done_by_the_end_of_the_day_it_ends(megazone: Harness, hour: int) -> None:
    """No grace days ("without delay"): due at the next local midnight."""
    megazone.to_local(at=time(hour, 30))
    subject = megazone.collect("product_inquiry", INQUIRY)
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    local = megazone.clock.now().astimezone(SEOUL)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=SEOUL)
    assert {t.deadline.due_at for t in megazone.retention.deadlines(subject)} == {midnight}
