"""A deletion request on Megazone, whose destruction the privacy officer approves and whose
business records a statute keeps: what may go is destroyed now and certified, what a statute
keeps is moved to the separate store with its statute and the date it is kept until, a legal
hold keeps what it holds, a deletion naming one item takes only that item, and what was kept
is destroyed (and the subject's keys shredded) when the statute's period ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.unit.rights.conftest import ADMIN, CLERK, OFFICER, Desk

from policyvault.domain.access import STATUTORY_PURPOSE, Rule
from policyvault.domain.errors import AccessDenied, Refused
from policyvault.domain.requests import ItemOutcome, Outcome, RequestKind, RequestStatus
from policyvault.domain.retention import TaskStatus

EMAIL = "lee@example.com"
PAYMENT = {"order": "ORD-1001", "amount": 59000, "currency": "KRW"}
AUTOMATIC = {
    "ip_address": "192.0.2.7",
    "cookie_id": "ck-7",
    "service_use_records": {"pages": 3},
    "visit_records": {"visits": 2},
    "bad_use_records": {"flags": 0},
}
ECOMMERCE = "Act on Consumer Protection in Electronic Commerce"
VISITS = "Communications Secret Protection Act"


def customer(d: Desk) -> tuple[str, str]:
    """A member who used the service, visited the site today and paid yesterday: the id and
    the payment record's id."""
    subject = d.member("console_start", {"email": EMAIL, "name": "Lee Member"})
    d.member("automatic", AUTOMATIC, subject_id=subject)
    d.vault.record_event(subject, "visit", CLERK)
    paid = d.clock.now() - timedelta(days=1)
    record = d.retention.add_record(subject, "payment_and_supply", paid, PAYMENT, CLERK)
    d.advance(hours=1)
    return subject, record.record.id


def outcomes(request: Any) -> dict[str, ItemOutcome]:
    return {o.target: o for o in request.outcomes}


def years_later(at: datetime, years: int) -> datetime:
    return at.replace(year=at.year + years)


