"""LG CNS Optapex over three simulated years, through the HTTP API: account data deleted at
closure while the usage records are anonymised (still counted, no longer anyone's), the
newsletter email kept 36 months after consent and no longer, gone at once when the consent is
withdrawn, and an investigation hold that stops all of it until it is released. The seed
names no approval step, so the sweeper destroys what is due without one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.scenarios.replay.harness import SEEDS, Replay, about, by_action, replaying, when

POLICY = SEEDS / "lgcns-optapex.yaml"
T0 = datetime(2027, 3, 2, 0, 30, tzinfo=UTC)
SERVICE = {"category": "collection_use", "purposes": ["solution.service", "service.notifications"]}
NEWSLETTER = {"category": "marketing", "purposes": ["marketing.newsletter"]}
USAGE = {
    "ip_address": "198.51.100.23",
    "visit_datetime": "2027-03-02T09:30:00+09:00",
    "service_usage_records": {"event": "dashboard-opened"},
}


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    with replaying(POLICY, tmp_path_factory.mktemp("optapex"), T0) as replay:
        yield replay


def sign_up(replay: Replay, number: int, *, newsletter: bool) -> str:
    consents = [SERVICE, NEWSLETTER] if newsletter else [SERVICE]
    values = {"email": f"optapex.user{number}@example.com", "password": "correct horse 9"}
    return replay.collect("sign_up", values, consents, jurisdictions=["kr-pipa"])


def test_closure_anonymises_usage_and_the_newsletter_keeps_its_36_months(replay: Replay) -> None:
    reader = sign_up(replay, 1, newsletter=True)
    replay.collect(
        "automatic",
        USAGE,
        [{"category": "collection_use", "purposes": ["solution.service"]}],
        subject_id=reader,
    )
    replay.grant("handler", "marketing.newsletter")

    replay.at(datetime(2028, 3, 2, 0, 30, tzinfo=UTC))
    replay.event(reader, "account_closed")
    plan = by_action(replay.open_deadlines(reader))
    assert plan[("password", "destroy")]["rule"] == "purpose:solution.service"
    assert plan[("ip_address", "anonymise")]["rule"] == "purpose:solution.service"
    # the email still serves the newsletter: 36 months from the consent at sign-up
    assert plan[("email", "destroy")]["rule"] == "purpose:marketing.newsletter"
    assert about(plan[("email", "destroy")]["end_at"], datetime(2030, 3, 2, 0, 30, tzinfo=UTC))

    before = replay.statistics()["anonymised"]
    swept = replay.sweep()
    assert swept["destroyed_items"] == 1  # the password
    assert swept["anonymised_items"] == 3  # ip address, visit time, usage records
    after = replay.statistics()["anonymised"]
    for key in USAGE:
        assert after.get(key, 0) == before.get(key, 0) + 1
    assert replay.read(reader, ["email"], "marketing.newsletter").status_code == 200

    replay.at(datetime(2030, 3, 1, 0, 0, tzinfo=UTC))  # a day short of 36 months
    assert replay.sweep()["destroyed_items"] == 0
    assert replay.read(reader, ["email"], "marketing.newsletter").status_code == 200
    replay.at(datetime(2030, 3, 2, 1, 0, tzinfo=UTC))
    swept = replay.sweep()
    assert swept["destroyed_items"] == 1 and swept["keys_destroyed"] == 1
    assert replay.read(reader, ["email"], "marketing.newsletter").status_code == 404
    [group] = replay.certificate(swept["certificates"][0]).json()["groups"]
    assert group["rule"] == "purpose:marketing.newsletter" and group["items"] == {"email": 1}
    approvals = replay.certificate(swept["certificates"][0]).json()["approvals"]
    assert [a["by"] for a in approvals] == ["policy:no_approval_required"]


def test_withdrawal_ends_the_newsletter_at_once(replay: Replay) -> None:
    start = replay.at(datetime(2030, 6, 1, 0, 0, tzinfo=UTC))
    quitter = sign_up(replay, 2, newsletter=True)
    replay.at(datetime(2030, 7, 1, 0, 0, tzinfo=UTC))
    replay.event(quitter, "account_closed")
    swept = replay.sweep()
    assert swept["destroyed_items"] == 1  # the password; the email stays for the newsletter
    withdrawn = replay.at(datetime(2030, 8, 3, 0, 0, tzinfo=UTC))
    replay.consent(quitter, "marketing", ["marketing.newsletter"], "withdrawn")
    plan = by_action(replay.open_deadlines(quitter))
    # the newsletter's retention ends with the withdrawal, 34 months before its period would
    assert plan[("email", "destroy")]["rule"].endswith(":marketing.newsletter")
    assert about(plan[("email", "destroy")]["end_at"], withdrawn)
    assert when(plan[("email", "destroy")]["end_at"]) > start
    swept = replay.sweep()  # PIPA Art 37(3): without delay
    assert swept["destroyed_items"] == 1 and swept["keys_destroyed"] == 1


def test_an_investigation_hold_stops_destruction_until_released(replay: Replay) -> None:
    replay.at(datetime(2030, 9, 1, 0, 0, tzinfo=UTC))
    suspect = sign_up(replay, 3, newsletter=False)
    hold = replay.hold(suspect, "investigation", "Case 2030-INV-0042")
    replay.at(datetime(2031, 9, 1, 0, 0, tzinfo=UTC))
    replay.event(suspect, "account_closed")
    held = replay.open_deadlines(suspect)
    assert held and all(d["held"] for d in held)
    for later in (datetime(2031, 9, 2, tzinfo=UTC), datetime(2032, 3, 1, tzinfo=UTC)):
        replay.at(later)  # however often it runs, and however overdue the work becomes
        swept = replay.sweep()
        assert swept["destroyed_items"] == 0 and swept["held"] >= 2
    refused = replay.as_("privacy_officer").post(
        "/v1/holds", json={"subject_id": suspect, "reason": "litigation", "reference": "x"}
    )
    assert refused.status_code == 422  # the seed names investigation as its only reason
    replay.release(hold)
    swept = replay.sweep()
    assert swept["destroyed_items"] == 2 and swept["keys_destroyed"] == 1
