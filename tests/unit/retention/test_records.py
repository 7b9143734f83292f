"""Statutory records and crypto-shredding: records are refused unless well formed, read for
the statutory purpose alone and with a grant, moved to the separate store when only the
statute needs them, destroyed when its period ends; a subject of whom nothing is left loses
its keys for good. A dry run changes nothing."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.unit.retention.conftest import ADMIN, APP, CLERK, Harness

from policyvault.domain.access import STATUTORY_PURPOSE
from policyvault.domain.errors import AccessDenied, InvalidInput, NotFound
from policyvault.domain.retention import Action, TargetKind
from policyvault.services.retention.records import MAX_PAYLOAD_BYTES
from policyvault.services.vault import SubjectNotFound

PAYMENT = {"order": "ORD-1001", "amount": 59000, "currency": "KRW"}


def member(h: Harness) -> str:
    return h.collect("console_start", {"email": "member@example.com", "name": "Lee Member"})


def record_state(h: Harness) -> tuple[Any, Any]:
    return (
        copy.deepcopy(h.memory.store.raw_state().records),
        copy.deepcopy(h.memory.separate.raw_state().records),
    )


@pytest.mark.parametrize(
    ("record_type", "occurred", "payload"),
    [
        ("made_up_records", timedelta(0), PAYMENT),
        ("payment_and_supply", timedelta(seconds=1), PAYMENT),  # in the future
        ("payment_and_supply", timedelta(days=-1), ["not", "an", "object"]),
        ("payment_and_supply", timedelta(days=-1), "a string"),
        ("payment_and_supply", timedelta(days=-1), {"blob": "x" * MAX_PAYLOAD_BYTES}),
        ("payment_and_supply", timedelta(days=-1), {"amount": float("nan")}),
        ("payment_and_supply", timedelta(days=-1), {"when": datetime(2026, 1, 1, tzinfo=UTC)}),
    ],
    ids=["unknown-type", "future", "list", "string", "oversized", "nan", "not-json"],
)
def test_a_bad_record_is_refused_and_changes_nothing(
    megazone: Harness, record_type: str, occurred: timedelta, payload: Any
) -> None:
    subject = member(megazone)
    before = record_state(megazone)
    tasks = megazone.retention.deadlines(subject)
    entries = len(megazone.memory.audit_entries())
    with pytest.raises(InvalidInput):
        megazone.retention.add_record(
            subject, record_type, megazone.clock.now() + occurred, payload, CLERK
        )
    assert record_state(megazone) == before == ({}, {})
    assert megazone.retention.deadlines(subject) == tasks
    assert len(megazone.memory.audit_entries()) == entries
    assert not any(e.event.decision.allowed for e in megazone.audit("record.add"))


def test_a_record_needs_an_aware_time_and_a_known_subject(megazone: Harness) -> None:
    subject = member(megazone)
    with pytest.raises(InvalidInput):
        megazone.retention.add_record(
            subject,
            "payment_and_supply",
            datetime(2026, 1, 1),  # noqa: DTZ001
            PAYMENT,
            CLERK,
        )
    with pytest.raises(NotFound):
        megazone.retention.add_record(
            "no-such-subject", "payment_and_supply", megazone.clock.now(), PAYMENT, CLERK
        )
    assert record_state(megazone) == ({}, {})
    assert megazone.audit("record.add") == []


def test_a_payload_just_under_the_limit_is_kept(megazone: Harness) -> None:
    subject = member(megazone)
    payload = {"blob": "x" * (MAX_PAYLOAD_BYTES - 20)}
    added = megazone.retention.add_record(
        subject, "payment_and_supply", megazone.clock.now(), payload, CLERK
    )
    assert added.record.id in megazone.record_ids()[0]


def test_records_are_read_for_the_statutory_purpose_with_a_grant_only(megazone: Harness) -> None:
    subject = member(megazone)
    added = megazone.retention.add_record(
        subject, "payment_and_supply", megazone.clock.now(), PAYMENT, CLERK
    )
    with pytest.raises(AccessDenied):
        megazone.retention.read_records(subject, STATUTORY_PURPOSE, CLERK)
    denied = megazone.audit("record.read")[-1].event
    assert not denied.decision.allowed and denied.decision.rule == "no_grant"
    assert denied.subject_id == subject and denied.purpose == STATUTORY_PURPOSE

    megazone.vault.grant(CLERK.id, "membership.management", ADMIN)
    megazone.grant_statutory()
    for purpose in ("membership.management", "made.up.purpose"):
        with pytest.raises(AccessDenied):
            megazone.retention.read_records(subject, purpose, CLERK)
        denied = megazone.audit("record.read")[-1].event
        assert not denied.decision.allowed and denied.decision.rule == "unknown_purpose"
        assert "made.up" not in repr(denied)
    [opened] = megazone.retention.read_records(subject, STATUTORY_PURPOSE, CLERK)
    assert (opened.id, opened.payload, opened.separate) == (added.record.id, PAYMENT, False)
    allowed = megazone.audit("record.read")[-1].event
    assert allowed.decision.allowed and "59000" not in repr(megazone.memory.audit_entries())


def test_nothing_of_a_record_is_stored_in_plaintext(megazone: Harness) -> None:
    subject = member(megazone)
    megazone.retention.add_record(
        subject, "payment_and_supply", megazone.clock.now(), PAYMENT, CLERK
    )
    utracs = Harness("utracs")
    other = utracs.collect("unauthorized_use")
    utracs.retention.add_record(other, "payment_and_supply", utracs.clock.now(), PAYMENT, CLERK)
    for h in (megazone, utracs):
        state = repr(h.memory.store.raw_state()) + repr(h.memory.separate.raw_state())
        assert "ORD-1001" not in state and "59000" not in state


def test_at_account_closure_records_move_to_the_separate_store(megazone: Harness) -> None:
    megazone.grant_statutory()
    megazone.vault.grant(CLERK.id, "membership.management", ADMIN)
    subject = member(megazone)
    added = megazone.retention.add_record(
        subject, "payment_and_supply", megazone.clock.now() - timedelta(days=30), PAYMENT, CLERK
    )
    megazone.advance(days=100)
    megazone.vault.record_event(subject, "account_closed", CLERK)
    megazone.advance(hours=1)
    megazone.sweep_and_approve()
    live, separate = megazone.record_ids()
    assert added.record.id in separate and added.record.id not in live
    assert megazone.item_keys(subject) == set()  # the member's own data went
    # The subject is still there (its key opens the record), for the statute alone.
    assert megazone.memory.shredding_keys.get(subject) is not None
    [opened] = megazone.retention.read_records(subject, STATUTORY_PURPOSE, CLERK)
    assert opened.separate and opened.payload == PAYMENT
    read = megazone.vault.read(subject, ["email"], "membership.management", CLERK)
    assert read.values == {}
    [archive] = megazone.audit("retention.archive")
    assert list(archive.event.details["record_types"]) == ["payment_and_supply"]


def test_a_record_is_destroyed_when_its_period_ends_and_not_before(megazone: Harness) -> None:
    megazone.grant_statutory()
    subject = member(megazone)
    occurred = megazone.clock.now() - timedelta(days=30)
    added = megazone.retention.add_record(subject, "payment_and_supply", occurred, PAYMENT, CLERK)
    megazone.vault.record_event(subject, "account_closed", CLERK)
    [destroy] = [
        t.deadline
        for t in megazone.retention.deadlines(subject)
        if t.deadline.target == (TargetKind.record, added.record.id)
        and t.deadline.action is Action.destroy
    ]
    assert destroy.end_at == occurred.replace(year=occurred.year + 5)  # P5Y, same local time
    megazone.clock.set(destroy.end_at - timedelta(seconds=1))
    megazone.sweep_and_approve()
    assert added.record.id in megazone.record_ids()[1]
    megazone.clock.set(destroy.end_at)
    megazone.sweep_and_approve()
    assert megazone.record_ids() == (set(), set())
    assert megazone.clock.now() <= destroy.due_at


def test_when_nothing_is_left_the_subject_is_crypto_shredded(megazone: Harness) -> None:
    megazone.grant_statutory()
    megazone.vault.grant(CLERK.id, "membership.management", ADMIN)
    subject = member(megazone)
    added = megazone.retention.add_record(
        subject, "payment_and_supply", megazone.clock.now(), PAYMENT, CLERK
    )
    sealed = megazone.memory.store.raw_state().records[added.record.id].sealed
    megazone.vault.record_event(subject, "account_closed", CLERK)
    megazone.advance(hours=1)
    megazone.sweep_and_approve()
    assert megazone.memory.shredding_keys.get(subject) is not None  # the record remains
    megazone.advance(days=5 * 366)
    report_before = len(megazone.audit("vault.shred"))
    megazone.sweep_and_approve()
    assert len(megazone.audit("vault.shred")) == report_before + 1
    assert megazone.memory.shredding_keys.get(subject) is None
    assert subject not in megazone.memory.store.raw_state().keys
    with pytest.raises(SubjectNotFound):
        megazone.vault.read(subject, ["email"], "membership.management", CLERK)
    with pytest.raises(SubjectNotFound):
        megazone.retention.read_records(subject, STATUTORY_PURPOSE, CLERK)
    with pytest.raises(SubjectNotFound):
        megazone.retention.deadlines(subject)
    with pytest.raises(SubjectNotFound):
        megazone.retention.add_record(
            subject, "payment_and_supply", megazone.clock.now(), PAYMENT, CLERK
        )
    # A copy of the sealed record taken earlier (a backup) has no key left to open it.
    assert sealed and megazone.memory.shredding_keys.get(subject) is None


def test_an_item_kept_by_a_statute_outlives_its_purpose_in_the_separate_store(
    megazone: Harness,
) -> None:
    """Visit logs (3 months, Protection of Communications Secrets Act) keep the IP address
    and visit records past the service's 3 years when a visit came late."""
    megazone.grant_statutory()
    subject = megazone.collect("automatic")
    megazone.advance(days=3 * 365 - 10)
    megazone.vault.record_event(subject, "visit", CLERK)
    plan = {
        (t.deadline.target_key, t.deadline.action): t.deadline
        for t in megazone.retention.deadlines(subject)
    }
    archive = plan[("ip_address", Action.archive)]
    destroy = plan[("ip_address", Action.destroy)]
    assert archive.end_at < destroy.end_at and destroy.rule == "statute:visit_logs"
    assert plan[("cookie_id", Action.destroy)].end_at == archive.end_at
    megazone.clock.set(archive.end_at + timedelta(hours=1))
    megazone.sweep_and_approve()
    assert megazone.item_keys(subject) == set()
    assert megazone.separate_keys(subject) == {"ip_address", "visit_records"}
    read = megazone.vault.read(subject, ["ip_address"], STATUTORY_PURPOSE, CLERK)
    assert read.allowed and "ip_address" in read.values
    megazone.clock.set(destroy.end_at + timedelta(hours=1))
    megazone.sweep_and_approve()
    assert megazone.separate_keys(subject) == set()
    assert megazone.memory.shredding_keys.get(subject) is None


