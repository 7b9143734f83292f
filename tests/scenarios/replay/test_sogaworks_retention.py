"""Sogaworks (GDPR, no statutory records) over a simulated year, through the HTTP API: a
withdrawn marketing consent stops marketing at once but keeps what the contract still needs;
when the purpose is achieved everything goes without delay and the subject's keys with it; a
hold "required by law" keeps it until released."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.scenarios.replay.harness import SEEDS, Replay, replaying

POLICY = SEEDS / "sogaworks.yaml"
T0 = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
MARKETING = {"category": "marketing", "purposes": ["marketing.recommendations"]}


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    with replaying(POLICY, tmp_path_factory.mktemp("sogaworks"), T0) as replay:
        yield replay


def account(replay: Replay, number: int) -> str:
    values = {
        "first_name": "Sample",
        "last_name": f"Maker{number}",
        "email": f"maker{number}@example.com",
        "password": "a long sample password",
    }
    return replay.collect("account", values, [MARKETING], jurisdictions=["eu-gdpr"])


def test_withdrawal_then_purpose_achieved(replay: Replay) -> None:
    maker = account(replay, 1)
    replay.grant("handler", "marketing.recommendations")
    replay.grant("handler", "service.provision")
    replay.at(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    replay.consent(maker, "marketing", ["marketing.recommendations"], "withdrawn")
    assert replay.sweep()["destroyed_items"] == 0  # the contract still needs them
    stopped = replay.read(maker, ["email"], "marketing.recommendations")
    assert stopped.status_code == 403 and stopped.json()["details"]["rule"] == "lawful_basis"
    assert replay.read(maker, ["email"], "service.provision").status_code == 200

    replay.at(datetime(2028, 1, 11, 9, 0, tzinfo=UTC))
    replay.event(maker, "purpose_achieved")
    swept = replay.sweep()
    assert swept["destroyed_items"] == 4 and swept["keys_destroyed"] == 1
    assert replay.read(maker, ["email"], "service.provision").status_code == 404
    certificate = replay.certificate(swept["certificates"][0]).json()
    assert certificate["approval_required"] is False
    assert sum(sum(g["items"].values()) for g in certificate["groups"]) == 4


def test_a_hold_required_by_law(replay: Replay) -> None:
    replay.at(datetime(2028, 2, 1, 9, 0, tzinfo=UTC))
    maker = account(replay, 2)
    hold = replay.hold(maker, "required_by_law", "Court order SAMPLE-7")
    replay.event(maker, "purpose_achieved")
    assert replay.sweep()["destroyed_items"] == 0
    assert replay.read(maker, ["email"], "service.provision").status_code == 403
    replay.release(hold)
    assert replay.sweep()["destroyed_items"] == 4
