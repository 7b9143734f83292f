"""Destruction certificates: one per batch, once all its work is done: what was destroyed
(counts per item key and record type), by which rule, approved by whom and when, how and when.
No subject id and no value, in the stored body, the JSON or the HTML."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tests.unit.retention.conftest import CLERK, OFFICER, Harness

from policyvault.domain.retention import Certificate
from policyvault.services.retention.approvals import CertificateNotFound
from policyvault.services.retention.certificates import certificate_html, certificate_json

FIRST = {
    "company_name": "Hanbit Trading Co",
    "contact_person": "Park Seoyeon",
    "email": "park.seoyeon@example.com",
    "phone": "010-5555-0142",
}
SECOND = {
    "company_name": "Daehan Logistics",
    "contact_person": "Choi Jiho",
    "email": "choi.jiho@example.com",
    "phone": "010-5555-0178",
}
PAYMENT = {"order": "ORD-7731", "card_last4": "4242", "holder": "Park Seoyeon"}


def destroyed_batch(h: Harness) -> tuple[list[str], str, Certificate]:
    subjects = [h.collect("product_inquiry", values) for values in (FIRST, SECOND)]
    for subject in subjects:
        h.vault.record_event(subject, "inquiry_completed", CLERK)
    h.advance(hours=2)
    h.retention.sweep()
    [batch] = h.retention.queue()
    h.retention.approve([batch.id], OFFICER)
    h.advance(minutes=10)
    report = h.retention.sweep()
    [certificate_id] = report.certificates
    return subjects, batch.id, h.retention.certificate(certificate_id)


def all_text(certificate: Certificate) -> str:
    return "\n".join(
        [certificate_json(certificate), certificate_html(certificate), repr(certificate.body)]
    )


def test_a_certificate_per_batch_with_counts_per_item_key(megazone: Harness) -> None:
    _, batch_id, certificate = destroyed_batch(megazone)
    body = certificate.body
    assert certificate.batch_id == body["batch_id"] == batch_id
    assert body["certificate_id"] == certificate.id
    assert body["policy"] == {"id": "megazone-cloudplex", "version": megazone.policy.version}
    assert body["subjects"] == 2 and body["keys_destroyed"] == 2
    [group] = body["groups"]
    assert group["rule"] == "purpose:product.inquiry" and group["action"] == "destroy"
    assert group["items"] == {"company_name": 2, "contact_person": 2, "email": 2, "phone": 2}
    assert group["records"] == {} and group["done_late"] == 0
    assert group["basis"] == "end of purpose"
    assert body["approval_required"] is True
    [approval] = body["approvals"]
    assert approval["by"] == OFFICER.id
    assert approval["at"] <= body["executed"]["first"] <= body["executed"]["last"]
    assert body["method"] == megazone.policy.destruction.method.get("en")  # type: ignore[union-attr]
    assert json.loads(certificate_json(certificate)) == body
    assert megazone.retention.certificates() == [certificate]


def test_no_subject_id_and_no_value_in_any_form_of_the_certificate(megazone: Harness) -> None:
    subjects, _, certificate = destroyed_batch(megazone)
    text = all_text(certificate)
    for subject in subjects:
        assert subject not in text
    for values in (FIRST, SECOND):
        for value in values.values():
            assert value not in text
    assert "5555" not in text and "Seoyeon" not in text and "Jiho" not in text


def test_a_statutory_destruction_names_its_statute_and_keeps_no_payload(
    megazone: Harness,
) -> None:
    megazone.grant_statutory()
    subject = megazone.collect("console_start", {"email": "p@example.com", "name": "Park Seoyeon"})
    added = megazone.retention.add_record(
        subject, "payment_and_supply", megazone.clock.now(), PAYMENT, CLERK
    )
    megazone.vault.record_event(subject, "account_closed", CLERK)
    megazone.advance(hours=1)
    megazone.sweep_and_approve()
    assert added.record.id in megazone.record_ids()[1]
    megazone.advance(days=5 * 366)
    megazone.sweep_and_approve()
    assert megazone.record_ids() == (set(), set())
    statutory = [
        c
        for c in megazone.retention.certificates()
        if any(g["rule"] == "statute:payment_and_supply" for g in c.body["groups"])
    ]
    [certificate] = statutory
    [group] = certificate.body["groups"]
    assert group["records"] == {"payment_and_supply": 1} and group["items"] == {}
    assert group["statute"]["record_type"] == "payment_and_supply"
    assert group["statute"]["period"] == "P5Y"
    assert group["basis"] == "statutory period ended"
    text = all_text(certificate)
    assert subject not in text and added.record.id not in text
    for value in PAYMENT.values():
        assert value not in text


def test_one_certificate_per_batch_however_often_the_sweeper_runs(megazone: Harness) -> None:
    _, batch_id, certificate = destroyed_batch(megazone)
    for _ in range(3):
        megazone.advance(days=1)
        assert megazone.retention.sweep().certificates == []
    assert [c.batch_id for c in megazone.retention.certificates()] == [batch_id]
    assert len(megazone.audit("retention.certificate")) == 1
    [entry] = megazone.audit("retention.certificate")
    assert entry.event.details["certificate_id"] == certificate.id


def test_no_certificate_while_the_batch_waits(megazone: Harness) -> None:
    subject = megazone.collect("product_inquiry", FIRST)
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    megazone.advance(hours=1)
    report = megazone.retention.sweep()
    assert report.certificates == [] and megazone.retention.certificates() == []


def test_late_work_is_counted_in_the_certificate(megazone: Harness) -> None:
    subject = megazone.collect("product_inquiry", FIRST)
    megazone.vault.record_event(subject, "inquiry_completed", CLERK)
    megazone.advance(hours=1)
    megazone.retention.sweep()
    [batch] = megazone.retention.queue()
    megazone.clock.advance(timedelta(days=7))  # the officer approves a week late
    megazone.retention.approve([batch.id], OFFICER)
    [certificate_id] = megazone.retention.sweep().certificates
    [group] = megazone.retention.certificate(certificate_id).body["groups"]
    assert group["done_late"] == 4


def test_an_unknown_certificate_is_not_found(megazone: Harness) -> None:
    with pytest.raises(CertificateNotFound):
        megazone.retention.certificate("no-such-certificate")