def test_records_kept_for_the_statute_alone_go_to_the_separate_store_at_once(
    utracs: Harness,
) -> None:
    utracs.grant_statutory()
    subject = utracs.collect("unauthorized_use")
    added = utracs.retention.add_record(
        subject, "unauthorized_use", utracs.clock.now(), {"case": "fraud-1"}, CLERK
    )
    assert added.separate
    live, separate = utracs.record_ids()
    assert added.record.id in separate and added.record.id not in live
    [opened] = utracs.retention.read_records(subject, STATUTORY_PURPOSE, CLERK)
    assert opened.separate and opened.payload == {"case": "fraud-1"}


def test_a_dry_run_changes_nothing(megazone: Harness) -> None:
    subject = member(megazone)
    megazone.retention.add_record(
        subject, "payment_and_supply", megazone.clock.now(), PAYMENT, CLERK
    )
    inquiry = megazone.collect(
        "product_inquiry",
        {"company_name": "C", "contact_person": "P", "email": "p@example.com", "phone": "0101"},
    )
    megazone.vault.record_event(subject, "account_closed", CLERK)
    megazone.vault.record_event(inquiry, "inquiry_completed", APP)
    megazone.advance(days=1)
    before = (
        copy.deepcopy(megazone.memory.store.raw_state()),
        copy.deepcopy(megazone.memory.separate.raw_state()),
        len(megazone.memory.audit_entries()),
        dict(megazone.memory.shredding_keys._keys),
    )
    report = megazone.retention.sweep(dry_run=True)
    assert report.dry_run and report.archived == 1 and report.queued == 6
    after = (
        megazone.memory.store.raw_state(),
        megazone.memory.separate.raw_state(),
        len(megazone.memory.audit_entries()),
        dict(megazone.memory.shredding_keys._keys),
    )
    assert after == before
    real = megazone.retention.sweep()
    assert (real.archived, real.queued) == (report.archived, report.queued)