def test_a_deletion_destroys_what_may_go_and_keeps_what_a_statute_keeps(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    subject, record_id = customer(d)
    request = d.verified(RequestKind.deletion, EMAIL)

    done = d.requests.fulfil(request.id, OFFICER)

    assert done.status is RequestStatus.completed and done.closed_at is not None
    found = outcomes(done)
    gone = {"email", "name", "cookie_id", "service_use_records", "bad_use_records"}
    kept = {"ip_address", "visit_records"}  # named by the visit-log statute
    assert set(found) == gone | kept | {"record:payment_and_supply"}
    assert {k for k, o in found.items() if o.outcome is Outcome.fulfilled} == gone
    # what went is in neither store
    assert d.item_keys(subject) == set()
    assert d.separate_keys(subject) == kept
    # the visit items: kept under their statute for its three months
    for key in kept:
        outcome = found[key]
        assert outcome.outcome is Outcome.kept
        assert VISITS in outcome.reason and "Art. 41(2)2" in outcome.reason
        assert outcome.until is not None
        assert timedelta(days=89) <= outcome.until - done.closed_at <= timedelta(days=93)
    # the payment record: moved to the separate store, kept five years from the payment
    payment = found["record:payment_and_supply"]
    assert payment.outcome is Outcome.kept
    assert ECOMMERCE in payment.reason and "Art. 6(1)3" in payment.reason
    assert payment.until is not None
    five_years = years_later(done.closed_at - timedelta(days=1, hours=1), 5)
    assert five_years <= payment.until <= five_years + timedelta(days=1)
    assert d.record_ids() == (set(), {record_id})
    # the subject is told which portion was kept and under which law
    d.deliver()
    [result] = d.mail_to(EMAIL, "result")
    assert ECOMMERCE in result.text and "Art. 6(1)3" in result.text and VISITS in result.text


def test_what_a_deletion_keeps_is_read_for_the_statute_alone(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject, record_id = customer(d)
    d.grant_every_purpose()
    d.grant_statutory()
    request = d.verified(RequestKind.deletion, EMAIL)
    d.requests.fulfil(request.id, OFFICER)

    for purpose in ("service.provision",):
        read = d.vault.read(subject, ["ip_address"], purpose, CLERK)
        assert not read.allowed and read.decision.rule is Rule.archived and read.values == {}
        with pytest.raises(AccessDenied):
            d.retention.read_records(subject, purpose, CLERK)
    read = d.vault.read(subject, ["ip_address"], STATUTORY_PURPOSE, CLERK)
    assert read.allowed and read.values == {"ip_address": b"192.0.2.7"}
    [opened] = d.retention.read_records(subject, STATUTORY_PURPOSE, CLERK)
    assert (opened.id, opened.payload, opened.separate) == (record_id, PAYMENT, True)


def test_the_destruction_is_certified_with_the_officer_as_approver(megazone_desk: Desk) -> None:
    d = megazone_desk
    customer(d)
    request = d.verified(RequestKind.deletion, EMAIL)
    assert d.retention.certificates() == []

    d.requests.fulfil(request.id, OFFICER)

    [certificate] = d.retention.certificates()
    body = certificate.body
    assert body["approval_required"] is True
    assert [a["by"] for a in body["approvals"]] == [OFFICER.id]
    destroyed = {k for g in body["groups"] for k in g["items"]}
    assert destroyed == {"email", "name", "cookie_id", "service_use_records", "bad_use_records"}
    assert EMAIL not in repr(body) and "Lee Member" not in repr(body)


def test_a_handler_who_is_not_the_approver_cannot_fulfil_a_deletion(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject, record_id = customer(d)
    items = d.item_keys(subject)
    request = d.verified(RequestKind.deletion, EMAIL)

    with pytest.raises(Refused):
        d.requests.fulfil(request.id, CLERK)

    assert d.requests.get(request.id).status is RequestStatus.open
    assert d.item_keys(subject) == items and d.separate_keys(subject) == set()
    assert d.record_ids() == ({record_id}, set())
    assert d.retention.certificates() == []
    d.vault.grant(CLERK.id, "membership.management", ADMIN)
    still = d.vault.read(subject, ["email"], "membership.management", CLERK)
    assert still.decision.rule is Rule.pending_request


def test_a_legal_hold_keeps_what_it_holds_and_the_outcome_says_so(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject, record_id = customer(d)
    items = d.item_keys(subject)
    d.retention.place_hold(OFFICER, reason="litigation", reference="CASE-7", subject_id=subject)
    request = d.verified(RequestKind.deletion, EMAIL)

    done = d.requests.fulfil(request.id, OFFICER)

    found = outcomes(done)
    assert set(found) == items | {"record:payment_and_supply"}
    assert all(o.outcome is Outcome.kept for o in found.values())
    assert all("legal hold" in o.reason for o in found.values())
    assert d.item_keys(subject) == items  # nothing moved, nothing destroyed
    assert d.record_ids() == ({record_id}, set())


def test_a_hold_on_what_a_statute_already_keeps_is_named_too(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject, _ = customer(d)
    first = d.verified(RequestKind.deletion, EMAIL, items=("ip_address",))
    d.requests.fulfil(first.id, OFFICER)
    assert d.separate_keys(subject) == {"ip_address"}
    d.retention.place_hold(OFFICER, reason="litigation", reference="CASE-8", subject_id=subject)
    request = d.verified(RequestKind.deletion, EMAIL)

    found = outcomes(d.requests.fulfil(request.id, OFFICER))

    assert found["ip_address"].outcome is Outcome.kept
    assert "legal hold" in found["ip_address"].reason and VISITS in found["ip_address"].reason
    assert d.separate_keys(subject) == {"ip_address"}


def test_a_deletion_naming_one_item_deletes_that_item_alone(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject, record_id = customer(d)
    request = d.verified(RequestKind.deletion, EMAIL, items=("name",))

    done = d.requests.fulfil(request.id, OFFICER)

    assert [(o.target, o.outcome) for o in done.outcomes] == [("name", Outcome.fulfilled)]
    assert d.item_keys(subject) == set(AUTOMATIC) | {"email"}
    assert d.separate_keys(subject) == set()
    assert d.record_ids() == ({record_id}, set())
    d.vault.grant(CLERK.id, "membership.management", ADMIN)
    read = d.vault.read(subject, ["email"], "membership.management", CLERK)
    assert read.allowed and read.values == {"email": EMAIL.encode()}


def test_what_was_kept_is_destroyed_when_its_statute_ends(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject, record_id = customer(d)
    request = d.verified(RequestKind.deletion, EMAIL)
    done = outcomes(d.requests.fulfil(request.id, OFFICER))
    visits_until = done["ip_address"].until
    payment_until = done["record:payment_and_supply"].until
    assert visits_until is not None and payment_until is not None

    # (``until`` is the last moment: the statute ends during the day before it)
    d.clock.set(visits_until - timedelta(days=1))
    d.sweep_and_approve()
    assert d.separate_keys(subject) == {"ip_address", "visit_records"}

    d.clock.set(visits_until + timedelta(minutes=1))
    d.sweep_and_approve()
    assert d.separate_keys(subject) == set()
    assert d.record_ids() == (set(), {record_id})
    assert d.memory.shredding_keys.get(subject) is not None  # the record still needs it

    d.clock.set(payment_until - timedelta(days=1))
    d.sweep_and_approve()
    assert d.record_ids() == (set(), {record_id})

    d.clock.set(payment_until + timedelta(minutes=1))
    d.sweep_and_approve()
    assert d.record_ids() == (set(), set())
    assert d.memory.shredding_keys.get(subject) is None
    with d.vault.context.session() as session:
        shredded = session.subject(subject)
    assert shredded is not None and shredded.shredded_at is not None


INQUIRY = {
    "company_name": "Example Trading",
    "contact_person": "Kim Minji",
    "email": EMAIL,
    "phone": "010-5555-0199",
}


def inquiring_member(d: Desk) -> tuple[str, str]:
    """A member whose product inquiry was completed: the inquiry's own items are due and
    queued for the officer's approval. The subject and the batch."""
    subject = d.member("console_start", {"email": EMAIL, "name": "Lee Member"})
    d.member("product_inquiry", INQUIRY, subject_id=subject)
    d.vault.record_event(subject, "inquiry_completed", CLERK)
    d.advance(hours=1)
    assert d.retention.sweep().queued == 3
    [batch] = d.retention.queue()
    return subject, batch.id


INQUIRY_ONLY = {"company_name", "contact_person", "phone"}


@pytest.mark.parametrize("items", [("name",), ()], ids=["naming-one-item", "naming-none"])
def test_a_deletion_leaves_the_work_the_officer_rejected(
    megazone_desk: Desk, items: tuple[str, ...]
) -> None:
    d = megazone_desk
    subject, batch_id = inquiring_member(d)
    assert d.retention.reject([batch_id], "dispute_open", OFFICER) == 3

    request = d.verified(RequestKind.deletion, EMAIL, items=items)
    done = d.requests.fulfil(request.id, OFFICER)

    erased = set(items) or {"name", "email"}
    assert {o.target for o in done.outcomes if o.outcome is Outcome.fulfilled} == erased
    assert {o.target for o in done.outcomes if o.outcome is Outcome.kept} == (
        set() if items else INQUIRY_ONLY
    )
    assert d.item_keys(subject) == INQUIRY_ONLY | {"email", "name"} - erased
    tasks = {
        t.deadline.target_key: (t.status, t.note)
        for t in d.retention.deadlines(subject)
        if t.deadline.target_key in INQUIRY_ONLY
    }
    assert tasks == dict.fromkeys(INQUIRY_ONLY, (TaskStatus.rejected, "dispute_open"))
    [certificate] = d.retention.certificates()
    assert {k for g in certificate.body["groups"] for k in g["items"]} == erased


def test_a_deletion_naming_one_item_leaves_other_work_to_its_approver(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    subject, batch_id = inquiring_member(d)

    request = d.verified(RequestKind.deletion, EMAIL, items=("name",))
    done = d.requests.fulfil(request.id, OFFICER)

    assert [(o.target, o.outcome) for o in done.outcomes] == [("name", Outcome.fulfilled)]
    assert d.item_keys(subject) == INQUIRY_ONLY | {"email"}
    [batch] = d.retention.queue()  # still waiting for the officer's own decision
    assert batch.id == batch_id and batch.count == 3


def test_a_deletion_naming_what_a_statute_already_keeps_says_it_is_kept(
    megazone_desk: Desk,
) -> None:
    d = megazone_desk
    subject, _ = customer(d)
    first = d.verified(RequestKind.deletion, EMAIL, items=("ip_address",))
    [kept] = d.requests.fulfil(first.id, OFFICER).outcomes
    assert d.separate_keys(subject) == {"ip_address"} and kept.until is not None

    again = d.verified(RequestKind.deletion, EMAIL, items=("ip_address",))
    done = d.requests.fulfil(again.id, OFFICER)

    [outcome] = done.outcomes
    assert (outcome.target, outcome.outcome) == ("ip_address", Outcome.kept)
    assert VISITS in outcome.reason and "Art. 41(2)2" in outcome.reason
    assert outcome.until == kept.until
    assert d.separate_keys(subject) == {"ip_address"}


def test_a_record_added_after_a_full_erasure_stays_in_ordinary_use(megazone_desk: Desk) -> None:
    d = megazone_desk
    subject, erased_record = customer(d)
    request = d.verified(RequestKind.deletion, EMAIL)
    d.requests.fulfil(request.id, OFFICER)
    assert d.item_keys(subject) == set()
    assert d.record_ids() == (set(), {erased_record})
    with d.vault.context.session() as session:
        kept = session.subject(subject)
    assert kept is not None and kept.shredded_at is None  # the old payment still needs the key
    d.advance(days=30)

    # the customer comes back and pays again: the erasure concerned what it had then
    added = d.retention.add_record(
        subject, "payment_and_supply", d.clock.now(), {"order": "ORD-2002"}, CLERK
    )
    new_record = added.record.id

    assert [t for t in d.retention.deadlines(subject) if t.deadline.target_key == new_record] == []
    d.advance(days=1)
    d.sweep_and_approve()
    assert d.record_ids() == ({new_record}, {erased_record})
    d.grant_statutory()
    opened = {r.id: r.separate for r in d.retention.read_records(subject, STATUTORY_PURPOSE, CLERK)}
    assert opened == {new_record: False, erased_record: True}
