"""UTRACS over three simulated years, through the HTTP API: records of unauthorised use are
moved to the separate store when their purpose is achieved and kept one year from the
detection (the company's own rule, not a statute), readable then only for the statutory
purpose; the complaint record stays its three years under the E-Commerce Act."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from tests.scenarios.replay.harness import (
    SEEDS,
    STATUTORY,
    Replay,
    by_action,
    replaying,
    when,
)

POLICY = SEEDS / "utracs.yaml"
T0 = datetime(2027, 3, 3, 0, 0, tzinfo=UTC)  # Wednesday 09:00 in Seoul
MISUSE = {"event": "credential-stuffing-synthetic", "attempts": 12}
COMPLAINT = {"ticket": "synthetic-ticket-55"}


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    with replaying(POLICY, tmp_path_factory.mktemp("utracs"), T0) as replay:
        yield replay


def test_unauthorized_use_records_kept_one_year(replay: Replay) -> None:
    abuser = replay.collect(
        "unauthorized_use", {"unauthorized_use_records": MISUSE}, jurisdictions=["kr-pipa"]
    )
    replay.event(abuser, "unauthorized_use_detected")
    complaint = replay.record(abuser, "complaint_or_dispute", T0, COMPLAINT)
    assert complaint["store"] == "separate"  # kept for the statute alone
    replay.grant("handler", "security.unauthorized_use")
    replay.grant("handler", STATUTORY)
    assert replay.read(abuser, ["unauthorized_use_records"], "security.unauthorized_use").is_success

    replay.at(datetime(2027, 4, 5, 0, 0, tzinfo=UTC))
    replay.event(abuser, "purpose_achieved")
    plan = by_action(replay.open_deadlines(abuser))
    assert ("unauthorized_use_records", "archive") in plan
    kept = plan[("unauthorized_use_records", "destroy")]
    assert kept["rule"] == "statute:unauthorized_use"
    assert when(kept["end_at"]).date() == date(2028, 3, 3)  # detection + P1Y

    swept = replay.sweep()
    assert swept["archived"] == 1 and swept["destroyed_items"] == 0
    ordinary = replay.read(abuser, ["unauthorized_use_records"], "security.unauthorized_use")
    assert ordinary.status_code == 403 and ordinary.json()["details"]["rule"] == "archived"
    statutory = replay.read(abuser, ["unauthorized_use_records"], STATUTORY)
    assert statutory.status_code == 200, statutory.text

    replay.at(datetime(2028, 3, 2, 0, 0, tzinfo=UTC))  # a day short of the year
    assert replay.sweep()["destroyed_items"] == 0
    assert replay.read(abuser, ["unauthorized_use_records"], STATUTORY).status_code == 200
    replay.at(datetime(2028, 3, 3, 1, 0, tzinfo=UTC))
    swept = replay.sweep()
    assert swept["destroyed_items"] == 1 and swept["keys_destroyed"] == 0
    [group] = replay.certificate(swept["certificates"][0]).json()["groups"]
    assert group["statute"]["kind"] == "company_policy" and group["statute"]["period"] == "P1Y"
    assert [r["record_type"] for r in replay.records(abuser).json()] == ["complaint_or_dispute"]

    replay.at(datetime(2030, 3, 3, 1, 0, tzinfo=UTC))  # three years after the complaint
    swept = replay.sweep()
    assert swept["destroyed_records"] == 1 and swept["keys_destroyed"] == 1
    assert replay.records(abuser).status_code == 404
