"""Virtual Petals over a simulated season, through the HTTP API: "destroyed within five (5)
days from its end", counted in the policy's time zone (Dubai) on the calendar (the GDPR has no
holiday rule), and done by the sweeper before that day is out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.scenarios.replay.harness import SEEDS, Replay, about, by_action, replaying, when

POLICY = SEEDS / "virtual-petals.yaml"
T0 = datetime(2027, 2, 1, 6, 0, tzinfo=UTC)  # 10:00 in Dubai


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    with replaying(POLICY, tmp_path_factory.mktemp("petals"), T0) as replay:
        yield replay


def test_destroyed_within_five_days_of_the_end_of_retention(replay: Replay) -> None:
    customer = replay.collect(
        "registration",
        {"email": "petals.customer@example.com", "name": "Sample Customer"},
        jurisdictions=["eu-gdpr"],
    )
    replay.grant("handler", "customer.registration")
    assert replay.open_deadlines(customer) == []  # nothing ends while the account is open

    closed = replay.at(datetime(2027, 5, 10, 6, 0, tzinfo=UTC))
    replay.event(customer, "account_closed")
    plan = by_action(replay.open_deadlines(customer))
    email = plan[("email", "destroy")]
    assert about(email["end_at"], closed)
    # five days after 10 May, to the end of 15 May in Dubai (UTC+4)
    assert when(email["due_at"]) == datetime(2027, 5, 15, 20, 0, tzinfo=UTC)
    refused = replay.read(customer, ["email"], "customer.registration")
    assert refused.status_code == 403 and refused.json()["details"]["rule"] == "retention_ended"

    replay.at(datetime(2027, 5, 12, 6, 0, tzinfo=UTC))  # two days before the day is out
    swept = replay.sweep()
    assert swept["destroyed_items"] == 2 and swept["keys_destroyed"] == 1
    assert swept["overdue"] == {}
    certificate = replay.certificate(swept["certificates"][0]).json()
    [group] = certificate["groups"]
    assert group["items"] == {"email": 1, "name": 1} and group["done_late"] == 0
    assert when(certificate["executed"]["last"]) <= when(email["due_at"])
    gone = replay.read(customer, ["email"], "customer.registration")
    assert gone.status_code == 404


def test_a_complaint_hold_keeps_the_data_past_the_five_days(replay: Replay) -> None:
    customer = replay.collect(
        "registration",
        {"email": "petals.complainant@example.com", "name": "Sample Complainant"},
        jurisdictions=["eu-gdpr"],
    )
    hold = replay.hold(customer, "complaint", "Complaint VP-2027-118")
    replay.at(datetime(2027, 6, 1, 6, 0, tzinfo=UTC))
    replay.event(customer, "account_closed")
    replay.at(datetime(2027, 6, 20, 6, 0, tzinfo=UTC))  # long past the five days
    swept = replay.sweep()
    assert swept["destroyed_items"] == 0 and swept["held"] == 2
    replay.release(hold)
    swept = replay.sweep()
    assert swept["destroyed_items"] == 2
    [group] = replay.certificate(swept["certificates"][0]).json()["groups"]
    assert group["done_late"] == 2  # the certificate says so: kept past its due date by a hold
