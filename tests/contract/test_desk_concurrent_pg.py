"""Two request desks at once on one PostgreSQL vault (as two `serve` processes or a `serve`
and a cron `requests work` would run): each on an engine of its own, so their transactions
really run side by side. Together they deliver every queued message and pass every
forwarding on, none of it twice: messages and forwardings are claimed with ``FOR UPDATE SKIP
LOCKED`` and leased before they are sent.

Skipped, saying why, when the PostgreSQL server is unreachable."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine
from tests.contract.test_sweeper_concurrent_pg import (
    Shared,
    context,
)

from policyvault.crypto.hazmat import generate_key
from policyvault.crypto.keys import LocalKeyProvider
from policyvault.crypto.signing import CheckpointSigner
from policyvault.domain.audit import Actor
from policyvault.domain.clock import SimulatedClock
from policyvault.domain.policy.data import ConsentCategory
from policyvault.domain.requests import RequestKind
from policyvault.services.outbox.smtp import Envelope, RecordingSender
from policyvault.services.policy_files import load_policy
from policyvault.services.requests.facade import RequestDesk
from policyvault.services.requests.intake import Submission
from policyvault.services.vault import ConsentChoice, Evidence, Vault
from policyvault.storage.shredding_keys_memory import InMemoryShreddingKeyStore

if TYPE_CHECKING:  # the fixture's type; conftest is not importable as a package module
    from conftest import Database

pytestmark = pytest.mark.postgres

OPTAPEX = Path(__file__).resolve().parents[2] / "examples" / "policies" / "lgcns-optapex.yaml"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
APP = Actor(id="webshop-1", role="service")
ADMIN = Actor(id="admin-1", role="admin")
CLERK = Actor(id="clerk-1", role="handler")
MEMBERS = 30


class Recipient:
    """Every webhook call any desk makes, thread-safe."""

    def __init__(self) -> None:
        self.calls: list[bytes] = []
        self._lock = threading.Lock()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        with self._lock:
            self.calls.append(body)
        return 202, b""


def seed(db: Database, shared: Shared, recipient: Recipient) -> int:
    """Members whose e-mail went to AWS, each asking for deletion: their codes, receipts,
    results and AWS's erasures are all waiting. Returns how many messages are queued."""
    engine = db.engine()
    try:
        ctx = context(db, engine, shared)
        vault = Vault(ctx)
        desk = RequestDesk(ctx, post=recipient.post)
        desk.set_endpoint("aws", webhook="https://aws.example/erase", actor=ADMIN)
        vault.grant(CLERK.id, "solution.service", ADMIN)
        choice = ConsentChoice(
            ConsentCategory.collection_use, ("solution.service", "service.notifications")
        )
        for n in range(MEMBERS):
            values = {"email": f"member{n}@example.com", "password": "a long password 1"}
            subject = vault.collect("sign_up", values, [choice], Evidence(channel="web"), APP)
            vault.disclose(subject.subject_id, ["email"], "aws", "solution.service", CLERK)
            token, _ = desk.subject_token(subject.subject_id, APP)
            received = desk.submit(Submission(kind=RequestKind.deletion, subject_token=token), APP)
            desk.fulfil(received.request_id, CLERK)
        with ctx.store.session() as session:
            return len(session.requests.messages(limit=10_000))
    finally:
        engine.dispose()


def work_at_once(db: Database, shared: Shared, recipient: Recipient) -> list[Envelope]:
    start = threading.Barrier(2)
    senders = [RecordingSender(), RecordingSender()]
    errors: list[BaseException] = []

    def run(n: int) -> None:
        engine = db.engine()
        try:
            desk = RequestDesk(context(db, engine, shared), sender=senders[n], post=recipient.post)
            start.wait()
            report = desk.work()
            assert not report.errors, report.errors
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return [*senders[0].sent, *senders[1].sent]


def test_two_desks_at_once_send_everything_once(database: Database, tmp_path: Path) -> None:
    shared = Shared(
        policy=load_policy(OPTAPEX),
        clock=SimulatedClock(START),
        master=LocalKeyProvider(generate_key()),
        blind_index_key=generate_key(),
        shredding_keys=InMemoryShreddingKeyStore(),
        signer=CheckpointSigner.generate(),
    )
    recipient = Recipient()
    queued = seed(database, shared, recipient)
    assert queued >= 2 * MEMBERS  # a receipt and a result each

    sent = work_at_once(database, shared, recipient)

    ids = Counter(envelope.message_id for envelope in sent)
    assert sum(ids.values()) == queued and max(ids.values()) == 1
    erasures = Counter(_forwarding_id(body) for body in recipient.calls)
    assert len(erasures) == MEMBERS and max(erasures.values()) == 1
    engine: Engine = database.engine()
    try:
        ctx = context(database, engine, shared)
        with ctx.store.session() as session:
            statuses = Counter(m.status.value for m in session.requests.messages(limit=10_000))
        assert statuses == {"sent": queued}
    finally:
        engine.dispose()


def _forwarding_id(body: bytes) -> Any:
    return json.loads(body)["forwarding_id"]
