"""Years of a seed policy replayed in seconds: a sandbox vault made from the seed, served by
``policyvault serve`` on loopback, driven only through the HTTP API, its simulated clock set
forward between steps (``POST /v1/sandbox/clock``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from policyvault.bootstrap import api_keys, init_vault, read_config
from tests.e2e.runner import clean_environ, serving

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "examples" / "policies"
ROLES = {
    "admin": "admin-1",
    "privacy_officer": "officer-1",
    "service": "webshop-1",
    "handler": "clerk-1",
    "auditor": "auditor-1",
}
STATUTORY = "legal.statutory_retention"


@dataclass
class Replay:
    base: str
    home: Path
    log: Path
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def as_(self, role: str) -> httpx.Client:
        return self.clients[role]

    # time ---------------------------------------------------------------------------------------

    def at(self, when: datetime) -> datetime:
        """Set the vault's clock (it only ever moves forward in these replays)."""
        moved = self.as_("admin").post("/v1/sandbox/clock", json={"set": when.isoformat()})
        assert moved.status_code == 200, moved.text
        return datetime.fromisoformat(moved.json()["now"])

    # the subject's side ---------------------------------------------------------------------------

    def collect(
        self,
        point: str,
        values: dict[str, Any],
        consents: list[dict[str, Any]] | None = None,
        *,
        subject_id: str | None = None,
        jurisdictions: list[str] | None = None,
    ) -> str:
        body: dict[str, Any] = {"point": point, "values": values, "consents": consents or []}
        if subject_id is not None:
            body["subject_id"] = subject_id
        if jurisdictions is not None:
            body["jurisdictions"] = jurisdictions
        created = self.as_("service").post("/v1/subjects", json=body)
        assert created.status_code == 201, created.text
        return str(created.json()["subject_id"])

    def event(self, subject_id: str, name: str) -> None:
        made = self.as_("service").post(f"/v1/subjects/{subject_id}/events", json={"name": name})
        assert made.status_code == 201, made.text

    def consent(self, subject_id: str, category: str, purposes: list[str], action: str) -> None:
        body = {"category": category, "purposes": purposes, "action": action}
        changed = self.as_("service").post(f"/v1/subjects/{subject_id}/consents", json=body)
        assert changed.status_code == 201, changed.text

    def record(
        self, subject_id: str, record_type: str, occurred_at: datetime, payload: dict[str, Any]
    ) -> dict[str, Any]:
        body = {
            "record_type": record_type,
            "occurred_at": occurred_at.isoformat(),
            "payload": payload,
        }
        made = self.as_("service").post(f"/v1/subjects/{subject_id}/records", json=body)
        assert made.status_code == 201, made.text
        return dict(made.json())

    # staff ----------------------------------------------------------------------------------------

    def grant(self, role: str, purpose: str) -> None:
        body = {"actor_id": ROLES[role], "purpose": purpose}
        made = self.as_("admin").post("/v1/grants", json=body)
        assert made.status_code == 201, made.text

    def read(self, subject_id: str, items: list[str], purpose: str) -> httpx.Response:
        body = {"items": items, "purpose": purpose}
        return self.as_("handler").post(f"/v1/subjects/{subject_id}/read", json=body)

    def records(self, subject_id: str, purpose: str = STATUTORY) -> httpx.Response:
        return self.as_("handler").get(
            f"/v1/subjects/{subject_id}/records", params={"purpose": purpose}
        )

    def deadlines(self, subject_id: str) -> list[dict[str, Any]]:
        found = self.as_("privacy_officer").get(f"/v1/subjects/{subject_id}/deadlines")
        assert found.status_code == 200, found.text
        return list(found.json())

    def open_deadlines(self, subject_id: str) -> list[dict[str, Any]]:
        return [d for d in self.deadlines(subject_id) if d["status"] not in ("done", "cancelled")]

    def sweep(self) -> dict[str, Any]:
        swept = self.as_("admin").post("/v1/retention/sweep", json={"dry_run": False})
        assert swept.status_code == 200, swept.text
        return dict(swept.json())

    def queue(self) -> list[dict[str, Any]]:
        found = self.as_("privacy_officer").get("/v1/retention/queue")
        assert found.status_code == 200, found.text
        return list(found.json())

    def approve_all(self) -> int:
        approved = 0
        for batch in self.queue():
            decided = self.as_("privacy_officer").post(
                f"/v1/retention/batches/{batch['id']}/approve"
            )
            assert decided.status_code == 200, decided.text
            approved += int(decided.json()["tasks"])
        return approved

    def certificate(self, certificate_id: str, *, html: bool = False) -> httpx.Response:
        params = {"format": "html"} if html else {}
        return self.as_("auditor").get(
            f"/v1/retention/certificates/{certificate_id}", params=params
        )

    def hold(self, subject_id: str, reason: str, reference: str) -> str:
        body = {"subject_id": subject_id, "reason": reason, "reference": reference}
        placed = self.as_("privacy_officer").post("/v1/holds", json=body)
        assert placed.status_code == 201, placed.text
        return str(placed.json()["id"])

    def release(self, hold_id: str) -> None:
        released = self.as_("privacy_officer").delete(f"/v1/holds/{hold_id}")
        assert released.status_code == 204, released.text

    def statistics(self) -> dict[str, Any]:
        found = self.as_("auditor").get("/v1/retention/statistics")
        assert found.status_code == 200, found.text
        return dict(found.json())


@contextmanager
def replaying(policy: Path, workdir: Path, start: datetime) -> Iterator[Replay]:
    """A sandbox vault from ``policy`` served on loopback, its clock set to ``start``."""
    home = workdir / "vault"
    environ = clean_environ()
    init_vault(home, policy, sandbox=True, environ=environ)
    store = api_keys(read_config(home, environ))
    now = datetime.now(UTC)
    keys = {role: store.create(role, actor, now)[1] for role, actor in ROLES.items()}
    log = home / "server.log"
    with serving(home, log, environ) as base, ExitStack() as clients:
        replay = Replay(base, home, log)
        for role, key in keys.items():
            replay.clients[role] = clients.enter_context(
                httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60)
            )
        replay.at(start)
        yield replay


def by_action(deadlines: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Open deadlines keyed by (target key, action)."""
    return {(d["target_key"], d["action"]): d for d in deadlines}


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def about(text: str, expected: datetime, *, seconds: int = 30) -> bool:
    """``text`` is ``expected`` give or take the seconds a replay takes: the sandbox clock
    is an offset from the real one, so it goes on ticking after it is set."""
    return abs((when(text) - expected).total_seconds()) <= seconds
