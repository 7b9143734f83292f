"""Rights requests on the unit tests' memory vault: the retention harness (a simulated clock,
the memory stores) with a request desk whose outbox is recorded, not sent, and whose webhook
calls go to a function of the test's."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from tests.unit.retention.conftest import ADMIN, APP, CLERK, OFFICER, Harness

from policyvault.domain.audit import Actor
from policyvault.services.outbox.smtp import Envelope, RecordingSender
from policyvault.services.requests.facade import RequestDesk
from policyvault.services.requests.settings import RequestSettings

__all__ = ["ADMIN", "APP", "CLERK", "OFFICER", "SUBJECT_APP", "Desk"]

SUBJECT_APP = Actor(id="svc.privacy-center-1", role="service")


class Desk(Harness):
    def __init__(self, policy_name: str) -> None:
        super().__init__(policy_name)
        self.sender = RecordingSender()
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []
        self.answer: Callable[[str, bytes], tuple[int, bytes]] = lambda url, body: (200, b"{}")
        self.requests = RequestDesk(
            self.vault.context,
            RequestSettings(public_url="https://vault.example.com"),
            sender=self.sender,
            post=self._post,
        )

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        self.calls.append((url, body, headers))
        return self.answer(url, body)

    def deliver(self) -> list[Envelope]:
        """Run the desk's work and return what was sent by it."""
        before = len(self.sender.sent)
        self.requests.work()
        return self.sender.sent[before:]

    def mail_to(self, address: str) -> list[Envelope]:
        return [e for e in self.sender.sent if e.to == address]

    def code_sent_to(self, address: str) -> str:
        self.requests.work()
        for envelope in reversed(self.mail_to(address)):
            found = re.search(r"\b(\d{6})\b", envelope.text)
            if found:
                return found.group(1)
        raise AssertionError("no code was sent to that address")


@pytest.fixture
def megazone_desk() -> Desk:
    return Desk("megazone-cloudplex")


@pytest.fixture
def optapex_desk() -> Desk:
    return Desk("lgcns-optapex")
