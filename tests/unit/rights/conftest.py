"""Rights requests on the unit tests' memory vault: the retention harness (a simulated clock,
the memory stores) with a request desk whose outbox is recorded, not sent, and whose webhook
calls go to a function of the test's."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, Type
from ruamel.yaml import YAML
from tests.unit.retention.conftest import ADMIN, APP, CLERK, OFFICER, WEB, Harness
from tests.unit.vault.conftest import EXAMPLES

from policyvault.crypto.passwords import Argon2Parameters
from policyvault.domain.audit import Actor
from policyvault.domain.audit.entry import encode_entry
from policyvault.domain.requests import RequestKind, RightsRequest
from policyvault.services.outbox.smtp import Envelope, RecordingSender
from policyvault.services.requests.facade import RequestDesk
from policyvault.services.requests.intake import Received, Submission
from policyvault.services.requests.settings import RequestSettings
from policyvault.services.vault import ConsentChoice

__all__ = ["ADMIN", "APP", "CLERK", "OFFICER", "PUBLIC_URL", "SUBJECT_APP", "Desk"]

SUBJECT_APP = Actor(id="svc.privacy-center-1", role="service")
PUBLIC_URL = "https://vault.example.com"


class Desk(Harness):
    def __init__(self, policy_name: str, path: Path | None = None, **settings: Any) -> None:
        super().__init__(policy_name, path)
        self.sender = RecordingSender()
        self.calls: list[tuple[str, bytes, dict[str, str]]] = []
        self.answer: Callable[[str, bytes], tuple[int, bytes]] = lambda url, body: (200, b"{}")
        self.settings = RequestSettings(public_url=PUBLIC_URL, **settings)
        self.requests = RequestDesk(
            self.vault.context, self.settings, sender=self.sender, post=self._post
        )

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        self.calls.append((url, body, headers))
        return self.answer(url, body)

    def reconfigure(self, **changes: Any) -> RequestDesk:
        """The desk again, on the same vault and outbox, with other settings."""
        self.settings = replace(self.settings, **changes)
        self.requests = RequestDesk(
            self.vault.context, self.settings, sender=self.sender, post=self._post
        )
        return self.requests

    # subjects -----------------------------------------------------------------------------------

    def member(
        self,
        point_key: str,
        values: Mapping[str, Any],
        *,
        jurisdictions: Sequence[str] | None = None,
        subject_id: str | None = None,
    ) -> str:
        """Collect through ``point_key`` with every consent it asks, for a subject tagged
        with ``jurisdictions`` (the policy's when None)."""
        point = self.policy.collection_points[point_key]
        consents = [ConsentChoice(c.category, tuple(c.purposes)) for c in point.consents]
        return self.vault.collect(
            point_key,
            values,
            consents,
            WEB,
            APP,
            subject_id=subject_id,
            jurisdictions=jurisdictions,
        ).subject_id

    def grant_every_purpose(self, actor: Actor = CLERK) -> None:
        for purpose in self.policy.purposes:
            self.vault.grant(actor.id, purpose, ADMIN)

    # requests -----------------------------------------------------------------------------------

    def submit(self, kind: RequestKind, actor: Actor = SUBJECT_APP, **fields: Any) -> Received:
        return self.requests.submit(Submission(kind=kind, **fields), actor)

    def verified(self, kind: RequestKind, email: str, **fields: Any) -> RightsRequest:
        """A request by e-mail, verified with the code the vault mailed to that address (what
        was waiting to be sent goes first, so the last code sent is this request's)."""
        self.requests.work()
        received = self.submit(kind, email=email, **fields)
        return self.requests.verify(received.request_id, self.code_sent_to(email), SUBJECT_APP)

    def signed_in(self, kind: RequestKind, subject_id: str, **fields: Any) -> Received:
        """A request of a subject the controller's service has just signed in."""
        token, _ = self.requests.subject_token(subject_id, APP)
        return self.submit(kind, subject_token=token, **fields)

    # the outbox ---------------------------------------------------------------------------------

    def deliver(self) -> list[Envelope]:
        """Run the desk's work and return what was sent by it."""
        before = len(self.sender.sent)
        self.requests.work()
        return self.sender.sent[before:]

    def mail_to(self, address: str, kind: str | None = None) -> list[Envelope]:
        return [
            e
            for e in self.sender.sent
            if e.to == address and (kind is None or self.kind_of(e) == kind)
        ]

    def kind_of(self, envelope: Envelope) -> str:
        """The outbox kind (verification_code, result, ...) of a sent envelope."""
        message_id = envelope.message_id.strip("<>").split("@")[0]
        return self.memory.store.raw_state().requests.messages[message_id][0].kind

    def code_sent_to(self, address: str) -> str:
        self.requests.work()
        for envelope in reversed(self.mail_to(address)):
            found = re.search(r"\b(\d{6})\b", envelope.text)
            if found:
                return found.group(1)
        raise AssertionError("no code was sent to that address")

    def link_sent_to(self, address: str) -> str:
        """The token of the last download link mailed to ``address``."""
        self.requests.work()
        for envelope in reversed(self.mail_to(address, "result")):
            found = re.search(
                re.escape(PUBLIC_URL) + r"/v1/downloads/([A-Za-z0-9_\-]+)", envelope.text
            )
            if found:
                return found.group(1)
        raise AssertionError("no download link was sent to that address")

    # the audit log ------------------------------------------------------------------------------

    def audit_texts(self) -> list[str]:
        """Every audit entry as the canonical JSON the log stores."""
        return [encode_entry(e).decode() for e in self.memory.audit_entries()]


def derived_policy(tmp_path: Path, name: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """An example policy with ``change`` applied, written under ``tmp_path``."""
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load(EXAMPLES / f"{name}.yaml")
    change(data)
    path = tmp_path / f"{name}.yaml"
    yaml.dump(data, path)
    return path


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes and passwords hashed with Argon2id at its cheapest: the tests here are about
    what the desk does with a code, not about the cost of guessing one (tests/unit/crypto
    checks the real parameters). A verification reads the parameters from the hash."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    monkeypatch.setattr(Argon2Parameters, "hasher", lambda self: cheap)


@pytest.fixture
def megazone_desk() -> Desk:
    return Desk("megazone-cloudplex")


@pytest.fixture
def optapex_desk() -> Desk:
    return Desk("lgcns-optapex")
