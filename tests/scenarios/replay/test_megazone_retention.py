"""Megazone CloudPlex over five simulated years, through the HTTP API: visit records go after
three months, advertising records after six, payment records move to the separate store when
the account closes and go five years after the payment, and nothing is destroyed before the
personal information protection manager approves it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.scenarios.replay.harness import SEEDS, STATUTORY, Replay, by_action, replaying, when

POLICY = SEEDS / "megazone-cloudplex.yaml"
T0 = datetime(2027, 1, 4, 1, 0, tzinfo=UTC)  # Monday 10:00 in Seoul
PAYMENT = {"order": "synthetic-order-7731", "amount_krw": 55000}
VISIT = {"ip": "192.0.2.44", "page": "/console"}
AD = {"campaign": "synthetic-spring-banner"}


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    with replaying(POLICY, tmp_path_factory.mktemp("megazone"), T0) as replay:
        yield replay


def test_five_years_of_megazone(replay: Replay) -> None:
    member = replay.collect(
        "console_start",
        {"email": "member.sample@example.com", "name": "Sample Member"},
        [{"category": "collection_use", "purposes": ["membership.management"]}],
        jurisdictions=["kr-pipa"],
    )
    payment = replay.record(member, "payment_and_supply", T0, PAYMENT)
    visit = replay.record(member, "visit_logs", T0, VISIT)
    ad = replay.record(member, "labeling_and_advertising", T0, AD)
    assert (payment["store"], visit["store"], ad["store"]) == ("live", "separate", "separate")
    replay.grant("handler", STATUTORY)
    replay.grant("handler", "membership.management")

    plan = by_action(replay.open_deadlines(member))
    # the account is open: the payment record serves it and has no deadline yet
    assert (payment["id"], "destroy") not in plan and (payment["id"], "archive") not in plan
    visit_end = plan[(visit["id"], "destroy")]
    assert when(visit_end["end_at"]) == datetime(2027, 4, 4, 1, 0, tzinfo=UTC)  # + P3M (exact:
    # counted from the record's occurred_at, not the clock)
    # "without delay": due by the end of that day in Seoul
    assert when(visit_end["due_at"]) == datetime(2027, 4, 4, 15, 0, tzinfo=UTC)
    assert when(plan[(ad["id"], "destroy")]["end_at"]) == datetime(2027, 7, 4, 1, 0, tzinfo=UTC)

    # Three months on, the visit record is due: queued, waiting for the manager's approval,
    # and an alert says it is close to its due date.
    replay.at(datetime(2027, 4, 4, 2, 0, tzinfo=UTC))
    swept = replay.sweep()
    assert swept["queued"] == 1 and swept["destroyed_records"] == 0
    assert swept["awaiting_approval"] == 1 and swept["near_due"] == 1
    assert {r["record_type"] for r in replay.records(member).json()} == {
        "payment_and_supply",
        "visit_logs",
        "labeling_and_advertising",
    }
    assert replay.sweep()["destroyed_records"] == 0  # still nothing without approval
    assert replay.approve_all() == 1
    swept = replay.sweep()
    assert swept["destroyed_records"] == 1 and len(swept["certificates"]) == 1
    kept = {r["record_type"] for r in replay.records(member).json()}
    assert kept == {"payment_and_supply", "labeling_and_advertising"}
    certificate = replay.certificate(swept["certificates"][0]).json()
    [group] = certificate["groups"]
    assert group["rule"] == "statute:visit_logs"
    assert group["statute"]["article"] == "Decree Art. 41(2)2"
    assert group["records"] == {"visit_logs": 1} and group["done_late"] == 0
    assert [a["by"] for a in certificate["approvals"]] == ["officer-1"]
    html = replay.certificate(swept["certificates"][0], html=True).text
    for text in (member, VISIT["ip"], visit["id"]):
        assert text not in html and text not in str(certificate)

    # The account closes: the membership data is due, the payment record moves to the
    # separate store, where only the statutory purpose reads it.
    replay.at(datetime(2027, 5, 3, 1, 0, tzinfo=UTC))
    replay.event(member, "account_closed")
    swept = replay.sweep()
    assert swept["archived"] == 1 and swept["queued"] == 2  # email and name
    stored = {r["record_type"]: r for r in replay.records(member).json()}
    assert stored["payment_and_supply"]["store"] == "separate"
    assert stored["payment_and_supply"]["payload"] == PAYMENT
    ordinary = replay.records(member, purpose="membership.management")
    assert ordinary.status_code == 403 and PAYMENT["order"] not in ordinary.text
    closed = replay.read(member, ["email"], "membership.management")
    assert closed.status_code == 403 and closed.json()["details"]["rule"] == "retention_ended"
    replay.approve_all()
    assert replay.sweep()["destroyed_items"] == 2

    # Six months after it ran, the advertising record goes.
    replay.at(datetime(2027, 7, 4, 3, 0, tzinfo=UTC))
    assert replay.sweep()["queued"] == 1
    replay.approve_all()
    assert replay.sweep()["destroyed_records"] == 1
    assert [r["record_type"] for r in replay.records(member).json()] == ["payment_and_supply"]

    # The payment record stays its five years, and not a day less...
    replay.at(datetime(2031, 12, 31, 0, 0, tzinfo=UTC))
    assert replay.sweep()["queued"] == 0
    assert [r["record_type"] for r in replay.records(member).json()] == ["payment_and_supply"]
    # ...then goes once approved, and with it the subject's keys: nothing of it is left.
    replay.at(datetime(2032, 1, 4, 2, 0, tzinfo=UTC))
    assert replay.sweep()["queued"] == 1
    replay.approve_all()
    swept = replay.sweep()
    assert swept["destroyed_records"] == 1 and swept["keys_destroyed"] == 1
    gone = replay.records(member)
    assert gone.status_code == 404 and gone.json()["code"] == "subject_not_found"
    certificate = replay.certificate(swept["certificates"][0]).json()
    assert certificate["keys_destroyed"] == 1
    assert certificate["groups"][0]["statute"]["record_type"] == "payment_and_supply"
    assert replay.sweep()["overdue"] == {}
